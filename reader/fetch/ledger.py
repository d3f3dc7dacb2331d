"""feeds.json: what the fetches remember from one run to the next.

```
{"feeds":    {"hf": {"through": "2026-08-21", "fetched": "2026-08-21T07:00:02.1+00:00"},
              "arxiv cs.CL": {"through": "2026-08-20", "fetched": ...}},
 "arrivals": [{"at": "2026-08-21T07:00:01.5+00:00", "ids": ["arxiv:2608.14001", ...]}, ...],
 "searches": {"mamba": "2026-08-20T18:12:40.0+00:00"}}
```

- `through`, per feed: how far it has come. For Hugging Face, the last day read
  whole (written after each day, so a fetch broken off goes on from there); for an
  arXiv category, the newest submission day seen by a paging that reached the
  papers it already had (written only then: pages come newest first, so a paging
  broken off has a gap below what it got, and the next one pages from the top).
- `fetched`: when the feed last finished without a problem.
- `arrivals`: which papers were new, and when, for the last ARRIVALS_KEPT_DAYS.
- `searches`: when each saved search was last opened. A saved search's alert is
  how many papers arrived since then that it matches ("mamba +3"); one never
  opened counts every arrival kept.

A home file like searches.json: written atomically under the home lock, the
version replaced kept as feeds.json.bak, a damaged one named and kept aside
(reader.store). Values inside it that are not what they should be are skipped:
the worst that costs is a fetch going back its `--days` again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import datetime, timedelta
from typing import Any

from reader import clock
from reader.store import Store

ARRIVALS_KEPT_DAYS = 30
ARRIVALS_KEPT_IDS = 200_000  # in all: ~5 MB; a month of every arXiv category is less


def through(store: Store, feed: str) -> str | None:
    """How far `feed` has come (see the module's notes), or None if it never has."""
    entry = store.load_feeds().get("feeds", {}).get(feed)
    value = entry.get("through") if isinstance(entry, dict) else None
    return value if isinstance(value, str) else None


def note(store: Store, feed: str, *, reached: str | None = None, arrived: Collection[str] = (), finished: bool = False) -> None:
    """One step of a fetch, remembered: how far `feed` has come now, the papers that
    were new, and (with `finished`) that the feed was fetched without a problem."""
    if reached is None and not arrived and not finished:
        return
    at = clock.now(fine=True)  # a search opened and a paper arriving in one second are ordered

    def change(data: dict[str, Any]) -> dict[str, Any]:
        feeds = data.setdefault("feeds", {})
        entry = feeds.get(feed) if isinstance(feeds.get(feed), dict) else {}
        if reached is not None:
            entry["through"] = reached
        if finished:
            entry["fetched"] = at
        feeds[feed] = entry
        if arrived:
            data["arrivals"] = _kept([*data.get("arrivals", []), {"at": at, "ids": list(arrived)}], at)
        return data

    store.change_feeds(change)


def mark_opened(store: Store, search: str, saved: Iterable[str]) -> None:
    """Saved search `search` was opened now: its alert counts from here. Marks of
    searches no longer saved (all `saved` names) are dropped on the way."""
    at, names = clock.now(fine=True), set(saved)

    def change(data: dict[str, Any]) -> dict[str, Any]:
        marks = data.get("searches", {})
        data["searches"] = {name: mark for name, mark in marks.items() if name in names} | {search: at}
        return data

    store.change_feeds(change)


def arrived_since_opened(store: Store, searches: Iterable[str]) -> dict[str, set[str]]:
    """Saved search name -> the ids of the papers that arrived since it was last opened."""
    data = store.load_feeds()
    marks = data.get("searches", {})
    arrivals = [a for a in data.get("arrivals", []) if _is_arrival(a)]
    result: dict[str, set[str]] = {}
    for name in searches:
        mark = marks.get(name)
        mark = mark if isinstance(mark, str) else ""
        result[name] = {pid for a in arrivals if a["at"] > mark for pid in a["ids"] if isinstance(pid, str)}
    return result


def _is_arrival(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("at"), str) and isinstance(value.get("ids"), list)


def _kept(arrivals: list[Any], at: str) -> list[dict[str, Any]]:
    """The arrivals of the last ARRIVALS_KEPT_DAYS, at most ARRIVALS_KEPT_IDS ids in all (the newest)."""
    since = (datetime.fromisoformat(at) - timedelta(days=ARRIVALS_KEPT_DAYS)).isoformat(timespec="microseconds")
    kept, total = [], 0
    for arrival in reversed([a for a in arrivals if _is_arrival(a) and a["at"] >= since]):
        total += len(arrival["ids"])
        if total > ARRIVALS_KEPT_IDS:
            break
        kept.append(arrival)
    return kept[::-1]
