"""Removing papers with D, and what undo and redo show: the paper they changed, named, under the cursor."""

from helpers.pilot import abstract_text, list_lines, papers, settle, status
from reader.app import ReaderApp
from reader.library import Library
from reader.screens.confirm import ConfirmScreen
from reader.screens.main import shortened
from reader.text import one_line


def sidebar(app) -> list[str]:
    views = app.screen.query_one("#views")
    return [str(views.get_option_at_index(i).prompt) for i in range(views.option_count)]


async def test_d_removes_the_paper_under_the_cursor_and_u_brings_it_back(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first, second = papers(app).ids[:2]
        title = one_line(app.screen.library.get(first).title)
        await pilot.press("D")  # one paper: no question
        await settle(pilot)
        assert first not in papers(app).ids and papers(app).current == second
        assert "removed 1 paper · u to undo" in status(app)
        assert "All 422" in sidebar(app)  # at 80 columns the status line leaves the count to the sidebar
        assert first not in Library.open(home).papers
        await pilot.press("j", "u")
        await settle(pilot)
        assert list(papers(app).ids[:2]) == [first, second] and papers(app).current == first  # where it was
        assert f"undone: removed “{title[:20]}" in status(app)
        assert "All 423" in sidebar(app)
        assert first in Library.open(home).papers
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert first not in papers(app).ids and f"redone: removed “{title[:20]}" in status(app)
    assert first not in Library.open(home).papers


async def test_removing_many_asks_with_the_count_and_enter_keeps_them(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"transformer", "enter")
        await settle(pilot)
        listed = list(papers(app).ids)
        await pilot.press("asterisk", "D")
        assert isinstance(app.screen, ConfirmScreen)
        assert f"Remove {len(listed)} papers" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("enter")  # the default is no: nothing is removed
        await settle(pilot)
        assert list(papers(app).ids) == listed and len(app.screen.library) == 423
        await pilot.press("D", "y")
        await settle(pilot)
        assert not papers(app).ids
        assert f"removed {len(listed)} papers · u to undo" in status(app)
        assert len(Library.open(home)) == 423 - len(listed)
        await pilot.press("u")
        await settle(pilot)
        assert sorted(papers(app).ids) == sorted(listed)
        assert f"undone: removed ({len(listed)} papers)" in status(app)
    assert len(Library.open(home)) == 423


async def test_removed_papers_come_back_with_their_state(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = papers(app).current
        await pilot.press("t", *"keep", "enter")
        await settle(pilot)
        await pilot.press("k", "D")
        await settle(pilot)
        assert first not in papers(app).ids
        await pilot.press("u")
        await settle(pilot)
        assert papers(app).current == first
        assert any("#keep" in line for line in list_lines(app))  # on screen: the cursor is on it
    assert Library.open(home).state_of(first).tags == ("keep",)


async def test_the_palette_removes_the_demo_papers_in_one_step(home, tmp_path):
    own = tmp_path / "own.bib"
    own.write_text("@article{a, title={A Paper of My Own}, author={Doe, Jane}, year={2024}}\n")
    Library.open(home).import_paths([own])
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Remove the demo papers")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Remove the 423 demo papers" in str(app.screen.query_one("#confirm-question").render())
        await pilot.press("y")
        await settle(pilot)
        assert [app.screen.library.get(pid).title for pid in papers(app).ids] == ["A Paper of My Own"]
        assert "removed 423 papers · u to undo" in status(app)
    assert len(Library.open(home)) == 1


async def test_undo_after_a_restart_goes_to_the_paper_and_names_it(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        papers(app).cursor = 5
        tagged = papers(app).current
        await pilot.press("t", *"agents", "enter")
        await settle(pilot)
    title = one_line(Library.open(home).get(tagged).title)

    again = ReaderApp(home=home)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert papers(again).current != tagged
        await pilot.press("u")
        await settle(pilot)
        assert papers(again).current == tagged
        assert f"undone: tags +agents “{title[:12]}" in status(again)
        await pilot.press("g", "ctrl+r")
        await settle(pilot)
        assert papers(again).current == tagged
        assert f"redone: tags +agents “{title[:12]}" in status(again)


async def test_undo_of_a_paper_not_listed_says_so(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"transformer", "enter")
        await settle(pilot)
        bookmarked = papers(app).current
        await pilot.press("b")
        await settle(pilot)
        await pilot.press("slash", *"zzzz nothing", "enter")  # a search that lists none
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert "undone: bookmarked “" in status(app) and "(not in this view)" in status(app)
    assert not Library.open(home).state_of(bookmarked).bookmarked


async def test_a_paper_gone_before_the_screen_hears_of_it_is_drawn_blank(home):
    # A redo of a removal takes the papers out on the writer thread; the list may be
    # drawn before the screen's message that they left.
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first, second = papers(app).ids[:2]
        app.screen.library.remove([first, second])  # as the writer thread does, unannounced
        papers(app).repaint_rows()
        assert list_lines(app)[0].strip() == "" and list_lines(app)[2].strip()
        await pilot.press("j")
        assert abstract_text(app) == "No paper selected."


def test_an_undone_papers_name_is_cut_after_a_whole_word():
    title = "On the Provable Advantage of Unsupervised Pretraining"
    assert shortened(title) == "On the Provable Advantage of…"
    assert shortened("Pointer Networks") == "Pointer Networks"


async def test_undo_at_80_columns_keeps_the_count_order_today_and_pace(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b", "r", "x", "r")
        await settle(pilot)
        assert "/min" in status(app)
        for key, done in (("u", "undone: read “"), ("ctrl+r", "redone: read “")):
            await pilot.press(key)
            await settle(pilot)
            line = status(app)
            assert line.startswith(done) and "” · " in line
            assert " shown ↓" in line and " done today · " in line and line.endswith("/min")


async def test_a_paper_another_reader_removed_first_comes_back_when_it_returns(home, monkeypatch):
    # D asks for a removal another reader already made (Library.remove finds nothing to
    # take out); the paper must not stay hidden from every list after that.
    monkeypatch.setattr(Library, "remove", lambda self, ids, said="": None)
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = papers(app).ids[0]
        await pilot.press("D")
        await settle(pilot)
        assert "nothing removed: already gone" in status(app)
        await pilot.press("S")  # any new list of the view: the paper, still in the library, is in it
        await settle(pilot)
        assert first in papers(app).ids


async def test_the_palette_says_in_the_status_line_when_no_paper_came_only_from_the_demo(home, tmp_path):
    own = tmp_path / "own.bib"
    own.write_text("@article{a, title={A Paper of My Own}, author={Doe, Jane}, year={2024}}\n")
    Library.open(home, seed=False).import_paths([own])
    app = ReaderApp(home=home)
    async with app.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"Remove the demo papers")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ConfirmScreen)
        assert "every paper found also came from another source; nothing removed" in status(app)
    assert len(Library.open(home)) == 1
