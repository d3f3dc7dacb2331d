"""The command palette (ctrl+p): every action, every view and tag, every theme, found by typing.

Textual's own provider adds its system commands (Quit, Keys, Screenshot…)
beside these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from reader.text import one_line

if TYPE_CHECKING:
    from reader.app import ReaderApp

# (what the palette shows, the app action it runs, the id of its key binding or "")
ACTIONS: tuple[tuple[str, str, str], ...] = (
    ("Search", "search", "search"),
    ("Bookmark / unbookmark", "bookmark", "bookmark"),
    ("Edit tags", "tags", "tags"),
    ("Mark read / unread", "toggle_read", "read"),
    ("Next unread paper", "next_unread", "next-unread"),
    ("Previous unread paper", "previous_unread", "previous-unread"),
    ("Export…", "export", "export"),
    ("Copy…", "copy", "copy"),
    ("Copy title", "copy_item('title')", ""),
    ("Copy arXiv / paper URL", "copy_item('url')", ""),
    ("Copy BibTeX entry", "copy_item('bibtex')", ""),
    ("Copy Markdown link", "copy_item('markdown')", ""),
    ("Copy abstract", "copy_item('abstract')", ""),
    ("Open the paper's page", "open_page", "open"),
    ("Dismiss (read, out of the inbox)", "dismiss", "dismiss"),
    ("Undo", "undo", "undo"),
    ("Redo", "redo", "redo"),
    ("Edit the note", "note", "note"),
    ("Related papers", "related", "related"),
    ("Save this search", "save_search", "save-search"),
    ("Rename or merge a tag…", "rename_tag", ""),
    ("Delete a saved search…", "delete_search", ""),
    ("Select all listed papers", "select_all", ""),
    ("Help", "help", "help"),
)

Entry = tuple[str, Callable[[], object], str]  # (shown name, what it runs, help line)


class ReaderCommands(Provider):
    def _commands(self) -> Iterator[Entry]:
        app: ReaderApp = self.app  # type: ignore[assignment]
        for name, action, binding_id in ACTIONS:
            keys = app.keys_for(binding_id)
            yield name, partial(app.run_action, action), f"key: {escape(keys)}" if keys else ""
        for view, label in app.view_labels():
            # A tag is the person's text (and may hold "[…]"): never markup, one line.
            yield f"View: {one_line(label)}", partial(app.show_view, view), ""
        for theme in sorted(app.available_themes):
            current = " (current)" if theme == app.theme else ""
            yield f"Theme: {theme}", partial(setattr, app, "theme", theme), f"remembered in settings.toml{current}"

    async def discover(self) -> Hits:
        for name, command, help in self._commands():
            yield DiscoveryHit(Content(name), command, text=name, help=help or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help in self._commands():
            hit = _hit(matcher, name, command, help)
            if hit is not None:
                yield hit


def _hit(matcher: Matcher, name: str, command: Callable[[], object], help: str) -> Hit | None:
    # Matcher.highlight would read `name` as markup; build the display from plain text instead.
    score, offsets = matcher.fuzzy_search.match(matcher.query, name)
    if not score:
        return None
    display = Content(name)
    for offset in offsets:
        display = display.stylize(matcher.match_style, offset, offset + 1)
    return Hit(score, display, command, text=name, help=help or None)
