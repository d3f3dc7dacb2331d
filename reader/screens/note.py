"""The note editor: a paper's free-text note, edited in place."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from reader.text import inert, one_line


class NoteScreen(ModalScreen[str | None]):
    """Dismisses with the edited text (the caller treats "" as removal), or None on cancel."""

    # enter belongs to the editor (a newline), so saving needs its own key;
    # priority so no widget in the dialog can swallow it.
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", priority=True),
        Binding("escape", "dismiss(None)", "Cancel"),
    ]

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        # Not `self.title`: Screen.title is the screen's own header title.
        self.paper_title = title
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note-dialog"):
            yield Label(one_line(self.paper_title), id="note-title", markup=False)
            # A note may have been imported with the paper: keep the newlines, drop terminal controls.
            yield TextArea(inert(self.note), soft_wrap=True, show_line_numbers=False, id="note-text")
            yield Label("ctrl+s save · esc cancel · an empty note removes it", classes="hint")

    def on_mount(self) -> None:
        editor = self.query_one("#note-text", TextArea)
        editor.focus()
        # Notes grow at the end; opening at the start would invite typing over the first line.
        editor.move_cursor(editor.document.end)

    def action_save(self) -> None:
        self.dismiss(self.query_one("#note-text", TextArea).text)
