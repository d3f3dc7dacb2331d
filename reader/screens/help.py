"""The help screen: every key, and the search syntax."""

from __future__ import annotations

from collections.abc import Mapping

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: list[tuple[str, str]] = [
    ("j / k, ↓ / ↑", "next / previous paper"),
    ("g / G", "first / last paper"),
    ("PgDn / PgUp, ctrl+f / ctrl+b", "page down / up"),
    ("enter", "open the paper (marks it read)"),
    ("n / N", "next / previous unread paper"),
    ("/", "search (live, typo-tolerant)"),
    ("esc", "clear the selection, leave related papers, clear the search"),
    ("b", "bookmark / unbookmark, then on to the next unread paper"),
    ("t", "edit tags (→ completes a known tag), then on"),
    ("r", "mark read / unread, then on"),
    ("x", "dismiss: read and out of the inbox, then on"),
    ("u / ctrl+r", "undo / redo the last change (also after a restart)"),
    ("space / v / *", "select this paper / a range (v, move, v) / all listed"),
    ("", "b t r x e then apply to the selection"),
    ("a", "write a note on the paper (search it with note:)"),
    ("m", "related papers, most alike first, with the words they share"),
    ("s / 1-9", "save this search / show a saved search"),
    ("e", "export this paper, the visible list, the selection or the bookmarks (.bib .md .json .csv)"),
    ("y", "copy: t title, u URL, b BibTeX, m Markdown link, a abstract"),
    ("o", "open the paper's page (over SSH: show and copy its URL)"),
    ("ctrl+p", "command palette: every action, view, tag and theme"),
    ("tab / shift+tab", "move between views, list and abstract"),
    ("?", "this help"),
    ("q", "quit"),
]

SYNTAX: list[tuple[str, str]] = [
    ("diffusion video", "both words (prefix and typo tolerant)"),
    ("diffusion | gan", "either word"),
    ('"state space"', "exact phrase"),
    ("-survey", "without the word"),
    ("title: abstract: author:", "in one field only"),
    ("tag:toread  src:002", "tagged, or from a source file/format"),
    ("year:2024  year:>=2023", "by publication year"),
    ("has:code", "with a code link"),
    ("is:unread is:read", "by read state"),
    ("is:inbox is:dismissed", "not yet decided / dismissed with x"),
    ("is:bookmarked is:tagged is:noted", "by your marks"),
    ("note:idea", "in your notes"),
]


def _table(title: str, rows: list[tuple[str, str]]) -> Table:
    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2, 0, 0))
    table.add_column(style="bold cyan", no_wrap=True)
    table.add_column()
    for key, what in rows:
        table.add_row(Text(key), Text(what))
    return table


SETTINGS_NOTE = (
    "settings.toml in the home folder sets the theme (one chosen in the palette is remembered), "
    "the first view and, in its [keys] table, other keys by binding id (README: Settings)."
)


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]

    def __init__(self, rebound: Mapping[str, str]) -> None:
        super().__init__()
        self.rebound = rebound  # binding id -> keys, from settings.toml: the tables above show the defaults

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Static(_table("Keys", KEYS))
            if self.rebound:
                rows = [(keys, f"replaces the keys of {binding_id}") for binding_id, keys in sorted(self.rebound.items())]
                yield Static(_table("Your keys (settings.toml)", rows))
            yield Static(_table("Search", SYNTAX))
            yield Static(Text(SETTINGS_NOTE))
            yield Static(Text("esc, q or ? closes this help", style="dim"))
