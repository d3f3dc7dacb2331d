"""The command palette (ctrl+p): every action, every view and tag, every theme, found by typing.

The main screen's provider (it needs the library for the tags); Textual's own
adds its system commands (Quit, Keys, Screenshot…) beside these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Protocol, cast

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content
from textual.markup import escape

from reader.actions import ACTIONS, APP
from reader.text import one_line
from reader.views import View

Entry = tuple[str, Callable[[], object], str, bool]  # (shown name, what it runs, help line, changes the library)

# An action that changes the library scores this much of its match: typing "Inbox"
# then enter must show the inbox, not dismiss a paper ("…out of the inbox").
CHANGE_WEIGHT = 0.8


class AppHost(Protocol):
    """What the palette asks of the app: reader.app.ReaderApp."""

    theme: str

    @property
    def available_themes(self) -> Mapping[str, object]: ...

    async def run_action(self, action: str) -> object: ...

    def keys_for(self, binding_id: str) -> str: ...


class ScreenHost(Protocol):
    """What the palette asks of the screen: reader.screens.main.MainScreen, which imports this module."""

    async def run_action(self, action: str) -> object: ...

    def palette_views(self) -> list[View]: ...

    def show_view(self, view: View) -> None: ...


class ReaderCommands(Provider):
    def _commands(self) -> Iterator[Entry]:
        app, screen = cast(AppHost, self.app), cast(ScreenHost, self.screen)
        for action in ACTIONS:
            if action.palette is not None:
                keys = app.keys_for(action.id)
                where = app if action.on == APP else screen
                help = f"key: {escape(keys)}" if keys else ""
                yield action.palette, partial(where.run_action, action.run), help, action.changes
        for view in screen.palette_views():
            # A tag is the person's text (and may hold "[…]"): never markup, one line.
            yield f"View: {one_line(view.label)}", partial(screen.show_view, view), "", False
        for theme in sorted(app.available_themes):
            current = " (current)" if theme == app.theme else ""
            yield f"Theme: {theme}", partial(setattr, app, "theme", theme), f"remembered in settings.toml{current}", False

    async def discover(self) -> Hits:
        for name, command, help, _ in self._commands():
            yield DiscoveryHit(Content(name), command, text=name, help=help or None)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help, changes in self._commands():
            hit = _hit(matcher, name, command, help, CHANGE_WEIGHT if changes else 1.0)
            if hit is not None:
                yield hit


def _hit(matcher: Matcher, name: str, command: Callable[[], object], help: str, weight: float) -> Hit | None:
    # Matcher.highlight would read `name` as markup; build the display from plain text instead.
    score, offsets = matcher.fuzzy_search.match(matcher.query, name)
    if not score:
        return None
    display = Content(name)
    for offset in offsets:
        display = display.stylize(matcher.match_style, offset, offset + 1)
    return Hit(score * weight, display, command, text=name, help=help or None)
