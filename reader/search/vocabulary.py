"""The vocabulary: which indexed words a query word matches.

A query word matches the word itself, the words it begins (bisect on the sorted
vocabulary) and near spellings (rapidfuzz OSA distance, so a swap is one typo,
over a small pool: similar length, same first or second letter). `expand` says
what one query word matches; the index keeps the expansions of recent words.
"""

from __future__ import annotations

import bisect
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

import numpy as np

from reader.search.postings import ABSTRACT, AUTHOR, TITLE
from reader.words import typo_budget

_MAX_FUZZY = 48  # near spellings kept per query word (the closest, then the commonest)
_MAX_FPREFIX = 24


class Pools:
    """(a letter, a length) -> the words of that length with that letter (first or
    second), in vocabulary order: kept as the words' numbers in the vocabulary,
    grouped by key (`members`; `spans`: key -> where its group lies), and made a
    list of words the first time a query asks for it. As lists of every key they
    were most of the index cache's head, decoded at every start (50 ms and 3 MB at
    100k papers), where a session's typos read a few hundred of them."""

    __slots__ = ("_words", "members", "spans", "_lists")

    def __init__(self, words: list[str], members: Sequence[int], spans: dict[tuple[str, int], tuple[int, int]]):
        self._words, self.members, self.spans = words, members, spans
        self._lists: dict[tuple[str, int], list[str]] = {}

    @classmethod
    def of(cls, words: list[str], letter: int) -> Pools:
        """The pools of `words` by their first (`letter` 0) or second letter (1)."""
        groups: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
        for number, word in enumerate(words):
            size = len(word)
            if size >= 3:
                groups[word[letter], size].append(number)
        members = array("i")
        spans = {}
        for key, numbers in groups.items():
            spans[key] = (len(members), len(members) + len(numbers))
            members.extend(numbers)
        return cls(words, members, spans)

    def with_added(self, words: list[str], fresh: list[str], letter: int) -> Pools:
        """These pools over `words`, the vocabulary once the sorted `fresh` words are
        merged into it: the members renumbered and the fresh words put in their groups,
        not every word grouped again (0.6 s at 300k papers, for a day's few new words)."""
        old = np.asarray(self.members, dtype=np.int32)
        numbers = [bisect.bisect_left(words, word) for word in fresh]  # their numbers in `words`
        # An old word moves up by the fresh words before it: those at or below its new number.
        before = np.asarray(numbers, dtype=np.int64) - np.arange(len(numbers))  # where each went in the old list
        members = old + np.searchsorted(before, old, side="right").astype(np.int32)
        arriving: defaultdict[tuple[str, int], list[int]] = defaultdict(list)
        for number, word in zip(numbers, fresh, strict=True):
            if len(word) >= 3:
                arriving[word[letter], len(word)].append(number)
        merged = array("i")
        spans = {}
        for key in dict.fromkeys(chain(self.spans, arriving)):
            lo, hi = self.spans.get(key, (0, 0))
            group = np.sort(np.concatenate((members[lo:hi], np.asarray(arriving.get(key, ()), dtype=np.int32))))
            spans[key] = (len(merged), len(merged) + len(group))
            merged.frombytes(group.astype(np.int32).tobytes())
        return Pools(words, merged, spans)

    def get(self, key: tuple[str, int]) -> list[str]:
        found = self._lists.get(key)
        if found is None:
            lo, hi = self.spans.get(key, (0, 0))
            words = self._words
            found = self._lists[key] = [words[n] for n in self.members[lo:hi]]
        return found


class Vocabulary:
    """Every indexed word, sorted, with pools that make typo matching cheap. (No set of
    them besides: a word is looked up by binary search, and a set cost 8 MB at 100k.)"""

    words: list[str]
    first: Pools  # by first letter
    second: Pools  # by second letter
    _truncated: dict[tuple[str, int], list[str]]  # (first letter, length) -> beginnings of that length

    def __init__(self, all_words: Iterable[str]):
        self.words = sorted(set(all_words))
        self._build_pools()

    @classmethod
    def restored(cls, words: list[str], first: Pools, second: Pools) -> Vocabulary:
        vocab = cls.__new__(cls)
        vocab.words, vocab.first, vocab.second = words, first, second
        vocab._truncated = {}
        return vocab

    def _build_pools(self) -> None:
        self.first = Pools.of(self.words, 0)
        self.second = Pools.of(self.words, 1)
        self._truncated = {}

    def add(self, new_words: Iterable[str]) -> None:
        fresh = sorted(w for w in set(new_words) if not self._has(w))
        if not fresh:
            return
        # A new list, never one changed in place: parts read from the cache file share
        # this one (see cache.load). Two sorted runs: merged, not sorted again.
        self.words = sorted(self.words + fresh)
        self.first = self.first.with_added(self.words, fresh, 0)
        self.second = self.second.with_added(self.words, fresh, 1)
        self._truncated = {}

    def _has(self, word: str) -> bool:
        i = bisect.bisect_left(self.words, word)
        return i < len(self.words) and self.words[i] == word

    def near(self, q: str, budget: int) -> dict[str, int]:
        """Vocabulary words within `budget` typos of q (OSA distance), q excluded."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        size = len(q)
        pool: list[str] = []
        keys = {q[0], q[1]}
        for length in range(max(3, size - budget), size + budget + 1):
            for key in keys:
                pool.extend(self.first.get((key, length)))
            pool.extend(self.second.get((q[1], length)))  # first letter mistyped
            pool.extend(self.second.get((q[0], length)))  # first letter missing
        if not pool:
            return {}
        found: dict[str, int] = {}
        for word, distance, _ in process.extract(q, pool, scorer=OSA.distance, score_cutoff=budget, limit=None, processor=None):
            if word != q:
                found[word] = int(distance)
        return found

    def near_prefixes(self, q: str, budget: int) -> dict[str, int]:
        """Beginnings of longer words within `budget` typos of q: "tranf" -> "transf"."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        found: dict[str, int] = {}
        for length in (len(q), len(q) + 1):
            table = self._truncations(q[0], length)
            if not table:
                continue
            for prefix, distance, _ in process.extract(
                q, table, scorer=OSA.distance, score_cutoff=budget, limit=None, processor=None
            ):
                if not prefix.startswith(q) and not q.startswith(prefix):
                    found[prefix] = min(int(distance), found.get(prefix, 99))
        return found

    def _truncations(self, char: str, length: int) -> list[str]:
        key = (char, length)
        table = self._truncated.get(key)
        if table is None:
            lo = bisect.bisect_left(self.words, char)
            hi = bisect.bisect_left(self.words, char + "\U0010ffff", lo)
            table = list(dict.fromkeys(w[:length] for w in self.words[lo:hi] if len(w) > length))
            self._truncated[key] = table
        return table


@dataclass(frozen=True, slots=True)
class Expansion:
    """What one query word matches in the vocabulary."""

    q: str
    prefix_fields: tuple[int, ...]  # fields where words beginning with q count
    near: dict[str, int]  # word -> typos
    near_prefixes: tuple[str, ...]  # typo'd beginnings of words

    def terms(self) -> set[str]:
        found = {self.q, self.q + "*"}
        found.update(self.near)
        found.update(p + "*" for p in self.near_prefixes)
        return found

    def token_matches(self, token: str, field_no: int) -> bool:
        return (
            token == self.q
            or (field_no in self.prefix_fields and token.startswith(self.q))
            or token in self.near
            or (bool(self.near_prefixes) and token.startswith(self.near_prefixes))
        )


def expand(q: str, vocab: Vocabulary, df: Callable[[str], int]) -> Expansion:
    """What the query word q matches in `vocab`; `df` counts the documents that have a word."""
    prefix_fields = (TITLE, ABSTRACT, AUTHOR) if len(q) >= 3 else (TITLE, AUTHOR)
    budget = typo_budget(q)
    near: dict[str, int] = {}
    near_prefixes: tuple[str, ...] = ()
    if len(q) == 3 and not any(c.isdigit() for c in q):
        # three letters forgive only a missing letter: "bis" finds "bias", not "big"
        near = {w: 1 for w in vocab.near(q, 1) if len(w) == 4 and not w.startswith(q)}
    if budget:
        found = vocab.near(q, budget)
        found = {w: d for w, d in found.items() if not w.startswith(q)}
        if len(found) > _MAX_FUZZY:
            best = sorted(found, key=lambda w: (found[w], -df(w), w))[:_MAX_FUZZY]
            found = {w: found[w] for w in best}
        if any(c.isdigit() for c in q):  # "llama3": the letters may be typo'd, not the 3
            digits = _digits(q)
            found = {w: d for w, d in found.items() if _digits(w) == digits}
        near = found
        if len(q) >= 5:
            starts = vocab.near_prefixes(q, budget)
            if any(c.isdigit() for c in q):
                starts = {p: d for p, d in starts.items() if _digits(p) == _digits(q)}
            ordered = sorted(starts, key=lambda p: (starts[p], p))[:_MAX_FPREFIX]
            near_prefixes = tuple(ordered)
    return Expansion(q, prefix_fields, near, near_prefixes)


def bracket(q: str) -> tuple[bool, int, bool]:
    """Words in the same bracket match by the same rules: extending one narrows the match."""
    return len(q) >= 3, typo_budget(q), len(q) >= 5


def _digits(word: str) -> str:
    return "".join(c for c in word if c.isdigit())
