"""The main screen's panes, empty, while the library loads; then LibraryLoaded makes the main screen.

Loading is one long call (unmarshalling the caches holds the GIL), run in a
thread worker; the status line says each step, or why the library could not
be opened. The main screen's keys are bound here too, so the footer does not
change when the library arrives: until then each says it is still loading.
The search box is off: a search typed now could not run, and would be lost.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.screen import Screen

from reader.actions import MAIN, Action, bound_on
from reader.library import Library, LibraryError, StoreError
from reader.screens.main import panes
from reader.screens.messages import LibraryLoaded, LoadFailed, LoadStep
from reader.widgets.paper_list import PaperList, RowData
from reader.widgets.status_line import StatusLine

LISTED_BEFORE_INDEX_FROM = 10_000
"""Papers from which a library with no search index cached is listed before the index
is built: it takes about a second per 10,000 papers, a moment below that."""


def _still_loading(action: Action) -> Binding:
    """The main screen's binding of `action` (reader.widgets.bindings), saying it waits."""
    # One action string per key: the footer shows one key per action.
    return Binding(action.keys, f"still_loading({action.id!r})", action.label, show=bool(action.footer), id=action.id)


def _no_rows(paper_id: str) -> RowData:
    raise LookupError(f"no papers while loading, not even {paper_id!r}")


class LoadingScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [_still_loading(action) for action in bound_on(MAIN)]

    def __init__(self, home: str | Path | None) -> None:
        super().__init__()
        self.home = home

    def compose(self) -> ComposeResult:
        yield from panes(_no_rows, searchable=False)

    def on_mount(self) -> None:
        self.query_one(PaperList).focus()

    def action_still_loading(self, action: str) -> None:
        self.notify("Still loading the library…", timeout=2, markup=False)

    @work(thread=True, exclusive=True, group="load")
    def load(self) -> None:
        try:
            library = Library.open(self.home, announce=self._announce)
            if not library.read_index_cache() and len(library) < LISTED_BEFORE_INDEX_FROM:
                # Here, not on the first keystroke. A large library's index to build (a home
                # holding only library.json, or an older reader's index file) is built while
                # the list is shown (reader.screens.main).
                library.index  # noqa: B018 (the property reads or builds the search index)
        except (StoreError, LibraryError) as error:
            self.post_message(LoadFailed(str(error)))
            return
        try:
            saved, searches_error = library.saved_searches(), None
        except StoreError as error:  # the papers are still worth opening; saving a search stays refused
            saved, searches_error = {}, str(error)
        # A damaged cache, rebuilt while loading: said once the library is shown.
        self.post_message(LibraryLoaded(library, saved, library.take_warnings(), searches_error))

    def _announce(self, step: str) -> None:
        self.post_message(LoadStep(step))  # from the loading thread: a message is thread-safe

    def on_load_step(self, loading: LoadStep) -> None:
        self.query_one(StatusLine).update(f"Loading library: {loading.step}…")

    def on_load_failed(self, failed: LoadFailed) -> None:
        self.query_one(StatusLine).update(f"Could not open the library: {failed.error}")
        self.notify(failed.error, title="Could not open the library", severity="error", timeout=30, markup=False)
