"""An import's papers kept in a temp file (reader/spill.py) when the disk fills up
while they are written: every paper given before and after reads back as it was,
and what went wrong is one StoreError naming the home."""

from __future__ import annotations

import errno
import os
import types

import pytest

from reader import spill as spill_module
from reader.files import StoreError
from reader.models import Paper, Source
from reader.papertable import PaperTable
from reader.spill import Spill


def paper(n: int) -> Paper:
    return Paper(id=f"title:{n:012d}", title=f"Paper {n}", abstract="words " * n, sources=(Source("f.txt", "hf-page", n),))


def full_disk_once(after: int) -> types.SimpleNamespace:
    """`os` whose `after`-th write writes half its bytes, and the next one finds the disk full."""
    calls = {"n": 0}

    def failing(write, fd, data, *offset):
        calls["n"] += 1
        if calls["n"] == after:
            return write(fd, bytes(data)[: len(data) // 2], *offset)
        if calls["n"] == after + 1:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return write(fd, data, *offset)

    names = {name: getattr(os, name) for name in dir(os) if not name.startswith("__")}
    names["write"] = lambda fd, data: failing(os.write, fd, data)
    names["pwrite"] = lambda fd, data, offset: failing(os.pwrite, fd, data, offset)
    return types.SimpleNamespace(**names)


def test_papers_read_back_after_a_write_that_filled_the_disk_part_way(tmp_path, monkeypatch):
    monkeypatch.setattr(spill_module, "_FLUSH_AT", 1)  # every paper written as it is given
    monkeypatch.setattr(spill_module, "os", full_disk_once(after=3))
    spill = Spill(tmp_path)
    papers = [paper(n) for n in range(13)]
    failed = []
    for given in papers:
        try:
            spill[given.id] = given
        except (OSError, StoreError):
            failed.append(given)
    assert len(failed) == 1
    spill[failed[0].id] = failed[0]  # given again, once there is space
    assert [spill[p.id] for p in papers] == papers


def test_a_full_disk_is_one_store_error_naming_the_home(tmp_path, monkeypatch):
    monkeypatch.setattr(spill_module, "_FLUSH_AT", 1)
    monkeypatch.setattr(spill_module, "os", full_disk_once(after=1))
    spill = Spill(tmp_path)
    with pytest.raises(StoreError) as raised:
        spill["title:1"] = paper(1)
    said = str(raised.value)
    assert str(tmp_path) in said and "No space left on device" in said and "import again" in said
    assert "\n" not in said


def test_a_paper_the_full_disk_refused_is_not_counted_in_the_library(tmp_path, monkeypatch):
    monkeypatch.setattr(spill_module, "_FLUSH_AT", 1)
    monkeypatch.setattr(spill_module, "os", full_disk_once(after=2))
    table = PaperTable.of([paper(0)]).spilling(tmp_path)
    with pytest.raises(StoreError):
        table[paper(1).id] = paper(1)
    assert len(table) == 1
    assert list(table.in_order()) == [paper(0)]


def test_where_records_lie_is_told_past_4_gb_of_them(tmp_path):
    """Another process (reader.save_aside) reads each record where `places` says: an
    import that merged much has a temp file past 2 and 4 GB (start << 32 would not fit 63 bits)."""
    spill = Spill(tmp_path)
    for n in range(3):
        spill[paper(n).id] = paper(n)
    far = 5 << 30  # 5 GiB in
    spill._where[paper(1).id] = far << 32 | 77  # as a record appended there would be placed
    descriptor, starts, sizes = spill.places([paper(1).id, paper(0).id])
    assert (starts[0], sizes[0], starts[1]) == (far, 77, 0)
    assert os.pread(descriptor, sizes[1], starts[1]) == spill.record(paper(0).id)
