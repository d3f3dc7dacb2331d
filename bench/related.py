"""Related papers at N papers: index build, per-question latency, memory, and quality.

    python bench/related.py [--sizes 1000 100000] [--questions 200] [--exact 40]

For each size, builds an N-paper library from the real titles and abstracts in
../shared/corpora (bench/corpus.py) and its search index, makes `RelatedIndex` over
the index (timed: a library has the index already), asks `related(id, 10)` for
random papers (timed), then makes it again under tracemalloc for the memory it keeps
and its peak while made. Quality, two figures:
- `recall_at_10_vs_exact`: for `--exact` random papers, the share of the true
  10 highest cosines (every paper scored, by brute force) that `related` returns;
- `original_in_top10`: for varied copies of a corpus paper (bench/corpus.py `vary`:
  same words, shuffled title, rotated sentences, a few words mutated), how often
  the paper they were copied from is among the 10 answers.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import library, seed_papers  # noqa: E402
from reader.related import RelatedIndex  # noqa: E402
from reader.search import SearchIndex  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def exact_top10(index: RelatedIndex, papers: list, asked: list) -> list[set[str]]:
    """The ids of the 10 highest cosines to each asked paper, scoring every paper.

    Uses the index's own weights (`_vector`), so it checks the search, not the model."""
    vectors = [index._vector(p) for p in asked]
    norms = [math.sqrt(math.fsum(w * w for w in v.values())) for v in vectors]
    best: list[list[tuple[float, str]]] = [[] for _ in asked]
    for count, paper in enumerate(papers, 1):
        vector = index._vector(paper)
        if not vector:
            continue
        norm = math.sqrt(math.fsum(w * w for w in vector.values()))
        for query, query_norm, ask, found in zip(vectors, norms, asked, best, strict=True):
            shared = query.keys() & vector.keys()
            if shared and paper.id != ask.id:
                found.append((-math.fsum(query[w] * vector[w] for w in shared) / (norm * query_norm), paper.id))
        if count % 5000 == 0:
            for found in best:
                found.sort()
                del found[10:]
    return [{pid for _, pid in sorted(found)[:10]} for found in best]


def measure(size: int, questions: int, exact: int, seed: int) -> dict:
    papers = library(size, seed_papers())
    rng = random.Random(seed)
    search = SearchIndex(papers)
    gc.collect()

    started, cpu = time.perf_counter(), time.process_time()
    index = RelatedIndex(search)
    build_s, build_cpu_s = time.perf_counter() - started, time.process_time() - cpu

    latencies = []
    for paper in rng.sample(papers, min(questions, len(papers))):
        started = time.perf_counter()
        index.related(paper.id, 10)
        latencies.append((time.perf_counter() - started) * 1000)

    asked = rng.sample(papers, min(exact, len(papers)))
    truth = exact_top10(index, papers, asked) if asked else []
    hits = sum(len(want & {r.paper_id for r in index.related(p.id, 10)}) for p, want in zip(asked, truth, strict=True))
    wanted = sum(map(len, truth))

    copies = [p for p in papers if "~" in p.id]
    copies = rng.sample(copies, min(questions, len(copies)))
    original_found = sum(p.id.partition("~")[0] in {r.paper_id for r in index.related(p.id, 10)} for p in copies)

    del index
    gc.collect()
    tracemalloc.start()
    index = RelatedIndex(search)
    gc.collect()
    kept, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    return {
        "papers": len(index),
        "build_s": round(build_s, 2),
        "build_cpu_s": round(build_cpu_s, 2),
        "questions": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "max_ms": round(max(latencies), 1),
        "index_mb": round(kept / 2**20, 1),
        "build_peak_mb": round(peak / 2**20, 1),
        "recall_at_10_vs_exact": round(hits / wanted, 3) if wanted else None,
        "exact_questions": len(asked),
        "original_in_top10": round(original_found / len(copies), 3) if copies else None,
        "varied_copies_asked": len(copies),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--exact", type=int, default=40, help="papers checked against a brute-force scan")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    load = os.getloadavg()[0]
    results = [measure(size, args.questions, args.exact, args.seed) for size in args.sizes]
    largest = results[-1]
    report = {
        "cpus": os.cpu_count(),
        "load_average_1min_at_start": round(load, 2),
        "sizes": results,
        "targets": {
            "p95_ms_le_100_at_largest": largest["p95_ms"] <= 100,
            "max_ms_le_100_at_largest": largest["max_ms"] <= 100,
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
