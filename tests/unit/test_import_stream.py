"""An import keeps the papers it merges in a temp file, not the heap (see reader/spill.py),
and writes library.json, the paper file and the index from it one paper at a time.
What a person gets must be exactly what an import held in memory gave: the same
files, counts, keys, states, problems and search results."""

from __future__ import annotations

import errno
import gc
import os
import shutil
import types
from pathlib import Path

import pytest

from helpers.paths import CORPORA
from reader import ingest, spill, store
from reader.cli import main
from reader.library import Library
from reader.models import Paper
from reader.papertable import PaperTable

# A day is listed again the next days (the same papers merge across files), a .bib
# gives works twice under two keys, and one file repeats an arXiv paper.
DAYS = sorted((CORPORA / "hf-daily-papers" / "daily").glob("*.json.gz"))[:6]
TWICE = r"""
@article{kullback, title={Information Theory and Statistics}, author={Kullback, Solomon}, year={1959}}
@book{kullback:reprint, title={Information Theory and Statistics}, author={Kullback, Solomon}, year={1997}}
@article{vaswani2017, title={Attention Is All You Need}, author={Vaswani, Ashish}, year={2017},
  eprint={1706.03762}, archivePrefix={arXiv}}
@inproceedings{attention, title={Attention is all you need}, author={Vaswani, Ashish and Shazeer, Noam}, year={2017},
  booktitle={NeurIPS}, doi={10.5555/3295222.3295349}}
@article{taken, title={A Paper With A Taken Key}, author={Doe, Jane}, year={2020}}
@article{taken, title={Another Paper Claiming That Key}, author={Roe, Rick}, year={2021}}
"""
QUERIES = ("attention", "information theory", "diffusion model", "langu", '"large language"', "kullback", "year:2024 video")


def sources(tmp_path: Path) -> list[Path]:
    bib = tmp_path / "twice.bib"
    bib.write_text(TWICE)
    return [*DAYS, CORPORA / "bibtex-pmlr" / "colt23.bib", bib, DAYS[0]]


def imported(home: Path, paths: list[Path]) -> tuple[Library, str]:
    library = Library.open(home, seed=False)
    report = library.import_paths(paths, index=True)
    said = f"{report.summary()} {report.files} {sorted(map(str, report.problems))} {report.new_ids}"
    return library, said


def in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    """An import as before the spill: its papers held in the heap (as where no temp file can be made)."""

    def refuse(self: PaperTable, folder: Path) -> PaperTable:
        raise OSError("no temp file")

    monkeypatch.setattr(PaperTable, "spilling", refuse)


def searched(library: Library) -> list[list[str]]:
    return [list(library.search(query).ids) for query in QUERIES]


def home_files(home: Path) -> dict[str, bytes]:
    """library.json and the index file (the paper and keys files name the very
    library.json they were made from: its inode and times, which differ)."""
    return {"library.json": (home / "library.json").read_bytes()} | {
        path.name: path.read_bytes() for path in home.glob("search-*.idx")
    }


def test_a_spilled_import_gives_the_library_keys_states_and_results_one_held_in_memory_gave(tmp_path, monkeypatch):
    paths = sources(tmp_path)
    spilled, said = imported(tmp_path / "spilled", paths)
    with monkeypatch.context() as patch:
        in_memory(patch)
        held, said_held = imported(tmp_path / "held", paths)
    assert said == said_held
    assert "merged" in said and not said.startswith("0 new")
    assert home_files(tmp_path / "spilled") == home_files(tmp_path / "held")
    assert {pid: (s.key, s.tags) for pid, s in spilled.states.items()} == {pid: (s.key, s.tags) for pid, s in held.states.items()}
    assert searched(spilled) == searched(held)
    # Each paper is found by its id and arXiv id right after the import (its keys, let
    # go of while it was indexed, are read from the keys file it wrote).
    for paper in held.papers.values():
        for key in (paper.id, paper.arxiv_id):
            if key:
                assert spilled.resolve(key) == held.resolve(key) == paper.id
    restarted = Library.open(tmp_path / "spilled", seed=False)
    assert searched(restarted) == searched(held)
    assert list(restarted.papers.values()) == list(held.papers.values())


def test_duplicates_across_the_file_still_merge_when_spilled(tmp_path):
    """The paper a later record is a copy of is read back from the temp file and merged."""
    library, said = imported(tmp_path / "home", [DAYS[0], DAYS[0], DAYS[1]])
    first = Library.open(tmp_path / "once", seed=False).import_paths([DAYS[0], DAYS[1]])
    assert said.startswith(f"{first.new} new, ")
    assert len(library.papers) == first.new
    ids = list(library.papers)
    assert len(ids) == len(set(ids))


def test_an_import_holds_none_of_its_papers_while_library_json_is_written(tmp_path, monkeypatch):
    """1M papers held while saving were 7.5 GB of an import's peak: now they are read
    from the temp file as they are written, so the heap holds none of them then."""
    held: list[int] = []
    stage = store.Store._stage_library

    def counting(self: store.Store, papers):  # noqa: ANN001
        held.append(sum(isinstance(o, Paper) for o in gc.get_objects()))
        return stage(self, papers)

    monkeypatch.setattr(store.Store, "_stage_library", counting)
    library, said = imported(tmp_path / "home", DAYS)
    assert len(library.papers) > 50
    assert held and held[0] < 10


def test_an_import_that_cannot_save_leaves_the_library_as_it_was(tmp_path, monkeypatch):
    home = tmp_path / "home"
    library, _ = imported(home, DAYS[:2])
    before = list(library.papers.values())

    def full(*args, **kwargs):  # noqa: ANN002, ANN003
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(store, "stage", full)
    with pytest.raises(store.StoreError):
        library.import_paths([DAYS[3]], index=True)
    assert list(library.papers.values()) == before
    shutil.rmtree(tmp_path / "home")  # nothing of the import is left behind: its temp file had no name


def full_disk(monkeypatch: pytest.MonkeyPatch) -> None:
    """The home's disk is full for a moment while the import merges (its third paper),
    and has room again for the rest of it."""
    writes = {"n": 0}

    def full_once(fd: int, data: bytes, offset: int) -> int:
        writes["n"] += 1
        if writes["n"] == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return os.pwrite(fd, data, offset)

    names = {name: getattr(os, name) for name in dir(os) if not name.startswith("__")}
    monkeypatch.setattr(spill, "os", types.SimpleNamespace(**(names | {"pwrite": full_once})))
    monkeypatch.setattr(spill, "_FLUSH_AT", 1)  # each paper written as it is merged


def test_a_full_disk_while_merging_saves_nothing_and_says_so_once(tmp_path, monkeypatch):
    home = tmp_path / "home"
    library, _ = imported(home, DAYS[:2])
    before, saved = list(library.papers.values()), (home / "library.json").read_bytes()
    full_disk(monkeypatch)
    with pytest.raises(store.StoreError) as raised:
        library.import_paths([DAYS[3]], index=True)
    said = str(raised.value)
    assert str(home) in said and "No space left on device" in said and DAYS[3].name not in said
    assert list(library.papers.values()) == before
    assert (home / "library.json").read_bytes() == saved
    assert len(Library.open(home, seed=False).papers) == len(before)


def test_the_cli_says_a_full_disk_in_one_line_and_keeps_the_library(tmp_path, monkeypatch, capsys):
    home = tmp_path / "home"
    imported(home, DAYS[:2])
    saved = (home / "library.json").read_bytes()
    full_disk(monkeypatch)
    code = main(["--home", str(home), "import", str(DAYS[3])])
    out, err = capsys.readouterr()
    assert code == 1
    assert err.startswith(f"reader: could not keep the import's papers in a temp file in {home} (No space left on device)")
    assert err.count("\n") == 1 and "Traceback" not in err
    assert (home / "library.json").read_bytes() == saved


def spilled_bytes(home: Path, pages: list[list[Paper]], monkeypatch: pytest.MonkeyPatch) -> int:
    """Bytes the imports of `pages`, one after the other, write to their temp files,
    into a home holding DAYS[0] (each page is saved as a segment: its papers stay spilled)."""
    imported(home, DAYS[:1])
    written = [0]

    def counted(fd: int, data: bytes, offset: int) -> int:
        written[0] += len(data)
        return os.pwrite(fd, data, offset)

    names = {name: getattr(os, name) for name in dir(os) if not name.startswith("__")}
    monkeypatch.setattr(spill, "os", types.SimpleNamespace(**(names | {"pwrite": counted})))
    library = Library.open(home, seed=False)
    for page in pages:
        library.import_records(page)
    monkeypatch.undo()
    return written[0]


def test_a_fetch_importing_page_after_page_writes_each_paper_once(tmp_path, monkeypatch):
    papers = [record for day in DAYS[1:] for record in ingest.read_file(day) if isinstance(record, Paper)]
    pages = [papers[start : start + 5] for start in range(0, len(papers), 5)]
    at_once = spilled_bytes(tmp_path / "once", [papers], monkeypatch)
    page_by_page = spilled_bytes(tmp_path / "pages", pages, monkeypatch)
    assert len(pages) >= 5 and page_by_page == at_once  # before, each page wrote the pages before it again
