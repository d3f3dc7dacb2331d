"""What `reader add` accepts, read into what to ask for: an arXiv id or a DOI.

A person pastes what they have: `2306.13575`, `arXiv:2306.13575v2`, the abstract,
PDF or HTML page on arxiv.org, a Hugging Face paper page (which is an arXiv id),
`doi:10.1145/...`, a doi.org link, or a bare `10.1145/...`. arXiv's own DOIs
(`10.48550/arXiv.2306.13575`) are arXiv ids: the arXiv API knows more of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from reader.models import parse_arxiv_id

ARXIV = "arxiv"
DOI = "doi"

_DOI = re.compile(r"10\.\d{4,9}/\S+")
_ARXIV_DOI = re.compile(r"10\.48550/arxiv\.(.+)", re.I)
_ARXIV_PAGE = re.compile(r"/(?:abs|pdf|html|format)/(.+?)(?:\.pdf)?/?$")
_HF_PAGE = re.compile(r"/papers/([^/]+)/?$")
_ARXIV_HOSTS = {"arxiv.org", "export.arxiv.org"}
_HF_HOSTS = {"huggingface.co", "hf.co"}
_DOI_HOSTS = {"doi.org", "dx.doi.org"}


@dataclass(frozen=True)
class Wanted:
    kind: str  # ARXIV or DOI
    key: str  # the bare arXiv id (no version), or the DOI as written

    def __str__(self) -> str:
        return f"arXiv:{self.key}" if self.kind == ARXIV else f"doi:{self.key}"


def parse_input(text: str) -> Wanted | None:
    """What `text` names, or None when it is none of the forms above."""
    text = text.strip()
    if text[:4].casefold() == "doi:":
        return _doi(text[4:].strip())
    if "://" in text or _looks_like_host(text):
        return _url(text if "://" in text else f"https://{text}")
    if _DOI.fullmatch(text):
        return _doi(text)
    arxiv_id = parse_arxiv_id(text)
    return Wanted(ARXIV, arxiv_id) if arxiv_id else None


def _looks_like_host(text: str) -> bool:
    """`arxiv.org/abs/...` pasted without its scheme."""
    first = text.split("/", 1)[0].casefold().removeprefix("www.")
    return "/" in text and first in _ARXIV_HOSTS | _HF_HOSTS | _DOI_HOSTS


def _url(text: str) -> Wanted | None:
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.casefold() not in ("http", "https"):
        return None
    name = (parts.hostname or "").removeprefix("www.")
    path = unquote(parts.path)
    if name in _ARXIV_HOSTS and (match := _ARXIV_PAGE.search(path)):
        arxiv_id = parse_arxiv_id(match.group(1))
    elif name in _HF_HOSTS and (match := _HF_PAGE.search(path)):
        arxiv_id = parse_arxiv_id(match.group(1))
    elif name in _DOI_HOSTS:
        return _doi(path.lstrip("/"))
    else:
        return None
    return Wanted(ARXIV, arxiv_id) if arxiv_id else None


def _doi(text: str) -> Wanted | None:
    if not _DOI.fullmatch(text):
        return None
    if (match := _ARXIV_DOI.fullmatch(text)) and (arxiv_id := parse_arxiv_id(match.group(1))):
        return Wanted(ARXIV, arxiv_id)
    return Wanted(DOI, text)
