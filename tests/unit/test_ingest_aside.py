"""A large file parsed in a child process (`reader.ingest.aside`) gives what reading it
here gives: the same records in the same order, the same progress, the same error;
a child that cannot start or that is killed costs only time."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers.paths import CORPORA
from reader import ingest, snapshot
from reader.ingest import aside

HF_ALL = CORPORA / "hf-daily-papers" / "hf_daily_papers_all.jsonl.gz"
LARGE = 1 << 40  # a size past ASIDE_FROM: read in a child


def read(reader, path: Path, size: int = LARGE) -> tuple[list, list[int], str | None]:
    """The records, the progress told and the error a whole read gives."""
    told: list[int] = []
    records: list = []
    error = None
    try:
        source = reader(path, None, told.append) if reader is ingest.read_file else reader(path, None, told.append, size)
        for record in source:
            if isinstance(record, snapshot.Decoded):  # a paper the child sent, with its record
                assert snapshot.decode(record.record) == record.paper
                record = record.paper
            records.append(record)
    except ingest.IngestError as failed:
        error = str(failed)
    return records, told, error


@pytest.fixture(scope="module")
def here():
    return read(ingest.read_file, HF_ALL)


def test_a_large_file_read_in_a_child_gives_the_records_progress_and_problems_read_here_gives(here):
    records, told, error = here
    assert len(records) > 5_000 and error is None and told  # the real corpus, read whole
    assert read(aside.read_large_file, HF_ALL) == here


def test_a_file_that_fails_part_way_fails_alike_after_the_same_records(tmp_path):
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(HF_ALL.read_bytes()[: 3 << 20])  # a download broken off
    records, told, error = read(ingest.read_file, cut)
    assert error and "reading stopped part-way" in error and records
    assert read(aside.read_large_file, cut) == (records, told, error)


def test_a_child_killed_part_way_costs_only_time(here, monkeypatch):
    """As the out-of-memory killer would: its stream ends; the rest of the file is read
    here from the record after the last one it sent, none lost or given twice."""
    items = aside._items

    def broken_off(stream):
        for count, item in enumerate(items(stream)):
            if count == 2500:
                return
            yield item

    monkeypatch.setattr(aside, "_items", broken_off)
    records, _, error = read(aside.read_large_file, HF_ALL)
    assert (records, error) == (here[0], None)


def test_a_child_that_cannot_start_leaves_the_file_read_here(here, monkeypatch):
    def refused(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(subprocess, "Popen", refused)
    assert read(aside.read_large_file, HF_ALL) == here


def test_a_small_file_is_read_here(monkeypatch):
    def refused(*args, **kwargs):
        raise AssertionError("no child for a small file")

    monkeypatch.setattr(subprocess, "Popen", refused)
    assert read(aside.read_large_file, HF_ALL, size=aside.ASIDE_FROM - 1)[2] is None


def test_an_import_of_a_large_file_parsed_aside_saves_the_library_read_here_saves(tmp_path, monkeypatch):
    from reader.library import Library

    here = Library.open(tmp_path / "here", seed=False).import_paths([HF_ALL])
    monkeypatch.setattr(aside, "ASIDE_FROM", 0)
    spawned = []
    popen = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: spawned.append(a) or popen(*a, **k))
    aside_report = Library.open(tmp_path / "aside", seed=False).import_paths([HF_ALL])
    assert spawned  # the child parsed it
    assert (aside_report.summary(), aside_report.problems) == (here.summary(), here.problems)
    assert (tmp_path / "aside" / "library.json").read_bytes() == (tmp_path / "here" / "library.json").read_bytes()


def test_a_paper_merging_changed_is_saved_as_changed_not_as_the_child_sent_it(tmp_path, monkeypatch):
    """A paper stored as the child sent it is kept as the child's record; one given
    another id (a second work of its title) or rid of its citation key is saved as
    it is now, and reads back so after a restart (from the paper file)."""
    from reader.export import to_json
    from reader.library import Library
    from reader.models import Paper, PaperState, title_key

    title = "Information Theory and Statistics"
    by_title = title_key(title)
    works = [
        Paper(id=by_title, title=title, abstract="", arxiv_id="1901.00001", published="2019-01-01"),
        Paper(id=by_title, title=title, abstract="", arxiv_id="9701.00001", published="1997-01-01"),
    ]
    exported = tmp_path / "works.json"
    with exported.open("w") as out:
        to_json(((paper, PaperState()) for paper in works), out)
    bib = tmp_path / "keyed.bib"
    bib.write_text("@article{kullback1959, title = {A Keyed Work}, year = {1959}}\n")

    def imported(name: str) -> list[tuple[str, str | None, str | None]]:
        home = tmp_path / name
        Library.open(home, seed=False).import_paths([exported, bib])
        return sorted((p.id, p.arxiv_id, p.cite_key) for p in Library.open(home, seed=False).papers.values())

    here = imported("here")
    monkeypatch.setattr(aside, "ASIDE_FROM", 0)
    assert imported("aside") == here
    assert [(i, a) for i, a, _ in here if a] == [(by_title, "1901.00001"), (f"{by_title}/1997", "9701.00001")]
    assert len(here) == 3 and all(key is None for *_, key in here)
    assert (tmp_path / "aside" / "library.json").read_bytes() == (tmp_path / "here" / "library.json").read_bytes()


def test_a_child_killed_part_way_is_said_once_and_the_progress_never_goes_back(here, monkeypatch, capsys):
    """Killed as the out-of-memory killer would, a third of the way: the rest is read
    here, and the progress goes on from where the child's was, to where reading here ends."""
    children: list[subprocess.Popen] = []
    popen, items = subprocess.Popen, aside._items
    monkeypatch.setattr(subprocess, "Popen", lambda *a, **k: children.append(popen(*a, **k)) or children[-1])

    def killed_part_way(stream):
        for count, item in enumerate(items(stream)):
            if count == 2500:
                children[0].kill()
            yield item

    monkeypatch.setattr(aside, "_items", killed_part_way)
    records, told, error = read(aside.read_large_file, HF_ALL)
    assert (records, error) == (here[0], None)
    assert told == sorted(told) and told[-1] == here[1][-1]
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and HF_ALL.name in lines[0] and "killed by signal 9" in lines[0]


def test_a_child_that_cannot_start_is_said_once(monkeypatch, capsys):
    def refused(*args, **kwargs):
        raise OSError("no processes here")

    monkeypatch.setattr(subprocess, "Popen", refused)
    assert read(aside.read_large_file, HF_ALL)[2] is None
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and HF_ALL.name in lines[0] and "could not start (OSError: no processes here)" in lines[0]
