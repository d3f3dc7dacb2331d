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
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import repeat
from operator import add

from reader.models import Paper
from reader.search.postings import ABSTRACT, TITLE, Docs
from reader.search.vocabulary import Expansion
from reader.tex import tex_to_text
from reader.words import padded

_FIELD_WEIGHT = (30, 10, 20)  # tenths of a point, by field number
EXACT, PREFIX, FUZZY1, FUZZY2, FPREFIX = 10, 7, 6, 5, 4  # tenths of the field weight
SEQUENCE = 5  # a hyphenated query word (zero-shot) found as such in a title
_MAX_BONUS = 0.25  # the second stage: title order and coverage, abstract backing
_REFINED = 100  # places the second stage may reorder
_REFINED_AT_MOST = 1500  # papers it reads the titles of

Levels = list[tuple[int, set[int]]]  # (score in tenths, documents), best first
Pass = tuple[Levels, Docs | None]  # see Evaluated
Kinds = list[tuple[int, set[int]]]  # (kind of match, documents matched so) in one field


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
    abstract_any: set[int] = set()
    for f, kinds in per_field:
        if f == ABSTRACT:
            for _, docs in kinds:
                abstract_any |= docs
    levels: Levels = []
    all_docs: set[int] = set()
    size = 0
    for f, kinds in per_field:
        for kind, docs in kinds:
            if not docs:
                continue
            all_docs |= docs
            size += len(docs)
            weight = _FIELD_WEIGHT[f] * kind // 10
            levels.append((weight, docs))
    levels.sort(key=lambda level: -level[0])
    # A word that matched nothing still counts in the abstract backing's share
    # (see _bonus), whether its candidates were read or looked up.
    return Evaluated([(levels, abstract_any)], all_docs, size + len(all_docs))


def score_groups(candidates: Collection[int], passes: list[Pass]) -> dict[int, Collection[int]]:
    """Candidates grouped by score (tenths): each pass adds a document's best level."""
    groups: dict[int, Collection[int]] = {0: candidates}
    for levels, _ in passes:
        if not levels:
            continue
        regrouped: dict[int, set[int]] = {}
        for score, docs in groups.items():
            rest = set(docs)
            for weight, level_docs in levels:
                hit = rest & level_docs
                if hit:
                    rest.difference_update(hit)
                    key = score + weight
                    if key in regrouped:
                        regrouped[key] |= hit
                    else:
                        regrouped[key] = hit
                    if not rest:
                        break
            if rest:
                if score in regrouped:
                    regrouped[score] |= rest
                else:
                    regrouped[score] = rest
        groups = dict(regrouped)
    return groups


def rank(
    groups: dict[int, Collection[int]],
    passes: list[Pass],
    matchers: list[Expansion],
    wanted: int,
    default_rank: Sequence[int] | None,
    titles: Sequence[str],
) -> tuple[list[int], list[float]]:
    """The best `wanted` documents of the score groups and their scores; near the top,
    the second stage reorders.

    The second stage adds up to _MAX_BONUS: the query's words (`matchers`, those
    that may match titles) in order in the title (0.12), how much of the title they
    cover (0.08), and how many of them the abstract also has (0.05). Every group
    that could reach the top _REFINED places with it is refined together; the rest
    keep their score, then default order (`default_rank`: a document's place in it;
    None: its number). `titles` are the documents' titles, as padded words."""
    refine = min(wanted, _REFINED)
    backings = [backing for _, backing in passes if backing is not None]
    ordered = sorted(groups, reverse=True)
    pool: list[int] = []
    floor: float | None = None
    taken = 0
    if matchers or backings:
        for score in ordered:
            docs = groups[score]
            if floor is not None and score / 10 < floor:
                break
            if len(pool) + len(docs) > _REFINED_AT_MOST:
                break
            pool.extend(docs)
            taken += 1
            if floor is None and len(pool) >= refine:
                floor = score / 10 - _MAX_BONUS
    ranked: list[int] = []
    scores: list[float] = []
    if pool:
        memo: dict[str, tuple[int, ...]] = {}
        base = {d: score / 10 for score in ordered[:taken] for d in groups[score]}
        final = {d: base[d] + _bonus(titles[d], matchers, memo, backings, d) for d in pool}
        pool.sort(key=lambda d: (-final[d], default_rank[d] if default_rank is not None else d))
        ranked.extend(pool)
        scores.extend(round(final[d], 4) for d in pool)
    for score in ordered[taken:]:
        if len(ranked) >= wanted:
            break
        order = in_default_order(groups[score], default_rank)
        ranked.extend(order)
        scores.extend(repeat(score / 10, len(order)))
    return ranked[:wanted], scores[:wanted]


def _bonus(
    title: str,
    matchers: list[Expansion],
    memo: dict[str, tuple[int, ...]],
    backings: list[Docs],
    docno: int,
) -> float:
    bonus = 0.0
    if backings:
        bonus += 0.05 * sum(1 for b in backings if docno in b) / len(backings)
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
    keys = [p.date for p in papers]
    dated = [i for i, k in enumerate(keys) if k]
    undated = [i for i, k in enumerate(keys) if not k]
    if import_pos is not None:
        dated.sort(key=import_pos.__getitem__)
        undated.sort(key=import_pos.__getitem__)
    dated.sort(key=keys.__getitem__, reverse=True)  # stable: ties keep import order
    return dated + undated


def listing_day(paper: Paper) -> str:
    """The day the paper was published or listed (`Paper.date` to the day, as the list
    shows it); "" if undated. The default order falls into runs of one day each."""
    return paper.date[:10]


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


def sort_order(sort: Sort, papers: Sequence[Paper], titles: Sequence[str], newest: Sequence[int]) -> list[int]:
    """The documents in `sort`'s order, ties newest first. `papers` and `titles` (as
    padded words) by document; `newest`: the documents in the default order."""
    if sort is Sort.UPVOTES:
        votes = [-1 if p.upvotes is None else p.upvotes for p in papers]  # unknown below 0
        return sorted(newest, key=votes.__getitem__, reverse=True)  # stable: ties stay newest first
    if sort is Sort.TITLE:
        keys = [_title_key(p.title, words) for p, words in zip(papers, titles, strict=True)]
        return sorted(newest, key=keys.__getitem__)
    return list(newest)


def _title_key(title: str, words: str) -> str:
    """A title's words as the A–Z order compares them: case, accents, braces and
    punctuation are gone from the padded words already ("{GPT}-4" files under g);
    a TeX command or math is rendered first ("$\\textit{Trans-LoRA}$" compares as
    "trans lora", not "textit trans lora"). Few titles have any, and rendering costs."""
    return padded(tex_to_text(title)) if "\\" in title or "$" in title else words
