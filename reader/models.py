"""Plain data: papers (facts from imports) and the person's state about them.

Facts and state are kept apart on purpose: re-importing a listing may change a
paper's facts but must never touch what the person decided about it.
"""

from __future__ import annotations

import hashlib
import operator
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from reader.tex import tex_to_text
from reader.words import fold

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_ARXIV_ID = re.compile(r"^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z\-]+(?:\.[A-Z]{2})?/\d{7})(?:v\d+)?$", re.I)
_DOI_PREFIX = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", re.I)
_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?")


def normalise_title(title: str) -> str:
    """The form two spellings of one title share: TeX rendered, NFKC, casefolded,
    punctuation gone. TeX first, because BibTeX braces capitals differently in
    every export (`{GPT}-4 {T}echnical {R}eport`, `{GPT-4} Technical Report`)."""
    text = tex_to_text(title)
    if text.isascii():  # NFKC keeps it as it is, and `fold` does the rest without a regex: 2.5x as fast
        return " ".join(fold(text).split())
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(_NON_WORD.sub(" ", folded).split())


def title_key(title: str) -> str:
    """A short, stable id for a paper known only by its title."""
    digest = hashlib.sha1(normalise_title(title).encode()).hexdigest()
    return f"title:{digest[:12]}"


def arxiv_key(arxiv_id: str) -> str:
    return f"arxiv:{arxiv_id}"


def doi_key(doi: str) -> str:
    return f"doi:{doi}"


def normalise_doi(text: str) -> str | None:
    """`https://doi.org/10.1145/3292500.3330701`, `doi:10.1145/...`, DBLP's `10.1145/a\\_b`
    -> the bare DOI in lower case (DOIs are case-insensitive), else None."""
    doi = _DOI_PREFIX.sub("", text.strip().replace("\\_", "_")).strip().lower()
    return doi if _DOI.match(doi) else None


def parse_arxiv_id(text: str) -> str | None:
    """`2306.13575v2`, `arxiv:2306.13575`, `hep-th/0701001` -> the bare id, else None."""
    match = _ARXIV_ID.match(text.strip())
    return match.group(1) if match else None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a paper was met: one record of one imported file."""

    file: str
    format: str
    position: int
    date: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return _source_dict(self.file, self.format, self.position, self.date)

    @classmethod
    def from_dict(cls, data: Any) -> Source:
        """A Source from its dict, or ValueError."""
        return cls(*_source_values(data))


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper's facts, as merged from every source that listed it."""

    id: str
    title: str
    abstract: str
    authors: tuple[str, ...] = ()
    links: tuple[str, ...] = ()
    sources: tuple[Source, ...] = ()
    arxiv_id: str | None = None
    categories: tuple[str, ...] = ()
    published: str | None = None  # ISO date (YYYY-MM-DD) where a source gives one
    upvotes: int | None = None
    # Citation facts (BibTeX, RIS, CSL-JSON...), as the source wrote them: see CITATION_TEXTS.
    entry_type: str | None = None  # the source's own type: article, inproceedings, JOUR...
    venue: str | None = None  # journal, proceedings (booktitle) or eprint archive
    volume: str | None = None
    number: str | None = None
    pages: str | None = None
    publisher: str | None = None
    month: str | None = None  # 01-12 when the source's month is one, else as written
    doi: str | None = None  # normalised (normalise_doi): lower case, no resolver prefix
    editors: tuple[str, ...] = ()
    files: tuple[str, ...] = ()  # local files (PDFs) a reference manager keeps for it
    # A .bib entry's fields the others do not hold (school, address, note, series, isbn...):
    # (lower-case name, raw TeX as read) pairs, written back by the BibTeX export.
    extra: tuple[tuple[str, str], ...] = ()
    # (field, index into `sources`) for each source that gave a field of PROVENANCE_FIELDS
    # its value, where that is not the first source alone: empty for most papers (one
    # source), so library.json at 1M papers barely grows. See `supplied`.
    provenance: tuple[tuple[str, int], ...] = ()
    # The citation key the source gave the record (BibTeX's entry key, CSL's `id`, RIS's
    # ID): the person's choice, which import makes the paper's key in its state. Only
    # on the way in: never stored with the facts, never part of a paper's equality.
    cite_key: str | None = field(default=None, compare=False)

    @property
    def date(self) -> str:
        """The date it goes by, as ISO text (YYYY, YYYY-MM or YYYY-MM-DD): its publication,
        else the latest day a listing gave; '' when nothing dates it. Newest first
        sorts by it and the list shows it, so both agree."""
        return paper_date(self.published, (s.date for s in self.sources))

    @property
    def keys(self) -> tuple[str, ...]:
        """Every id under which another source may name this same paper."""
        return paper_keys(self.title, self.doi, self.arxiv_id)

    def merged(self, other: Paper) -> Paper:
        """This paper with what `other` (the same paper from another source) adds.

        The id never changes, so state keyed by it survives any later import.
        Each field is merged by its rule in MERGE_RULES, and `provenance` says
        which of the sources gave the merged value.
        """
        sources = _union(self.sources, other.sources)
        values: dict[str, Any] = {}
        provenance: list[tuple[str, int]] = []
        for name, rule in MERGE_RULES.items():
            value, whose = rule(getattr(self, name), getattr(other, name))
            values[name] = value
            if whose & _THEIRS and name in PROVENANCE_FIELDS:
                suppliers = (self.supplied(name) if whose & _MINE else ()) + other.supplied(name)
                if suppliers != sources[:1]:
                    provenance += [(name, sources.index(source)) for source in dict.fromkeys(suppliers)]
            elif whose and self.provenance:  # this paper's value, from where it was: `sources` begins with its own
                provenance += [entry for entry in self.provenance if entry[0] == name]
        return replace(self, sources=sources, provenance=tuple(provenance), **values)

    def supplied(self, name: str) -> tuple[Source, ...]:
        """The sources that gave this paper's field `name` (one of PROVENANCE_FIELDS)
        its value: those `provenance` lists, else the first source (none if it is empty)."""
        listed = tuple(self.sources[i] for field_name, i in self.provenance if field_name == name)
        if listed:
            return listed
        return self.sources[:1] if _has_value(getattr(self, name)) else ()

    def to_dict(self) -> dict[str, Any]:
        return values_dict(record_values(self))

    @classmethod
    def from_dict(cls, data: Any) -> Paper:
        """A Paper from its dict (a library record, an export's), or ValueError
        saying what is wrong: these come from files a person may have edited."""
        values = paper_values(data)
        values[SOURCES_AT] = tuple(Source(*source) for source in values[SOURCES_AT])
        return cls(*values)


def _source_dict(file: str, format: str, position: int, date: str | None) -> dict[str, Any]:
    return {"file": file, "format": format, "position": position, "date": date}


def record_values(paper: Paper) -> list[Any]:
    """The values of the paper's fields in FIELDS' order, each source as the tuple of
    its fields: what a paper-file record holds (`snapshot.record`)."""
    values = list(_field_values(paper))
    values[SOURCES_AT] = tuple((s.file, s.format, s.position, s.date) for s in paper.sources)
    return values


def values_dict(values: Sequence[Any]) -> dict[str, Any]:
    """`Paper.to_dict` of the paper with these field values (in FIELDS' order, each
    source as the tuple of its fields: a paper-file record's), without making the
    Paper: an import writes library.json from its papers' records (decoding them
    first was a third of that write at 1M papers)."""
    get = values.__getitem__
    data: dict[str, Any] = {"id": get(_ID), "title": get(_TITLE), "abstract": get(_ABSTRACT)}
    if authors := get(_AUTHORS):
        data["authors"] = list(authors)
    if links := get(_LINKS):
        data["links"] = list(links)
    data["sources"] = [_source_dict(*source) for source in get(SOURCES_AT)]
    for name, at in _OPTIONAL_AT:
        if (value := get(at)) is not None:
            data[name] = value
    if categories := get(_CATEGORIES):
        data["categories"] = list(categories)
    for name, at in _CITATION_TEXTS_AT:
        if (value := get(at)) is not None:
            data[name] = value
    for name, at in _CITATION_LISTS_AT:
        if value := get(at):
            data[name] = list(value)
    if extra := get(_EXTRA):
        data["extra"] = dict(extra)
    if provenance := get(_PROVENANCE):
        data["provenance"] = _provenance_dict(provenance)
    return data


def paper_values(data: Any) -> list[Any]:
    """The values of a Paper's fields, in their order, from its dict, each source as
    the tuple of its fields; or ValueError saying what is wrong. `Paper.from_dict`
    and its checks, without the Paper: a start without the paper file encodes a
    million papers' records from these (`reader.coldload`)."""
    if not isinstance(data, dict):
        raise ValueError("not an object")
    for key in ("id", "title"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise ValueError(f"{key!r} must be non-empty text")
    if not isinstance(data.get("abstract", ""), str):
        raise ValueError("'abstract' is not text")
    sources = data.get("sources", ())
    if not isinstance(sources, _LISTS):
        raise ValueError("'sources' is not a list")
    provenance = _provenance_pairs(data.get("provenance", {}), len(sources))
    return [
        data["id"],
        data["title"],
        data.get("abstract", ""),
        _strings(data, "authors"),
        _strings(data, "links"),
        tuple(map(_source_values, sources)),
        _optional(data, "arxiv_id", str),
        _strings(data, "categories"),
        _optional(data, "published", str),
        _optional(data, "upvotes", int),
        *[_optional(data, name, str) for name in CITATION_TEXTS],
        *[_strings(data, name) for name in CITATION_LISTS],
        _extra_fields(data.get("extra", {})),
        provenance,
        None,  # cite_key: never stored with the facts
    ]


def _source_values(data: Any) -> tuple[str, str, int, str | None]:
    """A Source's fields from its dict, or ValueError."""
    if not (
        isinstance(data, dict)
        and isinstance(data.get("file"), str)
        and isinstance(data.get("format"), str)
        and isinstance(data.get("position"), int)
        and isinstance(data.get("date"), _TEXT_OR_NONE)
    ):
        raise ValueError("a source is malformed")
    return (data["file"], data["format"], data["position"], data.get("date"))


def paper_date(published: str | None, source_dates: Iterable[str | None]) -> str:
    """`Paper.date` of a paper published so, listed on those days."""
    if published and _ISO_DATE.match(published):
        return published
    return max((date for date in source_dates if date and _ISO_DATE.match(date)), default="")


def paper_keys(title: str, doi: str | None, arxiv_id: str | None) -> tuple[str, ...]:
    """`Paper.keys` of a paper of that title, DOI and arXiv id."""
    keys = [title_key(title)]
    if doi:
        keys.insert(0, doi_key(doi))
    if arxiv_id:
        keys.insert(0, arxiv_key(arxiv_id))
    return tuple(keys)


CITATION_TEXTS = ("entry_type", "venue", "volume", "number", "pages", "publisher", "month", "doi")
"""Paper's optional text fields a citation gives; absent from a record written
before they existed, so every decoder reads them as optional."""
CITATION_LISTS = ("editors", "files")
FIELDS = tuple(f.name for f in fields(Paper))  # in paper_values's order
SOURCES_AT = FIELDS.index("sources")
_ID, _TITLE, _ABSTRACT, _AUTHORS, _LINKS, _CATEGORIES, _EXTRA, _PROVENANCE = map(
    FIELDS.index, ("id", "title", "abstract", "authors", "links", "categories", "extra", "provenance")
)
_field_values = operator.attrgetter(*FIELDS)  # every field at once: a third of the time of a getattr each
_OPTIONAL_AT = tuple((name, FIELDS.index(name)) for name in ("arxiv_id", "published", "upvotes"))
_CITATION_TEXTS_AT = tuple((name, FIELDS.index(name)) for name in CITATION_TEXTS)
_CITATION_LISTS_AT = tuple((name, FIELDS.index(name)) for name in CITATION_LISTS)


_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_.:+-]*$")


def _extra_fields(data: Any) -> tuple[tuple[str, str], ...]:
    """`extra` as library.json holds it (`{"school": "MIT"}`) read back, or ValueError:
    each name must be one BibTeX can read back, as the export writes it as a field."""
    if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
        raise ValueError("'extra' is not an object of texts")
    if bad := next((name for name in data if not _FIELD_NAME.match(name)), None):
        raise ValueError(f"'extra' names {bad[:40]!r}, which is no BibTeX field name")
    return tuple(data.items())


def _union(first: tuple, second: tuple) -> tuple:
    if not second:
        return first
    return tuple(dict.fromkeys(first + second))


# --- merging: which source's value a merged paper keeps ------------------------------

_MINE, _THEIRS = 1, 2  # whose value a rule kept: the paper merged into, the one merged in, or both
_Rule = Callable[[Any, Any], tuple[Any, int]]


def _first(mine: str | tuple | None, theirs: str | tuple | None) -> tuple[Any, int]:
    """The earlier source's value, the later one's only where it had none (text or a
    list: empty is none)."""
    if mine:
        return mine, _MINE
    return (theirs, _THEIRS) if theirs else (mine, 0)


def _longer(mine: str, theirs: str) -> tuple[str, int]:
    """The longer text: a listing may truncate an abstract another source gives whole."""
    return (theirs, _THEIRS) if len(theirs) > len(mine) else (mine, _MINE if mine else 0)


def _higher(mine: int | None, theirs: int | None) -> tuple[int | None, int]:
    """The higher count: upvotes are a snapshot, and they only grow."""
    if theirs is not None and (mine is None or theirs > mine):
        return theirs, _THEIRS
    return mine, _MINE if mine is not None else 0


def _unioned(mine: tuple, theirs: tuple) -> tuple[tuple, int]:
    """Both lists, in order, each item once."""
    merged = _union(mine, theirs)
    adds = len(merged) > len(mine)
    return merged, (_MINE if mine else 0) | (_THEIRS if adds else 0)


def _by_name(mine: tuple, theirs: tuple) -> tuple[tuple, int]:
    """(name, value) pairs of both, each name once: the earlier source's value where both have it."""
    names = {name for name, _ in mine}
    added = tuple(pair for pair in theirs if pair[0] not in names)
    return mine + added, (_MINE if mine else 0) | (_THEIRS if added else 0)


MERGE_RULES: dict[str, _Rule] = {
    "title": _first,
    "abstract": _longer,
    "authors": _first,
    "links": _unioned,
    "arxiv_id": _first,
    "categories": _unioned,
    "published": _first,
    "upvotes": _higher,
    **dict.fromkeys(CITATION_TEXTS, _first),
    "editors": _first,
    "files": _unioned,
    "extra": _by_name,
}
"""How `Paper.merged` makes one value of two sources' values of each field: the
one place that says which wins. Scalars keep the first known value (the source
that came first into the home), except the longer abstract and the higher upvote
count; lists of things a paper has several of are unioned; an author or editor
list is a whole, kept from the first source that had one; a .bib's other fields
(`extra`) are unioned by name, the first source's value where both have one."""

PROVENANCE_FIELDS = frozenset(MERGE_RULES) - {"title", "links"}
"""The fields whose sources `Paper.provenance` records. Not the title: a paper
always has one, so it is always the first source's. Not links: nearly every source
adds its own, which would put an entry in most merged papers' records, and a link
names its site anyway."""


def _has_value(value: Any) -> bool:
    return value is not None and value != "" and value != ()


def _provenance_dict(provenance: tuple[tuple[str, int], ...]) -> dict[str, int | list[int]]:
    """library.json's form: field -> source index, or indexes when several gave it."""
    grouped: dict[str, list[int]] = {}
    for name, index in provenance:
        grouped.setdefault(name, []).append(index)
    return {name: indexes[0] if len(indexes) == 1 else indexes for name, indexes in grouped.items()}


def _provenance_pairs(data: Any, sources: int) -> tuple[tuple[str, int], ...]:
    """`_provenance_dict`'s form read back, or ValueError."""
    if not isinstance(data, dict):
        raise ValueError("'provenance' is not an object")
    pairs: list[tuple[str, int]] = []
    for name, indexes in data.items():
        listed = indexes if isinstance(indexes, list) else [indexes]
        if name not in PROVENANCE_FIELDS:
            raise ValueError(f"'provenance' names {name!r}, which is not a field it records")
        if not all(type(i) is int and 0 <= i < sources for i in listed):
            raise ValueError(f"'provenance' of {name!r} is not an index into 'sources'")
        pairs += [(name, i) for i in listed]
    return tuple(pairs)


def provenance_lines(paper: Paper) -> list[str]:
    """`venue: dblp.bib #12 (bibtex)`, one line for each field of the paper that has a
    value and a source to name, for a person asking where a value came from."""
    lines = []
    for name in MERGE_RULES:
        if name in PROVENANCE_FIELDS and (suppliers := paper.supplied(name)):
            named = ", ".join(f"{os.path.basename(s.file)} #{s.position} ({s.format})" for s in suppliers)
            lines.append(f"{name.replace('_', ' ')}: {named}")
    return lines


@dataclass(frozen=True, slots=True)
class PaperState:
    """What the person decided about one paper."""

    read: bool = False
    bookmarked: bool = False
    tags: tuple[str, ...] = ()
    note: str = ""
    updated: str | None = None  # ISO timestamp of the last change
    dismissed: bool = False  # read and not wanted: out of the inbox for good
    # The citation key, chosen at the paper's first export or copy (or by the person)
    # and kept: a key in a .tex file must still name the paper after the next export.
    key: str | None = None

    @property
    def is_blank(self) -> bool:
        return not (self.read or self.bookmarked or self.tags or self.note or self.dismissed or self.key)

    @property
    def in_inbox(self) -> bool:
        """Not yet decided: unread, and neither kept (bookmark, tag) nor dismissed."""
        return not (self.read or self.bookmarked or self.tags or self.dismissed)

    def to_dict(self) -> dict[str, Any]:
        data = {
            "read": self.read,
            "bookmarked": self.bookmarked,
            "tags": list(self.tags),
            "note": self.note,
            "updated": self.updated,
            "dismissed": self.dismissed,
        }
        if self.key:  # absent until chosen: older readers and records stay as they were
            data["key"] = self.key
        return data

    @classmethod
    def from_dict(cls, data: Any) -> PaperState:
        """A PaperState from its dict (a state record, an export's, an undo step's),
        or ValueError saying what is wrong."""
        if not isinstance(data, dict):
            raise ValueError("not an object")
        for key in ("read", "bookmarked", "dismissed"):
            if not isinstance(data.get(key, False), bool):
                raise ValueError(f"{key!r} is not true or false")
        if not isinstance(data.get("note", ""), str):
            raise ValueError("'note' is not text")
        return cls(
            read=data.get("read", False),
            bookmarked=data.get("bookmarked", False),
            tags=_strings(data, "tags"),
            note=data.get("note", ""),
            updated=_optional(data, "updated", str),
            dismissed=data.get("dismissed", False),
            key=_optional(data, "key", str) or None,
        )


# Checks made of every field of every record a start without caches reads (a million at
# 1M papers): `list | tuple` made anew each time, and a generator for each list, were
# a tenth of `paper_values`.
_LISTS = (list, tuple)
_TEXT_OR_NONE = (str, type(None))
_is_text = str.__instancecheck__


def _strings(data: dict[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key, ())
    if not isinstance(value, _LISTS) or not all(map(_is_text, value)):
        raise ValueError(f"{key!r} is not a list of strings")
    return tuple(value)


def _optional(data: dict[str, Any], key: str, kind: type) -> Any:
    value = data.get(key)
    if value is not None and (not isinstance(value, kind) or isinstance(value, bool) and kind is int):
        raise ValueError(f"{key!r} has the wrong type")
    return value


BLANK_STATE = PaperState()


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing an import could not use, said so a person can act on it."""

    file: str
    message: str
    position: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.position}" if self.position is not None else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class StatedPaper:
    """A paper that arrives with the person's state (reader's own JSON export)."""

    paper: Paper
    state: PaperState
