"""What the main screen's parts share: the library, the writer, the list, the views, the status line.

The main screen (reader.screens.main) is made of parts, each a subclass of
this one: triage decisions (reader.screens.triage), saved searches
(reader.screens.searches), and what leaves the app (reader.screens.outward).
Each reads the library and asks for changes through what is here; the main
screen adds the layout, the views, search and related papers.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from textual.message import Message
from textual.screen import Screen

from reader import clock
from reader.library import Library
from reader.screens.messages import SaveFailed, StateSaved
from reader.screens.writer import Writer
from reader.views import Saved, View
from reader.widgets.paper_list import PaperList
from reader.widgets.search_box import SearchBox
from reader.widgets.sidebar import Sidebar
from reader.widgets.status_line import StatusLine

T = TypeVar("T")


class LibraryScreen(Screen[None]):
    def __init__(self, library: Library, saved: dict[str, str], view: View, writer: Writer) -> None:
        """`saved`: the saved searches, name -> query."""
        super().__init__()
        self.library = library
        self.saved = saved
        self.view = view
        self.writer = writer
        self._after_search: str | None = None  # said once the next search result is shown
        self.alerts: dict[str, int] = {}  # saved search -> new papers it matches (Library.search_alerts)

    @property
    def papers(self) -> PaperList:
        return self.query_one(PaperList)

    @property
    def search_box(self) -> SearchBox:
        return self.query_one("#search", SearchBox)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    def show_view(self, view: View) -> None:
        """List `view`'s papers: the main screen's to do."""
        raise NotImplementedError

    def papers_leaving(self, ids: list[str]) -> None:
        """Take the papers being removed off the list now, and keep them off until
        their removal is saved (no row may be drawn from a paper the writer has taken
        out of the library): the main screen's to do."""
        raise NotImplementedError

    def refresh_views(self) -> None:
        """The sidebar, and the counts the status line shows: counted here, when state
        or view changes, not on every keystroke's status line."""
        library = self.library
        counts = library.view_counts()
        self.status.tally(counts, library.decided_per_day()[clock.today()])
        saved = [Saved(name, query) for name, query in self.saved.items()]
        self.query_one(Sidebar).show(self.view, counts, saved, library.tag_counts(), self.alerts)

    def effective_query(self) -> str:
        return f"{self.view.query} {self.search_box.value}".strip()

    def update_status(self, message: str | None = None, aside: str | None = None) -> None:
        self.status.say(message, shown=len(self.papers.ids), aside=aside, on=self.papers.current)

    def _current_paper(self) -> str | None:
        paper_id = self.papers.current
        if paper_id is None:
            self.notify("No paper selected", timeout=2, markup=False)
        return paper_id

    def save(self, change: Callable[[], T], said: str | Callable[[T], str]) -> None:
        """Make `change` (a call to the library) on the writer thread; then StateSaved
        says `said`, or what `said` makes of the change's result (or SaveFailed why not)."""
        self.save_then(change, lambda result, warnings: StateSaved(said(result) if callable(said) else said, warnings))

    def save_then(self, change: Callable[[], T], message: Callable[[T, list[str]], Message], gone: tuple[str, ...] = ()) -> None:
        """As `save`, the message made of the change's result and the library's warnings;
        `gone`: papers taken off the list until the change is saved or fails."""
        library = self.library

        def write() -> tuple[T, list[str]]:
            return change(), library.take_warnings()

        def saved(done: tuple[Any, list[str]]) -> Message:
            return message(*done)

        self.writer.write(self, write, saved, lambda error: SaveFailed(str(error), gone))
