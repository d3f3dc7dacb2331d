"""What a row and the abstract pane show of a paper, at 80x24 and 120x40: what people triage by.

The homes hold real listings: a Hugging Face day (upvotes, many authors, five
links), an arXiv API answer (categories) and a Semantic Scholar record (venue, DOI).
"""

import re

import pytest

from helpers.paths import CORPORA
from helpers.pilot import abstract_text, list_lines, papers, seen_in, settle
from reader.app import ReaderApp
from reader.export import paper_links
from reader.library import Library
from reader.tex import tex_to_text
from reader.widgets.abstract_view import AbstractView
from reader.widgets.sidebar import Sidebar

HF_DAY = CORPORA / "hf-daily-papers/daily/2026-08-20.json.gz"
ARXIV_API = CORPORA / "arxiv-api-atom/query_ti-random_2026-02-12.xml"
TURING = CORPORA / "interop/semantic-scholar/s2_Paper.json"  # Mind, with a DOI


def home_with(home, *paths):
    Library.open(home, seed=False).import_paths(list(paths))
    return home


@pytest.fixture
def hf_day(home):
    return home_with(home, HF_DAY)


@pytest.fixture
def hf_and_arxiv(home):
    return home_with(home, HF_DAY, ARXIV_API)


def pane(app) -> AbstractView:
    return app.screen.query_one(AbstractView)


def flat(text: str) -> str:
    return " ".join(text.split())


def opening(paper, words: int = 4) -> str:
    return " ".join(tex_to_text(paper.abstract).split()[:words])


async def go_to(pilot, paper_id: str) -> None:
    """Down the list, as a person would, to the paper."""
    while papers(pilot.app).current != paper_id:
        await pilot.press("j")
    await settle(pilot)


# --- the abstract pane ------------------------------------------------------------


async def test_at_80x24_every_hugging_face_papers_abstract_starts_in_the_pane(hf_day):
    app = ReaderApp(home=hf_day)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        ids = list(papers(app).ids)
        assert len(ids) == 15
        for paper_id in ids:
            await go_to(pilot, paper_id)
            paper = app.screen.library.get(paper_id)
            assert opening(paper) in flat(seen_in(pane(app))), paper.title


async def test_the_authors_take_one_line_and_count_those_not_named(hf_day):
    app = ReaderApp(home=hf_day)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        library = app.screen.library
        most = max(papers(app).ids, key=lambda paper_id: len(library.get(paper_id).authors))
        await go_to(pilot, most)
        authors = library.get(most).authors
        named = {}
        for size in ((80, 24), (120, 40)):
            await pilot.resize_terminal(*size)
            await settle(pilot)
            line = next(line for line in seen_in(pane(app)).splitlines() if line.startswith(authors[0]))
            names, more = re.fullmatch(r"(.*) \+(\d+)", line).groups()
            shown = names.split(", ")
            assert shown == list(authors[: len(shown)])
            assert len(shown) + int(more) == len(authors)
            named[size] = len(shown)
        assert named[(80, 24)] < named[(120, 40)]  # fitted to the width, again after a resize
        assert ", ".join(authors) in abstract_text(app)  # every name, below the abstract


async def test_upvotes_and_the_links_fold_into_one_line_naming_the_open_key_as_set(hf_day):
    (hf_day / "settings.toml").write_text('[keys]\nopen = "w"\n')
    app = ReaderApp(home=hf_day)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        paper = app.screen.library.get(papers(app).current)
        links = paper_links(paper)
        assert len(links) > 1
        seen = seen_in(pane(app))
        assert f"▲ {paper.upvotes} · {len(links)} links: w" in seen
        assert not any(link in seen for link in links)
        assert all(link in abstract_text(app) for link in links)  # listed below the abstract


async def test_venue_and_doi_show_above_the_abstract_where_there_is_room(home):
    library = Library.open(home_with(home, TURING))
    (paper,) = library.papers.values()
    citation = f"{paper.venue} · {paper.doi}"
    app = ReaderApp(home=home)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        seen = seen_in(pane(app))
        assert citation in seen
        assert seen.index(citation) < seen.index(opening(paper, 2))
        # A note takes the rows: at 80x24 the abstract still starts in the pane.
        await pilot.press("a", *"for the reading group", "ctrl+s")
        await settle(pilot)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        seen = flat(seen_in(pane(app)))
        assert "for the reading group" in seen
        assert opening(paper) in seen


# --- the list's rows --------------------------------------------------------------


async def test_rows_at_120_columns_show_first_author_upvotes_or_category_and_date_in_columns(hf_and_arxiv):
    app = ReaderApp(home=hf_and_arxiv)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        library = app.screen.library
        rows = list(zip(list_lines(app), papers(app).ids, strict=False))
        kinds = set()
        columns = set()
        for row, paper_id in rows:
            paper = library.get(paper_id)
            fact = f"▲ {paper.upvotes}" if paper.upvotes is not None else paper.categories[0]
            kinds.add(paper.upvotes is not None)
            assert f" {paper.authors[0].split()[-1]} " in row
            assert row.rstrip().endswith(f"{fact} {paper.date}")
            columns.add(row.index(paper.date))
        assert kinds == {True, False}  # Hugging Face and arXiv papers both on screen
        assert len(columns) == 1  # the dates line up


async def test_at_80_columns_the_title_keeps_most_of_the_row_beside_the_date(hf_and_arxiv):
    app = ReaderApp(home=hf_and_arxiv)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        library = app.screen.library
        for row, paper_id in zip(list_lines(app), papers(app).ids, strict=False):
            paper = library.get(paper_id)
            assert row.rstrip().endswith(f" {paper.date}")
            title = row[3 : row.rindex(paper.date)].strip().removesuffix("…")
            assert paper.title.startswith(title)
            assert len(title) >= min(len(paper.title), len(row) * 2 // 3)


async def test_a_long_tag_is_one_line_in_the_sidebar_and_ends_in_an_ellipsis_in_its_row(home):
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("t", *"long-horizon-planning", "enter")
        await settle(pilot)
        sidebar = seen_in(app.screen.query_one(Sidebar)).splitlines()
        tag_line = next(line for line in sidebar if line.startswith("#long-horizon"))
        assert tag_line.endswith("… 1")
        assert sidebar[sidebar.index(tag_line) + 1].strip() == ""  # no second line: it is the last row
        row = list_lines(app)[papers(app).cursor - 1]  # t moved on: the tagged paper is the row above
        assert re.search(r"#long-horizo\S*…", row) and "#long-horizon-planning" not in row
