"""A one-line question: a name for a saved view, a query, a path."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from reader.text import one_line


class PromptScreen(ModalScreen[str | None]):
    """Dismisses with the stripped text, or None when it is empty or cancelled."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, title: str, placeholder: str = "", value: str = "", hint: str = "") -> None:
        super().__init__()
        # Not `self.title`: Screen.title is the screen's own header title.
        self.prompt_title = title
        self.placeholder = placeholder
        self.value = value
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt-dialog"):
            yield Label(one_line(self.prompt_title), id="prompt-title", markup=False)
            # Not select_on_focus: the first key would silently replace a value meant to be edited.
            yield Input(
                value=one_line(self.value),
                placeholder=one_line(self.placeholder),
                select_on_focus=False,
                id="prompt-input",
            )
            if self.hint:
                yield Label(one_line(self.hint), id="prompt-hint", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value.strip() or None)
