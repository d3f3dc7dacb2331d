"""A keystroke costs the rows the screen shows, not the papers the query matched.

A search's ranking is put in order only as far as it is read
(reader.search.ranking): a list that reads every match (a set of them, a copy, a
description of the worker that searches) sorts a million papers on each
keystroke. These tests watch whether a ranking was read to its end while a person
types, with papers selected, and with a removal still being saved, and check
what the list shows meanwhile."""

import threading

import pytest

from helpers.paths import CORPORA
from helpers.pilot import papers, settle, status
from reader.app import ReaderApp
from reader.library import Library
from reader.search import ranking
from reader.search.ranking import Ranking

WINDOW = 40  # rows: the list at 80x24 shows about 10


@pytest.fixture
def read_whole(monkeypatch):
    """The rankings made from now on, each with its length and whether it was read to
    its end (put in order whole: a set or copy of every match, a repr)."""
    # A small refined head, so that the demo library's rankings are put in order as read.
    monkeypatch.setattr(ranking, "_REFINED", 3)
    monkeypatch.setattr(ranking, "_REFINED_AT_MOST", 6)
    reads: dict[int, list] = {}
    upto = Ranking.upto

    def counted(self: Ranking, stop: int) -> None:
        entry = reads.setdefault(id(self), [self, False])
        entry[1] = entry[1] or stop >= self.length
        upto(self, stop)

    monkeypatch.setattr(Ranking, "upto", counted)
    return reads


def assert_none_read_whole(read_whole: dict) -> None:
    rankings = [(r.length, whole) for r, whole in read_whole.values()]
    assert any(length > WINDOW for length, _ in rankings), "no query matched more than the window"
    assert not any(whole for length, whole in rankings if length > WINDOW), rankings


async def type_slowly(pilot, text: str) -> None:
    """One key at a time, each search answered before the next key (as the API measures)."""
    for key in text:
        await pilot.press(key)
        await pilot.app.workers.wait_for_complete([w for w in pilot.app.workers if w.group == "search"])
        await pilot.pause()


async def test_typing_reads_no_ranking_whole(home, read_whole):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        read_whole.clear()
        await pilot.press("slash")
        await type_slowly(pilot, "ale")
        result = app.screen.library.search("ale")
        assert f"{result.total} shown" in status(app)
        assert list(papers(app).ids[:5]) == list(result.ids[:5])
        assert_none_read_whole(read_whole)


async def test_typing_keeps_a_selection_to_the_papers_still_listed_reading_no_ranking_whole(home, read_whole):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        library = app.screen.library
        # Two selected papers: one with "a" in its words, one without.
        with_a = next(pid for pid in library.search("a").ids[30:])
        every = set(library.search("").ids)
        without_a = next(iter(every - set(library.search("a").ids)))
        for pid in (with_a, without_a):
            papers(app).move_to(pid)
            await pilot.press("space")
        await settle(pilot)
        read_whole.clear()
        await pilot.press("slash")
        await type_slowly(pilot, "a")
        assert papers(app).selected == {with_a}
        assert_none_read_whole(read_whole)


async def test_typing_while_a_removal_is_saved_leaves_its_paper_out_reading_no_ranking_whole(home, read_whole, monkeypatch):
    saving = threading.Event()
    remove = Library.remove

    def slow_remove(self, *args, **kwargs):
        saving.wait(30)  # the removal is saved once the test has typed
        return remove(self, *args, **kwargs)

    monkeypatch.setattr(Library, "remove", slow_remove)
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        library = app.screen.library
        matching = library.search("a")
        leaving = matching.ids[2]
        papers(app).move_to(leaving)
        await pilot.press("D")
        await pilot.pause()
        read_whole.clear()
        await pilot.press("slash")
        await type_slowly(pilot, "a")
        listed = papers(app).ids
        assert leaving not in listed and f"{matching.total - 1} shown" in status(app)
        assert list(listed[:4]) == [pid for pid in matching.ids[:5] if pid != leaving]
        assert_none_read_whole(read_whole)
        saving.set()
        await settle(pilot)
        assert "removed 1 paper" in status(app) and leaving not in papers(app).ids


@pytest.fixture
def month_home(home):
    """The Hugging Face listings of June 2024: some 20 days, a run of rows each newest first."""
    Library.open(home, seed=False).import_paths(sorted((CORPORA / "hf-daily-papers" / "daily").glob("2024-06-*.json.gz")))
    return home


async def test_brackets_in_a_newest_first_list_read_only_the_days_they_pass(month_home, read_whole):
    app = ReaderApp(home=month_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        read_whole.clear()
        await pilot.press("left_square_bracket", "left_square_bracket", "right_square_bracket")
        row, said = papers(app).cursor, status(app)
        assert_none_read_whole(read_whole)
        days = app.screen.library.listing_days(list(papers(app).ids))
        second = sorted(set(days), reverse=True)[1]
        assert row == days.index(second) and said.startswith(f"{second}: {days.count(second)} papers")


async def test_the_ui_thread_reads_a_typed_searchs_rows_already_in_order(home, monkeypatch):
    """A ranking passes over every match to put its first page in order: in the search's
    worker, so the thread that draws the screen only reads rows."""
    first_read_by: dict[int, str] = {}  # the rankings made while typing: the thread that read each first
    typing = False
    made, upto = Ranking.__init__, Ranking.upto

    def noted_made(self: Ranking, *args, **kwargs) -> None:
        made(self, *args, **kwargs)
        if typing:
            first_read_by[id(self)] = ""

    def noted_read(self: Ranking, stop: int) -> None:
        if first_read_by.get(id(self)) == "":
            first_read_by[id(self)] = threading.current_thread().name
        upto(self, stop)

    monkeypatch.setattr(Ranking, "__init__", noted_made)
    monkeypatch.setattr(Ranking, "upto", noted_read)
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        typing = True
        await pilot.press("slash")
        await type_slowly(pilot, "ale")
        assert first_read_by and threading.main_thread().name not in first_read_by.values(), first_read_by
