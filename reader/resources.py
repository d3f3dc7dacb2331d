"""Folders shipped beside the package (`styles/`, `data/`), and this copy of it for a worker process."""

from __future__ import annotations

import os
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
