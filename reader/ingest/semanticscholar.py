"""Semantic Scholar Graph API JSON: a paper (`/paper/{id}`), a search or a batch
page (`{"total", "offset", "data": [...]}`), a list of papers (`/paper/batch`),
or JSON lines of them (the datasets' dumps).

A paper object lists the papers that cite it and that it cites: those are
other papers, not this one's facts, so they are not imported (a paper with
thousands of citations would otherwise flood the library).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO

from reader.ingest.common import (
    JSON_START,
    arxiv_links,
    collapse_whitespace,
    day_in_name,
    first_doi,
    iso_day,
    json_records,
    paper_id,
    strings,
    text_or_none,
    unwrap,
    year_of,
)
from reader.models import Paper, Problem, Source, parse_arxiv_id

NAME = "semantic-scholar"

_PAPER_ID = re.compile(r'"paperId"\s*:\s*"[0-9a-f]{40}"')


def sniff(head: str) -> bool:
    return bool(JSON_START.match(head)) and bool(_PAPER_ID.search(head))


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    day = day_in_name(file_name)
    position = 0
    for record in json_records(stream, file_name):
        if isinstance(record, Problem):
            yield record
            continue
        _, value = record
        page = isinstance(value, dict) and "paperId" not in value and isinstance(value.get("data"), list)
        for item in value["data"] if page else [value]:
            position += 1
            yield _paper(item, file_name, position, day)


def _paper(item: Any, file_name: str, position: int, day: str | None) -> Paper | Problem:
    if not isinstance(item, dict):
        return Problem(file_name, "not a Semantic Scholar paper (expected an object)", position)
    title = text_or_none(item.get("title"))
    if not title:
        return Problem(file_name, f"paper {str(item.get('paperId', '?'))[:60]!r} has no title", position)
    ids = _record(item.get("externalIds"))
    arxiv_id = parse_arxiv_id(ids["ArXiv"]) if isinstance(ids.get("ArXiv"), str) else None
    doi = first_doi(ids.get("DOI"))
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    url = text_or_none(item.get("url"))
    if url and url.startswith("https://"):
        links.append(url)
    elif isinstance(item.get("paperId"), str) and re.fullmatch(r"[0-9a-f]{40}", item["paperId"]):
        links.append(f"https://www.semanticscholar.org/paper/{item['paperId']}")  # a search page gives only the id
    pdf = item.get("openAccessPdf")
    if isinstance(pdf, dict) and isinstance(pdf.get("url"), str) and pdf["url"].startswith(("http://", "https://")):
        links.append(pdf["url"])
    if doi:
        links.append(f"https://doi.org/{doi}")
    journal = _record(item.get("journal"))
    venue_record = _record(item.get("publicationVenue"))
    published = iso_day(item.get("publicationDate")) or year_of(item.get("year"))
    types = strings(item.get("publicationTypes"))
    return Paper(
        id=paper_id(arxiv_id, title, doi),
        title=title,
        abstract=unwrap(item["abstract"], indented_paragraphs=False) if isinstance(item.get("abstract"), str) else "",
        authors=tuple(
            collapse_whitespace(a["name"])
            for a in item.get("authors") or ()
            if isinstance(a, dict) and isinstance(a.get("name"), str)
        ),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, position, day),),
        arxiv_id=arxiv_id,
        published=published,
        entry_type=types[0] if types else None,
        venue=text_or_none(journal.get("name")) or text_or_none(venue_record.get("name")) or text_or_none(item.get("venue")),
        volume=text_or_none(journal.get("volume")),
        pages=text_or_none(journal.get("pages")),
        month=published[5:7] if published and len(published) >= 7 else None,
        doi=doi,
    )


def _record(value: Any) -> dict[str, Any]:
    """A nested object of the record, or an empty one when it is missing or not an object."""
    return value if isinstance(value, dict) else {}
