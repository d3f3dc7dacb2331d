"""The library as segments: an import small beside the library writes a new file
(library.d/NNNN-<base>.json) instead of rewriting library.json, and every reader of
the home sees the same papers as if library.json had been rewritten.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reader import recovery, store
from reader.cli import main
from reader.library import Library
from reader.models import Paper, Source
from reader.search.postings import Part
from reader.store import DamagedFileError, Store, StoreError

BASE = 40  # papers of the first import; a day of a few is small beside them


def paper(n: int, **facts) -> Paper:
    return Paper(
        id=f"arxiv:2601.{n:05d}",
        title=f"Paper {n} on topic{n}",
        abstract=f"words of paper {n}",
        arxiv_id=f"2601.{n:05d}",
        sources=(Source("day.jsonl", "hf-daily", n),),
        **facts,
    )


def segment_files(home: Path) -> list[Path]:
    return sorted((home / store.SEGMENTS_DIR).glob("*.json"))


def seen(home: Path) -> tuple[list[Paper], dict]:
    """What a restart shows: every paper in order, and every state."""
    library = Library.open(home, seed=False)
    return list(library.papers.values()), library.states


@pytest.fixture
def home(tmp_path) -> Path:
    Library.open(tmp_path, seed=False).import_records([paper(n) for n in range(BASE)])
    return tmp_path


def test_a_day_adds_a_segment_and_leaves_library_json_as_it_was(home):
    before = (home / "library.json").read_bytes()
    library = Library.open(home, seed=False)
    library.bookmark([paper(3).id])
    library.import_records([paper(n) for n in range(BASE, BASE + 3)])
    assert (home / "library.json").read_bytes() == before
    assert len(segment_files(home)) == 1
    papers, states = seen(home)
    assert papers == [paper(n) for n in range(BASE + 3)]
    assert states[paper(3).id].bookmarked


def test_a_merge_into_a_known_paper_is_seen_after_a_restart_in_its_place(home):
    library = Library.open(home, seed=False)
    library.import_records([paper(5, doi="10.1/five"), paper(BASE)])
    library.import_records([paper(6, doi="10.1/six")])
    assert len(segment_files(home)) == 2
    papers, _ = seen(home)
    assert [p.id for p in papers] == [paper(n).id for n in range(BASE + 1)]
    assert papers[5].doi == "10.1/five" and papers[6].doi == "10.1/six"
    assert papers == list(library.papers.values())


def test_the_state_that_comes_with_a_day_is_kept(home):
    Library.open(home, seed=False).import_records([paper(BASE, cite_key="kim2026")])
    _, states = seen(home)
    assert states[paper(BASE).id].key == "kim2026"


def test_a_removal_persists_and_merges_the_segments(home):
    library = Library.open(home, seed=False)
    library.import_records([paper(BASE), paper(BASE + 1)])
    library.remove([paper(BASE).id, paper(2).id])
    assert segment_files(home) == []
    papers, _ = seen(home)
    assert paper(BASE).id not in {p.id for p in papers} and paper(2).id not in {p.id for p in papers}
    assert paper(BASE + 1) in papers


def test_a_large_import_or_many_segments_rewrite_library_json(home, monkeypatch):
    monkeypatch.setattr(store, "SEGMENTS_AT_MOST", 2)
    library = Library.open(home, seed=False)
    for n in range(BASE, BASE + 3):
        library.import_records([paper(n)])
    assert len(segment_files(home)) == 0  # the third merged the first two
    library.import_records([paper(n) for n in range(100, 100 + BASE)])  # as large as the library
    assert segment_files(home) == []
    assert seen(home)[0] == list(library.papers.values())


@pytest.mark.parametrize("removed", [[BASE], [BASE, 2]], ids=["library.json as before", "another library.json"])
def test_a_compaction_killed_before_it_deleted_the_segments_loses_no_removal(home, monkeypatch, removed):
    library = Library.open(home, seed=False)
    library.import_records([paper(BASE)])
    delete = Store._delete_segments

    def killed_after_writing(self, base=None):  # the deletion after library.json is written never happens
        if base is not None:
            delete(self, base)

    monkeypatch.setattr(Store, "_delete_segments", killed_after_writing)
    library.remove([paper(n).id for n in removed])
    monkeypatch.undo()
    ids = {p.id for p in seen(home)[0]}
    assert not ids & {paper(n).id for n in removed}
    assert len(ids) == BASE + 1 - len(removed)


def test_another_process_day_is_kept_by_this_one(home):
    mine, theirs = Library.open(home, seed=False), Library.open(home, seed=False)
    theirs.import_records([paper(BASE)])
    mine.import_records([paper(BASE + 1)])
    papers, _ = seen(home)
    assert {paper(BASE), paper(BASE + 1)} <= set(papers)
    assert len(papers) == BASE + 2


def test_a_running_app_picks_up_another_process_day(home):
    mine = Library.open(home, seed=False)
    assert mine.reload_papers_if_changed() is None
    Library.open(home, seed=False).import_records([paper(BASE)])
    reload = mine.reload_papers_if_changed()
    assert reload is not None and reload.new == 1
    mine.adopt(reload)
    assert mine.reload_papers_if_changed() is None
    assert mine.search("topic40").ids[0] == paper(BASE).id


def test_a_home_with_only_library_json_opens_as_before(home):
    content = (home / "library.json").read_bytes()
    library = Library.open(home, seed=False)
    assert list(library.papers.values()) == [paper(n) for n in range(BASE)]
    assert library.store.content_id == store._digest(content)  # the caches keep their names
    assert not (home / store.SEGMENTS_DIR).exists()


def test_the_cli_bookmarks_a_paper_of_a_segment_by_the_keys_files(home, capsys):
    Library.open(home, seed=False).import_records([paper(BASE)])
    Library.open(home, seed=False)  # the keys files of library.json and the segment are in place
    assert Library.open_for_state(home)._keys is not None  # the papers are not loaded
    assert main(["--home", str(home), "bookmark", "2601.00040"]) == 0
    assert main(["--home", str(home), "tag", paper(BASE).id[:-1], "new"]) == 0
    state = seen(home)[1][paper(BASE).id]
    assert state.bookmarked and state.tags == ("new",)


def test_a_segment_without_its_caches_reads_the_same(home):
    Library.open(home, seed=False).import_records([paper(BASE, doi="10.1/x"), paper(1, doi="10.1/one")])
    expected = seen(home)
    for cache in (home / store.SEGMENTS_DIR).glob("*.papers"):
        cache.unlink()
    assert seen(home) == expected
    assert list((home / store.SEGMENTS_DIR).glob("*.papers"))  # made again


def test_a_damaged_segment_is_kept_aside_named_and_recover_opens_without_it(home):
    Library.open(home, seed=False).import_records([paper(BASE)])
    Library.open(home, seed=False).import_records([paper(BASE + 1)])
    first, second = segment_files(home)
    for cache in first.parent.glob(f"{first.stem}.*"):
        if cache != first:
            cache.unlink()
    first.write_bytes(first.read_bytes()[:-20])
    with pytest.raises(DamagedFileError) as raised:
        Library.open(home, seed=False)
    message = str(raised.value)
    assert first.name in message and "recover" in message
    kept = raised.value.kept
    assert kept is not None and kept.exists()
    done = recovery.recover(Store(home))
    assert any(first.name in line for line in done)
    papers, _ = seen(home)
    assert [p.id for p in papers] == [paper(n).id for n in [*range(BASE), BASE + 1]]
    assert kept.exists()  # nothing dropped without a trace


def test_reader_import_of_a_day_updates_the_cached_index(home, tmp_path_factory):
    days = tmp_path_factory.mktemp("days")
    (days / "1.bib").write_text("@article{x, title={Zebrafish Quorum Sensing}, author={Kim, A}, year={2026}}\n")
    (days / "2.bib").write_text("@article{y, title={Paper 7 on topic7}, doi={10.1234/seven}, year={2026}}\n")
    assert Library.open(home, seed=False).index is not None  # its cache: the library before the days
    for day in ("1.bib", "2.bib"):
        assert main(["--home", str(home), "import", str(days / day)]) == 0
    restarted = Library.open(home, seed=False)
    assert len(segment_files(home)) == 2
    assert [f.name for f in home.glob("search-*.idx")] == [f"search-{restarted.store.content_id}.idx"]
    assert restarted.index.cache_hit
    assert restarted.search("zebrafish").total == 1
    assert restarted.search("topic7").ids[0] == paper(7).id
    assert restarted.get(paper(7).id).doi == "10.1234/seven"


def test_an_index_part_saved_without_its_dead_documents_keeps_the_others():
    part = Part.from_postings({"a": [1, 2], "b": [2], "c": [3]})
    part.dead.add(2)
    part.drop_dead()
    assert [(w, list(part.data[part.offsets[i] : part.offsets[i + 1]])) for i, w in enumerate(part.words)] == [
        ("a", [1]),
        ("b", []),
        ("c", [3]),
    ]


def test_reader_compact_merges_the_segments_and_keeps_the_index(home, tmp_path_factory, capsys):
    assert Library.open(home, seed=False).index is not None  # its cache
    days = tmp_path_factory.mktemp("days")
    for n in (BASE, BASE + 1):
        assert main(["--home", str(home), "import", str(_bib(days, n))]) == 0
    expected = seen(home)
    capsys.readouterr()
    assert main(["--home", str(home), "compact"]) == 0
    assert capsys.readouterr().out == "2 segments merged into library.json\n"
    assert segment_files(home) == []
    assert seen(home) == expected
    restarted = Library.open(home, seed=False)
    assert restarted.index.cache_hit and restarted.search("Gecko41").ids[0] in restarted.papers


def _bib(folder: Path, n: int) -> Path:
    path = folder / f"day-{n}.bib"
    path.write_text(f"@article{{k{n}, title={{Gecko{n} Rhythms}}, author={{Lee, B}}, year={{2026}}}}\n")
    return path


def test_a_compaction_while_the_library_is_read_is_read_through(home, monkeypatch):
    Library.open(home, seed=False).import_records([paper(BASE)])
    expected = seen(home)[0]
    read_base = Store._read_base
    compacted = []

    def and_another_reader_compacts(self, *args):
        found = read_base(self, *args)
        if not compacted:
            compacted.append("started")  # the other reader's own read is not this one
            compacted[0] = Library.open(home, seed=False).compact()
        return found

    monkeypatch.setattr(Store, "_read_base", and_another_reader_compacts)
    assert list(Library.open(home, seed=False).papers.values()) == expected
    assert compacted == [1]


def test_reader_import_after_another_process_day_leaves_the_index_cached(home, tmp_path_factory, monkeypatch):
    assert Library.open(home, seed=False).index is not None  # its cache: the library before the days
    days = tmp_path_factory.mktemp("days")
    open_library = Library.open

    def and_another_reader_imports_meanwhile(*args, **kwargs):
        opened = open_library(*args, **kwargs)
        open_library(home, seed=False).import_records([paper(BASE + 1)])
        return opened

    monkeypatch.setattr(Library, "open", and_another_reader_imports_meanwhile)
    assert main(["--home", str(home), "import", str(_bib(days, BASE))]) == 0
    monkeypatch.undo()
    restarted = Library.open(home, seed=False)
    assert len(restarted) == BASE + 2
    assert restarted.index.cache_hit
    assert restarted.search("Gecko40").total == 1


def test_recover_puts_back_library_json_with_the_days_written_over_the_damaged_one(home):
    Library.open(home, seed=False).import_records([paper(n) for n in range(BASE, BASE + 20)])  # whole: a .bak
    Library.open(home, seed=False).import_records([paper(BASE + 20), paper(BASE + 21)])  # a day: a segment
    library_json = home / "library.json"
    library_json.write_bytes(library_json.read_bytes()[:-50])
    done = recovery.recover(Store(home))
    assert any("2 papers" in line for line in done)  # said, not left for a compaction to delete
    kept = [paper(n).id for n in [*range(BASE), BASE + 20, BASE + 21]]  # the .bak's, and the day's
    papers, _ = seen(home)
    assert [p.id for p in papers] == kept
    Library.open(home, seed=False).import_records([paper(n) for n in range(BASE + 22, BASE + 60)])  # a compaction
    papers, _ = seen(home)
    assert [p.id for p in papers] == kept + [paper(n).id for n in range(BASE + 22, BASE + 60)]


def test_a_compaction_rebased_onto_another_process_day_finds_that_day_after_a_restart(home):
    Library.open(home, seed=False).import_records([paper(BASE)])  # a segment
    compacting = Library.open(home, seed=False)
    assert compacting.index is not None  # taken before the other's import
    merged = Paper(
        id=paper(7).id,
        title=paper(7).title,
        authors=("Zanzibar Quokka",),
        abstract="",
        arxiv_id=paper(7).arxiv_id,
        sources=(Source("d2.jsonl", "hf-daily", 1),),
    )
    Library.open(home, seed=False).import_records([merged])
    compacting.compact()
    assert compacting.search("quokka").ids == [paper(7).id]
    assert Library.open(home, seed=False).search("quokka").ids == [paper(7).id]


def test_a_linked_library_d_is_refused_and_named_nothing_written_through_it(home, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / ".left.tmp").write_text("someone else's")
    (home / store.SEGMENTS_DIR).symlink_to(elsewhere)
    with pytest.raises(StoreError, match=f"{store.SEGMENTS_DIR}: not a folder .*move it"):
        Library.open(home, seed=False).import_records([paper(BASE)])
    assert [p.name for p in elsewhere.iterdir()] == [".left.tmp"]


def test_each_segment_checked_after_a_touch_keeps_its_own_note_and_a_compaction_leaves_none(home):
    Library.open(home, seed=False).import_records([paper(BASE)])
    Library.open(home, seed=False).import_records([paper(BASE + 1)])
    for segment in segment_files(home):
        segment.touch()  # a backup tool: the same bytes, another stat
    expected = seen(home)
    folder = home / store.SEGMENTS_DIR
    notes = [p.name for p in folder.glob("*.seen")]
    assert notes and {name[:5] for name in notes} == {"0001-", "0002-"}  # each segment's own, none shared
    Library.open(home, seed=False).compact()
    assert seen(home) == expected
    assert list(folder.iterdir()) == []


def test_recover_empty_sets_the_segments_of_the_damaged_library_aside_with_it(home):
    """library.json damaged with no backup: started afresh, the days imported over it
    neither come back nor stay in library.d, ignored; they are kept aside beside the
    damaged copy, and said."""
    Library.open(home, seed=False).import_records([paper(BASE), paper(BASE + 1)])  # a day: a segment
    (day,) = segment_files(home)
    day_bytes = day.read_bytes()
    library_json = home / "library.json"
    library_json.write_bytes(library_json.read_bytes()[:-50])
    assert not (home / "library.json.bak").exists()
    done = recovery.recover(Store(home), empty=True)
    assert segment_files(home) == [] and not list((home / store.SEGMENTS_DIR).glob("*"))
    (aside,) = [line for line in done if store.SEGMENTS_DIR in line]
    (kept_day,) = home.glob(f"{store.SEGMENTS_DIR}.broken-*/{day.name}")
    assert kept_day.read_bytes() == day_bytes and kept_day.parent.name in aside and "import" in aside
    assert not list(kept_day.parent.glob("*.papers")) and not list(kept_day.parent.glob("*.keys"))  # caches: made again
    papers, _ = seen(home)
    assert papers == []
    Library.open(home, seed=False).import_records([paper(n) for n in range(3)])
    papers, _ = seen(home)
    assert [p.id for p in papers] == [paper(n).id for n in range(3)]  # the old days do not come back


def test_a_segments_paper_file_is_named_as_library_jsons_and_an_older_readers_goes(home):
    Library.open(home, seed=False).import_records([paper(BASE), paper(3, doi="10.1/three")])
    expected = seen(home)
    (day,) = segment_files(home)
    papers_file = day.with_suffix(".papers")
    assert papers_file.exists() and not day.with_suffix(".snapshot").exists()
    older = day.with_suffix(".snapshot")  # as a reader before this name wrote it
    papers_file.rename(older)
    assert seen(home) == expected
    assert papers_file.exists() and not older.exists()
    Library.open(home, seed=False).compact()
    assert not list((home / store.SEGMENTS_DIR).iterdir())
