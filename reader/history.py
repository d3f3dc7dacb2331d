"""Undo and redo of state changes and removals, kept in the home so they survive a restart.

`history.jsonl` gets one line per event, appended under the home lock just after
the state file is written (under the same lock, so numbers and order agree):

    {"do": 7, "said": "tags +ml", "at": "...", "before": {id: state}, "after": {id: state}}
    {"do": 8, "said": "removed", ..., "removed": {id: paper}, "places": {id: n}}
    {"undo": 7, "at": "..."}
    {"redo": 7, "at": "..."}

Replaying the lines gives the undo and redo stacks, shared by every instance on
the home (the history is the home's, not one window's). A removal carries the papers it
took out of library.json (their states are its `before`) and the places they
stood there, so an undo puts them back as they were, where they were (papers
with no other order, undated ones, are listed in library.json's).

A step is recorded only once its change is saved, so a change the disk refused is
never undone or redone into existence. A line that cannot be written (disk full)
does not take back the change: that step is then not undoable, and the caller
says so. A line cut short (a crash, a short write) is skipped and counted, and
the next line never continues it: an append that finds the file not ending in a
newline starts with one, and a failed append cuts the file back to where it was.

The file is bounded. Each append knows the size it found (an fstat, not a read),
and once that passes LIMIT the file is rewritten as its most recent steps, in
about half of LIMIT (see `compact`): a rewrite per LIMIT/2 bytes of changes, and
an undo reads little more than LIMIT. A larger file (left by an older version) is
read from its last READ_AT_MOST bytes only: its older steps are forgotten rather
than the first undo reading hundreds of megabytes.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reader.models import Paper, PaperState

HISTORY_FILE = "history.jsonl"
KEEP = 200  # steps kept each way by a compaction
# Kept whatever their size, so a bulk change (~260 bytes a paper) can still be
# undone after the paper opened just after it was marked read.
KEEP_ANYWAY = 3
LIMIT = 4 * 1024 * 1024  # bytes: past this, the file is compacted (an undo reads that in ~0.3 s)
READ_AT_MOST = 16 * LIMIT  # bytes read of a file that grew long before LIMIT existed


@dataclass(frozen=True)
class Entry:
    """One undoable step: every paper it changed, as it was and as it became,
    and the papers it removed from the library (none but for a removal), with
    their places in it (a step written before places were kept has none)."""

    number: int
    said: str
    before: dict[str, PaperState]
    after: dict[str, PaperState]
    removed: dict[str, Paper] = field(default_factory=dict)
    places: dict[str, int] = field(default_factory=dict)


@dataclass
class Stacks:
    undo: list[Entry]
    redo: list[Entry]  # the next to redo last
    size: int  # bytes in the file
    damaged: int  # lines that are not events: cut short, or garbled

    @property
    def long(self) -> bool:
        """Due a compaction: too long, or holding lines a rewrite would drop."""
        return self.size > LIMIT or self.damaged > 0


def new_number() -> int:
    """An entry's number: unique without reading the file (a change must stay cheap)."""
    return time.time_ns()


def read(path: Path) -> Stacks:
    """The stacks the file's events leave (none if there is no file).

    Raises OSError if the file cannot be read at all; a line that is not an event
    (cut short, not UTF-8, not JSON) is only skipped and counted."""
    undo: list[Entry] = []
    redo: list[Entry] = []
    damaged = 0
    try:
        stream = open(path, "rb")
    except FileNotFoundError:
        return Stacks(undo, redo, 0, 0)
    with stream:
        size = os.fstat(stream.fileno()).st_size
        if size > READ_AT_MOST:
            stream.seek(size - READ_AT_MOST)
            stream.readline()  # the end of a line that began before
            if stream.tell() == size:  # the newest step alone is longer: it is the one to keep
                stream.seek(0)
        for line in stream:
            try:
                event = json.loads(line)
                if "do" in event:
                    undo.append(_entry(event))
                    redo.clear()
                elif "undo" in event and undo and undo[-1].number == event["undo"]:
                    redo.append(undo.pop())
                elif "redo" in event and redo and redo[-1].number == event["redo"]:
                    undo.append(redo.pop())
            except (ValueError, TypeError, KeyError, AttributeError):
                damaged += 1
    return Stacks(undo, redo, size, damaged)


def _entry(event: dict) -> Entry:
    def states(table: dict) -> dict[str, PaperState]:
        return {str(pid): PaperState.from_dict(state) for pid, state in table.items()}

    removed = {str(pid): Paper.from_dict(paper) for pid, paper in event.get("removed", {}).items()}
    places = {str(pid): int(place) for pid, place in event.get("places", {}).items()}
    return Entry(int(event["do"]), str(event.get("said", "")), states(event["before"]), states(event["after"]), removed, places)


def _states(table: dict[str, PaperState]) -> dict[str, dict]:
    return {pid: state.to_dict() for pid, state in table.items()}


def _done(entry: Entry, at: str) -> dict:
    done = {"do": entry.number, "said": entry.said, "at": at, "before": _states(entry.before), "after": _states(entry.after)}
    if entry.removed:
        done["removed"] = {pid: paper.to_dict() for pid, paper in entry.removed.items()}
        done["places"] = entry.places
    return done


def _line(event: dict) -> str:
    return json.dumps(event, ensure_ascii=True, separators=(",", ":")) + "\n"


def record(path: Path, entry: Entry, at: str) -> bool:
    """Append a step already saved; True if the file is now due a compaction. Raises OSError."""
    return _append(path, _done(entry, at))


def record_move(path: Path, kind: str, number: int, at: str) -> bool:
    """`kind` is "undo" or "redo"; as `record`."""
    return _append(path, {kind: number, "at": at})


def _append(path: Path, event: dict) -> bool:
    line = _line(event).encode("ascii")
    fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        size = os.fstat(fd).st_size
        if size and os.pread(fd, 1, size - 1) != b"\n":
            line = b"\n" + line  # never continue a line cut short
        try:
            view = memoryview(line)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        except OSError:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, size)  # leave no part of a line behind
            raise
    finally:
        os.close(fd)
    return size > LIMIT


def compact(path: Path, at: str, write: Callable[[Path, str], None], stacks: Stacks | None = None) -> None:
    """Rewrite the file as its most recent steps: at most KEEP each way, in at most
    LIMIT/2 bytes, but the newest KEEP_ANYWAY steps and the next to redo whatever
    their size. Best effort: a file that cannot be read or rewritten stays as it is.

    `stacks` are the file's, if already read; `write(path, text)` must replace the
    file atomically (the store's writer)."""
    with contextlib.suppress(OSError):
        if stacks is None:
            stacks = read(path)
        room = LIMIT // 2
        undo: list[str] = []  # the newest first
        for entry in reversed(stacks.undo[-KEEP:]):
            line = _line(_done(entry, at))
            if len(undo) >= KEEP_ANYWAY and len(line) > room:
                break
            undo.append(line)
            room -= len(line)
        redo: list[tuple[str, str]] = []  # the next to redo first
        for entry in reversed(stacks.redo[-KEEP:]):
            done, undone = _line(_done(entry, at)), _line({"undo": entry.number, "at": at})
            if redo and len(done) + len(undone) > room:
                break
            redo.append((done, undone))
            room -= len(done) + len(undone)
        # Replayed: the steps to redo are done in the order they were, then undone from the latest back.
        text = "".join(reversed(undo)) + "".join(done for done, _ in redo) + "".join(undone for _, undone in reversed(redo))
        write(path, text)
