"""One of two writers for tests/system/test_concurrency.py.

Usage: concurrent_child.py HOME NAME COUNT. Opens HOME with reader.library,
prints `ready`, waits for `go` on stdin (so both writers start together), then
makes COUNT changes as fast as it can:
  i % 3 != 0: tag shared paper p<i % 10> with <NAME>-<i>  (both writers
              read-modify-write the same records: a lost update would show)
  i % 3 == 0: bookmark its own paper <NAME>-b<i>
prints `done`, waits for `check`, then polls once for the other writer's
changes (as the app does every second) and prints `seen <tags> <bookmarks>`:
what its in-memory view holds, from both writers.
"""

from __future__ import annotations

import sys

from reader.library import Library


def main() -> None:
    home, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    library = Library.open(home, seed=False)
    print("ready", flush=True)
    assert sys.stdin.readline().strip() == "go"
    for i in range(count):
        if i % 3:
            library.add_tags(f"p{i % 10}", [f"{name}-{i}"])
        else:
            library.set_bookmarked(f"{name}-b{i}", True)
    print("done", flush=True)
    assert sys.stdin.readline().strip() == "check"
    library.reload_state_if_changed()
    tags = sum(len(state.tags) for state in library.states.values())
    bookmarks = sum(state.bookmarked for state in library.states.values())
    print(f"seen {tags} {bookmarks}", flush=True)


if __name__ == "__main__":
    main()
