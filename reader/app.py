"""The Textual app: panes, keys, and the workers that talk to the library."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from reader.library import Library, LibraryError, export_to_file
from reader.models import PaperState
from reader.resources import resource_dir
from reader.screens.export import ExportRequest, ExportScreen
from reader.screens.help import HelpScreen
from reader.screens.tags import TagEdit, TagScreen
from reader.search import SearchResult
from reader.store import StoreError
from reader.text import one_line
from reader.widgets.abstract_view import AbstractView
from reader.widgets.paper_list import PaperList, RowData


VIEWS = {"all": "", "unread": "is:unread", "bookmarked": "is:bookmarked"}


class ReaderApp(App[None]):
    CSS_PATH = str(resource_dir("styles") / "reader.tcss")
    TITLE = "reader"

    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("b", "bookmark", "Bookmark"),
        Binding("t", "tags", "Tags"),
        Binding("r", "toggle_read", "Read"),
        Binding("n", "next_unread", "Next unread", show=False),
        Binding("e", "export", "Export"),
        Binding("N", "previous_unread", "Prev unread", show=False),
        Binding("escape", "escape", "Back", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, home: str | Path | None = None) -> None:
        super().__init__()
        self.home = home
        self.library: Library | None = None
        self.view = "all"
        self.result: SearchResult | None = None
        self._search_generation = 0
        # One writer thread: state changes reach the disk in the order they were made.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-state")

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield OptionList(id="views", markup=False)
            with Vertical(id="main"):
                yield Input(placeholder="/ search: words, \"phrase\", -not, tag:, is:unread …", id="search")
                yield PaperList(self._row_data, id="papers")
                yield AbstractView(id="abstract")
        yield Static("Loading library…", id="status", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(PaperList).focus()
        self.load_library()
        self.set_interval(1.0, self._check_other_instances)

    def on_unmount(self) -> None:
        self._writer.shutdown(wait=True)

    # -- loading -----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def load_library(self) -> None:
        try:
            library = Library.open(self.home)
            library.index  # build the search index here, not on the first keystroke
        except (StoreError, LibraryError) as error:
            self.call_from_thread(self._load_failed, str(error))
            return
        self.call_from_thread(self._library_ready, library)

    def _load_failed(self, message: str) -> None:
        self.set_status(f"Could not open the library: {message}")
        self.notify(message, title="Could not open the library", severity="error", timeout=30, markup=False)

    def _library_ready(self, library: Library) -> None:
        self.library = library
        self.refresh_views()
        self.run_search()

    def _need_library(self) -> Library | None:
        if self.library is None:
            self.notify("Still loading the library…", timeout=2, markup=False)
        return self.library

    def _row_data(self, paper_id: str) -> RowData:
        assert self.library is not None
        return RowData(self.library.get(paper_id), self.library.state_of(paper_id))

    # -- views and search ------------------------------------------------------------

    def refresh_views(self) -> None:
        library = self.library
        if library is None:
            return
        counts = library.view_counts()
        views = self.query_one("#views", OptionList)
        options = [Option(f"{name.title()} {counts[name]}", id=name) for name in VIEWS]
        options += [Option(one_line(f"#{tag} {n}"), id=f"tag:{tag}") for tag, n in sorted(library.tag_counts().items())]
        highlighted = views.highlighted
        views.clear_options()
        views.add_options(options)
        ids = [o.id for o in options]
        views.highlighted = ids.index(self.view) if self.view in ids else highlighted or 0

    @on(OptionList.OptionSelected, "#views")
    def choose_view(self, event: OptionList.OptionSelected) -> None:
        self.view = event.option.id or "all"
        self.run_search()
        self.query_one(PaperList).focus()

    def effective_query(self) -> str:
        base = VIEWS.get(self.view, self.view)
        return f"{base} {self.query_one('#search', Input).value}".strip()

    @on(Input.Changed, "#search")
    def search_changed(self) -> None:
        self.run_search()

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.query_one(PaperList).focus()

    def run_search(self) -> None:
        if self.library is None:
            return
        self._search_generation += 1
        self._search(self.effective_query(), self._search_generation, self.result)

    @work(thread=True, exclusive=True, group="search")
    def _search(self, query: str, generation: int, previous: SearchResult | None) -> None:
        assert self.library is not None
        result = self.library.search(query, previous=previous)
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self._show_result, result, generation)

    def _show_result(self, result: SearchResult, generation: int) -> None:
        if generation != self._search_generation:
            return  # a newer keystroke's search is under way: never show a stale list
        papers = self.query_one(PaperList)
        keep = papers.current
        self.result = result if not result.error else None
        papers.show(result.ids, result.terms, keep=keep)
        self._show_current()
        self.update_status(result.error)

    # -- status ----------------------------------------------------------------------

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def update_status(self, message: str | None = None) -> None:
        library = self.library
        if library is None:
            return
        shown = len(self.query_one(PaperList).ids)
        counts = library.view_counts()
        text = f"{shown} shown · {counts['all']} papers · {counts['unread']} unread · {counts['bookmarked']} bookmarked"
        self.set_status(f"{message}  ·  {text}" if message else text)

    # -- the current paper ---------------------------------------------------------------

    @on(PaperList.Highlighted)
    def _paper_highlighted(self) -> None:
        self._show_current()

    def _show_current(self) -> None:
        library = self.library
        paper_id = self.query_one(PaperList).current
        view = self.query_one(AbstractView)
        if library is None or paper_id is None:
            view.show(None, None)
            return
        terms = self.result.terms if self.result else frozenset()
        view.show(library.get(paper_id), library.state_of(paper_id), terms)

    @on(PaperList.Opened)
    def _paper_opened(self, event: PaperList.Opened) -> None:
        self.query_one(AbstractView).focus()
        library = self.library
        if library is not None and not library.state_of(event.paper_id).read:
            self.change_state(event.paper_id, lambda lib, pid: lib.set_read(pid, True), "marked read")

    def _current_paper(self) -> str | None:
        if self._need_library() is None:
            return None
        paper_id = self.query_one(PaperList).current
        if paper_id is None:
            self.notify("No paper selected", timeout=2, markup=False)
        return paper_id

    # -- state changes ---------------------------------------------------------------------

    @work(exclusive=False, group="state")
    async def change_state(self, paper_id: str, change: Callable[[Library, str], PaperState], said: str) -> None:
        library = self.library
        assert library is not None
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._writer, change, library, paper_id)
        except StoreError as error:
            self.notify(f"Not saved: {error}", title="Could not save", severity="error", timeout=15, markup=False)
            self.update_status("NOT SAVED")
            return
        self.query_one(PaperList).repaint_rows()
        if self.query_one(PaperList).current == paper_id:
            self._show_current()
        self.refresh_views()
        self.update_status(f"saved: {said}")

    def action_bookmark(self) -> None:
        paper_id = self._current_paper()
        if paper_id is not None:
            now = not self.library.state_of(paper_id).bookmarked
            self.change_state(paper_id, lambda lib, pid: lib.set_bookmarked(pid, now), "bookmarked" if now else "bookmark removed")

    def action_toggle_read(self) -> None:
        paper_id = self._current_paper()
        if paper_id is not None:
            now = not self.library.state_of(paper_id).read
            self.change_state(paper_id, lambda lib, pid: lib.set_read(pid, now), "marked read" if now else "marked unread")

    def action_tags(self) -> None:
        paper_id = self._current_paper()
        if paper_id is None:
            return
        library = self.library
        paper, state = library.get(paper_id), library.state_of(paper_id)
        counts = library.tag_counts()
        known = sorted(counts, key=lambda t: (-counts[t], t))  # most used first: the likeliest completion

        def apply(edit: TagEdit | None) -> None:
            if edit is None:
                return

            def change(lib: Library, pid: str) -> PaperState:
                lib.add_tags(pid, edit.add)
                return lib.remove_tags(pid, edit.remove)

            words = [f"+{t}" for t in edit.add] + [f"-{t}" for t in edit.remove]
            self.change_state(paper_id, change, "tags " + " ".join(words))

        self.push_screen(TagScreen(paper.title, state.tags, known), apply)

    def action_next_unread(self) -> None:
        self._jump_unread(1)

    def action_previous_unread(self) -> None:
        self._jump_unread(-1)

    def _jump_unread(self, step: int) -> None:
        library = self._need_library()
        if library is None:
            return
        papers = self.query_one(PaperList)
        ids = papers.ids
        positions = range(papers.cursor + 1, len(ids)) if step > 0 else range(papers.cursor - 1, -1, -1)
        for position in positions:
            if not library.state_of(ids[position]).read:
                papers.cursor = position
                return
        self.notify("No more unread papers " + ("below" if step > 0 else "above"), timeout=2, markup=False)

    def action_export(self) -> None:
        if self._need_library() is not None:
            self.push_screen(ExportScreen(str(Path.home() / "reader-export.md")), self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        library = self.library
        if request is None or library is None:
            return
        papers = self.query_one(PaperList)
        if request.scope == "paper":
            ids = [papers.current] if papers.current else []
        elif request.scope == "bookmarks":
            ids = [pid for pid in library.papers if library.state_of(pid).bookmarked]
        else:
            ids = list(papers.ids)
        self._write_export([(library.get(p), library.state_of(p)) for p in ids], request.path)

    @work(thread=True, group="export")
    def _write_export(self, pairs: list, path: Path) -> None:
        try:
            count, name = export_to_file(pairs, path)
        except StoreError as error:
            self.call_from_thread(lambda: self.notify(str(error), title="Export failed", severity="error", timeout=15, markup=False))
            return
        self.call_from_thread(self.update_status, f"exported {count} papers to {path} ({name})")

    # -- navigation ------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_escape(self) -> None:
        search = self.query_one("#search", Input)
        papers = self.query_one(PaperList)
        if self.focused is papers and search.value:
            search.value = ""
        papers.focus()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    # -- other instances -------------------------------------------------------------------

    def _check_other_instances(self) -> None:
        if self.library is not None:
            self._reload_state()

    @work(exclusive=True, group="reload")
    async def _reload_state(self) -> None:
        library = self.library
        loop = asyncio.get_running_loop()
        try:
            changed = await loop.run_in_executor(self._writer, library.reload_state_if_changed)
        except StoreError as error:
            self.notify(str(error), title="Could not reload", severity="error", timeout=15, markup=False)
            return
        if changed:
            self.query_one(PaperList).repaint_rows()
            self._show_current()
            self.refresh_views()
            self.update_status("updated from another reader")
