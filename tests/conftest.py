import pytest


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh, empty reader home; READER_HOME points at it so nothing touches the real one."""
    path = tmp_path / "home"
    monkeypatch.setenv("READER_HOME", str(path))
    return path
