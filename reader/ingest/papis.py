"""papis' `info.yaml`: one document per folder, its PDFs beside it.

papis writes these with PyYAML (block lists, quoted and folded strings), so
they are read with PyYAML's safe loader rather than by hand; keys follow
BibTeX's (`author`, `journal`, `doi`...) plus `author_list` and `files`.
Files are named relative to the folder, and kept as full paths when the
folder is known.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from reader.ingest.bibtex import authors as bibtex_authors
from reader.ingest.bibtex import month_number
from reader.ingest.common import (
    arxiv_id_in,
    arxiv_in_doi,
    arxiv_links,
    day_in_name,
    first_doi,
    name_of,
    paper_id,
    text_or_none,
    unwrap,
    year_of,
)
from reader.models import Paper, Problem, Source

if TYPE_CHECKING:
    import yaml

NAME = "papis"

MAX_SIZE = 1_000_000
"""Characters an info.yaml may hold: one document's metadata is a few kilobytes."""

_TITLE = re.compile(r"(?m)^title:")
_PAPIS_KEY = re.compile(r"(?m)^(?:author|author_list|papis_id|ref|files|type):")


def sniff(head: str) -> bool:
    return (
        not head.lstrip("\ufeff \t\r\n").startswith(("{", "[", "<", "@"))
        and bool(_TITLE.search(head))
        and bool(_PAPIS_KEY.search(head))
    )


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    import yaml  # here: a start imports every format's module, and PyYAML is a tenth of its imports

    from reader.ingest import IngestError  # the package imports this module first

    text = stream.read(MAX_SIZE + 1)
    if len(text) > MAX_SIZE:
        raise IngestError(f"{file_name}: over {MAX_SIZE:,} characters, far more than a papis info.yaml holds; not read")
    try:
        info = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise IngestError(f"{file_name}: not valid YAML ({_yaml_problem(error)})") from None
    except RecursionError:
        raise IngestError(f"{file_name}: YAML nested too deeply for a papis info.yaml; not read") from None
    if not isinstance(info, dict):
        raise IngestError(f"{file_name}: not a papis info.yaml (expected key: value lines)")
    # Absolute now: a path relative to the cwd of this import means nothing later.
    folder = Path(stream.name).absolute().parent if isinstance(getattr(stream, "name", None), str) else None
    yield _paper(info, file_name, folder)


def _yaml_problem(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or "unreadable"
    return f"{problem} at line {mark.line + 1}" if mark is not None else str(problem)


def _paper(info: dict[str, Any], file_name: str, folder: Path | None) -> Paper | Problem:
    title = text_or_none(info.get("title"))
    if not title:
        return Problem(file_name, "the document has no title", 1)
    doi = first_doi(text_or_none(info.get("doi")))
    url = text_or_none(info.get("url")) or ""
    arxiv_id = (
        arxiv_id_in(text_or_none(info.get("eprint")))
        or arxiv_id_in(text_or_none(info.get("arxiv")))
        or arxiv_id_in(url)
        or arxiv_in_doi(doi)
    )
    links = list(arxiv_links(arxiv_id)) if arxiv_id else []
    if url.startswith(("http://", "https://")) and arxiv_id_in(url) != arxiv_id:
        links.append(url)
    if doi:
        links.append(f"https://doi.org/{doi}")
    year = year_of(info.get("year"))
    month = _month(info.get("month"))
    return Paper(
        id=paper_id(arxiv_id, title, doi),
        title=title,
        abstract=unwrap(info["abstract"], indented_paragraphs=False) if isinstance(info.get("abstract"), str) else "",
        authors=_authors(info),
        links=tuple(dict.fromkeys(links)),
        sources=(Source(file_name, NAME, 1, day_in_name(file_name)),),
        arxiv_id=arxiv_id,
        published=f"{year}-{month}" if year and month else year,
        entry_type=text_or_none(info.get("type")),
        venue=next((v for k in ("journal", "booktitle", "eventtitle") if (v := text_or_none(info.get(k)))), None),
        volume=text_or_none(info.get("volume")),
        number=text_or_none(info.get("number")) or text_or_none(info.get("issue")),
        pages=text_or_none(info.get("pages")),
        publisher=text_or_none(info.get("publisher")),
        month=month,
        doi=doi,
        editors=bibtex_authors(info["editor"]) if isinstance(info.get("editor"), str) else (),
        files=tuple(_file(f, folder) for f in info.get("files") or () if isinstance(f, str) and f.strip()),
    )


def _authors(info: dict[str, Any]) -> tuple[str, ...]:
    """`author_list` (family/given) when papis wrote it, else the BibTeX-style `author`."""
    listed = info.get("author_list")
    if isinstance(listed, list):
        names = tuple(name for a in listed if isinstance(a, dict) and (name := name_of(a.get("family"), a.get("given"))))
        if names:
            return names
    return bibtex_authors(info["author"]) if isinstance(info.get("author"), str) else ()


def _month(value: Any) -> str | None:
    return month_number(str(value)) if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def _file(name: str, folder: Path | None) -> str:
    path = Path(name.strip())
    return str(folder / path) if folder is not None and not path.is_absolute() else str(path)
