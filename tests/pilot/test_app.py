"""The app as a person uses it: keys in, what the screen shows out."""

import threading

from textual import events
from textual.widgets import TextArea

from helpers.pilot import abstract_text, papers, seen_in, settle, status
from reader.app import ReaderApp
from reader.library import Library
from reader.screens.main import MainScreen
from reader.screens.note import NoteScreen
from reader.screens.tags import TagScreen
from reader.widgets.abstract_view import AbstractView


async def test_opens_on_the_bundled_library(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(papers(app).ids) == 423
        assert "423 papers" in str(app.screen.query_one("#status").render())
        first = app.screen.library.get(papers(app).current)
        assert first.title in abstract_text(app)


async def test_search_narrows_the_list_and_forgives_a_typo(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"tranformer")
        await settle(pilot)
        ids = papers(app).ids
        assert 0 < len(ids) < 423
        assert "transformer" in app.screen.library.get(ids[0]).title.lower()
        await pilot.press("escape")  # leave the box: the filter stays
        assert papers(app).has_focus and len(papers(app).ids) == len(ids)
        await pilot.press("escape")  # esc in the list clears the search
        await settle(pilot)
        assert len(papers(app).ids) == 423


async def test_a_search_typed_in_one_burst_searches(home):
    # tmux send-keys, a paste or fast typing: every key is queued before `/` is handled.
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for ch in "/agent":
            app.post_message(events.Key("slash" if ch == "/" else ch, ch))
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)  # `a` did not open the note editor
        assert app.screen.search_box.value == "agent"
        ids = papers(app).ids
        assert 0 < len(ids) < 423


async def test_a_slow_search_is_said_to_be_under_way_until_its_list_comes(home, monkeypatch):
    # At 1M papers a quoted phrase takes seconds the first time; the line said "unclosed quote" meanwhile.
    monkeypatch.setattr(MainScreen, "SEARCHING_SAID_AFTER", 0.001)
    release = threading.Event()
    search = Library.search

    def slow_once_the_quote_closes(self, query, *args, **kwargs):
        if query.count('"') == 2:
            assert release.wait(30)
        return search(self, query, *args, **kwargs)

    monkeypatch.setattr(Library, "search", slow_once_the_quote_closes)
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *'"language model')
        await settle(pilot)
        assert "unclosed quote" in status(app) and "searching" not in status(app)
        await pilot.press('"')
        for _ in range(100):  # waits for the timer to be run, not for a time
            if "searching…" in status(app):
                break
            await pilot.pause(0.02)
        assert "searching…" in status(app) and "unclosed quote" not in status(app)
        release.set()
        await settle(pilot)
        shown = len(papers(app).ids)
        assert 0 < shown < 423 and f"{shown} shown" in status(app) and "searching" not in status(app)


async def test_a_query_longer_than_the_box_shows_its_end_as_typed_and_its_start_on_home(home):
    # The box is repainted, not laid out, per keystroke (reader.widgets.search_box):
    # it must still scroll sideways to the letter typed.
    query = "graph neural networks for molecular property prediction and drug discovery"
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *query)
        box = app.screen.search_box
        assert len(query) > box.content_size.width
        assert seen_in(box).endswith("drug discovery")
        await pilot.press("home")
        assert seen_in(box).startswith("graph neural networks")


async def test_slash_is_text_in_the_search_box_and_the_dialogs(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"doi:10.1145/3")
        assert app.screen.search_box.value == "doi:10.1145/3"
        await pilot.press("escape", "escape")  # out of the box, then the search cleared
        await settle(pilot)
        await pilot.press("a", *"see /x")
        assert isinstance(app.screen, NoteScreen)
        assert app.screen.query_one(TextArea).text.endswith("see /x")
        await pilot.press("escape", "t", *"a/b")
        assert isinstance(app.screen, TagScreen)
        assert app.screen.query_one("Input").value == "a/b"


async def test_keys_move_the_cursor(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j", "down")
        assert papers(app).cursor == 3
        await pilot.press("k")
        assert papers(app).cursor == 2
        await pilot.press("G")
        assert papers(app).cursor == 422
        await pilot.press("g")
        assert papers(app).cursor == 0


async def test_bookmark_tag_and_read_survive_a_restart(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j")
        chosen = papers(app).current
        # each decision moves on to the next unread paper: k comes back to it
        await pilot.press("b", "k", "r", "k", "t")
        await pilot.press(*"triage", "enter")
        await settle(pilot)
        assert "saved" in str(app.screen.query_one("#status").render())

    again = ReaderApp(home=home)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        state = again.screen.library.state_of(chosen)
        assert state.bookmarked and state.read and state.tags == ("triage",)
        papers(again).move_to(chosen)
        await pilot.pause()
        assert "#triage" in abstract_text(again)
        assert "bookmarked" in abstract_text(again)


async def test_opening_a_paper_marks_it_read_and_n_finds_the_next_unread(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = papers(app).current
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen.library.state_of(first).read
        assert app.screen.query_one(AbstractView).has_focus
        await pilot.press("escape", "g", "n")
        assert papers(app).cursor == 1


async def test_tag_modal_completes_existing_tags_and_removes_with_minus(home):
    library = Library.open(home)
    some = list(library.papers)[5]
    library.add_tags(some, ["reinforcement"])
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = papers(app).current
        await pilot.press("t")
        assert isinstance(app.screen, TagScreen)
        await pilot.press(*"rein")
        await pilot.pause()
        await pilot.press("right", "enter")
        await settle(pilot)
        assert app.screen.library.state_of(first).tags == ("reinforcement",)
        await pilot.press("k", "t", "minus", *"reinforcement", "enter")
        await settle(pilot)
        assert app.screen.library.state_of(first).tags == ()
        await pilot.press("t", "escape")
        assert not isinstance(app.screen, TagScreen)


async def test_q_quits(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def test_export_the_visible_list_from_the_app(home, tmp_path):
    target = tmp_path / "picks.bib"
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"tranformer", "enter")
        await settle(pilot)
        shown = len(papers(app).ids)
        await pilot.press("e")
        path_box = app.screen.query_one("#export-path")
        path_box.value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert f"exported {shown} papers" in str(app.screen.query_one("#status").render())
    assert target.read_text().count("@misc{") + target.read_text().count("@article{") == shown
