"""Crash safety, shown by crashing: a writer SIGKILLed at random moments, 200+ times.

tests/helpers/crash_child.py forks writers that apply bookmark, tag, read and
note changes through reader.library and print `ok <n>` once each change call
has returned. This test kills each writer with SIGKILL after a random number of
acknowledged changes (sometimes before the first, while it is still opening
the home), then reopens the home and checks that the state loads and holds
every change acknowledged before any kill. Where the kill lands inside a write
is up to the scheduler: that race is the point. The seed fixes the plan.
"""

from __future__ import annotations

import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

from reader.store import Store

HELPER = Path(__file__).parents[1] / "helpers" / "crash_child.py"
KILLS = 220
SEED = 20260607
TIMEOUT = 30.0  # seconds without a line from the helper: it hangs, fail


class Lines:
    """Lines from a pipe, with a timeout (select on the raw fd, no hidden buffer)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def next(self) -> str:
        while b"\n" not in self.buffer:
            ready, _, _ = select.select([self.fd], [], [], TIMEOUT)
            assert ready, "the crash helper stopped answering"
            chunk = os.read(self.fd, 65536)
            assert chunk, "the crash helper exited"
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode()


def check(states, acked: list[int], last_note: dict[str, int]) -> None:
    for n in acked:
        kind = n % 4
        if kind == 0:
            assert states[f"b{n}"].bookmarked, f"bookmark {n} lost"
        elif kind == 1:
            assert f"t{n}" in states[f"p{n % 7}"].tags, f"tag {n} lost"
        elif kind == 2:
            assert states[f"r{n}"].read, f"read mark {n} lost"
    for paper, n in last_note.items():
        note = states[paper].note
        # A later note may be on disk without its `ok` (killed after saving, before printing).
        assert note.startswith("note ") and int(note[5:]) >= n, f"note {n} on {paper} lost (found {note!r})"


def test_every_acknowledged_change_survives_sigkill(tmp_path):
    home = tmp_path / "home"
    rng = random.Random(SEED)
    errors = tmp_path / "helper-stderr.txt"
    with open(errors, "wb") as stderr:
        helper = subprocess.Popen(
            [sys.executable, str(HELPER), str(home)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr
        )
    lines = Lines(helper.stdout.fileno())
    acked: list[int] = []
    last_note: dict[str, int] = {}
    next_n = 0
    kills = mid_write = 0
    try:
        for _ in range(KILLS):
            helper.stdin.write(f"go {next_n}\n".encode())
            helper.stdin.flush()
            first = lines.next()
            assert first.startswith("pid "), (first, errors.read_text())
            pid = int(first.split()[1])
            wait_for = 0 if rng.random() < 0.15 else rng.randint(1, 12)
            this_round: list[int] = []
            for _ in range(wait_for):
                line = lines.next()
                assert line.startswith("ok "), f"the writer stopped by itself: {line}\n{errors.read_text()}"
                this_round.append(int(line.split()[1]))
            if rng.random() < 0.5:
                time.sleep(rng.uniform(0, 0.003))  # not a wait for anything: moves the kill to a random instant
            os.kill(pid, signal.SIGKILL)
            while True:  # what it printed before dying, then its death
                line = lines.next()
                if line.startswith("ok "):
                    this_round.append(int(line.split()[1]))
                    continue
                assert line.startswith(f"dead {pid} "), line
                status = int(line.split()[2])
                assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, errors.read_text()
                break
            kills += 1
            for n in this_round:
                if n % 4 == 3:
                    last_note[f"p{n % 7}"] = n
            acked += this_round
            next_n = max(this_round, default=next_n - 1) + 1

            mid_write += any(home.glob(".state.json.*.tmp"))  # the kill landed inside a write
            states = Store(home).load_states()  # must load; reopening also sweeps temp files
            check(states, acked, last_note)
    finally:
        helper.stdin.write(b"quit\n")
        helper.stdin.close()
        helper.wait(timeout=30)

    assert kills >= 200
    assert len(acked) > kills  # the writers did work between kills
    assert not list(home.glob(".*.tmp")), "reopening sweeps the temp files killed writers left"
    print(f"\ncrash: {kills} SIGKILLs survived, {mid_write} inside a write, {len(acked)} acknowledged changes all kept")
