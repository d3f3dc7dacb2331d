"""The help screen: every key, as the person has them, and the search syntax."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import zip_longest

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from reader.actions import ABSTRACT, current_keys, help_rows
from reader.query import SYNTAX
from reader.widgets.bindings import bindings

# How a key name reads here: the character it types, or its short name.
_KEY_LABELS = {
    "slash": "/",
    "question_mark": "?",
    "asterisk": "*",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "escape": "esc",
    "down": "↓",
    "up": "↑",
    "pagedown": "PgDn",
    "pageup": "PgUp",
}


@dataclass(frozen=True)
class KeyRow:
    ids: tuple[str, ...]  # the binding ids of the actions it describes
    keys: str
    what: str


def key_rows(rebound: Mapping[str, str]) -> list[KeyRow]:
    """The keys table, from the action registry, with the keys settings.toml gives in place of the defaults."""
    return [
        KeyRow(
            tuple(a.id for a in actions),
            _keys_cell([current_keys(a.id, rebound) for a in actions]),
            actions[0].help or "",
        )
        for actions in help_rows()
    ]


def _keys_cell(keys: Sequence[Sequence[str]]) -> str:
    # Side by side, one group per position: j,down and k,up read "j / k, ↓ / ↑".
    groups = zip_longest(*keys, fillvalue="")
    return ", ".join(" / ".join(_digit_ranges([_KEY_LABELS.get(k, k) for k in group if k])) for group in groups)


def _digit_ranges(labels: list[str]) -> list[str]:
    # The saved searches' 1 2 … 9 read "1-9".
    runs: list[list[str]] = []
    for label in labels:
        last = runs[-1][-1] if runs else ""
        if _digit(label) and _digit(last) and int(label) == int(last) + 1:
            runs[-1].append(label)
        else:
            runs.append([label])
    return [f"{run[0]}-{run[-1]}" if len(run) > 2 else " / ".join(run) for run in runs]


def _digit(label: str) -> bool:
    return len(label) == 1 and label.isdigit()


def _table(title: str, rows: Sequence[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, what in rows:
        table.add_row(Text(key), Text(what))
    return table


def _problems(problems: Sequence[str]) -> Text:
    # Settings files are the person's text: plain, never markup.
    lines = [Text("Ignored in settings.toml (the defaults are used):", style="bold"), *(Text(f"• {p}") for p in problems)]
    return Text("\n").join(lines)


class HelpBody(VerticalScroll):
    """The help's text: it scrolls by the abstract pane's keys (j k g G, and as rebound)."""

    BINDINGS = bindings(ABSTRACT)


SETTINGS_NOTE = (
    "settings.toml in the home folder sets the theme (one chosen in the palette is remembered), "
    "the first view and, in its [keys] table, other keys by binding id (README: Settings)."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, rebound: Mapping[str, str], settings_problems: Sequence[str] = ()) -> None:
        """`settings_problems`: what settings.toml had that is not used (the start said how many)."""
        super().__init__()
        self.rows = key_rows(rebound)  # rebound: binding id -> keys, from settings.toml
        self.settings_problems = settings_problems

    def compose(self) -> ComposeResult:
        with HelpBody(id="help-dialog"):
            if self.settings_problems:
                yield Static(_problems(self.settings_problems), id="help-settings")
            yield Static(_table("Keys", [(row.keys, row.what) for row in self.rows]))
            yield Static(_table("Search", SYNTAX))
            yield Static(Text(SETTINGS_NOTE))
            yield Static(Text("esc, q or ? closes this help", style="dim"))
