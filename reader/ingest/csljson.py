"""CSL-JSON (Citation Style Language data): what doi.org answers for a DOI, what
Zotero and Pandoc read and write. One item, an array of them, or JSON-lines.

A DOI's record has no arXiv id, but an arXiv DOI (`10.48550/arXiv.2306.13575`)
is one. Crossref's abstracts are JATS XML (`<jats:p>...`): the tags go. A date
is as precise as `issued` says (`2023`, `2023-06`, `2023-06-01`), as for BibTeX.
There is no place for the journal (`container-title`) in a paper's facts yet.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, TextIO

from reader.ingest.common import json_records, one_line, paper_id, unwrap
from reader.models import Paper, Problem, Source, parse_arxiv_id

NAME = "csl-json"

# What only CSL spells so: a date as {"date-parts": ...}, a name split as "family".
_ITEM_KEYS = re.compile(r'"date-parts"\s*:|"family"\s*:')
_TYPE = re.compile(r'"type"\s*:\s*"[a-z-]+"')
_TAG = re.compile(r"<[^<>]{1,200}>")
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)", re.I)


def sniff(head: str) -> bool:
    start = head.lstrip("\ufeff \t\r\n")[:1]
    return start in ("[", "{") and bool(_TYPE.search(head)) and '"title"' in head and bool(_ITEM_KEYS.search(head))


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    for record in json_records(stream, file_name):
        if isinstance(record, Problem):
            yield record
            continue
        position, item = record
        yield _paper(item, file_name, position)


def _paper(item: Any, file_name: str, position: int) -> Paper | Problem:
    if not isinstance(item, dict):
        return Problem(file_name, "not a CSL-JSON item (expected an object)", position)
    title = _first_text(item.get("title"))
    if not title:
        return Problem(file_name, "item has no title", position)
    doi = _first_text(item.get("DOI"))
    arxiv_match = _ARXIV_DOI.fullmatch(doi)
    arxiv_id = parse_arxiv_id(arxiv_match.group(1)) if arxiv_match else None
    links = [f"https://doi.org/{doi}"] if doi else []
    url = _first_text(item.get("URL"))
    if url.startswith(("http://", "https://")) and "doi.org/" not in url:
        links.append(url)
    abstract = item.get("abstract")
    return Paper(
        id=paper_id(arxiv_id, title),
        title=title,
        abstract=unwrap(_TAG.sub(" ", abstract)) if isinstance(abstract, str) else "",
        authors=tuple(name for name in map(_name, item.get("author") or ()) if name),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, position, None),),
        arxiv_id=arxiv_id,
        published=_issued(item.get("issued")),
    )


def _first_text(value: Any) -> str:
    """CSL allows a list where one string is meant (Crossref sends `"title": ["..."]` at times)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v.strip()), "")
    return one_line(_TAG.sub(" ", value)) if isinstance(value, str) else ""


def _name(author: Any) -> str:
    if not isinstance(author, dict):
        return ""
    if isinstance(author.get("literal"), str):
        return one_line(author["literal"])
    parts = (author.get(key) for key in ("given", "non-dropping-particle", "family", "suffix"))
    return one_line(" ".join(p for p in parts if isinstance(p, str)))


def _issued(value: Any) -> str | None:
    """`{"date-parts": [[2023, 6, 1]]}` -> `2023-06-01` (`2023-06`, `2023` when less is known)."""
    parts = value.get("date-parts") if isinstance(value, dict) else None
    first = parts[0] if isinstance(parts, list) and parts and isinstance(parts[0], list) else []
    numbers = []
    for part in first[:3]:
        try:
            numbers.append(int(part))
        except (TypeError, ValueError):
            break
    if not numbers or not 1000 <= numbers[0] <= 9999:
        return None
    if len(numbers) > 1 and not 1 <= numbers[1] <= 12:
        numbers = numbers[:1]
    if len(numbers) > 2 and not 1 <= numbers[2] <= 31:
        numbers = numbers[:2]
    return "-".join(f"{n:02d}" for n in numbers)
