"""Folders shipped beside the package: `styles/` and `data/`."""

from __future__ import annotations

from pathlib import Path


def resource_dir(name: str) -> Path:
    """`name` inside the package when installed from a wheel (as `_name`), beside it in the repo."""
    package = Path(__file__).resolve().parent
    installed = package / f"_{name}"
    return installed if installed.is_dir() else package.parent / name
