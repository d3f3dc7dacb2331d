"""The person's settings: `settings.toml` in the home (theme, first view, keys, feeds).

Nothing here knows Textual. The app passes in what it accepts (its theme
names, views, its bindings and which key names exist), so a bad value is
reported in words naming the key and what is allowed, and the app still starts,
with that key's default. A rebinding is judged after all of them apply, so two
bindings may swap keys, but one that would take a key another binding keeps
(`q` from quit, or a list key over an app key) is refused.

Writing back (the app remembers a theme chosen in it) changes only the value on
the `theme = ...` line, or adds that line at the top: the person's comments,
order and other keys are kept. The result is parsed before it replaces the
file, so a file this cannot edit safely is left alone and the caller is told.

Feeds (`[[feeds]]` tables: what `reader fetch` brings in) and `[urls]` (where
it asks: tests point them at a server of their own) are read the same way by
the app and by the CLI, which has no themes or keys to judge (`load_feeds`).
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reader.files import StoreError, home_lock, write_atomically

SETTINGS_FILE = "settings.toml"
KEYS_TABLE = "keys"
FEEDS_TABLES = "feeds"
URLS_TABLE = "urls"
URL_NAMES = ("hf", "arxiv_api", "arxiv", "doi")
"""The services `[urls]` may move (see reader.fetch.endpoints for what each is)."""
FEED_SOURCES = ("hf", "arxiv")
_CATEGORY = re.compile(r"[a-z][a-z-]*(\.[A-Za-z][A-Za-z-]*)?")  # cs.CL, hep-th, astro-ph.GA, q-bio.NC


@dataclass(frozen=True)
class Feed:
    """One thing `reader fetch` brings in: Hugging Face's daily papers, or one arXiv category.

    A `[[feeds]]` table with several categories is one feed per category: each
    is paged and remembered on its own, and reported on its own line."""

    source: str  # one of FEED_SOURCES
    category: str | None = None  # an arXiv category, for source "arxiv"

    @property
    def name(self) -> str:
        """How the feed is named in reports, in feeds.json and to `--feed`: `hf`, `arxiv cs.CL`."""
        return f"{self.source} {self.category}" if self.category else self.source


DEFAULT_FEEDS = (Feed("hf"),)


class SettingsError(Exception):
    """The settings file could not be written; the message says which and why."""


@dataclass(frozen=True)
class Settings:
    theme: str | None = None  # None: Textual's default theme
    view: str = "all"  # one of the app's views, or "tag:NAME"
    keys: Mapping[str, str] = field(default_factory=dict)  # binding id -> Textual key list
    feeds: tuple[Feed, ...] = DEFAULT_FEEDS
    urls: Mapping[str, str] = field(default_factory=dict)  # one of URL_NAMES -> base URL


@dataclass(frozen=True)
class Bindings:
    """The app's key bindings, as settings.toml may change them.

    `together`: the bindings active at once (the app's with the list's, the
    app's with the abstract pane's), each binding id -> its default keys
    ("j,down"); `fixed`: keys the toolkit keeps -> what they do ("the command
    palette"). No key may do two things at once. `key_name`: the name a key as
    written goes by ("?" -> "question_mark"), or None when there is no such key.
    """

    together: Sequence[Mapping[str, str]]
    key_name: Callable[[str], str | None]
    fixed: Mapping[str, str] = field(default_factory=dict)

    @property
    def ids(self) -> set[str]:
        return {binding_id for group in self.together for binding_id in group}


def settings_path(home: Path) -> Path:
    return home / SETTINGS_FILE


def load_settings(path: Path, themes: Collection[str], views: Collection[str], bindings: Bindings) -> tuple[Settings, list[str]]:
    """The settings in `path` and, for each value that cannot be used, a message.

    A missing file is no problem (all defaults); an unreadable one gives a
    message and all defaults; a bad value gives a message and its default.
    """
    data, unreadable = _read(path)
    if data is None:
        return Settings(), unreadable
    settings, problems = parse_settings(data, themes, views, bindings)
    return settings, [f"{path.name}: {problem}" for problem in problems]


def load_feeds(path: Path) -> tuple[tuple[Feed, ...], dict[str, str], list[str]]:
    """(feeds, urls, a message for each value that cannot be used), for `reader fetch`.

    Only the feeds and urls are judged here: the app reports the rest."""
    data, unreadable = _read(path)
    if data is None:
        return DEFAULT_FEEDS, {}, unreadable
    problems: list[str] = []
    feeds, urls = _feeds(data, problems), _urls(data, problems)
    return feeds, urls, [f"{path.name}: {problem}" for problem in problems]


def _read(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    """The TOML in `path` ({} if there is no file), or None and why it cannot be used."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}, []
    except OSError as error:
        return None, [f"{path}: cannot be read ({error.strerror}); using the default settings"]
    try:
        return tomllib.loads(raw.decode("utf-8")), []
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        return None, [f"{path}: not valid TOML ({error}); using the default settings"]


def parse_settings(
    data: Mapping[str, Any], themes: Collection[str], views: Collection[str], bindings: Bindings
) -> tuple[Settings, list[str]]:
    problems: list[str] = []
    known = ("theme", "view", KEYS_TABLE, FEEDS_TABLES, URLS_TABLE)
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

    table = data.get(KEYS_TABLE, {})
    if not isinstance(table, dict):
        problems.append(f'{KEYS_TABLE} must be a table ([{KEYS_TABLE}] then lines like bookmark = "B")')
        table = {}
    keys = _rebindings(table, bindings, problems)
    feeds, urls = _feeds(data, problems), _urls(data, problems)
    return Settings(theme=theme, view=view, keys=keys, feeds=feeds, urls=urls), problems


_FEED_EXAMPLE = '[[feeds]] then source = "hf", or source = "arxiv" and categories = ["cs.CL", "cs.LG"]'


def _feeds(data: Mapping[str, Any], problems: list[str]) -> tuple[Feed, ...]:
    """The feeds the `[[feeds]]` tables name (the default when there are none);
    a message in `problems` for each table or value that cannot be used."""
    tables = data.get(FEEDS_TABLES)
    if tables is None:
        return DEFAULT_FEEDS
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        problems.append(f"{FEEDS_TABLES} must be tables: {_FEED_EXAMPLE}")
        return ()
    feeds: list[Feed] = []
    for number, table in enumerate(tables, 1):
        where = f"{FEEDS_TABLES} #{number}"
        for name in table:
            if name not in ("source", "categories"):
                problems.append(f"{where}: unknown key {_bare(name)}; a feed has source and categories")
        source, categories = table.get("source"), table.get("categories")
        if source not in FEED_SOURCES:
            problems.append(f"{where}: source = {_shown(source)} is not a source; one of: {', '.join(FEED_SOURCES)}")
        elif source == "hf":
            if categories is not None:
                problems.append(f"{where}: Hugging Face's daily papers have no categories; categories ignored")
            feeds.append(Feed("hf"))
        elif not (isinstance(categories, list) and categories):
            problems.append(f'{where}: an arXiv feed needs categories, as in categories = ["cs.CL", "cs.LG"]')
        else:
            for category in categories:
                if isinstance(category, str) and _CATEGORY.fullmatch(category):
                    feeds.append(Feed("arxiv", category))
                else:
                    problems.append(f"{where}: {_shown(category)} is not an arXiv category (such as cs.CL or hep-th)")
    return tuple(dict.fromkeys(feeds))


def _urls(data: Mapping[str, Any], problems: list[str]) -> dict[str, str]:
    """`[urls]`: service name -> base URL, for those that are http(s) URLs."""
    table = data.get(URLS_TABLE, {})
    if not isinstance(table, dict):
        problems.append(f'{URLS_TABLE} must be a table ([{URLS_TABLE}] then lines like hf = "https://huggingface.co")')
        return {}
    urls: dict[str, str] = {}
    for name, value in table.items():
        if name not in URL_NAMES:
            problems.append(f"{URLS_TABLE}.{_bare(name)} is not a service; one of: {', '.join(URL_NAMES)}")
        elif not (isinstance(value, str) and re.fullmatch(r"https?://[^\s/?#]+[^\s?#]*", value)):
            problems.append(f"{URLS_TABLE}.{name} = {_shown(value)} is not an http(s) URL; the default is used")
        else:
            urls[name] = value.rstrip("/")
    return urls


_KEY_EXAMPLE = 'write a key such as "B", "ctrl+k" or "f2", several as "B,ctrl+k"'


def _rebindings(table: Mapping[str, Any], bindings: Bindings, problems: list[str]) -> dict[str, str]:
    """binding id -> its keys as written, for the rebindings that can be used;
    a message in `problems` for each of the others."""
    keys: dict[str, str] = {}
    for binding_id, value in table.items():
        if binding_id not in bindings.ids:
            problems.append(f"{KEYS_TABLE}.{_bare(binding_id)} is not a binding; one of: {', '.join(sorted(bindings.ids))}")
        elif not _valid_keys(value):
            problems.append(f"{KEYS_TABLE}.{binding_id} = {_shown(value)} is not a key list; {_KEY_EXAMPLE}")
        elif unknown := [part for part in _parts(value) if bindings.key_name(part) is None]:
            problems.append(f"{KEYS_TABLE}.{binding_id} = {_shown(value)}: {_shown(unknown[0])} is not a key; {_KEY_EXAMPLE}")
        else:
            keys[binding_id] = ",".join(_parts(value))
    while clash := _clash(keys, bindings):
        taker, key, holder = clash
        default = next(group[taker] for group in bindings.together if taker in group)
        problems.append(
            f"{KEYS_TABLE}.{taker} = {_shown(keys[taker])}: {key} is already the key of {holder}; {taker} keeps {_shown(default)}"
        )
        del keys[taker]  # its default is back: the next round checks that too
    return keys


def _clash(keys: Mapping[str, str], bindings: Bindings) -> tuple[str, str, str] | None:
    """(a rebound id, its key as written, what has that key already) for the first
    key that would do two things at once, or None. The keys nobody rebound are
    placed first, then the rebindings in the file's order: the later one gives way."""
    for group in bindings.together:
        taken = {bindings.key_name(key) or key: what for key, what in bindings.fixed.items()}
        rebound = [binding_id for binding_id in keys if binding_id in group]
        for binding_id in [*(b for b in group if b not in keys), *rebound]:
            for key in _parts(keys.get(binding_id, group[binding_id])):
                holder = taken.setdefault(bindings.key_name(key) or key, binding_id)
                if holder != binding_id and binding_id in keys:
                    return binding_id, key, holder
    return None


def _parts(value: str) -> list[str]:
    return [part.strip() for part in value.split(",")]


def _valid_view(view: object, views: Collection[str]) -> bool:
    if not isinstance(view, str):
        return False
    return view in views or (view.startswith("tag:") and len(view) > 4 and not any(c.isspace() for c in view))


def _valid_keys(value: object) -> bool:
    if not isinstance(value, str):
        return False
    parts = _parts(value)
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
                raise SettingsError(
                    f"{path}: theme not saved: could not find where to write it; set theme = {json.dumps(theme)} by hand"
                )
            write_atomically(path, updated)
    except StoreError as error:
        raise SettingsError(f"theme not saved: {error}") from error
    except (OSError, UnicodeDecodeError) as error:
        raise SettingsError(f"{path}: theme not saved ({getattr(error, 'strerror', None) or error})") from error
