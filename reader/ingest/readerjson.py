"""reader's own JSON export: papers with the person's state, read back losslessly.

`{"format": "reader", "version": 1, "papers": [{...Paper.to_dict(), "state": {...}}]}`
(`reader.export.to_json` writes it). The papers array is streamed, so a
100k-paper backup is never held whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO

from reader.ingest.common import BrokenJson, JsonReader
from reader.models import Paper, PaperState, Problem, StatedPaper

NAME = "reader-json"
FORMAT = "reader"
VERSION = 1

_HEAD = re.compile(r'^\ufeff?\s*\{\s*"format"\s*:\s*"reader"')


def sniff(head: str) -> bool:
    return bool(_HEAD.match(head))


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | StatedPaper | Problem]:
    from reader.ingest import IngestError  # the package imports this module first

    reader = JsonReader(stream)
    header: dict[str, Any] = {}
    position = 0
    seen_papers = False
    try:
        if reader.peek() != "{":
            raise IngestError(f"{file_name}: not a reader export (expected a JSON object)")
        for key, member in reader.members():
            if key != "papers":
                header[key] = member.value()
                continue
            _check(header, file_name)
            seen_papers = True
            for position, data in enumerate(member.items(), 1):
                yield _record(data, file_name, position)
    except BrokenJson as error:
        if position == 0:
            raise IngestError(f"{file_name}: {error}") from None
        yield Problem(file_name, f"{error}; reading stopped after paper {position}", position + 1)
        return
    if not seen_papers:
        _check(header, file_name)


def _check(header: dict[str, Any], file_name: str) -> None:
    from reader.ingest import IngestError

    if header.get("format") != FORMAT:
        raise IngestError(f'{file_name}: not a reader export (no "format": "reader" before the papers)')
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise IngestError(f"{file_name}: made by a newer reader (format version {version!r}); update reader")


def _record(data: Any, file_name: str, position: int) -> Paper | StatedPaper | Problem:
    """A paper (with its state if it has one), or a Problem: a hand-edited file may be off."""
    if not isinstance(data, dict):
        return Problem(file_name, "not a paper (expected an object)", position)
    state = data.get("state")
    try:
        paper = Paper.from_dict(data)
        return paper if state is None else StatedPaper(paper, _state(state))
    except ValueError as error:
        return Problem(file_name, f"paper {str(data.get('id', '?'))[:80]!r} is unusable: {error}", position)


def _state(data: Any) -> PaperState:
    try:
        return PaperState.from_dict(data)
    except ValueError as error:
        raise ValueError(f"its 'state': {error}") from None
