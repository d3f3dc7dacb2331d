"""Two `reader import`s of N new papers each, started together: is any paper lost?

    python bench/concurrent_import.py [--papers 20000] [--trials 18]

Writes two Hugging Face daily_papers JSON-lines files of N distinct papers each
(distinct arXiv ids and titles; abstracts of ~150 words drawn with a fixed seed
from the seed library's vocabulary, so a file is about as large as a real one).
Each trial copies a home that already holds the bundled seed library (423
papers), starts `reader --home HOME import FILE` twice at once (the
console script, one file each), waits for both, and counts the papers in the
home's library.json: every trial should end with 423 + 2N. The count is read
with reader.store, as a fresh start of the app would.

Prints one JSON object: the totals, the load average at the end (the machine
may be shared), and per trial the papers found, how many were lost, and each
import's exit code, summary and wall time (seconds from the start of the trial
until it had ended: the second is collected after the first, so it is at least
the first's).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.scale import READER, fake_arxiv_id, write_hf_jsonl  # noqa: E402
from reader.library import Library  # noqa: E402
from reader.models import Paper  # noqa: E402
from reader.store import Store  # noqa: E402


def log(message: str) -> None:
    print(f"[concurrent-import] {message}", file=sys.stderr, flush=True)


def make_papers(count: int, vocabulary: list[str]) -> list[Paper]:
    draw = random.Random(20260613)
    papers = []
    for n in range(count):
        arxiv_id = fake_arxiv_id(n)
        title = f"{' '.join(draw.choices(vocabulary, k=6)).capitalize()} (paper {n})"
        abstract = " ".join(draw.choices(vocabulary, k=150)) + "."
        authors = tuple(f"{draw.choice(vocabulary).title()} {draw.choice(vocabulary).title()}" for _ in range(4))
        papers.append(
            Paper(
                id=f"arxiv:{arxiv_id}", title=title, abstract=abstract, authors=authors, arxiv_id=arxiv_id, published="2026-01-15"
            )
        )
    return papers


def run_trial(seeded: Path, files: list[Path], home: Path, expected: int) -> dict:
    shutil.copytree(seeded, home)
    started = time.perf_counter()
    imports = [
        subprocess.Popen(
            [str(READER), "--home", str(home), "import", str(file)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for file in files
    ]
    outcomes = []
    for process in imports:
        out, err = process.communicate(timeout=600)
        outcomes.append(
            {
                "exit": process.returncode,
                "summary": out.strip().splitlines()[-1] if out.strip() else "",
                "stderr": err.strip()[-300:],
                "wall_s": round(time.perf_counter() - started, 2),
            }
        )
    found = len(Store(home).load_papers())
    shutil.rmtree(home)
    return {"papers": found, "lost": expected - found, "imports": outcomes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=20_000, help="new papers in each of the two files")
    parser.add_argument("--trials", type=int, default=18)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reader-concurrent-import-") as tmp:
        workdir = Path(tmp)
        seeded = workdir / "seeded"
        library = Library.open(seeded)
        seeds = len(library)
        vocabulary = sorted({w for p in library.papers.values() for w in p.abstract.lower().split() if w.isalpha()})
        papers = make_papers(2 * args.papers, vocabulary)
        files = [workdir / "first.jsonl", workdir / "second.jsonl"]
        write_hf_jsonl(papers[: args.papers], files[0])
        write_hf_jsonl(papers[args.papers :], files[1])
        expected = seeds + 2 * args.papers
        trials = []
        for n in range(args.trials):
            trials.append(run_trial(seeded, files, workdir / "home", expected))
            log(f"trial {n + 1}/{args.trials}: {trials[-1]['papers']} papers, {trials[-1]['lost']} lost")
    lost = [t["lost"] for t in trials]
    report = {
        "papers_per_import": args.papers,
        "expected_papers": expected,
        "trials": len(trials),
        "trials_losing_papers": sum(1 for n in lost if n),
        "papers_lost_total": sum(lost),
        "imports_failed": sum(1 for t in trials for i in t["imports"] if i["exit"] != 0),
        "load_average": os.getloadavg(),
        "per_trial": trials,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
