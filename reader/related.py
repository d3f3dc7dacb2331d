"""Related papers: the papers most like one paper by the words of their titles and abstracts.

A paper is a tf-idf vector over its words (split as search splits them, by
`reader.words.fold`): weight = (1 + ln tf) * ln((N + 1) / df), a title word
counting as `_TITLE_WEIGHT` occurrences. Stop words, numbers, single letters and
words only one paper has carry no weight. Two papers' score is the cosine of their
vectors (0..1); the shared words that add most to it say why they are related.

Scoring every paper against the asked one takes seconds at 100k, so it goes in two steps:
- candidates: the asked paper's heaviest words that at most about `_MAX_DF` papers
  have (the ones that tell papers apart) walk the search index's postings of titles
  and abstracts (`Indexed`: nothing is inverted again; at 1M papers that took 39 s
  and 1.2 GB); a paper met gains the word's weight times its idf, scaled by the
  length of that paper's own vector of such words (an estimate that counts a word
  of both its title and abstract twice: it only chooses which papers are scored).
- the best `_CANDIDATES` of them are scored exactly, from their text.
Words in more papers than that still count in every exact score, by their share of
an even sample of the papers; they are never walked: one walk would read up to a
million postings, and they rarely decide which papers are the closest.

Nothing here imports Textual; an index is safe to share between threads.
"""

from __future__ import annotations

import heapq
import math
import threading
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import filterfalse, repeat
from operator import mul
from typing import Protocol

import numpy as np

from reader.models import Paper
from reader.words import fold

__all__ = ["Related", "RelatedIndex", "STOP_WORDS"]

# A title is the authors' own summary of what the paper is about: its words say
# more about the topic than one more mention in the abstract, but not so much that
# papers with similar titles and unrelated abstracts come first.
_TITLE_WEIGHT = 2
_MAX_DF = 3000  # words in more papers are never walked: a walk reads at most this many
_SAMPLE = 5000  # papers read to find those words in a large library
_NORMS_AT_ONCE = 1 << 23  # postings weighed at a time for the papers' vector lengths (64 MB of weights)
_QUERY_TERMS = 30  # the asked paper's heaviest walked words look for candidates
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


class Indexed(Protocol):
    """What related papers read of a library's search index (`SearchIndex` gives it):
    its documents are the papers, numbered as it numbers them."""

    @property
    def numbering(self) -> object:
        """Another object once the documents are numbered anew (a rebuild)."""
        ...

    def __len__(self) -> int: ...
    def with_word(self, word: str) -> np.ndarray:
        """The documents whose title or abstract has `word`, ascending."""
        ...

    def count_with_word(self, word: str) -> int:
        """len(with_word(word)), read more cheaply where it can be."""
        ...

    def paper_at(self, docno: int) -> Paper: ...
    def id_at(self, docno: int) -> str: ...
    def docno_of(self, paper_id: str) -> int | None: ...
    def text_postings(self) -> list[tuple[Sequence[str], np.ndarray, np.ndarray]]:
        """Each part of the titles' and abstracts' postings: words, offsets, documents."""
        ...


class RelatedIndex:
    """Answers `related(paper_id)` for the papers of a search index, as it goes on
    (call `add` with the papers it added or replaced, after it did).

    Made, it reads an even sample of the papers and weighs every posting of the
    titles and abstracts once (0.9 s at 1M papers): make it in a worker. A question
    takes ~30 ms at 100k and at 1M (`bench/related.py`).
    """

    def __init__(self, indexed: Indexed):
        self._lock = threading.Lock()
        self._indexed = indexed
        self._made()

    def _made(self) -> None:
        indexed = self._indexed
        self._numbering = indexed.numbering
        self._total = total = len(indexed)
        sample = [indexed.paper_at(d) for d in range(0, total, max(1, total // _SAMPLE))] if total > _MAX_DF else []
        # word -> estimated share of papers, for the usable words in more than _MAX_DF
        self._common_share = _common_shares(sample, total)
        self._unwalked = STOP_WORDS | frozenset(self._common_share)
        self._idf: dict[str, float] = {}  # of the words weighed so far (see _weights)
        self._inverse_norm = self._inverse_norms()

    @property
    def indexed(self) -> Indexed:
        return self._indexed

    def __len__(self) -> int:
        return len(self._indexed)

    # --- questions -------------------------------------------------------------------

    def related(self, paper_id: str, limit: int = 10) -> list[Related]:
        """The `limit` papers most like `paper_id`, best first (equal scores: by id),
        never the paper itself; [] for a paper with no usable words.

        Raises KeyError for an id the index does not have."""
        with self._lock:
            self._renumbered()
            docno = self._indexed.docno_of(paper_id)
            if docno is None:
                raise KeyError(paper_id)
            return self._most_like(self._vector(self._indexed.paper_at(docno)), docno, limit)

    def similar_to_text(self, text: str, limit: int = 10) -> list[Related]:
        """The `limit` papers most like `text` (a pasted abstract, a sentence), as
        `related` finds them for a paper: the text is a vector like a paper's."""
        with self._lock:
            self._renumbered()
            counts = Counter(fold(text).split())
            return self._most_like(self._weights(counts), None, limit)

    def telling_words(self, text: str) -> frozenset[str]:
        """The words of `text` that weigh in `similar_to_text`: those a paper like
        it has are words they share (what a `~text` search highlights in its rows)."""
        with self._lock:
            self._renumbered()
            return frozenset(self._weights(Counter(fold(text).split())))

    def _most_like(self, query: dict[str, float], docno: int | None, limit: int) -> list[Related]:
        if not query or limit <= 0:
            return []
        query_norm = math.sqrt(math.fsum(w * w for w in query.values()))
        found = []
        for other in self._candidates(query, docno, max(_CANDIDATES, 5 * limit)):
            vector = self._vector(self._indexed.paper_at(other))
            # (-contribution, word): sorted, the words that explain most come first
            shared = sorted((-query[w] * vector[w], w) for w in query.keys() & vector.keys())
            if shared:
                # fsum rounds exactly whatever the set's order: equal papers tie exactly
                norms = query_norm * math.sqrt(math.fsum(w * w for w in vector.values()))
                score = min(1.0, -math.fsum(c for c, _ in shared) / norms)
                found.append(Related(self._indexed.id_at(other), score, tuple(w for _, w in shared[:_SHARED_TERMS])))
        found.sort(key=lambda r: (-r.score, r.paper_id))
        return found[:limit]

    def _candidates(self, query: dict[str, float], docno: int | None, count: int) -> list[int]:
        walked = sorted((w for w in query if w not in self._unwalked), key=lambda w: (-query[w], w))
        gained: dict[int, float] = {}
        get = gained.get
        for word in walked[:_QUERY_TERMS]:
            gain = query[word] * self._idf[word]
            for other in self._indexed.with_word(word).tolist():
                gained[other] = get(other, 0.0) + gain
        if docno is not None:  # never the asked paper itself
            gained.pop(docno, None)
        inverse = self._inverse_norm
        return heapq.nlargest(count, gained, key=lambda d: gained[d] * inverse[d])

    def _vector(self, paper: Paper) -> dict[str, float]:
        """`paper`'s tf-idf weights (not normalised), for its words that carry any."""
        return self._weights(Counter(fold(paper.abstract).split() + fold(paper.title).split() * _TITLE_WEIGHT))

    def _weights(self, counts: Counter[str]) -> dict[str, float]:
        idf = self._idf
        for word in list(filterfalse(idf.__contains__, counts)):  # each word's idf is found once, then kept
            idf[word] = self._idf_of(word)
        # ln(e * tf) = 1 + ln tf; C-level maps: 200 exact vectors are most of a question
        tf_weights = map(math.log, map(math.e.__mul__, counts.values()))
        weights = map(mul, tf_weights, map(idf.__getitem__, counts))
        return {word: weight for word, weight in zip(counts, weights, strict=True) if weight}

    def _idf_of(self, word: str) -> float:
        """ln((N + 1) / df) of a word that carries weight, else 0."""
        share = self._common_share.get(word)
        if share is not None:
            return math.log((self._total + 1) / (share * self._total))
        if not _usable(word):
            return 0.0
        df = self._indexed.count_with_word(word)
        return math.log((self._total + 1) / df) if df > 1 else 0.0

    def _inverse_norms(self) -> array:
        """1 / the length of each paper's vector of walked words (idf, tf taken as 1),
        so that a long abstract does not become a candidate by its length alone. Weighed
        from the postings: a word of both title and abstract counts twice, in the idf
        too, and so do a replaced paper's old words (`_length` of one paper alike)."""
        parts = self._indexed.text_postings()
        total, unwalked = self._total, self._unwalked
        vocabulary, places = _one_vocabulary([words for words, _, _ in parts])
        df = np.zeros(len(vocabulary), dtype=np.int64)
        for (_, offsets, _), at in zip(parts, places, strict=True):
            df[at] += np.diff(offsets)
        walked = np.fromiter((w not in unwalked and _usable(w) for w in vocabulary), dtype=bool, count=len(vocabulary))
        idf_squared = np.zeros(len(vocabulary))
        weighed = walked & (df > 1)
        idf_squared[weighed] = np.log((total + 1) / df[weighed]) ** 2
        squares = np.zeros(total)
        for (words, offsets, documents), at in zip(parts, places, strict=True):
            weights = idf_squared[at]
            counts = np.diff(offsets)
            start = 0
            while start < len(words):  # a few million postings at a time: all at once, 1.2 GB of weights at 1M papers
                end = int(np.searchsorted(offsets, offsets[start] + _NORMS_AT_ONCE, side="right")) - 1
                end = min(len(words), max(end, start + 1))
                repeated = np.repeat(weights[start:end], counts[start:end])
                squares += np.bincount(documents[offsets[start] : offsets[end]], repeated, minlength=total)[:total]
                start = end
        inverse = np.divide(1.0, np.sqrt(squares), out=np.zeros(total), where=squares > 0)
        return array("d", inverse.tobytes())

    def _renumbered(self) -> None:
        """Made again if the search index numbered its documents anew (rebuilt, its cache
        damaged). Papers it added that `add` has not been told of yet are never candidates."""
        if self._indexed.numbering is not self._numbering:
            self._made()
        missing = len(self._indexed) - len(self._inverse_norm)
        if missing > 0:
            self._inverse_norm.extend(repeat(0.0, missing))

    # --- updating --------------------------------------------------------------------

    def add(self, papers: Iterable[Paper]) -> None:
        """Papers the search index added (or replaced: new facts of known ids) after
        this was made, once it has: their vectors' lengths, and every word's idf anew.
        Which words are too common to walk stays as the sample found it."""
        with self._lock:
            if self._indexed.numbering is not self._numbering:
                self._made()
                return
            self._total = len(self._indexed)
            self._idf.clear()
            inverse = self._inverse_norm
            inverse.extend(repeat(0.0, self._total - len(inverse)))
            for paper in {p.id: p for p in papers}.values():
                docno = self._indexed.docno_of(paper.id)
                if docno is not None:
                    length = self._length(paper)
                    inverse[docno] = 1 / length if length else 0.0

    def _length(self, paper: Paper) -> float:
        """The length of `paper`'s vector of walked words, as `_inverse_norms` estimates
        it: its title's and its abstract's words apart, a word of both counted twice."""
        squares = 0.0
        for text in (paper.title, paper.abstract):
            weights = self._weights(Counter(set(fold(text).split()) - self._unwalked))
            squares += math.fsum(w * w for w in weights.values())
        return math.sqrt(squares)


def _one_vocabulary(vocabularies: list[Sequence[str]]) -> tuple[Sequence[str], list[np.ndarray]]:
    """The words of all `vocabularies`, and where each one's words are in it. Parts read
    from the search index's file share one (1M words at 1M papers): it is taken as it is."""
    if all(words is vocabularies[0] for words in vocabularies):
        every = vocabularies[0] if vocabularies else []
        return every, [np.arange(len(every))] * len(vocabularies)
    merged = sorted(set().union(*vocabularies))
    place = {word: i for i, word in enumerate(merged)}
    return merged, [np.fromiter(map(place.__getitem__, words), dtype=np.int64, count=len(words)) for words in vocabularies]


def _text(paper: Paper) -> str:
    return fold(f"{paper.title} {paper.abstract}")


def _usable(word: str) -> bool:
    return len(word) > 1 and not word.isdigit() and word not in STOP_WORDS


def _common_shares(sample: Sequence[Paper], total: int) -> dict[str, float]:
    """The usable words in more than `_MAX_DF` of `total` papers, with the share of
    papers that have them, estimated from an even `sample` of them."""
    if total <= _MAX_DF or not sample:
        return {}
    counts: Counter[str] = Counter()
    for paper in sample:
        counts.update(set(_text(paper).split()))
    cut = _MAX_DF * len(sample) / total
    return {word: n / len(sample) for word, n in counts.items() if n > cut and _usable(word)}
