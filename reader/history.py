"""Undo and redo of state changes, kept in the home so they survive a restart.

`history.jsonl` gets one line per event, appended under the home lock just before
the state file is written (under the same lock, so numbers and order agree):

    {"do": 7, "said": "tags +ml", "at": "...", "before": {id: state}, "after": {id: state}}
    {"undo": 7, "at": "..."}
    {"redo": 7, "at": "..."}

Replaying the lines gives the undo and redo stacks, shared by every instance on
the home (the history is the home's, not one window's). A line cut short by a
crash is skipped. If an event line reaches the disk but its state write does not,
undoing it sets papers to what they already are, which is harmless. A line that
cannot be written (disk full) does not stop the change: that step is then not
undoable. The file is compacted to the most recent entries when it grows long.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reader.models import PaperState

HISTORY_FILE = "history.jsonl"
KEEP = 200  # entries kept by a compaction
_COMPACT_AT = 2000  # lines


@dataclass(frozen=True)
class Entry:
    """One undoable step: every paper it changed, as it was and as it became."""

    number: int
    said: str
    before: dict[str, PaperState]
    after: dict[str, PaperState]


@dataclass
class Stacks:
    undo: list[Entry]
    redo: list[Entry]  # the next to redo last
    lines: int


def new_number() -> int:
    """An entry's number: unique without reading the file (a change must stay cheap)."""
    return time.time_ns()


def read(path: Path) -> Stacks:
    """The stacks the file's events leave; an unreadable file is an empty history."""
    entries: dict[int, Entry] = {}
    undo: list[int] = []
    redo: list[int] = []
    lines = 0
    try:
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                lines += 1
                try:
                    event = json.loads(line)
                    if "do" in event:
                        entry = _entry(event)
                        entries[entry.number] = entry
                        undo.append(entry.number)
                        redo.clear()
                    elif "undo" in event and undo and undo[-1] == event["undo"]:
                        redo.append(undo.pop())
                    elif "redo" in event and redo and redo[-1] == event["redo"]:
                        undo.append(redo.pop())
                except (ValueError, TypeError, KeyError, AttributeError):
                    continue  # a torn or foreign line
    except FileNotFoundError:
        pass
    except (OSError, UnicodeDecodeError):
        pass  # losing undo must never stop the app
    return Stacks([entries[n] for n in undo], [entries[n] for n in redo], lines)


def _entry(event: dict) -> Entry:
    def states(table: dict) -> dict[str, PaperState]:
        return {str(pid): PaperState.from_dict(state) for pid, state in table.items()}

    return Entry(int(event["do"]), str(event.get("said", "")), states(event["before"]), states(event["after"]))


def _states(table: dict[str, PaperState]) -> dict[str, dict]:
    return {pid: state.to_dict() for pid, state in table.items()}


def _done(entry: Entry, at: str) -> dict:
    return {"do": entry.number, "said": entry.said, "at": at, "before": _states(entry.before), "after": _states(entry.after)}


def _line(event: dict) -> str:
    return json.dumps(event, ensure_ascii=True, separators=(",", ":")) + "\n"


def record(path: Path, entry: Entry, at: str) -> None:
    _append(path, _done(entry, at))


def record_move(path: Path, kind: str, number: int, at: str) -> None:
    """`kind` is "undo" or "redo"."""
    _append(path, {kind: number, "at": at})


def _append(path: Path, event: dict) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, _line(event).encode("ascii"))
        os.fsync(fd)
    finally:
        os.close(fd)


def compact_if_long(path: Path, stacks: Stacks, at: str, write: Callable[[Path, str], None]) -> None:
    """Rewrite the file as the most recent KEEP entries, once it has many lines.

    `write(path, text)` must replace the file atomically (the store's writer)."""
    if stacks.lines < _COMPACT_AT:
        return
    undo = stacks.undo[-KEEP:]
    redo = stacks.redo[-KEEP:]
    events = [_done(e, at) for e in undo + redo[::-1]]
    events += [{"undo": e.number, "at": at} for e in redo]
    text = "".join(map(_line, events))
    with contextlib.suppress(OSError):
        write(path, text)
