"""A start without caches: library.json read by worker processes (reader.coldload).

Whatever the file, a start with the workers reads what a start without them
reads, and refuses what it refuses with the same words; only the time differs.
"""

from __future__ import annotations

import io
import json
import shutil
import string
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tinydb import TinyDB

from reader import coldload, jsoncodec, models, snapshot
from reader.library import Library
from reader.models import PROVENANCE_FIELDS, Paper, Source
from reader.store import DamagedFileError, Store


def paper(n: int) -> Paper:
    return Paper(
        id=f"arxiv:2601.{n:05d}",
        title=f'Paper {n}: a "quoted" title\nwith a newline and }},"1":{{ in it',
        abstract=f"Abstract {n} " + "words " * (n % 40),
        authors=(f"Author {n}", "Ada Lovelace"),
        sources=(Source("daily.jsonl", "hf-daily", n, "2026-01-02"),),
        arxiv_id=f"2601.{n:05d}",
        doi=f"10.1000/{n}" if n % 3 == 0 else None,
    )


PAPERS = [paper(n) for n in range(1, 1201)]


@pytest.fixture
def workers(monkeypatch):
    """Workers for any library.json, however small; which files they read is recorded."""
    monkeypatch.setattr(coldload, "SMALLEST", 0)
    monkeypatch.setattr(coldload, "WORKERS", 3)
    read = []
    real = coldload.encode

    def encode(path, library):
        encoded = real(path, library)
        read.append(encoded is not None)
        return encoded

    monkeypatch.setattr(coldload, "encode", encode)
    return read


def only_library_json(source: Path, home: Path) -> Path:
    home.mkdir()
    shutil.copyfile(source / "library.json", home / "library.json")
    return home


def saved(home: Path, papers: list[Paper]) -> Path:
    Store(home).save_papers(papers)
    return home


def test_a_home_with_only_library_json_shows_every_paper_as_a_start_with_its_caches_does(tmp_path, workers):
    warm = Library.open(saved(tmp_path / "warm", PAPERS), seed=False)
    cold = Library.open(only_library_json(tmp_path / "warm", tmp_path / "cold"), seed=False)

    assert workers == [True]
    assert list(cold.papers.values()) == list(warm.papers.values()) == PAPERS
    assert cold.store.content_id == warm.store.content_id
    assert cold.papers.dates() == warm.papers.dates()
    # The keys file the workers' keys made names every paper by what a person types.
    assert Store(tmp_path / "cold").load_keys() is not None, "the keys file was written"
    keys = Library.open_for_state(tmp_path / "cold", seed=False)
    for p in PAPERS[::97]:
        assert keys.resolve(p.arxiv_id) == keys.resolve(p.id) == p.id
        if p.doi:
            assert keys.resolve(f"doi:{p.doi}") == p.id
    # A later start reads the paper file made, as any start with caches does.
    assert list(Library.open(tmp_path / "cold", seed=False).papers.values()) == PAPERS
    assert workers == [True]


def test_a_damaged_record_in_a_file_of_a_record_a_line_is_refused_and_named(tmp_path, workers):
    home = saved(tmp_path / "home", PAPERS)
    path = home / "library.json"
    lines = path.read_bytes().split(b"\n")
    lines[900] = lines[900].replace(b'"title":"Paper', b'"title":3,"x":"Paper')  # record 900 of 1200
    path.write_bytes(b"\n".join(lines))
    (home / "library.papers").unlink()

    with pytest.raises(DamagedFileError) as raised:
        Library.open(home, seed=False)
    assert f"{path} is damaged" in str(raised.value)
    assert "paper record 900 is malformed: 'title' must be non-empty text" in str(raised.value)
    assert workers == [False]


def test_a_file_tinydb_itself_wrote_still_reads(tmp_path, workers):
    home = tmp_path / "home"
    home.mkdir()
    with TinyDB(home / "library.json") as db:
        db.table("papers").insert_multiple(p.to_dict() for p in PAPERS)

    assert list(Library.open(home, seed=False).papers.values()) == PAPERS
    assert workers == [False]


def edited(raw: bytes, how: str) -> bytes:
    """library.json edited by hand: JSON still, yet not a record a line numbered 1, 2, 3..."""
    lines = raw.split(b"\n")
    if how == "a newline inside a record":
        lines[600] = lines[600].replace(b',"abstract":', b',\n"abstract":')
    elif how == "two records on a line":
        lines[600:602] = [lines[600] + lines[601]]
    elif how == "a document id twice":  # the whole file's parse: the later record, in the earlier's place
        lines[1000] = b'"3"' + lines[1000][lines[1000].index(b":") :]
    elif how == "ids out of order":
        lines[300], lines[301] = lines[301], lines[300]
    elif how == "a text only the standard library reads":
        lines[700] = lines[700].replace(b'"title":"Paper 700', b'"title":"Paper \\udc80 700')
    elif how == "a newline after the end":
        lines.append(b"")
    elif how == "a second table":
        lines[-1] = b'},"_default":{"1":{"x":1}}}'
    return b"\n".join(lines)


EDITS = [
    "a newline inside a record",
    "two records on a line",
    "a document id twice",
    "ids out of order",
    "a text only the standard library reads",
    "a newline after the end",
    "a second table",
]


@pytest.mark.parametrize("how", EDITS)
def test_a_file_edited_by_hand_reads_as_it_does_without_the_workers(tmp_path, monkeypatch, workers, how):
    home = saved(tmp_path / "home", PAPERS)
    raw = edited((home / "library.json").read_bytes(), how)
    json.loads(raw)  # still JSON
    with_workers = Store(only_library_json_bytes(tmp_path / "with", raw)).load_papers()
    monkeypatch.setattr(coldload, "SMALLEST", 1 << 62)
    without = Store(only_library_json_bytes(tmp_path / "none", raw)).load_papers()

    assert with_workers == without
    assert raw != (home / "library.json").read_bytes()
    assert workers == [False, False]  # the workers refused it; then none were asked


def only_library_json_bytes(home: Path, raw: bytes) -> Path:
    home.mkdir()
    (home / "library.json").write_bytes(raw)
    return home


_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)  # a lone surrogate: see the edits above
_FIELD = st.text(string.ascii_lowercase, min_size=1, max_size=8)


@st.composite
def any_paper(draw, n: int) -> Paper:
    sources = tuple(draw(st.lists(st.builds(Source, _TEXT, _TEXT, st.integers(0, 2**62), st.none() | _TEXT), max_size=3)))
    fields = sorted(PROVENANCE_FIELDS)
    return Paper(
        id=f"p{n}:" + draw(_TEXT),
        title=draw(_TEXT.filter(str.strip)),
        abstract=draw(_TEXT),
        authors=tuple(draw(st.lists(_TEXT, max_size=3))),
        links=tuple(draw(st.lists(_TEXT, max_size=2))),
        sources=sources,
        arxiv_id=draw(st.none() | _TEXT),
        categories=tuple(draw(st.lists(_TEXT, max_size=2))),
        published=draw(st.none() | _TEXT),
        upvotes=draw(st.none() | st.integers(-(2**62), 2**62)),
        venue=draw(st.none() | _TEXT),
        doi=draw(st.none() | _TEXT),
        editors=tuple(draw(st.lists(_TEXT, max_size=2))),
        extra=tuple(draw(st.dictionaries(_FIELD, _TEXT, max_size=2)).items()),
        # grouped by field, as library.json keeps it
        provenance=tuple(sorted((draw(st.sampled_from(fields)), i) for i in range(len(sources)) if draw(st.booleans()))),
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=40).flatmap(lambda ns: st.tuples(*(any_paper(n) for n in ns))))
def test_any_papers_come_back_the_same_through_the_workers(tmp_path_factory, workers, papers):
    papers = list({p.id: p for p in papers}.values())
    home = saved(tmp_path_factory.mktemp("warm"), papers)
    cold = only_library_json(home, tmp_path_factory.mktemp("cold") / "home")

    assert Store(cold).load_papers() == papers
    assert workers[-1] is True


def test_a_worker_that_fails_is_said_and_the_file_read_in_process(tmp_path, monkeypatch, capsys, workers):
    home = saved(tmp_path / "warm", PAPERS[:300])
    monkeypatch.setattr(sys, "executable", "/bin/false")  # each worker exits at once, with status 1
    assert Store(only_library_json(home, tmp_path / "cold")).load_papers() == PAPERS[:300]
    said = capsys.readouterr().err
    assert "reader: a worker reading library.json failed (exit status 1)" in said
    assert "read in the main process instead" in said and said.count("\n") == 3  # one line a worker
    assert workers == [False]


def test_the_lines_of_a_run_come_whole_whatever_the_block(tmp_path):
    lines = [f'"{n}":{{"text":"{"x" * (n * 7 % 50)}"}}'.encode() for n in range(1, 200)]
    run = b",\n".join(lines)
    for block in (1, 7, 64, 10_000):
        got = b"\n".join(coldload._blocks(io.BytesIO(run), len(run), block))
        assert got == run


def test_the_content_id_is_that_of_the_files_bytes(tmp_path, workers):
    home = saved(tmp_path / "warm", PAPERS[:300])
    cold = Store(only_library_json(home, tmp_path / "cold"))
    cold.load_table()
    assert cold.content_id == snapshot.content_digest((home / "library.json").read_bytes()).hexdigest()
    assert workers == [True]


def test_a_paper_replaced_by_a_later_record_of_its_id_reads_as_without_workers(tmp_path, monkeypatch, workers):
    """Two records of one paper id (a hand edit): the paper file holds both, as one made in-process does."""
    papers = [*PAPERS[:500], replace(PAPERS[10], title="again")]
    raw_home = saved(tmp_path / "home", papers)
    with_workers = list(Store(only_library_json(raw_home, tmp_path / "with")).load_table().items())
    monkeypatch.setattr(coldload, "SMALLEST", 1 << 62)
    without = list(Store(only_library_json(raw_home, tmp_path / "without")).load_table().items())
    assert with_workers == without
    assert workers == [True, False]


def test_a_start_from_a_folder_holding_another_reader_runs_this_ones_workers(tmp_path, monkeypatch, workers):
    """`python -m` would put the current folder first on a worker's path: a `reader`
    package there (another project's clone, an unpacked download) must not run."""
    saved(tmp_path / "warm", PAPERS)
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "reader").mkdir(parents=True)
    ran = tmp_path / "ran"
    (elsewhere / "reader" / "__init__.py").write_text(f"open({str(ran)!r}, 'w').close()\n")
    monkeypatch.chdir(elsewhere)

    cold = Library.open(only_library_json(tmp_path / "warm", tmp_path / "cold"), seed=False)

    assert not ran.exists()
    assert workers == [True]
    assert list(cold.papers.values()) == PAPERS


@settings(max_examples=200, deadline=None)
@given(any_paper(0))
def test_an_imports_record_writes_the_json_its_paper_writes(paper):
    """An import writes library.json from its papers' records, without making the
    Papers: byte for byte what the paper's own dict gives, key order included."""
    from_record = models.values_dict(snapshot.values_of(snapshot.record(paper)))
    assert jsoncodec.dumps(from_record) == jsoncodec.dumps(paper.to_dict())
    assert Paper.from_dict(from_record) == paper
