"""Reading a list of papers as it is drawn: a row at a time.

A search's list (reader.search.ranking.RankedIds) is put in order only as far
as it is read: anything that reads every row of it (a set, a copy, a loop to the
end) sorts every match, 0.1-1 s at a million papers, where the screen shows 20.
What the list needs beyond its rows on screen is found here by look-ups
(`ids.index`, `in`: a ranking finds a paper's place without sorting), so a
keystroke costs the rows it shows, however many papers matched.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Iterator, Sequence
from typing import Any, overload

LOOKED_UP_AT_MOST = 32  # papers looked up one by one; more are found in one pass over the list


def rows_of(ids: Sequence[str], wanted: Collection[str]) -> list[int]:
    """The rows of `ids` that list a `wanted` paper, ascending."""
    if len(wanted) > LOOKED_UP_AT_MOST:
        return [row for row, pid in enumerate(ids) if pid in wanted]
    rows = []
    for pid in wanted:
        try:
            rows.append(ids.index(pid))
        except ValueError:
            pass
    return sorted(rows)


def listed_among(ids: Sequence[str], wanted: set[str]) -> set[str]:
    """The `wanted` papers that `ids` lists."""
    if len(wanted) > LOOKED_UP_AT_MOST:
        return wanted.intersection(ids)
    return {pid for pid in wanted if pid in ids}


class Without(Sequence[str]):
    """`ids` without some papers, read as `ids` is, a row at a time: while a removal is
    saved, each keystroke's list leaves its papers out without a copy of every match."""

    def __init__(self, ids: Sequence[str], gone: Collection[str]) -> None:
        self._ids = ids
        self._holes = rows_of(ids, gone)  # the rows of `ids` left out
        self._hole_set = set(self._holes)
        # How many rows stay before each hole: the row that stays at `row` is row `row`
        # of `ids` moved down by the holes with at most `row` staying rows before them.
        self._staying_before = [hole - k for k, hole in enumerate(self._holes)]

    def __len__(self) -> int:
        return len(self._ids) - len(self._holes)

    @overload
    def __getitem__(self, i: int) -> str: ...
    @overload
    def __getitem__(self, i: slice) -> list[str]: ...
    def __getitem__(self, i: int | slice) -> str | list[str]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        size = len(self)
        if i < 0:
            i += size
        if not 0 <= i < size:
            raise IndexError("list index out of range")
        return self._ids[i + bisect_right(self._staying_before, i)]

    def __iter__(self) -> Iterator[str]:
        holes = self._hole_set
        return (pid for row, pid in enumerate(self._ids) if row not in holes)

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        row = self._ids.index(value)
        if row in self._hole_set:
            raise ValueError(f"{value!r} is not listed")
        row = self.staying_row(row)
        if row < start or (stop is not None and row >= stop):
            raise ValueError(f"{value!r} is not listed")
        return row

    def __contains__(self, value: object) -> bool:
        try:
            self.index(value)
        except ValueError:
            return False
        return True

    def staying_row(self, row: int) -> int:
        """Where row `row` of `ids` is listed; for a row left out, where the next one that stays is."""
        return row - bisect_left(self._holes, row)


def day_step_by_runs(day_of: Callable[[int], str], size: int, row: int, older: bool) -> tuple[int, int] | None:
    """reader.search.day_step for a list of `size` rows in newest-first order, whose
    days (`day_of(row)`, a listing day) each make one run of rows: the first row of
    the older (newer) day next to `row`'s and how many papers that day lists; None if
    there is none. Reads only the rows of the runs it passes, not the whole list."""
    start, end = _run(day_of, size, row)
    if older:
        if end == size:
            return None
        target = end
    else:
        if start == 0:
            return None
        target = start - 1
    first, last = _run(day_of, size, target)
    return first, last - first


def _run(day_of: Callable[[int], str], size: int, row: int) -> tuple[int, int]:
    """The rows of `row`'s day: from its first to after its last."""
    day = day_of(row)
    start, end = row, row + 1
    while start > 0 and day_of(start - 1) == day:
        start -= 1
    while end < size and day_of(end) == day:
        end += 1
    return start, end
