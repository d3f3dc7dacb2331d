"""S sorts the view (newest first, most upvoted, best match while searching, title A–Z),
and [ and ] step between listing days, on three real Hugging Face days."""

import pytest

from helpers.paths import CORPORA
from helpers.pilot import list_lines, papers, settle, status
from reader.app import ReaderApp
from reader.library import Library
from reader.search import day_step
from reader.views import ALL, INBOX
from reader.words import words

HF_DAYS = CORPORA / "hf-daily-papers" / "daily"


@pytest.fixture
def dated_home(home):
    """35 papers of 2024-05-24 … 2024-05-29, with upvotes: the listings of three days."""
    Library.open(home, seed=False).import_paths([HF_DAYS / f"2024-05-{day}.json.gz" for day in (28, 29, 30)])
    return home


def listed(app, fact: str) -> list:
    library = app.screen.library
    return [getattr(library.get(paper_id), fact) for paper_id in papers(app).ids]


async def test_S_cycles_newest_upvotes_title_and_the_cursor_stays_on_its_paper(dated_home):
    app = ReaderApp(home=dated_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "35 shown ↓new" in status(app)
        await pilot.press("j", "j", "j", "j", "j")
        paper, newest = papers(app).current, list(papers(app).ids)
        await pilot.press("S")
        await settle(pilot)
        assert "sorted: most upvoted" in status(app) and "35 shown ↓votes" in status(app)
        votes = listed(app, "upvotes")
        assert votes == sorted(votes, reverse=True) and list(papers(app).ids) != newest
        assert papers(app).current == paper
        await pilot.press("S")
        await settle(pilot)
        assert "sorted: title A–Z" in status(app) and "35 shown A–Z" in status(app)
        titles = [words(title) for title in listed(app, "title")]
        assert titles == sorted(titles)
        assert papers(app).current == paper
        await pilot.press("S")
        await settle(pilot)
        assert "sorted: newest first" in status(app) and "35 shown ↓new" in status(app)
        dates = listed(app, "published")
        assert dates == sorted(dates, reverse=True)
        assert papers(app).current == paper


async def test_each_view_keeps_its_own_order(dated_home):
    app = ReaderApp(home=dated_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("S")
        await settle(pilot)
        app.screen.show_view(INBOX)
        await settle(pilot)
        assert "↓new" in status(app)
        app.screen.show_view(ALL)
        await settle(pilot)
        assert "↓votes" in status(app)


async def test_best_match_is_offered_while_searching(dated_home):
    app = ReaderApp(home=dated_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"diffusion video generation", "enter")
        await settle(pilot)
        best = list(papers(app).ids)
        assert "↓match" in status(app)
        marks = []
        for _ in range(4):
            await pilot.press("S")
            await settle(pilot)
            marks.append(next(m for m in ("↓new", "↓votes", "A–Z", "↓match") if m in status(app)))
        assert marks == ["↓new", "↓votes", "A–Z", "↓match"]
        assert list(papers(app).ids) == best
        await pilot.press("escape")  # the search cleared: best match is newest first again
        await settle(pilot)
        assert "↓new" in status(app)


async def test_sorting_a_search_leaves_the_closest_matches_below_the_divider(dated_home):
    app = ReaderApp(home=dated_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"diffusion video generation", "enter")
        await settle(pilot)
        complete = papers(app).closest_from
        assert complete is not None and 1 < complete < len(papers(app).ids)
        closest = papers(app).ids[complete:]
        await pilot.press("S")  # newest first
        await settle(pilot)
        assert papers(app).closest_from == complete and papers(app).ids[complete:] == closest
        dates = listed(app, "published")[:complete]
        assert dates == sorted(dates, reverse=True)


async def test_brackets_step_between_days_and_say_so_at_the_ends(dated_home):
    app = ReaderApp(home=dated_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dates = listed(app, "published")
        second, third = sorted(set(dates), reverse=True)[1:3]
        await pilot.press("left_square_bracket")
        assert papers(app).cursor == dates.index(second)
        assert f"{second}: {dates.count(second)} papers" in status(app)
        title = app.screen.library.get(papers(app).current).title
        assert title[:20] in list_lines(app)[0]  # the day's first paper on top, the rest of the day below it
        await pilot.press("left_square_bracket")
        assert papers(app).cursor == dates.index(third)
        await pilot.press("right_square_bracket")
        assert papers(app).cursor == dates.index(second)
        await pilot.press("k", "right_square_bracket")  # on the newest day already
        assert papers(app).cursor == dates.index(second) - 1
        assert f"no newer day than {dates[0]}" in status(app)
        await pilot.press("G", "left_square_bracket")
        assert papers(app).cursor == len(dates) - 1
        assert f"no older day than {dates[-1]}" in status(app)


async def test_in_title_order_a_bracket_goes_to_the_next_days_first_listed_paper(dated_home):
    app = ReaderApp(home=dated_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("S", "S")
        await settle(pilot)
        await pilot.press("g")
        assert "A–Z" in status(app)
        dates = listed(app, "published")
        day = dates[0]
        older = max(d for d in dates if d < day)
        await pilot.press("left_square_bracket")
        assert papers(app).cursor == dates.index(older)
        assert f"{older}: " in status(app)


async def test_related_papers_keep_their_order(dated_home):
    app = ReaderApp(home=dated_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        related = list(papers(app).ids)
        await pilot.press("S")
        assert "related papers stay most alike first" in status(app)
        assert list(papers(app).ids) == related


async def test_a_days_message_gives_way_when_the_cursor_moves_on_the_counts_stay(dated_home):
    app = ReaderApp(home=dated_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        dates = listed(app, "published")
        second = sorted(set(dates), reverse=True)[1]
        said = f"{second}: {dates.count(second)} papers"
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert status(app).startswith(said)  # the cursor is on that day's first paper
        await pilot.press("G")
        await settle(pilot)
        assert said not in status(app) and status(app).startswith("35 shown ↓new · ")


async def test_in_a_newest_first_search_with_closest_matches_a_bracket_goes_where_the_days_say(dated_home):
    app = ReaderApp(home=dated_home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"diffusion video generation", "enter")
        await settle(pilot)
        await pilot.press("S")  # newest first above the divider; closest matches below it by closeness
        await settle(pilot)
        complete = papers(app).closest_from
        assert complete is not None and "↓new" in status(app)
        days = app.screen.library.listing_days(list(papers(app).ids))
        for row in range(len(days)):
            newer = day_step(days, row, older=False)
            papers(app).cursor = row
            await pilot.press("right_square_bracket")
            assert papers(app).cursor == (row if newer is None else newer), row


async def test_on_the_undated_demo_a_bracket_says_why_it_cannot_step(home):
    """The bundled pages give "Mar 14", no year: no paper has a day to step to."""
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.library.seeded and len(papers(app).ids) > 400
        await pilot.press("j", "j")
        for key in ("left_square_bracket", "right_square_bracket"):
            await pilot.press(key)
            assert status(app).startswith("no paper listed has a full date to step by") and papers(app).cursor == 2
