"""arXiv API Atom feeds (`export.arxiv.org/api/query` responses), old and new style."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import TextIO

from reader.ingest.common import (
    arxiv_id_in,
    arxiv_links,
    collapse_whitespace,
    day_in_name,
    element_events,
    first_doi,
    iso_day,
    paper_id,
    unwrap,
)
from reader.models import Paper, Problem, Source

NAME = "arxiv-atom"
API_ERROR = "arXiv API error"  # how a problem made of arXiv's error entry starts

_ATOM = "{http://www.w3.org/2005/Atom}"
_ARXIV = "{http://arxiv.org/schemas/atom}"
_FEED = re.compile(r"<feed\b[^>]*\bxmlns\s*=\s*[\"']http://www\.w3\.org/2005/Atom[\"']")
_CHUNK = 64 * 1024


def sniff(head: str) -> bool:
    return bool(_FEED.search(head)) and ("arxiv.org" in head or "<entry" in head)


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    parser = ET.XMLPullParser(events=("start", "end"))
    day = day_in_name(file_name)
    position = 0
    depth = 0
    try:
        while chunk := stream.read(_CHUNK):
            parser.feed(chunk)
            for event, element in element_events(parser):
                if event == "start":
                    depth += 1
                    continue
                depth -= 1
                if element.tag == f"{_ATOM}updated" and depth == 1 and day is None:
                    day = iso_day(element.text)  # the feed's own date: when the query ran
                elif element.tag == f"{_ATOM}entry":
                    position += 1
                    yield _paper(element, file_name, position, day)
                    element.clear()  # a big feed must not pile up in memory
        parser.close()
    except ET.ParseError as error:
        where = f"after entry {position}" if position else "before the first entry"
        yield Problem(file_name, f"the XML is broken {where} ({error}); reading stopped", position + 1)


def _paper(entry: ET.Element, file_name: str, position: int, day: str | None) -> Paper | Problem:
    def text(tag: str) -> str:
        return (entry.findtext(tag) or "").strip()

    raw_id = text(f"{_ATOM}id")
    title = collapse_whitespace(text(f"{_ATOM}title"))
    if "/api/errors" in raw_id:  # arXiv reports a bad query as an entry titled "Error"
        return Problem(file_name, f"{API_ERROR}: {collapse_whitespace(text(f'{_ATOM}summary'))}", position)
    if not title:
        return Problem(file_name, "entry has no title", position)
    arxiv_id = arxiv_id_in(raw_id)
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    links += [
        link.get("href", "")
        for link in entry.iterfind(f"{_ATOM}link")
        if link.get("href", "").startswith("http") and not arxiv_id  # versioned copies add nothing
    ]
    doi = first_doi(text(f"{_ARXIV}doi"))
    if doi:
        links.append(f"https://doi.org/{doi}")
    primary = entry.find(f"{_ARXIV}primary_category")
    categories = [primary.get("term", "")] if primary is not None else []
    categories += [c.get("term", "") for c in entry.iterfind(f"{_ATOM}category")]
    return Paper(
        id=paper_id(arxiv_id, title),
        title=title,
        abstract=unwrap(text(f"{_ATOM}summary")),
        authors=tuple(
            collapse_whitespace(name)
            for author in entry.iterfind(f"{_ATOM}author")
            if (name := author.findtext(f"{_ATOM}name") or "").strip()
        ),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, position, day),),
        arxiv_id=arxiv_id,
        categories=tuple(dict.fromkeys(c for c in categories if c)),
        published=iso_day(text(f"{_ATOM}published")),
        doi=doi,
    )
