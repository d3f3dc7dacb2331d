"""Search speed at N papers: index build, per-keystroke latency, and a naive baseline.

    python bench/search.py [--n 100000] [--naive-sample 12]

Builds an N-paper library from the real titles and abstracts in ../shared/corpora
(bench/corpus.py), builds the index (cold: no cache; then again from a cache on
disk), types each query below one keystroke at a time (each keystroke passing
the previous result, as the app does) and times every search. The naive baseline,
`rapidfuzz.process.extract(query, title+" "+abstract, scorer=WRatio, limit=10)`,
runs in the same process over the same texts on a sample of the same keystrokes
(it takes seconds a call at 100k). The typed set ends with descriptions, which
no paper matches word for word: their keystrokes include the closest matches.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.corpus import library, seed_papers  # noqa: E402
from reader.models import BLANK_STATE  # noqa: E402
from reader.search import SearchIndex  # noqa: E402

QUERIES = [
    "transformer",
    "diffusion model",
    "large language model reasoning",
    "tranformer atention",
    "reinforcement learning from human feedback",
    "graph neural network",
    "vision language model benchmark",
    "retrieval augmented generation",
    "mixture of experts",
    "speculative decoding",
    "3d gaussian splatting",
    "neural radiance field",
    "contrastive learning",
    "text-to-image",
    "quantization llm",
    "chain of thought",
    '"in-context learning"',
    "video diffusion -survey",
    "lora fine-tuning",
    "protein structure prediction",
    "robot manipulation policy",
    "hallucination detection",
    "code generation agent",
    "knowlege distilation",
    "segment anything",
    "sparse autoencoder",
    "author:hinton",
    "title:llama",
    "year:>=2025 agent",
    "multimodal | multi-modal",
    "has:code benchmark",
    "speech recognition",
    "reward model",
    "federated learning privacy",
    "time series forecasting",
    # descriptions in other words than the titles (Hugging Face ai_summary, title words out)
    "a new benchmark evaluates models physics grounded in visual scenarios revealing significant limitations",
    "introducing in vision language models vlms through visual operations like zoom in and select frame",
    "the use of carefully crafted hallucinations in a learning approach within the alignment procedure",
    "teaching a robot arm to pick up objects by watching people do it",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=12, help="keystrokes timed with the naive baseline")
    parser.add_argument("--workers", type=int, default=None, help="index build processes (default: CPU count)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--gc-freeze", action="store_true", help="gc.freeze() after loading, as an app may (made no difference here)"
    )
    args = parser.parse_args()

    papers = library(args.n, seed_papers())
    gc.collect()
    rss_library = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    state_of = lambda _id: BLANK_STATE  # noqa: E731

    with tempfile.TemporaryDirectory() as cache_dir:
        started = time.perf_counter()
        index = SearchIndex(papers, cache_dir=cache_dir, workers=args.workers)
        cold = time.perf_counter() - started
        del index
        gc.collect()
        started = time.perf_counter()
        index = SearchIndex(papers, cache_dir=cache_dir, workers=args.workers)
        warm = time.perf_counter() - started
        assert index.cache_hit
        cache_bytes = sum(f.stat().st_size for f in Path(cache_dir).iterdir())

    gc.collect()
    if args.gc_freeze:
        gc.freeze()
    load_before = os.getloadavg()[0]
    keystrokes: list[tuple[str, float, int, bool, bool]] = []
    for query in QUERIES:
        previous = None
        for end in range(1, len(query) + 1):
            text = query[:end]
            started = time.perf_counter()
            result = index.search(text, state_of, previous=previous)
            elapsed = time.perf_counter() - started
            keystrokes.append((text, elapsed, len(result.ids), result.error is not None, result.complete < len(result.ids)))
            previous = result
    latencies = [k[1] * 1000 for k in keystrokes]
    closest = [k[1] * 1000 for k in keystrokes if k[4]]
    rss_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # The same keystrokes again, through the naive scan (a sample: it is slow).
    from rapidfuzz import fuzz, process

    texts = [p.title + " " + p.abstract for p in papers]
    rng = random.Random(args.seed)
    sample = rng.sample(range(len(keystrokes)), min(args.naive_sample, len(keystrokes)))
    naive_ms: list[float] = []
    ours_ms: list[float] = []
    for i in sample:
        text = keystrokes[i][0]
        started = time.perf_counter()
        process.extract(text, texts, scorer=fuzz.WRatio, limit=10)
        naive_ms.append((time.perf_counter() - started) * 1000)
        ours_ms.append(keystrokes[i][1] * 1000)

    slowest = sorted(keystrokes, key=lambda k: -k[1])[:5]
    report = {
        "papers": len(papers),
        "abstract_chars": sum(len(p.abstract) for p in papers),
        "cpus": os.cpu_count(),
        "load_average_1min_at_start": round(load_before, 2),
        "gc_freeze": args.gc_freeze,
        "index_build_cold_s": round(cold, 3),
        "index_build_from_cache_s": round(warm, 3),
        "index_cache_mb": round(cache_bytes / 2**20, 1),
        "queries": len(QUERIES),
        "keystrokes": len(keystrokes),
        "keystrokes_with_hint": sum(1 for k in keystrokes if k[3]),
        "keystrokes_with_closest_matches": sum(1 for k in keystrokes if k[4]),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 2),
            "p95": round(percentile(latencies, 0.95), 2),
            "max": round(max(latencies), 2),
            "mean": round(statistics.fmean(latencies), 2),
        },
        "latency_ms_keystrokes_with_closest_matches": {
            "p50": round(statistics.median(closest), 2) if closest else None,
            "p95": round(percentile(closest, 0.95), 2) if closest else None,
        },
        "slowest_keystrokes": [{"text": k[0], "ms": round(k[1] * 1000, 1), "hits": k[2]} for k in slowest],
        "naive_baseline": {
            "call": "rapidfuzz.process.extract(q, title+' '+abstract, scorer=fuzz.WRatio, limit=10)",
            "sampled_keystrokes": len(sample),
            "note": "a sample of the keystrokes above (one naive call takes seconds at 100k); "
            "'ours_ms_same_keystrokes' is ours on exactly those keystrokes",
            "naive_ms": {
                "p50": round(statistics.median(naive_ms), 1),
                "p95": round(percentile(naive_ms, 0.95), 1),
                "max": round(max(naive_ms), 1),
                "mean": round(statistics.fmean(naive_ms), 1),
            },
            "ours_ms_same_keystrokes": {
                "p50": round(statistics.median(ours_ms), 2),
                "mean": round(statistics.fmean(ours_ms), 2),
            },
            "speedup_mean": round(statistics.fmean(naive_ms) / statistics.fmean(ours_ms), 1),
            "speedup_naive_p50_vs_our_p50_all_keystrokes": round(statistics.median(naive_ms) / statistics.median(latencies), 1),
        },
        "peak_rss_mb": {"library_only": round(rss_library), "library_and_index": round(rss_peak)},
        "targets": {
            "p95_ms_le_50": percentile(latencies, 0.95) <= 50,
            "speedup_ge_10x": statistics.fmean(naive_ms) / statistics.fmean(ours_ms) >= 10,
            "index_ready_le_3s_from_cache": warm <= 3,
            "index_ready_le_3s_cold_build": cold <= 3,
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
