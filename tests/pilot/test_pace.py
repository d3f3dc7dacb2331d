"""The pace in the status line: papers decided per minute, one per paper decided by one key."""

from types import SimpleNamespace

from helpers.pilot import settle, status
from reader.app import ReaderApp
from reader.widgets import status_line


async def test_the_pace_counts_single_decisions_not_bulk_steps_or_undos(home, monkeypatch):
    # A clock that stands still: the pace is then decisions per the 30 s minimum (0.5 min).
    monkeypatch.setattr(status_line, "time", SimpleNamespace(monotonic=lambda: 1000.0))
    app = ReaderApp(home=home)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("b", "b")
        await settle(pilot)
        assert "4.0/min" in status(app)
        await pilot.press("asterisk", "b")  # every paper in one step
        await settle(pilot)
        await pilot.press("u")
        await settle(pilot)
        assert "4.0/min" in status(app)
