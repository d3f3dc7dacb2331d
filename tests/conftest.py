import os
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from helpers import clock

TESTS = Path(__file__).parent
FOLDER_MARKERS = ("pilot", "snapshot", "system")  # tests/<folder> gets the marker of that name


def pytest_collection_modifyitems(items):
    """Mark each test by its folder, so `-m "not system"` and the like need no decorator per test."""
    for item in items:
        if item.path.is_relative_to(TESTS) and (folder := item.path.relative_to(TESTS).parts[0]) in FOLDER_MARKERS:
            item.add_marker(folder)


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fresh, empty reader home; READER_HOME points at it so nothing touches the real one."""
    path = tmp_path / "home"
    monkeypatch.setenv("READER_HOME", str(path))
    return path


@pytest.fixture(params=[clock.UTC, clock.ANOTHER_DATE])
def tz(request):
    """Run the test with the local clock in UTC, then in a zone on another date than UTC (helpers/clock.py)."""
    zone = clock.zone(request.param, datetime.now(UTC))
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        if request.param == clock.ANOTHER_DATE and time.strftime("%F") == time.strftime("%F", time.gmtime()):
            pytest.fail(f"TZ={zone} gives UTC's date: is the zone installed (tzdata)?")  # not an xfail's AssertionError
        yield zone
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()
