"""Hugging Face papers page dumps: the page copied as text (the bundled seed format).

After some page furniture (`Subscribe`, `by AK and the research community`, a
date such as `Mar 14`) each paper is a title line followed by its abstract
line; blank lines between them may or may not be there, so they carry no meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TextIO

from reader.models import Paper, Problem, Source, title_key

NAME = "hf-page"

BOILERPLATE = frozenset(
    {
        "new",
        "Get trending papers in your email inbox!",
        "Get trending papers in your email inbox once a day!",
        "Subscribe",
        "Daily Papers",
        "by AK and the research community",
        "byAK and the research community",
    }
)

# The page's own date, e.g. `Mar 14` (a year may follow on older pages).
_DATE = re.compile(r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}(?:, \d{4})?")

# A copied page can lose the newline between a header word and the first title
# (`SubscribeDeeperGCN: ...`); a capital straight after the word gives it away.
_GLUED = re.compile(r"^(?:Subscribe|Daily Papers)(?=[A-Z0-9])")

# Abstracts end in a full stop or run long; a short line without one after a
# title is the next title, so the first title lost its abstract. Noticing this
# keeps one missing line from shifting every later pair out of step.
_SHORTEST_UNPUNCTUATED_ABSTRACT = 200
_LONGEST_LINE = 200_000

# Characters that cannot appear unescaped in a URL end it, so LaTeX residue such
# as `https://x.y/repo{https://x.y/repo}` yields the URL rather than the braces.
_URL_CHAR = r"[^\s<>\"{}|\\^`]"
_URL = re.compile(
    rf"(?:https?://|www\.|\b(?:[a-z0-9-]+\.)+(?:com|org|net|io|ai|dev)/){_URL_CHAR}*"
    # arXiv abstracts sometimes break a long URL after a slash with a space.
    rf"(?:(?<=/) [\w.-]+/{_URL_CHAR}*)?",
    re.IGNORECASE,
)
_LATEX_ESCAPE = re.compile(r"\\([_%&#~$])")
_TRAILING = ".,;:!?'\"*"
_CLOSERS = {")": "(", "]": "[", "}": "{"}


def sniff(head: str) -> bool:
    text = head.lstrip()
    if text.startswith(("{", "[", "<", "@", "%")):
        return False
    folded = text.casefold()
    return "trending papers in your email inbox" in folded or "and the research community" in folded


def parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]:
    date: str | None = None
    title: str | None = None
    position = 0  # counts titles, so a Problem names the entry a person would count to
    for raw in stream:
        line = raw.strip()
        if not line or line in BOILERPLATE:
            continue
        if len(line) > _LONGEST_LINE:
            # Refused before any splitting or URL scanning, which would cost
            # many times the line's size: a 50 MB line is no abstract.
            position += title is None
            yield Problem(
                file_name, f"a line of {len(line):,} characters is too long to be a title or abstract; skipped", position
            )
            title = None
            continue
        if _DATE.fullmatch(line):
            date = line
            continue
        if position == 0:
            line = _GLUED.sub("", line)
        if title is None:
            title, position = " ".join(line.split()), position + 1
        elif not _looks_like_abstract(line):
            yield _no_abstract(file_name, title, position)
            title, position = " ".join(line.split()), position + 1
        else:
            yield Paper(
                id=title_key(title),
                title=title,
                abstract=line,
                links=links_in(line),
                sources=(Source(file=file_name, format=NAME, position=position, date=date),),
            )
            title = None
    if title is not None:
        yield _no_abstract(file_name, title, position)


def links_in(text: str) -> tuple[str, ...]:
    """The URLs in `text`, in order, once each, without the sentence's punctuation.

    Every URL `_URL` finds holds a slash or `www.` (unescaping LaTeX only drops a
    backslash before one of `_%&#~$`, so it makes neither), and most abstracts hold
    neither: testing for them first costs 1 us an abstract, where the pattern costs
    70 us (a third of the abstracts are left to it)."""
    if "/" not in text and "www." not in text.lower():
        return ()
    return _links_found(text)


def _links_found(text: str) -> tuple[str, ...]:
    links: dict[str, None] = {}
    for match in _URL.finditer(_LATEX_ESCAPE.sub(r"\1", text)):
        url = _trim(match.group().replace(" ", ""))
        if re.search(r"\w\.\w", url):  # a bare `https://` or `www.` leads nowhere
            links.setdefault(url if "://" in url else f"https://{url}", None)
    return tuple(links)


def _trim(url: str) -> str:
    while url:
        last = url[-1]
        if last in _TRAILING:
            url = url[:-1]
        elif last in _CLOSERS and url.count(_CLOSERS[last]) < url.count(last):
            url = url[:-1]
        else:
            break
    return url


def _looks_like_abstract(line: str) -> bool:
    return line.endswith((".", "…")) or len(line) >= _SHORTEST_UNPUNCTUATED_ABSTRACT


def _no_abstract(file_name: str, title: str, position: int) -> Problem:
    return Problem(file_name, f"title without an abstract, skipped: {title!r}", position)
