from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
SHARED = ROOT.parent / "shared"
CORPORA = SHARED / "corpora"


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh, empty reader home; READER_HOME points at it so nothing touches the real one."""
    path = tmp_path / "home"
    monkeypatch.setenv("READER_HOME", str(path))
    return path
