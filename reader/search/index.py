"""`SearchIndex`: builds the index of one library, keeps it up to date, answers queries.

A search parses the query (`reader.query`), matches its clauses cheapest first
(`Matching`, in evaluation.py), each against the documents the ones before left,
takes away the -clauses, and ranks what is left (ranking.py).

Closest matches: when no more than a page of papers has every plain word of a
query (a description in other words than the title), the page is filled with
the papers that have most of them (`_closest`), after the complete ones.

Narrowing: a search given the previous result starts from its papers when the new
query can only match fewer (more words, a word typed further); with few papers
left, a new word is checked by reading their text instead of its postings.
"""

from __future__ import annotations

import gc
import heapq
import os
import threading
from array import array
from collections import OrderedDict
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import chain, pairwise
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

from reader import marshalfile
from reader.models import Paper, PaperState
from reader.papertable import Papers, as_sequence, in_order, numbered, paper_dates
from reader.query import Atom, Clause, Query, QueryError, parse_query
from reader.related import STOP_WORDS, Related
from reader.search import cache
from reader.search.builder import Document, FieldBuilder
from reader.search.docset import DocSet
from reader.search.evaluation import Matching, narrows
from reader.search.facts import Facts, Gathering, batches, containing
from reader.search.postings import ABSTRACT, FIELDS_OF, TITLE, Docs, Part, part_of
from reader.search.ranking import (
    PREFIX,
    SEQUENCE,
    Evaluated,
    Pass,
    RankedIds,
    RankedScores,
    Ranking,
    Scored,
    Sort,
    closest_scores,
    idf,
    in_default_order,
    listing_day,
    newest_first,
    rank,
    score_groups,
    sort_order,
)
from reader.search.vocabulary import Vocabulary

_CACHE_ITEMS = 10_000_000  # document numbers held by the clause cache, in all (int32: ~40 MB)
# Narrowing reads the candidates' text rather than a word's postings when that costs less,
# counted in postings (4-20 ns each in numpy): a candidate whose folded abstract is kept
# costs about 1,000 (~8 us: its fields searched for the word and its near spellings), one
# whose abstract is decoded from the paper file first about 4,000 (~33 us). Measured at
# 300k papers over bench/search.py's typed set; reading whenever the postings were 60x the
# candidates read 9,310 abstracts for "retrieval augmented generati", 256 ms, where the
# postings took 5 ms.
_READ_FACTOR = 1000
_READ_NEW_FACTOR = 4000
_PARALLEL_MIN = 20_000  # papers from which the abstract postings are built in worker processes
_PARTS_AT_MOST = 6  # parts per field before an update rebuilds the postings
_DELTA_AT_MOST = 50  # a delta of up to 1/50 of the papers: a start indexes those again (see SearchIndex.save)
_PAGE = 100  # with fewer complete matches, closest matches fill the list up to this many
_CLOSEST_POSTINGS = 60_000  # postings (typos, longer forms) the rarer words of a description read: the candidates
_CLOSEST_CANDIDATES = 300  # candidates the commoner words are then checked against
_CLOSEST_PAIRS = 50  # best candidates then checked for the description's word pairs

_T = TypeVar("_T")

_FEW_TO_COUNT = 512  # a word's documents in titles and abstracts counted in a set up to this many, else by numpy

CLOSEST_WAITS_FROM = 500_000
"""From this many papers a typed search leaves closest matches out (`SearchIndex.search`,
closest=False), and the app looks for them after a typing pause: their candidates'
postings grow with the library, past the keystroke budget at 1M papers."""

CLOSEST_MATCHES = "no paper has every word · closest matches"
"""What the CLI and the app show above a result's closest matches when none has every word."""


def _gathered(papers: Iterable[Paper], gathering: Gathering) -> Iterator[Document]:
    """The documents of `papers` (title, abstract, authors, as indexed), each batch
    added to `gathering` as it goes by: a build reads each paper once."""
    for batch in batches(papers):
        for paper, (title, authors) in zip(batch, gathering.add(batch), strict=True):
            yield title, paper.abstract, authors


def _postings_of(word: str, parts: list[Part]) -> np.ndarray:
    """A field's documents with `word`, ascending (its parts' may follow one another, or
    not: a part of added papers after a rebuild)."""
    found = np.concatenate([np.frombuffer(view, dtype=np.int32) for part in parts if (view := part.word(word)) is not None])
    return found if np.all(found[1:] > found[:-1]) else np.sort(found)


def closest_divider(complete: int) -> str:
    """The line above a result's closest matches: they follow `complete` papers with every word."""
    return CLOSEST_MATCHES if complete == 0 else "closest matches · not every word"


@dataclass(frozen=True)
class SearchResult:
    """One answer to one query.

    `ids` are ranked best first, or in the order asked for (`Sort`); `scores` are
    parallel to them (higher is better). Both are sequences put in order only as
    far as they are read: the first page costs little however many papers matched,
    and all of them are there for an export or "select all" (`ids.index` finds a
    paper's place without sorting).
    `terms` are the folded words to highlight (see `reader.words.highlight_spans`); a
    term that ends in "*" is a prefix, one with spaces a phrase. `error` is a short
    hint for a malformed query, and then `ids` is empty. `total` is how many papers
    matched (it can exceed len(ids) when a limit was asked for). The first `complete`
    ids match the whole query; the ones after them are closest matches, which miss
    some of its plain words (`total` does not count them). `closest_pending`: the
    search was asked to leave closest matches out, and there would be room for them.
    `alike`: for a `~text` search, how each listed paper is like the text (as
    related papers are like theirs).
    """

    query: str
    ids: Sequence[str]
    scores: Sequence[float]
    terms: frozenset[str]
    error: str | None = None
    total: int = 0
    complete: int = 0
    closest_pending: bool = False
    alike: tuple[Related, ...] = ()
    # What a following, narrower query may start from. Internal.
    _docs: Docs | None = field(default=None, repr=False, compare=False)  # never mutated
    _parsed: Query | None = field(default=None, repr=False, compare=False)
    _owner: Any = field(default=None, repr=False, compare=False)

    @property
    def ranked(self) -> bool:
        """Are its papers ranked by the words they match (not a view or a filter, whose
        best order is newest first)?"""
        return bool(self.terms)


class SearchIndex(Matching):
    """The search index of one library.

    `SearchIndex(papers)` builds it (sequence order is import order). With
    `cache_dir`, the built postings are kept in one file there, named by a
    fingerprint of the indexed text and order, and reused while the papers are
    unchanged (other index files in that directory are removed). `workers`: worker
    processes for the abstracts of a large library (default: the CPU count, up to 4;
    0 or 1 builds in this process). `announce(what)` hears of a build that could not
    be read from the cache, before it starts; `note(line)`, of a cache file that was
    damaged or another library's, once the index is rebuilt (damage in a large file
    is found when a search first reads it: the index is rebuilt then, see `_rebuilt`).

    Documents are numbered in the default order as it was at the build (newest
    first), so that order is the numbers' own until papers are added. Nothing here
    imports Textual; the index is safe to share between threads (one lock around
    searches and updates).
    """

    _cache_file: Path | None
    _base_file: Path | None  # the whole index file the papers since were added over

    def __init__(
        self,
        papers: Sequence[Paper],
        *,
        cache_dir: str | os.PathLike[str] | None = None,
        workers: int | None = None,
        fingerprint: str | None = None,
        announce: Callable[[str], None] | None = None,
        note: Callable[[str], None] | None = None,
    ):
        papers = as_sequence(papers)
        self._lock = threading.RLock()
        self._note = note
        cache_file = damaged = None
        if cache_dir is not None:
            cache_file = cache.file_for(cache_dir, papers, fingerprint)
            try:
                if self._read_back(papers, workers, cache_file, fingerprint):
                    return
            except marshalfile.Damaged as error:
                damaged = error
        if announce and cache_file is not None:
            announce(f"indexing {len(papers):,} papers for search (later starts read the index back)")
        self._begin(papers, workers)
        self._finish(cache_file)
        if isinstance(papers, Papers):  # built: the papers are read from their file again, not held
            self._papers = in_order(papers, self._import_pos)
        if damaged is not None:
            self._noted(damaged)

    def _read_back(self, papers: Sequence[Paper], workers: int | None, cache_file: Path, name: str | None) -> bool:
        """Read the index from `cache_file`, or from its delta over a base file (the
        base read back, then the delta's papers indexed again); False if neither is there."""
        cached = cache.load(cache_file, len(papers))
        delta = None
        if cached is None and name is not None:
            delta = cache.load_delta(cache.delta_file_for(cache_file.parent, name))
            if delta is None or not delta.base.exists() or max(delta.added, default=delta.papers) >= len(papers):
                return False
            cached = cache.load(delta.base, delta.papers)
            if cached is None:
                return False
            cache_file = delta.base
        if cached is None:
            return False
        self._begin(papers, workers, cached_order=cached.order)
        self._cache_file = self._base_file = cache_file  # after _begin, which forgets them
        self._next_import = self._base_count = len(cached.order)
        self._parts = cached.parts
        self._facts = Facts.restored(self._papers, cached.facts)
        self._vocab = Vocabulary.restored(cached.words, cached.first, cached.second)
        if delta is not None:
            self._add([papers[place] for place in delta.added])
        self.cache_hit = True
        return True

    @classmethod
    def cached(
        cls,
        papers: Sequence[Paper],
        *,
        cache_dir: str | os.PathLike[str],
        fingerprint: str | None = None,
        note: Callable[[str], None] | None = None,
    ) -> SearchIndex | None:
        """The index read back from `cache_dir`; None, having built nothing, if it holds
        none of these papers in this reader's format (an older reader's, another
        library's, a damaged one): a caller can then show what it can before a build."""
        index = cls.__new__(cls)
        index._lock = threading.RLock()
        index._note = note
        papers = as_sequence(papers)
        try:
            found = index._read_back(papers, None, cache.file_for(cache_dir, papers, fingerprint), fingerprint)
            return index if found else None
        except marshalfile.Damaged:
            return None  # said when the index is built

    @classmethod
    def begin(cls, papers: Sequence[Paper], *, workers: int | None = None) -> SearchIndex:
        """Start a build with no cache to look for: the abstracts are inverted in
        worker processes while the caller goes on (an import writes library.json
        meanwhile). Call `complete` before searching."""
        index = cls.__new__(cls)
        index._lock = threading.RLock()
        index._note = None
        index._begin(papers, workers)
        return index

    def _begin(self, papers: Sequence[Paper], workers: int | None, *, cached_order: array | None = None) -> None:
        """Order the papers newest first and start the abstracts' workers; with the
        order a cache holds, there is nothing to sort and nothing to build."""
        self._lock = threading.RLock()
        self._token = object()  # identifies results of this index (an id() could be reused)
        self._generation = 0
        self._cache: OrderedDict[Any, Evaluated] = OrderedDict()
        self._cache_size = 0
        self._expansions = OrderedDict()
        self._orders: dict[Sort, tuple[list[int], list[int]]] = {}  # see _order
        self._days: list[str] | None = None  # each document's listing_day, once asked for
        self._rank_np: np.ndarray | None = None
        self._places_np: dict[Sort, np.ndarray] = {}  # see _place_array
        self._abstract_text = {}
        self._surnames = None
        self.cache_hit = False  # was the index read from cache_dir?

        # A library's papers stay where they are (see papertable), decoded as read: a
        # build reads each once, in document order, for the facts and the abstracts
        # alike, and keeps none (at 1M papers, held they took 3.5 GB of an import's peak).
        papers = as_sequence(papers)
        order = array("q", newest_first(papers)) if cached_order is None else cached_order
        self._in_import_order = papers if cached_order is None else []  # for complete()'s fingerprint
        self._papers = in_order(papers, order)
        self._import_pos = order  # document -> its paper's place in import order
        self._next_import = len(papers)
        self._rank: list[int] | None = None  # a document's place in the default order; None: its number
        self._rank_due = False  # papers were added: `_rank` is to be sorted again (see _default_rank)
        self._all = DocSet.range(len(self._papers))
        self._workers = workers
        self._cache_file = None  # where the index was read from or saved to
        self._base_file = None
        self._base_count = 0  # its papers
        self._added = array("q")  # the import places of the papers added since, in order (see cache.Delta)
        self._builder = None
        if cached_order is None:
            gathering = Gathering()
            self._builder = self._field_builder(workers, _gathered(map(papers.__getitem__, order), gathering))
            self._facts = gathering.facts(self._papers)

    def _field_builder(self, workers: int | None, documents: Iterable[Document] | None = None) -> FieldBuilder:
        """Worker processes pay off from _PARALLEL_MIN papers; by default, one per CPU, up to 4.
        `documents`: each document's title, abstract and authors as indexed, in order
        (by default, of `_papers` and their facts)."""
        if len(self._papers) < _PARALLEL_MIN:
            workers = 0
        elif workers is None:
            workers = min(4, os.cpu_count() or 1)
        if documents is None:
            abstracts = (paper.abstract for paper in self._papers)
            documents = zip(self._facts.titles, abstracts, self._facts.authors, strict=True)
        return FieldBuilder(documents, 3, workers, len(self._papers))

    def complete(self, *, cache_dir: str | os.PathLike[str] | None = None, fingerprint: str | None = None) -> SearchIndex:
        """Finish a build begun with `begin`, and save it in `cache_dir` under the name
        `fingerprint` (by default a hash of the indexed text)."""
        cache_file = None
        if cache_dir is not None:
            cache_file = cache.file_for(cache_dir, self._in_import_order, fingerprint)
        self._finish(cache_file)
        return self

    def read_from(self, papers: Papers) -> None:
        """Read the indexed papers from `papers` from now on: the same papers in the same
        order, from elsewhere (an import's, from the paper file it saved them to)."""
        with self._lock:
            self._papers = in_order(papers, self._import_pos)
            self._facts.ids, self._facts.docno = numbered(self._papers)
            if self._in_import_order:  # begun, not completed
                self._in_import_order = papers

    def _finish(self, cache_file: Path | None) -> None:
        self._in_import_order = []
        builder, self._builder = self._builder, None
        assert builder is not None, "complete() is for a build begun with begin()"
        self._parts = self._build_parts(builder)
        self._vocab = Vocabulary(chain.from_iterable(part.words for parts in self._parts for part in parts))
        if cache_file is not None:
            cache.save(cache_file, self._parts, self._facts, self._vocab, self._import_pos)
            self._cache_file = self._base_file = cache_file
            self._base_count = len(self._import_pos)

    def _rebuilt(self, damaged: marshalfile.Damaged) -> None:
        """Build again from the papers, as a start would have: the cache file was
        damaged where a search or an update first read it (see search/mapped.py).
        Saved again unless papers were added since it was read (its name is the
        library's as it was); else removed, for the next start to rebuild."""
        papers = [self._papers[d] for d in sorted(range(len(self._papers)), key=self._import_pos.__getitem__)]
        cache_file, unchanged = self._cache_file, self._generation == 0
        if cache_file is not None and not unchanged:
            cache_file.unlink(missing_ok=True)
        self._begin(papers, self._workers)
        self._finish(cache_file if unchanged else None)
        self._noted(damaged, cache_file)

    def _noted(self, damaged: marshalfile.Damaged, cache_file: Path | None = None) -> None:
        cache_file = cache_file or self._cache_file
        if self._note and cache_file is not None:
            self._note(f"{cache_file.name} {damaged}; rebuilt")

    def _reading(self, work: Callable[[], _T]) -> _T:
        """`work` under the lock; if it finds the cache file damaged, again on the rebuilt index."""
        with self._lock:
            try:
                return work()
            except marshalfile.Damaged as damaged:
                self._rebuilt(damaged)
                return work()

    def cancel(self) -> None:
        """Stop a build begun with `begin` that will not be completed."""
        if self._builder is not None:
            self._builder.stop()
            self._builder = None

    def _build_parts(self, builder: FieldBuilder) -> list[list[Part]]:
        """The title, abstract and author parts `builder` made (see `_gathered`)."""
        enabled = gc.isenabled()
        gc.disable()  # millions of small lists: the collector would only slow this down
        try:
            return builder.parts()
        finally:
            if enabled:
                gc.enable()

    # --- updating ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._papers)

    def add(self, papers: Sequence[Paper]) -> None:
        """Index papers appended or replaced (same id, new facts) after an import."""
        papers = list({p.id: p for p in papers}.values())
        if not papers:
            return
        with self._lock:
            try:
                self._add(papers)
            except marshalfile.Damaged as damaged:  # the papers are in: a rebuild indexes them
                self._invalidate()  # the index is no longer the cache file's library
                self._rebuilt(damaged)

    def _add(self, papers: list[Paper]) -> None:
        docnos: list[int] = []
        for paper in papers:
            docno = self._facts.docno.get(paper.id)
            self._added.append(self._next_import if docno is None else self._import_pos[docno])
            if docno is None:
                docno = len(self._papers)
                self._papers.append(paper)
                self._import_pos.append(self._next_import)
                self._next_import += 1
            else:
                self._papers[docno] = paper
                for parts in self._parts:
                    for part in parts:
                        part.dead.add(docno)
            self._facts.update(docno, paper)
            docnos.append(docno)
        docnos.sort()
        title = part_of((self._facts.titles[d] for d in docnos), docnos)
        abstract = part_of((self._papers[d].abstract for d in docnos), docnos)
        author = part_of((self._facts.authors[d] for d in docnos), docnos)
        for parts, part in zip(self._parts, (title, abstract, author), strict=True):
            parts.append(part)
        self._all = DocSet.range(len(self._papers))
        self._rank_due = True  # sorted when a search first needs it: an import searches nothing
        abstracts = self._parts[1]
        if max(map(len, self._parts)) > _PARTS_AT_MOST or len(abstracts[-1].data) * 5 > sum(len(p.data) for p in abstracts):
            self._parts = self._build_parts(self._field_builder(None))
            self._vocab = Vocabulary(chain.from_iterable(p.words for parts in self._parts for p in parts))
        else:
            self._vocab.add(chain(title.words, abstract.words, author.words))
        self._invalidate()

    def save(self, cache_dir: str | os.PathLike[str], fingerprint: str, *, delta: bool = False) -> None:
        """Keep the index as it is now (papers added since it was read or built) in
        `cache_dir` under `fingerprint`, the library's new content id: the next start
        reads it instead of indexing the whole library again. The cache keeps no
        `dead` documents, so their postings are taken out first.

        With `delta` (an import that added a segment), only the papers added since the
        whole file this index was read from or saved to are written, as a delta over
        it (see search/cache.py), while they are few beside it: writing the whole file
        again took most of a day's import at 1M papers."""
        base = self._base_file
        if delta and base is not None and base.exists() and len(self._added) * _DELTA_AT_MOST <= len(self._papers):
            cache.save_delta(cache.delta_file_for(cache_dir, fingerprint), base, self._base_count, self._added)
            return

        def save() -> None:
            for part in chain.from_iterable(self._parts):
                part.drop_dead()
            cache_file = cache.file_for(cache_dir, (), fingerprint)
            cache.save(cache_file, self._parts, self._facts, self._vocab, self._import_pos)
            self._base_file, self._base_count, self._added = cache_file, len(self._import_pos), array("q")

        self._reading(save)

    def _invalidate(self) -> None:
        self._generation += 1
        self._orders.clear()
        self._days = None
        self._rank_np = None
        self._places_np.clear()
        self._abstract_text.clear()
        self._surnames = None
        self._cache.clear()
        self._cache_size = 0
        self._expansions.clear()

    # --- what related papers read (reader.related.Indexed) -------------------------

    @property
    def numbering(self) -> object:
        """Another object once the documents are numbered anew (a rebuild)."""
        return self._token

    def with_word(self, word: str) -> np.ndarray:
        """The documents whose title or abstract has `word`, ascending."""
        return self._reading(lambda: (self._collect(TITLE, (word,)) | self._collect(ABSTRACT, (word,))).array)

    def count_with_word(self, word: str) -> int:
        """How many documents have `word` in their title or abstract: read off the
        postings' lengths, but for a word of both fields, which may share documents."""

        def count() -> int:
            title, abstract = (sum(part.df(word) for part in self._parts[f]) for f in (TITLE, ABSTRACT))
            if not title or not abstract:
                return title + abstract
            parts = [*self._parts[TITLE], *self._parts[ABSTRACT]]
            if any(part.dead for part in parts):
                return len(self.with_word(word))
            # Counted, not gathered as DocSets: a union of those goes through a table over
            # every document (1 ms at 1M papers), and the first related papers count thousands.
            if title + abstract <= _FEW_TO_COUNT:
                return len(set(chain.from_iterable(view for part in parts if (view := part.word(word)) is not None)))
            in_title, in_abstract = (_postings_of(word, self._parts[f]) for f in (TITLE, ABSTRACT))
            found = np.searchsorted(in_abstract, in_title).clip(max=len(in_abstract) - 1)
            return title + abstract - int(np.count_nonzero(in_abstract[found] == in_title))

        return self._reading(count)

    def paper_at(self, docno: int) -> Paper:
        with self._lock:
            return self._papers[docno]

    def id_at(self, docno: int) -> str:
        with self._lock:
            return self._facts.ids[docno]

    def docno_of(self, paper_id: str) -> int | None:
        with self._lock:
            return self._facts.docno.get(paper_id)

    def text_postings(self) -> list[tuple[Sequence[str], np.ndarray, np.ndarray]]:
        """Each part of the titles' and abstracts' postings: its words, offsets and documents
        (a part read from the cache file checked whole first)."""

        def read() -> list[tuple[Sequence[str], np.ndarray, np.ndarray]]:
            found: list[tuple[Sequence[str], np.ndarray, np.ndarray]] = []
            for part in chain(self._parts[TITLE], self._parts[ABSTRACT]):
                part.check_all()
                found.append((part.words, np.asarray(part.offsets, dtype=np.int64), np.frombuffer(part.data, dtype=np.int32)))
            return found

        return self._reading(read)

    # --- searching ---------------------------------------------------------------

    def search(
        self,
        text: str,
        state_of: Callable[[str], PaperState],
        previous: SearchResult | None = None,
        limit: int | None = None,
        *,
        stateful_ids: Collection[str] | None = None,
        sort: Sort = Sort.BEST,
        closest: bool = True,
    ) -> SearchResult:
        """Rank the papers matching `text`. Never raises for any text: a malformed
        query gives a result with `error` set. `previous` (the last result) is reused
        when this query only narrows it. `stateful_ids`, when given, are the only ids
        whose state may differ from blank: is:/tag: filters then need not ask
        `state_of` about every paper. `sort` orders the papers with every word; closest
        matches stay ranked by closeness after them. `closest=False` leaves closest
        matches out (see `closest_waits`)."""
        try:
            query = parse_query(text)
        except QueryError as error:
            return SearchResult(text, (), (), frozenset(), error=str(error))
        return self._reading(lambda: self._search(query, state_of, previous, limit, stateful_ids, sort, closest))

    def place_of(self, sort: Sort) -> Callable[[str], int]:
        """A paper's place in `sort`'s order (a key to sort a list not searched here by)."""
        place, docno = self._reading(lambda: (self._order(sort)[1], self._facts.docno))
        last = len(place)  # a paper removed since (the related index may lag behind): last
        return lambda paper_id: place[d] if (d := docno.get(paper_id)) is not None else last

    def listing_days(self, paper_ids: Sequence[str]) -> list[str]:
        """Each paper's `listing_day` ("" for one not indexed), read once per change of the papers."""
        with self._lock:
            if self._days is None:
                self._days = list(map(listing_day, paper_dates(self._papers)))  # the date column: no paper decoded
            days, docno = self._days, self._facts.docno
        return [days[d] if (d := docno.get(paper_id)) is not None else "" for paper_id in paper_ids]

    def _order(self, sort: Sort) -> tuple[list[int], list[int]]:
        """Every document in `sort`'s order, and each one's place in it: worked out once
        per change of the papers, so sorting a search is sorting by a list lookup."""
        sort = sort.shown_as(ranked=False)  # best match, with no words to rank by
        found = self._orders.get(sort)
        if found is None:
            if sort is Sort.NEWEST:
                order = in_default_order(self._all, self._default_rank())
            else:
                facts = self._facts
                order = sort_order(sort, facts.votes, facts.title_order_keys, self._order(Sort.NEWEST)[0])
            found = self._orders[sort] = (order, _places(order))
        return found

    @property
    def closest_waits(self) -> bool:
        """Is the library large enough that a typed search should leave closest
        matches out, and look for them after a typing pause?"""
        return len(self._all) >= CLOSEST_WAITS_FROM

    def _search(
        self,
        query: Query,
        state_of: Callable[[str], PaperState],
        previous: SearchResult | None,
        limit: int | None,
        stateful_ids: Collection[str] | None,
        sort: Sort,
        closest: bool,
    ) -> SearchResult:
        owner = (self._token, self._generation)
        ids = self._facts.ids
        wanted = len(self._all) if limit is None else max(0, limit)
        if query.is_empty:
            # Put in order only as far as it is read, as a search's matches: a start's list
            # costs the rows it shows, not a list of every paper.
            every = self._all.array
            everything = self._sorted(Scored(every, np.zeros(len(every), dtype=np.int32)), sort, wanted)
            return SearchResult(
                query.text, RankedIds(everything, ids, self._facts.docno), RankedScores(everything), frozenset(),
                total=len(self._all), complete=everything.length, _docs=self._all, _parsed=query, _owner=owner,
            )  # fmt: skip
        if query.similar:
            return SearchResult(query.text, (), (), frozenset(), error="~ searches through the library's related papers")

        within: Docs | None = None
        if (
            previous is not None
            and previous._owner == owner
            and previous._docs is not None
            and previous._parsed is not None
            and previous.error is None
            and narrows(previous._parsed, query, self._covers)
        ):
            within = previous._docs

        # Positive clauses, cheapest first; state-only clauses wait for a candidate set.
        passes: list[Pass] = []
        negatives: list[Clause] = []
        deferred: list[Clause] = []
        candidates = within
        positive = sorted((c for c in query.clauses if not c.negated), key=self._clause_cost)
        for clause in positive:
            if all(a.is_state for a in clause.atoms) and stateful_ids is None:
                deferred.append(clause)
                continue
            evaluated = self._clause(clause, candidates, state_of, stateful_ids)
            candidates = evaluated.docs if candidates is None else (candidates & evaluated.docs)
            passes.extend(evaluated.passes)
            if not candidates:
                break
        for clause in query.clauses:
            if clause.negated:
                if clause.atoms[0].is_state and stateful_ids is None:
                    deferred.append(clause)
                else:
                    negatives.append(clause)
        if candidates is None:
            candidates = self._all
        for clause in negatives:
            if not candidates:
                break
            candidates = candidates - self._negative(clause, candidates, state_of, stateful_ids)
        for clause in deferred:
            if not candidates:
                break
            candidates = self._deferred(clause, candidates, state_of)

        text_atoms = [a for c in query.clauses if not c.negated for a in c.atoms if a.is_text]  # query order
        matchers = [self._expand(word) for a in text_atoms if not a.phrase and TITLE in FIELDS_OF[a.field] for word in a.words]
        scored = score_groups(candidates, passes)
        if sort is Sort.BEST:
            ranking = rank(scored, passes, matchers, wanted, self._rank_array(), self._facts.titles)
        else:
            ranking = self._sorted(scored, sort, wanted)
        terms = self._terms(text_atoms)
        complete = ranking.length
        plain = _plain_words(query)
        room = min(wanted, _PAGE) - complete
        ranked_ids: Sequence[str] = RankedIds(ranking, ids, self._facts.docno)
        scores: Sequence[float] = RankedScores(ranking)
        wants_closest = room > 0 and len(plain) > 1
        if wants_closest and closest:
            found = self._closest(query, plain, candidates, room, state_of, stateful_ids)
            if found:
                ranked_ids = (*ranked_ids, *(ids[d] for d, _ in found))
                scores = (*scores, *(s for _, s in found))
                terms = self._terms(text_atoms, closest=True)
        return SearchResult(
            query.text, ranked_ids, scores, frozenset(terms),
            total=len(candidates), complete=complete, closest_pending=wants_closest and not closest,
            _docs=candidates, _parsed=query, _owner=owner,
        )  # fmt: skip

    def _sorted(self, scored: Scored, sort: Sort, wanted: int) -> Ranking:
        """The documents in `sort`'s order, with their scores."""
        place = self._place_array(sort)
        return Ranking([], [], scored.docs, scored.tenths, place, wanted, by_score=False)

    def _place_array(self, sort: Sort) -> np.ndarray | None:
        """Each document's place in `sort`'s order, as an array; None: its number (newest
        first, until papers are added)."""
        sort = sort.shown_as(ranked=False)
        if sort is Sort.NEWEST:  # the default order's places are `_rank`'s (see `_order`)
            return self._rank_array()
        found = self._places_np.get(sort)
        if found is None:
            found = self._places_np[sort] = np.array(self._order(sort)[1], dtype=np.int64)
        return found

    def _default_rank(self) -> list[int] | None:
        """`_rank`, sorted again if papers were added since (reading every paper's date:
        0.3 s at 300k papers, done once, not at each of a start's replayed deltas)."""
        if self._rank_due:
            self._rank = _places(newest_first(self._papers, self._import_pos))
            self._rank_due = False
        return self._rank

    def _rank_array(self) -> np.ndarray | None:
        """The default order's places (`_default_rank`) as an array, for ranking in C."""
        rank = self._default_rank()
        if rank is None:
            return None
        if self._rank_np is None:
            self._rank_np = np.array(rank, dtype=np.int64)
        return self._rank_np

    # --- closest matches ---------------------------------------------------------

    def _closest(
        self,
        query: Query,
        plain: list[str],
        complete: Docs,
        room: int,
        state_of: Callable[[str], PaperState],
        stateful_ids: Collection[str] | None,
    ) -> list[tuple[int, float]]:
        """The best `room` papers with some of the plain words, not all (`complete` has
        those), that pass the query's other clauses strictly, scored below 0.

        A word adds its idf (common words weigh little; stop words nothing) times its
        best match's kind (whole word over prefix over typo). The rarer words find
        the candidates, as many as have _CLOSEST_POSTINGS papers together; the
        commoner words are then looked for in the text of the best
        _CLOSEST_CANDIDATES only, as written (whole word or prefix: their typos would
        add little to their small weight), so a description of 30 everyday words
        costs about what a rare word's postings do. Last, the best _CLOSEST_PAIRS
        gain for each pair of the description's words they have side by side
        (`_add_pairs`).

        Rarer means fewer postings to read, typos and longer forms included: a word
        half typed ("mod") has no papers as written, but its longer forms are most of
        the library's postings, read on every keystroke if it counted as rare
        (measured at 100k papers, bench/search_quality.py descriptions, with the pairs:
        0.90 in the top 10 either way, 116 ms a whole description typed at once
        against 208 ms ordered by papers as written)."""
        count = len(self._all)
        # Weighed by papers with the word as written: its typos and longer forms would
        # make a word with many near spellings look common (measured: 0.87 of bench
        # descriptions in the top 10 at 100k papers, against 0.83 with those counted).
        df = {w: self._df(w) for w in plain if w not in STOP_WORDS}
        costs = {w: self._word_cost(w, "any") for w in df}
        read = 0
        rare: list[tuple[Evaluated, float]] = []
        common: list[tuple[str, float]] = []
        for word in sorted(costs, key=costs.__getitem__):
            if rare and read + costs[word] > _CLOSEST_POSTINGS:
                common.append((word, idf(df[word], count)))
            else:
                read += costs[word]
                evaluated = self._atom(Atom("any", word, (word,)), None)
                rare.append((evaluated, idf(len(evaluated.docs), count)))
        scores = closest_scores(rare)
        if not scores:
            return []
        allowed = self._filtered(query, set(scores) - complete, state_of, stateful_ids)
        best = heapq.nlargest(_CLOSEST_CANDIDATES, allowed, key=scores.__getitem__)
        if common:
            self._add_common(scores, best, common)
        self._add_pairs(scores, heapq.nlargest(_CLOSEST_PAIRS, best, key=scores.__getitem__), plain, df)
        rank_of = self._default_rank()
        top = heapq.nsmallest(room, best, key=lambda d: (-scores[d], rank_of[d] if rank_of is not None else d))
        # below every complete match's score, in the same order as their closeness
        return [(d, round(scores[d] - scores[top[0]] - 1, 4)) for d in top]

    def _add_common(self, scores: dict[int, float], docs: list[int], common: list[tuple[str, float]]) -> None:
        """Add the common words' weights to the scores of `docs`, from their title and abstract."""
        needles = [(f" {w} ", f" {w}" if len(w) >= 3 else "", weight) for w, weight in common]
        prefix = PREFIX / 10
        for d in docs:
            text = self._field_text(TITLE, d) + self._field_text(ABSTRACT, d)
            for whole, start, weight in needles:
                if whole in text:
                    scores[d] += weight
                elif start and start in text:
                    scores[d] += weight * prefix

    def _add_pairs(self, scores: dict[int, float], docs: list[int], plain: list[str], df: dict[str, int]) -> None:
        """Add, to the scores of `docs`, the weight of each pair of neighbouring plain
        words (stop words aside) found side by side in their title or abstract: the
        commoner word's idf (a pair tells no more than its weaker word). A
        description reuses the paper's own phrases ("policy collapse", "parameter
        efficient"), which papers that merely share its words lack (measured on the
        real corpus, bench descriptions: 0.91 found first or second, against 0.89
        without)."""
        count = len(self._all)
        pairs = [(f" {a} {b} ", idf(max(df[a], df[b]), count)) for a, b in pairwise(plain) if a in df and b in df]
        if not pairs:
            return
        for d in docs:
            text = self._field_text(TITLE, d) + self._field_text(ABSTRACT, d)
            for needle, weight in pairs:
                if needle in text:
                    scores[d] += weight

    def _filtered(
        self,
        query: Query,
        docs: set[int],
        state_of: Callable[[str], PaperState],
        stateful_ids: Collection[str] | None,
    ) -> set[int]:
        """`docs` that pass every clause of `query` but its plain words, strictly."""
        for clause in query.clauses:
            if not docs:
                break
            if _is_plain(clause):
                continue
            if clause.negated:
                if clause.atoms[0].is_state and stateful_ids is None:
                    docs = self._deferred(clause, docs, state_of)
                else:
                    docs -= self._negative(clause, docs, state_of, stateful_ids)
            elif all(a.is_state for a in clause.atoms) and stateful_ids is None:
                docs = self._deferred(clause, docs, state_of)
            else:
                docs &= self._clause(clause, frozenset(docs), state_of, stateful_ids).docs
        return docs

    # --- clauses -----------------------------------------------------------------

    def _clause_cost(self, clause: Clause) -> tuple[int, int]:
        """Cheap, narrow clauses first; the rest are then only checked against their result."""
        cost = 0
        for atom in clause.atoms:
            if atom.is_text and atom.phrase:
                return (2, 0)
            if atom.is_text:
                cost += sum(self._word_cost(w, atom.field) for w in atom.words)
            elif atom.is_state:
                cost += len(self._all)
        return (1, cost) if cost else (0, 0)

    def _word_cost(self, word: str, field_name: str) -> int:
        return self._postings_cost(self._expand(word), FIELDS_OF[field_name])

    def _clause(
        self,
        clause: Clause,
        within: Docs | None,
        state_of: Callable[[str], PaperState],
        stateful_ids: Collection[str] | None,
    ) -> Evaluated:
        if len(clause.atoms) == 1:
            return self._atom(clause.atoms[0], within, state_of, stateful_ids)
        # An OR group: each alternative scores on its own, so matching more of them ranks higher.
        found = [self._atom(atom, within, state_of, stateful_ids) for atom in clause.atoms]
        # A compound's passes are its parts': a paper with one part only, matched by
        # another alternative, must not score for it.
        found = [_only_its_docs(e) if len(a.words) > 1 and not a.phrase else e for a, e in zip(clause.atoms, found, strict=True)]
        docs = DocSet.union_of(DocSet.of(e.docs).array for e in found)
        return Evaluated([p for e in found for p in e.passes], docs, 0)

    def _atom(
        self,
        atom: Atom,
        within: Docs | None,
        state_of: Callable[[str], PaperState] | None = None,
        stateful_ids: Collection[str] | None = None,
    ) -> Evaluated:
        """What one atom matches; atoms that do not depend on `within` are kept in a
        cache of recent ones (the keystrokes of one search repeat them)."""
        if atom.is_state:
            assert state_of is not None
            return Evaluated([], self._state_docs(atom, state_of, stateful_ids), 0)
        key = ("atom", atom)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if not atom.is_text:
            docs = self._filter_docs(atom)
            evaluated = Evaluated([], docs, len(docs))
        elif atom.phrase:
            evaluated = self._phrase(atom, within)
            if within is not None:
                return evaluated  # checked only against `within`: not reusable
        elif len(atom.words) > 1:
            return self._compound(atom, within)
        else:
            expansion = self._expand(atom.words[0])
            fields = FIELDS_OF[atom.field]
            if within is not None and self._reads_cheaper(within, fields, self._postings_cost(expansion, fields)):
                return self._word_within(expansion, fields, within)
            evaluated = self._word(expansion, fields)
        self._remember(key, evaluated)
        return evaluated

    def _reads_cheaper(self, within: Docs, fields: tuple[int, ...], cost: int) -> bool:
        """Is reading the text of the `within` candidates cheaper than `cost` postings?"""
        if len(within) * _READ_FACTOR >= cost:
            return False
        if ABSTRACT not in fields:
            return True
        kept = self._abstract_text
        decoded = sum(1 for d in within if d not in kept)
        return len(within) * _READ_FACTOR + decoded * (_READ_NEW_FACTOR - _READ_FACTOR) < cost

    def _compound(self, atom: Atom, within: Docs | None) -> Evaluated:
        """Hyphenated or dotted words (gpt-4, text-to-image, zero-shot): every part must
        match as a word does (typos forgiven), and titles with the parts in sequence
        rank higher."""
        parts = sorted(atom.words, key=lambda w: self._word_cost(w, atom.field))
        docs = within
        passes: list[Pass] = []
        for word in parts:
            evaluated = self._atom(Atom(atom.field, word, (word,)), docs)
            docs = evaluated.docs if docs is None else docs & evaluated.docs
            passes.extend(evaluated.passes)
            if not docs:
                return Evaluated(passes, set(), 0)
        assert docs is not None
        if TITLE in FIELDS_OF[atom.field] and len(docs) <= 50_000:
            # Only titles with every part but the last as a whole word can have them in
            # sequence: the postings find those, and few titles are then read.
            titled = docs
            for word in atom.words[:-1]:
                titled = titled & self._collect(TITLE, (word,))
            in_sequence = containing(self._facts.titles, " " + " ".join(atom.words), titled)
            if in_sequence:
                passes.append(([(SEQUENCE, in_sequence)], None))
        return Evaluated(passes, docs, 0)

    def _remember(self, key: Any, evaluated: Evaluated) -> None:
        self._cache[key] = evaluated
        self._cache_size += evaluated.size
        while self._cache_size > _CACHE_ITEMS and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cache_size -= old.size


def _only_its_docs(evaluated: Evaluated) -> Evaluated:
    """`evaluated` with its passes scoring only the documents it matches; none when it
    matches none (how far its parts were read then depends on the previous keystroke)."""
    docs = evaluated.docs
    if not docs:
        return Evaluated([], docs, evaluated.size)
    passes: list[Pass] = [
        ([(score, level & docs) for score, level in levels], None if abstract is None else abstract & docs)
        for levels, abstract in evaluated.passes
    ]
    return Evaluated(passes, docs, evaluated.size)


def _is_plain(clause: Clause) -> bool:
    """A clause of plain words: one unquoted word (or hyphenated words) in any field."""
    if clause.negated or len(clause.atoms) != 1:
        return False
    atom = clause.atoms[0]
    return atom.field == "any" and not atom.phrase


def _plain_words(query: Query) -> list[str]:
    return [w for clause in query.clauses if _is_plain(clause) for w in clause.atoms[0].words]


def _places(order: list[int]) -> list[int]:
    """For each document, its place in `order`."""
    place = [0] * len(order)
    for position, docno in enumerate(order):
        place[docno] = position
    return place
