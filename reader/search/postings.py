"""Postings: for each field of the papers, every word and the documents that have it.

A document is a paper's number in the index (see `SearchIndex`). A field's
postings are one or more `Part`s: the full build, then one per batch of papers
added since; a paper replaced by a later batch is `dead` in the older parts. Each
part is two flat arrays, not a dict of lists, so 100k papers' postings stay small
in memory and the cache file keeps them raw: a part read back from it reads its
documents where they lie in the mapped file (`blocks`, checked as they are read).
A word is found by binary search in the part's sorted words, not a dict: a dict
per part cost 20 MB at 100k papers, a lookup ~1 us either way.
"""

from __future__ import annotations

import bisect
from array import array
from collections import defaultdict, deque
from collections.abc import Iterable, Mapping, Sequence, Sized
from collections.abc import Set as AbstractSet
from functools import partial
from itertools import accumulate, repeat
from typing import TYPE_CHECKING

import numpy as np

from reader.words import fold

if TYPE_CHECKING:
    from reader.search._inverter import Inverter
    from reader.search.mapped import Checked

_Inverter: type[Inverter] | None
try:  # compiled by the package's build hook (build_inverter.py); where it is not, `invert` does the same
    from reader.search._inverter import Inverter as _Inverter
except ImportError:
    _Inverter = None

_CHUNK_BYTES = 1 << 20  # of the documents a native inversion gives at a time

TITLE, ABSTRACT, AUTHOR = 0, 1, 2
FIELDS_OF = {"any": (TITLE, ABSTRACT, AUTHOR), "title": (TITLE,), "abstract": (ABSTRACT,), "author": (AUTHOR,)}

Ints = array | memoryview  # an array("q") or array("i"), or a view of one in the cache file
Docs = AbstractSet[int]  # document numbers: a set or frozenset, never changed once shared


class Part:
    """Postings of one field for some documents: a sorted vocabulary and, for word i,
    the document numbers data[offsets[i]:offsets[i+1]] (ascending)."""

    __slots__ = ("words", "offsets", "data", "view", "blocks", "dead")

    def __init__(self, words: list[str], offsets: Ints, data: Ints, blocks: tuple[Checked, Checked] | None = None):
        self.words = words
        self.offsets = offsets
        self.data = data
        self.view = memoryview(data)
        self.blocks = blocks  # the offsets' and data's checksums, when they lie in the cache file
        self.dead: set[int] = set()  # documents replaced since this part was built

    @classmethod
    def from_postings(cls, postings: Mapping[str, Sequence[int]]) -> Part:
        """The part of `postings` (word -> ascending document numbers, each an array("i")
        as `invert` makes them, or a list)."""
        ordered, offsets = laid_out(postings)
        data = array("i")
        for word in ordered:
            data.extend(postings[word])
        return cls(ordered, offsets, data)

    def drop_dead(self) -> None:
        """Take the dead documents' postings out, in place: a part read back from the
        cache has no `dead`. Only the words that lose a posting move their offsets."""
        if not self.dead:
            return
        self.check_all()
        data = np.frombuffer(self.data, dtype=np.int32)
        dead = np.fromiter(self.dead, dtype=np.int32, count=len(self.dead))
        gone = np.flatnonzero(np.isin(data, dead, kind="table"))
        if len(gone):
            offsets = np.asarray(self.offsets, dtype=np.int64)  # 32 bits when read from the cache
            self.offsets = array("q", (offsets - np.searchsorted(gone, offsets)).tobytes())
            self.data = array("i", np.delete(data, gone).tobytes())
            self.view = memoryview(self.data)
            self.blocks = None  # in memory now
        self.dead = set()

    def check_all(self) -> None:
        """Check every block of a part read from the cache file, before it is read whole
        (Damaged if one is not as written)."""
        if self.blocks is not None:
            for checked in self.blocks:
                checked.check()

    def _index(self, word: str) -> int | None:
        words = self.words
        i = bisect.bisect_left(words, word)
        return i if i < len(words) and words[i] == word else None

    def _span(self, lo: int, hi: int) -> tuple[int, int]:
        """Where the postings of words lo to hi (excluded) lie in data."""
        if self.blocks is not None:
            self.blocks[0].check(lo, lo + 1)
            self.blocks[0].check(hi, hi + 1)
        return self.offsets[lo], self.offsets[hi]

    def _documents(self, lo: int, hi: int) -> memoryview:
        start, end = self._span(lo, hi)
        if self.blocks is not None:
            self.blocks[1].check(start, end)
        return self.view[start:end]

    def word(self, word: str) -> memoryview | None:
        i = self._index(word)
        if i is None:
            return None
        return self._documents(i, i + 1)

    def df(self, word: str) -> int:
        """How many live documents of this part have `word`: replaced ones do not count,
        as they do not once the part is saved (`drop_dead`) and read back."""
        i = self._index(word)
        if i is None:
            return 0
        start, end = self._span(i, i + 1)
        if not self.dead:
            return end - start
        docs = np.frombuffer(self._documents(i, i + 1), dtype=np.int32)
        return int(np.count_nonzero(~np.isin(docs, np.fromiter(self.dead, dtype=np.int32, count=len(self.dead)))))

    def prefixed(self, prefix: str, skip_exact: bool) -> memoryview | None:
        """All postings of words starting with `prefix` (one slice: they are adjacent)."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        if skip_exact and lo < hi and self.words[lo] == prefix:
            lo += 1
        if lo >= hi:
            return None
        return self._documents(lo, hi)

    def prefixed_size(self, prefix: str) -> int:
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        start, end = self._span(lo, hi)
        return end - start


def laid_out(postings: Mapping[str, Sized]) -> tuple[list[str], array]:
    """A part's words and offsets for `postings`: its data is their documents, word after word in this order."""
    ordered = sorted(postings)
    return ordered, array("q", accumulate(map(len, map(postings.__getitem__, ordered)), initial=0))


def invert(texts: Iterable[str], docnos: Iterable[int], into: defaultdict[str, array] | None = None) -> dict[str, array]:
    """word -> ascending document numbers (an array("i")), for texts already folded or raw;
    `into`: postings of lower document numbers to add these to (see `postings_dict`).
    Arrays, not lists: a worker's 50M postings at 1M papers took 4 s to copy from lists
    into its part, an int at a time, and twice the memory while held."""
    postings: defaultdict[str, array] = postings_dict() if into is None else into
    get = postings.__getitem__
    append = array.append
    for docno, text in zip(docnos, texts, strict=True):
        if text:
            deque(map(append, map(get, set(fold(text).split())), repeat(docno)), maxlen=0)
    return postings


class Inversion:
    """Postings of texts given in the order of their document numbers, laid out once
    at the end: in C (`inverter.c`: 4x faster, the bulk of an import's index) where
    it is built, else by `invert`."""

    def __init__(self) -> None:
        self._native = _Inverter() if _Inverter is not None else None
        self._postings = postings_dict()

    def add(self, texts: Sequence[str], first: int) -> None:
        """`texts`, of the documents first, first + 1, ..., above any added before."""
        if self._native is not None:
            self._native.add(texts, first, fold)
        else:
            invert(texts, range(first, first + len(texts)), into=self._postings)

    def laid_out(self) -> tuple[list[str], array, Iterable[bytes | array]]:
        """The words in order, their offsets, and their documents: int32 buffers one
        after the other, each given as it is asked for and let go (a worker writes
        them so: never all in memory twice)."""
        if self._native is not None:
            words, offsets = self._native.laid_out()
            return words, array("q", offsets), iter(partial(self._native.documents, _CHUNK_BYTES), b"")
        ordered, offsets_of = laid_out(self._postings)
        return ordered, offsets_of, map(self._postings.__getitem__, ordered)

    def part(self) -> Part:
        words, offsets, chunks = self.laid_out()
        data = array("i")
        for chunk in chunks:
            data.frombytes(memoryview(chunk).cast("B"))
        return Part(words, offsets, data)


def part_in_order(texts: Sequence[str], first: int) -> Part:
    """The part of `texts`, of the documents first, first + 1, ..."""
    inversion = Inversion()
    inversion.add(texts, first)
    return inversion.part()


def postings_dict() -> defaultdict[str, array]:
    """Postings to `invert` into."""
    return defaultdict(partial(array, "i"))


def part_of(texts: Iterable[str], docnos: Iterable[int]) -> Part:
    return Part.from_postings(invert(texts, docnos))
