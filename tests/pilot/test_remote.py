"""At home over SSH and in a browser: copy (OSC 52), open, the palette, themes and settings.toml."""

import base64
from dataclasses import replace

import pytest
from textual.drivers.headless_driver import HeadlessDriver

from helpers.pilot import abstract_text, papers, settle, status, toasts
from reader.actions import BINDING_IDS
from reader.app import ReaderApp, _bindings, _key_name
from reader.export import to_json
from reader.library import Library
from reader.models import Paper, PaperState, Source
from reader.screens.help import HelpScreen
from reader.screens.pick import PickScreen
from reader.settings import parse_settings
from reader.widgets.paper_list import PaperList

ARXIV = Paper(
    id="arxiv:2306.13575",
    title="Scaling MLPs: A Tale of Inductive Bias",
    abstract="In this work we revisit the most fundamental building block in deep learning, the multi-layer perceptron.",
    authors=("Gregor Bachmann", "Sotiris Anagnostidis", "Thomas Hofmann"),
    links=(
        "https://arxiv.org/abs/2306.13575",
        "https://arxiv.org/pdf/2306.13575",
        "https://github.com/gregorbachmann/scaling_mlps",
    ),
    sources=(Source("picks.json", "reader-json", 1),),
    arxiv_id="2306.13575",
    published="2023-06-23",
)
ONE_LINK = Paper(
    id="title:000000000001",
    title="A Paper With One Link",
    abstract="Only a project page.",
    links=("https://example.org/project",),
    sources=(Source("picks.json", "reader-json", 2),),
    published="2022-01-01",
)
SSH = "192.0.2.1 50000 192.0.2.2 22"


@pytest.fixture
def two_papers(home, tmp_path):
    """A home holding ARXIV (first in the list: newest) and ONE_LINK."""
    listing = tmp_path / "picks.json"
    with listing.open("w") as out:
        to_json([(ARXIV, PaperState()), (ONE_LINK, PaperState())], out)
    Library.open(home, seed=False).import_paths([listing])
    return home


@pytest.fixture
def terminal_output(monkeypatch):
    """Everything the app writes to the terminal, besides the frames."""
    written: list[str] = []
    monkeypatch.setattr(HeadlessDriver, "write", lambda self, data: written.append(data))
    return written


def osc52_payloads(written: list[str]) -> list[str]:
    start = "\x1b]52;c;"
    return [base64.b64decode(w[len(start) : -1]).decode() for w in written if w.startswith(start) and w.endswith("\a")]


def write_settings(home, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "settings.toml").write_text(text)


# --- copy ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, sent",
    [
        ("t", "Scaling MLPs: A Tale of Inductive Bias"),
        ("u", "https://arxiv.org/abs/2306.13575"),
        ("m", "[Scaling MLPs: A Tale of Inductive Bias](<https://arxiv.org/abs/2306.13575>)"),
        ("a", ARXIV.abstract),
    ],
)
async def test_y_copies_a_part_of_the_paper_with_osc52(two_papers, terminal_output, key, sent):
    app = ReaderApp(home=two_papers)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert papers(app).current == ARXIV.id
        await pilot.press("y")
        assert isinstance(app.screen, PickScreen)
        await pilot.press(key)
        assert not isinstance(app.screen, PickScreen)
        assert osc52_payloads(terminal_output) == [sent]
        assert app.clipboard == sent
        assert "to the clipboard" in status(app)
        assert sent[:30] in status(app)


async def test_y_b_copies_a_bibtex_entry_and_esc_copies_nothing(two_papers, terminal_output):
    app = ReaderApp(home=two_papers)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("y", "escape")
        assert not isinstance(app.screen, PickScreen)
        assert osc52_payloads(terminal_output) == []
        await pilot.press("y", "b")
        await settle(pilot)  # the first key is chosen and saved on the writer thread
        [entry] = osc52_payloads(terminal_output)
        assert entry.startswith("@misc{bachmann2023scaling,")
        assert "eprint = {2306.13575}" in entry and "url = {https://arxiv.org/abs/2306.13575}" in entry
        assert "sent BibTeX entry to the clipboard" in status(app)


async def test_y_k_copies_the_citation_key_which_is_kept(two_papers, terminal_output):
    app = ReaderApp(home=two_papers)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("y", "k")
        await settle(pilot)  # the first key is chosen and saved on the writer thread
        assert osc52_payloads(terminal_output) == ["bachmann2023scaling"]
        assert "sent citation key to the clipboard" in status(app)
        await pilot.press("y", "b")
        assert osc52_payloads(terminal_output)[1].startswith("@misc{bachmann2023scaling,")
    assert Library.open(two_papers).state_of(ARXIV.id).key == "bachmann2023scaling"


async def test_copying_a_link_the_paper_lacks_says_so(home, terminal_output):
    app = ReaderApp(home=home)  # the bundled papers have no arXiv id and mostly no link
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("y", "u")
        await pilot.pause()
        assert osc52_payloads(terminal_output) == []
        assert "has no arXiv / paper URL" in toasts(app)


# --- open ---------------------------------------------------------------------------


@pytest.fixture
def opened(monkeypatch):
    urls: list[str] = []
    monkeypatch.setattr(ReaderApp, "open_url", lambda self, url, **_: urls.append(url))
    return urls


@pytest.fixture
def desktop(monkeypatch):
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISPLAY", ":0")


async def test_o_lets_you_choose_among_several_links_and_opens_it(two_papers, desktop, opened):
    app = ReaderApp(home=two_papers)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        assert isinstance(app.screen, PickScreen)
        await pilot.press("3")  # the page first, then the PDF, then the code
        await settle(pilot)
        assert opened == ["https://github.com/gregorbachmann/scaling_mlps"]
        assert "asked the browser to open https://github.com/gregorbachmann/scaling_mlps" in status(app)


async def test_o_opens_a_single_link_at_once(two_papers, desktop, opened):
    app = ReaderApp(home=two_papers)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "o")
        await settle(pilot)
        assert not isinstance(app.screen, PickScreen)
        assert opened == ["https://example.org/project"]


async def test_over_ssh_o_shows_and_copies_the_url_instead(two_papers, monkeypatch, opened, terminal_output):
    monkeypatch.setenv("SSH_CONNECTION", SSH)
    app = ReaderApp(home=two_papers)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o", "enter")  # enter: the highlighted first link, the paper's page
        await settle(pilot)
        assert opened == []
        assert osc52_payloads(terminal_output) == ["https://arxiv.org/abs/2306.13575"]
        assert "over SSH" in status(app) and "https://arxiv.org/abs/2306.13575" in status(app)
        # The URL in the status line is an OSC 8 hyperlink: clickable where the terminal allows.
        line = app.screen.query_one("#status").render()
        assert any(span.style.link == "https://arxiv.org/abs/2306.13575" for span in line.spans)


async def test_without_a_display_o_copies_too(two_papers, monkeypatch, opened, terminal_output):
    for name in ("SSH_CONNECTION", "SSH_TTY", "SSH_CLIENT", "DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("sys.platform", "linux")
    app = ReaderApp(home=two_papers)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "o")
        await settle(pilot)
        assert opened == []
        assert osc52_payloads(terminal_output) == ["https://example.org/project"]
        assert "no display" in status(app)


async def test_links_in_the_abstract_are_osc8_hyperlinks(two_papers):
    app = ReaderApp(home=two_papers)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        body = app.screen.query_one("#abstract-body").render()
        linked = {span.style.link for span in body.spans if getattr(span.style, "link", None)}
        assert set(ARXIV.links) <= linked
        assert "github.com/gregorbachmann" in abstract_text(app)


# --- the palette --------------------------------------------------------------------


async def run_from_palette(pilot, text: str) -> None:
    await pilot.press("ctrl+p", *text)
    await settle(pilot)
    await pilot.press("down", "enter")
    await settle(pilot)


async def test_palette_runs_actions_and_opens_views_and_tags(home):
    library = Library.open(home)
    tagged = list(library.papers)[7]
    library.add_tags(tagged, ["toread"])
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_from_palette(pilot, "View: #toread")
        assert str(app.screen.view) == "tag:toread"
        assert list(papers(app).ids) == [tagged]
        await run_from_palette(pilot, "Bookmark / unbookmark")
        assert app.screen.library.state_of(tagged).bookmarked
        await run_from_palette(pilot, "View: Bookmarked")
        assert list(papers(app).ids) == [tagged]


async def test_palette_tag_names_are_not_markup(home):
    library = Library.open(home)
    library.add_tags(list(library.papers)[0], ["[bold]x"])
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_from_palette(pilot, "View: #[bold]x")
        assert str(app.screen.view) == "tag:[bold]x"
        assert len(papers(app).ids) == 1


# --- themes and settings.toml ---------------------------------------------------------


async def test_a_theme_chosen_in_the_palette_is_there_after_a_restart(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await run_from_palette(pilot, "Theme: nord")
        assert app.theme == "nord"
    assert 'theme = "nord"' in (home / "settings.toml").read_text()

    again = ReaderApp(home=home)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.theme == "nord"


async def test_saving_the_theme_keeps_the_rest_of_the_settings_file(home):
    write_settings(home, '# mine\ntheme = "dracula"  # dark\nview = "unread"\n\n[keys]\nbookmark = "B"\n')
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "dracula" and str(app.screen.view) == "unread"
        app.theme = "gruvbox"
        await settle(pilot)
    text = (home / "settings.toml").read_text()
    assert text == '# mine\ntheme = "gruvbox"  # dark\nview = "unread"\n\n[keys]\nbookmark = "B"\n'


async def test_keys_from_settings_replace_the_default_keys(home):
    write_settings(home, '[keys]\nbookmark = "B"\n')
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        first = papers(app).current
        await pilot.press("b")
        await settle(pilot)
        assert not app.screen.library.state_of(first).bookmarked
        await pilot.press("B")
        await settle(pilot)
        assert app.screen.library.state_of(first).bookmarked
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert [row.keys for row in app.screen.rows if "bookmark" in row.ids] == ["B"]


async def settings_problems(pilot) -> str:
    """What the start said of settings.toml's problems, then the help's list of them."""
    app = pilot.app
    said = toasts(app)
    await pilot.press("question_mark")
    listed = str(app.screen.query_one("#help-settings").render())
    await pilot.press("escape")
    return f"{said} {listed}"


async def test_bad_settings_are_named_and_the_app_opens_with_the_defaults(home):
    write_settings(home, 'theme = "no-such-theme"\nview = 3\n[keys]\nfly = "x"\nbookmark = ""\n')
    app = ReaderApp(home=home)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        said = await settings_problems(pilot)
        assert "settings.toml: 4 problems" in said
        assert 'theme = "no-such-theme" is not a theme' in said and "nord" in said
        assert "view = 3 is not a view" in said and "unread" in said
        assert "keys.fly is not a binding" in said
        assert 'keys.bookmark = "" is not a key list' in said
        assert app.theme == "textual-dark" and str(app.screen.view) == "all"
        assert len(papers(app).ids) == 423
        first = papers(app).current
        await pilot.press("b")  # the default key still works
        await settle(pilot)
        assert app.screen.library.state_of(first).bookmarked


async def test_an_unknown_key_and_a_key_taken_from_quit_are_named_and_the_defaults_work(home):
    write_settings(home, '[keys]\nread = "not-a-key"\nbookmark = "q"\n')
    app = ReaderApp(home=home)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        said = await settings_problems(pilot)
        assert 'keys.read = "not-a-key": "not-a-key" is not a key' in said
        assert 'keys.bookmark = "q": q is already the key of quit; bookmark keeps "b"' in said
        first = papers(app).current
        await pilot.press("r")  # r still marks read
        await settle(pilot)
        assert app.screen.library.state_of(first).read
        await pilot.press("k", "b")  # and b still bookmarks
        await settle(pilot)
        assert app.screen.library.state_of(first).bookmarked


@pytest.mark.parametrize(
    "key",
    [
        "b",
        "B",
        "?",
        "question_mark",
        "slash",
        "/",
        "ctrl+b",
        "f2",
        "f24",
        "pageup",
        "enter",
        "shift+tab",
        "ctrl+shift+up",
        "euro_sign",
    ],
)
def test_textual_key_names_are_keys(key):
    assert _key_name(key) is not None


@pytest.mark.parametrize("key", ["not-a-key", "f25", "upp", "ctrl+", "foo+x", "controll+b"])
def test_other_words_are_not_keys(key):
    assert _key_name(key) is None


def test_the_default_keys_are_keys_and_none_does_two_things():
    bindings = _bindings()
    assert bindings.ids == BINDING_IDS
    for group in bindings.together:  # each binding "rebound" to its defaults is checked as a rebinding
        assert parse_settings({"keys": dict(group)}, [], ["all"], replace(bindings, together=[group]))[1] == []


async def test_a_settings_file_that_is_not_toml_is_reported(home):
    write_settings(home, "theme = \n")
    app = ReaderApp(home=home)
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await settle(pilot)
        assert "not valid TOML" in await settings_problems(pilot)
        assert len(papers(app).ids) == 423


async def test_the_first_view_comes_from_settings(home):
    write_settings(home, 'view = "bookmarked"\n')
    library = Library.open(home)
    marked = list(library.papers)[3]
    library.set_bookmarked(marked)
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert list(app.screen.query_one(PaperList).ids) == [marked]
