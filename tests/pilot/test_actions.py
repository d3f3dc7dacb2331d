"""One registry of actions (reader.actions): every action there is on its key, in the palette and in the help."""

import io
import re

import pytest
from rich.console import Console
from textual.actions import parse
from textual.command import CommandList

from helpers.paths import ROOT
from helpers.pilot import settle
from reader.actions import ABSTRACT, ACTIONS, APP, BINDING_IDS, LIST, MAIN, SIDEBAR, TEXTUAL
from reader.app import ReaderApp
from reader.screens.help import HelpScreen
from reader.screens.main import MainScreen
from reader.widgets.abstract_view import AbstractView
from reader.widgets.paper_list import PaperList
from reader.widgets.sidebar import Sidebar

KEYED = [a for a in ACTIONS if a.keys]
FOCUS = {LIST: PaperList, ABSTRACT: AbstractView, SIDEBAR: Sidebar, APP: PaperList, MAIN: PaperList, TEXTUAL: PaperList}


def help_text(app) -> str:
    console = Console(width=200, file=io.StringIO(), record=True)
    for static in app.screen.query("Static"):
        console.print(static.content)
    return console.export_text()


@pytest.mark.parametrize("place", [LIST, ABSTRACT, SIDEBAR, APP, MAIN, TEXTUAL])
async def test_every_key_runs_its_action_where_it_is_bound(home, place):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.screen.query_one(FOCUS[place]).focus()
        await pilot.pause()
        active = app.screen.active_bindings
        for action in (a for a in KEYED if a.on == place):
            for key in action.keys.split(","):
                assert key in active, f"{action.id}: {key} is bound to nothing"
                bound = active[key].binding
                assert bound.action == action.run, f"{action.id}: {key} runs {bound.action}"
                if place != TEXTUAL:
                    assert bound.id == action.id  # settings.toml rebinds by it


async def test_j_k_g_G_move_in_the_sidebar_as_in_the_list(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("shift+tab")  # from the list to the sidebar's views
        views = app.screen.query_one(Sidebar)
        assert app.focused is views and views.highlighted == 0
        await pilot.press("j", "j")
        assert views.highlighted == 2
        await pilot.press("k")
        assert views.highlighted == 1
        await pilot.press("G")
        assert views.highlighted == views.option_count - 1
        await pilot.press("g")
        assert views.highlighted == 0


async def test_the_palette_lists_every_palette_action_with_its_key(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await settle(pilot)
        listed = {option.hit.text: option.hit.help for option in app.screen.query_one(CommandList).options}
        for action in (a for a in ACTIONS if a.palette):
            assert action.palette in listed, action.id
            assert listed[action.palette] == (f"key: {app.keys_for(action.id)}" if action.keys else None)


def test_the_palette_runs_every_action_where_it_is():
    # The palette runs an action on the app if the app binds it, else on the main screen.
    for action in (a for a in ACTIONS if a.palette):
        _, name, _ = parse(action.run)
        where = ReaderApp if action.on == APP else MainScreen
        assert callable(getattr(where, f"action_{name}", None)), action.id


async def test_help_has_a_row_for_every_key(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        rows = app.screen.rows
        assert sorted(i for row in rows for i in row.ids) == sorted({a.id for a in KEYED})
        lines = help_text(app).splitlines()
        for row in rows:
            first = row.what.splitlines()[0]
            assert any(line.lstrip().startswith(row.keys) and first in line for line in lines), row
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_help_shows_the_keys_settings_give(home):
    home.mkdir(parents=True)
    # not ctrl+b: that is page-up's key in the list, and settings.toml refuses a key two bindings would share
    (home / "settings.toml").write_text('[keys]\nbookmark = "B,ctrl+k"\nsaved-3 = "f3"\n')
    app = ReaderApp(home=home)
    async with app.run_test(size=(120, 50)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        keys = {row.ids[0]: row.keys for row in app.screen.rows}
        assert keys["bookmark"] == "B, ctrl+k"
        assert keys["save-search"] == "s / 1 / 2 / f3 / 4-9"
        assert keys["down"] == "j / k, ↓ / ↑"


def test_every_action_is_reachable_and_every_help_row_is_whole():
    for action in ACTIONS:
        assert action.keys or action.palette, f"{action.id}: neither a key nor a palette name"
        assert action.help is None or action.help_with is None, action.id
        assert not (action.footer and action.on not in (APP, MAIN) and action.id != "command-palette"), (
            f"{action.id}: the footer shows the app's and the main screen's keys, and Textual's palette key"
        )
    leads = {a.id for a in ACTIONS if a.help is not None}
    assert all(a.help_with in leads for a in ACTIONS if a.help_with), "help_with names an action without help"


def test_textual_keys_cannot_be_rebound_in_settings():
    assert {a.id for a in ACTIONS if a.on == TEXTUAL}.isdisjoint(BINDING_IDS)
    assert BINDING_IDS == {a.id for a in KEYED if a.on != TEXTUAL}


def test_the_readme_lists_exactly_the_binding_ids():
    readme = (ROOT / "README.md").read_text()
    paragraph = re.search(r"^Binding ids: (.*?)\. Keys are", readme, re.S | re.M)
    assert paragraph is not None
    listed = re.findall(r"`([^`]+)`", paragraph.group(1))
    assert sorted(listed) == sorted(BINDING_IDS)
