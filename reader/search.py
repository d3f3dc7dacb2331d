"""Search: an inverted index over titles, abstracts and authors, and its ranking.

The index maps every word (as `reader.words` splits text) to the papers that
contain it, per field, as arrays of document numbers. A query word is matched
against the vocabulary: the word itself, the words it begins (bisect on the sorted
vocabulary) and near spellings (rapidfuzz OSA distance, so a swap is one typo,
over a small pool: similar length, same first or second letter). Phrases are
checked against the text of the papers that have all their words.

Ranking, first stage: the field (title 3, author 2, abstract 1) times the kind of
match (whole word 1, prefix 0.7, one typo 0.6, two typos 0.5, typo'd prefix 0.4),
summed over the query's words, so more words matched outranks fewer (with `|`).
Second stage, for the groups that can reach the top 100 (at most +0.25, less than
the steps the rules rely on): the query's words in order in the title, how much
of the title they cover, how many the abstract also has. Then the default order:
newest first where a date is known, else import order.

Narrowing: a search given the previous result starts from its papers when the new
query can only match fewer (more words, a word typed further); with few papers
left, a new word is checked by reading their text instead of its postings.

Large libraries build the abstract postings in worker processes and may keep the
built index in a cache file (see `SearchIndex`). Nothing here imports Textual;
the index is safe to share between threads (one lock around searches and updates).
"""

from __future__ import annotations

import bisect
import hashlib
import marshal
import os
import re
import tempfile
import threading
from array import array
from collections import OrderedDict, defaultdict, deque
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate, chain, islice, repeat
from pathlib import Path
from typing import Any

from reader import marshalfile
from reader.models import BLANK_STATE, Paper, PaperState
from reader.query import Atom, Clause, Query, QueryError, parse_query
from reader.words import fold, padded, typo_budget, words

__all__ = [
    "QueryError",
    "Query",
    "SearchIndex",
    "SearchResult",
    "default_order",
    "parse_query",
]

TITLE, ABSTRACT, AUTHOR = 0, 1, 2
_FIELDS_OF = {"any": (TITLE, ABSTRACT, AUTHOR), "title": (TITLE,), "abstract": (ABSTRACT,), "author": (AUTHOR,)}
_FIELD_WEIGHT = (30, 10, 20)  # tenths of a point
_EXACT, _PREFIX, _FUZZY1, _FUZZY2, _FPREFIX = 10, 7, 6, 5, 4  # tenths of the field weight
_MAX_BONUS = 0.25  # ranking's second stage: title order and coverage, abstract backing
_SEQUENCE = 5  # a hyphenated query word (zero-shot) found as such in a title

_MAX_FUZZY = 48  # near spellings kept per query word (the closest, then the commonest)
_MAX_FPREFIX = 24
_CACHE_ITEMS = 1_000_000  # document numbers held by the clause cache, in all (~40 MB)
_READ_FACTOR = 60  # read candidates' text rather than postings 60x as long (narrowing)
_PARALLEL_MIN = 20_000  # papers from which the abstract postings are built in worker processes
_ABSTRACT_TEXTS = 30_000  # folded abstracts kept for phrase checks and narrowing (~40 MB at most)
_FORMAT = 8  # bump when the on-disk cache layout or the tokenizer changes

_CODE_HOSTS = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:github\.com|gitlab\.com|bitbucket\.org|codeberg\.org|git\.sr\.ht"
    r"|huggingface\.co/spaces|colab\.research\.google\.com|sourceforge\.net)(?:/|$)",
    re.I,
)
_ISO_DATE = re.compile(r"^\d{4}(?:-\d{2}(?:-\d{2})?)?")


# --- results -------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchResult:
    """One answer to one query.

    `ids` are ranked best first; `scores` are parallel to them (higher is better).
    `terms` are the folded words to highlight (see `highlight_spans`); a term that
    ends in "*" is a prefix, one with spaces a phrase. `error` is a short hint for a
    malformed query, and then `ids` is empty. `total` is how many papers matched
    (it can exceed len(ids) when a limit was asked for).
    """

    query: str
    ids: tuple[str, ...]
    scores: tuple[float, ...]
    terms: frozenset[str]
    error: str | None = None
    total: int = 0
    # What a following, narrower query may start from. Internal.
    _docs: Collection[int] | None = field(default=None, repr=False, compare=False)  # never mutated
    _parsed: Query | None = field(default=None, repr=False, compare=False)
    _owner: Any = field(default=None, repr=False, compare=False)


# --- postings ------------------------------------------------------------------------


class _Part:
    """Postings of one field for some documents: a sorted vocabulary and, for word i,
    the document numbers data[offsets[i]:offsets[i+1]] (ascending)."""

    __slots__ = ("words", "index", "offsets", "data", "view", "dead")

    def __init__(self, words: list[str], offsets: array, data: array):
        self.words = words
        self.index = dict(zip(words, range(len(words))))
        self.offsets = offsets
        self.data = data
        self.view = memoryview(data)
        self.dead: set[int] = set()  # documents replaced since this part was built

    @classmethod
    def from_postings(cls, postings: dict[str, list[int]]) -> _Part:
        ordered = sorted(postings)
        lists = list(map(postings.__getitem__, ordered))
        offsets = array("q", accumulate(map(len, lists), initial=0))
        data = array("i", chain.from_iterable(lists))
        return cls(ordered, offsets, data)

    def to_marshal(self) -> tuple[list[str], bytes, bytes]:
        return self.words, self.offsets.tobytes(), self.data.tobytes()

    @classmethod
    def from_marshal(cls, item: tuple[list[str], bytes, bytes]) -> _Part:
        found, offsets_bytes, data_bytes = item
        offsets, data = array("q"), array("i")
        offsets.frombytes(offsets_bytes)
        data.frombytes(data_bytes)
        return cls(list(found), offsets, data)

    def word(self, word: str) -> memoryview | None:
        i = self.index.get(word)
        if i is None:
            return None
        return self.view[self.offsets[i] : self.offsets[i + 1]]

    def df(self, word: str) -> int:
        i = self.index.get(word)
        return 0 if i is None else self.offsets[i + 1] - self.offsets[i]

    def prefixed(self, prefix: str, skip_exact: bool) -> memoryview | None:
        """All postings of words starting with `prefix` (one slice: they are adjacent)."""
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        if skip_exact and lo < hi and self.words[lo] == prefix:
            lo += 1
        if lo >= hi:
            return None
        return self.view[self.offsets[lo] : self.offsets[hi]]

    def prefixed_size(self, prefix: str) -> int:
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\U0010ffff", lo)
        return self.offsets[hi] - self.offsets[lo]


def _invert(texts: Iterable[str], docnos: Iterable[int]) -> dict[str, list[int]]:
    """word -> ascending document numbers, for texts already folded or raw."""
    postings: defaultdict[str, list[int]] = defaultdict(list)
    get = postings.__getitem__
    append = list.append
    for docno, text in zip(docnos, texts):
        if text:
            deque(map(append, map(get, set(fold(text).split())), repeat(docno)), maxlen=0)
    return postings


def _invert_chunk(texts: list[str], start: int) -> tuple[list[str], bytes, bytes]:
    """A marshal-ready part for texts numbered from `start` (run in a worker process)."""
    import gc

    gc.disable()  # millions of small lists: the collector would only slow this down
    return _Part.from_postings(_invert(texts, range(start, start + len(texts)))).to_marshal()


# A worker is a plain `python -c` child reading marshal frames on stdin: unlike
# multiprocessing's spawn it never re-imports the app's __main__, and unlike fork it
# is safe from a process that already runs threads (the app builds in a worker thread).
# Input: length-prefixed marshal frames, (sys.path, first docno), then lists of
# texts, then an empty frame; output: one marshal'd part.
_WORKER_CODE = (
    "import marshal, sys\n"
    "stream = sys.stdin.buffer\n"
    "def frame():\n"
    "    size = int.from_bytes(stream.read(8), 'little')\n"
    "    return marshal.loads(stream.read(size)) if size else None\n"
    "path, start = frame()\n"
    "sys.path[:0] = path\n"
    "texts = []\n"
    "while (chunk := frame()) is not None:\n"
    "    texts.extend(chunk)\n"
    "from reader.search import _invert_chunk\n"
    "marshal.dump(_invert_chunk(texts, start), sys.stdout.buffer)\n"
)


class _AbstractBuilder:
    """Inverts the abstracts, in worker processes for a large library, else in-process.

    Started before the rest of the build so the workers run while this process
    does the titles and authors; `parts()` collects (any failure: in-process)."""

    def __init__(self, abstracts: list[str], workers: int | None):
        self._abstracts = abstracts
        self._jobs: list[tuple[Any, int, int]] = []
        count = len(abstracts)
        if workers is None:
            workers = min(4, os.cpu_count() or 1)
        if workers < 2 or count < _PARALLEL_MIN:
            return
        import subprocess
        import sys

        step = -(-count // workers)
        try:
            for start in range(0, count, step):
                end = min(count, start + step)
                # The texts go through an unlinked temp file, written here at C speed,
                # not a pipe fed by a thread that would compete for the GIL with
                # whatever this process does meanwhile (an import writes its JSON).
                with tempfile.TemporaryFile() as texts:
                    _write_frames(texts, list(sys.path), abstracts, start, end)
                    texts.seek(0)
                    proc = subprocess.Popen(
                        [sys.executable, "-c", _WORKER_CODE],
                        stdin=texts,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.DEVNULL,
                    )
                self._jobs.append((proc, start, end))
        except Exception:  # no processes here (sandbox, frozen app): build in-process
            self._stop()

    def _stop(self) -> None:
        for proc, *_ in self._jobs:
            try:
                proc.kill()
                proc.wait()
            except Exception:
                pass
        self._jobs = []

    def parts(self) -> list[_Part]:
        if self._jobs:
            try:
                parts = []
                for proc, _, _ in self._jobs:
                    data = proc.stdout.read()
                    proc.stdout.close()
                    if proc.wait() != 0:
                        raise RuntimeError("index worker failed")
                    part = _Part.from_marshal(marshal.loads(data))
                    parts.append(part)
                return parts
            except Exception:
                self._stop()
        count = len(self._abstracts)
        return [_Part.from_postings(_invert(self._abstracts, range(count)))]


def _write_frames(stream: Any, path: list[str], texts: list[str], start: int, end: int) -> None:
    """A worker's input: (sys.path, first docno), its texts in frames, an empty frame."""
    frames = chain([(path, start)], (texts[i : min(end, i + 2000)] for i in range(start, end, 2000)))
    for item in frames:
        data = marshal.dumps(item)
        stream.write(len(data).to_bytes(8, "little"))
        stream.write(data)
    stream.write((0).to_bytes(8, "little"))


# --- the vocabulary, for matching query words --------------------------------------


class _Vocabulary:
    """Every indexed word, sorted, with pools that make typo matching cheap."""

    def __init__(self, all_words: Iterable[str]):
        self.words = sorted(set(all_words))
        self.known = set(self.words)
        self._build_pools()

    @classmethod
    def restored(cls, words: list[str], first: dict, second: dict) -> _Vocabulary:
        vocab = cls.__new__(cls)
        vocab.words, vocab.known, vocab.first, vocab.second = words, set(words), first, second
        vocab._truncated = {}
        return vocab

    def _build_pools(self) -> None:
        first: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
        second: defaultdict[tuple[str, int], list[str]] = defaultdict(list)
        for word in self.words:
            size = len(word)
            if size >= 3:
                first[word[0], size].append(word)
                second[word[1], size].append(word)
        self.first = dict(first)
        self.second = dict(second)
        self._truncated: dict[tuple[str, int], list[str]] = {}

    def add(self, new_words: Iterable[str]) -> None:
        fresh = sorted(set(new_words) - self.known)
        if not fresh:
            return
        if len(fresh) > 2000:
            self.words = sorted(self.known.union(fresh))
        else:
            for word in fresh:
                bisect.insort(self.words, word)
        self.known.update(fresh)
        self._build_pools()

    def near(self, q: str, budget: int) -> dict[str, int]:
        """Vocabulary words within `budget` typos of q (OSA distance), q excluded."""
        from rapidfuzz import process
        from rapidfuzz.distance import OSA

        size = len(q)
        pool: list[str] = []
        keys = {q[0], q[1]}
        for length in range(max(3, size - budget), size + budget + 1):
            for key in keys:
                pool.extend(self.first.get((key, length), ()))
            pool.extend(self.second.get((q[1], length), ()))  # first letter mistyped
            pool.extend(self.second.get((q[0], length), ()))  # first letter missing
        if not pool:
            return {}
        found: dict[str, int] = {}
        for word, distance, _ in process.extract(
            q, pool, scorer=OSA.distance, score_cutoff=budget, limit=None, processor=None
        ):
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


# --- matching one query word ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Expansion:
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


def _bracket(q: str) -> tuple[bool, int, bool]:
    """Words in the same bracket match by the same rules: extending one narrows the match."""
    return len(q) >= 3, typo_budget(q), len(q) >= 5


# --- levels: (score, documents) ------------------------------------------------------

Levels = list[tuple[int, set[int]]]


@dataclass(slots=True)
class _Evaluated:
    """What one atom or clause matches, and how it scores.

    In each pass (one per query word) a document adds the first level it is in;
    levels are (score in tenths, documents), best first. With each pass, the
    documents whose abstract has the word too (None: not a word's pass)."""

    passes: list[tuple[Levels, Collection[int] | None]]
    docs: Collection[int]  # every document it matches; never mutated
    size: int  # for the cache budget


# --- the index -----------------------------------------------------------------------


class SearchIndex:
    """The search index of one library.

    `SearchIndex(papers)` builds it (sequence order is import order). With
    `cache_dir`, the built postings are kept in one file there, named by a
    fingerprint of the indexed text and order, and reused while the papers are
    unchanged (other index files in that directory are removed). `workers`: worker
    processes for the abstracts of a large library (default: the CPU count, up to 4;
    0 or 1 builds in this process). `announce(what)` hears of a build that could not
    be read from the cache, before it starts; `note(line)`, of a cache file that was
    damaged or another library's, once the index is rebuilt.
    """

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
        papers = list(papers)
        cache_file = damaged = None
        if cache_dir is not None:
            cache_file = Path(cache_dir) / f"search-{fingerprint or _fingerprint(papers)}.idx"
            try:
                cached = _load_cache(cache_file, len(papers))
            except marshalfile.Damaged as error:
                cached, damaged = None, error
            if cached is not None:
                *state, order_bytes = cached
                order = array("q")
                order.frombytes(order_bytes)
                self._begin(papers, workers, cached_order=order)
                self._restore(*state)
                self.cache_hit = True
                return
        if announce and cache_file is not None:
            announce(f"indexing {len(papers):,} papers for search (later starts read the index back)")
        self._begin(papers, workers)
        self._finish(cache_file)
        if damaged is not None and note:
            note(f"{cache_file.name} {damaged}; rebuilt")

    @classmethod
    def begin(cls, papers: Sequence[Paper], *, workers: int | None = None) -> SearchIndex:
        """Start a build with no cache to look for: the abstracts are inverted in
        worker processes while the caller goes on (an import writes library.json
        meanwhile). Call `complete` before searching."""
        index = cls.__new__(cls)
        index._begin(papers, workers)
        return index

    def _begin(self, papers: Sequence[Paper], workers: int | None, *, cached_order: array | None = None) -> None:
        """Order the papers newest first and start the abstracts' workers; with the
        order a cache holds, there is nothing to sort and nothing to build."""
        self._lock = threading.RLock()
        self._token = object()  # identifies results of this index (an id() could be reused)
        self._generation = 0
        self._cache: OrderedDict[Any, _Evaluated] = OrderedDict()
        self._cache_size = 0
        self._expansions: OrderedDict[str, _Expansion] = OrderedDict()
        self._default: list[int] | None = None
        self._abstract_text: dict[int, str] = {}
        self.cache_hit = False  # was the index read from cache_dir?

        papers = list(papers)
        order = cached_order
        if order is None:
            keys = [_date_key(p) for p in papers]
            newest_first = sorted((i for i, k in enumerate(keys) if k), key=keys.__getitem__, reverse=True)
            order = array("q", newest_first + [i for i, k in enumerate(keys) if not k])
        self._in_import_order = papers if cached_order is None else []  # for complete()'s fingerprint
        self._papers: list[Paper] = list(map(papers.__getitem__, order))
        self._import_pos = order
        self._next_import = len(papers)
        self._rank: list[int] | None = None  # None: document number is the default rank
        self._ints = list(range(len(self._papers)))
        self._all = frozenset(self._ints)
        self._builder = None if cached_order is not None else _AbstractBuilder([p.abstract for p in self._papers], workers)

    def complete(
        self, *, cache_dir: str | os.PathLike[str] | None = None, fingerprint: str | None = None
    ) -> SearchIndex:
        """Finish a build begun with `begin`, and save it in `cache_dir` under the name
        `fingerprint` (by default a hash of the indexed text)."""
        cache_file = None
        if cache_dir is not None:
            cache_file = Path(cache_dir) / f"search-{fingerprint or _fingerprint(self._in_import_order)}.idx"
        self._finish(cache_file)
        return self

    def _finish(self, cache_file: Path | None) -> None:
        self._in_import_order = []
        builder, self._builder = self._builder, None
        self._bulk_facts()
        self._parts = self._build_parts(builder)
        self._vocab = _Vocabulary(chain.from_iterable(part.words for parts in self._parts for part in parts))
        if cache_file is not None:
            _save_cache(cache_file, self._cached_state())

    def cancel(self) -> None:
        """Stop a build begun with `begin` that will not be completed."""
        if self._builder is not None:
            self._builder._stop()
            self._builder = None

    def _bulk_facts(self) -> None:
        """Per-document facts that filters and ranking read, for every paper at once."""
        papers = self._papers
        self._ids = [p.id for p in papers]
        self._docno = dict(zip(self._ids, range(len(papers))))
        self._title_text = [padded(p.title) for p in papers]
        self._author_text = [padded(" ".join(p.authors)) for p in papers]
        self._year = array("H", (_year_of(p) for p in papers))
        self._has_code = {d for d, p in enumerate(papers) if p.links and any(map(_CODE_HOSTS.match, p.links))}
        descriptors: dict[tuple, str] = {}
        self._src_of = []
        for paper in papers:
            key = tuple((s.file, s.format) for s in paper.sources)
            descriptor = descriptors.get(key)
            if descriptor is None:
                descriptor = descriptors[key] = _descriptor(paper)
            self._src_of.append(descriptor)
        self._index_sources()
        self._arxiv = {p.arxiv_id.casefold(): d for d, p in enumerate(papers) if p.arxiv_id}

    def _index_sources(self) -> None:
        self._src: defaultdict[str, set[int]] = defaultdict(set)
        for docno, descriptor in enumerate(self._src_of):
            self._src[descriptor].add(docno)

    def _cached_state(self) -> tuple[tuple, list[array]]:
        """Everything a restart would otherwise recompute from the papers (see _restore),
        and the postings arrays, which the cache file keeps raw."""
        vocab = self._vocab
        arrays: list[array] = []
        fields: list[list[tuple[list[str], int, int]]] = []
        for parts in self._parts:
            fields.append([])
            for part in parts:
                fields[-1].append((part.words, len(arrays), len(arrays) + 1))
                arrays += [part.offsets, part.data]
        return (
            fields,
            self._title_text, self._author_text, self._year.tobytes(), sorted(self._has_code),
            self._src_of, self._arxiv, vocab.words, vocab.first, vocab.second, self._import_pos.tobytes(),
        ), arrays  # fmt: skip

    def _restore(self, arrays: list[memoryview], fields: list, titles: list[str], authors: list[str], year: bytes, has_code: list[int],
                 src_of: list[str], arxiv: dict[str, int], words: list[str], first: dict, second: dict) -> None:  # fmt: skip
        self._parts = [[_Part(words, arrays[offsets], arrays[data]) for words, offsets, data in parts] for parts in fields]
        self._ids = [p.id for p in self._papers]
        self._docno = dict(zip(self._ids, range(len(self._papers))))
        self._title_text, self._author_text = titles, authors
        self._year = array("H")
        self._year.frombytes(year)
        self._has_code = set(has_code)
        self._src_of = src_of
        self._index_sources()
        self._arxiv = arxiv
        self._vocab = _Vocabulary.restored(words, first, second)

    def _set_facts(self, docno: int, paper: Paper) -> None:
        """Facts of one added or replaced paper."""
        if docno == len(self._ids):
            self._ids.append(paper.id)
            self._title_text.append("")
            self._author_text.append("")
            self._year.append(0)
            self._src_of.append("")
        self._ids[docno] = paper.id
        self._docno[paper.id] = docno
        self._title_text[docno] = padded(paper.title)
        self._author_text[docno] = padded(" ".join(paper.authors))
        self._year[docno] = _year_of(paper)
        if any(map(_CODE_HOSTS.match, paper.links)):
            self._has_code.add(docno)
        else:
            self._has_code.discard(docno)
        old = self._src_of[docno]
        if old:
            self._src[old].discard(docno)
        descriptor = _descriptor(paper)
        self._src_of[docno] = descriptor
        self._src[descriptor].add(docno)
        if paper.arxiv_id:
            self._arxiv[paper.arxiv_id.casefold()] = docno

    def _build_parts(self, builder: _AbstractBuilder) -> list[list[_Part]]:
        import gc

        count = len(self._papers)
        enabled = gc.isenabled()
        gc.disable()  # millions of small lists: the collector would only slow this down
        try:
            title = _Part.from_postings(_invert(self._title_text, range(count)))
            author = _Part.from_postings(_invert(self._author_text, range(count)))
            abstract_parts = builder.parts()
        finally:
            if enabled:
                gc.enable()
        return [[title], abstract_parts, [author]]

    # --- updating ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._papers)

    def add(self, papers: Sequence[Paper]) -> None:
        """Index papers appended or replaced (same id, new facts) after an import."""
        papers = list({p.id: p for p in papers}.values())
        if not papers:
            return
        with self._lock:
            docnos: list[int] = []
            for paper in papers:
                docno = self._docno.get(paper.id)
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
                    self._has_code.discard(docno)
                self._set_facts(docno, paper)
                docnos.append(docno)
            docnos.sort()
            title = _Part.from_postings(_invert((self._title_text[d] for d in docnos), docnos))
            abstract = _Part.from_postings(_invert((self._papers[d].abstract for d in docnos), docnos))
            author = _Part.from_postings(_invert((self._author_text[d] for d in docnos), docnos))
            for parts, part in zip(self._parts, (title, abstract, author)):
                parts.append(part)
            self._ints = list(range(len(self._papers)))
            self._all = frozenset(self._ints)
            self._rerank()
            if max(len(parts) for parts in self._parts) > 6 or len(self._parts[1][-1].data) * 5 > sum(
                len(p.data) for p in self._parts[1]
            ):
                self._parts = self._build_parts(_AbstractBuilder([p.abstract for p in self._papers], None))
                self._vocab = _Vocabulary(chain.from_iterable(p.words for parts in self._parts for p in parts))
            else:
                self._vocab.add(chain(title.words, abstract.words, author.words))
            self._invalidate()

    def _rerank(self) -> None:
        keys = [_date_key(p) for p in self._papers]
        order = sorted((d for d in range(len(keys)) if keys[d]), key=lambda d: self._import_pos[d])
        order.sort(key=keys.__getitem__, reverse=True)
        order += sorted((d for d in range(len(keys)) if not keys[d]), key=lambda d: self._import_pos[d])
        rank = [0] * len(order)
        for position, docno in enumerate(order):
            rank[docno] = position
        self._rank = rank

    def _invalidate(self) -> None:
        self._generation += 1
        self._default = None
        self._abstract_text.clear()
        self._cache.clear()
        self._cache_size = 0
        self._expansions.clear()

    # --- searching ---------------------------------------------------------------

    def search(
        self,
        text: str,
        state_of: Callable[[str], PaperState],
        previous: SearchResult | None = None,
        limit: int | None = None,
        *,
        stateful_ids: Collection[str] | None = None,
    ) -> SearchResult:
        """Rank the papers matching `text`. Never raises for any text: a malformed
        query gives a result with `error` set. `previous` (the last result) is reused
        when this query only narrows it. `stateful_ids`, when given, are the only ids
        whose state may differ from blank: is:/tag: filters then need not ask
        `state_of` about every paper."""
        try:
            query = parse_query(text)
        except QueryError as error:
            return SearchResult(text, (), (), frozenset(), error=str(error))
        with self._lock:
            return self._search(query, state_of, previous, limit, stateful_ids)

    def _search(
        self,
        query: Query,
        state_of: Callable[[str], PaperState],
        previous: SearchResult | None,
        limit: int | None,
        stateful_ids: Collection[str] | None,
    ) -> SearchResult:
        owner = (self._token, self._generation)
        if query.is_empty:
            if self._default is None:
                self._default = self._default_order(self._all)
            order = self._default
            if limit is not None:
                order = order[: max(0, limit)]
            ids = tuple(map(self._ids.__getitem__, order))
            return SearchResult(
                query.text, ids, (0.0,) * len(ids), frozenset(), total=len(self._all),
                _docs=self._all, _parsed=query, _owner=owner,
            )

        within: set[int] | frozenset[int] | None = None
        if (
            previous is not None
            and previous._owner == owner
            and previous._docs is not None
            and previous._parsed is not None
            and previous.error is None
            and _narrows(previous._parsed, query)
        ):
            within = previous._docs

        # Positive clauses, cheapest first; state-only clauses wait for a candidate set.
        passes: list[tuple[Levels, Collection[int] | None]] = []
        negatives: list[Clause] = []
        deferred: list[Clause] = []
        candidates: set[int] | frozenset[int] | None = within
        positive = sorted((c for c in query.clauses if not c.negated), key=self._clause_cost)
        for clause in positive:
            if all(a.is_state for a in clause.atoms) and stateful_ids is None:
                deferred.append(clause)
                continue
            evaluated = self._clause(clause, candidates, state_of, stateful_ids)
            docs = evaluated.docs
            candidates = docs if candidates is None else (candidates & docs)  # type: ignore[operator]
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
        groups = self._score(candidates, passes)
        ranked, scores = self._rank_groups(groups, text_atoms, passes, limit)
        ids = tuple(map(self._ids.__getitem__, ranked))
        terms = self._terms(text_atoms)
        return SearchResult(
            query.text, ids, tuple(scores), frozenset(terms), total=len(candidates),
            _docs=candidates, _parsed=query, _owner=owner,
        )

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
        return self._postings_cost(self._expand(word), _FIELDS_OF[field_name])

    def _clause(
        self,
        clause: Clause,
        within: Collection[int] | None,
        state_of: Callable[[str], PaperState],
        stateful_ids: Collection[str] | None,
    ) -> _Evaluated:
        if len(clause.atoms) == 1:
            return self._atom(clause.atoms[0], within, state_of, stateful_ids)
        # An OR group: each alternative scores on its own, so matching more of them ranks higher.
        found = [self._atom(atom, within, state_of, stateful_ids) for atom in clause.atoms]
        docs: set[int] = set()
        for evaluated in found:
            docs.update(evaluated.docs)
        return _Evaluated([p for e in found for p in e.passes], docs, 0)

    def _atom(
        self,
        atom: Atom,
        within: Collection[int] | None,
        state_of: Callable[[str], PaperState] | None = None,
        stateful_ids: Collection[str] | None = None,
    ) -> _Evaluated:
        if atom.is_state:
            assert state_of is not None
            docs = self._state_docs(atom, state_of, stateful_ids)
            return _Evaluated([], docs, 0)
        key = ("atom", atom)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        if not atom.is_text:
            docs = self._filter_docs(atom)
            evaluated = _Evaluated([], docs, len(docs))
        elif atom.phrase:
            evaluated = self._phrase(atom, within)
            if within is not None:
                return evaluated  # checked only against `within`: not reusable
        elif len(atom.words) > 1:
            return self._compound(atom, within)
        else:
            expansion = self._expand(atom.words[0])
            fields = _FIELDS_OF[atom.field]
            if within is not None and len(within) * _READ_FACTOR < self._postings_cost(expansion, fields):
                return self._word_within(expansion, fields, within)
            evaluated = self._word(expansion, fields)
        self._remember(key, evaluated)
        return evaluated

    def _compound(self, atom: Atom, within: Collection[int] | None) -> _Evaluated:
        """Hyphenated or dotted words (gpt-4, text-to-image, zero-shot): every part must
        match as a word does (typos forgiven), and titles with the parts in sequence
        rank higher."""
        parts = sorted(atom.words, key=lambda w: self._word_cost(w, atom.field))
        docs = within
        passes: list[tuple[Levels, Collection[int] | None]] = []
        for word in parts:
            evaluated = self._atom(Atom(atom.field, word, (word,)), docs)
            docs = evaluated.docs if docs is None else docs & evaluated.docs  # type: ignore[operator]
            passes.extend(evaluated.passes)
            if not docs:
                return _Evaluated(passes, set(), 0)
        assert docs is not None
        if TITLE in _FIELDS_OF[atom.field] and len(docs) <= 50_000:
            needle = " " + " ".join(atom.words)
            titles = self._title_text
            in_sequence = {d for d in docs if needle in titles[d]}
            if in_sequence:
                passes.append(([(_SEQUENCE, in_sequence)], None))
        return _Evaluated(passes, docs, 0)

    def _remember(self, key: Any, evaluated: _Evaluated) -> None:
        self._cache[key] = evaluated
        self._cache_size += evaluated.size
        while self._cache_size > _CACHE_ITEMS and len(self._cache) > 1:
            _, old = self._cache.popitem(last=False)
            self._cache_size -= old.size

    def _expand(self, q: str) -> _Expansion:
        cached = self._expansions.get(q)
        if cached is not None:
            self._expansions.move_to_end(q)
            return cached
        prefix_fields = (TITLE, ABSTRACT, AUTHOR) if len(q) >= 3 else (TITLE, AUTHOR)
        budget = typo_budget(q)
        near: dict[str, int] = {}
        near_prefixes: tuple[str, ...] = ()
        if len(q) == 3 and not any(c.isdigit() for c in q):
            # three letters forgive only a missing letter: "bis" finds "bias", not "big"
            near = {w: 1 for w in self._vocab.near(q, 1) if len(w) == 4 and not w.startswith(q)}
        if budget:
            found = self._vocab.near(q, budget)
            found = {w: d for w, d in found.items() if not w.startswith(q)}
            if len(found) > _MAX_FUZZY:
                best = sorted(found, key=lambda w: (found[w], -self._df(w), w))[:_MAX_FUZZY]
                found = {w: found[w] for w in best}
            if any(c.isdigit() for c in q):  # "llama3": the letters may be typo'd, not the 3
                digits = _digits(q)
                found = {w: d for w, d in found.items() if _digits(w) == digits}
            near = found
            if len(q) >= 5:
                starts = self._vocab.near_prefixes(q, budget)
                if any(c.isdigit() for c in q):
                    starts = {p: d for p, d in starts.items() if _digits(p) == _digits(q)}
                ordered = sorted(starts, key=lambda p: (starts[p], p))[:_MAX_FPREFIX]
                near_prefixes = tuple(ordered)
        expansion = _Expansion(q, prefix_fields, near, near_prefixes)
        self._expansions[q] = expansion
        if len(self._expansions) > 512:
            self._expansions.popitem(last=False)
        return expansion

    def _df(self, word: str) -> int:
        return sum(part.df(word) for parts in self._parts for part in parts)

    def _postings_cost(self, expansion: _Expansion, fields: tuple[int, ...]) -> int:
        cost = 0
        for f in fields:
            for part in self._parts[f]:
                if f in expansion.prefix_fields:
                    cost += part.prefixed_size(expansion.q)
                else:
                    cost += part.df(expansion.q)
                cost += sum(part.df(w) for w in expansion.near)
                cost += sum(part.prefixed_size(p) for p in expansion.near_prefixes)
        return cost

    def _collect(self, f: int, slices: Callable[[_Part], Iterable[memoryview | None]]) -> set[int]:
        """The union of some postings of field f, as a set of (shared) int objects."""
        docs: set[int] = set()
        shared = self._ints.__getitem__  # one int object per document: sets stay small
        for part in self._parts[f]:
            if part.dead:
                found: set[int] = set()
                for view in slices(part):
                    if view is not None:
                        found.update(map(shared, view))
                docs |= found - part.dead
            else:
                for view in slices(part):
                    if view is not None:
                        docs.update(map(shared, view))
        return docs

    def _word(self, expansion: _Expansion, fields: tuple[int, ...]) -> _Evaluated:
        q = expansion.q
        near1 = [w for w, d in expansion.near.items() if d <= 1]
        near2 = [w for w, d in expansion.near.items() if d >= 2]
        per_field: list[tuple[int, list[tuple[int, set[int]]]]] = []
        for f in fields:
            kinds = [(_EXACT, self._collect(f, lambda part: (part.word(q),)))]
            if f in expansion.prefix_fields:
                kinds.append((_PREFIX, self._collect(f, lambda part: (part.prefixed(q, True),))))
            if near1:
                kinds.append((_FUZZY1, self._collect(f, lambda part: map(part.word, near1))))
            if near2:
                kinds.append((_FUZZY2, self._collect(f, lambda part: map(part.word, near2))))
            if expansion.near_prefixes:
                starts = expansion.near_prefixes
                kinds.append((_FPREFIX, self._collect(f, lambda part: (part.prefixed(p, False) for p in starts))))
            per_field.append((f, kinds))
        return self._levels(per_field)

    def _levels(self, per_field: list[tuple[int, list[tuple[int, set[int]]]]]) -> _Evaluated:
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
        return _Evaluated([(levels, abstract_any)], all_docs, size + len(all_docs))

    def _field_text(self, f: int, docno: int) -> str:
        """A field as folded words between spaces, padded: " vision  transformers "."""
        if f == TITLE:
            return self._title_text[docno]
        if f == AUTHOR:
            return self._author_text[docno]
        text = self._abstract_text.get(docno)
        if text is None:
            if len(self._abstract_text) >= _ABSTRACT_TEXTS:  # forget the older half
                for old in list(islice(self._abstract_text, _ABSTRACT_TEXTS // 2)):
                    del self._abstract_text[old]
            text = self._abstract_text[docno] = " " + fold(self._papers[docno].abstract) + " "
        return text

    def _phrase_text(self, f: int, docno: int) -> str:
        """As `_field_text`, but with " | " between authors, so a phrase never spans two."""
        if f == AUTHOR:
            return " " + " | ".join(" ".join(fold(a).split()) for a in self._papers[docno].authors) + " "
        return self._field_text(f, docno)

    def _word_within(self, expansion: _Expansion, fields: tuple[int, ...], within: Collection[int]) -> _Evaluated:
        """The same levels as `_word`, found by reading the few candidate papers instead."""
        q = expansion.q
        exact_needle, prefix_needle = f" {q} ", f" {q}"
        near1 = [f" {w} " for w, d in expansion.near.items() if d <= 1]
        near2 = [f" {w} " for w, d in expansion.near.items() if d >= 2]
        near_prefixes = [f" {p}" for p in expansion.near_prefixes]
        per_field: list[tuple[int, list[tuple[int, set[int]]]]] = []
        for f in fields:
            exact, prefix, fuzzy1, fuzzy2, fprefix = set(), set(), set(), set(), set()
            allow_prefix = f in expansion.prefix_fields
            for docno in within:
                text = self._field_text(f, docno)
                if exact_needle in text:
                    exact.add(docno)
                elif allow_prefix and prefix_needle in text:
                    prefix.add(docno)
                elif near1 and any(n in text for n in near1):
                    fuzzy1.add(docno)
                elif near2 and any(n in text for n in near2):
                    fuzzy2.add(docno)
                elif near_prefixes and any(n in text for n in near_prefixes):
                    fprefix.add(docno)
            per_field.append(
                (f, [(_EXACT, exact), (_PREFIX, prefix), (_FUZZY1, fuzzy1), (_FUZZY2, fuzzy2), (_FPREFIX, fprefix)])
            )
        return self._levels(per_field)

    def _phrase(self, atom: Atom, within: Collection[int] | None) -> _Evaluated:
        """Quoted phrases: exact words, in order. (Unquoted, as in -state-of-the-art, the
        last word may be a prefix.)"""
        parts_words = atom.words
        last_prefix = not atom.phrase
        exact_pattern = re.compile(" " + " +".join(map(re.escape, parts_words)) + " ")
        prefix_pattern = re.compile(" " + " +".join(map(re.escape, parts_words)))
        per_field: list[tuple[int, list[tuple[int, set[int]]]]] = []
        for f in _FIELDS_OF[atom.field]:
            candidates: set[int] | None = None
            for word in sorted(parts_words[:-1], key=lambda w: self._df(w)):
                found = self._collect(f, lambda part, word=word: (part.word(word),))
                candidates = found if candidates is None else candidates & found
                if not candidates:
                    break
            last = parts_words[-1]
            if candidates is None or (candidates and not last_prefix):
                found = self._collect(
                    f,
                    lambda part: (part.word(last), part.prefixed(last, True) if last_prefix else None),
                )
                candidates = found if candidates is None else candidates & found
            if within is not None:
                candidates &= within  # type: ignore[operator]
            exact, prefix = set(), set()
            for docno in candidates:
                text = self._phrase_text(f, docno)
                if exact_pattern.search(text):
                    exact.add(docno)
                elif last_prefix and prefix_pattern.search(text):
                    prefix.add(docno)
            per_field.append((f, [(_EXACT, exact), (_PREFIX, prefix)]))
        return self._levels(per_field)

    def _filter_docs(self, atom: Atom) -> set[int] | frozenset[int]:
        if atom.field == "year":
            return {d for d, year in enumerate(self._year) if year and atom.low <= year <= atom.high}
        if atom.field == "has":
            return set(self._has_code)
        if atom.field == "src":
            docs: set[int] = set()
            for descriptor, found in self._src.items():
                if atom.value in descriptor:
                    docs |= found
            return docs
        if atom.field == "id":
            value = atom.value.casefold()
            docno = self._arxiv.get(value)
            if docno is None:
                docno = self._docno.get(atom.value)
                if docno is None:
                    docno = next((d for i, d in self._docno.items() if i.casefold() == value), None)
            return {docno} if docno is not None else set()
        return set()

    def _state_docs(
        self, atom: Atom, state_of: Callable[[str], PaperState], stateful_ids: Collection[str] | None
    ) -> set[int] | frozenset[int]:
        test = _state_test(atom)
        if stateful_ids is None:
            return {d for d, i in enumerate(self._ids) if test(state_of(i))}
        known = [self._docno[i] for i in stateful_ids if i in self._docno]
        if test(BLANK_STATE):
            return set(self._all).difference(d for d in known if not test(state_of(self._ids[d])))
        return {d for d in known if test(state_of(self._ids[d]))}

    def _deferred(self, clause: Clause, candidates: Collection[int], state_of: Callable[[str], PaperState]) -> set[int]:
        tests = [_state_test(atom) for atom in clause.atoms]
        ids = self._ids
        if clause.negated:
            return {d for d in candidates if not any(t(state_of(ids[d])) for t in tests)}
        return {d for d in candidates if any(t(state_of(ids[d])) for t in tests)}

    def _negative(
        self,
        clause: Clause,
        candidates: set[int],
        state_of: Callable[[str], PaperState],
        stateful_ids: Collection[str] | None,
    ) -> set[int] | frozenset[int]:
        """What a -clause takes away: its words as whole words or prefixes (never typos)."""
        atom = clause.atoms[0]
        if atom.is_state:
            return self._state_docs(atom, state_of, stateful_ids)
        if not atom.is_text:
            return self._filter_docs(atom)
        if len(atom.words) > 1 or atom.phrase:
            return self._phrase(atom, candidates).docs
        q = atom.words[0]
        docs: set[int] = set()
        for f in _FIELDS_OF[atom.field]:
            allow_prefix = len(q) >= 3 or f != ABSTRACT
            docs |= self._collect(f, lambda part: (part.word(q), part.prefixed(q, True) if allow_prefix else None))
        return docs

    # --- ranking -----------------------------------------------------------------

    def _score(
        self, candidates: Collection[int], passes: list[tuple[Levels, Collection[int] | None]]
    ) -> dict[int, Collection[int]]:
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
            groups = regrouped  # type: ignore[assignment]
        return groups

    def _default_order(self, docs: Collection[int]) -> list[int]:
        if self._rank is None:
            return sorted(docs)
        return sorted(docs, key=self._rank.__getitem__)

    def _rank_groups(
        self,
        groups: dict[int, Collection[int]],
        text_atoms: list[Atom],
        passes: list[tuple[Levels, Collection[int] | None]],
        limit: int | None,
    ) -> tuple[list[int], list[float]]:
        """Order the score groups; near the top, let the second stage reorder.

        The second stage adds up to _MAX_BONUS: the query's words in order in the title
        (0.12), how much of the title they cover (0.08), and how many of them the
        abstract also has (0.05). Every group that could reach the top `refine` places
        with it is refined together; the rest keep their score, then default order."""
        wanted = len(self._all) if limit is None else max(0, limit)
        refine = min(wanted, 100)
        budget = 1500
        matchers = [
            self._expand(word)
            for a in text_atoms
            if not a.phrase and TITLE in _FIELDS_OF[a.field]
            for word in a.words
        ]
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
                if len(pool) + len(docs) > budget:
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
            final = {d: base[d] + self._bonus(d, matchers, memo, backings) for d in pool}
            rank = self._rank
            pool.sort(key=lambda d: (-final[d], rank[d] if rank is not None else d))
            ranked.extend(pool)
            scores.extend(round(final[d], 4) for d in pool)
        for score in ordered[taken:]:
            if len(ranked) >= wanted:
                break
            order = self._default_order(groups[score])
            ranked.extend(order)
            scores.extend(repeat(score / 10, len(order)))
        return ranked[:wanted], scores[:wanted]

    def _bonus(
        self,
        docno: int,
        matchers: list[_Expansion],
        memo: dict[str, tuple[int, ...]],
        backings: list[Collection[int]],
    ) -> float:
        bonus = 0.0
        if backings:
            bonus += 0.05 * sum(1 for b in backings if docno in b) / len(backings)
        tokens = self._title_text[docno].split()
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

    def _terms(self, atoms: list[Atom]) -> set[str]:
        terms: set[str] = set()
        for atom in atoms:
            if atom.phrase:
                terms.add(" ".join(atom.words))
            else:
                for word in atom.words:
                    terms |= self._expand(word).terms()
        return terms


def _state_test(atom: Atom) -> Callable[[PaperState], bool]:
    if atom.field == "tag":
        value = atom.value
        return lambda s: any(t.casefold().startswith(value) for t in s.tags)
    if atom.field == "note":
        # words in order, the last by prefix: note:"read ag" finds "read again"
        needle = " " + atom.value
        return lambda s: needle in " " + " ".join(words(s.note)) if s.note else False
    return {
        "bookmarked": lambda s: s.bookmarked,
        "read": lambda s: s.read,
        "unread": lambda s: not s.read,
        "tagged": lambda s: bool(s.tags),
        "noted": lambda s: bool(s.note.strip()),
        "inbox": lambda s: s.in_inbox,
        "dismissed": lambda s: s.dismissed,
    }[atom.value]


def _narrows(old: Query, new: Query) -> bool:
    """Is every paper matching `new` sure to match `old` (so old's result can be the start)?

    True when `new` is `old` with more clauses and/or its last clause typed further:
    "diffusion" -> "diffusion mo", "gan | diff" -> "gan | diffusion", "text-t" -> "text-to"."""
    if old.uses_state or new.uses_state or not old.clauses:
        return False
    if len(new.clauses) < len(old.clauses):
        return False
    last = len(old.clauses) - 1
    for i, (a, b) in enumerate(zip(old.clauses, new.clauses)):
        if a == b:
            continue
        if i != last or a.negated or b.negated or len(a.atoms) != len(b.atoms):
            return False
        if a.atoms[:-1] != b.atoms[:-1] or not _atom_narrows(a.atoms[-1], b.atoms[-1]):
            return False
    return True


def _atom_narrows(x: Atom, y: Atom) -> bool:
    if x.field != y.field or not x.is_text or x.phrase or y.phrase:
        return False
    k = len(x.words)
    if len(y.words) < k or y.words[: k - 1] != x.words[: k - 1]:
        return False
    before, after = x.words[-1], y.words[k - 1]
    if after == before:
        return True
    # typed further: a longer word matches fewer papers, unless it crossed to other rules
    # (more typos forgiven from 4 and 8 letters, abstract prefixes from 3, typo'd prefixes from 5)
    return after.startswith(before) and _bracket(before) == _bracket(after)


def _digits(word: str) -> str:
    return "".join(c for c in word if c.isdigit())


def default_order(papers: Sequence[Paper]) -> list[str]:
    """Ids in the order of the empty query (newest first where dated, then import
    order), without building an index: for a list shown while the index builds."""
    keys = [_date_key(p) for p in papers]
    order = sorted((i for i, k in enumerate(keys) if k), key=keys.__getitem__, reverse=True)
    order += [i for i, k in enumerate(keys) if not k]
    return [papers[i].id for i in order]


def _year_of(paper: Paper) -> int:
    published = paper.published or ""
    return int(published[:4]) if published[:4].isdigit() else 0


def _descriptor(paper: Paper) -> str:
    return " ".join(f"{os.path.basename(s.file)} {s.format}" for s in paper.sources).casefold()


def _date_key(paper: Paper) -> str:
    if paper.published and _ISO_DATE.match(paper.published):
        return paper.published
    dates = [s.date for s in paper.sources if s.date and _ISO_DATE.match(s.date)]
    return max(dates) if dates else ""


# --- the on-disk cache ---------------------------------------------------------------


def _fingerprint(papers: Sequence[Paper]) -> str:
    """Names the papers and their order, for a library whose content id is not known:
    the cache holds facts (dates, sources, links) as well as the indexed text."""
    digest = hashlib.sha256(f"reader-search-{_FORMAT}".encode())
    for p in papers:
        sources = "\x1e".join(f"{s.file}\x1d{s.format}\x1d{s.date}" for s in p.sources)
        fields = (p.id, p.title, p.abstract, "\x1e".join(p.authors), "\x1e".join(p.links), p.arxiv_id or "", p.published or "", sources)
        digest.update("\x1f".join((*fields, "\x1d")).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()[:32]


def _load_cache(path: Path, count: int) -> tuple | None:
    """SearchIndex._restore's arguments and the papers' order, if the file holds an
    index of `count` papers written under this name; None if there is none (or an
    older reader's). Raises marshalfile.Damaged for any other file.

    The name is the library's (its content id or fingerprint); the name kept inside
    tells an index written for it from another library's copied over it."""
    found = marshalfile.read(path)
    if found is None:
        return None
    try:
        value, arrays = found
        if value[0] != _FORMAT:
            return None
        _, name, papers, state = value
        if name != path.name:
            raise marshalfile.Damaged("was made from another library")
        if papers != count or len(state[0]) != 3 or len(state[1]) != count or len(state[-1]) != 8 * count:
            raise ValueError("not the shape of an index of these papers")
        for words, offsets, data in chain.from_iterable(state[0]):
            if arrays[offsets].format != "q" or len(arrays[offsets]) != len(words) + 1 or arrays[data].format != "i":
                raise ValueError("postings of the wrong shape")
        return arrays, *state
    except marshalfile.Damaged:
        raise
    except Exception as error:  # its checksum held, yet it is not what _save_cache makes
        raise marshalfile.Damaged.because(error) from None


def _save_cache(path: Path, cached: tuple[tuple, list[array]]) -> None:
    """Write atomically, then drop index files of other versions of the library."""
    state, arrays = cached
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        marshalfile.write(path, (_FORMAT, path.name, len(state[1]), state), arrays)
        for other in chain(path.parent.glob("search-*.idx"), path.parent.glob(".search-*.tmp")):
            if other != path:
                try:
                    other.unlink()
                except OSError:
                    pass
    except OSError:
        pass  # a cache we cannot write is only a slower start next time
