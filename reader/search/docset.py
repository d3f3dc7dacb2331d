"""`DocSet`: a set of document numbers as one sorted numpy array.

At a million papers a prefix such as "t" matches half of them, and Python sets of
half a million ints cost about 100 ms to build, intersect and score per keystroke
(measured: 85% of a search's time). As one sorted int32 array the same work runs
in C, a few milliseconds: union, intersection and difference go through a boolean
table over the document numbers (linear, no sort), membership is a binary search.

A `DocSet` is immutable and behaves as a `Set[int]` towards code that still holds
Python sets (filters, states, the closest matches): `&`, `|`, `-` take a set on
either side, iteration gives Python ints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np

DTYPE = np.int32


def _table(size: int, members: np.ndarray) -> np.ndarray:
    table = np.zeros(size, dtype=bool)
    table[members] = True
    return table


class DocSet(AbstractSet[int]):
    """Document numbers, ascending and unique, in `array` (int32; never written to)."""

    __slots__ = ("array",)

    def __init__(self, array: np.ndarray):
        array.flags.writeable = False
        self.array = array

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
        return iter(self.array.tolist())

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
        b = DocSet.of(other).array
        a = self.array
        if not len(a) or not len(b):
            return EMPTY
        if len(a) > len(b):
            a, b = b, a
        return DocSet(a[_table(int(b[-1]) + 1, b)[np.minimum(a, b[-1])] & (a <= b[-1])])

    __rand__ = __and__

    def __or__(self, other: Iterable[Any]) -> DocSet:
        return DocSet.union_of((self.array, DocSet.of(other).array))

    __ror__ = __or__

    def __sub__(self, other: Iterable[Any]) -> DocSet:
        b = DocSet.of(other).array
        a = self.array
        if not len(a) or not len(b):
            return self
        keep = ~_table(int(b[-1]) + 1, b)[np.minimum(a, b[-1])] | (a > b[-1])
        return DocSet(a[keep])

    def __rsub__(self, other: Iterable[Any]) -> DocSet:
        return DocSet.of(other) - self

    def isdisjoint(self, other: Iterable[Any]) -> bool:
        return not (self & other)


def _ascending(array: np.ndarray) -> bool:
    """Strictly ascending (so also unique)."""
    return len(array) < 2 or bool((array[1:] > array[:-1]).all())


EMPTY = DocSet(np.zeros(0, dtype=DTYPE))
