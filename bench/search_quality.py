"""Search quality: queries with a known answer, hit@1 and hit@10, ours and naive.

    python bench/search_quality.py [--n 100000] [--naive-sample 4]

The targets are the 423 papers of the bundled seed dumps (data/). For each one:
- a title fragment (3-5 consecutive words) with one or two typos (delete, insert,
  substitute or swap a letter; never the first letter; only in words of 4+ letters,
  two typos in one word only if it has 8+ letters),
- its three most distinctive abstract words (fewest papers among the 423 have
  them; ties broken at random), as a plain three-word query.
Both kinds are run against the 423 papers alone and with those papers inside an
N-paper library (the rest from ../shared/corpora, see bench/corpus.py).

A third kind, "description", has targets nobody here wrote queries for: the Hugging
Face corpus gives a one-sentence `ai_summary` of 5,715 papers; the query is that
summary with the paper's name and every word of its title taken out (a memory of
what the paper did, in other words). Every 5th is held back (never looked at while
tuning) and reported on its own. They run against the real corpus papers alone
(the seeds and ../shared/corpora, no varied copies) and inside the N-paper library.
`--descriptions K` takes an even sample of K of them (all by default). The naive
baseline is `rapidfuzz.process.extract(q, title+" "+abstract, scorer=WRatio,
limit=10)`: all queries at 423, a sample at N (it takes seconds a query there).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import string
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import CORPORA, library, seed_papers  # noqa: E402
from reader.models import BLANK_STATE, Paper  # noqa: E402
from reader.search import SearchIndex  # noqa: E402
from reader.words import padded, words  # noqa: E402

_LETTERS = re.compile(r"[A-Za-z]+")


def typo(word: str, rng: random.Random) -> str:
    """One realistic slip inside the letters of `word` (the first letter kept)."""
    letters = [m for m in _LETTERS.finditer(word) if len(m.group()) >= 4]
    if not letters:
        return word
    core = max(letters, key=lambda m: len(m.group()))
    text = core.group()
    for _ in range(20):
        i = rng.randrange(1, len(text))
        op = rng.choice(("delete", "insert", "substitute", "swap"))
        if op == "delete":
            new = text[:i] + text[i + 1 :]
        elif op == "insert":
            new = text[:i] + rng.choice(string.ascii_lowercase) + text[i:]
        elif op == "substitute":
            new = text[:i] + rng.choice(string.ascii_lowercase.replace(text[i].lower(), "")) + text[i + 1 :]
        else:
            if i + 1 >= len(text) or text[i] == text[i + 1]:
                continue
            new = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if new.lower() != text.lower():
            return word[: core.start()] + new + word[core.end() :]
    return word


def title_query(paper: Paper, typos: int, rng: random.Random, titles: list[str]) -> str:
    """A run of 3-5 title words that no other title in the library has, with typos."""
    tokens = paper.title.replace('"', "").split()  # a quote would start a phrase
    windows = []
    for size in range(min(len(tokens), 3), min(len(tokens), 5) + 1):
        for start in range(0, len(tokens) - size + 1):
            windows.append(tokens[start : start + size])
    rng.shuffle(windows)
    windows.sort(key=len)
    window = list(tokens)
    for candidate in windows:
        needle = " " + " ".join(words(" ".join(candidate))) + " "
        if sum(1 for t in titles if needle in t) == 1:
            window = list(candidate)
            break
    eligible = [i for i, w in enumerate(window) if any(len(m) >= 4 for m in _LETTERS.findall(w))]
    if not eligible:
        return " ".join(window)
    if typos >= 2 and len(eligible) >= 2:
        for i in rng.sample(eligible, 2):
            window[i] = typo(window[i], rng)
    elif typos >= 2 and any(max(map(len, _LETTERS.findall(window[i]))) >= 8 for i in eligible):
        i = rng.choice([i for i in eligible if max(map(len, _LETTERS.findall(window[i]))) >= 8])
        # two typos in one word: the word keeps 8+ letters, as a two-typo budget needs
        for _ in range(20):
            twice = typo(typo(window[i], rng), rng)
            if max(map(len, _LETTERS.findall(twice))) >= 8:
                break
        window[i] = twice
    else:
        i = rng.choice(eligible)
        window[i] = typo(window[i], rng)
    return " ".join(window)


def abstract_query(paper: Paper, df: Counter, rng: random.Random) -> str:
    candidates = sorted({w for w in words(paper.abstract) if w.isalpha() and len(w) >= 4})
    rng.shuffle(candidates)
    candidates.sort(key=lambda w: df[w])
    return " ".join(candidates[:3])


def descriptions() -> list[tuple[str, str]]:
    """(query, paper id) from the Hugging Face corpus' `ai_summary`s, name and title words out."""
    import gzip

    found: dict[str, str] = {}
    with gzip.open(CORPORA / "hf-daily-papers" / "hf_daily_papers_all.jsonl.gz", "rt", encoding="utf-8") as stream:
        for line in stream:
            paper = json.loads(line).get("paper") or {}
            summary, title = paper.get("ai_summary"), paper.get("title")
            if not summary or not title or not paper.get("id") or f"arxiv:{paper['id']}" in found:
                continue
            name = title.split(":")[0] if ":" in title else ""
            taken = set(words(title)) | set(words(name))
            query = " ".join(w for w in words(summary) if w not in taken)
            if query:
                found[f"arxiv:{paper['id']}"] = query
    return [(query, paper_id) for paper_id, query in found.items()]


def _is_copy(paper: Paper) -> bool:
    """A varied copy of a corpus paper (bench/corpus.py suffixes its id)."""
    return "~" in paper.id


def evaluate(index: SearchIndex, queries: list[tuple[str, str]]) -> dict:
    hit1 = hit10 = 0
    latencies = []
    misses = []
    for text, target in queries:
        started = time.perf_counter()
        ids = index.search(text, lambda _id: BLANK_STATE, limit=10).ids
        latencies.append(time.perf_counter() - started)
        hit1 += bool(ids) and ids[0] == target
        hit10 += target in ids
        if target not in ids[:1] and len(misses) < 5:
            misses.append(text)
    latencies.sort()
    return {
        "queries": len(queries),
        "hit@1": round(hit1 / len(queries), 3),
        "hit@10": round(hit10 / len(queries), 3),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "examples_missed_at_1": misses,
    }


def evaluate_naive(papers: list[Paper], queries: list[tuple[str, str]]) -> dict:
    from rapidfuzz import fuzz, process

    texts = [p.title + " " + p.abstract for p in papers]
    hit1 = hit10 = 0
    started = time.perf_counter()
    for text, target in queries:
        ids = [papers[i].id for _, _, i in process.extract(text, texts, scorer=fuzz.WRatio, limit=10)]
        hit1 += bool(ids) and ids[0] == target
        hit10 += target in ids
    return {
        "queries": len(queries),
        "hit@1": round(hit1 / len(queries), 3),
        "hit@10": round(hit10 / len(queries), 3),
        "mean_ms": round((time.perf_counter() - started) / len(queries) * 1000, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=4, help="naive queries per kind in the large library")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--descriptions", type=int, default=0, help="an even sample of this many (0: all)")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    targets = seed_papers()
    papers = library(max(args.n, len(targets)), targets)
    # Fragments must name one paper: unique among all titles of the large library.
    titles = [padded(p.title) for p in papers]
    df = Counter(w for p in targets for w in set(words(p.abstract)))
    kinds = {
        "title_fragment_1_typo": [(title_query(p, 1, rng, titles), p.id) for p in targets],
        "title_fragment_2_typos": [(title_query(p, 2, rng, titles), p.id) for p in targets],
        "abstract_3_distinctive_words": [(abstract_query(p, df, rng), p.id) for p in targets],
    }
    described = descriptions()
    if args.descriptions:
        described = described[:: max(1, len(described) // args.descriptions)][: args.descriptions]
    present = {p.id for p in papers}
    described = [d for d in described if d[1] in present]
    tuning, held_back = [d for i, d in enumerate(described) if i % 5], described[::5]
    report: dict = {
        "targets": len(targets),
        "description_targets": {"tuning": len(tuning), "held_back": len(held_back)},
        "examples": {k: v[:3] for k, v in kinds.items()} | {"description": tuning[:3]},
    }

    small = SearchIndex(targets)
    report[f"library_{len(targets)}"] = {
        kind: {"ours": evaluate(small, queries), "naive": evaluate_naive(targets, queries)} for kind, queries in kinds.items()
    }

    started = time.perf_counter()
    large = SearchIndex(papers)
    report["large_index_build_s"] = round(time.perf_counter() - started, 2)
    sample_rng = random.Random(args.seed + 1)
    report[f"library_{len(papers)}"] = {
        kind: {
            "ours": evaluate(large, queries),
            "naive_sampled": evaluate_naive(papers, sample_rng.sample(queries, min(args.naive_sample, len(queries)))),
        }
        for kind, queries in kinds.items()
    }
    for kind, queries in (("description", tuning), ("description_held_back", held_back)):
        report[f"library_{len(papers)}"][kind] = {"ours": evaluate(large, queries)}
    del large
    real = [p for p in papers if not _is_copy(p)]
    real_index = SearchIndex(real)
    report[f"real_corpus_{len(real)}"] = {
        kind: {"ours": evaluate(real_index, queries)}
        for kind, queries in (("description", tuning), ("description_held_back", held_back))
    }
    both = [report[f"library_{len(targets)}"], report[f"library_{len(papers)}"]]
    report["targets_met"] = {
        "title_typo_hit@1_ge_0.95": all(
            b[k]["ours"]["hit@1"] >= 0.95 for b in both for k in ("title_fragment_1_typo", "title_fragment_2_typos")
        ),
        "abstract_words_hit@10_ge_0.95": all(b["abstract_3_distinctive_words"]["ours"]["hit@10"] >= 0.95 for b in both),
        "description_hit@10_ge_0.90_inside_n": report[f"library_{len(papers)}"]["description"]["ours"]["hit@10"] >= 0.90,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
