"""Hugging Face `/api/daily_papers` JSON: a day's array, JSON-lines, and the odd days.

Some scrapers saved items as Python `repr()` strings (sometimes a repr of a
repr), and one day as `{"status", "date", "data": [...]}`; all of these are
real files people have, so all of them import.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import Any, TextIO

from reader.ingest.common import (
    arxiv_links,
    collapse_whitespace,
    count,
    day_in_name,
    iso_day,
    json_records,
    paper_id,
    unwrap,
)
from reader.models import Paper, Problem, Source, parse_arxiv_id

NAME = "hf-json"

_ITEM = re.compile(r"""["']paper["']\s*:\s*\{""")
_HF_ID = re.compile(r"""["']id["']\s*:\s*["'](\d{4}\.\d{4,5})""")


def sniff(head: str) -> bool:
    start = head.lstrip("\ufeff \t\r\n")[:1]
    return start in ("[", "{") and bool(_ITEM.search(head)) and bool(_HF_ID.search(head))


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    file_day = day_in_name(file_name)
    for record in json_records(stream, file_name):
        if isinstance(record, Problem):
            yield record
            continue
        position, value = record
        wrapped = isinstance(value, dict) and "paper" not in value and isinstance(value.get("data"), list)
        if wrapped:
            day = iso_day(value.get("date")) or file_day
            for index, item in enumerate(value["data"], 1):
                yield _paper(item, file_name, index, day)
        else:
            yield _paper(value, file_name, position, file_day)


def _paper(item: Any, file_name: str, position: int, day: str | None) -> Paper | Problem:
    item = _unrepr(item)
    if not isinstance(item, dict):
        return Problem(file_name, "not a daily-papers item (expected an object)", position)
    paper = item.get("paper")
    if not isinstance(paper, dict):
        return Problem(file_name, "item has no 'paper' object", position)
    # The top-level title keeps the TeX the API strips from paper.title ($\nabla^2$DFT vs nabla^2DFT).
    title = _text(item.get("title")) or _text(paper.get("title"))
    if not title:
        return Problem(file_name, "item has no title", position)
    arxiv_id = parse_arxiv_id(paper["id"]) if isinstance(paper.get("id"), str) else None
    abstract = paper.get("summary") if isinstance(paper.get("summary"), str) else item.get("summary")
    authors = [
        collapse_whitespace(a["name"])
        for a in paper.get("authors") or ()
        if isinstance(a, dict) and isinstance(a.get("name"), str) and a["name"].strip()
    ]
    links: list[str] = []
    if arxiv_id:
        links.extend(arxiv_links(arxiv_id))
        links.append(f"https://huggingface.co/papers/{arxiv_id}")
    for key in ("githubRepo", "projectPage"):
        link = paper.get(key)
        if isinstance(link, str) and link.startswith(("http://", "https://")):
            links.append(link.strip())
    return Paper(
        id=paper_id(arxiv_id, title),
        title=title,
        abstract=unwrap(abstract) if isinstance(abstract, str) else "",
        authors=tuple(authors),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, position, iso_day(item.get("_archive_date")) or day),),
        arxiv_id=arxiv_id,
        published=iso_day(paper.get("publishedAt")),
        upvotes=count(paper.get("upvotes")),
    )


def _unrepr(item: Any) -> Any:
    """Undo the Python-repr (and repr-of-repr) encoding some scrapers saved."""
    for _ in range(3):
        if not isinstance(item, str):
            return item
        try:
            item = ast.literal_eval(item)
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            return None
    return item


def _text(value: Any) -> str:
    return collapse_whitespace(value) if isinstance(value, str) else ""
