"""Related papers: the papers most like one paper by the words of their titles and abstracts.

A paper is a tf-idf vector over its words (split as search splits them, by
`reader.words.fold`): weight = (1 + ln tf) * ln((N + 1) / df), a title word
counting as `_TITLE_WEIGHT` occurrences. Stop words, numbers, single letters and
words only one paper has carry no weight. Two papers' score is the cosine of their
vectors (0..1); the shared words that add most to it say why they are related.

Scoring every paper against the asked one takes seconds at 100k, so it goes in two steps:
- candidates: an inverted index (word -> array of paper numbers) over the words in
  at most `_MAX_DF` papers, the ones that tell papers apart. The asked paper's
  heaviest words walk their postings; a paper met gains the word's weight times its
  idf, scaled by the length of that paper's own vector of indexed words.
- the best `_CANDIDATES` of them are scored exactly, from their text.
Words in more papers than that still count in every exact score; they are only
kept out of the index (found from a sample): at 100k papers they would double its
size and make one word's walk up to 20x as long, and they rarely decide which
papers are the closest.

Nothing here imports Textual; an index is safe to share between threads.
"""

from __future__ import annotations

import heapq
import math
import threading
from array import array
from collections import Counter, defaultdict, deque
from collections.abc import Iterable, MutableSequence, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import filterfalse, repeat
from operator import add, mul, setitem

from reader.models import Paper
from reader.papertable import Papers, in_order
from reader.words import fold

__all__ = ["Related", "RelatedIndex", "STOP_WORDS"]

# A title is the authors' own summary of what the paper is about: its words say
# more about the topic than one more mention in the abstract, but not so much that
# papers with similar titles and unrelated abstracts come first.
_TITLE_WEIGHT = 2
_MAX_DF = 3000  # words in more papers are not indexed: a walk reads at most this many
_SAMPLE = 5000  # papers read to find those words in a large library
_QUERY_TERMS = 30  # the asked paper's heaviest indexed words look for candidates
_CANDIDATES = 200  # scored exactly (5 per result if more are asked)
_SHARED_TERMS = 5

# Function words, and the words of any abstract's boilerplate. In a large library
# idf makes them light anyway; in one of a few hundred papers it cannot.
STOP_WORDS = frozenset(
    """
    a about above across after again against all almost along also although always am among an and
    another any are around as at be because been before being below between both but by can cannot
    could did do does doing done down due during each either else etc even ever every few for from
    further had has have having he her here hers him his how however i if in into is it its itself
    just least less like made make makes many may me might more most much must my neither no nor not
    now of off often on once one only or other others otherwise our ours out over own per rather
    same she should since so some such than that the their theirs them then there therefore these
    they this those though through thus to too under until up upon us very via was we well were what
    when where whether which while who whom whose why will with within without would yet you your
    achieve achieved achieves approach approaches based compared conduct demonstrate demonstrates
    despite effective effectiveness existing experiment experiments extensive furthermore introduce
    introduces key method methods new novel offer offers outperform outperforms paper present
    propose proposed provide recent recently remains results several show shows significant
    significantly state strong study superior using various work
    """.split()
)


@dataclass(frozen=True, slots=True)
class Related:
    """A paper like the asked one: the cosine `score` (0..1) of their words, and the
    words they share that add most to it, most first."""

    paper_id: str
    score: float
    shared_terms: tuple[str, ...]


class RelatedIndex:
    """Answers `related(paper_id)` for the papers it was built from (and `add`ed).

    Building reads every title and abstract (about 5 s of CPU at 100k papers): build
    it in a worker. A question takes ~25 ms at 100k (`bench/related.py`).
    """

    def __init__(self, papers: Iterable[Paper]):
        """`papers`: a table's (`papertable.Papers`) are read as asked for and never
        held, each paper its own (at 1M papers, held they took 3.5 GB); of any others
        a later copy of an id wins."""
        self._lock = threading.Lock()
        self._papers: MutableSequence[Paper]
        if isinstance(papers, Papers):
            self._papers, self._ids = in_order(papers, range(len(papers))), papers.ids()
        else:
            self._papers = list({p.id: p for p in papers}.values())
            self._ids = [p.id for p in self._papers]
        self._docno = {paper_id: d for d, paper_id in enumerate(self._ids)}
        # word -> estimated share of papers, for the usable words in more than _MAX_DF
        self._common_share = _common_shares(self._papers)
        self._unindexed = STOP_WORDS | frozenset(self._common_share)
        postings: defaultdict[str, array] = defaultdict(partial(array, "i"))
        get, append, unindexed = postings.__getitem__, array.append, self._unindexed.__contains__
        for docno, paper in enumerate(self._papers):  # C-level maps: this loop is most of the build
            words = set(filterfalse(unindexed, _text(paper).split()))
            deque(map(append, map(get, words), repeat(docno)), maxlen=0)
        # A word only one paper has carries no weight (it cannot relate two papers) but is
        # kept: `add` may bring a second one.
        self._postings = {w: docs for w, docs in postings.items() if _usable(w)}
        self._idf = self._idfs()
        self._inverse_norm = self._inverse_norms()

    def __len__(self) -> int:
        return len(self._papers)

    # --- questions -------------------------------------------------------------------

    def related(self, paper_id: str, limit: int = 10) -> list[Related]:
        """The `limit` papers most like `paper_id`, best first (equal scores: by id),
        never the paper itself; [] for a paper with no usable words.

        Raises KeyError for an id the index does not have."""
        with self._lock:
            docno = self._docno[paper_id]
            return self._most_like(self._vector(self._papers[docno]), docno, limit)

    def similar_to_text(self, text: str, limit: int = 10) -> list[Related]:
        """The `limit` papers most like `text` (a pasted abstract, a sentence), as
        `related` finds them for a paper: the text is a vector like a paper's."""
        with self._lock:
            counts = Counter(fold(text).split())
            return self._most_like(self._weights(counts), None, limit)

    def telling_words(self, text: str) -> frozenset[str]:
        """The words of `text` that weigh in `similar_to_text`: those a paper like
        it has are words they share (what a `~text` search highlights in its rows)."""
        with self._lock:
            return frozenset(self._weights(Counter(fold(text).split())))

    def _most_like(self, query: dict[str, float], docno: int | None, limit: int) -> list[Related]:
        if not query or limit <= 0:
            return []
        query_norm = math.sqrt(math.fsum(w * w for w in query.values()))
        found = []
        for other in self._candidates(query, docno, max(_CANDIDATES, 5 * limit)):
            vector = self._vector(self._papers[other])
            # (-contribution, word): sorted, the words that explain most come first
            shared = sorted((-query[w] * vector[w], w) for w in query.keys() & vector.keys())
            if shared:
                # fsum rounds exactly whatever the set's order: equal papers tie exactly
                norms = query_norm * math.sqrt(math.fsum(w * w for w in vector.values()))
                score = min(1.0, -math.fsum(c for c, _ in shared) / norms)
                found.append(Related(self._ids[other], score, tuple(w for _, w in shared[:_SHARED_TERMS])))
        found.sort(key=lambda r: (-r.score, r.paper_id))
        return found[:limit]

    def _candidates(self, query: dict[str, float], docno: int | None, count: int) -> list[int]:
        indexed = sorted((w for w in query if w in self._postings), key=lambda w: (-query[w], w))
        gained: dict[int, float] = {}
        get = gained.get
        for word in indexed[:_QUERY_TERMS]:
            gain = query[word] * self._idf[word]
            for other in self._postings[word]:
                gained[other] = get(other, 0.0) + gain
        if docno is not None:  # never the asked paper itself
            gained.pop(docno, None)
        inverse = self._inverse_norm
        return heapq.nlargest(count, gained, key=lambda d: gained[d] * inverse[d])

    def _vector(self, paper: Paper) -> dict[str, float]:
        """`paper`'s tf-idf weights (not normalised), for its words that carry any."""
        return self._weights(Counter(fold(paper.abstract).split() + fold(paper.title).split() * _TITLE_WEIGHT))

    def _weights(self, counts: Counter[str]) -> dict[str, float]:
        # ln(e * tf) = 1 + ln tf; C-level maps: 200 exact vectors are most of a question
        tf_weights = map(math.log, map(math.e.__mul__, counts.values()))
        weights = map(mul, tf_weights, map(self._idf.get, counts, repeat(0.0)))
        return {word: weight for word, weight in zip(counts, weights, strict=True) if weight}

    def _idfs(self) -> dict[str, float]:
        """ln((N + 1) / df) of every word that carries weight."""
        total = len(self._papers)
        idf = {w: math.log((total + 1) / len(docs)) for w, docs in self._postings.items() if len(docs) > 1}
        idf.update((w, math.log((total + 1) / (share * total))) for w, share in self._common_share.items())
        return idf

    def _inverse_norms(self) -> array:
        """1 / the length of each paper's vector of indexed words (idf, tf taken as 1),
        so that a long abstract does not become a candidate by its length alone."""
        squares = [0.0] * len(self._papers)
        for word, idf in self._idf.items():
            docs = self._postings.get(word, ())
            weight = idf**2
            # squares[d] += weight for each d in docs, at C speed
            sums = map(add, map(squares.__getitem__, docs), repeat(weight))
            deque(map(setitem, repeat(squares), docs, sums), maxlen=0)
        return array("d", (1 / math.sqrt(s) if s else 0.0 for s in squares))

    # --- updating --------------------------------------------------------------------

    def add(self, papers: Iterable[Paper]) -> None:
        """Index papers imported after the build, or new facts (same id) of known ones.

        Cheap, and close to a fresh build while the library grows by a fraction of
        itself: which words are too common to index stays as the build found it."""
        with self._lock:
            added: dict[int, list[str]] = {}
            for paper in {p.id: p for p in papers}.values():
                docno = self._docno.get(paper.id)
                if docno is None:
                    docno = self._docno[paper.id] = len(self._papers)
                    self._papers.append(paper)
                    self._ids.append(paper.id)
                    self._inverse_norm.append(0.0)
                else:
                    for word in set(_text(self._papers[docno]).split()) - self._unindexed:
                        docs = self._postings.get(word)
                        if docs is not None and docno in docs:
                            docs.remove(docno)
                    self._papers[docno] = paper
                words = [w for w in set(_text(paper).split()) - self._unindexed if _usable(w)]
                for word in words:
                    self._postings.setdefault(word, array("i")).append(docno)
                added[docno] = words
            self._idf = self._idfs()
            for docno, words in added.items():
                squares = math.fsum(self._idf.get(w, 0.0) ** 2 for w in words)
                self._inverse_norm[docno] = 1 / math.sqrt(squares) if squares else 0.0


def _text(paper: Paper) -> str:
    return fold(f"{paper.title} {paper.abstract}")


def _usable(word: str) -> bool:
    return len(word) > 1 and not word.isdigit() and word not in STOP_WORDS


def _common_shares(papers: Sequence[Paper]) -> dict[str, float]:
    """The usable words in more than `_MAX_DF` papers, with the share of papers that
    have them, estimated from an even sample."""
    if len(papers) <= _MAX_DF:
        return {}
    sample = papers[:: max(1, len(papers) // _SAMPLE)]
    counts: Counter[str] = Counter()
    for paper in sample:
        counts.update(set(_text(paper).split()))
    cut = _MAX_DF * len(sample) / len(papers)
    return {word: n / len(sample) for word, n in counts.items() if n > cut and _usable(word)}
