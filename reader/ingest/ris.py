"""RIS files (EndNote, Zotero, Mendeley, publishers' "cite" buttons, Scopus, Web of Science exports).

Records are cut out here (`TY  -` to `ER  -`), so the file streams and a record
left open is reported rather than silently dropped; rispy reads each record's
tags (its mapping knows which repeat, which continue over lines and how URLs
are delimited), so the tag table is not kept twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO

import rispy

from reader.ingest.bibtex import authors as bibtex_authors
from reader.ingest.common import (
    arxiv_id_in,
    arxiv_in_doi,
    arxiv_links,
    day_in_name,
    first_doi,
    paper_id,
    text_or_none,
    unwrap,
    year_of,
)
from reader.models import Paper, Problem, Source

NAME = "ris"

_TAG = re.compile(r"^([A-Z][A-Z0-9])  -(?: |$)")
_SNIFF = re.compile(r"(?m)^\ufeff?TY  - ?\S")
_ARXIV_NOTE = re.compile(r"arxiv:\s*(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})", re.I)


def sniff(head: str) -> bool:
    return bool(_SNIFF.search(head))


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    day = day_in_name(file_name)
    position = 0
    record: list[str] | None = None
    start = 0
    for line_no, line in enumerate(stream, 1):
        line = line.rstrip("\r\n").lstrip("\ufeff")
        tag = _TAG.match(line)
        if tag and tag.group(1) == "TY":
            if record is not None:
                yield Problem(file_name, f"the record at line {start} has no 'ER  -' end (cut short?); record skipped", position)
            position += 1
            record, start = [line], line_no
        elif record is not None:
            record.append(line)
            if tag and tag.group(1) == "ER":
                yield _paper(record, file_name, position, start, day)
                record = None
    if record is not None:
        yield Problem(file_name, f"the file ends inside the record at line {start} (no 'ER  -'); record skipped", position)


def _paper(lines: list[str], file_name: str, position: int, line: int, day: str | None) -> Paper | Problem:
    (fields,) = rispy.RisParser(skip_unknown_tags=False).parse_lines(iter(lines))
    title = _first(fields, "title", "primary_title", "translated_title", "short_title")
    if not title:
        return Problem(file_name, f"the record at line {line} has no title (TI or T1)", position)
    doi = first_doi(_first(fields, "doi") or "")
    urls = [u for u in fields.get("urls", []) if isinstance(u, str) and u.startswith(("http://", "https://"))]
    arxiv_id = _arxiv_id(fields, urls, doi)
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    links += [url for url in urls if not (arxiv_id and arxiv_id_in(url) == arxiv_id)]  # versioned copies add nothing
    if doi:
        links.append(f"https://doi.org/{doi}")
    date = _date(fields)
    start, end = _first(fields, "start_page"), _first(fields, "end_page")
    return Paper(
        id=paper_id(arxiv_id, title, doi),
        title=title,
        abstract=unwrap(_first(fields, "abstract", "notes_abstract") or "", indented_paragraphs=False),
        authors=_names(fields, "authors", "first_authors"),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, position, day),),
        arxiv_id=arxiv_id,
        published=date,
        entry_type=_first(fields, "type_of_reference"),
        # JF is the journal's full name, T2 the journal or the proceedings a paper is in.
        venue=_first(fields, "alternate_title3", "journal_name", "secondary_title", "alternate_title1", "alternate_title2"),
        volume=_first(fields, "volume"),
        number=_first(fields, "number"),
        pages=f"{start}--{end}" if start and end and start != end else start or end,
        publisher=_first(fields, "publisher"),
        month=date[5:7] if date and len(date) >= 7 else None,
        doi=doi,
        editors=_names(fields, "secondary_authors") if fields.get("type_of_reference") in _EDITED else (),
        files=tuple(f for name in ("file_attachments1", "file_attachments2") for f in _list(fields.get(name))),
        cite_key=_first(fields, "id"),
    )


_EDITED = {"CHAP", "BOOK", "EDBOOK", "CONF", "CPAPER"}  # where A2 holds the editors


def _first(fields: dict[str, Any], *names: str) -> str | None:
    for name in names:
        for value in _list(fields.get(name)):
            if text := text_or_none(value):
                return text
    return None


def _list(value: Any) -> list[str]:
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def _names(fields: dict[str, Any], *names: str) -> tuple[str, ...]:
    """RIS names are `Last, First` (sometimes `Last, First, Jr.`), one per tag; from
    the first of these tags that has any (exporters write AU, older ones A1)."""
    values = next((found for key in names if (found := _list(fields.get(key)))), [])
    return tuple(name for value in values for name in bibtex_authors(value))


def _date(fields: dict[str, Any]) -> str | None:
    """`DA`/`PY`/`Y1` as `YYYY/MM/DD/other`; only the parts given."""
    for raw in (_first(fields, "date"), _first(fields, "year"), _first(fields, "publication_year")):
        if not raw or not (year := year_of(raw)):
            continue
        parts = re.split(r"[/-]", raw.strip())
        if len(parts) >= 2 and parts[1].isdigit() and 1 <= int(parts[1]) <= 12:
            month = f"{int(parts[1]):02d}"
            if len(parts) >= 3 and parts[2].isdigit() and 1 <= int(parts[2]) <= 31:
                return f"{year}-{month}-{int(parts[2]):02d}"
            return f"{year}-{month}"
        return year
    return None


def _arxiv_id(fields: dict[str, Any], urls: list[str], doi: str | None) -> str | None:
    for url in urls:
        if found := arxiv_id_in(url):
            return found
    if found := arxiv_in_doi(doi):
        return found
    for name in ("journal_name", "secondary_title", "notes", "note"):
        for value in _list(fields.get(name)):
            if match := _ARXIV_NOTE.search(value):
                return arxiv_id_in(match.group(1))
    return None
