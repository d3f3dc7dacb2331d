"""A view listed without the search index (while it is being built) lists the papers
the index lists for it, in the same order: on the real corpora, with states set,
and for any dates (the index's own newest-first order is the oracle)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from helpers.paths import CORPORA
from reader.library import Library
from reader.models import Paper
from reader.search import SearchIndex, Sort
from reader.search.ranking import newest_first, newest_first_of_dates

# Every format the corpora hold: dated to the day, the month or the year, some papers
# in two files; they hold no undated paper, so a few are added.
REAL = [
    *sorted((CORPORA / "hf-daily-papers" / "daily").glob("2024-05-2*.json.gz")),
    *sorted((CORPORA / "arxiv-daily-listing" / "daily").glob("2026-06-0*.jsonl.gz")),
    *sorted((CORPORA / "arxiv-api-atom").glob("*.xml")),
    *sorted((CORPORA / "bibtex-pmlr").glob("*.bib")),
    *sorted((CORPORA / "interop" / "bibtex-real").glob("*.bib")),
    CORPORA / "arxiv-kaggle-snapshot-sample" / "arxiv-metadata-oai-snapshot.head200.json",
]

VIEWS = ["", "is:inbox", "is:unread", "is:bookmarked", "is:read", "tag:later", "is:unread tag:l", "note:check"]


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    library = Library.open(tmp_path_factory.mktemp("home"), seed=False)
    library.import_paths(REAL)
    library.import_records([Paper(id=f"undated-{i}", title=f"An undated note {i}", abstract="") for i in range(3)])
    ids = list(library.papers)
    library.bookmark(ids[::7])
    library.mark_read(ids[::3])
    library.dismiss(ids[5::11])
    library.tag(ids[::13], ["later"])
    library.set_note(ids[4], "check the proofs")
    return library


def test_the_corpora_have_what_the_order_must_handle(library):
    dates = [paper.date for paper in library.papers.values()]
    assert "" in dates and any(len(d) < 10 for d in dates if d) and len(dates) > len(set(dates)) > 30


@pytest.mark.parametrize("view", VIEWS)
def test_a_view_without_the_index_lists_what_the_index_lists(library, view):
    index = SearchIndex(list(library.papers.values()))
    indexed = index.search(view, library.state_of, stateful_ids=list(library.states))
    unindexed = library.listed_without_index(view)
    assert unindexed is not None
    assert list(unindexed.ids) == list(indexed.ids) and unindexed.total == indexed.total > 0
    days = index.listing_days(list(indexed.ids))
    assert [paper.date[:10] for paper in map(library.get, unindexed.ids)] == days


@pytest.mark.parametrize("query", ["attention", "is:inbox attention", "-is:read", "is:read | is:bookmarked", "~a text"])
def test_a_search_or_a_negation_waits_for_the_index(library, query):
    assert library.listed_without_index(query) is None and not library.lists_without_index(query, Sort.BEST)


def test_another_order_than_newest_first_waits_for_the_index(library):
    assert library.listed_without_index("", Sort.UPVOTES) is None
    assert library.listed_without_index("is:inbox", Sort.NEWEST) is not None


DATES = st.sampled_from(["", "2024", "2024-05", "2024-05-28", "2024-05-28", "2024-05-29", "2023-12-31", "2024-05-28T10:00"])


@given(st.lists(DATES, max_size=60))
def test_newest_first_of_dates_is_the_default_order(dates):
    papers = [Paper(id=f"p{i}", title="t", abstract="", published=date or None) for i, date in enumerate(dates)]
    # With every paper's import place given, newest_first sorts by Python keys: the oracle.
    assert newest_first_of_dates([p.date for p in papers]).tolist() == newest_first(papers, range(len(papers)))
