"""A yes/no question before something that cannot be undone."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from reader.text import one_line


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses True for y/enter, False for n/esc; any other key does nothing."""

    BINDINGS = [
        Binding("y,enter", "dismiss(True)", "Yes", show=False),
        Binding("n,escape", "dismiss(False)", "No", show=False),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            # The question usually quotes a paper title: it may be long, so it wraps.
            yield Label(one_line(self.question), id="confirm-question", markup=False)
            yield Label("y yes · n/esc no", classes="hint", markup=False)
