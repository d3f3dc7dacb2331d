"""Triage at full speed, as a person does it: one key per decision, undo, bulk, saved searches, related."""

from helpers.pilot import abstract_text, papers, screen_lines, settle, status
from reader.app import ReaderApp
from reader.library import Library
from reader.screens.confirm import ConfirmScreen
from reader.screens.note import NoteScreen
from reader.screens.prompt import PromptScreen
from reader.views import INBOX


async def test_each_decision_moves_on_to_the_next_unread_paper(home, tz):  # "done today" on any date
    library = Library.open(home)
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ids = list(papers(app).ids)
        app.screen.library.set_read(ids[1])  # already read: triage skips it
        await pilot.press("b")  # keep the first
        assert papers(app).cursor == 2
        await pilot.press("x")  # dismiss the third
        assert papers(app).current == ids[3]
        await pilot.press("t", *"later", "enter")
        await settle(pilot)
        assert papers(app).current == ids[4]
        assert "inbox 419 left" in status(app) and "4 done today" in status(app)  # the read one counts too
    state = Library.open(home).state_of
    assert state(ids[0]).bookmarked and not state(ids[0]).read
    assert state(ids[2]).dismissed and state(ids[2]).read
    assert state(ids[3]).tags == ("later",)
    assert len(library) == 423


async def test_the_inbox_view_lists_only_undecided_papers(home):
    library = Library.open(home)
    first, second = list(library.papers)[:2]
    library.set_bookmarked(first)
    library.set_note(second, "a note is not a decision")
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.show_view(INBOX)
        await settle(pilot)
        listed = set(papers(app).ids)
        assert len(listed) == 422 and first not in listed and second in listed


async def test_undo_and_redo_work_across_a_restart(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = papers(app).current
        await pilot.press("b")
        await settle(pilot)
        assert app.screen.library.state_of(first).bookmarked

    again = ReaderApp(home=home)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert "undone: bookmarked" in status(again)
        assert not again.screen.library.state_of(first).bookmarked
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert "redone: bookmarked" in status(again)
        assert again.screen.library.state_of(first).bookmarked
    assert Library.open(home).state_of(first).bookmarked


async def test_bulk_tag_on_a_selection_is_one_step(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ids = list(papers(app).ids)
        await pilot.press("space", "space")  # select the first two (space moves down)
        await pilot.press("j", "v", "j", "j", "v")  # and a range of three further on
        assert papers(app).selected == {ids[0], ids[1], ids[3], ids[4], ids[5]}
        assert "5 selected" in status(app)
        await pilot.press("t", *"survey", "enter")
        await settle(pilot)
        tagged = {pid for pid in ids if "survey" in app.screen.library.state_of(pid).tags}
        assert tagged == {ids[0], ids[1], ids[3], ids[4], ids[5]}
        assert not papers(app).selected  # applied: the selection is cleared
        await pilot.press("u")  # one undo takes back all five
        await settle(pilot)
        assert not any(app.screen.library.state_of(pid).tags for pid in ids)


async def test_marking_many_read_asks_first(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"transformer", "enter")
        await settle(pilot)
        listed = list(papers(app).ids)
        await pilot.press("asterisk", "r")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")  # no: nothing changes, the selection stays
        await settle(pilot)
        assert not any(app.screen.library.state_of(pid).read for pid in listed)
        assert papers(app).selected == set(listed)
        await pilot.press("r", "y")
        await settle(pilot)
        assert all(app.screen.library.state_of(pid).read for pid in listed)
        await pilot.press("escape", "escape")  # the search is cleared
        await settle(pilot)
        assert sum(app.screen.library.state_of(pid).read for pid in papers(app).ids) == len(listed)


async def test_escape_clears_a_selection_before_the_search(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"graph", "enter")
        await settle(pilot)
        await pilot.press("space")
        await pilot.press("escape")
        assert not papers(app).selected and app.screen.query_one("#search").value == "graph"


async def test_a_note_is_written_shown_and_found(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = papers(app).current
        await pilot.press("a")
        assert isinstance(app.screen, NoteScreen)
        await pilot.press(*"compare with", "enter", *"their baseline", "ctrl+s")
        await settle(pilot)
        assert app.screen.library.state_of(first).note == "compare with\ntheir baseline"
        assert papers(app).current == first  # a note is not a decision: no moving on
        assert "their baseline" in abstract_text(app)
        await pilot.press("slash", *"note:baseline", "enter")
        await settle(pilot)
        assert list(papers(app).ids) == [first]


async def test_a_saved_search_is_recalled_with_its_number_after_a_restart(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"graph neural", "enter")
        await settle(pilot)
        found = list(papers(app).ids)
        assert 0 < len(found) < 423
        await pilot.press("s")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"gnn", "enter")
        await settle(pilot)
        assert "press 1 to recall it" in status(app)

    again = ReaderApp(home=home)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(papers(again).ids) == 423
        await pilot.press("1")
        await settle(pilot)
        assert list(papers(again).ids) == found
        views = again.screen.query_one("#views")
        sidebar = [str(views.get_option_at_index(i).prompt) for i in range(views.option_count)]
        assert "1 gnn" in sidebar


async def test_related_papers_list_the_most_alike_with_the_words_they_share(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"title:graph neural", "enter")
        await settle(pilot)
        asked = papers(app).current
        await pilot.press("m")
        await settle(pilot)
        related = list(papers(app).ids)
        assert related and asked not in related
        expected = [r.paper_id for r in app.screen.library.related(asked)]
        assert related == expected
        assert "related to" in status(app)
        assert "shares " in abstract_text(app)  # the words that explain why
        await pilot.press("escape")  # back to the search it came from
        await settle(pilot)
        assert papers(app).current is not None and asked in papers(app).ids


async def test_rename_a_tag_from_the_palette_action(home):
    library = Library.open(home)
    a, b = list(library.papers)[:2]
    library.add_tags(a, ["toread"])
    library.add_tags(b, ["to-read"])
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.screen.run_action("rename_tag")
        assert isinstance(app.screen, PromptScreen)
        await pilot.press(*"toread to-read", "enter")
        await settle(pilot)
        assert app.screen.library.tag_counts() == {"to-read": 2}
        assert "#toread is now #to-read on 1 papers" in status(app)


async def test_a_dialog_the_palette_opens_keeps_the_footer_as_one_a_key_opens(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"agents", "enter")
        await settle(pilot)
        await pilot.press("t")
        await settle(pilot)
        footer = screen_lines(app)[-1]
        assert "/ Search" in footer and "t Tags" in footer
        await pilot.press("escape")
        for command in ("tags", "rename"):
            await pilot.press("ctrl+p", *command, "enter")
            await settle(pilot)
            assert screen_lines(app)[-1] == footer, command
            await pilot.press("escape")
            await settle(pilot)
