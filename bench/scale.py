"""Scale figures at N papers: first paint, load, bookmark persistence, list replace, import, RSS.

    python bench/scale.py [--sizes 1000,100000] [--rounds 9]

For each size N this builds N distinct papers from the real titles/abstracts in
../shared/corpora (bench/corpus.py: real papers first, then varied copies), each
given a distinct fake-but-valid arXiv id (yymm.NNNNN over several yymm prefixes)
and a distinct title, and then:

- writes the papers as JSON-lines in the Hugging Face daily_papers item shape and
  times `reader --home <fresh temp home> import <file>` (the console script). A
  fresh home first gets the bundled seed dumps (Library.open(seed=True)), so that
  time is inside the figure, as it is for a person's first import; the import
  also writes the snapshot and the search index cache.
- starts the app on that home in a separate child process
  (`ReaderApp(home).run_test()`, headless, 80x24), timing from just before the
  spawn: first_paint_s (the App's Ready event: DOM ready and first frame
  displayed) and loaded_s (app.library set and the list given every paper: marked
  in the app's own handler, not by polling, which would take turns with the
  loading thread and slow what it measures);
  peak_rss_mb (ru_maxrss of the child once loaded, and at its end);
  bookmark_persist_ms (50 `library.set_bookmarked` calls on the loaded library,
  each returning after fsync);
  replace_ms (PaperList.show: N -> 10 -> N, each followed by one `pilot.pause()`).
  `pilot.pause()` waits for CPU idle and never returns in under ~20 ms
  (textual._wait.SLEEP_GRANULARITY), so the figure also carries that floor; the
  script reports the bare pause next to it, and `replace_paint_ms`: show() then
  `pilot.pause(0)`, which runs the screen's layout/compositor update synchronously
  (the work a replace costs, without the idle wait). The 10 ms target is judged
  on the median of replace_paint_ms, both directions together, as the bookmark
  target is on a median: on a shared machine the slowest of a few rounds is
  mostly the neighbours' doing. The maximum is reported beside it.
- starts the app once more on a home holding only library.json (written through
  reader.store, its snapshot removed, no index cache): loaded_without_caches_s and
  peak_rss_without_caches_mb, the start after a library.json from elsewhere.

Prints one JSON object to stdout; progress goes to stderr.
"""

from __future__ import annotations

import argparse
import compileall
import dataclasses
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpus import library as corpus_library  # noqa: E402
from bench.corpus import seed_papers  # noqa: E402
from reader.models import Paper, normalise_title  # noqa: E402
from reader.snapshot import SNAPSHOT_FILE  # noqa: E402
from reader.store import Store  # noqa: E402

VENV_BIN = Path(sys.executable).parent
READER = VENV_BIN / "reader"

TARGETS = {
    "first_paint_s": "<= 0.5",
    "loaded_s": "<= 1.5",
    "bookmark_persist_ms": "<= 15 and <= 1.5x the 1k figure",
    "replace_ms": "<= 10 (judged on the median of replace_paint_ms; replace_ms carries pilot.pause()'s ~20 ms idle wait)",
    "import_s": "<= 15",
    "peak_rss_mb": "<= 1024",
}

PER_MONTH = 20_000  # arXiv ids yymm.00001-yymm.20000, then the next month


def log(message: str) -> None:
    print(f"[scale] {message}", file=sys.stderr, flush=True)


def fake_arxiv_id(index: int) -> str:
    month = 2601 + index // PER_MONTH  # 2601..2612 then 2613 would be invalid: wrap the year
    yy, mm = divmod(month - 2601, 12)
    return f"{26 + yy:02d}{mm + 1:02d}.{index % PER_MONTH + 1:05d}"


def build_papers(n: int) -> list[Paper]:
    """n papers with distinct arXiv ids and distinct (normalised) titles, none a seed's title."""
    seeds = seed_papers()
    raw = corpus_library(n + len(seeds), first=seeds)[len(seeds) :]
    taken = {normalise_title(p.title) for p in seeds}
    papers = []
    for index, paper in enumerate(raw):
        title = paper.title
        key = normalise_title(title)
        variant = 2
        while key in taken or not key:
            title = f"{paper.title} (variant {variant})"
            key = normalise_title(title)
            variant += 1
        taken.add(key)
        arxiv_id = fake_arxiv_id(index)
        papers.append(dataclasses.replace(paper, id=f"arxiv:{arxiv_id}", arxiv_id=arxiv_id, title=title))
    return papers


def write_hf_jsonl(papers: list[Paper], path: Path) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for p in papers:
            published = f"{p.published}T00:00:00.000Z" if p.published else "2026-01-01T00:00:00.000Z"
            item = {
                "paper": {
                    "id": p.arxiv_id,
                    "title": p.title,
                    "summary": p.abstract,
                    "authors": [{"name": a} for a in p.authors],
                    "publishedAt": published,
                    "upvotes": p.upvotes or 0,
                },
                "publishedAt": published,
                "title": p.title,
            }
            out.write(json.dumps(item, ensure_ascii=False))
            out.write("\n")


CHILD = r"""
import sys, time
t_start = time.monotonic()
import asyncio, json, random, resource, statistics
home, n, t_spawn, out = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
rounds = int(sys.argv[5])
from reader.app import ReaderApp
from reader.screens.main import MainScreen
from reader.widgets.paper_list import PaperList
t_imported = time.monotonic()
marks = {}

class BenchApp(ReaderApp):
    def on_ready(self) -> None:
        marks.setdefault("ready", time.monotonic())

shown = MainScreen.on_search_done

def on_search_done(self, done) -> None:
    shown(self, done)
    if len(self.query_one(PaperList).ids) == len(self.library) >= n:
        marks.setdefault("loaded", time.monotonic())
        loaded.set()

MainScreen.on_search_done = on_search_done

def rss_mb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so the child
    # would report the bench's own peak (it holds the 100k papers it built).
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

async def main():
    global loaded
    loaded = asyncio.Event()
    app = BenchApp(home=home)
    result = {}
    async with app.run_test(headless=True, size=(80, 24)) as pilot:
        marks["pilot"] = time.monotonic()
        try:
            await asyncio.wait_for(loaded.wait(), 240)
        except TimeoutError:
            raise SystemExit(f"not loaded after 240 s: on {type(app.screen).__name__}") from None
        result["rss_loaded_mb"] = rss_mb()
        await pilot.pause()
        papers = app.screen.query_one(PaperList)
        library = app.screen.library

        # bookmark persistence: 25 papers, each set then cleared: 50 fsynced writes
        rng = random.Random(3)
        ids = rng.sample(list(library.papers), 25)
        times = []
        for pid in ids:
            for value in (True, False):
                t = time.perf_counter()
                library.set_bookmarked(pid, value)
                times.append((time.perf_counter() - t) * 1000)
        result["bookmark_ms"] = times
        await pilot.pause()

        # replacing the result set
        full = papers.ids
        few = list(full[:10])
        baseline = []
        for _ in range(3):
            t = time.perf_counter()
            await pilot.pause()
            baseline.append((time.perf_counter() - t) * 1000)
        replace, paint, show_only = [], [], []
        for _ in range(rounds):
            for label, target in ((f"{n}->10", few), (f"10->{n}", full)):
                t = time.perf_counter()
                papers.show(target)
                await pilot.pause()
                replace.append((label, (time.perf_counter() - t) * 1000))
        for _ in range(rounds):
            for label, target in ((f"{n}->10", few), (f"10->{n}", full)):
                await pilot.pause()
                t = time.perf_counter()
                papers.show(target)
                t_show = time.perf_counter()
                await pilot.pause(0)
                paint.append((label, (time.perf_counter() - t) * 1000))
                show_only.append((label, (t_show - t) * 1000))
        assert len(papers.ids) == len(full)
        result.update(replace=replace, pause_baseline=baseline, paint=paint, show_only=show_only)
        result["rss_end_mb"] = rss_mb()
    result.update(t_spawn=t_spawn, t_start=t_start, t_imported=t_imported, **marks)
    with open(out, "w") as f:
        json.dump(result, f)

asyncio.run(main())
"""


def run_app_child(home: Path, n: int, rounds: int, workdir: Path) -> dict:
    out = workdir / "child.json"
    t_spawn = time.monotonic()  # CLOCK_MONOTONIC: the same clock in the child
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(home), str(n), repr(t_spawn), str(out), str(rounds)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=400,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"app child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def run_import(file: Path, workdir: Path, n: int) -> dict:
    home = workdir / "import-home"
    t = time.perf_counter()
    proc = subprocess.run(
        [str(READER), "--home", str(home), "import", str(file)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    wall = time.perf_counter() - t
    summary = proc.stdout.strip().splitlines()[-1] if proc.stdout.strip() else ""
    match = re.match(r"(\d+) new", summary)
    return {
        "import_s": round(wall, 3),
        "exit": proc.returncode,
        "summary": summary,
        "new": int(match.group(1)) if match else None,
        "all_distinct": bool(match) and int(match.group(1)) == n,
        "problems": [line for line in proc.stderr.splitlines() if line.startswith("problem")][:5],
    }


def by_label(pairs: list[list]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for label, value in pairs:
        out.setdefault(label, []).append(round(value, 2))
    return out


def measure(n: int, rounds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"reader-scale-{n}-") as tmp:
        workdir = Path(tmp)
        log(f"N={n}: building papers from the corpora")
        t = time.perf_counter()
        papers = build_papers(n)
        log(f"N={n}: {len(papers)} papers built in {time.perf_counter() - t:.1f} s")
        cold_home = workdir / "cold-home"
        Store(cold_home).save_papers(papers)
        (cold_home / SNAPSHOT_FILE).unlink()  # as a library.json written by another tool or version
        library_mb = (cold_home / "library.json").stat().st_size / 2**20
        jsonl = workdir / "daily_papers.jsonl"
        write_hf_jsonl(papers, jsonl)
        jsonl_mb = jsonl.stat().st_size / 2**20
        del papers
        log(f"N={n}: library.json {library_mb:.1f} MB, import file {jsonl_mb:.1f} MB; running `reader import`")

        imported = run_import(jsonl, workdir, n)
        log(f"N={n}: import {imported['import_s']} s ({imported['summary']}); starting the app child")

        # The everyday start: the home `reader import` made, with its snapshot and index cache.
        child = run_app_child(workdir / "import-home", n, rounds, workdir)
        spawn = child["t_spawn"]
        bookmark = child["bookmark_ms"]
        replace = child["replace"]
        paint = child["paint"]
        log(f"N={n}: app loaded in {child['loaded'] - spawn:.2f} s; starting it on a home with no caches")
        cold = run_app_child(cold_home, n, 1, workdir)
        log(f"N={n}: without caches, loaded in {cold['loaded'] - cold['t_spawn']:.2f} s")

        return {
            "papers": n,
            "library_json_mb": round(library_mb, 1),
            "import_file_mb": round(jsonl_mb, 1),
            "first_paint_s": round(child["ready"] - spawn, 3),
            "first_paint_detail_s": {
                "python_started": round(child["t_start"] - spawn, 3),
                "reader_app_imported": round(child["t_imported"] - spawn, 3),
                "run_test_yielded_pilot": round(child["pilot"] - spawn, 3),
            },
            "loaded_s": round(child["loaded"] - spawn, 3),
            "loaded_without_caches_s": round(cold["loaded"] - cold["t_spawn"], 3),
            "bookmark_persist_ms": round(statistics.median(bookmark), 2),
            "bookmark_persist_detail_ms": {
                "min": round(min(bookmark), 2),
                "p90": round(sorted(bookmark)[int(0.9 * len(bookmark))], 2),
                "max": round(max(bookmark), 2),
                "count": len(bookmark),
            },
            "replace_ms": by_label(replace),
            "replace_max_ms": round(max(v for _, v in replace), 2),
            "pause_alone_ms": [round(v, 2) for v in child["pause_baseline"]],
            "replace_paint_ms": by_label(paint),
            "replace_paint_median_ms": round(statistics.median(v for _, v in paint), 2),
            "replace_paint_max_ms": round(max(v for _, v in paint), 2),
            "show_call_only_max_ms": round(max(v for _, v in child["show_only"]), 2),
            "import_s": imported["import_s"],
            "import_detail": imported,
            "peak_rss_mb": round(child["rss_loaded_mb"], 1),
            "peak_rss_without_caches_mb": round(cold["rss_loaded_mb"], 1),
            "peak_rss_end_mb": round(child["rss_end_mb"], 1),
        }


def verdicts(results: dict[str, dict]) -> dict[str, dict]:
    first = results[min(results, key=int)]
    out = {}
    for size, r in results.items():
        ratio = r["bookmark_persist_ms"] / first["bookmark_persist_ms"] if first["bookmark_persist_ms"] else None
        out[size] = {
            "first_paint_s": r["first_paint_s"] <= 0.5,
            "loaded_s": r["loaded_s"] <= 1.5,
            "bookmark_persist_ms": r["bookmark_persist_ms"] <= 15 and (ratio is None or ratio <= 1.5),
            "bookmark_ratio_to_smallest": round(ratio, 2) if ratio is not None else None,
            "replace_ms": r["replace_paint_median_ms"] <= 10,
            "import_s": r["import_s"] <= 15 and r["import_detail"]["all_distinct"],
            "peak_rss_mb": r["peak_rss_mb"] <= 1024,
        }
    return out


def tmp_fs() -> str:
    """The temp dir's file system: fsync costs differ a lot between tmpfs, overlay and ext4."""
    tmp = os.path.realpath(tempfile.gettempdir())
    best = ("?", "")
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            _, point, kind, *_ = line.split()
            if (tmp == point or tmp.startswith(point.rstrip("/") + "/")) and len(point) >= len(best[1]):
                best = (kind, point)
    except OSError:
        pass
    return f"{tmp} on {best[0]} ({best[1]})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated paper counts")
    parser.add_argument("--rounds", type=int, default=9, help="N->10->N replace rounds")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    # The app's start as installed: with bytecode for reader/ (see the Makefile's
    # `compile`), not recompiling every module in each child.
    compileall.compile_dir(ROOT / "reader", quiet=1)
    started = time.perf_counter()
    results = {}
    for n in sizes:
        results[str(n)] = measure(n, args.rounds)
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "tmp_fs": tmp_fs()},
        "targets": TARGETS,
        "sizes": results,
        "meets_target": verdicts(results),
        "bench_wall_s": round(time.perf_counter() - started, 1),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
