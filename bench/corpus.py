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
  of words, not 6 identical copies of each paper.
"""

from __future__ import annotations

import glob
import gzip
import json
import random
import re
from collections.abc import Iterator, Sequence
from datetime import date, timedelta
from pathlib import Path

from reader.models import Paper, Source, normalise_title, title_key

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
