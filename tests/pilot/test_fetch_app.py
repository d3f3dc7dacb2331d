"""Today's papers without leaving the app: F fetches, saved searches count what is new
for them, p downloads and opens the PDF. Against the replay server (tests/helpers/replay.py)."""

from datetime import date

import pytest

from helpers.pilot import papers, settle, status
from helpers.replay import HF_DAYS, replay, tiny_pdf  # noqa: F401 - the fixture
from reader.app import ReaderApp
from reader.cli import main
from reader.fetch import client as client_module
from reader.fetch import run
from reader.fetch.pdf import PDF_FOLDER
from reader.library import Library
from reader.widgets.sidebar import Sidebar

SEARCH = ("llm", "language model")  # a saved search some of the fetched papers match


@pytest.fixture(autouse=True)
def today(monkeypatch):
    """The last recorded day is today, for the app as for `reader fetch`; retries do not wait."""
    monkeypatch.setattr(run, "today", lambda: date(2026, 8, 21))
    monkeypatch.setattr(client_module, "BACKOFF", 0.0)


def sidebar(app) -> list[str]:
    bar = app.screen.query_one(Sidebar)
    return [str(bar.get_option_at_index(i).prompt) for i in range(bar.option_count)]


def saved_row(app) -> str:
    return next(row for row in sidebar(app) if SEARCH[0] in row)


def inbox(app) -> int:
    return int(next(row for row in sidebar(app) if row.startswith("Inbox")).split()[-1])


ARXIV_ID = "2410.19022"  # one the replay server's arXiv knows


def added(home, capsys) -> None:
    """A home holding one paper from arXiv (added as `reader add` does)."""
    assert main(["add", ARXIV_ID]) == 0
    capsys.readouterr()


async def settled(pilot) -> None:
    # A fetch is followed by a reload, a search and the alerts: each starts the next.
    for _ in range(3):
        await settle(pilot)


async def test_F_brings_new_papers_into_the_list_and_the_inbox_with_the_cursor_kept(home, replay):
    Library.open(home).save_search(*SEARCH)
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("j", "j")
        kept = papers(app).current
        listed, waiting = len(papers(app).ids), inbox(app)
        assert saved_row(app).endswith(SEARCH[0])  # nothing new for it yet

        await pilot.press("F")
        await settled(pilot)

        library = Library.open(home, seed=False)
        new = len(library.papers) - listed
        assert new > 0
        assert len(papers(app).ids) == listed + new
        assert inbox(app) == waiting + new
        assert papers(app).current == kept
        assert f"fetched: hf: 7 days, {new} new" in status(app)
        alerts = library.search_alerts()
        assert alerts[SEARCH[0]] > 0
        assert saved_row(app).endswith(f"{SEARCH[0]} +{alerts[SEARCH[0]]}")


async def test_a_fetch_that_reaches_nothing_says_so_in_one_line_and_changes_nothing(home, replay, monkeypatch):
    monkeypatch.setenv("READER_HF_URL", "http://127.0.0.1:9/hf")  # nothing listens on the discard port
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        listed = len(papers(app).ids)
        await pilot.press("F")
        await settled(pilot)
        assert "fetch failed, nothing changed: cannot reach" in status(app)
        assert len(papers(app).ids) == listed


async def test_a_saved_search_shows_its_new_papers_until_it_is_opened(home, replay, capsys):
    Library.open(home).save_search(*SEARCH)
    assert main(["fetch", "--quiet"]) == 0
    count = Library.open(home).search_alerts()[SEARCH[0]]
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert saved_row(app).endswith(f"{SEARCH[0]} +{count}")  # counted at load
        await pilot.press("1")
        await settle(pilot)
        assert saved_row(app).endswith(SEARCH[0])
    assert Library.open(home).search_alerts() == {}  # opened: on disk too


async def test_p_downloads_the_pdf_once_and_over_ssh_shows_and_copies_its_path(home, replay, monkeypatch, capsys):
    added(home, capsys)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        paper = app.screen.library.get(papers(app).current)
        assert paper.arxiv_id == ARXIV_ID
        replay.pdfs[ARXIV_ID] = tiny_pdf(paper.title)
        await pilot.press("p")
        await settle(pilot)
        path = home / PDF_FOLDER / f"{paper.arxiv_id}.pdf"
        assert path.read_bytes() == replay.pdfs[paper.arxiv_id]
        assert f"{path}  copied (over SSH: not opened here)" in status(app)
        assert app.clipboard == str(path)

        replay.reset_log()
        await pilot.press("p")
        await settle(pilot)
        assert replay.seen == []  # once: the second p opens the file already there
        assert str(path) in status(app)


async def test_p_says_in_one_line_why_there_is_no_pdf(home, replay, monkeypatch, capsys):
    added(home, capsys)
    monkeypatch.setenv("SSH_CONNECTION", "10.0.0.2 50000 10.0.0.1 22")
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert papers(app).current == f"arxiv:{ARXIV_ID}"
        await pilot.press("p")  # the server has no PDF for it: a 404
        await settle(pilot)
        assert "no PDF: " in status(app)
        assert not (home / PDF_FOLDER / f"{ARXIV_ID}.pdf").exists()
