"""A yes/no question before a change to many papers."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label

from reader.text import one_line


class ConfirmScreen(ModalScreen[bool]):
    """Dismisses True for y (and enter, unless `enter_says_no`), False for n/esc;
    any other key does nothing. `enter_says_no` is for the drastic questions (a
    removal): a person answering the last question's enter must not say yes here."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "Yes", show=False),
        Binding("n,escape", "dismiss(False)", "No", show=False),
        Binding("enter", "enter", show=False),
    ]

    def __init__(self, question: str, *, enter_says_no: bool = False) -> None:
        super().__init__()
        self.question = question
        self.enter_says_no = enter_says_no

    def action_enter(self) -> None:
        self.dismiss(not self.enter_says_no)

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-dialog"):
            # The question usually quotes a paper title: it may be long, so it wraps.
            yield Label(one_line(self.question), id="confirm-question", markup=False)
            hint = "y yes · n/esc/enter no" if self.enter_says_no else "y yes · n/esc no"
            yield Label(hint, classes="hint", markup=False)
