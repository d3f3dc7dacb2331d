"""A home holding only library.json (copied from elsewhere, or after an upgrade) is
listed newest first as soon as its papers are read, while the search index is built
in a worker; a search typed meanwhile waits in the box and runs once it is built.

The build is held on an Event here, so what is shown before it ends is certain."""

from __future__ import annotations

import threading

import pytest

from helpers.paths import CORPORA
from helpers.pilot import papers, status
from reader import library as library_module
from reader import marshalfile
from reader.app import ReaderApp
from reader.library import Library
from reader.screens import loading
from reader.search import SearchIndex
from reader.views import INBOX
from reader.widgets.search_box import SearchBox

HF_DAYS = CORPORA / "hf-daily-papers" / "daily"


@pytest.fixture
def cold_home(home):
    """Three real days of papers, some with a state; then every cache gone but library.json."""
    library = Library.open(home, seed=False)
    library.import_paths([HF_DAYS / f"2024-05-{day}.json.gz" for day in (28, 29, 30)], index=True)
    library.bookmark(list(library.papers)[::4])
    for path in home.iterdir():
        if path.name not in ("library.json", "state.json"):
            path.unlink()
    return home


@pytest.fixture
def held_build(monkeypatch):
    """The search index's build waits for the Event returned to be set; the library
    is listed before it, as one of tens of thousands of papers is."""
    monkeypatch.setattr(loading, "LISTED_BEFORE_INDEX_FROM", 0)
    built = threading.Event()

    class HeldIndex(SearchIndex):
        def __init__(self, *args, **kwargs):
            built.wait(timeout=60)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(library_module, "SearchIndex", HeldIndex)
    yield built
    built.set()


async def until(pilot, done, tries: int = 200) -> None:
    """Let the app work (everything but the held build) until `done()`."""
    for _ in range(tries):
        if done():
            return
        await pilot.pause()
        waiting = [w for w in pilot.app.workers if w.group != "index" and not w.is_finished]
        if waiting:  # none: wait_for_complete would wait for every worker, the held build too
            await pilot.app.workers.wait_for_complete(waiting)
    raise AssertionError(f"not so after {tries} pauses; status: {status(pilot.app)!r}")


def indexed(home, query: str = "") -> list[str]:
    library = Library.open(home, seed=False)
    return list(SearchIndex(list(library.papers.values())).search(query, library.state_of, stateful_ids=list(library.states)).ids)


async def test_the_list_is_shown_newest_first_before_the_index_is_built(cold_home, held_build):
    expected = indexed(cold_home)
    expected_inbox = indexed(cold_home, "is:inbox")
    app = ReaderApp(home=cold_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(papers(app).ids) == len(expected))
        assert list(papers(app).ids) == expected
        assert not app.screen.library.index_ready
        assert "building the search index…" in status(app)
        # The rest works meanwhile: moving, reading, bookmarking, the views.
        await pilot.press("j", "j")
        paper = papers(app).current
        assert paper == expected[2]
        await pilot.press("b")
        await until(pilot, lambda: app.screen.library.state_of(paper).bookmarked)
        app.screen.show_view(INBOX)  # as the sidebar picks it: bookmarked papers are out of it
        await until(pilot, lambda: list(papers(app).ids) == [pid for pid in expected_inbox if pid != paper])
        assert "building the search index…" in status(app)
        held_build.set()
        await until(pilot, lambda: "search ready" in status(app))
        assert "building" not in status(app) and list(papers(app).ids) == [pid for pid in expected_inbox if pid != paper]


async def test_a_search_typed_before_the_index_is_built_runs_once_it_is(cold_home, held_build):
    everything = indexed(cold_home)
    found = indexed(cold_home, "diffusion")
    assert 0 < len(found) < len(everything)
    app = ReaderApp(home=cold_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(papers(app).ids) == len(everything))
        await pilot.press("slash", *"diffusion")
        box = app.screen.query_one(SearchBox)
        await until(pilot, lambda: "search runs once the index is built…" in status(app))
        assert box.value == "diffusion" and list(papers(app).ids) == everything  # nothing typed is lost
        held_build.set()
        await until(pilot, lambda: app.screen.library.index_ready and list(papers(app).ids) == found)
        assert box.value == "diffusion" and "index" not in status(app)


def _older_format(path) -> None:
    """The index as the reader before mapped index files wrote it (marshalfile's layout)."""
    marshalfile.write(path, (9, path.name, 0, ()))


def _damaged(path) -> None:
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    raw[30] ^= 0xFF  # in the head: found as the file is opened
    path.write_bytes(bytes(raw))


@pytest.fixture(params=[_older_format, _damaged], ids=["older-format", "damaged"])
def unreadable_index_home(home, request):
    """Three real days of papers with every cache of this reader, but the search index
    file (of this library's name) one this reader cannot read back, as a home an older
    reader used has."""
    library = Library.open(home, seed=False)
    library.import_paths([HF_DAYS / f"2024-05-{day}.json.gz" for day in (28, 29, 30)], index=True)
    (index_file,) = home.glob("search-*.idx")
    request.param(index_file)
    return home


async def test_a_home_whose_index_file_cannot_be_read_back_is_listed_before_it_is_built(unreadable_index_home, held_build):
    expected = indexed(unreadable_index_home)
    app = ReaderApp(home=unreadable_index_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: len(papers(app).ids) == len(expected), tries=20)
        assert list(papers(app).ids) == expected
        assert not app.screen.library.index_ready
        assert "building the search index…" in status(app)
        held_build.set()
        await until(pilot, lambda: "search ready" in status(app))
        assert list(papers(app).ids) == expected


async def test_a_removal_and_its_undo_while_the_index_is_built_say_at_once_that_they_are_under_way(
    cold_home, held_build, monkeypatch
):
    """Each step is held until the status line has been read, as a removal at 100k
    papers takes a while to save."""
    saving = threading.Event()
    for name in ("remove", "undo"):
        step = getattr(Library, name)
        monkeypatch.setattr(
            Library, name, lambda self, *args, step=step, **kwargs: saving.wait(60) and step(self, *args, **kwargs)
        )
    everything = indexed(cold_home)
    app = ReaderApp(home=cold_home)
    async with app.run_test(size=(100, 24)) as pilot:
        await until(pilot, lambda: len(papers(app).ids) == len(everything))
        await pilot.press("S")  # an order only the index gives: the list waits for it
        await until(pilot, lambda: "sorted once the index is built…" in status(app))
        await pilot.press("D")
        assert "removing 1 paper…" in status(app)
        assert "search runs once" not in status(app)  # no search was typed
        saving.set()
        await until(pilot, lambda: "removed 1 paper · u to undo" in status(app))
        saving.clear()
        await pilot.press("u")
        assert "undoing…" in status(app) and "u to undo" not in status(app)
        saving.set()
        await until(pilot, lambda: "undone: removed" in status(app))
        held_build.set()
        await until(pilot, lambda: app.screen.library.index_ready and everything[0] in papers(app).ids)


@pytest.mark.parametrize("waiting", ["S", "slash,d,i,f,f,u,s,i,o,n,escape"], ids=["sorted", "searched"])
async def test_a_removal_undone_while_the_index_is_built_comes_back_to_the_list_at_once(cold_home, held_build, waiting):
    """The list shown newest first while an order or a typed search waits for the
    index has the paper an undo put back, at once, the cursor on it."""
    everything = indexed(cold_home)
    app = ReaderApp(home=cold_home)
    async with app.run_test(size=(100, 24)) as pilot:
        await until(pilot, lambda: len(papers(app).ids) == len(everything))
        await pilot.press(*waiting.split(","))
        await until(pilot, lambda: "once the index is built…" in status(app))
        await pilot.press("j")
        gone = papers(app).current
        await pilot.press("D")
        await until(pilot, lambda: "removed 1 paper · u to undo" in status(app))
        assert gone not in papers(app).ids
        await pilot.press("u")
        await until(pilot, lambda: "undone: removed" in status(app))
        await until(pilot, lambda: list(papers(app).ids) == everything)
        assert papers(app).current == gone and not app.screen.library.index_ready
        assert "↓new" in status(app)  # as it is listed: the order asked for waits for the index
