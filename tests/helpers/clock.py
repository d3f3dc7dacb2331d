"""Zones for the `tz` fixture: tests of what is dated "today" run in UTC and on another date.

A stamp in local time and a "today" in UTC agree only while the two dates do; a fixed
zone such as UTC+14 shares UTC's date for ten hours a day, so a test in it would pass
or fail by the hour. ANOTHER_DATE picks whichever far zone is on another date now.
"""

from datetime import datetime

UTC = "UTC"
ANOTHER_DATE = "another-date"
AHEAD = "Pacific/Kiritimati"  # UTC+14: tomorrow from 10:00 to 24:00 UTC
BEHIND = "Etc/GMT+12"  # UTC-12 (POSIX names flip the sign): yesterday from 00:00 to 12:00 UTC


def zone(clock: str, now_utc: datetime) -> str:
    """The TZ value for UTC or ANOTHER_DATE at now_utc, an hour or more from the date changing."""
    if clock == UTC:
        return UTC
    return BEHIND if now_utc.hour < 11 else AHEAD
