"""The note, prompt and confirm dialogs, driven by keys at 80x24."""

from __future__ import annotations

from textual.app import App
from textual.widgets import Input, Label, TextArea

from helpers.paths import ROOT
from reader.screens.confirm import ConfirmScreen
from reader.screens.note import NoteScreen
from reader.screens.prompt import PromptScreen

HOSTILE = "[bold]x[/] [link=http://evil]y[/link]"
NOT_SET = object()


class Host(App):
    """Pushes one screen at mount and keeps what it was dismissed with."""

    CSS_PATH = str(ROOT / "styles" / "reader.tcss")

    def __init__(self, screen) -> None:
        super().__init__()
        self.dialog = screen
        self.result = NOT_SET

    def on_mount(self) -> None:
        self.push_screen(self.dialog, self._done)

    def _done(self, result) -> None:
        self.result = result


def shown(label: Label) -> str:
    return str(label.render())


def inside(widget, app) -> bool:
    region, screen = widget.region, app.screen.region
    return region.width > 0 and region.height > 0 and screen.contains_region(region)


async def test_note_is_edited_across_lines_and_saved():
    app = Host(NoteScreen("A paper", "first"))
    async with app.run_test(size=(80, 24)) as pilot:
        editor = app.screen.query_one(TextArea)
        assert editor.has_focus and editor.soft_wrap and not editor.show_line_numbers
        await pilot.press("h", "i", "enter", "x")
        assert app.result is NOT_SET  # enter made a newline, not a save
        await pilot.press("ctrl+s")
    assert app.result == "firsthi\nx"


async def test_note_opens_with_cursor_at_end_of_multiline_text():
    app = Host(NoteScreen("A paper", "one\ntwo"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("!", "ctrl+s")
    assert app.result == "one\ntwo!"


async def test_note_cleared_saves_empty_text():
    app = Host(NoteScreen("A paper", "old"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("backspace", "backspace", "backspace", "ctrl+s")
    assert app.result == ""


async def test_note_cancelled_returns_none():
    app = Host(NoteScreen("A paper", "keep me"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h", "escape")
    assert app.result is None


async def test_note_dialog_fits_80x24_and_shows_title_literally():
    app = Host(NoteScreen(HOSTILE + "\nsecond line", "\x1b[31mred"))
    async with app.run_test(size=(80, 24)):
        dialog = app.screen.query_one("#note-dialog")
        editor = app.screen.query_one(TextArea)
        assert inside(dialog, app) and dialog.region.width >= 60
        assert editor.region.height >= 3 and dialog.region.contains_region(editor.region)
        title = shown(app.screen.query_one("#note-title", Label))
        assert title == HOSTILE + " second line"
        assert "\x1b" not in editor.text
        hints = [shown(label) for label in app.screen.query(".hint")]
        assert hints == ["ctrl+s save · esc cancel · an empty note removes it"]
        assert inside(app.screen.query_one(".hint"), app)


async def test_prompt_enter_returns_stripped_text():
    app = Host(PromptScreen("Name", placeholder="view name"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.screen.query_one(Input).has_focus
        await pilot.press("space", "h", "i", "space", "enter")
    assert app.result == "hi"


async def test_prompt_is_prefilled_with_value():
    app = Host(PromptScreen("Rename", value="old"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e", "r", "enter")
    assert app.result == "older"


async def test_prompt_empty_returns_none():
    app = Host(PromptScreen("Name"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("space", "enter")
    assert app.result is None


async def test_prompt_escape_returns_none():
    app = Host(PromptScreen("Name", value="kept"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
    assert app.result is None


async def test_prompt_shows_title_and_hint_literally():
    app = Host(PromptScreen(HOSTILE, hint="[red]hint[/red]"))
    async with app.run_test(size=(80, 24)):
        assert shown(app.screen.query_one("#prompt-title", Label)) == HOSTILE
        assert shown(app.screen.query_one("#prompt-hint", Label)) == "[red]hint[/red]"
        assert inside(app.screen.query_one("#prompt-dialog"), app)


async def test_prompt_without_hint_has_no_hint_line():
    app = Host(PromptScreen("Name"))
    async with app.run_test(size=(80, 24)):
        assert not app.screen.query("#prompt-hint")


async def test_confirm_y_and_enter_return_true():
    for key in ("y", "enter"):
        app = Host(ConfirmScreen("Delete?"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(key)
        assert app.result is True, key


async def test_confirm_n_and_escape_return_false():
    for key in ("n", "escape"):
        app = Host(ConfirmScreen("Delete?"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press(key)
        assert app.result is False, key


async def test_confirm_ignores_other_keys():
    app = Host(ConfirmScreen("Delete?"))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x", "space")
        assert app.result is NOT_SET
        await pilot.press("n")
    assert app.result is False


async def test_confirm_shows_question_literally_and_fits():
    question = "Remove " + HOSTILE + " " + "very long title " * 10
    app = Host(ConfirmScreen(question))
    async with app.run_test(size=(80, 24)):
        label = app.screen.query_one("#confirm-question", Label)
        assert shown(label).startswith("Remove " + HOSTILE)
        assert label.region.height > 1  # wraps rather than running off the dialog
        assert inside(app.screen.query_one("#confirm-dialog"), app)
        assert [shown(hint) for hint in app.screen.query(".hint")] == ["y yes · n/esc no"]
