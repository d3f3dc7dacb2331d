"""Ranking: how the papers a query matched are ordered.

First stage: the field (title 3, author 2, abstract 1) times the kind of match
(whole word 1, prefix 0.7, one typo 0.6, two typos 0.5, typo'd prefix 0.4), summed
over the query's words, so more words matched outranks fewer (with `|`).
Second stage, for the groups that can reach the top 100 (at most +0.25, less than
the steps the rules rely on): the query's words in order in the title, how much
of the title they cover, how many the abstract also has. Then the default order:
newest first where a date is known, else import order (`newest_first`, the one
place that order is written).

A person may sort by something else (`Sort`, the `S` key): newest first, most
upvoted or title, each worked out once for every paper (`sort_order`), so a
search sorts its matches by their places in it. The days the default order
falls into (`listing_day`) are what `[` and `]` step between (`day_step`).
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import repeat
from operator import add
from typing import Any, TypeVar, overload

import numpy as np

from reader.models import Paper
from reader.papertable import paper_dates
from reader.search.docset import DocSet, members
from reader.search.postings import ABSTRACT, TITLE, Docs
from reader.search.vocabulary import Expansion

_FIELD_WEIGHT = (30, 10, 20)  # tenths of a point, by field number
EXACT, PREFIX, FUZZY1, FUZZY2, FPREFIX = 10, 7, 6, 5, 4  # tenths of the field weight
SEQUENCE = 5  # a hyphenated query word (zero-shot) found as such in a title
_MAX_BONUS = 0.25  # the second stage: title order and coverage, abstract backing
_REFINED = 100  # places the second stage may reorder
_REFINED_AT_MOST = 1500  # papers it reads the titles of
_REPR_FIRST = 5

T = TypeVar("T")

Levels = list[tuple[int, Docs]]  # (score in tenths, documents), best first
Pass = tuple[Levels, Docs | None]  # see Evaluated
Kinds = list[tuple[int, Docs]]  # (kind of match, documents matched so) in one field


@dataclass(slots=True)
class Evaluated:
    """What one atom or clause matches, and how it scores.

    In each pass (one per query word) a document adds the first level it is in;
    levels are (score in tenths, documents), best first. With each pass, the
    documents whose abstract has the word too (None: not a word's pass)."""

    passes: list[Pass]
    docs: Docs  # every document it matches
    size: int  # for the cache budget


def evaluated(per_field: list[tuple[int, Kinds]]) -> Evaluated:
    """One query word's pass, from the documents each field matched by each kind."""
    # Each once: a narrowing keystroke's matches are Python sets (see _word_within).
    found_in = [(f, [(kind, DocSet.of(docs)) for kind, docs in kinds if docs]) for f, kinds in per_field]
    abstract_any = DocSet.union_of(found.array for f, kinds in found_in if f == ABSTRACT for _, found in kinds)
    levels: Levels = []
    arrays = []
    size = 0
    for f, kinds in found_in:
        for kind, found in kinds:
            size += len(found)
            arrays.append(found.array)
            weight = _FIELD_WEIGHT[f] * kind // 10
            levels.append((weight, found))
    levels.sort(key=lambda level: -level[0])
    all_docs = DocSet.union_of(arrays)
    # A word that matched nothing still counts in the abstract backing's share
    # (see _bonus), whether its candidates were read or looked up.
    return Evaluated([(levels, abstract_any)], all_docs, size + len(all_docs))


def score_groups(candidates: Docs, passes: list[Pass]) -> Scored:
    """Each candidate's score (tenths): each pass adds the best level it is in."""
    docs = DocSet.of(candidates).array
    tenths = np.zeros(len(docs), dtype=np.int32)
    for levels, _ in passes:
        best = np.zeros(len(docs), dtype=np.int32)
        for weight, level_docs in reversed(levels):  # the best level last: it wins
            best[_members(docs, level_docs)] = weight
        tenths += best
    return Scored(docs, tenths)


def _members(docs: np.ndarray, level: Docs) -> np.ndarray:
    """Which of the sorted `docs` are in `level`, as a boolean mask over docs."""
    return members(docs, DocSet.of(level).array)


@dataclass(frozen=True, slots=True)
class Scored:
    """The candidates (ascending) and their first-stage scores in tenths, parallel."""

    docs: np.ndarray
    tenths: np.ndarray

    def groups(self) -> dict[int, int]:
        """How many candidates have each score, best first."""
        if not len(self.docs):
            return {}
        counts = np.bincount(self.tenths)
        return {int(s): int(counts[s]) for s in np.flatnonzero(counts)[::-1]}

    def at(self, score: int) -> np.ndarray:
        return self.docs[self.tenths == score]


def rank(
    scored: Scored,
    passes: list[Pass],
    matchers: list[Expansion],
    wanted: int,
    default_rank: np.ndarray | None,
    titles: Sequence[str],
) -> Ranking:
    """The best `wanted` documents and their scores; near the top, the second stage
    reorders.

    The second stage adds up to _MAX_BONUS: the query's words (`matchers`, those
    that may match titles) in order in the title (0.12), how much of the title they
    cover (0.08), and how many of them the abstract also has (0.05). Every group
    that could reach the top _REFINED places with it is refined together; the rest
    keep their score, then default order (`default_rank`: a document's place in it;
    None: its number), and are put in order only as far as they are read (at a
    million papers, half of them can match). `titles` are the documents' titles,
    as padded words."""
    refine = min(wanted, _REFINED)
    backings = [backing for _, backing in passes if backing is not None]
    groups = scored.groups()
    pool_scores: list[int] = []
    pool_size = 0
    floor: float | None = None
    if matchers or backings:
        for score, size in groups.items():
            if floor is not None and score / 10 < floor:
                break
            if pool_size + size > _REFINED_AT_MOST:
                break
            pool_scores.append(score)
            pool_size += size
            if floor is None and pool_size >= refine:
                floor = score / 10 - _MAX_BONUS
    ranked: list[int] = []
    scores: list[float] = []
    if pool_scores:
        memo: dict[str, tuple[int, ...]] = {}
        base: dict[int, float] = {}
        for score in pool_scores:
            base.update(dict.fromkeys(scored.at(score).tolist(), score / 10))
        pool = list(base)
        backed = _backed(pool, backings)
        final = {d: base[d] + _bonus(titles[d], matchers, memo, share) for d, share in zip(pool, backed, strict=True)}
        pool.sort(key=lambda d: (-final[d], default_rank[d] if default_rank is not None else d))
        ranked.extend(pool)
        scores.extend(round(final[d], 4) for d in pool)
    rest = scored.tenths < pool_scores[-1] if pool_scores else slice(None)
    return Ranking(ranked, scores, scored.docs[rest], scored.tenths[rest], default_rank, wanted)


def _backed(pool: list[int], backings: list[Docs]) -> list[float]:
    """For each document of `pool`, its bonus for the query's words its abstract has too."""
    if not backings:
        return [0.0] * len(pool)
    docs = np.array(pool, dtype=np.int64)
    order = np.argsort(docs)
    ascending = docs[order]
    count = np.zeros(len(pool), dtype=np.int32)
    for backing in backings:
        count[order] += _members(ascending, backing)
    return [0.05 * c / len(backings) for c in count.tolist()]


class Ranking:
    """Documents best first, with their scores: the refined head, then the rest by
    score and default order (`default_rank`: each document's place in it; None: its
    number), sorted only as far as someone reads (a person scrolls, an export reads all)."""

    def __init__(
        self,
        head: list[int],
        head_scores: list[float],
        rest: np.ndarray,
        rest_tenths: np.ndarray,
        default_rank: np.ndarray | None,
        wanted: int,
        *,
        by_score: bool = True,
    ):
        self.docs = head if len(head) <= wanted else head[:wanted]
        self.scores = head_scores[:wanted]
        self._rest = rest  # ascending document numbers
        self._rest_tenths = rest_tenths
        self._default_rank = default_rank
        self._by_score = by_score  # False: the rest in `default_rank` order alone (another sort)
        self._key: np.ndarray | None = None
        self._sorted = 0  # how many of the rest are in self.docs
        self._lock = threading.Lock()
        self.length = min(wanted, len(head) + len(rest))

    def upto(self, stop: int) -> None:
        """Put the first `stop` documents in order (in self.docs and self.scores)."""
        stop = min(stop, self.length)
        if stop <= len(self.docs):
            return
        with self._lock:  # the list and a worker (a bulk action over the result) may both read on
            if stop > len(self.docs):
                self._extend(stop)

    def _extend(self, stop: int) -> None:
        rest_wanted = stop - (len(self.docs) - self._sorted)
        if self._default_rank is None and not self._by_score:  # the rest's own (ascending) order
            chosen = np.arange(min(rest_wanted, len(self._rest)))
        else:
            chosen = self._first(rest_wanted)
        chosen = chosen[self._sorted :]
        head = len(self.docs) - self._sorted
        chosen = chosen[: self.length - head - self._sorted]
        self.docs.extend(self._rest[chosen].tolist())
        self.scores.extend((self._rest_tenths[chosen] / 10).tolist())
        self._sorted += len(chosen)

    def _first(self, rest_wanted: int) -> np.ndarray:
        """The places in the rest of its first `rest_wanted` (or more), in order."""
        key = self._order_key()
        if rest_wanted * 8 < len(key):  # the top few: a partial sort
            take = max(2 * rest_wanted, 2 * _REFINED)  # doubling: row by row, scrolling stays linear
            chosen = np.argpartition(key, take - 1)[:take] if take < len(key) else np.arange(len(key))
            return chosen[np.argsort(key[chosen], kind="stable")]
        return np.argsort(key, kind="stable")

    def position(self, docno: int) -> int | None:
        """Where `docno` is ranked, without putting all in order; None: not ranked."""
        head = len(self.docs) - self._sorted
        try:
            return self.docs.index(docno, 0, head)
        except ValueError:
            pass
        i = int(np.searchsorted(self._rest, docno))
        if i >= len(self._rest) or int(self._rest[i]) != docno:
            return None
        key = self._order_key()
        place = head + int(np.count_nonzero(key < key[i]))
        return place if place < self.length else None

    def _order_key(self) -> np.ndarray:
        """One int64 per document of the rest: ascending is best first (score, then default order)."""
        if self._key is None:
            rest, tenths = self._rest, self._rest_tenths
            place = rest.astype(np.int64) if self._default_rank is None else self._default_rank[rest].astype(np.int64)
            if not self._by_score:
                self._key = place
                return place
            top = int(tenths.max()) if len(tenths) else 0
            self._key = (top - tenths).astype(np.int64) * (int(place.max()) + 1 if len(place) else 1) + place
        return self._key


class _Column(Sequence[T]):
    """One column of a `Ranking` as a sequence: what is read is put in order then."""

    __slots__ = ("_ranking",)

    def __init__(self, ranking: Ranking):
        self._ranking = ranking

    def _values(self, positions: slice) -> list[T]:
        raise NotImplementedError

    def __len__(self) -> int:
        return self._ranking.length

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...
    def __getitem__(self, i: int | slice) -> T | tuple[T, ...]:
        size = self._ranking.length
        if isinstance(i, slice):
            start, stop, step = i.indices(size)
            self._ranking.upto(stop if step > 0 else start + 1)
            return tuple(self._values(slice(start, stop, step)))
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError("ranking index out of range")
        self._ranking.upto(i + 1)
        return self._values(slice(i, i + 1))[0]

    def __iter__(self) -> Iterator[T]:
        self._ranking.upto(self._ranking.length)
        return iter(self._values(slice(0, self._ranking.length)))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence) and not isinstance(other, str):
            return len(self) == len(other) and tuple(self) == tuple(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        # Only the first few: a repr (a log line, a worker's description) must not
        # put a million matches in order.
        shown = self[:_REPR_FIRST]
        more = f", … {len(self) - len(shown)} more" if len(self) > len(shown) else ""
        return f"{type(self).__name__}({shown!r}{more})"


class RankedIds(_Column[str]):
    """A ranking's paper ids, best first. `index` and `in` find a paper's place
    without putting the whole ranking in order."""

    __slots__ = ("_ids", "_docno")

    def __init__(self, ranking: Ranking, ids: Sequence[str], docno: Mapping[str, int]):
        super().__init__(ranking)
        self._ids, self._docno = ids, docno

    def _values(self, positions: slice) -> list[str]:
        ids = self._ids
        return [ids[d] for d in self._ranking.docs[positions]]

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        docno = self._docno.get(value) if isinstance(value, str) else None
        place = None if docno is None else self._ranking.position(docno)
        if place is None or place < start or (stop is not None and place >= stop):
            raise ValueError(f"{value!r} is not ranked")
        return place

    def __contains__(self, value: object) -> bool:
        try:
            self.index(value)
        except ValueError:
            return False
        return True


class RankedScores(_Column[float]):
    """A ranking's scores, parallel to its ids."""

    __slots__ = ()

    def _values(self, positions: slice) -> list[float]:
        return self._ranking.scores[positions]


def _bonus(
    title: str,
    matchers: list[Expansion],
    memo: dict[str, tuple[int, ...]],
    backed: float,
) -> float:
    bonus = backed
    tokens = title.split()
    if not tokens or not matchers:
        return bonus
    hits = []
    for token in tokens:
        found = memo.get(token)
        if found is None:
            found = memo[token] = tuple(k for k, m in enumerate(matchers) if m.token_matches(token, TITLE))
        hits.append(found)
    covered = sum(1 for h in hits if h)
    if not covered:
        return bonus
    run = best = 0
    previous: tuple[int, ...] = ()
    for h in hits:
        run = run + 1 if previous and any(k - 1 in previous for k in h) else (1 if h else 0)
        if run > best:
            best = run
        previous = h
    in_order = (best - 1) / (len(matchers) - 1) if len(matchers) > 1 else 1.0
    return bonus + 0.12 * in_order + 0.08 * covered / len(tokens)


# --- closest matches --------------------------------------------------------------


def idf(df: int, count: int) -> float:
    """BM25's inverse document frequency: a word most papers have weighs little."""
    return math.log(1 + (count - df + 0.5) / (df + 0.5))


# A level's kind of match, whatever the field: a description names what the paper
# did, rarely in its title's words, so a title match counts as much as an abstract's
# (measured: with titles 3x, 0.74 of bench descriptions found in the top 10 at 16.7k
# papers; 1.5x, 0.93; 1x, 0.94). Where levels coincide, the title's or abstract's kind.
_KIND_OF_LEVEL = {
    _FIELD_WEIGHT[f] * kind // 10: kind / 10
    for f in (2, 0, 1)  # author, title, abstract: the later wins a tie
    for kind in (FPREFIX, FUZZY2, FUZZY1, PREFIX, EXACT)
}


def closest_scores(words: list[tuple[Evaluated, float]]) -> dict[int, float]:
    """Each document's closeness to a description: the sum, over the words it has, of
    the word's weight (its idf) times its best match's kind (whole word 1, prefix
    0.7, one typo 0.6 ...)."""
    scores: dict[int, float] = {}
    get = scores.get
    for word, weight in words:
        seen: set[int] = set()
        for levels, _ in word.passes:
            for level, docs in levels:
                gain = weight * _KIND_OF_LEVEL[level]
                new = docs - seen if seen else docs
                # scores[d] = get(d, 0.0) + gain for each d, at C speed (both walks of `new` agree)
                scores.update(zip(new, map(add, map(get, new, repeat(0.0)), repeat(gain)), strict=True))
                seen |= docs
    return scores


# --- the default order -----------------------------------------------------------------


def in_default_order(docs: Collection[int], default_rank: Sequence[int] | None) -> list[int]:
    if default_rank is None:
        return sorted(docs)
    return sorted(docs, key=default_rank.__getitem__)


def newest_first(papers: Sequence[Paper], import_pos: Sequence[int] | None = None) -> list[int]:
    """The positions of `papers` in the default order: newest first where a date is
    known, then the undated; ties in import order (`import_pos`: a paper's place in
    it; None: its position)."""
    keys = paper_dates(papers)  # a library's papers stay in their file (see papertable)
    if import_pos is None:
        return newest_first_of_dates(keys).tolist()
    dated = [i for i, k in enumerate(keys) if k]
    undated = [i for i, k in enumerate(keys) if not k]
    dated.sort(key=import_pos.__getitem__)
    undated.sort(key=import_pos.__getitem__)
    dated.sort(key=keys.__getitem__, reverse=True)  # stable: ties keep import order
    return dated + undated


def newest_first_of_dates(dates: Sequence[str]) -> np.ndarray:
    """`newest_first` of papers in import order, from their dates (`Paper.date`) alone:
    a list shown before the search index is built lists what the index would. Each
    date's rank among the dates, stably sorted highest first: ties keep import order,
    and "" (undated) ranks lowest, so the undated come last. Compared as UTF-8 bytes,
    which order as the strings do, in C rather than by a Python key."""
    encoded = np.array([date.encode("utf-8", "surrogatepass") for date in dates], dtype=bytes)
    rank = np.unique(encoded, return_inverse=True)[1].reshape(-1)
    return np.argsort(-rank, kind="stable")


def listing_day(date: str) -> str:
    """The day a paper of `date` (`Paper.date`) was published or listed, to the day, as
    the list shows it; "" if undated. The default order falls into runs of one day each.
    Of the date alone: the paper file and the index keep the dates as a column."""
    return date[:10]


def day_step(days: Sequence[str], row: int, older: bool) -> int | None:
    """Where `[` (`older`: the previous day) or `]` (the next day) moves from `row`
    of a list whose papers are of `days` (listing_day): to the first row of the
    nearest older (newer) day listed, undated ("") being the oldest; None if there is
    none. In newest-first order that is the run below (above); in another order the
    same day's papers, wherever the first of them is listed."""
    current = days[row]
    listed = set(days)
    if older:
        target = max((day for day in listed if day < current), default=None)
    else:
        target = min((day for day in listed if day > current), default=None)
    return None if target is None else days.index(target)


# --- the orders a person may choose ------------------------------------------------


class Sort(Enum):
    """The orders `S` cycles through. BEST is the search's own ranking: best match for
    a query with words, and for any other list (a view, a filter) newest first."""

    BEST = "best match"
    NEWEST = "newest first"
    UPVOTES = "most upvoted"
    TITLE = "title A–Z"

    def shown_as(self, ranked: bool) -> Sort:
        """The order a list is in under this choice; `ranked`: is it a search that ranks by words?"""
        return Sort.NEWEST if self is Sort.BEST and not ranked else self

    def next(self, ranked: bool) -> Sort:
        """The choice `S` makes next. Without words to rank by, BEST is newest first
        already, so newest first is not offered twice."""
        choices = list(Sort)
        at = choices.index(self)
        following = choices[at + 1 :] + choices[: at + 1]
        return next(sort for sort in following if ranked or sort is not Sort.NEWEST)

    @property
    def mark(self) -> str:
        """Its few characters in the status line, after the count of papers shown."""
        return _MARKS[self]


_MARKS = {Sort.BEST: "↓match", Sort.NEWEST: "↓new", Sort.UPVOTES: "↓votes", Sort.TITLE: "A–Z"}


def sort_order(sort: Sort, votes: Sequence[int], title_keys: Callable[[], Sequence[str]], newest: Sequence[int]) -> list[int]:
    """The documents in `sort`'s order, ties newest first. `votes` (-1: unknown) and
    `title_keys` (as `Facts.title_order_keys` gives them, asked for only by the A–Z
    order) by document; `newest`: the documents in the default order."""
    if sort is Sort.UPVOTES:
        return sorted(newest, key=votes.__getitem__, reverse=True)  # stable: ties stay newest first
    if sort is Sort.TITLE:
        return sorted(newest, key=title_keys().__getitem__)
    return list(newest)
