"""Sorting (S) and moving by day ([ and ]): the orders a person may choose, and the days a list falls into."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from reader.library import Library
from reader.models import BLANK_STATE, Paper, Source
from reader.search import SearchIndex, Sort, day_step
from reader.search.ranking import listing_day


def paper(pid: str, title: str, abstract: str = "", **facts) -> Paper:
    return Paper(id=pid, title=title, abstract=abstract, **facts)


def listed(index: SearchIndex, text: str, sort: Sort) -> list[str]:
    result = index.search(text, lambda _id: BLANK_STATE, sort=sort)
    assert result.error is None, result.error
    return list(result.ids)


TITLES = SearchIndex(
    [
        paper("zebra", "Zebra Finches Sing", published="2024-01-05"),
        paper("gpt", "{GPT}-4 Technical Report", published="2024-01-01"),
        paper("quoted", '"Quoted" Titles Considered Harmful', published="2024-01-03"),
        paper("alpha", r"$\alpha$-Divergence Variational Inference", published="2024-01-02"),
        paper("attention", "attention is all you need", published="2024-01-04"),
        paper("beta", "Beta Distributions", published="2024-01-06"),
        paper("beta-older", "BETA distributions", published="2023-12-31"),
        paper("tex", r"$\textit{Trans-LoRA}$: Transferable Adapters", published="2024-01-07"),
        paper("tf", "Tf-Idf Revisited", published="2024-01-08"),
    ]
)


def test_title_order_ignores_case_tex_and_leading_punctuation():
    assert listed(TITLES, "", Sort.TITLE) == [
        "attention",
        "beta",
        "beta-older",
        "gpt",
        "quoted",
        "tf",
        "tex",
        "zebra",
        "alpha",
    ]  # fmt: skip; "α-Divergence", as the list shows it, after the Latin letters


def test_equal_titles_go_newest_first():
    order = listed(TITLES, "", Sort.TITLE)
    assert order.index("beta") < order.index("beta-older")


def test_most_upvoted_first_then_newest_and_papers_without_upvotes_last():
    index = SearchIndex(
        [
            paper("none-new", "Unvoted new", published="2024-03-01"),
            paper("ten-old", "Ten old", published="2024-01-01", upvotes=10),
            paper("zero", "Zero", published="2024-02-01", upvotes=0),
            paper("ten-new", "Ten new", published="2024-02-01", upvotes=10),
            paper("many", "Many", published="2023-01-01", upvotes=300),
        ]
    )
    assert listed(index, "", Sort.UPVOTES) == ["many", "ten-new", "ten-old", "zero", "none-new"]


MODELS = SearchIndex(
    [
        paper("title-hit", "Diffusion Models", "We study them.", published="2020-01-01", upvotes=1),
        paper("abstract-hit", "Image Synthesis", "Diffusion models synthesise images.", published="2024-01-01", upvotes=50),
        paper("middle", "Scaling Diffusion Models", "Diffusion models, scaled.", published="2022-01-01", upvotes=5),
        paper("partial", "Diffusion of Innovations", "How ideas spread.", published="2025-01-01", upvotes=99),
    ]
)


def test_a_search_sorted_newest_first_or_by_upvotes_keeps_its_matches():
    best = listed(MODELS, "diffusion models", Sort.BEST)
    assert set(best[:2]) == {"title-hit", "middle"}  # the title's words first
    assert listed(MODELS, "diffusion models", Sort.NEWEST)[:3] == ["abstract-hit", "middle", "title-hit"]
    assert listed(MODELS, "diffusion models", Sort.UPVOTES)[:3] == ["abstract-hit", "middle", "title-hit"]
    assert listed(MODELS, "diffusion models", Sort.TITLE)[:3] == ["title-hit", "abstract-hit", "middle"]


def test_closest_matches_stay_ranked_below_the_sorted_ones():
    for sort in Sort:
        result = MODELS.search("diffusion models", lambda _id: BLANK_STATE, sort=sort)
        assert result.complete == 3
        assert result.ids[3:] == ("partial",)  # newest and most upvoted, yet below the divider


def test_best_match_without_words_is_newest_first_and_newest_first_is_not_offered_twice():
    assert listed(MODELS, "", Sort.BEST) == listed(MODELS, "", Sort.NEWEST)
    assert listed(MODELS, "year:2020..2024", Sort.BEST) == ["abstract-hit", "middle", "title-hit"]
    searching = [Sort.BEST]
    browsing = [Sort.BEST]
    for _ in range(4):
        searching.append(searching[-1].next(ranked=True))
        browsing.append(browsing[-1].next(ranked=False))
    assert searching == [Sort.BEST, Sort.NEWEST, Sort.UPVOTES, Sort.TITLE, Sort.BEST]
    assert [s.shown_as(ranked=False) for s in browsing] == [Sort.NEWEST, Sort.UPVOTES, Sort.TITLE, Sort.NEWEST, Sort.UPVOTES]
    assert Sort.NEWEST.next(ranked=False) is Sort.UPVOTES  # chosen while searching, then the search cleared


def test_a_similarity_search_can_be_sorted_too(home):
    library = Library.open(home)
    alike = library.search("~diffusion models generate images")
    newest = library.search("~diffusion models generate images", sort=Sort.NEWEST)
    assert sorted(newest.ids) == sorted(alike.ids) and newest.ids != alike.ids
    days = library.listing_days(newest.ids)
    assert days == sorted(days, reverse=True)


# --- days ----------------------------------------------------------------------------


def test_the_listing_day_is_the_published_date_else_the_latest_source_date():
    listing = Source("listing.xml", "arxiv-listing", 0, "2024-05-03")
    later = Source("hf.json", "hf-daily-json", 0, "2024-05-06")
    assert listing_day(paper("a", "A", published="2024-05-01T12:00:00Z", sources=(listing,)).date) == "2024-05-01"
    assert listing_day(paper("b", "B", sources=(listing, later)).date) == "2024-05-06"
    assert listing_day(paper("c", "C", published="2024-05").date) == "2024-05"
    assert listing_day(paper("d", "D", published="not a date").date) == ""


NEWEST_FIRST = ["2024-05-03", "2024-05-03", "2024-05-02", "2024-05-02", "2024-05-02", "2024-04-30", ""]


def test_in_newest_first_order_the_brackets_step_between_runs_of_a_day():
    assert day_step(NEWEST_FIRST, 0, older=True) == 2
    assert day_step(NEWEST_FIRST, 3, older=True) == 5
    assert day_step(NEWEST_FIRST, 5, older=True) == 6  # the undated come last
    assert day_step(NEWEST_FIRST, 4, older=False) == 0
    assert day_step(NEWEST_FIRST, 6, older=False) == 5


def test_at_the_newest_or_oldest_day_there_is_no_step():
    assert day_step(NEWEST_FIRST, 1, older=False) is None
    assert day_step(NEWEST_FIRST, 6, older=True) is None
    assert day_step(["2024-01-01"] * 3, 1, older=True) is None


def test_in_another_order_a_step_goes_to_the_first_paper_listed_of_the_next_day():
    by_title = ["2024-05-02", "2024-05-03", "2024-04-30", "2024-05-02", "2024-05-03"]
    assert day_step(by_title, 1, older=True) == 0
    assert day_step(by_title, 0, older=True) == 2
    assert day_step(by_title, 2, older=False) == 0
    assert day_step(by_title, 3, older=False) == 1


@given(st.lists(st.sampled_from(["", "2023", "2024-01", "2024-01-01", "2024-01-02", "2024-02-10"]), min_size=1), st.data())
def test_in_newest_first_order_a_step_lands_on_the_next_run(days, data):
    days.sort(reverse=True)
    row = data.draw(st.integers(0, len(days) - 1))
    run_end = next((i for i in range(row, len(days)) if days[i] != days[row]), None)
    assert day_step(days, row, older=True) == run_end
    run_start = next((i for i in range(row, -1, -1) if days[i] != days[row]), None)
    previous = None if run_start is None else days.index(days[run_start])
    assert day_step(days, row, older=False) == previous


def test_a_paper_not_in_the_index_sorts_last_instead_of_failing():
    # ~text reads the related-papers index, which can still hold a paper just removed.
    index = SearchIndex([paper("a", "Alpha", published="2024-01-01"), paper("b", "Beta", published="2023-01-01")])
    place = index.place_of(Sort.NEWEST)
    assert sorted(["gone", "b", "a"], key=place) == ["a", "b", "gone"]
