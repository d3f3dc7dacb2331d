import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reader.marshalfile
from reader.files import StoreError, write_atomically
from reader.models import Paper, PaperState, Source
from reader.store import Store


def paper(n: int) -> Paper:
    return Paper(id=f"title:{n:012d}", title=f"Paper {n}", abstract="text", sources=(Source("f.txt", "hf-page", n),))


def test_papers_round_trip_through_the_library_file(tmp_path):
    Store(tmp_path).save_papers([paper(1), paper(2)])
    assert Store(tmp_path).load_papers() == [paper(1), paper(2)]


def test_library_file_is_a_tinydb_database(tmp_path):
    from tinydb import TinyDB

    Store(tmp_path).save_papers([paper(1)])
    with TinyDB(tmp_path / "library.json") as db:
        assert db.table("papers").all()[0]["title"] == "Paper 1"


def test_a_change_is_on_disk_when_change_state_returns(tmp_path):
    Store(tmp_path).change_states({"p1": lambda s: replace(s, bookmarked=True, tags=("a",))})
    reopened = Store(tmp_path).load_states()
    assert reopened["p1"].bookmarked and reopened["p1"].tags == ("a",)
    assert reopened["p1"].updated


def test_two_stores_on_one_home_keep_each_others_changes(tmp_path):
    first, second = Store(tmp_path), Store(tmp_path)
    first.load_states()
    second.load_states()
    first.change_states({"p1": lambda s: replace(s, read=True)})
    second.change_states({"p2": lambda s: replace(s, read=True)})
    first.change_states({"p2": lambda s: replace(s, tags=("x",))})
    states = Store(tmp_path).load_states()
    assert states["p1"].read
    assert states["p2"].read and states["p2"].tags == ("x",)


@pytest.mark.parametrize("content", ["", "{not json", "[1, 2]", '{"state": [1]}'])
def test_a_damaged_state_file_is_named_in_a_clear_error(tmp_path, content):
    (tmp_path / "state.json").write_text(content)
    with pytest.raises(StoreError, match="state.json"):
        Store(tmp_path).load_states()


def test_atomic_write_leaves_no_temp_files(tmp_path):
    target = tmp_path / "x.json"
    write_atomically(target, json.dumps({"a": 1}))
    write_atomically(target, json.dumps({"a": 2}))
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_a_second_start_reads_the_paper_file_and_gets_the_same_papers(tmp_path):
    papers = [paper(n) for n in range(5)]
    Store(tmp_path).save_papers(papers)
    assert (tmp_path / "library.papers").exists()
    (tmp_path / "library.json").chmod(0o000)  # the paper file alone must be enough...
    try:
        assert Store(tmp_path).load_papers() == papers
    finally:
        (tmp_path / "library.json").chmod(0o600)


def test_a_library_file_replaced_behind_the_paper_file_is_what_loads(tmp_path):
    Store(tmp_path).save_papers([paper(1), paper(2)])
    other = tmp_path / "other"
    Store(other).save_papers([paper(3)])
    # another tool (or `reader recover`) puts a different library.json in place
    (other / "library.json").replace(tmp_path / "library.json")
    assert Store(tmp_path).load_papers() == [paper(3)]
    assert Store(tmp_path).load_papers() == [paper(3)]  # and the paper file follows it


@pytest.mark.parametrize("damage", [b"", b"garbage", b"\xe3\x00\x00"])
def test_a_damaged_paper_file_only_costs_a_slower_start(tmp_path, damage):
    Store(tmp_path).save_papers([paper(1), paper(2)])
    (tmp_path / "library.papers").write_bytes(damage)
    assert Store(tmp_path).load_papers() == [paper(1), paper(2)]


def test_a_change_to_a_thousand_papers_is_one_write_of_the_state_file(tmp_path, monkeypatch):
    from reader import store

    writes = []
    real = store.write_atomically
    monkeypatch.setattr(store, "write_atomically", lambda path, *a, **k: (writes.append(path.name), real(path, *a, **k)))
    ids = [f"p{n}" for n in range(1000)]
    Store(tmp_path).change_states({pid: lambda s: replace(s, read=True) for pid in ids[:500]})
    Store(tmp_path).change_states({pid: lambda s: replace(s, tags=("bulk",)) for pid in ids})  # 500 updated, 500 new
    assert writes == ["state.json", "state.json"]
    states = Store(tmp_path).load_states()
    assert all(states[pid].tags == ("bulk",) for pid in ids) and sum(s.read for s in states.values()) == 500


def test_state_goes_by_paper_id_whatever_tinydb_numbered_the_records(tmp_path):
    from tinydb import TinyDB, where

    with TinyDB(tmp_path / "state.json") as db:  # as stock TinyDB leaves it: a gap, ids reused
        table = db.table("state")
        table.insert_multiple([{"id": "a", "read": True}, {"id": "b", "read": True}, {"id": "c", "read": True}])
        table.remove(where("id") == "c")
        table.remove(where("id") == "a")
        table.insert({"id": "d", "read": True})  # takes the highest number back: 3, c's
    Store(tmp_path).change_states({pid: lambda s: replace(s, bookmarked=True) for pid in "acd"})
    with TinyDB(tmp_path / "state.json") as db:
        table = db.table("state")
        assert sorted(doc["id"] for doc in table) == ["a", "b", "c", "d"]
        assert [doc["bookmarked"] for doc in table.search(where("id") == "d")] == [True]
        assert table.get(where("id") == "b")["read"] and not table.get(where("id") == "b").get("bookmarked")
        assert table.get(where("id") == "c")["bookmarked"] and not table.get(where("id") == "c")["read"]  # removed: afresh


# --- one decoder per record: whatever a file holds, a record or a reason -------------------

_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)
_TEXT = st.text(max_size=5)
_TEXTS = st.lists(_TEXT, max_size=3)


def _or_junk(strategy: st.SearchStrategy) -> st.SearchStrategy:
    """The field's kind of value, or anything JSON holds."""
    return strategy | _ANY


_SOURCE = st.fixed_dictionaries(
    {},
    optional={"file": _or_junk(_TEXT), "format": _TEXT, "position": _or_junk(st.integers()), "date": _or_junk(st.none() | _TEXT)},
)
_PAPER = st.fixed_dictionaries(
    {},
    optional={
        "id": _or_junk(_TEXT),
        "title": _or_junk(_TEXT),
        "abstract": _or_junk(_TEXT),
        "authors": _or_junk(_TEXTS),
        "links": _TEXTS,
        "categories": _or_junk(_TEXTS),
        "sources": _or_junk(st.lists(_SOURCE, max_size=2)),
        "arxiv_id": _or_junk(st.none() | _TEXT),
        "published": _TEXT,
        "upvotes": _or_junk(st.none() | st.integers()),
        "venue": _or_junk(st.none() | _TEXT),
        "editors": _or_junk(_TEXTS),
    },
)
_STATE = st.fixed_dictionaries(
    {},
    optional={
        "read": _or_junk(st.booleans()),
        "bookmarked": st.booleans(),
        "dismissed": _or_junk(st.booleans()),
        "tags": _or_junk(_TEXTS),
        "note": _or_junk(_TEXT),
        "updated": _or_junk(st.none() | _TEXT),
        "key": _or_junk(st.none() | _TEXT),
    },
)


@settings(max_examples=300, deadline=None)
@given(doc=_PAPER | _ANY)
def test_any_paper_record_decodes_to_a_paper_or_says_what_is_wrong(doc):
    try:
        decoded = Paper.from_dict(doc)
    except ValueError as error:
        assert str(error)
        return
    assert Paper.from_dict(decoded.to_dict()) == decoded


@settings(max_examples=300, deadline=None)
@given(doc=_STATE | _ANY)
def test_any_state_record_decodes_to_a_state_or_says_what_is_wrong(doc):
    try:
        decoded = PaperState.from_dict(doc)
    except ValueError as error:
        assert str(error)
        return
    assert PaperState.from_dict(decoded.to_dict()) == decoded


def test_a_citation_key_outlives_a_change_back_to_a_state_without_one_in_memory_too(tmp_path):
    store = Store(tmp_path)
    store.change_states({"p1": lambda s: replace(s, read=True)})
    store.change_states({"p1": lambda s: replace(s, key="smith2024")})
    undone = store.change_states({"p1": lambda s: replace(s, read=False, key=None)})  # as an undo of the read mark
    assert undone["p1"].key == "smith2024" == Store(tmp_path).load_states()["p1"].key
    assert not undone["p1"].read


def _until_restatted(path, change):
    """Make `change` to the file until its stat shows it: the change time has a
    coarse clock, so a change may land in the tick the file was written in."""
    from reader import snapshot

    before = snapshot.identity(path)
    for _ in range(100_000):
        change(path)
        if snapshot.identity(path) != before:
            return
    pytest.skip("the file system did not change the file's stat")


def _relink(path):
    link = path.with_name("library.json.link")
    link.unlink(missing_ok=True)
    os.link(path, link)


@pytest.mark.parametrize(
    "change",
    [
        lambda path: os.utime(path, ns=(10**18, 10**18)),  # touch, or a backup tool putting times back
        lambda path: path.chmod(path.stat().st_mode ^ 0o040),
        _relink,
    ],
    ids=["utime", "chmod", "hard link"],
)
def test_a_library_file_whose_metadata_changed_keeps_its_paper_file(tmp_path, change):
    papers = [paper(n) for n in range(5)]
    Store(tmp_path).save_papers(papers)
    _until_restatted(tmp_path / "library.json", change)
    announced: list[str] = []
    assert Store(tmp_path).load_papers(announce=announced.append) == papers
    assert announced == []  # no "reading library.json (...)": the paper file was used
    again: list[str] = []
    assert Store(tmp_path).load_papers(announce=again.append) == papers and again == []


def test_a_library_file_copied_whole_is_read_once_for_all_its_caches(tmp_path, monkeypatch):
    """A home restored from a backup: every cache's note names another stat, and each
    checked library.json's bytes again (1.5 s apiece at 1M papers)."""
    papers = [paper(n) for n in range(5)]
    Store(tmp_path / "home").save_papers(papers)
    shutil.copytree(tmp_path / "home", tmp_path / "copy")  # a new inode for every file
    reads = []
    digest_of = reader.snapshot.digest_of
    monkeypatch.setattr(reader.snapshot, "digest_of", lambda *a: reads.append(a) or digest_of(*a))
    store = Store(tmp_path / "copy")
    assert store.load_papers() == papers
    assert store.load_keys() is not None  # the keys file is used too
    assert len(reads) == 1


def test_the_same_size_with_other_bytes_is_not_taken_for_the_snapshots_library(tmp_path):
    Store(tmp_path).save_papers([paper(1), paper(2)])
    library = tmp_path / "library.json"
    raw = library.read_bytes()
    with open(library, "r+b") as stream:  # edited in place, as a tool might: same size, same inode
        stream.write(raw.replace(b"Paper 2", b"Paper 9"))
    os.utime(library, ns=(10**18, 10**18))
    announced: list[str] = []
    assert [p.title for p in Store(tmp_path).load_papers(announce=announced.append)] == ["Paper 1", "Paper 9"]
    assert len(announced) == 1


def test_a_keys_file_that_cannot_be_written_or_removed_does_not_stop_the_library_loading(tmp_path, monkeypatch):
    store = Store(tmp_path)
    store.save_papers([Paper(id="arxiv:2401.00001", title="One", abstract="")])
    store.papers_path.unlink()  # so loading reads library.json and writes the caches again

    def refuse(*_args, **_kwargs):
        raise PermissionError(13, "read-only home")

    monkeypatch.setattr(reader.marshalfile, "write", refuse)
    monkeypatch.setattr(Path, "unlink", refuse)
    papers = store.load_papers()
    assert [p.title for p in papers] == ["One"]


def large_paper(n: int) -> Paper:
    words = " ".join(f"w{n}x{i}" for i in range(60))  # an abstract of about 500 bytes, unlike any other's
    return Paper(id=f"title:{n:012d}", title=f"Paper {n}", abstract=words, authors=(f"Author {n}",),
                 sources=(Source("f.txt", "hf-page", n),))  # fmt: skip


def test_writing_a_cache_holds_one_copy_of_its_bytes(tmp_path):
    """The snapshot is written at an import's peak: its bytes (1.9 GB at 1M papers)
    are written as they are, not copied once more on the way."""
    import tracemalloc

    value = [f"{n:08d}" * 1250 for n in range(2000)]  # 20 MB of text
    tracemalloc.start()
    try:
        reader.marshalfile.write(tmp_path / "cache", value)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1.5 * (tmp_path / "cache").stat().st_size
    assert reader.marshalfile.read(tmp_path / "cache") == (value, [])


def test_the_library_file_is_what_tinydb_writes_of_the_papers_a_record_a_line(tmp_path):
    from tinydb import TinyDB

    from reader import jsoncodec

    papers = [large_paper(n) for n in range(12_000)]  # more than one chunk of the write
    papers[7] = replace(papers[7], title="two\nlines", abstract="a\r\nb")
    Store(tmp_path).save_papers(papers)
    document = {"papers": {str(n): p.to_dict() for n, p in enumerate(papers, 1)}}
    raw = (tmp_path / "library.json").read_bytes()
    assert raw.replace(b"\n", b"") == jsoncodec.dumps(document)  # only JSON's whitespace added
    assert raw.count(b"\n") == len(papers) + 1  # before each record, and after the last
    with TinyDB(tmp_path / "library.json", access_mode="r") as db:
        assert [dict(doc) for doc in db.table("papers")] == [p.to_dict() for p in papers]


def test_a_paper_only_the_standard_library_can_write_is_saved_and_read_back(tmp_path):
    papers = [large_paper(n) for n in range(6000)]
    papers[5500] = replace(papers[5500], title="a lone surrogate \udc80 from a scraper")
    Store(tmp_path).save_papers(papers)
    (tmp_path / "library.papers").unlink()  # read the JSON itself
    assert Store(tmp_path).load_papers() == papers


def test_a_reader_started_while_an_import_writes_the_library_leaves_its_file_alone(tmp_path, monkeypatch):
    """The import writes library.json beside it before it takes the home's lock; a
    reader (the app, a CLI call) started meanwhile sweeps the temp files killed
    writers left, and must not take this one for one of them."""
    from reader import coldload

    real = coldload.library_chunks

    def chunks_with_a_reader_starting(count, dict_at, digest):
        for n, chunk in enumerate(real(count, dict_at, digest)):
            if n == 2:
                Store(tmp_path)  # sweeps
            yield chunk

    monkeypatch.setattr(coldload, "library_chunks", chunks_with_a_reader_starting)
    papers = [paper(n) for n in range(3000)]
    Store(tmp_path).save_papers(papers)
    assert Store(tmp_path).load_papers() == papers and not list(tmp_path.glob(".*.tmp"))


def test_a_start_removes_a_fifo_named_like_a_temp_file_instead_of_waiting_on_it(tmp_path):
    fifo = tmp_path / ".library.json.1234.tmp"
    os.mkfifo(fifo)
    start = "import sys; from reader.store import Store; Store(sys.argv[1])"
    subprocess.run([sys.executable, "-c", start, str(tmp_path)], check=True, timeout=60)  # never returned: no writer
    assert not fifo.exists()


def test_a_reader_started_while_the_paper_file_is_written_leaves_its_file_alone(tmp_path, monkeypatch):
    """The paper file is written under no lock of the home (a start makes it again
    when it is missing); a start meanwhile must not sweep it away as a killed writer's."""
    from reader import snapshot

    real, started = snapshot._put, []

    def put_with_a_reader_starting(stream, data, checksum):
        if not started:
            started.append(Store(tmp_path))  # sweeps
        return real(stream, data, checksum)

    monkeypatch.setattr(snapshot, "_put", put_with_a_reader_starting)
    papers = [paper(n) for n in range(300)]
    Store(tmp_path).save_papers(papers)
    assert started and (tmp_path / "library.papers").is_file() and not list(tmp_path.glob(".*.tmp"))
