"""The search query language: text to a `Query` (the words are `reader.words`' rule).

    words          all must match, each as a whole word, a prefix or within a typo or two
    a | b          either word (binds tighter than the space between words)
    "a phrase"     these words, exactly, in this order
    -word -"a b"   must not match (also -title:x, -is:read, -tag:x ...)
    title: abstract: author:      only that part of the paper (a word or a "phrase")
    tag:x  note:x  src:x  year:2024  year:>=2023  year:2020..2023  has:code
    doi:10.1145/...  cat:cs.CL  venue:neurips  key:vaswani2017
    is:bookmarked is:unread is:read is:inbox is:dismissed is:tagged is:noted   id:2306.13575
    ~any text      papers most like the text (a pasted abstract, a sentence): the rest of
                   the query is that text, not syntax; clauses before it filter them

Plain words that no paper has all of still find the papers with most of them: the
search ranks those as closest matches after the papers with every word.

`parse_query` turns text into a `Query` or raises `QueryError`, whose message is a
short hint to show the person ("title: needs a word, e.g. title:diffusion").
No other exception escapes it, whatever the text. Nothing here imports Textual.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from reader.models import normalise_doi, parse_arxiv_id
from reader.words import words

# The syntax as the help screen shows it: (an example, what it finds).
SYNTAX: tuple[tuple[str, str], ...] = (
    ("diffusion video", "both words (prefix and typo tolerant)"),
    ("diffusion | gan", "either word"),
    ('"state space"', "exact phrase"),
    ("-survey", "without the word"),
    ("title: abstract: author:", "in one field only"),
    ("tag:toread  src:002", "tagged, or from a source file/format"),
    ("year:2024  year:>=2023", "by publication year (else the arXiv id's)"),
    ("venue:neurips  cat:cs.CL", "by journal/proceedings, arXiv category"),
    ("doi:10.1145/3292500  key:vaswani2017", "by DOI, by citation key (prefix)"),
    ("has:code", "with a code link"),
    ("is:unread is:read", "by read state"),
    ("is:inbox is:dismissed", "not yet decided / dismissed with x"),
    ("is:bookmarked is:tagged is:noted", "by your marks"),
    ("note:idea", "in your notes"),
    ("id:2306.13575", "one paper by its arXiv id"),
    ("~a sentence or abstract", "papers most like this text"),
)

FIELD_NAMES = ("title", "abstract", "author", "tag", "note", "src", "year", "has", "is", "id", "doi", "cat", "venue", "key")
_ALIASES = {
    "ti": "title",
    "abs": "abstract",
    "au": "author",
    "authors": "author",
    "by": "author",
    "tags": "tag",
    "source": "src",
    "arxiv": "id",
    "category": "cat",
    "journal": "venue",
    "booktitle": "venue",
    "citekey": "key",
}
_EXAMPLES = {
    "title": "title:diffusion",
    "abstract": "abstract:benchmark",
    "author": 'author:hinton or author:"yann lecun"',
    "tag": "tag:toread",
    "note": 'note:idea or note:"read again"',
    "src": "src:arxiv",
    "year": "year:2024, year:>=2023 or year:2020..2023",
    "has": "has:code",
    "is": "is:bookmarked, is:unread, is:read, is:inbox, is:dismissed, is:tagged or is:noted",
    "id": "id:2306.13575",
    "doi": "doi:10.1145/3292500.3330701 (or its start)",
    "cat": "cat:cs.CL or cat:cs",
    "venue": 'venue:neurips or venue:"machine learning"',
    "key": "key:vaswani2017attention (or its start)",
}
IS_VALUES = {
    "bookmarked": "bookmarked",
    "bookmark": "bookmarked",
    "starred": "bookmarked",
    "read": "read",
    "unread": "unread",
    "tagged": "tagged",
    "noted": "noted",
    "note": "noted",
    "inbox": "inbox",
    "new": "inbox",
    "dismissed": "dismissed",
}
HAS_VALUES = {"code": "code", "note": "noted", "notes": "noted", "tag": "tagged", "tags": "tagged"}

TEXT_FIELDS = ("title", "abstract", "author")


class QueryError(ValueError):
    """A query that cannot be searched; str() is a short hint for the person."""


# --- the parsed query ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Atom:
    """One thing to match.

    field: "any" (title, abstract and authors), "title", "abstract", "author",
    "tag", "src", "year", "has", "is", "id", "doi", "cat", "venue" or "key".
    For text fields `words` holds the folded words; `phrase` means a quoted phrase
    (exact words in order). Several words without quotes ("gpt-4") must follow
    each other too, but the last one may be a prefix.
    """

    field: str
    value: str
    words: tuple[str, ...] = ()
    phrase: bool = False
    low: int = 0  # year range, inclusive
    high: int = 0

    @property
    def is_text(self) -> bool:
        return self.field == "any" or self.field in TEXT_FIELDS

    @property
    def is_state(self) -> bool:
        """Does it depend on the person's state (bookmarks, tags, notes, read)?"""
        return self.field in ("is", "tag", "note", "key") or (self.field == "has" and self.value != "code")


@dataclass(frozen=True, slots=True)
class Clause:
    """Atoms joined by `|`: one of them must match (or, negated, the single atom must not)."""

    atoms: tuple[Atom, ...]
    negated: bool = False


@dataclass(frozen=True, slots=True)
class Query:
    """`similar`: for `~text`, the text to find papers like (the clauses then filter them)."""

    text: str
    clauses: tuple[Clause, ...] = ()
    similar: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.clauses and not self.similar

    @property
    def uses_state(self) -> bool:
        return any(atom.is_state for clause in self.clauses for atom in clause.atoms)


# --- parsing -------------------------------------------------------------------------

_FIELD = re.compile(r"([A-Za-z]+):(.*)\Z", re.S)
_YEAR = re.compile(r"(>=|<=|>|<|=)?(\d{4})\Z")
_YEAR_RANGE = re.compile(r"(\d{4})(?:\.\.|-)(\d{4})\Z")
_STOPS = frozenset(' \t\n\r\f\v|"')
_Token = tuple[bool, Atom] | None  # (negated, atom), or None for a `|`


def split_similar(text: str) -> tuple[str, str] | None:
    """A `~text` query as (the clauses before the `~`, the text after it); None for
    other queries. A `~` counts at the start of a word outside quotes, so a view's
    filter can come first: "is:inbox ~a pasted abstract"."""
    quoted = False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted
        elif char == "~" and not quoted and (i == 0 or text[i - 1].isspace()):
            return text[:i], text[i + 1 :].strip()
    return None


def asks_similar(text: str) -> bool:
    """Is it a `~text` query (answered by similarity, not by matching words)?"""
    return split_similar(text) is not None


def parse_query(text: str) -> Query:
    """Parse search text. Raises QueryError (a short hint) and nothing else."""
    try:
        return _parse(str(text))
    except QueryError:
        raise
    except Exception as error:  # a parser bug must still reach the person as a hint
        raise QueryError(f"cannot read this search ({type(error).__name__})") from error


def _parse(text: str) -> Query:
    split = split_similar(text)
    if split is not None:
        head, similar = split
        if not words(similar):
            raise QueryError("~ needs text to compare with, e.g. ~ a sentence or a pasted abstract")
        return Query(text, _parse(head).clauses, similar=similar)
    source = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u201e", '"')
    tokens: list[_Token] = []
    i, n = 0, len(source)
    while i < n:
        char = source[i]
        if char.isspace():
            i += 1
            continue
        if char == "|":
            tokens.append(None)
            i += 1
            continue
        negated = False
        if char == "-":
            j = i
            while j < n and source[j] == "-":
                j += 1
            if j < n and source[j].isspace() and source[j:].strip():
                i = j  # a dash standing alone mid-text ("Foo - Bar") is punctuation
                continue
            if j >= n or source[j].isspace() or source[j] == "|":
                raise QueryError("'-' needs a word right after it, e.g. -survey")
            negated, i = True, j
        atom, i = _read_atom(source, i)
        if atom is not None:  # None: nothing searchable in it ("&&", "...")
            tokens.append((negated, atom))
    return Query(text, _group(tokens))


def _group(tokens: list[_Token]) -> tuple[Clause, ...]:
    clauses: list[Clause] = []
    atoms: list[Atom] = []
    negated = False
    after_bar = False
    for token in tokens:
        if token is None:
            if not atoms or after_bar:
                raise QueryError("'|' needs a word on each side, e.g. gan | diffusion")
            after_bar = True
            continue
        token_negated, atom = token
        if after_bar:
            if token_negated or negated:
                raise QueryError("'-' and '|' don't mix: write -a -b, or a | b")
            atoms.append(atom)
            after_bar = False
            continue
        if atoms:
            clauses.append(Clause(tuple(atoms), negated))
        atoms, negated = [atom], token_negated
    if after_bar:
        raise QueryError("'|' needs a word on each side, e.g. gan | diffusion")
    if atoms:
        clauses.append(Clause(tuple(atoms), negated))
    return tuple(clauses)


def _read_quoted(source: str, i: int) -> tuple[str, int]:
    """source[i] is a quote: the text up to the closing quote, and the index after it."""
    end = source.find('"', i + 1)
    if end < 0:
        raise QueryError('unclosed quote: add the closing "')
    return source[i + 1 : end], end + 1


def _read_atom(source: str, i: int) -> tuple[Atom | None, int]:
    n = len(source)
    if source[i] == '"':
        value, i = _read_quoted(source, i)
        found = tuple(words(value))
        return (Atom("any", value, found, phrase=True) if found else None), i
    j = i
    while j < n and source[j] not in _STOPS:
        j += 1
    raw = source[i:j]
    match = _FIELD.match(raw)
    if match:
        name = match.group(1).lower()
        name = _ALIASES.get(name, name)
        value = match.group(2)
        if name in FIELD_NAMES:
            phrase = False
            if not value and j < n and source[j] == '"':
                value, j = _read_quoted(source, j)
                phrase = True
            if not value.strip():
                raise QueryError(f"{name}: needs a value, e.g. {_EXAMPLES[name]}")
            return _field_atom(name, value, phrase), j
        # Any other name is plain words: `foo:bar`, a pasted title ("Re:Imagen"), a URL.
    arxiv = parse_arxiv_id(raw) if any(c in raw for c in "./") else None
    if arxiv:
        return Atom("id", arxiv), j
    found = tuple(words(raw))
    if not found:
        return None, j
    return Atom("any", raw, found), j


def _field_atom(name: str, value: str, phrase: bool) -> Atom:
    if name in TEXT_FIELDS:
        found = tuple(words(value))
        if not found:
            raise QueryError(f"{name}: needs a word, e.g. {_EXAMPLES[name]}")
        return Atom(name, value, found, phrase=phrase)
    cleaned = value.strip()
    if name == "year":
        single = _YEAR.match(cleaned)
        if single:
            op, year = single.group(1) or "=", int(single.group(2))
            low, high = {
                "=": (year, year),
                ">=": (year, 9999),
                ">": (year + 1, 9999),
                "<=": (0, year),
                "<": (0, year - 1),
            }[op]
            return Atom("year", cleaned, low=low, high=high)
        span = _YEAR_RANGE.match(cleaned)
        if span:
            low, high = sorted((int(span.group(1)), int(span.group(2))))
            return Atom("year", cleaned, low=low, high=high)
        raise QueryError(f"year: takes a year, e.g. {_EXAMPLES['year']}")
    if name == "is":
        state = IS_VALUES.get(cleaned.lower())
        if state is None:
            raise QueryError(f"is: takes {_EXAMPLES['is'].replace('is:', '')}")
        return Atom("is", state)
    if name == "has":
        what = HAS_VALUES.get(cleaned.lower())
        if what is None:
            raise QueryError("has: takes code (a code link), note or tag, e.g. has:code")
        return Atom("has", "code") if what == "code" else Atom("is", what)
    if name == "id":
        bare = parse_arxiv_id(cleaned)
        return Atom("id", bare or cleaned)
    if name == "doi":
        return Atom("doi", normalise_doi(cleaned) or cleaned.casefold())
    if name == "venue":
        found = tuple(words(value))
        if not found:
            raise QueryError(f"venue: needs a word, e.g. {_EXAMPLES['venue']}")
        return Atom("venue", " ".join(found), found)
    if name == "note":
        found = tuple(words(value))
        if not found:
            raise QueryError(f"note: needs a word, e.g. {_EXAMPLES['note']}")
        return Atom("note", " ".join(found), found, phrase=phrase)
    # tag, src, cat, key: compared casefolded; tag and key by prefix, src as a substring,
    # cat whole or as its archive (cat:cs is every cs.*)
    return Atom(name, cleaned.casefold())
