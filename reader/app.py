"""The Textual app: panes, keys, and the workers that talk to the library."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from reader.browser import no_browser_reason
from reader.commands import ReaderCommands
from reader.export import paper_links, snippet
from reader.library import Library, LibraryError, export_to_file
from reader.models import PaperState
from reader.resources import resource_dir
from reader.screens.export import ExportRequest, ExportScreen
from reader.screens.help import HelpScreen
from reader.screens.pick import COPY_CHOICES, PickScreen, link_choices
from reader.screens.tags import TagEdit, TagScreen
from reader.search import SearchResult
from reader.settings import SettingsError, load_settings, save_theme, settings_path
from reader.store import StoreError, resolve_home
from reader.text import one_line
from reader.widgets.abstract_view import AbstractView
from reader.widgets.paper_list import PaperList, RowData


VIEWS = {"all": "", "unread": "is:unread", "bookmarked": "is:bookmarked"}


class ReaderApp(App[None]):
    CSS_PATH = str(resource_dir("styles") / "reader.tcss")
    TITLE = "reader"
    COMMANDS = App.COMMANDS | {ReaderCommands}

    # Each binding has an id: settings.toml's [keys] table rebinds by id.
    BINDINGS = [
        # Not in the footer: the search box's own placeholder says "/ search", and
        # the footer must fit 80 columns with copy and open.
        Binding("slash", "search", "Search", show=False, id="search"),
        Binding("b", "bookmark", "Bookmark", id="bookmark"),
        Binding("t", "tags", "Tags", id="tags"),
        Binding("r", "toggle_read", "Read", id="read"),
        Binding("n", "next_unread", "Next unread", show=False, id="next-unread"),
        Binding("e", "export", "Export", id="export"),
        Binding("y", "copy", "Copy", id="copy"),
        Binding("o", "open_page", "Open", id="open"),
        Binding("N", "previous_unread", "Prev unread", show=False, id="previous-unread"),
        Binding("escape", "escape", "Back", show=False, id="back"),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("q", "quit", "Quit", id="quit"),
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
        self._apply_settings()

    # -- layout ------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield OptionList(id="views", markup=False)
            with Vertical(id="main"):
                yield Input(placeholder="/ search: words, \"phrase\", -not, tag:, is:unread …", id="search")
                yield PaperList(self._row_data, id="papers")
                yield AbstractView(id="abstract")
        yield Static("Loading library…", id="status", markup=False)
        yield Footer(compact=True)  # compact: every key fits in 80 columns

    def on_mount(self) -> None:
        self.query_one(PaperList).focus()
        self.load_library()
        self.set_interval(1.0, self._check_other_instances)
        self._report_settings_problems()

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
        self.push_screen(HelpScreen(self.settings.keys))

    # -- copy and open: they reach the person's own machine, also over SSH -------------------

    def action_copy(self) -> None:
        if self._current_paper() is not None:
            self.push_screen(PickScreen("Copy to the clipboard", COPY_CHOICES), self._copy_chosen)

    def _copy_chosen(self, what: str | None) -> None:
        if what is not None:
            self.action_copy_item(what)

    def action_copy_item(self, what: str) -> None:
        paper_id = self._current_paper()
        if paper_id is None:
            return
        label = next(choice.label for choice in COPY_CHOICES if choice.value == what)
        text = snippet(self.library.get(paper_id), self.library.state_of(paper_id), what)
        if not text:
            self.notify(f"This paper has no {label}", timeout=3, markup=False)
            return
        # OSC 52: the terminal, wherever it is, puts it on its clipboard, or silently
        # does not (tmux without set-clipboard, some terminals). So say what was sent.
        self.copy_to_clipboard(text)
        shown = one_line(text)
        self.update_status(f"sent {label} to the clipboard: {shown[:60]}{'…' if len(shown) > 60 else ''}")

    def action_open_page(self) -> None:
        paper_id = self._current_paper()
        if paper_id is None:
            return
        urls = paper_links(self.library.get(paper_id))
        if not urls:
            self.notify("This paper has no link to open", timeout=3, markup=False)
        elif len(urls) == 1:
            self.open_link(urls[0])
        else:
            self.push_screen(PickScreen("Open which link?", link_choices(urls)), self._link_chosen)

    def _link_chosen(self, url: str | None) -> None:
        if url is not None:
            self.open_link(url)

    def open_link(self, url: str) -> None:
        """Open `url` in a browser the person sees; where there is none, show it and copy it."""
        # In a browser tab (reader serve) open_url opens a tab on the person's machine.
        reason = None if self.is_web else no_browser_reason(os.environ, sys.platform)
        if reason is None:
            if self.is_web:
                self.open_url(url)
            else:
                self._open_in_browser(url)
            self.update_status(f"asked the browser to open {url}")
            return
        self.copy_to_clipboard(url)
        # An OSC 8 link: a click opens it on the person's machine in terminals that support it.
        link = Text(url, style=Style(link=url, underline=True))
        self.query_one("#status", Static).update(Text.assemble(f"{reason}: not opened here; sent to the clipboard: ", link))

    @work(thread=True, group="browser")
    def _open_in_browser(self, url: str) -> None:
        # webbrowser may first run `xdg-settings` and wait for it: not on the UI thread.
        self.open_url(url)

    # -- palette, views and settings.toml -------------------------------------------------

    def _apply_settings(self) -> None:
        """Theme, first view and keys from the home's settings.toml.

        Read here, before the first frame, because it is a few lines and the
        first frame should already be in the person's theme.
        """
        ids = {b.id for owner in (ReaderApp, PaperList, AbstractView) for b in owner.BINDINGS if b.id}
        path = settings_path(resolve_home(self.home))
        self.settings, self._settings_problems = load_settings(path, self.available_themes, VIEWS, ids)
        self._theme_on_disk = self.settings.theme
        if self.settings.theme:
            self.theme = self.settings.theme
        self.view = self.settings.view
        self.set_keymap(dict(self.settings.keys))

    def _report_settings_problems(self) -> None:
        for problem in self._settings_problems:
            self.notify(problem, title="settings.toml: using the default", severity="warning", timeout=20, markup=False)

    def watch_theme(self, theme: str) -> None:
        if theme != self._theme_on_disk:
            self._theme_on_disk = theme
            self._save_theme(theme)

    @work(group="settings")
    async def _save_theme(self, theme: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            # The state writer's thread: two quick theme changes are saved in the order made.
            await loop.run_in_executor(self._writer, save_theme, resolve_home(self.home), theme)
        except SettingsError as error:
            self.notify(str(error), title="Theme not remembered", severity="warning", timeout=15, markup=False)

    def keys_for(self, binding_id: str) -> str:
        """The key(s) of a binding as the person has them: settings.toml's, else the default."""
        if binding_id in self.settings.keys:
            return self.settings.keys[binding_id]
        binding = next((b for b in self.BINDINGS if b.id == binding_id), None)
        return self.get_key_display(binding) if binding else ""

    def view_labels(self) -> list[tuple[str, str]]:
        tags = sorted(self.library.tag_counts()) if self.library else []
        return [(name, name.title()) for name in VIEWS] + [(f"tag:{tag}", f"#{tag}") for tag in tags]

    def show_view(self, view: str) -> None:
        self.view = view
        self.refresh_views()
        self.run_search()
        self.query_one(PaperList).focus()

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
