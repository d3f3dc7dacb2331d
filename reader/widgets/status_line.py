"""The status line: what just happened, then how far the triage has come.

"12 shown ↓new · 423 papers · inbox 400 left · 9 done today · 4.5/min" (↓new:
the list's order, see reader.search.Sort). The counts are given when state
changes (counting on every keystroke would cost at 100k papers); the pace is
kept here, from the session's decisions.

Each part is a segment with a rank; where the line is too narrow for all
(80 columns, after a message), the highest ranks are left out first, whole
(reader.text.fit). A message too long alone (a long path) is kept whole and
ends in "…" at the edge: its start says the most (reader.screens.outward).

What just happened is said until the person moves on: the cursor leaves the
paper it was said on (`moved`), or another screen opens over this one (help,
the palette, a dialog: `give_way`). The counts stay. So "2026-08-18: 2 papers"
is not read as being about the paper `G` went to.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Static

from reader.text import fit

SEPARATOR = " · "
# The segments' ranks: the highest are left out first where the line is too narrow.
# The inbox's and the library's counts go first: the sidebar shows them too
# ("Inbox 400", "All 423"); today's count and the pace are only here.
MESSAGE = 0  # what just happened
TODAY = 10
PACE = 20
SHOWN = 30  # with the list's order
ASIDE = 35
INBOX = 40
PAPERS = 50


class StatusLine(Static):
    def __init__(self, **kwargs) -> None:
        super().__init__("Loading library…", markup=False, **kwargs)
        self._counts: Mapping[str, int] = {}
        self._done_today = 0
        self._order = ""  # the list's order, Sort.mark
        self._decided = 0  # papers decided in this session
        self._triage_start: float | None = None  # the session's first decision
        self._segments: list[tuple[str, int]] = []  # what say() shows, (text, rank) each
        self._counted_only: list[tuple[str, int]] = []  # the last say()'s segments without its message
        self._saying = False  # a message is up: it gives way when the person moves on
        self._cursor: str | None = None  # the paper the cursor is on, as last told
        self._shown = 0  # the papers listed, as last told
        self._said_on: str | None = None  # the paper the cursor was on when the message was said

    def tally(self, counts: Mapping[str, int], done_today: int) -> None:
        """The library's counts (Library.view_counts) and the papers decided today."""
        self._counts = counts
        self._done_today = done_today

    def ordered(self, mark: str) -> None:
        """The list's order, as a few characters ("" for a list in its own order: related papers)."""
        self._order = f" {mark}" if mark else ""

    def decided(self) -> None:
        """One paper decided by one key (reader.screens.triage says which count)."""
        self._decided += 1
        if self._triage_start is None:
            self._triage_start = time.monotonic()

    def say(self, message: str | None, shown: int, aside: str | None = None, on: str | None = None) -> None:
        """`message` (if any), then `aside` (if any: more about the list, such as its
        closest matches), then the counts with `shown` papers listed, the cursor `on` a paper."""
        self._cursor = on
        self._shown = shown
        self._segments = self._counted(message, shown, aside)
        self._counted_only = [(text, rank) for text, rank in self._segments if rank != MESSAGE]
        self._said(bool(message))
        self._fit()

    def aside_over(self, said: str) -> None:
        """The aside is over (the search index it said was being built is ready): it goes,
        and `said` is said in its place, unless a message is up (a removal's "u to undo")."""
        if not self._segments:  # a line shown as given (update): nothing of it is an aside
            return
        if self._saying:
            self._segments = [(text, rank) for text, rank in self._segments if rank != ASIDE]
            self._counted_only = [(text, rank) for text, rank in self._counted_only if rank != ASIDE]
            self._fit()
        else:
            self.say(said, self._shown, on=self._cursor)

    def moved(self, paper_id: str | None) -> None:
        """The cursor is on `paper_id` now: off the paper a message was said on, it gives way."""
        self._cursor = paper_id
        if self._saying and paper_id != self._said_on:
            self.give_way()

    def give_way(self) -> None:
        """The person moved on: the counts without the message."""
        if self._saying and self._counted_only:
            self._segments = self._counted_only
            self._said(False)
            self._fit()

    def _said(self, saying: bool) -> None:
        self._saying, self._said_on = saying, self._cursor

    def room(self, shown: int) -> int:
        """How wide a message may be and leave room for what is kept before an aside
        (the list's count and order, today's count, the pace) with `shown` papers listed."""
        kept = [text for text, rank in self._counted(None, shown, None) if rank < ASIDE]
        return self.content_size.width - sum(cell_len(text) + len(SEPARATOR) for text in kept)

    def _counted(self, message: str | None, shown: int, aside: str | None) -> list[tuple[str, int]]:
        counts = self._counts
        segments = [
            (message, MESSAGE),
            (aside, ASIDE),
            (f"{shown} shown{self._order}", SHOWN),
            (f"{counts['all']} papers", PAPERS),
            (f"inbox {counts['inbox']} left", INBOX),
            (f"{self._done_today} done today", TODAY),
            *([(pace, PACE)] if (pace := self._pace()) else []),
        ]
        return [(text, rank) for text, rank in segments if text]

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        self._segments = []  # shown as given: not fitted again on a resize
        self._said(True)
        super().update(content, layout=layout)

    def link(self, url: str, said: str) -> None:
        """`url` as an OSC 8 link (a click opens it on the person's machine where the
        terminal supports it), then `said`. The URL first: at 80 columns the rest may be cut."""
        self.update(Text.assemble(Text(url, style=Style(link=url, underline=True)), said))

    def on_resize(self) -> None:
        if self._segments:
            self._fit()

    def _fit(self) -> None:
        segments = self._segments
        gap = len(SEPARATOR)
        width = self.content_size.width or sum(cell_len(text) + gap for text, _ in segments)
        # Each segment with the separator before it; the first has none, hence `width` + one.
        kept = fit([(cell_len(text) + gap, rank) for text, rank in segments], width + gap)
        # Repainted, not laid out: the line is one row the screen's width whatever it says
        # (the stylesheet), and a layout pass on each keystroke's line delayed its frame.
        super().update(SEPARATOR.join(segments[i][0] for i in kept) if kept else segments[0][0], layout=False)

    def _pace(self) -> str:
        """Papers decided per minute over this session's triage (from its first decision)."""
        if self._triage_start is None or self._decided < 2:
            return ""
        minutes = max(time.monotonic() - self._triage_start, 30.0) / 60
        return f"{self._decided / minutes:.1f}/min"
