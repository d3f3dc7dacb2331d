"""A large import's library.json and paper file written by a child process
(`reader.save_aside`) are the files an import writes itself; a child that dies or
cannot start costs only time, said in one line."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from helpers.paths import CORPORA
from reader import save_aside, snapshot
from reader.library import Library
from reader.papertable import PaperTable

DAYS = sorted((CORPORA / "hf-daily-papers" / "daily").glob("*.json.gz"))[:4]
QUERIES = ("attention", "diffusion model", '"large language"', "langu")


def imported(home: Path) -> tuple[Library, str]:
    library = Library.open(home, seed=False)
    report = library.import_paths([*DAYS, DAYS[0]], index=True)  # a day again: its papers merge
    return library, f"{report.summary()} {sorted(map(str, report.problems))}"


def paper_file_papers(home: Path) -> list:
    """The papers of the home's paper file, which must be library.json's as it is now."""
    library = home / "library.json"
    file = snapshot.read(home / snapshot.PAPERS_FILE, library, snapshot.identity(library))
    assert file is not None, "the paper file is library.json's"
    return list(PaperTable([file]).values())


@pytest.fixture(scope="module")
def here(tmp_path_factory) -> tuple[Path, str]:
    """A home the same import wrote in this process (below the size for a child)."""
    home = tmp_path_factory.mktemp("here")
    _, said = imported(home)
    return home, said


@pytest.fixture
def children(monkeypatch) -> list[subprocess.Popen]:
    """A child for any import; the children started, recorded."""
    monkeypatch.setattr(save_aside, "SMALLEST", 0)
    started: list[subprocess.Popen] = []
    popen = subprocess.Popen

    def recorded(args, *rest, **kwargs):
        child = popen(args, *rest, **kwargs)
        if "reader.save_aside" in args:
            started.append(child)
        return child

    monkeypatch.setattr(subprocess, "Popen", recorded)
    return started


def test_the_child_writes_the_library_json_and_paper_file_an_import_here_writes(tmp_path, here, children, capsys):
    home_here, said_here = here
    library, said = imported(tmp_path / "aside")
    assert len(children) == 1 and children[0].returncode == 0
    assert said == said_here and "merged" in said
    assert (tmp_path / "aside" / "library.json").read_bytes() == (home_here / "library.json").read_bytes()
    assert paper_file_papers(tmp_path / "aside") == paper_file_papers(home_here) == list(library.papers.values())
    restarted = Library.open(tmp_path / "aside", seed=False)
    assert [list(restarted.search(q).ids) for q in QUERIES] == [list(library.search(q).ids) for q in QUERIES]
    assert capsys.readouterr().err == ""
    assert not list((tmp_path / "aside").glob(".*.tmp")), "no temp file left"


def test_a_child_killed_costs_only_time_and_is_said_once(tmp_path, here, monkeypatch, capsys):
    """As the out-of-memory killer would, before it has written a byte: the files are
    written here instead, and the child's library.json is not left behind."""
    monkeypatch.setattr(save_aside, "SMALLEST", 0)
    popen = subprocess.Popen

    def killed(args, *rest, **kwargs):
        child = popen(args, *rest, **kwargs)
        if "reader.save_aside" in args:
            child.kill()
        return child

    monkeypatch.setattr(subprocess, "Popen", killed)
    imported(tmp_path / "aside")
    assert (tmp_path / "aside" / "library.json").read_bytes() == (here[0] / "library.json").read_bytes()
    assert paper_file_papers(tmp_path / "aside") == paper_file_papers(here[0])
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "writing library.json and its fast-start copy failed (killed by signal 9" in lines[0]
    assert not list((tmp_path / "aside").glob(".*.tmp"))


def test_a_child_failing_after_library_json_leaves_the_paper_file_to_this_process(tmp_path, here, children, monkeypatch, capsys):
    """Its library.json is used; the compressed records it cannot write (a file it may
    not write to, as a full disk would) fail it, and the paper file is written here."""
    unwritable = tmp_path / "unwritable"
    unwritable.touch()
    monkeypatch.setattr(save_aside, "_records_file", lambda folder: unwritable.open("rb"))
    imported(tmp_path / "aside")
    assert len(children) == 1 and children[0].returncode != 0
    assert (tmp_path / "aside" / "library.json").read_bytes() == (here[0] / "library.json").read_bytes()
    assert paper_file_papers(tmp_path / "aside") == paper_file_papers(here[0])
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "fast-start copy failed (exit status 1); written in the main process" in lines[0]
    assert not list((tmp_path / "aside").glob(".*.tmp"))


def test_an_import_another_process_saved_before_is_rebased_onto_it(tmp_path, children, monkeypatch, capsys):
    """Another import wrote library.json while this one merged: this one's papers are
    written again onto it, here (the child's files are of papers no longer the ones
    written), and both imports' papers are kept."""
    home = tmp_path / "home"
    other = CORPORA / "bibtex-pmlr" / "colt23.bib"
    library = save_aside.SaveAside.library

    def another_import_first(aside):
        if len(children) == 1:  # not in the other import's own save
            Library.open(home, seed=False).import_paths([other])
        return library(aside)

    monkeypatch.setattr(save_aside.SaveAside, "library", another_import_first)
    mine, _ = imported(home)
    assert len(children) == 2  # this import's child, and the other import's own
    theirs = Library.open(tmp_path / "theirs", seed=False)
    theirs.import_paths([other])
    restarted = Library.open(home, seed=False)
    assert set(restarted.papers) == set(mine.papers) and set(theirs.papers) < set(mine.papers)
    assert paper_file_papers(home) == list(restarted.papers.values())
    assert capsys.readouterr().err == ""
    assert not list(home.glob(".*.tmp"))


def test_a_child_that_cannot_start_leaves_the_files_to_this_process(tmp_path, here, monkeypatch, capsys):
    monkeypatch.setattr(save_aside, "SMALLEST", 0)
    popen = subprocess.Popen

    def refused(args, *rest, **kwargs):
        if "reader.save_aside" in args:
            raise OSError("no processes here")
        return popen(args, *rest, **kwargs)

    monkeypatch.setattr(subprocess, "Popen", refused)
    imported(tmp_path / "aside")
    assert (tmp_path / "aside" / "library.json").read_bytes() == (here[0] / "library.json").read_bytes()
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and "could not start (OSError: no processes here)" in lines[0]
