"""Scale figures at N papers, each figure of issue 18's table, as JSON.

    nice .venv/bin/python bench/scale.py --n 1k,10k,100k [--only STAGES] [--workdir DIR]

Run it under `nice`: it starts the app, imports and a terminal, and the machine is
shared. The stages, in order (`--only` picks some; each keeps what it makes in
the work folder, by default $TMPDIR/reader-scale/N, so a 1M run can go a stage at
a time and `--only keys` types into the home `import` made):

- corpus: N papers written as Hugging Face daily-papers JSON lines
  (bench/corpus.py `ScaleCorpus`: the real corpus papers, then copies whose new
  words follow the corpus's own Heaps' law curve, so the index holds as many
  distinct words as N real papers would). Kept while N, seed and format match.
- import: `reader --home <fresh home> import corpus.jsonl`: wall, the reader
  process's peak RSS (wait4), and the peak RSS of it and its index workers
  together (sampled every 0.2 s from /proc); any stderr line (a worker that
  failed says so there).
- start: the app on the imported home (paper file and index cache), headless
  (`ReaderApp.run_test`, 80x24) in a child process: first_paint_s (the App's Ready
  event), loaded_s (the list given every paper, marked in the app's own handler,
  not polled), rss_loaded_mb (VmHWM), search_ready_s (the search index ready:
  loaded_s where it was read back while loading; the rest of the stage waits for
  it), bookmark_persist_ms (50 fsynced bookmark writes), replace_paint_ms
  (PaperList.show N -> 10 -> N then one layout pass).
- cold: the same start on a home holding only a copy of library.json (no
  paper file, no index, no keys file): loaded_without_caches_s (the list, shown
  while the index is built) and the peak RSS then, search_ready_without_caches_s
  and the peak RSS once the index is built.
- api: in a child process, the library loaded and the typed set (bench/search.py's
  QUERIES, one keystroke at a time, each passing the previous result as the app
  does) searched: p50/p95/max ms, the count and first title each keystroke gives
  (what the keys stage waits for), and the index's vocabulary size.
- keys: keystroke to screen in a real terminal. The app runs in tmux (80x24);
  `/` focuses the search; each character is sent with `tmux send-keys` and the
  pane polled (`capture-pane`, about every 5 ms) until it shows that keystroke's
  result: the status line's "N shown" equal to the api stage's count (or, when a
  long message pushes the count off the line, the first row's title). A keystroke
  whose count is the previous one's is on screen at once; the figures are given
  over all keystrokes and over those that change the count. (At 100k the app was
  seen to show the count of the same search made without the previous result,
  which narrowing can change: either count is taken.) Ctrl+U clears
  the box between queries (not timed). `--keystrokes K` types only the first K
  (here and in the api stage: a 1M run of the whole set takes half an hour).
- cli: `reader --home H bookmark ID` (then `tag ID T`, and `bookmark --remove`
  to put it back), three runs each: wall and peak RSS (wait4).
- disk: the home's files, its total against library.json and its segments (the JSON record).
- day: a day's import into the imported home: 500 new papers made as the corpus's
  are (the next 500 of `ScaleCorpus`), imported by `reader import` into a copy of
  the home, then a second day's 500: wall and peak RSS (wait4) of each.

Every stage records the load average (1, 5, 15 min) before and after it.
Prints one JSON object to stdout (also kept as results.json in the work folder);
progress goes to stderr.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import orjson  # noqa: E402

from bench.corpus import ScaleCorpus, seed_papers  # noqa: E402

VENV_BIN = Path(sys.executable).parent
READER = VENV_BIN / "reader"
STAGES = ("corpus", "import", "start", "cold", "api", "keys", "cli", "disk", "day")
DAY = 500  # papers a day brings
CORPUS_FORMAT = 1  # bump when scale_items changes what it writes
SEED = 7

TARGETS = {  # issue 18, on this machine
    "keystroke_to_screen_p95_ms": "<= 100 at 1M, <= 50 at 100k",
    "search_api_p95_ms": "<= 60 at 1M, <= 30 at 100k",
    "loaded_s": "<= 1 at 1M",
    "loaded_without_caches_s": "<= 30 at 1M",
    "rss_loaded_mb": "<= 1024 at 1M",
    "import_peak_rss_mb": "<= 2048 at 1M",
    "import_s": "<= 60 at 1M",
    "cli_bookmark": "<= 0.3 s and <= 150 MB at 1M",
    "home_over_json": "<= 2",
}


def log(message: str) -> None:
    print(f"[scale] {message}", file=sys.stderr, flush=True)


def parse_count(text: str) -> int:
    """`1000`, `10k`, `1M`, `100_000`."""
    text = text.strip().replace("_", "").lower()
    scale = {"k": 1000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * scale)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def spread(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "p50": round(statistics.median(values), 1),
        "p95": round(percentile(values, 0.95), 1),
        "max": round(max(values), 1),
        "count": len(values),
    }


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# --- processes: wall, peak RSS of one process, peak RSS of its tree ----------------------


def _tree_rss_kb(pid: int) -> int:
    """VmRSS of `pid` and its descendants now (0 for any that are gone)."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status") as status:
                total += next((int(line.split()[1]) for line in status if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as children:
                    todo += [int(c) for c in children.read().split()]
        except (OSError, ValueError):
            pass
    return total


def timed(command: list[str], *, sample_tree: bool = False) -> dict:
    """Run `command`: its exit, stdout, stderr, wall seconds, its peak RSS and, with
    `sample_tree`, the peak of its tree's summed RSS (sampled every 0.2 s).

    The peak comes from /usr/bin/time (GNU time's %M), not from our own wait4:
    Linux carries a process's high-water RSS over fork and exec, so a child of
    this bench (which holds the corpus it wrote) would report at least the bench's
    own peak. time's process is small, so its child starts from nothing."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.NamedTemporaryFile("r") as peak:
        started = time.perf_counter()
        proc = subprocess.Popen(["/usr/bin/time", "-o", peak.name, "-f", "%M", *command], cwd=ROOT, stdout=out, stderr=err)
        peak_tree = [0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.2):
                peak_tree[0] = max(peak_tree[0], _tree_rss_kb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        if sample_tree:
            sampler.start()
        proc.wait()
        wall = time.perf_counter() - started
        done.set()
        if sample_tree:
            sampler.join()
        out.seek(0)
        err.seek(0)
        kb = int(peak.read().split()[-1])
        result = {
            "exit": proc.returncode,
            "wall_s": round(wall, 3),
            "peak_rss_mb": round(kb / 1024, 1),
            "stdout": out.read().decode(errors="replace"),
            "stderr": err.read().decode(errors="replace"),
        }
        if sample_tree:
            result["peak_rss_tree_mb"] = round(peak_tree[0] / 1024, 1)
        return result


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
indexed = MainScreen.on_index_ready

def search_ready(self) -> None:
    if self.library.index_ready:
        marks.setdefault("search_ready", time.monotonic())
        searchable.set()

def on_search_done(self, done) -> None:
    shown(self, done)
    if len(self.query_one(PaperList).ids) == len(self.library) >= n:
        marks.setdefault("loaded", time.monotonic())
        loaded.set()
        search_ready(self)

def on_index_ready(self, ready) -> None:
    indexed(self, ready)
    search_ready(self)

MainScreen.on_search_done = on_search_done
MainScreen.on_index_ready = on_index_ready

def rss_mb():
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss over fork and exec, so the child
    # would report the bench's own peak (it holds the 100k papers it built).
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

async def main():
    global loaded, searchable
    loaded, searchable = asyncio.Event(), asyncio.Event()
    app = BenchApp(home=home)
    result = {}
    async with app.run_test(headless=True, size=(80, 24)) as pilot:
        marks["pilot"] = time.monotonic()
        try:
            await asyncio.wait_for(loaded.wait(), 1500)
        except TimeoutError:
            raise SystemExit(f"not loaded after 1500 s: on {type(app.screen).__name__}") from None
        result["rss_loaded_mb"] = rss_mb()
        await asyncio.wait_for(searchable.wait(), 1500)
        result["rss_search_ready_mb"] = rss_mb()
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
        timeout=1800,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"app child failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(out.read_text())


def by_label(pairs: list[list]) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {}
    for label, value in pairs:
        out.setdefault(label, []).append(round(value, 2))
    return out


# --- the stages ---------------------------------------------------------------------------


class Run:
    """One size's work folder: the corpus, the imported home, what each stage found."""

    def __init__(self, n: int, workdir: Path, keystrokes: int | None, rounds: int):
        self.n, self.dir, self.keystrokes, self.rounds = n, workdir, keystrokes, rounds
        self.dir.mkdir(parents=True, exist_ok=True)
        self.corpus = self.dir / "corpus.jsonl"
        self.home = self.dir / "home"
        self.results_file = self.dir / "results.json"
        self.results: dict = json.loads(self.results_file.read_text()) if self.results_file.exists() else {}

    def stage(self, name: str) -> None:
        log(f"N={self.n}: {name}")
        before = load_average()
        started = time.perf_counter()
        figures = getattr(self, f"stage_{name}")()
        figures["stage_wall_s"] = round(time.perf_counter() - started, 1)
        figures["load_average"] = {"before": before, "after": load_average()}
        self.results[name] = figures
        self.results_file.write_text(json.dumps(self.results, indent=2))
        log(f"N={self.n}: {name} done in {figures['stage_wall_s']} s")

    def need(self, name: str) -> dict:
        if name not in self.results:
            self.stage(name)
        return self.results[name]

    def stage_corpus(self) -> dict:
        meta = {"papers": self.n, "seed": SEED, "format": CORPUS_FORMAT}
        kept = self.results.get("corpus", {})
        if self.corpus.exists() and all(kept.get(k) == v for k, v in meta.items()):
            return kept | {"reused": True}
        started = time.perf_counter()
        corpus = ScaleCorpus(seed_papers(), seed=SEED)  # a fresh home gets no seeds (import); titles kept apart anyway
        with open(self.corpus, "wb") as out:
            for item in corpus.items(self.n):
                out.write(orjson.dumps(item))
                out.write(b"\n")
        vocabulary = corpus.vocabulary
        return meta | {
            "reused": False,
            "seconds": round(time.perf_counter() - started, 1),
            "jsonl_mb": round(self.corpus.stat().st_size / 2**20, 1),
            "real_papers": len(corpus.base),
            "heaps_beta_fitted": round(vocabulary.beta, 3),
            "heaps_k_fitted": round(vocabulary.k, 3),
            "coined_words": len(vocabulary.coined),
            "distinct_words_expected": vocabulary.distinct,
        }

    def stage_import(self) -> dict:
        self.need("corpus")
        shutil.rmtree(self.home, ignore_errors=True)
        run = timed([str(READER), "--home", str(self.home), "import", str(self.corpus)], sample_tree=True)
        summary = run["stdout"].strip().splitlines()[-1] if run["stdout"].strip() else ""
        match = re.match(r"(\d+) new", summary)
        return {
            "command": f"reader --home {self.home} import {self.corpus}",
            "import_s": run["wall_s"],
            "import_peak_rss_mb": run["peak_rss_mb"],
            # sampled every 0.2 s: a short import's peak can fall between two samples
            "import_peak_rss_with_workers_mb": max(run["peak_rss_tree_mb"], run["peak_rss_mb"]),
            "exit": run["exit"],
            "summary": summary,
            "all_distinct": bool(match) and int(match.group(1)) == self.n,
            "stderr": run["stderr"].strip().splitlines()[:5],
        }

    def stage_start(self) -> dict:
        self.need("import")
        child = run_app_child(self.home, self.n, self.rounds, self.dir)
        spawn = child["t_spawn"]
        bookmark, paint = child["bookmark_ms"], child["paint"]
        return {
            "first_paint_s": round(child["ready"] - spawn, 3),
            "loaded_s": round(child["loaded"] - spawn, 3),
            "search_ready_s": round(child["search_ready"] - spawn, 3),
            "rss_loaded_mb": round(child["rss_loaded_mb"], 1),
            "rss_end_mb": round(child["rss_end_mb"], 1),
            "bookmark_persist_ms": round(statistics.median(bookmark), 2),
            "bookmark_persist_max_ms": round(max(bookmark), 2),
            "replace_paint_ms": by_label(paint),
            "replace_paint_median_ms": round(statistics.median(v for _, v in paint), 2),
        }

    def stage_cold(self) -> dict:
        self.need("import")
        cold = self.dir / "cold-home"
        shutil.rmtree(cold, ignore_errors=True)
        cold.mkdir()
        shutil.copyfile(self.home / "library.json", cold / "library.json")  # a copy: a link would change the ctime
        try:
            child = run_app_child(cold, self.n, 1, self.dir)
        finally:
            shutil.rmtree(cold, ignore_errors=True)
        return {
            "loaded_without_caches_s": round(child["loaded"] - child["t_spawn"], 3),
            "rss_loaded_without_caches_mb": round(child["rss_loaded_mb"], 1),
            "search_ready_without_caches_s": round(child["search_ready"] - child["t_spawn"], 3),
            "rss_search_ready_without_caches_mb": round(child["rss_search_ready_mb"], 1),
        }

    def stage_api(self) -> dict:
        self.need("import")
        out = self.dir / "api.json"
        run = timed([sys.executable, "-c", API_CHILD, str(self.home), str(out), str(self.keystrokes or 0)])
        if run["exit"] != 0:
            raise RuntimeError(f"api child failed:\n{run['stderr'][-3000:]}")
        found = json.loads(out.read_text())
        latencies = [k["ms"] for k in found["keystrokes"]]
        return {
            "search_api_ms": spread(latencies),
            "keystrokes": len(latencies),
            "vocabulary_words": found["vocabulary_words"],
            "load_s": found["load_s"],
            "rss_mb": run["peak_rss_mb"],
            "slowest": sorted(found["keystrokes"], key=lambda k: -k["ms"])[:5],
        }

    def stage_keys(self) -> dict:
        self.need("api")
        expected = json.loads((self.dir / "api.json").read_text())["keystrokes"]
        if self.keystrokes is not None:
            expected = expected[: self.keystrokes]
        return type_in_tmux(self.home, self.n, expected)

    def stage_cli(self) -> dict:
        self.need("import")
        paper_id = "arxiv:2601.00007"
        figures: dict = {}
        for label, args in (
            ("bookmark", ["bookmark", paper_id]),
            ("tag", ["tag", paper_id, "scale-bench"]),
            ("untag", ["untag", paper_id, "scale-bench"]),
            ("unbookmark", ["bookmark", "--remove", paper_id]),
        ):
            runs = [timed([str(READER), "--home", str(self.home), *args]) for _ in range(3 if label == "bookmark" else 1)]
            figures[label] = {
                "command": f"reader --home {self.home} {' '.join(args)}",
                "wall_s": [r["wall_s"] for r in runs],
                "peak_rss_mb": [r["peak_rss_mb"] for r in runs],
                "exit": [r["exit"] for r in runs],
            }
        return figures

    def stage_day(self) -> dict:
        self.need("import")
        days = [self.dir / "day-1.jsonl", self.dir / "day-2.jsonl"]
        corpus = ScaleCorpus(seed_papers(), seed=SEED)  # the same papers as the corpus's, then the days'
        items = corpus.items(self.n + DAY * len(days))
        for _ in range(self.n):
            next(items)
        for day in days:
            with open(day, "wb") as out:
                for _ in range(DAY):
                    out.write(orjson.dumps(next(items)))
                    out.write(b"\n")
        home = self.dir / "day-home"
        shutil.rmtree(home, ignore_errors=True)
        shutil.copytree(self.home, home)
        figures: dict = {"papers": DAY}
        for number, day in enumerate(days, 1):
            run = timed([str(READER), "--home", str(home), "import", str(day)])
            figures[f"day_{number}"] = {
                "command": f"reader --home {home} import {day}",
                "wall_s": run["wall_s"],
                "peak_rss_mb": run["peak_rss_mb"],
                "exit": run["exit"],
                "summary": run["stdout"].strip().splitlines()[-1] if run["stdout"].strip() else "",
                "stderr": run["stderr"].strip().splitlines()[:5],
                "load_average": load_average(),
            }
        return figures

    def stage_disk(self) -> dict:
        self.need("import")
        files = {str(p.relative_to(self.home)): p.stat().st_size for p in sorted(self.home.rglob("*")) if p.is_file()}
        total = sum(files.values())
        # The JSON record: library.json and its segments (library.d/*.json), if any.
        record = sum(
            size for name, size in files.items() if name == "library.json" or re.fullmatch(r"library\.d/[^/]+\.json", name)
        )
        return {
            "files_mb": {name: round(size / 2**20, 1) for name, size in files.items()},
            "home_mb": round(total / 2**20, 1),
            "library_json_mb": round(record / 2**20, 1),
            "home_over_json": round(total / record, 2) if record else None,
        }


API_CHILD = r"""
import json, sys, time
from reader.library import Library
from bench.search import QUERIES
home, out, limit = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
library = Library.open(home, seed=False)
index = library.index
loaded = time.perf_counter() - started
keystrokes = []
for query in QUERIES:
    previous = None
    for end in range(1, len(query) + 1):
        text = query[:end]
        t = time.perf_counter()
        result = library.search(text, previous=previous)
        ms = (time.perf_counter() - t) * 1000
        first = library.get(result.ids[0]).title if result.ids else None
        # The app has been seen to show the count of the search without `previous`
        # (narrowing can differ from it at 100k): either one counts as shown.
        alone = len(library.search(text).ids)
        keystrokes.append({"text": text, "ms": round(ms, 2), "count": len(result.ids), "alone": alone,
                           "error": result.error, "first": first})
        previous = result
        if len(keystrokes) == limit:
            break
    if len(keystrokes) == limit:
        break
with open(out, "w") as f:
    json.dump({"keystrokes": keystrokes, "vocabulary_words": len(index._vocab.words), "load_s": round(loaded, 2)}, f)
"""


# --- keystroke to screen, in tmux ------------------------------------------------------------

_SHOWN = re.compile(r"(\d+) shown\b")


def _tmux(*args: str) -> str:
    return subprocess.run(["tmux", *args], capture_output=True, text=True, check=True).stdout


def _screen(session: str) -> list[str]:
    return _tmux("capture-pane", "-p", "-t", session).splitlines()


def _shows(lines: list[str], want: dict) -> str | None:
    """How the screen shows `want` (a keystroke's expected result), if it does:
    'count' (the status line's "N shown"), else, a long message having pushed the
    count off the line, 'message' (the query's error) or 'title' (the first row);
    None if it does not yet."""
    status = lines[-2] if len(lines) >= 2 else ""  # the footer is the last line
    if found := _SHOWN.search(status):
        return "count" if int(found.group(1)) in (want["count"], want.get("alone")) else None
    if want["error"] and want["error"][:30] in status:
        return "message"
    if want["first"] and len(lines) > 1 and want["first"][:30] in lines[1]:
        return "title"
    return None


def _wait_for(session: str, want: dict, timeout: float) -> tuple[float | None, str | None, int]:
    started = time.perf_counter()
    polls = 0
    while (elapsed := time.perf_counter() - started) < timeout:
        polls += 1
        how = _shows(_screen(session), want)
        if how:
            return elapsed, how, polls
        time.sleep(0.005)  # polling a benchmark's screen, not a test: leave the app the CPU
    return None, None, polls


def _focus_search(session: str) -> None:
    """`/`, then wait until the search box looks focused (its colours change: the
    text alone does not, the placeholder stays)."""
    unfocused = _tmux("capture-pane", "-e", "-p", "-t", session).splitlines()[0]
    _tmux("send-keys", "-t", session, "/")
    deadline = time.perf_counter() + 60
    while _tmux("capture-pane", "-e", "-p", "-t", session).splitlines()[0] == unfocused:
        if time.perf_counter() > deadline:
            raise RuntimeError("`/` did not focus the search box")
        time.sleep(0.01)


def type_in_tmux(home: Path, n: int, expected: list[dict]) -> dict:
    session = f"reader-scale-{os.getpid()}"
    started = time.perf_counter()
    _tmux("new-session", "-d", "-s", session, "-x", "80", "-y", "24", f"{READER} --home {home}")
    try:
        everything = {"count": n, "first": None, "error": None}
        if _wait_for(session, everything, 1800)[0] is None:
            raise RuntimeError("the app never showed the whole library:\n" + "\n".join(_screen(session)))
        shown_s = time.perf_counter() - started
        _focus_search(session)
        timings, changed, how_counts, timeouts, polls = [], [], {"count": 0, "message": 0, "title": 0}, [], []
        before: dict = everything
        for want in expected:
            if len(want["text"]) == 1 and before is not everything:  # a new query: clear the box first
                _tmux("send-keys", "-t", session, "C-u")
                if _wait_for(session, everything, 600)[0] is None:
                    raise RuntimeError("clearing the search did not show the whole library")
                before = everything
            t = time.perf_counter()
            _tmux("send-keys", "-t", session, "-l", want["text"][-1])
            sent = time.perf_counter() - t
            elapsed, how, count = _wait_for(session, want, 60)
            polls.append(count)
            if elapsed is None:
                timeouts.append(want["text"])
                if len(timeouts) >= 3:
                    raise RuntimeError(f"3 keystrokes never showed their result: {timeouts}\n" + "\n".join(_screen(session)))
            else:
                ms = (elapsed + sent) * 1000
                timings.append(ms)
                how_counts[how] += 1
                if {want["count"], want.get("alone")}.isdisjoint({before["count"], before.get("alone")}):
                    changed.append(ms)
            before = want
        return {
            "tmux_loaded_s": round(shown_s, 2),
            "keystroke_to_screen_ms": spread(timings),
            "keystroke_to_screen_changed_ms": spread(changed),
            "recognised_by": how_counts,
            "timeouts": timeouts,
            "polls_per_keystroke_median": statistics.median(polls) if polls else None,
            "window": "80x24",
        }
    finally:
        subprocess.run(["tmux", "kill-session", "-t", session], capture_output=True)


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


def summary(results: dict) -> dict:
    """The issue's table, from the stages' figures (None: that stage was not run)."""

    def get(stage: str, *keys: str):
        value = results.get(stage)
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return value

    bookmark = get("cli", "bookmark") or {}
    return {
        "import_s": get("import", "import_s"),
        "import_peak_rss_mb": get("import", "import_peak_rss_mb"),
        "import_peak_rss_with_workers_mb": get("import", "import_peak_rss_with_workers_mb"),
        "start_with_caches_to_list_s": get("start", "loaded_s"),
        "start_without_caches_to_list_s": get("cold", "loaded_without_caches_s"),
        "rss_without_caches_mb": get("cold", "rss_loaded_without_caches_mb"),
        "start_without_caches_to_search_s": get("cold", "search_ready_without_caches_s"),
        "rss_without_caches_search_ready_mb": get("cold", "rss_search_ready_without_caches_mb"),
        "rss_once_loaded_mb": get("start", "rss_loaded_mb"),
        "keystroke_to_screen_ms": get("keys", "keystroke_to_screen_ms"),
        "keystroke_to_screen_changed_ms": get("keys", "keystroke_to_screen_changed_ms"),
        "search_api_ms": get("api", "search_api_ms"),
        "cli_bookmark_s": bookmark.get("wall_s"),
        "cli_bookmark_peak_rss_mb": bookmark.get("peak_rss_mb"),
        "home_mb": get("disk", "home_mb"),
        "library_json_mb": get("disk", "library_json_mb"),
        "home_over_json": get("disk", "home_over_json"),
        "vocabulary_words": get("api", "vocabulary_words"),
        "day_import_s": get("day", "day_1", "wall_s"),
        "day_import_peak_rss_mb": get("day", "day_1", "peak_rss_mb"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", "--sizes", dest="sizes", default="1k,100k", help="paper counts: 1k,10k,100k,1M")
    parser.add_argument("--only", default=",".join(STAGES), help=f"stages, comma-separated: {','.join(STAGES)}")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "reader-scale")
    parser.add_argument("--keystrokes", type=int, default=None, help="type only the first K keystrokes in tmux")
    parser.add_argument("--rounds", type=int, default=5, help="N->10->N replace rounds in the start stage")
    args = parser.parse_args()
    sizes = [parse_count(s) for s in args.sizes.split(",") if s.strip()]
    stages = [s.strip() for s in args.only.split(",") if s.strip()]
    if unknown := [s for s in stages if s not in STAGES]:
        parser.error(f"unknown stage(s): {', '.join(unknown)}; known: {', '.join(STAGES)}")
    # The app's start as installed: with bytecode for reader/ (see the Makefile's
    # `compile`), not recompiling every module in each child.
    compileall.compile_dir(ROOT / "reader", quiet=1)
    report: dict = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0], "tmp_fs": tmp_fs()},
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "targets": TARGETS,
        "sizes": {},
    }
    for n in sizes:
        run = Run(n, args.workdir / str(n), args.keystrokes, args.rounds)
        for name in stages:
            run.stage(name)
        report["sizes"][str(n)] = {"table": summary(run.results), "stages": run.results}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
