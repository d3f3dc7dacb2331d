"""Real paper texts for the benches, read straight from ../shared/corpora and data/.

Self-contained on purpose (plain json/gzip, no reader.ingest): the benches must
measure search, not whichever importer is being written at the time.

- `corpus_papers()`: the unique papers of the Hugging Face daily-papers dump, the
  arXiv daily listing and the Kaggle sample (about 16,500 real titles/abstracts).
- `seed_papers()`: the 423 papers of the bundled seed dumps in data/ (the default
  library), with a small reader of that page-dump format.
- `library(n, ...)`: n papers: the seeds or corpus papers first, then varied copies
  of corpus papers (words shuffled, sentences rotated, a few words mutated into new
  vocabulary, ids suffixed, dates moved), so a 100k library has a realistic spread
  of words, not 6 identical copies of each paper. (bench/search_quality.py is
  judged on these: they stay as they are.)
- `ScaleCorpus().items(n)`: n records for bench/scale.py (up to 1M and more), streamed as
  Hugging Face daily-papers items, never all in memory. See `HeapsVocabulary`: the
  vocabulary keeps growing as the real corpus's own does, so an index of 1M papers
  holds as many distinct words as 1M real papers would, not 16k papers' words.
"""

from __future__ import annotations

import glob
import gzip
import json
import math
import random
import re
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

from reader.models import Paper, Source, normalise_title, title_key
from reader.words import fold

ROOT = Path(__file__).resolve().parents[1]
CORPORA = ROOT.parent / "shared" / "corpora"
SEEDS = ROOT / "data"

_SPACES = re.compile(r"\s+")


def _clean(text: str) -> str:
    return _SPACES.sub(" ", text or "").strip()


def _hf() -> Iterator[Paper]:
    path = CORPORA / "hf-daily-papers" / "hf_daily_papers_all.jsonl.gz"
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        for position, line in enumerate(stream):
            item = json.loads(line)
            paper = item.get("paper") or {}
            if not isinstance(paper, dict) or not paper.get("id") or not paper.get("title"):
                continue
            authors = tuple(
                _clean(a.get("name", "")) for a in paper.get("authors") or () if isinstance(a, dict) and a.get("name")
            )
            links = tuple(url for url in (paper.get("githubRepo"), paper.get("projectPage")) if isinstance(url, str) and url)
            published = str(paper.get("publishedAt") or "")[:10] or None
            yield Paper(
                id=f"arxiv:{paper['id']}",
                title=_clean(paper["title"]),
                abstract=_clean(paper.get("summary") or ""),
                authors=authors,
                links=links,
                sources=(Source("hf_daily_papers_all.jsonl.gz", "hf-daily-json", position, item.get("_archive_date")),),
                arxiv_id=paper["id"],
                published=published,
                upvotes=int(paper.get("upvotes") or 0),
            )


def _arxiv_listing() -> Iterator[Paper]:
    for name in sorted(glob.glob(str(CORPORA / "arxiv-daily-listing" / "daily" / "*.jsonl.gz"))):
        day = Path(name).name[:10]
        with gzip.open(name, "rt", encoding="utf-8") as stream:
            for position, line in enumerate(stream):
                item = json.loads(line)
                if not item.get("id") or not item.get("title"):
                    continue
                yield Paper(
                    id=f"arxiv:{item['id']}",
                    title=_clean(item["title"]),
                    abstract=_clean(item.get("summary") or ""),
                    authors=tuple(_clean(a) for a in item.get("authors") or ()),
                    links=(item["abs"],) if item.get("abs") else (),
                    sources=(Source(Path(name).name, "arxiv-listing", position, day),),
                    arxiv_id=item["id"],
                    categories=tuple(item.get("categories") or ()),
                    published=day,
                )


def _kaggle() -> Iterator[Paper]:
    path = CORPORA / "arxiv-kaggle-snapshot-sample" / "arxiv-metadata-oai-snapshot.head200.json"
    with open(path, encoding="utf-8") as stream:
        for position, line in enumerate(stream):
            item = json.loads(line)
            yield Paper(
                id=f"arxiv:{item['id']}",
                title=_clean(item["title"]),
                abstract=_clean(item.get("abstract") or ""),
                authors=tuple(_clean(a) for a in (item.get("authors") or "").split(",") if a.strip()),
                sources=(Source(path.name, "kaggle-arxiv", position, None),),
                arxiv_id=item["id"],
                categories=tuple((item.get("categories") or "").split()),
                published=item.get("update_date"),
            )


def corpus_papers() -> list[Paper]:
    """Every unique real paper of the JSON corpora, in file order."""
    seen: dict[str, Paper] = {}
    for paper in (*_hf(), *_arxiv_listing(), *_kaggle()):
        if paper.id not in seen and paper.abstract:
            seen[paper.id] = paper
    return list(seen.values())


def seed_papers() -> list[Paper]:
    """The bundled seed dumps (Hugging Face papers page text): a title line, then its abstract line."""
    papers: dict[str, Paper] = {}
    for name in sorted(SEEDS.glob("*.txt")):
        lines = [line.strip() for line in name.read_text(encoding="utf-8").splitlines() if line.strip()]
        for position, (title, abstract) in enumerate(zip(lines, lines[1:], strict=False)):
            if 3 < len(title) < 300 and len(abstract) > 150:
                key = title_key(title)
                if key not in papers:
                    papers[key] = Paper(id=key, title=title, abstract=abstract, sources=(Source(name.name, "hf-page", position),))
    return list(papers.values())


_WORD = re.compile(r"[A-Za-z]{5,}")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def _mutate(word: str, rng: random.Random) -> str:
    """A plausible new word (a coinage, a compound, a typo in the paper): grows the vocabulary."""
    choice = rng.random()
    if choice < 0.4:
        return word + rng.choice(("ly", "ness", "ized", "former", "net", "gen", "ability", "ish", "al"))
    if choice < 0.7:
        return (
            word[: rng.randint(3, len(word))]
            + rng.choice(("x", "o", "a", "y", "z"))
            + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(1, 4)))
        )
    i = rng.randrange(len(word) - 1)
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def vary(paper: Paper, copy: int, rng: random.Random) -> Paper:
    """Copy number `copy` of `paper`: same kind of text, different enough to be its own paper."""
    title_words = paper.title.split()
    rng.shuffle(title_words)
    sentences = _SENTENCE.split(paper.abstract)
    if len(sentences) > 1:
        cut = rng.randrange(1, len(sentences))
        sentences = sentences[cut:] + sentences[:cut]
    abstract = " ".join(sentences)
    words = _WORD.findall(abstract)
    for word in rng.sample(words, min(len(words), max(1, len(words) // 40))):
        abstract = abstract.replace(word, _mutate(word, rng), 1)
    if title_words and rng.random() < 0.3:
        i = rng.randrange(len(title_words))
        if len(title_words[i]) >= 5 and title_words[i].isalpha():
            title_words[i] = _mutate(title_words[i], rng)
    authors = list(paper.authors)
    rng.shuffle(authors)
    published = paper.published
    if published and re.match(r"^\d{4}-\d{2}-\d{2}$", published):
        published = (date.fromisoformat(published) - timedelta(days=rng.randint(1, 2000))).isoformat()
    return Paper(
        id=f"{paper.id}~{copy}",
        title=" ".join(title_words),
        abstract=abstract,
        authors=tuple(authors),
        links=paper.links,
        sources=tuple(Source(s.file, s.format, s.position + copy * 100_000, s.date) for s in paper.sources),
        arxiv_id=None,
        categories=paper.categories,
        published=published,
        upvotes=paper.upvotes,
    )


def library(n: int, first: Sequence[Paper] = (), seed: int = 7) -> list[Paper]:
    """`first`, then real corpus papers not already among them, then varied copies, up to n papers."""
    rng = random.Random(seed)
    taken = {normalise_title(p.title) for p in first}
    taken_ids = {p.id for p in first}
    base = [p for p in corpus_papers() if normalise_title(p.title) not in taken and p.id not in taken_ids]
    papers = list(first[:n])
    papers.extend(base[: n - len(papers)])
    copy = 1
    while len(papers) < n:
        for paper in base:
            if len(papers) >= n:
                break
            papers.append(vary(paper, copy, rng))
        copy += 1
    return papers


# --- the scale corpus: real papers, then copies whose new words follow Heaps' law ---------

_SYLLABLES = tuple(
    c + v + e
    for c in ("b", "c", "d", "f", "g", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z", "tr", "st", "gr", "ph", "qu")
    for v in ("a", "e", "i", "o", "u", "y")
    for e in ("", "n", "r", "x")
)
_SENTENCE_TEMPLATES = (
    "We call the method {0} and compare it with {1} and {2}.",
    "Code and models for {0} are released, with {1} and {2} as baselines.",
    "{0} builds on {1}; unlike {2}, it needs no extra data.",
    "Experiments on {1} and {2} show that {0} generalises.",
)


def _words(text: str) -> list[str]:
    return fold(text).split()


class HeapsVocabulary:
    """New words for synthetic copies, as many as the real corpus's own growth says.

    Heaps' law: a text of T words holds about K * T**beta distinct ones. `beta` is
    fitted on the real corpus itself (the vocabulary of its first quarter against the
    whole), so copies beyond it keep bringing new words at the rate real papers do,
    slowing as real text does. New words are coined from syllables, sometimes with a
    version digit ("vorantix", "qupeln3"): arXiv's vocabulary grows by names of
    methods, models and data sets. Each copy also reuses two coined words, earlier
    ones more often (a word coined first is used more, as a famous model name is),
    so coined words have document frequencies from one to thousands, not all one.
    """

    def __init__(self, base: Sequence[Paper], rng: random.Random):
        self.rng = rng
        seen: set[str] = set()
        growth = []
        tokens = 0
        for paper in base:
            words = _words(paper.title + " " + paper.abstract)
            tokens += len(words)
            seen.update(words)
            growth.append((tokens, len(seen)))
        quarter_tokens, quarter_words = growth[len(growth) // 4]
        self.beta = math.log(len(seen) / quarter_words) / math.log(tokens / quarter_tokens)
        self.k = len(seen) / tokens**self.beta
        self.tokens = tokens
        self.known = seen
        self.coined: list[str] = []
        self.distinct = len(seen)

    def _coin(self) -> str:
        while True:
            word = "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(2, 4)))
            if self.rng.random() < 0.15:
                word += str(self.rng.randint(1, 9))
            if word not in self.known:
                self.known.add(word)
                self.coined.append(word)
                self.distinct += 1
                return word

    def words_for(self, tokens: int) -> tuple[list[str], list[str]]:
        """(new words, reused words) for a paper of `tokens` words."""
        self.tokens += tokens
        due = int(self.k * self.tokens**self.beta) - self.distinct
        new = [self._coin() for _ in range(max(0, due))]
        reused = [self.coined[int(len(self.coined) * self.rng.random() ** 3)] for _ in range(2)] if self.coined else []
        return new, reused


class ScaleCorpus:
    """Records for bench/scale.py: the real corpus papers (none with a title of
    `first`'s), then copies of them, each with its own arXiv id (yymm.NNNNN) and title.

    A copy c of a real paper has its sentences rotated c places, its authors rotated,
    its date moved back, and its title led by a name: a new or reused word of
    `vocabulary` ("Vorantix: <title>"), which also puts its words into one added
    sentence. `items` streams: 1M items take under a minute and little memory.
    """

    def __init__(self, first: Sequence[Paper] = (), seed: int = 7):
        self.rng = random.Random(seed)
        self.taken = {normalise_title(p.title) for p in first}
        self.base = [p for p in corpus_papers() if normalise_title(p.title) not in self.taken]
        self.vocabulary = HeapsVocabulary(self.base, self.rng)
        self._sentences = [_SENTENCE.split(p.abstract) for p in self.base]
        self._sizes = [len(p.title.split()) + len(p.abstract.split()) for p in self.base]

    def items(self, n: int) -> Iterator[dict]:
        """n Hugging Face daily-papers items (once: the vocabulary moves on)."""
        rng, taken = self.rng, self.taken
        for index in range(n):
            copy, which = divmod(index, len(self.base))
            paper = self.base[which]
            title, abstract, authors, published = paper.title, paper.abstract, list(paper.authors), paper.published
            if copy:
                new, reused = self.vocabulary.words_for(self._sizes[which] + 12)
                named = (new + reused + ["model"] * 3)[:3]
                title = f"{named[0].capitalize()}: {title}"
                parts = self._sentences[which]
                turn = copy % len(parts)
                added = rng.choice(_SENTENCE_TEMPLATES).format(*named)
                extra = f" Also: {', '.join(new[3:])}." if len(new) > 3 else ""
                abstract = " ".join(parts[turn:] + parts[:turn]) + " " + added + extra
                turn = copy % len(authors) if authors else 0
                authors = authors[turn:] + authors[:turn]
                if published and _DAY.match(published):
                    published = (date.fromisoformat(published) - timedelta(days=copy * 37 % 3000)).isoformat()
            key = normalise_title(title)
            variant = 2
            while key in taken or not key:
                title = f"{paper.title} (variant {variant})"
                key = normalise_title(title)
                variant += 1
            taken.add(key)
            arxiv_id = fake_arxiv_id(index)
            stamp = f"{published or '2026-01-01'}T00:00:00.000Z"
            yield {
                "paper": {
                    "id": arxiv_id,
                    "title": title,
                    "summary": abstract,
                    "authors": [{"name": a} for a in authors],
                    "publishedAt": stamp,
                    "upvotes": paper.upvotes or 0,
                },
                "publishedAt": stamp,
                "title": title,
            }


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
PER_MONTH = 20_000  # arXiv ids yymm.00001-yymm.20000, then the next month


def fake_arxiv_id(index: int) -> str:
    """A valid arXiv id, distinct for each index: 2601.00001, ..., then 2602.00001..."""
    yy, mm = divmod(index // PER_MONTH, 12)
    return f"{26 + yy:02d}{mm + 1:02d}.{index % PER_MONTH + 1:05d}"
