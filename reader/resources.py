"""Folders shipped beside the package (`styles/`, `data/`), and this copy of it for a worker process."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resource_dir(name: str) -> Path:
    """`name` inside the package when installed from a wheel (as `_name`), beside it in the repo."""
    package = Path(__file__).resolve().parent
    installed = package / f"_{name}"
    return installed if installed.is_dir() else package.parent / name


def worker_env() -> dict[str, str]:
    """This process's environment, with this copy of reader first on the worker's path
    (a bench or a test may have put it on this process's path by hand), and not the
    current folder: `python -m` would put it first, so a `reader` package there
    (another project's clone, an unpacked download) would run in the worker."""
    root = str(Path(__file__).resolve().parents[1])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root, "PYTHONSAFEPATH": "1"}


def worker_ended(returncode: int) -> str:
    """How a worker process that failed ended, as its one line says it."""
    if returncode < 0:
        return f"killed by signal {-returncode}, out of memory?"
    return f"exit status {returncode}"


def say_worker_failed(doing: str, problem: str, done: str = "read") -> None:
    """One line on stderr (the app captures it for its log) for a worker `doing` its
    share that failed: its work is `done` in this process, which only takes longer."""
    print(
        f"reader: a worker {doing} failed ({problem}); {done} in the main process instead, which is slower",
        file=sys.stderr,
        flush=True,
    )
