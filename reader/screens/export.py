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
DEFAULT_SCOPE = "visible"


@dataclass(frozen=True)
class ExportRequest:
    scope: str
    path: Path


class ExportScreen(ModalScreen[ExportRequest | None]):
    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, default_path: str, selected: int = 0) -> None:
        """`selected`: how many papers are selected in the list (then the default scope)."""
        super().__init__()
        self.default_path = default_path
        self.scopes = ({"selection": f"The {selected} selected papers"} if selected else {}) | SCOPES
        self.default_scope = "selection" if selected else DEFAULT_SCOPE

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Label("Export")
            with RadioSet(id="export-scope"):
                for scope, label in self.scopes.items():
                    yield RadioButton(label, value=scope == self.default_scope)
            yield Input(self.default_path, id="export-path")
            yield Label(".bib .csl.json .ris .md .json .csv pick the format · enter: export · esc: cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        index = self.query_one(RadioSet).pressed_index
        scope = list(self.scopes)[index] if index >= 0 else self.default_scope
        self.dismiss(ExportRequest(scope, Path(event.value.strip()).expanduser()))
