"""At 80x24, as a new user first sees it: the footer, the status line, the dialogs, the palette and esc."""

from helpers.pilot import papers, screen_lines, seen_in, settle, status
from reader.app import ReaderApp
from reader.library import Library
from reader.screens.help import HelpScreen
from reader.screens.prompt import PromptScreen
from reader.views import INBOX

SIZE = (80, 24)


def footer_line(app) -> str:
    return screen_lines(app)[-1]


def status_line(app) -> str:
    return screen_lines(app)[-2]


def dialog_text(app, selector: str) -> str:
    """What the screen shows inside the dialog `selector`, its lines joined by spaces."""
    x, y, width, height = app.screen.query_one(selector).region
    return " ".join(line[x : x + width] for line in screen_lines(app)[y : y + height])


async def open_palette_command(pilot, text: str) -> None:
    """Type `text` in the palette and press enter on what it ranks first."""
    await pilot.press("ctrl+p", *text)
    await settle(pilot)
    await pilot.press("enter")
    await settle(pilot)


# --- the footer and the status line ------------------------------------------------------


async def test_the_footer_at_80_columns_shows_search_export_open_and_related(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = footer_line(app)
        for hint in ("/ Search", "b Bookmark", "x Dismiss", "e Export", "o Open", "m Related", "? Help"):
            assert hint in footer, footer


async def test_every_row_of_the_list_at_80x24_shows_a_paper(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        rows = seen_in(papers(app)).splitlines()
        assert len(rows) == papers(app).size.height  # no row given to a sideways scrollbar
        assert all(row.strip() for row in rows), rows


async def test_the_footer_shows_every_key_where_there_is_room(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(140, 30)) as pilot:
        await settle(pilot)
        footer = footer_line(app)
        for hint in ("/ Search", "r Read", "m Related", "q Quit", "^p palette"):
            assert hint in footer, footer


async def test_the_status_line_at_80_columns_keeps_today_and_the_pace_after_a_message(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("x", "x")
        await settle(pilot)
        line = status_line(app).strip()
        assert "dismissed" in line and "2 done today" in line
        assert line.endswith("/min"), line  # the last segment whole, nothing cut at the edge


async def test_a_message_longer_than_the_line_is_shown_alone_ending_in_an_ellipsis(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.update_status("exported 3 papers to /a/long/folder/" + "sub/" * 20 + "papers.bib (BibTeX)")
        await pilot.pause()
        line = status_line(app).strip()
        assert line.startswith("exported 3 papers to /a/long/folder/sub/") and line.endswith("…")
        assert "shown" not in line


# --- settings.toml's problems --------------------------------------------------------------


async def test_a_bad_settings_file_leaves_the_list_visible_and_the_help_says_why(home):
    home.mkdir(parents=True)
    (home / "settings.toml").write_text('theme = "no-such-theme"\nview = 3\n[keys]\nfly = "x"\nbookmark = ""\n')
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = screen_lines(app)
        rows = _list_rows(app)
        assert sum(bool(row.strip()) for row in rows) >= 8
        for y, row in enumerate(rows, start=1):  # the list's rows, under the search box, all whole
            assert screen[y].startswith(row.rstrip(), 20), (screen[y], row)
        assert any("4 problems" in line for line in screen)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        help_text = " ".join(screen_lines(app))
        assert "is not a theme" in help_text and "keys.fly is not a binding" in help_text


async def test_a_notification_leaves_the_status_line_whole(home):
    home.mkdir(parents=True)
    (home / "settings.toml").write_text('theme = "no-such-theme"\n')
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        screen = screen_lines(app)
        assert any("1 problem" in line for line in screen)
        said = status(app).strip()
        assert "shown" in said and said in screen[-2], (said, screen[-2])  # the line above the footer


def _list_rows(app) -> list[str]:
    paper_list = papers(app)
    return [paper_list.render_line(y).text for y in range(paper_list.scrollable_content_region.height)]


# --- dialogs -------------------------------------------------------------------------------


async def test_the_tag_dialog_shows_the_whole_title(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        title = app.screen.library.get(papers(app).current).title
        assert len(title) > 60  # longer than the dialog is wide
        await pilot.press("t")
        await settle(pilot)
        shown = dialog_text(app, "#tag-dialog")
        assert all(word in shown for word in title.split()), title


async def test_the_export_hint_is_whole(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        shown = dialog_text(app, "#export-dialog")
        assert ".csv pick the format" in shown and "esc: cancel" in shown


async def test_the_rename_dialog_lists_whole_tags(home):
    tags = ["reinforcement-learning", "graph-neural-networks", "diffusion-models", "to-read-this-week", "survey"]
    library = Library.open(home)
    for paper_id, tag in zip(library.papers, tags, strict=False):
        library.add_tags(paper_id, [tag])
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await app.screen.run_action("rename_tag")
        await pilot.pause()
        assert isinstance(app.screen, PromptScreen)
        shown = dialog_text(app, "#prompt-dialog")
        assert all(f"#{tag}" in shown for tag in tags), shown


# --- the palette ---------------------------------------------------------------------------


async def test_inbox_then_enter_in_the_palette_shows_the_inbox_and_dismisses_nothing(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_palette_command(pilot, "Inbox")
        assert app.screen.view == INBOX
        library = app.screen.library
        assert not any(library.state_of(pid).dismissed for pid in library.papers)
        assert len(papers(app).ids) == 423


async def test_the_palette_screenshot_is_saved_in_the_home_folder_and_named(home, tmp_path, monkeypatch):
    user = tmp_path / "user"  # a server's: no ~/Downloads
    user.mkdir()
    monkeypatch.setenv("HOME", str(user))
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_palette_command(pilot, "Screenshot")
        for _ in range(100):  # the palette takes it a tenth of a second after closing
            if list(user.glob("*.svg")):
                break
            await pilot.pause(0.05)
        await pilot.pause()
        (saved,) = user.glob("*.svg")
        assert "<svg" in saved.read_text()
        assert f"screenshot saved: ~/{saved.name}" in status_line(app)


async def test_the_screenshot_message_gives_way_to_help_and_the_palette(home, tmp_path):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key in ("question_mark", "ctrl+p"):
            app.deliver_screenshot(path=str(tmp_path))
            await pilot.pause()
            assert "screenshot saved: " in status_line(app)
            await pilot.press(key)
            await settle(pilot)
            await pilot.press("escape")
            await settle(pilot)
            assert "screenshot saved" not in status_line(app), key
            assert status_line(app).strip().startswith("423 shown ↓new · "), key


# --- keys: help, esc, tab ------------------------------------------------------------------


async def test_the_help_scrolls_with_j_k_g_and_capital_g(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        body = app.screen.query_one("#help-dialog")
        assert body.max_scroll_y > 0  # at 80x24 the help is longer than the screen
        await pilot.press("G")
        await pilot.pause()
        assert body.scroll_y == body.max_scroll_y
        await pilot.press("g", "j", "j")
        await pilot.pause()
        assert body.scroll_y == 2
        await pilot.press("k")
        await pilot.pause()
        assert body.scroll_y == 1


async def test_esc_closes_the_palettes_keys_panel(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await open_palette_command(pilot, "Keys")
        assert app.screen.query("HelpPanel")
        await pilot.press("escape")
        await pilot.pause()
        assert not app.screen.query("HelpPanel")


async def test_esc_from_related_papers_returns_to_the_paper_and_the_search(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"diffusion", "enter")
        await settle(pilot)
        await pilot.press("j", "j")
        searched, start = list(papers(app).ids), papers(app).current
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("j", "j")
        await pilot.press("escape")
        await settle(pilot)
        assert list(papers(app).ids) == searched
        assert papers(app).current == start
        assert app.screen.query_one("#search").value == "diffusion"


async def test_shift_tab_from_the_list_then_j_does_not_type_a_search(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("shift+tab", "j")
        await settle(pilot)
        assert app.screen.query_one("#search").value == ""
        assert len(papers(app).ids) == 423
        await pilot.press("tab", "tab", "tab")  # the views, the list, the abstract: never the box
        assert not app.screen.query_one("#search").has_focus


async def test_slash_and_a_click_still_open_the_search_box(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", "j")
        box = app.screen.query_one("#search")
        assert box.value == "j"
        await pilot.press("escape", "escape")
        await settle(pilot)
        await pilot.click("#search")
        await pilot.press("k")
        assert box.value == "k"


async def test_a_sorted_search_at_80_columns_shows_its_order_and_today_before_the_closest_matches(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"diffusion video generation", "enter")
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        line = status_line(app).strip()
        assert line.startswith("sorted: ") and "shown ↓" in line, line  # the list's order, whole
        assert line.endswith("done today"), line
