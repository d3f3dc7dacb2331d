"""arXiv's RSS feeds (`rss.arxiv.org/rss/cs.LG`): a day's announcements as RSS 2.0.

Each item's description starts `arXiv:2406.12345v1 Announce Type: new` and then
`Abstract: ...`; the authors are one `dc:creator`, comma-separated. The day is
the channel's, when the announcement was made; an item is dated only when it is
new that day (a replacement's first version came out earlier).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import TextIO

from reader.ingest.common import (
    arxiv_id_in,
    arxiv_links,
    closed_elements,
    collapse_whitespace,
    first_doi,
    iso_day,
    paper_id,
    unwrap,
)
from reader.models import Paper, Problem, Source

NAME = "arxiv-rss"

_DC = "{http://purl.org/dc/elements/1.1/}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_RSS = re.compile(r"<rss\b[^>]*\bversion\s*=\s*[\"']2\.0[\"']")
_DESCRIPTION = re.compile(r"^\s*arXiv:(?P<id>\S+)\s+Announce Type:\s*(?P<kind>[\w-]+)\s*(?:Abstract:\s*)?(?P<abstract>.*)$", re.S)


def sniff(head: str) -> bool:
    return bool(_RSS.search(head)) and "arxiv.org" in head


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    day: str | None = None
    position = 0
    try:
        for element in closed_elements(stream, file_name, "an RSS feed"):
            if element.tag in ("pubDate", "lastBuildDate") and day is None and position == 0:
                day = iso_day(element.text)
            elif element.tag == "item":
                position += 1
                yield _paper(element, file_name, position, day)
                element.clear()
    except ET.ParseError as error:
        where = f"after item {position}" if position else "before the first item"
        yield Problem(file_name, f"the XML is broken {where} ({error}); reading stopped", position + 1)


def _paper(item: ET.Element, file_name: str, position: int, day: str | None) -> Paper | Problem:
    def text(tag: str) -> str:
        return (item.findtext(tag) or "").strip()

    title = collapse_whitespace(text("title"))
    if not title:
        return Problem(file_name, "item has no title", position)
    described = _DESCRIPTION.match(text("description"))
    abstract = described.group("abstract") if described else text("description")
    kind = described.group("kind") if described else (text(f"{_ARXIV}announce_type") or None)
    arxiv_id = arxiv_id_in(described.group("id")) if described else None
    arxiv_id = arxiv_id or arxiv_id_in(text("link"))
    doi = first_doi(text(f"{_ARXIV}DOI") or text(f"{_ARXIV}doi"))
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    if text("link").startswith("http") and not arxiv_id:
        links.append(text("link"))
    if doi:
        links.append(f"https://doi.org/{doi}")
    published = (iso_day(text("pubDate")) or day) if kind == "new" else None
    return Paper(
        id=paper_id(arxiv_id, title, doi),
        title=title,
        abstract=unwrap(abstract),
        authors=_authors(text(f"{_DC}creator")),
        links=tuple(links),
        sources=(Source(file_name, NAME, position, day),),
        arxiv_id=arxiv_id,
        categories=tuple(dict.fromkeys(c for e in item.iterfind("category") if (c := (e.text or "").strip()))),
        published=published,
        month=published[5:7] if published else None,
        doi=doi,
    )


def _authors(creator: str) -> tuple[str, ...]:
    """`Ann Lee, Bo Chen and Cy Diaz` -> three names (commas inside a name do not occur here)."""
    return tuple(n.strip() for n in re.split(r",\s*(?:and\s+)?|\s+and\s+", collapse_whitespace(creator)) if n.strip())
