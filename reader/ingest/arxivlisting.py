"""arXiv daily "new submissions" listings as JSON-lines (one paper per line).

`{id, categories: [...], pdf, abs, authors: [...], title, comment, summary}`.
Weekend files repeat the last weekday's list, so the same id arrives many
times; the library merges them and each line stays one provenance record.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO

from reader.ingest.common import (
    arxiv_id_in,
    arxiv_links,
    collapse_whitespace,
    day_in_name,
    first_record,
    json_records,
    paper_id,
    strings,
    unwrap,
)
from reader.models import Paper, Problem, Source

NAME = "arxiv-listing"

_LOOKS_LIKE = re.compile(r'"abs"\s*:\s*"https?://arxiv\.org/abs/')


def sniff(head: str) -> bool:
    record = first_record(head)
    if record is None:  # the first line is longer than the sniffed text
        return head.lstrip("\ufeff \t\r\n").startswith("{") and bool(_LOOKS_LIKE.search(head)) and '"summary"' in head
    return (
        {"id", "title", "summary"} <= record.keys()
        and isinstance(record.get("authors"), list)
        and ("abs" in record or "pdf" in record)
    )


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    day = day_in_name(file_name)
    for record in json_records(stream, file_name):
        if isinstance(record, Problem):
            yield record
        else:
            yield _paper(*record, file_name, day)


def _paper(position: int, record: Any, file_name: str, day: str | None) -> Paper | Problem:
    if not isinstance(record, dict):
        return Problem(file_name, "not a listing record (expected an object)", position)
    title = collapse_whitespace(record["title"]) if isinstance(record.get("title"), str) else ""
    if not title:
        return Problem(file_name, "record has no title", position)
    arxiv_id = arxiv_id_in(record.get("id")) or arxiv_id_in(record.get("abs"))
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    links += [record[k] for k in ("abs", "pdf") if isinstance(record.get(k), str) and record[k].startswith("http")]
    summary = record.get("summary")
    return Paper(
        id=paper_id(arxiv_id, title),
        title=title,
        abstract=unwrap(summary) if isinstance(summary, str) else "",
        authors=tuple(strings(record.get("authors"))),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, position, day),),
        arxiv_id=arxiv_id,
        categories=tuple(strings(record.get("categories"))),
    )
