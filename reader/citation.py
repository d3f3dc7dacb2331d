"""What every export format says of a paper beyond its text: its entry type, its
citation key, its month and its links (the writers themselves are in `export`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import TypeVar

from reader.models import Paper, PaperState
from reader.tex import tex_to_text

T = TypeVar("T")

# --- entry types ----------------------------------------------------------------

# A source's own type (BibTeX, RIS or CSL, casefolded) -> (BibTeX type, CSL type, RIS type).
# CSL's types are those of CSL 1.0.1's schema, which every CSL reader knows.
_JOURNAL = ("article", "article-journal", "JOUR")
_CONFERENCE = ("inproceedings", "paper-conference", "CPAPER")
_CHAPTER = ("incollection", "chapter", "CHAP")
_BOOK = ("book", "book", "BOOK")
_THESIS = ("phdthesis", "thesis", "THES")
_REPORT = ("techreport", "report", "RPRT")
_ONLINE = ("online", "webpage", "ELEC")
_UNPUBLISHED = ("unpublished", "manuscript", "UNPB")
_PATENT = ("patent", "patent", "PAT")
_DATASET = ("dataset", "dataset", "DATA")
_SOFTWARE = ("software", "book", "COMP")
_MAGAZINE = ("article", "article-magazine", "MGZN")
_NEWSPAPER = ("article", "article-newspaper", "NEWS")
_BOOKLET = ("booklet", "pamphlet", "PAMP")
_MISC = ("misc", "article", "GEN")  # CSL's `article` is a preprint's type, as Zotero exports it
_TYPES: dict[str, tuple[str, str, str]] = {
    # BibTeX and biblatex
    "article": _JOURNAL,
    "inproceedings": _CONFERENCE,
    "conference": _CONFERENCE,
    "incollection": _CHAPTER,
    "inbook": ("inbook", "chapter", "CHAP"),
    "book": _BOOK,
    "mvbook": _BOOK,
    "booklet": _BOOKLET,
    "manual": ("manual", "book", "BOOK"),
    "phdthesis": _THESIS,
    "thesis": ("thesis", "thesis", "THES"),
    "mastersthesis": ("mastersthesis", "thesis", "THES"),
    "techreport": _REPORT,
    "report": ("report", "report", "RPRT"),
    "online": _ONLINE,
    "electronic": _ONLINE,
    "www": _ONLINE,
    "unpublished": _UNPUBLISHED,
    "misc": _MISC,
    "patent": _PATENT,
    "dataset": _DATASET,
    "software": _SOFTWARE,
    # RIS
    "jour": _JOURNAL,
    "jfull": _JOURNAL,
    "ejour": _JOURNAL,
    "mgzn": _MAGAZINE,
    "news": _NEWSPAPER,
    "conf": _CONFERENCE,
    "cpaper": _CONFERENCE,
    "chap": _CHAPTER,
    "echap": _CHAPTER,
    "ebook": _BOOK,
    "edbook": _BOOK,
    "thes": _THESIS,
    "rprt": _REPORT,
    "elec": _ONLINE,
    "web": _ONLINE,
    "blog": _ONLINE,
    "pat": _PATENT,
    "data": _DATASET,
    "comp": _SOFTWARE,
    "unpb": _UNPUBLISHED,
    "manscpt": _UNPUBLISHED,
    "gen": _MISC,
    "pamp": _BOOKLET,
    # CSL (its `article`, a preprint, is told apart from BibTeX's in `entry_types`)
    "article-journal": _JOURNAL,
    "article-magazine": _MAGAZINE,
    "article-newspaper": _NEWSPAPER,
    "paper-conference": _CONFERENCE,
    "chapter": _CHAPTER,
    "webpage": _ONLINE,
    "post": _ONLINE,
    "post-weblog": _ONLINE,
    "manuscript": _UNPUBLISHED,
    "pamphlet": _BOOKLET,
}


def entry_types(paper: Paper) -> tuple[str, str, str]:
    """(BibTeX, CSL, RIS) types of the paper: its source's own type, else a journal
    article when it names a venue, else `misc` (an arXiv listing's preprint)."""
    source_type = (paper.entry_type or "").casefold()
    if source_type == "article" and not any(s.format == "bibtex" for s in paper.sources):
        return _JOURNAL if paper.venue and not _is_archive(paper) else _MISC  # CSL's preprint
    if found := _TYPES.get(source_type):
        return found
    return _JOURNAL if paper.venue and not _is_archive(paper) else _MISC


def _is_archive(paper: Paper) -> bool:
    """Is the venue only the eprint archive (biblatex's `eprinttype = {arxiv}`)?"""
    return bool(paper.arxiv_id) and (paper.venue or "").casefold() == "arxiv"


def venue_of(paper: Paper) -> str:
    return "" if _is_archive(paper) else paper.venue or ""


# --- citation keys --------------------------------------------------------------


# Skipped when picking a citation key's title word, as Google Scholar does: `kim2025pladis`,
# not `kim2025the`. Scholar keeps "towards" (madry2017towards) and "does" (clark2019does,
# "What Does BERT Look At?") but skips "do" (recht2019imagenet, "Do ImageNet Classifiers...").
_STOPWORDS = set("a an the on of in for to and with from via is are do by at as we how what why when".split())


def year_of(paper: Paper) -> str:
    """The publication year, else the one an arXiv id encodes (2606.22798 -> 2026).

    A daily listing gives no date, but a new-style id starts with YYMM and an
    old one (hep-th/9901001) with YYMM after the slash.
    """
    year = (paper.published or "")[:4]
    if year.isdigit():
        return year
    match = re.match(r"(?:[a-z-]+(?:\.[A-Z]{2})?/)?(\d{2})(\d{2})", paper.arxiv_id or "")
    if not match:
        return ""
    yy = int(match.group(1))
    return f"{2000 + yy if yy < 91 else 1900 + yy}"


def citation_key(paper: Paper) -> str:
    """Google Scholar's key: first author's surname, year, first significant title word
    (`vaswani2017attention`); a clash in the home adds b, c... (see `unique_key`)."""
    words = [w for w in _ascii(tex_to_text(paper.title)).split() if w not in _STOPWORDS]
    return f"{key_surname(paper)}{year_of(paper)}{words[0] if words else 'paper'}"


def key_surname(paper: Paper) -> str:
    """How `citation_key` begins: the first author's last name in ASCII letters and
    digits (`obrien`, `muller`), else `anon`. A plain ASCII name is read as it is:
    rendering TeX is most of the cost of a key."""
    authors = paper.authors
    first = authors[0] if authors and authors[0] != "et al." else ""
    if first.isascii() and not _TEX_SIGN.search(first):
        name = first.rsplit(None, 1)
        return (name[-1].encode("ascii").translate(_LOWER, _NOT_ALNUM).decode("ascii") if name else "") or "anon"
    name = tex_to_text(first).split()
    return (_ascii(name[-1]).replace(" ", "") if name else "") or "anon"


_TEX_SIGN = re.compile(r"[\\{}$~%&^_]")  # one search: an import keys every paper
# A plain name's last word as bytes: lowered, all but letters and digits dropped.
_LOWER = bytes(ord(chr(c).lower()) for c in range(128)) + bytes(range(128, 256))
_NOT_ALNUM = bytes(c for c in range(128) if not chr(c).isalnum())


def split_name(name: str) -> tuple[str, str]:
    """`First Middle Last` -> (`Last`, `First Middle`), TeX rendered, keeping `van der`/`de`
    with the surname; one word (an organisation, a mononym) is all family."""
    words = tex_to_text(name).split()
    if len(words) < 2:
        return " ".join(words), ""
    start = len(words) - 1
    while start > 1 and words[start - 1].islower():  # von, van der, de la
        start -= 1
    return " ".join(words[start:]), " ".join(words[:start])


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def unique_key(key: str, taken: set[str]) -> str:
    """`key`, or key+b, key+c... when taken (compared casefolded: BibTeX's keys are); added to `taken`."""
    candidate, n = key, 0
    while candidate.casefold() in taken:
        n += 1
        candidate = key + _letters(n)
    taken.add(candidate.casefold())
    return candidate


def first_keys(base: str, unkeyed: Iterable[T], taken: set[str]) -> dict[T, str]:
    """The keys papers whose `citation_key` is `base` get when they are first exported
    or copied, given in the order they came into the home (those with a key already
    left out): the first free one the bare key, the next ones b, c... (`taken`, the
    keys already given, casefolded, gets theirs). One rule for `Library.keyed`, which
    gives them, and `key:` search, which finds papers by the key they would get."""
    return {paper: unique_key(base, taken) for paper in unkeyed}


def _letters(n: int) -> str:
    """1 -> b, 2 -> c, ... 25 -> z, 26 -> ba: the first paper keeps the bare key."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    if n < 26:
        return letters[n]
    return letters[n // 26 % 26] + letters[n % 26] if n < 26 * 26 else str(n)


_BAD_KEY = re.compile(r"[\s,{}()=#%\"'\\~]")


def key_problem(key: str) -> str:
    """Why `key` cannot be a citation key (BibTeX would misread it), else ''."""
    if not key:
        return "a citation key cannot be empty"
    if found := _BAD_KEY.search(key):
        return f"a citation key cannot hold {found.group()!r} (BibTeX would misread it)"
    return ""


class Keys:
    """The key of each paper in one export: the state's, else `citation_key`, unique
    within the export (a library assigns keys first, so this is for other callers)."""

    def __init__(self) -> None:
        self._taken: set[str] = set()

    def of(self, paper: Paper, state: PaperState) -> str:
        if state.key:
            self._taken.add(state.key.casefold())
            return state.key
        return unique_key(citation_key(paper), self._taken)


# --- dates and links -----------------------------------------------------------


def month_of(paper: Paper) -> str:
    """`01`-`12` when the paper's month is one, else the source's own text ('' for none)."""
    month = paper.month or (paper.published or "")[5:7]
    return month if not month.isdigit() or 1 <= int(month) <= 12 else ""


def main_url(paper: Paper) -> str:
    if paper.arxiv_id:
        return f"https://arxiv.org/abs/{paper.arxiv_id}"
    pages = [link for link in paper.links if not link.startswith("https://doi.org/")]
    return (pages or list(paper.links) or [""])[0]


def doi_of(paper: Paper) -> str:
    if paper.doi:
        return paper.doi
    return next((link[len("https://doi.org/") :] for link in paper.links if link.startswith("https://doi.org/")), "")
