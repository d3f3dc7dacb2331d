"""How the screens look, as SVG snapshots: one class per feature, one test per state of it.

A test steps the app to its state in `run_before` and compares the screen with
__snapshots__/test_snapshots/<Class>.<test>.svg. After an intended change of layout:
`.venv/bin/pytest tests/snapshot --snapshot-update`, then look at the SVGs.
"""

from helpers.pilot import settle
from reader.app import ReaderApp


class TestMainScreen:
    """The list, the abstract and the status line once the bundled library has loaded."""

    def test_at_80x24(self, home, snap_compare):
        assert snap_compare(ReaderApp(home=home), terminal_size=(80, 24), run_before=settle)

    def test_at_200x60(self, home, snap_compare):
        assert snap_compare(ReaderApp(home=home), terminal_size=(200, 60), run_before=settle)
