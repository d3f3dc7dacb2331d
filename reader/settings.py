"""The person's settings: `settings.toml` in the home (theme, first view, keys).

Nothing here knows Textual. The app passes in what it accepts (its theme
names, views and binding ids), so a bad value is reported in words naming the
key and what is allowed, and the app still starts, with that key's default.

Writing back (the app remembers a theme chosen in it) changes only the value on
the `theme = ...` line, or adds that line at the top: the person's comments,
order and other keys are kept. The result is parsed before it replaces the
file, so a file this cannot edit safely is left alone and the caller is told.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader.store import StoreError, home_lock, write_atomically

SETTINGS_FILE = "settings.toml"
KEYS_TABLE = "keys"


class SettingsError(Exception):
    """The settings file could not be written; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    theme: str | None = None  # None: Textual's default theme
    view: str = "all"  # one of the app's views, or "tag:NAME"
    keys: Mapping[str, str] = field(default_factory=dict)  # binding id -> Textual key list


def settings_path(home: Path) -> Path:
    return home / SETTINGS_FILE


def load_settings(
    path: Path, themes: Collection[str], views: Collection[str], binding_ids: Collection[str]
) -> tuple[Settings, list[str]]:
    """The settings in `path` and, for each value that cannot be used, a message.

    A missing file is no problem (all defaults); an unreadable one gives a
    message and all defaults; a bad value gives a message and its default.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings(), []
    except OSError as error:
        return Settings(), [f"{path}: cannot be read ({error.strerror}); using the default settings"]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return Settings(), [f"{path}: not valid TOML ({error}); using the default settings"]
    settings, problems = parse_settings(data, themes, views, binding_ids)
    return settings, [f"{path.name}: {problem}" for problem in problems]


def parse_settings(
    data: Mapping[str, Any], themes: Collection[str], views: Collection[str], binding_ids: Collection[str]
) -> tuple[Settings, list[str]]:
    problems: list[str] = []
    known = ("theme", "view", KEYS_TABLE)
    for name in data:
        if name not in known:
            problems.append(f"unknown setting {_shown(name)}; the settings are: {', '.join(known)}")

    theme = data.get("theme")
    if theme is not None and not (isinstance(theme, str) and theme in themes):
        problems.append(f"theme = {_shown(theme)} is not a theme; one of: {', '.join(sorted(themes))}")
        theme = None

    view = data.get("view", "all")
    if not _valid_view(view, views):
        problems.append(f"view = {_shown(view)} is not a view; one of: {', '.join(views)}, or tag:NAME")
        view = "all"

    keys: dict[str, str] = {}
    table = data.get(KEYS_TABLE, {})
    if not isinstance(table, dict):
        problems.append(f'{KEYS_TABLE} must be a table ([{KEYS_TABLE}] then lines like bookmark = "B")')
        table = {}
    for binding_id, value in table.items():
        if binding_id not in binding_ids:
            problems.append(f"{KEYS_TABLE}.{_bare(binding_id)} is not a binding; one of: {', '.join(sorted(binding_ids))}")
        elif not _valid_keys(value):
            problems.append(
                f'{KEYS_TABLE}.{binding_id} = {_shown(value)} is not a key list; write a key such as "B", "ctrl+b" or "f2", several as "B,ctrl+b"'
            )
        else:
            keys[binding_id] = ",".join(part.strip() for part in value.split(","))
    return Settings(theme=theme, view=view, keys=keys), problems


def _valid_view(view: object, views: Collection[str]) -> bool:
    if not isinstance(view, str):
        return False
    return view in views or (view.startswith("tag:") and len(view) > 4 and not any(c.isspace() for c in view))


def _valid_keys(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = [part.strip() for part in value.split(",")]
    # "," on its own is a key too ("comma"), but then the list is ambiguous: ask for the name.
    return all(part and not any(c.isspace() for c in part) for part in parts)


def _shown(value: object) -> str:
    """A value as TOML would spell it, cut short: it is the person's text, quoted back."""
    text = json.dumps(value, ensure_ascii=True, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _bare(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else _shown(name)


# --- writing the theme back ------------------------------------------------------------

# The root table ends at the first [table] or [[array]] header.
_HEADER = re.compile(r"^[ \t]*\[", re.M)
# `theme = <value>  # comment`: the value is replaced, the comment kept.
_THEME_LINE = re.compile(r"""^([ \t]*theme[ \t]*=[ \t]*)("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^#\n]*?)([ \t]*(?:#[^\n]*)?)$""", re.M)


def with_theme(text: str, theme: str) -> str:
    """`text` (a settings file) with its theme set to `theme` and everything else as it was."""
    header = _HEADER.search(text)
    root_end = header.start() if header else len(text)
    value = json.dumps(theme)  # a JSON string of a theme name is a TOML basic string
    match = _THEME_LINE.search(text, 0, root_end)
    if match:
        return text[: match.start(2)] + value + text[match.end(2) :]
    # A root key must come before any table, so the top of the file is always right.
    return f"theme = {value}\n" + text


def save_theme(home: Path, theme: str) -> None:
    """Remember `theme` in the home's settings file. Raises SettingsError."""
    path = settings_path(home)
    try:
        home.mkdir(parents=True, exist_ok=True)
        with home_lock(home):  # two apps saving at once must not lose each other's edit
            try:
                text = path.read_text(encoding="utf-8")
            except FileNotFoundError:
                text = ""
            updated = with_theme(text, theme)
            try:
                saved = tomllib.loads(updated).get("theme")
            except tomllib.TOMLDecodeError as error:
                raise SettingsError(f"{path}: theme not saved: the file is not valid TOML ({error})") from error
            if saved != theme:
                raise SettingsError(f"{path}: theme not saved: could not find where to write it; set theme = {json.dumps(theme)} by hand")
            write_atomically(path, updated)
    except StoreError as error:
        raise SettingsError(f"theme not saved: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: theme not saved ({getattr(error, 'strerror', None) or error})") from error
