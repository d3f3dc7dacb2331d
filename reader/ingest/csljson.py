"""CSL-JSON: what Zotero, Mendeley, Better BibTeX, pandoc and citeproc exchange.

An array of items (or one item, JSON lines, or Zotero's `{"items": [...]}`), each `{"type", "title",
"author": [{"family", "given"} | {"literal"}], "issued": {"date-parts": [[y, m, d]]},
"container-title", "DOI", ...}`, as the CSL specification's schema defines it. It is also
what doi.org answers for a DOI (`Accept: application/vnd.citationstyles.csl+json`): Crossref
sends some texts as lists (`"title": ["..."]`) and abstracts as JATS XML (`<jats:p>`), whose
tags go.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO

from reader.ingest.common import (
    JSON_START,
    arxiv_id_in,
    arxiv_in_doi,
    arxiv_links,
    collapse_whitespace,
    day_in_name,
    first_doi,
    iso_day,
    json_records,
    name_of,
    paper_id,
    text_or_none,
    unwrap,
    year_of,
)
from reader.models import Paper, Problem, Source

NAME = "csl-json"

# Keys only CSL uses, near the start of the file: how it differs from other JSON.
_CSL_KEYS = re.compile(r'"(?:container-title|issued|date-parts|citation-key|title-short|collection-title)"\s*:')
# An `id` that can be a citation key: Zotero's item numbers and URIs are not.
_KEY_LIKE = re.compile(r"^[A-Za-z][\w:.+-]*$")
# CSL's rich text in titles (<i>, <b>, <sup>, <sub>, <span class="nocase">) and
# Crossref's JATS abstracts (<jats:p>): markup, not words. Other angle brackets are text.
_TAG = re.compile(r"</?(?:i|b|sup|sub|sc|span|jats:[A-Za-z-]+)(?:\s[^<>]{0,200})?>")


def sniff(head: str) -> bool:
    return bool(JSON_START.match(head)) and bool(_CSL_KEYS.search(head)) and '"type"' in head


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    day = day_in_name(file_name)
    for record in json_records(stream, file_name):
        if isinstance(record, Problem):
            yield record
            continue
        position, item = record
        if isinstance(item, dict) and "title" not in item and isinstance(item.get("items"), list):
            # Zotero's web API wraps the items: {"items": [...]}
            for position, inner in enumerate(item["items"], 1):
                yield _paper(inner, file_name, position, day)
            continue
        yield _paper(item, file_name, position, day)


def _paper(item: Any, file_name: str, position: int, day: str | None) -> Paper | Problem:
    if not isinstance(item, dict):
        return Problem(file_name, "not a CSL item (expected an object)", position)
    title = _text(item.get("title"))
    if not title:
        return Problem(file_name, f"item {str(item.get('id', '?'))[:80]!r} has no title", position)
    doi = first_doi(_text(item.get("DOI")))
    url = text_or_none(item.get("URL")) or ""
    # Zotero gives a preprint's id as its number: `arXiv:2406.12345`.
    arxiv_id = arxiv_id_in(url) or arxiv_id_in(text_or_none(item.get("number"))) or arxiv_in_doi(doi)
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    # A DOI's own URL (Crossref writes http://dx.doi.org/…) is the doi.org link below.
    if url.startswith(("http://", "https://")) and "doi.org/" not in url and not (arxiv_id and arxiv_id_in(url) == arxiv_id):
        links.append(url)
    if doi:
        links.append(f"https://doi.org/{doi}")
    published = _date(item.get("issued"))
    return Paper(
        id=paper_id(arxiv_id, title, doi),
        title=title,
        abstract=unwrap(_TAG.sub(" ", item["abstract"]), indented_paragraphs=False)
        if isinstance(item.get("abstract"), str)
        else "",
        authors=_names(item.get("author")),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, position, day),),
        arxiv_id=arxiv_id,
        published=published,
        entry_type=text_or_none(item.get("type")),
        venue=_text(item.get("container-title")),
        volume=text_or_none(item.get("volume")),
        number=text_or_none(item.get("issue")),
        pages=text_or_none(item.get("page")),
        publisher=text_or_none(item.get("publisher")),
        month=published[5:7] if published and len(published) >= 7 else None,
        doi=doi,
        editors=_names(item.get("editor")),
        # Better BibTeX writes the .bib key as `citation-key`; Zotero's own `id` is no key.
        cite_key=text_or_none(item.get("citation-key")) or _key_like(item.get("id")),
    )


def _key_like(value: Any) -> str | None:
    """An `id` that reads as a citation key (`lecun2015deep`), not a URI or item number."""
    return value if isinstance(value, str) and _KEY_LIKE.match(value) else None


def _text(value: Any) -> str | None:
    """One line of text; from a list, its first text (Crossref's `"title": ["..."]`); tags dropped."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), None)
    return text_or_none(_TAG.sub(" ", value)) if isinstance(value, str) else None


def _names(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    names = []
    for person in value:
        if not isinstance(person, dict):
            continue
        literal = person.get("literal")
        name = collapse_whitespace(literal) if isinstance(literal, str) else name_of(person.get("family"), person.get("given"))
        if name:
            names.append(name)
    return tuple(names)


def _date(value: Any) -> str | None:
    """`{"date-parts": [[2019, 7, 15]]}` (numbers or numeric text), else `{"raw": "2019-07"}`:
    as much of the date as is given, and only what makes a real date."""
    if not isinstance(value, dict):
        return None
    parts = value.get("date-parts")
    first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
    numbers = [int(p) for p in first[:3] if isinstance(p, (int, str)) and not isinstance(p, bool) and str(p).isdigit()]
    if numbers and 1000 <= numbers[0] <= 9999:
        year = f"{numbers[0]:04d}"
        if len(numbers) >= 3 and (day := iso_day(f"{year}-{numbers[1]:02d}-{numbers[2]:02d}")):
            return day
        return f"{year}-{numbers[1]:02d}" if len(numbers) >= 2 and 1 <= numbers[1] <= 12 else year
    raw = value.get("raw") or value.get("literal")
    return year_of(raw) if isinstance(raw, str) else None
