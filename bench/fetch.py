"""`reader fetch` of 7 Hugging Face days from the replay server: time, memory, requests.

    python bench/fetch.py [--trials 3]

The replay server (tests/helpers/replay.py) answers on 127.0.0.1 with the recorded
days 2026-08-15 ... 2026-08-21, shifted so that the last of them is today. Each
trial copies a home that already holds the bundled seed library, runs
`python -m reader --home HOME fetch` (the whole command: start, 7 requests, 7
imports, alerts) and then runs it again: the repeat should be one request (today,
which may have grown) answered 304.

Prints one JSON object: per trial the wall time and peak RSS of each run (the
child's own, from wait4), the requests the server saw and their statuses, and
what the command printed; the medians; the load average at the end (the
machine may be shared).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from helpers.replay import Replay  # noqa: E402
from reader.library import Library  # noqa: E402

LAST_RECORDED = date(2026, 8, 21)


def run_fetch(home: Path, env: dict[str, str], replay: Replay) -> dict:
    replay.reset_log()
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "reader", "--home", str(home), "fetch"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    out, err = child.stdout.read(), child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    return {
        "seconds": round(seconds, 3),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "exit": child.returncode,
        "requests": len(replay.seen),
        "statuses": dict(Counter(str(s.status) for s in replay.seen)),
        "printed": out.strip(),
        "errors": err.strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    args = parser.parse_args()
    replay = Replay(shift_days=(date.today() - LAST_RECORDED).days).start()
    env = {**os.environ, **replay.env()}
    with tempfile.TemporaryDirectory() as tmp:
        seeded = Path(tmp, "seeded")
        Library.open(seeded)
        trials = []
        for n in range(args.trials):
            home = Path(tmp, f"home{n}")
            shutil.copytree(seeded, home)
            trials.append({"first": run_fetch(home, env, replay), "repeat": run_fetch(home, env, replay)})
    replay.stop()
    median = lambda run, key: statistics.median(t[run][key] for t in trials)  # noqa: E731
    print(json.dumps({
        "what": "reader fetch: 7 HF days from the replay server into a seeded home (423 papers), then again",
        "median_first_seconds": median("first", "seconds"),
        "median_first_peak_rss_mb": median("first", "peak_rss_mb"),
        "median_repeat_seconds": median("repeat", "seconds"),
        "repeat_requests": [t["repeat"]["requests"] for t in trials],
        "trials": trials,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
    }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
