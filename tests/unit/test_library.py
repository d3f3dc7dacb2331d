import os
import time
from datetime import date

import pytest

from helpers import clock
from helpers.paths import DATA
from reader.library import Library, LibraryError, bundled_data


@pytest.fixture
def library(home) -> Library:
    return Library.open(home)


def test_first_open_of_an_empty_home_imports_the_bundled_seed_dumps(library):
    assert bundled_data() == DATA
    assert len(library) == 423


def test_importing_the_same_files_again_changes_nothing(library):
    before = dict(library.papers)
    report = library.import_paths([DATA])
    assert (report.new, report.merged, report.unchanged) == (0, 0, 484)
    assert library.papers == before


def test_a_paper_listed_in_two_dumps_keeps_both_provenances(library):
    repeated = [p for p in library.papers.values() if len({s.file for s in p.sources}) > 1]
    assert repeated, "the seed dumps share papers"
    assert all(len(p.sources) >= 2 for p in repeated)


def test_state_survives_reopening_the_home(home, library):
    paper_id = next(iter(library.papers))
    library.set_bookmarked(paper_id)
    library.add_tags(paper_id, ["To Read", "rl"])
    library.set_read(paper_id)
    again = Library.open(home)
    state = again.state_of(paper_id)
    assert state.bookmarked and state.read
    assert state.tags == ("to-read", "rl")


def test_reimport_never_touches_state(library):
    paper_id = next(iter(library.papers))
    library.add_tags(paper_id, ["keep"])
    library.import_paths([DATA])
    assert library.state_of(paper_id).tags == ("keep",)


def test_remove_tags(library):
    paper_id = next(iter(library.papers))
    library.add_tags(paper_id, ["a", "b"])
    assert library.remove_tags(paper_id, ["A"]).tags == ("b",)


def test_ids_resolve_from_a_unique_prefix(library):
    paper_id = next(iter(library.papers))
    assert library.resolve(paper_id[:14]) == paper_id
    with pytest.raises(LibraryError, match="no paper"):
        library.resolve("title:zzzzzzzz")
    with pytest.raises(LibraryError, match="matches"):
        library.resolve("title:")


def test_a_missing_file_is_a_problem_not_a_crash(library, tmp_path):
    report = library.import_paths([tmp_path / "nope.txt"])
    assert report.records == 0
    assert "no such file" in str(report.problems[0])


def test_an_unknown_format_is_reported_and_nothing_changes(library, tmp_path):
    odd = tmp_path / "odd.csv"
    odd.write_text("a,b,c\n1,2,3\n")
    before = dict(library.papers)
    report = library.import_paths([odd])
    assert "unknown format" in str(report.problems[0])
    assert library.papers == before


def test_changes_from_another_instance_are_picked_up(home, library):
    other = Library.open(home)
    paper_id = next(iter(library.papers))
    other.set_bookmarked(paper_id)
    assert library.reload_state_if_changed()
    assert library.state_of(paper_id).bookmarked
    assert not library.reload_state_if_changed()


def test_search_finds_seed_papers_despite_a_typo(library):
    result = library.search("tranformer")
    titles = [library.get(i).title.lower() for i in result.ids[:5]]
    assert titles and all("transformer" in t for t in titles)


def test_hf_days_and_arxiv_listing_merge_to_the_distinct_papers(tmp_path):
    from helpers.paths import CORPORA

    library = Library.open(tmp_path, seed=False)
    library.import_paths([CORPORA / "hf-daily-papers" / "daily", CORPORA / "arxiv-daily-listing"])
    assert len(library) == 16_124
    both = [p for p in library.papers.values() if {s.format for s in p.sources} >= {"hf-json", "arxiv-listing"}]
    assert len(both) == 386


def test_an_import_reports_progress_through_the_bytes_it_has_read(tmp_path):
    from helpers.paths import CORPORA

    dump = CORPORA / "hf-daily-papers" / "hf_daily_papers_all.jsonl.gz"  # one file, ~10k records
    days = sorted((CORPORA / "arxiv-daily-listing" / "daily").iterdir())[:3]  # and a few small ones
    library = Library.open(tmp_path / "home", seed=False)
    calls: list[tuple[int, int, int, str]] = []
    report = library.import_paths([*days, dump], progress=lambda *call: calls.append(call))
    total = sum(path.stat().st_size for path in [*days, dump])
    assert calls[-1] == (total, total, report.records, "")
    read = [done for done, _, _, _ in calls]
    assert read == sorted(read) and all(t == total for _, t, _, _ in calls)
    records = [n for _, _, n, _ in calls]
    assert records == sorted(records)
    # Inside the big file the bar moves with its compressed bytes, not only at its end.
    start_of_dump = total - dump.stat().st_size
    assert len({done for done in read if start_of_dump < done < total}) >= 5


def test_an_import_says_each_step_of_its_save_after_every_file_is_read(tmp_path):
    # At 1M papers the save takes over a minute after the last byte is read.
    from helpers.paths import CORPORA

    days = sorted((CORPORA / "arxiv-daily-listing" / "daily").iterdir())
    library = Library.open(tmp_path / "home", seed=False)
    calls: list[tuple[int, int, int, str]] = []
    report = library.import_paths(days[:3], progress=lambda *call: calls.append(call), index=True)
    total = sum(path.stat().st_size for path in days[:3])
    steps = [step for *_, step in calls if step]
    assert steps == [
        "saving",
        "indexing",
        "writing library.json",
        "writing the fast-start copy",
        "finishing the search index",
    ]
    first_step = next(i for i, call in enumerate(calls) if call[3])
    assert all(step == "" for *_, step in calls[:first_step])  # while reading
    assert all(call[:3] == (total, total, report.records) for call in calls[first_step:])
    assert calls[-1][3] == ""  # done: the bar says only what was read

    calls.clear()  # a day added to the library is saved as a segment, and indexed over the index saved
    library.import_paths(days[3:4], progress=lambda *call: calls.append(call), index=True)
    assert [step for *_, step in calls if step] == ["saving", "updating the search index"]


def test_opening_says_which_slow_steps_it_takes_and_a_second_open_takes_none(tmp_path):
    home = tmp_path / "home"
    _ = Library.open(home).index  # the property builds the seed library, its snapshot and its search index
    for cache in [home / "library.papers", *home.glob("search-*.idx")]:
        cache.unlink()  # as for a library.json copied from another machine
    heard: list[str] = []
    library = Library.open(home, announce=heard.append)
    _ = library.index  # the property builds the search index, announcing each slow step
    assert [step.split()[0] for step in heard] == ["reading", "indexing"]
    assert "library.json" in heard[0] and f"{len(library):,} papers" in heard[1]
    heard.clear()
    _ = Library.open(home, announce=heard.append).index  # the property would announce any slow step it took
    assert heard == []


@pytest.fixture
def live_in():
    """Call with a zone to live there (TZ) from then on; the zone is put back after."""
    before = os.environ.get("TZ")

    def move(zone: str) -> None:
        os.environ["TZ"] = zone
        time.tzset()

    yield move
    if before is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = before
    time.tzset()


def test_decisions_count_for_the_local_day_wherever_the_home_is_opened(home, live_in):
    """One home used from two time zones (say a laptop and a server over SSH)."""
    live_in(clock.AHEAD)
    library = Library.open(home)
    first, second, third, fourth = list(library.papers)[:4]
    library.set_bookmarked(first)
    library.set_read(second)
    library.add_tags(third, ["later"])
    library.dismiss([fourth])
    assert library.decided_per_day() == {date.today().isoformat(): 4}
    live_in(clock.BEHIND)  # 26 hours behind: the same four were decided on this zone's today
    assert Library.open(home).decided_per_day() == {date.today().isoformat(): 4}


def test_each_intent_is_one_undoable_step_over_the_papers_and_says_which_changed(home, library):
    a, b, c = list(library.papers)[:3]
    library.bookmark([a])
    changed = library.bookmark([a, b, c])
    assert set(changed) == {b, c} and all(state.bookmarked for state in changed.values())  # a already was
    assert library.undo().said == "bookmarked (3 papers)"
    assert library.state_of(a).bookmarked and not library.state_of(b).bookmarked

    assert set(library.tag([a, b], add=["Reading List"])) == {a, b}
    assert library.tag([a], remove=["reading-list"], add=["ml"])[a].tags == ("ml",)
    assert library.undo().said == "tags +ml -reading-list"
    assert library.dismiss([c])[c].dismissed and library.state_of(c).read
    assert library.mark_read([c], False)[c].read is False
    assert library.set_note(a, "  worth a second look \n")[a].note == "worth a second look"
    assert library.set_note(a, "worth a second look") == {}  # nothing changed: not a step
    assert library.undo().said == "note"
    again = Library.open(home)
    assert again.state_of(c).dismissed and not again.state_of(c).read and again.state_of(a).note == ""


def test_undoing_a_removal_puts_the_papers_back_where_they_stood(home, library):
    order = list(library.papers)
    library.tag([order[5]], ["keep"])
    library.remove([order[0], order[5], order[6], order[-1]])
    library.remove([order[3]])
    again = Library.open(home)  # the history is read back from the file
    again.undo()
    again.undo()
    assert list(again.papers) == order
    assert list(Library.open(home).papers) == order
    assert again.state_of(order[5]).tags == ("keep",)
