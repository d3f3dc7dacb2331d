"""Export dialog: which papers (this one, the visible list, the bookmarks) and to which file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, RadioButton, RadioSet

SCOPES = {"paper": "This paper", "visible": "The visible list", "bookmarks": "All bookmarks"}


@dataclass(frozen=True)
class ExportRequest:
    scope: str
    path: Path


class ExportScreen(ModalScreen[ExportRequest | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, default_path: str) -> None:
        super().__init__()
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label("Export")
            with RadioSet(id="export-scope"):
                for n, label in enumerate(SCOPES.values()):
                    yield RadioButton(label, value=n == 1)
            yield Input(self.default_path, id="export-path")
            yield Label(".bib .md .json .csv pick the format · enter: export · esc: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        index = self.query_one(RadioSet).pressed_index
        scope = list(SCOPES)[index if index >= 0 else 1]
        self.dismiss(ExportRequest(scope, Path(event.value.strip()).expanduser()))
