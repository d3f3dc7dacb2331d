"""`DocSet`: a set of document numbers as one sorted numpy array.

At a million papers a prefix such as "t" matches half of them, and Python sets of
half a million ints cost about 100 ms to build, intersect and score per keystroke
(measured: 85% of a search's time). As one sorted int32 array the same work runs
in C, a few milliseconds. Membership, intersection and difference go through a
boolean table over the document numbers, or, for few documents among many, a
binary search (`members`); a union of many goes through the table, of few, a sort.

A `DocSet` is immutable and behaves as a `Set[int]` towards code that still holds
Python sets (filters, states, the closest matches): `&`, `|`, `-` take a set on
either side, iteration gives Python ints.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np

DTYPE = np.int32
_ITEMS_KEPT = 200_000  # documents of a set that keeps its ints once walked (8 bytes each)


_SPARSE = 16  # below one document in this many, binary search beats a table over all of them
_SORTED_UNION = 64  # below one in this many, a union sorts its documents instead of a table


def members(docs: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Which of `docs` are in `found` (ascending), as a boolean mask over docs:
    by binary search for few docs, else through a table over the document numbers."""
    if not len(docs) or not len(found):
        return np.zeros(len(docs), dtype=bool)
    top = int(found[-1])
    if len(docs) * _SPARSE < top:
        at = np.searchsorted(found, docs)
        at[at == len(found)] = 0
        return found[at] == docs
    table = np.zeros(top + 1, dtype=bool)
    table[found] = True
    return table[np.minimum(docs, top)] & (docs <= top)


class DocSet(AbstractSet[int]):
    """Document numbers, ascending and unique, in `array` (int32; never written to)."""

    __slots__ = ("array", "_items")

    def __init__(self, array: np.ndarray):
        array.flags.writeable = False
        self.array = array
        self._items: tuple[int, ...] | None = None

    @classmethod
    def of(cls, docs: Iterable[int]) -> DocSet:
        """Any collection of document numbers, as a DocSet (a DocSet as it is)."""
        if isinstance(docs, DocSet):
            return docs
        if not isinstance(docs, (set, frozenset)):
            docs = set(docs)
        found = np.fromiter(docs, dtype=DTYPE, count=len(docs))
        found.sort()
        return cls(found)

    @classmethod
    def union_of(cls, chunks: Iterable[Any]) -> DocSet:
        """The documents in any of `chunks` (arrays or buffers of document numbers,
        in any order, repeats allowed)."""
        arrays = [np.frombuffer(c, dtype=DTYPE) if not isinstance(c, np.ndarray) else c for c in chunks]
        arrays = [a for a in arrays if len(a)]
        if not arrays:
            return EMPTY
        if len(arrays) == 1 and _ascending(arrays[0]):
            return cls(arrays[0])
        size = max(int(a.max()) for a in arrays) + 1
        total = sum(len(a) for a in arrays)
        if total * _SORTED_UNION < size:  # few documents among many: sorting them is cheaper than a table
            merged = np.concatenate(arrays)
            merged.sort()
            fresh = np.ones(len(merged), dtype=bool)
            np.not_equal(merged[1:], merged[:-1], out=fresh[1:])
            return cls(merged[fresh].astype(DTYPE, copy=False))
        table = np.zeros(size, dtype=bool)
        for a in arrays:
            table[a] = True
        return cls(np.flatnonzero(table).astype(DTYPE, copy=False))

    @classmethod
    def range(cls, count: int) -> DocSet:
        return cls(np.arange(count, dtype=DTYPE))

    # --- Set[int] ------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.array)

    def __iter__(self) -> Iterator[int]:
        return iter(self.items())

    def items(self) -> tuple[int, ...]:
        """The documents as ints, the same int object for a document every time (dicts
        keyed by documents, as the closest matches' scores, find keys by identity);
        kept by a set of up to _ITEMS_KEPT, which the closest matches walk twice a
        level on every keystroke while its word is in the clause cache."""
        if self._items is not None:
            return self._items
        array = self.array
        items = tuple(map(_shared(int(array[-1]) + 1 if len(array) else 0).__getitem__, array.tolist()))
        if len(items) <= _ITEMS_KEPT:
            self._items = items
        return items

    def __contains__(self, docno: object) -> bool:
        array = self.array
        if not isinstance(docno, (int, np.integer)) or not len(array):
            return False
        i = int(np.searchsorted(array, docno))
        return i < len(array) and int(array[i]) == docno

    def __bool__(self) -> bool:
        return len(self.array) > 0

    def __hash__(self) -> int:
        return hash(self.array.tobytes())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, DocSet):
            return bool(np.array_equal(self.array, other.array))
        if isinstance(other, AbstractSet):
            return len(self) == len(other) and all(d in other for d in self)
        return NotImplemented

    def __repr__(self) -> str:
        return f"DocSet({self.array.tolist()!r})"

    # --- algebra, in C -----------------------------------------------------------------

    def __and__(self, other: Iterable[Any]) -> DocSet:
        a, b = self.array, DocSet.of(other).array
        if len(a) > len(b):
            a, b = b, a
        return DocSet(a[members(a, b)])

    __rand__ = __and__

    def __or__(self, other: Iterable[Any]) -> DocSet:
        return DocSet.union_of((self.array, DocSet.of(other).array))

    __ror__ = __or__

    def __sub__(self, other: Iterable[Any]) -> DocSet:
        b = DocSet.of(other).array
        return DocSet(self.array[~members(self.array, b)]) if len(b) else self

    def __rsub__(self, other: Iterable[Any]) -> DocSet:
        return DocSet.of(other) - self

    def isdisjoint(self, other: Iterable[Any]) -> bool:
        return not (self & other)


_SHARED: list[int] = []
_SHARED_GROWING = threading.Lock()  # two libraries' searches (the app's, a fetch's) may grow it at once


def _shared(count: int) -> list[int]:
    """range(count) as one int object per document, grown as libraries grow."""
    if len(_SHARED) < count:
        with _SHARED_GROWING:
            _SHARED.extend(range(len(_SHARED), count))
    return _SHARED


def _ascending(array: np.ndarray) -> bool:
    """Strictly ascending (so also unique)."""
    return len(array) < 2 or bool((array[1:] > array[:-1]).all())


EMPTY = DocSet(np.zeros(0, dtype=DTYPE))
