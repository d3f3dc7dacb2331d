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
from reader.models import CITATION_LISTS, CITATION_TEXTS, Paper, PaperState, Problem, StatedPaper

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
        raise IngestError(f"{file_name}: not a reader export (no \"format\": \"reader\" before the papers)")
    version = header.get("version")
    if not isinstance(version, int) or version > VERSION:
        raise IngestError(f"{file_name}: made by a newer reader (format version {version!r}); update reader")


def _record(data: Any, file_name: str, position: int) -> Paper | StatedPaper | Problem:
    if not isinstance(data, dict):
        return Problem(file_name, "not a paper (expected an object)", position)
    error = _shape_error(data)
    if error:
        return Problem(file_name, f"paper {str(data.get('id', '?'))[:80]!r} is unusable: {error}", position)
    paper = Paper.from_dict(data)
    state = data.get("state")
    return paper if state is None else StatedPaper(paper, PaperState.from_dict(state))


def _shape_error(data: dict[str, Any]) -> str:
    """What is wrong with a paper record, if anything: a hand-edited file may be off."""
    for name in ("id", "title"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            return f"'{name}' must be non-empty text"
    if not isinstance(data.get("abstract", ""), str):
        return "'abstract' is not text"
    for name in ("authors", "links", "categories", *CITATION_LISTS):
        if not _texts(data.get(name, [])):
            return f"'{name}' is not a list of text"
    for name in ("arxiv_id", "published", *CITATION_TEXTS):
        if not isinstance(data.get(name), (str, type(None))):
            return f"'{name}' is not text"
    upvotes = data.get("upvotes")
    if upvotes is not None and (not isinstance(upvotes, int) or isinstance(upvotes, bool)):
        return "'upvotes' is not a whole number"
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(
        isinstance(s, dict)
        and isinstance(s.get("file"), str)
        and isinstance(s.get("format"), str)
        and isinstance(s.get("position"), int)
        and isinstance(s.get("date"), (str, type(None)))
        for s in sources
    ):
        return "'sources' is not a list of {file, format, position, date}"
    state = data.get("state")
    if state is None:
        return ""
    if not isinstance(state, dict):
        return "'state' is not an object"
    if not all(isinstance(state.get(k, False), bool) for k in ("read", "bookmarked", "dismissed")):
        return "'state' read/bookmarked/dismissed are not true/false"
    if not _texts(state.get("tags", [])) or not isinstance(state.get("note", ""), str):
        return "'state' tags or note are not text"
    if not isinstance(state.get("updated"), (str, type(None))):
        return "'state' updated is not a time"
    return ""


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
