"""The one clock: what time a change is stamped with, and which day it counts for.

Stamps are UTC, so two instances in two time zones (a laptop and a server
reached over SSH) write comparable ones. A person's "today" is their own local
day, so counting by day converts each stamp to the local zone first. Stamps
written before this rule carry their own offset (`2025-01-01T09:30:00+1400`);
`datetime.fromisoformat` reads those too, and they convert the same way.
"""

from __future__ import annotations

from datetime import UTC, date, datetime


def now(*, fine: bool = False) -> str:
    """This instant as an ISO stamp in UTC, to the second (`fine`: the microsecond,
    for stamps that must order two events within one second)."""
    return datetime.now(UTC).isoformat(timespec="microseconds" if fine else "seconds")


def today() -> str:
    """The person's local date, as `local_day` gives it for a stamp."""
    return date.today().isoformat()


def local_day(stamp: str) -> str | None:
    """The local date (YYYY-MM-DD) a stamp falls on; None if it is not a stamp.

    A stamp with no offset is taken as local time, as it was written."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment.astimezone().date().isoformat()
