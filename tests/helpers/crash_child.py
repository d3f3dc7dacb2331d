"""A fork server for tests/system/test_crash.py: each `go N` forks a writer to be SIGKILLed.

Usage: crash_child.py HOME. Reads commands on stdin, one a line:
  go N   fork a child that opens HOME with reader.library.Library and applies
         change N, N+1, ... forever, writing `ok <n>` to stdout after each
         change returns (that is, after it is persisted). The child writes
         `pid <pid>` first. When the child is gone this process writes
         `dead <pid> <wait status>`: everything the child wrote comes before it.
  quit   exit.
Forking from here (the modules already imported) instead of starting a fresh
Python per kill keeps 200+ kills within a few seconds.

Change n, by n % 4 (each one checkable afterwards):
  0  bookmark paper b<n>            2  mark paper r<n> read
  1  tag paper p<n%7> with t<n>     3  set the note of p<n%7> to "note <n>"
"""

from __future__ import annotations

import os
import sys

from reader.library import Library


def apply(library: Library, n: int) -> None:
    kind = n % 4
    if kind == 0:
        library.set_bookmarked(f"b{n}", True)
    elif kind == 1:
        library.add_tags(f"p{n % 7}", [f"t{n}"])
    elif kind == 2:
        library.set_read(f"r{n}", True)
    else:
        library.set_note(f"p{n % 7}", f"note {n}")


def child(home: str, start: int) -> None:
    # os.write on the pipe: one line is one write (< PIPE_BUF, so atomic), and
    # nothing waits in a buffer that the kill would throw away.
    os.write(1, f"pid {os.getpid()}\n".encode())
    library = Library.open(home, seed=False)
    n = start
    while n < start + 100_000:
        apply(library, n)
        os.write(1, f"ok {n}\n".encode())
        n += 1


def main() -> None:
    home = sys.argv[1]
    for line in sys.stdin:
        words = line.split()
        if words == ["quit"]:
            return
        if len(words) != 2 or words[0] != "go":
            continue
        pid = os.fork()
        if pid == 0:
            code = 0
            try:
                child(home, int(words[1]))
            except BaseException as error:  # noqa: BLE001 - reported to the test, which fails
                import traceback

                os.write(2, f"child failed: {error!r}\n{traceback.format_exc()}".encode())
                code = 1
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        os.write(1, f"dead {pid} {status}\n".encode())


if __name__ == "__main__":
    main()
