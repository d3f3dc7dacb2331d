"""The Textual app: settings, theme and keys; it loads the library, then shows the main screen.

The screens do the rest: reader.screens.loading while the library loads,
reader.screens.main once it is there. The app holds what outlives a screen:
the person's settings, the writer thread every write goes through, and the
keys that work on every screen (help, quit).
"""

from __future__ import annotations

import os
import sys
from functools import partial
from pathlib import Path

from platformdirs import user_downloads_path
from textual.app import App
from textual.binding import Binding
from textual.keys import REPLACED_KEYS, Keys, _character_to_key, key_to_character
from textual.screen import Screen

from reader.actions import ABSTRACT, APP, LIST, MAIN, TEXTUAL, bound_on, current_keys
from reader.files import resolve_home, tell_lock_waits
from reader.resources import resource_dir
from reader.screens.help import HelpScreen
from reader.screens.loading import LoadingScreen
from reader.screens.main import MainScreen
from reader.screens.messages import LibraryLoaded, LockWait, Refused
from reader.screens.writer import Writer
from reader.settings import Bindings, SettingsError, load_settings, save_theme, settings_path
from reader.text import plural
from reader.views import STANDARD, View
from reader.widgets.bindings import bindings
from reader.widgets.status_line import StatusLine


class ReaderApp(App[None]):
    CSS_PATH = str(resource_dir("styles") / "reader.tcss")
    TITLE = "reader"
    BINDINGS = bindings(APP)  # help and quit; the main screen binds the rest (reader.actions)

    def __init__(self, home: str | Path | None = None) -> None:
        super().__init__()
        self.home = home
        self.writer = Writer()
        self._apply_settings()

    def get_default_screen(self) -> Screen:
        return LoadingScreen(self.home)

    def on_mount(self) -> None:
        tell_lock_waits(self._lock_wait)
        self._report_settings_problems()
        if sys.__stdin__ is not None and sys.__stdin__.isatty():
            self.set_interval(1.0, partial(self._end_if_hung_up, sys.__stdin__.fileno()))

    def _end_if_hung_up(self, terminal: int) -> None:
        # A terminal hung up (an SSH connection dropped, a tmux pane killed) under a
        # parent that outlives it, as `make run`'s make does, sends the app no SIGHUP:
        # Textual's input thread then reads nothing from it over and over, a whole core
        # for as long as the machine runs. Every change is written as it is made.
        if not os.isatty(terminal):
            self.exit()

    def on_ready(self) -> None:
        # Loaded only once the first frame is out: unmarshalling the caches is one
        # long call that holds the GIL, and would keep "Loading library…" off the
        # screen until it ends.
        loading = self.screen
        assert isinstance(loading, LoadingScreen)
        loading.load()

    def on_unmount(self) -> None:
        tell_lock_waits(None)
        self.writer.close()

    def on_library_loaded(self, loaded: LibraryLoaded) -> None:
        if loaded.searches_error is not None:
            self.notify(loaded.searches_error, title="Saved searches not loaded", severity="error", timeout=30, markup=False)
        view = View.parse(self.settings.view)
        said = " · ".join(loaded.warnings) or None
        # Over the loading screen, which is never shown again (Textual cannot switch
        # away from the first screen; it stays below, idle).
        self.push_screen(MainScreen(loaded.library, loaded.saved, view, self.writer, said))

    def on_refused(self, refused: Refused) -> None:
        self.notify(refused.error, title=refused.title, severity=refused.severity, timeout=15, markup=False)

    def _lock_wait(self, text: str) -> None:
        # Told on the writer thread; a message, unlike call_from_thread, never blocks it.
        self.post_message(LockWait(text))

    def on_lock_wait(self, waiting: LockWait) -> None:
        self._say(waiting.text)

    def _say(self, text: str) -> None:
        # On the status line shown, the loading or the main screen's, under any dialog.
        for screen in reversed(self.screen_stack):
            if (status := screen.query_one_optional(StatusLine)) is not None:
                status.update(text)
                return

    def deliver_screenshot(
        self, filename: str | None = None, path: str | None = None, time_format: str | None = None
    ) -> str | None:
        """The palette's Screenshot, saved where it can be found and said on the status
        line: Textual saves into ~/Downloads, which most servers do not have (it failed)."""
        if self.is_web:
            return super().deliver_screenshot(filename, path, time_format)
        folder = Path(path) if path else _screenshot_folder()
        try:
            saved = self.save_screenshot(filename, str(folder), time_format)
        except OSError as error:
            self.notify(f"Screenshot not saved in {folder}: {error.strerror or error}", severity="error", markup=False)
            return None
        self._say(f"screenshot saved: {_from_home(Path(saved))}")
        return None

    def action_help(self) -> None:
        self.push_screen(HelpScreen(self.settings.keys, self._settings_problems))

    # -- settings.toml ---------------------------------------------------------------------

    def _apply_settings(self) -> None:
        """Theme, first view and keys from the home's settings.toml.

        Read here, before the first frame, because it is a few lines and the
        first frame should already be in the person's theme.
        """
        path = settings_path(resolve_home(self.home))
        self.settings, self._settings_problems = load_settings(
            path, self.available_themes, [str(v) for v in STANDARD], _bindings()
        )
        self._theme_on_disk = self.settings.theme
        if self.settings.theme:
            self.theme = self.settings.theme
        self.set_keymap(dict(self.settings.keys))

    def _report_settings_problems(self) -> None:
        # One short line: each problem in full (a list of themes, of binding ids) ran
        # off the top of an 80x24 screen and hid the list; the help lists them.
        if problems := self._settings_problems:
            said = f"settings.toml: {plural(len(problems), 'problem')}, the defaults used · ? lists them"
            self.notify(said, severity="warning", timeout=8, markup=False)

    def watch_theme(self, theme: str) -> None:
        if theme != self._theme_on_disk:
            self._theme_on_disk = theme
            # The writer's thread: two quick theme changes are saved in the order made.
            self.writer.write(
                self,
                partial(save_theme, resolve_home(self.home), theme),
                lambda _: None,
                lambda error: Refused("Theme not remembered", str(error), "warning"),
                errors=(SettingsError,),
                group="settings",
            )

    def keys_for(self, binding_id: str) -> str:
        """The key(s) of a binding as the person has them: settings.toml's, else the default."""
        return ",".join(self.get_key_display(Binding(key, "")) for key in current_keys(binding_id, self.settings.keys))


def _screenshot_folder() -> Path:
    """~/Downloads where there is one (a desktop), else the home folder (a server)."""
    downloads = user_downloads_path()
    return downloads if downloads.is_dir() else Path.home()


def _from_home(path: Path) -> str:
    """`path`, with ~ for the home folder: short enough for the status line."""
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def _bindings() -> Bindings:
    """Ours (reader.actions), as settings.toml may rebind them: the app's and the main
    screen's keys work in the list and in the abstract pane too, so each of those is
    checked with them; the keys Textual binds itself stay its own."""
    screen = {a.id: a.keys for a in [*bound_on(APP), *bound_on(MAIN)]}
    together = [{**screen, **{a.id: a.keys for a in bound_on(place)}} for place in (LIST, ABSTRACT)]
    textual = {a.keys: a.id for a in bound_on(TEXTUAL)} | {
        b.key: f"Textual's {b.action}" for b in App.BINDINGS if isinstance(b, Binding)
    }
    return Bindings(together, _key_name, textual)


_KEY_NAMES = {key.value for key in Keys} - {"<any>", "<scroll-up>", "<scroll-down>", "<ignore>"}
_MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}


def _key_name(key: str) -> str | None:
    """The name Textual gives `key` ("?" -> "question_mark"), or None for no key it
    knows: a character, a named key (`f2`, `pageup`), either after modifiers."""
    *modifiers, base = key.split("+")
    if not set(modifiers) <= _MODIFIERS:
        return None
    if len(base) == 1 and base.isprintable():
        return "+".join([*modifiers, _character_to_key(base)])
    # A character's name: `question_mark`, or `slash` (Textual's word for "solidus").
    if base in _KEY_NAMES or key_to_character(REPLACED_KEYS.get(base, base)) is not None:
        return key
    return None
