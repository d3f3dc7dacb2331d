"""arXiv's OAI-PMH harvesting responses (`ListRecords`, `GetRecord`), with the
`arXiv`, `arXivRaw` or `oai_dc` metadata, as harvesters save them page by page.

Elements are matched by local name: the same records arrive with the arXiv
namespace declared, inherited from the OAI envelope, or prefixed. A response
that declares a DOCTYPE or entities is refused before parsing: OAI-PMH never
uses them, and entity expansion is how a small XML file becomes a huge one.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import TextIO

from reader.ingest.bibtex import authors as bibtex_authors
from reader.ingest.common import (
    arxiv_id_in,
    arxiv_in_doi,
    arxiv_links,
    closed_elements,
    collapse_whitespace,
    first_doi,
    iso_day,
    name_of,
    paper_id,
    unwrap,
)
from reader.models import Paper, Problem, Source

NAME = "oai-pmh"

_ENVELOPE = re.compile(r"<OAI-PMH\b[^>]*\bxmlns\s*=\s*[\"']http://www\.openarchives\.org/OAI/2\.0/?[\"']")


def sniff(head: str) -> bool:
    return bool(_ENVELOPE.search(head))


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    day: str | None = None
    position = 0
    try:
        for element in closed_elements(stream, file_name, "OAI-PMH"):
            name = _local(element.tag)
            if name == "responseDate" and day is None:
                day = iso_day(element.text)  # when the harvest ran
            elif name == "record":
                if _deleted(element):
                    element.clear()
                    continue
                position += 1
                yield _paper(element, file_name, position, day)
                element.clear()  # a harvest of a whole set must not pile up in memory
            elif name == "error":
                said = collapse_whitespace(element.text or "")
                yield Problem(file_name, f"OAI-PMH error {element.get('code', '')}: {said}")
    except ET.ParseError as error:
        where = f"after record {position}" if position else "before the first record"
        yield Problem(file_name, f"the XML is broken {where} ({error}); reading stopped", position + 1)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _deleted(record: ET.Element) -> bool:
    """A harvest lists withdrawn records as a header with status="deleted" and no metadata."""
    return any(_local(e.tag) == "header" and e.get("status") == "deleted" for e in record)


def _paper(record: ET.Element, file_name: str, position: int, day: str | None) -> Paper | Problem:
    fields: dict[str, list[ET.Element]] = {}
    metadata = next((e for e in record.iter() if _local(e.tag) == "metadata"), None)
    if metadata is None or not len(metadata):
        return Problem(file_name, "record has no metadata", position)
    prefix = _local(metadata[0].tag)
    for element in metadata[0].iter():
        fields.setdefault(_local(element.tag), []).append(element)

    def texts(name: str) -> list[str]:
        return [t for e in fields.get(name, ()) if (t := (e.text or "").strip())]

    def first(name: str) -> str:
        return next(iter(texts(name)), "")

    title = collapse_whitespace(first("title"))
    if not title:
        return Problem(file_name, f"record {first('id') or position} has no title", position)
    if prefix == "dc":
        return _dublin_core(title, texts, file_name, position, day)
    arxiv_id = arxiv_id_in(first("id"))
    doi = first_doi(first("doi"))
    if prefix == "arXivRaw":
        authors = tuple(n.strip() for n in re.split(r",\s*|\s+and\s+", collapse_whitespace(first("authors"))) if n.strip())
        published = iso_day(first("date"))
    else:
        authors = tuple(name for author in fields.get("author", ()) if (name := _arxiv_author(author)))
        published = iso_day(first("created"))
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    if doi:
        links.append(f"https://doi.org/{doi}")
    return Paper(
        id=paper_id(arxiv_id, title, doi),
        title=title,
        abstract=unwrap(first("abstract")),
        authors=authors,
        links=tuple(links),
        sources=(Source(file_name, NAME, position, day),),
        arxiv_id=arxiv_id,
        categories=tuple(dict.fromkeys(first("categories").split())),
        published=published,
        month=published[5:7] if published else None,
        doi=doi,
    )


def _arxiv_author(author: ET.Element) -> str:
    parts = {_local(e.tag): (e.text or "").strip() for e in author}
    name = name_of(parts.get("keyname"), parts.get("forenames"))
    return f"{name} {parts['suffix']}" if parts.get("suffix") else name


def _dublin_core(title: str, texts, file_name: str, position: int, day: str | None) -> Paper:
    """oai_dc: creators as `Last, First`, the abstract as the first description
    (arXiv adds `Comment: ...` as another), ids and DOIs among the identifiers."""
    identifiers = texts("identifier")
    arxiv_id = next((found for i in identifiers if (found := arxiv_id_in(i))), None)
    doi = next((found for i in identifiers if (found := first_doi(i))), None)
    arxiv_id = arxiv_id or arxiv_in_doi(doi)
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    links += [i for i in identifiers if i.startswith(("http://", "https://")) and arxiv_id_in(i) != arxiv_id]
    if doi:
        links.append(f"https://doi.org/{doi}")
    abstract = next((d for d in texts("description") if not d.startswith("Comment:")), "")
    dates = sorted(d for d in (iso_day(t) for t in texts("date")) if d)
    return Paper(
        id=paper_id(arxiv_id, title, doi),
        title=title,
        abstract=unwrap(abstract),
        authors=tuple(name for creator in texts("creator") for name in bibtex_authors(creator)),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, position, day),),
        arxiv_id=arxiv_id,
        published=dates[0] if dates else None,
        month=dates[0][5:7] if dates else None,
        doi=doi,
    )
