"""How the screens look, as SVG snapshots: one class per feature, one test per state of it.

A test steps the app to its state in `run_before` and compares the screen with
__snapshots__/test_snapshots/<Class>.<test>.svg. After an intended change of layout:
`.venv/bin/pytest tests/snapshot --snapshot-update`, then look at the SVGs.
"""

import pytest

from helpers.paths import CORPORA
from helpers.pilot import settle
from reader.app import ReaderApp
from reader.library import Library


class TestMainScreen:
    """The list, the abstract and the status line once the bundled library has loaded."""

    def test_at_80x24(self, home, snap_compare):
        assert snap_compare(ReaderApp(home=home), terminal_size=(80, 24), run_before=settle)

    def test_at_120x40(self, home, snap_compare):
        assert snap_compare(ReaderApp(home=home), terminal_size=(120, 40), run_before=settle)

    def test_at_200x60(self, home, snap_compare):
        assert snap_compare(ReaderApp(home=home), terminal_size=(200, 60), run_before=settle)


class TestListings:
    """A Hugging Face day and an arXiv API answer: rows with the date (and from 120
    columns the first author and the upvotes or category), the abstract under a
    header of one line a fact."""

    @pytest.fixture
    def listings(self, home):
        days = [CORPORA / "hf-daily-papers/daily/2026-08-20.json.gz", CORPORA / "arxiv-api-atom/query_ti-random_2026-02-12.xml"]
        Library.open(home, seed=False).import_paths(days)
        return home

    def test_at_80x24(self, listings, snap_compare):
        assert snap_compare(ReaderApp(home=listings), terminal_size=(80, 24), run_before=settle)

    def test_at_120x40(self, listings, snap_compare):
        assert snap_compare(ReaderApp(home=listings), terminal_size=(120, 40), run_before=settle)
