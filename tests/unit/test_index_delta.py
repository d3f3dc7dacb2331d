"""The search index's delta files (see reader/search/cache.py): what a day's import
writes instead of the whole index file, and what a start does with a bad one."""

from __future__ import annotations

import pytest

from reader.models import BLANK_STATE, Paper
from reader.search import SearchIndex
from reader.search import index as index_module


def _papers(count: int, start: int = 0) -> list[Paper]:
    words = ["attention", "diffusion", "graph", "lora", "vision", "language"]
    return [
        Paper(id=f"p{i}", title=f"{words[i % 6]} {words[(i * 5) % 6]} study {i}", abstract=f"{words[(i + 1) % 6]} models")
        for i in range(start, start + count)
    ]


def _ids(index: SearchIndex, query: str) -> tuple[str, ...]:
    return tuple(index.search(query, lambda _id: BLANK_STATE).ids)


@pytest.fixture
def with_delta(tmp_path, monkeypatch):
    """A cache dir holding the index of 40 papers and a delta of 3 more over it."""
    monkeypatch.setattr(index_module, "_DELTA_AT_MOST", 10)
    base = _papers(40)
    SearchIndex(base, workers=0, cache_dir=tmp_path, fingerprint="base")
    index = SearchIndex(base, workers=0, cache_dir=tmp_path, fingerprint="base")
    day = _papers(3, start=40)
    index.add(day)
    index.save(tmp_path, "day", delta=True)
    return tmp_path, base + day


def test_a_days_import_leaves_the_index_file_and_writes_a_delta(with_delta):
    cache_dir, papers = with_delta
    assert sorted(p.name for p in cache_dir.iterdir()) == ["search-base.idx", "search-day.delta"]
    read = SearchIndex(papers, workers=0, cache_dir=cache_dir, fingerprint="day")
    assert read.cache_hit
    assert _ids(read, "study 41") == _ids(SearchIndex(papers, workers=0), "study 41") == ("p41",)


@pytest.mark.parametrize("damage", ["flipped", "copied"])
def test_a_bad_delta_is_rebuilt_and_said_once(with_delta, damage):
    cache_dir, papers = with_delta
    delta = cache_dir / "search-day.delta"
    if damage == "flipped":
        raw = bytearray(delta.read_bytes())
        raw[len(raw) // 2] ^= 0xFF
        delta.write_bytes(bytes(raw))
    else:  # another library's delta (of the same base) copied over this one's
        index = SearchIndex(papers[:40], workers=0, cache_dir=cache_dir, fingerprint="base")
        index.add(_papers(2, start=50))
        index.save(cache_dir, "other", delta=True)
        (cache_dir / "search-other.delta").rename(delta)
    notes: list[str] = []
    read = SearchIndex(papers, workers=0, cache_dir=cache_dir, fingerprint="day", note=notes.append)
    assert not read.cache_hit
    assert len(notes) == 1 and "rebuilt" in notes[0]
    assert _ids(read, "study 41") == ("p41",)
    again: list[str] = []
    assert SearchIndex(papers, workers=0, cache_dir=cache_dir, fingerprint="day", note=again.append).cache_hit
    assert again == []
