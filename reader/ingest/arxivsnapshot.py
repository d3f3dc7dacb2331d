"""arXiv's metadata snapshot (the Kaggle `arxiv-metadata-oai-snapshot.json`), JSON-lines.

Authors come from `authors_parsed`, which arXiv already turned from TeX
(`Bal\\'azs`) into Unicode and split from affiliations; the flat `authors`
string is the fallback.
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
    first_doi,
    first_record,
    iso_day,
    json_records,
    paper_id,
    unwrap,
)
from reader.models import Paper, Problem, Source

NAME = "arxiv-snapshot"

_AUTHOR_SPLIT = re.compile(r",\s*(?:and\s+)?|\s+and\s+")
_AFFILIATION = re.compile(r"\([^()]*(?:\([^()]*\)[^()]*)*\)")


def sniff(head: str) -> bool:
    record = first_record(head)
    if record is None:
        return head.lstrip("\ufeff \t\r\n").startswith("{") and '"abstract"' in head and '"authors_parsed"' in head
    return {"id", "title", "abstract"} <= record.keys() and (
        "authors_parsed" in record or "versions" in record or "update_date" in record
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
        return Problem(file_name, "not a snapshot record (expected an object)", position)
    title = collapse_whitespace(record["title"]) if isinstance(record.get("title"), str) else ""
    if not title:
        return Problem(file_name, "record has no title", position)
    arxiv_id = arxiv_id_in(record.get("id"))
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    doi = first_doi(record.get("doi"))
    if doi:
        links.append(f"https://doi.org/{doi}")
    categories = record.get("categories")
    abstract = record.get("abstract")
    return Paper(
        id=paper_id(arxiv_id, title),
        title=title,
        abstract=unwrap(abstract) if isinstance(abstract, str) else "",
        authors=_authors(record),
        links=tuple(links),
        sources=(Source(file_name, NAME, position, day),),
        arxiv_id=arxiv_id,
        categories=tuple(categories.split()) if isinstance(categories, str) else (),
        published=_first_version_day(record.get("versions")) or iso_day(record.get("update_date")),
        doi=doi,
    )


def _authors(record: dict) -> tuple[str, ...]:
    parsed = record.get("authors_parsed")
    if isinstance(parsed, list) and parsed:
        names = []
        for parts in parsed:
            if not isinstance(parts, list):
                continue
            last, first, suffix = ([p if isinstance(p, str) else "" for p in parts] + ["", "", ""])[:3]
            first = re.sub(r"\.\s+-", ".-", first)  # arXiv splits `C.-P.` into `C. -P.`
            name = collapse_whitespace(" ".join(p for p in (first, last, suffix) if p))
            if name:
                names.append(name)
        if names:
            return tuple(names)
    raw = record.get("authors")
    if not isinstance(raw, str):
        return ()
    without_affiliations = _AFFILIATION.sub(" ", collapse_whitespace(raw))
    return tuple(n.strip() for n in _AUTHOR_SPLIT.split(without_affiliations) if n.strip())


def _first_version_day(versions: Any) -> str | None:
    if isinstance(versions, list) and versions and isinstance(versions[0], dict):
        return iso_day(versions[0].get("created"))
    return None
