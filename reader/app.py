"""The Textual app: panes, keys, and the workers that talk to the library."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

from rich.style import Style
from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.keys import REPLACED_KEYS, Keys, _character_to_key, key_to_character
from textual.message import Message
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, get_current_worker

from reader.actions import ABSTRACT, APP, LIST, TEXTUAL, bound_on, current_keys
from reader.browser import no_browser_reason
from reader.screens.palette import ReaderCommands
from reader.export import paper_links, snippet
from reader.library import Library, LibraryError, LibraryReload, export_target, export_to_file, with_tags
from reader.models import PaperState
from reader.resources import resource_dir
from reader.screens.confirm import ConfirmScreen
from reader.screens.export import ExportRequest, ExportScreen
from reader.screens.help import HelpScreen
from reader.screens.note import NoteScreen
from reader.screens.prompt import PromptScreen
from reader.screens.pick import COPY_CHOICES, Choice, PickScreen, link_choices
from reader.screens.tags import TagEdit, TagScreen
from reader.related import Related
from reader.search import SearchResult
from reader.settings import Bindings, SettingsError, load_settings, save_theme, settings_path
from reader.store import StoreError, resolve_home, tell_lock_waits
from reader.text import one_line
from reader.widgets.abstract_view import AbstractView
from reader.widgets.bindings import bindings
from reader.widgets.paper_list import PaperList, RowData


VIEWS = {"all": "", "inbox": "is:inbox", "unread": "is:unread", "bookmarked": "is:bookmarked"}


def _count(ids: list[str]) -> str:
    return f" ({len(ids)} papers)" if len(ids) > 1 else ""


def _mark_read(state: PaperState) -> PaperState:
    return replace(state, read=True)


def _dismiss(state: PaperState) -> PaperState:
    return replace(state, read=True, dismissed=True)


class ReaderApp(App[None]):
    CSS_PATH = str(resource_dir("styles") / "reader.tcss")
    TITLE = "reader"
    COMMANDS = App.COMMANDS | {ReaderCommands}

    # The footer must fit 80 columns: it shows the triage keys; the search box's
    # placeholder says "/ search", and ? and ctrl+p list the rest (reader.actions).
    BINDINGS = bindings(APP)

    def __init__(self, home: str | Path | None = None) -> None:
        super().__init__()
        self.home = home
        self.library: Library | None = None
        self.view = "all"
        self.result: SearchResult | None = None
        self._search_generation = 0
        self.saved: dict[str, str] = {}  # saved searches, name -> query
        self._related: dict[str, Related] = {}  # the related view's papers
        self._view_before_related = "all"
        self._after_search: str | None = None  # said once the next search result is shown
        self._counts: dict[str, int] = {}  # the sidebar's counts, for the status line too
        self._done_today = 0
        self._decided = 0  # papers decided in this session, for the pace in the status line
        self._triage_start: float | None = None
        # One writer thread: state changes reach the disk in the order they were made.
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader-state")
        self._papers_reload: Worker | None = None
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
        # Told on the writer thread; a message, unlike call_from_thread, never blocks it.
        tell_lock_waits(lambda text: self.post_message(self.LockWait(text)))
        self.set_interval(1.0, self._check_other_instances)
        self._report_settings_problems()

    def on_ready(self) -> None:
        # Loaded only once the first frame is out: unmarshalling the caches is one
        # long call that holds the GIL, and would keep "Loading library…" off the
        # screen until it ends.
        self.load_library()

    def on_unmount(self) -> None:
        tell_lock_waits(None)
        self._writer.shutdown(wait=True)

    # -- loading -----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="load")
    def load_library(self) -> None:
        try:
            library = Library.open(self.home, announce=lambda step: self.call_from_thread(self.set_status, f"Loading library: {step}…"))
            library.index  # build the search index here, not on the first keystroke
        except (StoreError, LibraryError) as error:
            self.call_from_thread(self._load_failed, str(error))
            return
        try:
            saved = library.saved_searches()
        except StoreError as error:  # the papers are still worth opening; saving a search stays refused
            self.call_from_thread(self.notify, str(error), title="Saved searches not loaded", severity="error", timeout=30, markup=False)
            saved = {}
        # A damaged cache, rebuilt while loading: said once the library is shown.
        self.call_from_thread(self._library_ready, library, saved, library.take_warnings())

    def _load_failed(self, message: str) -> None:
        self.set_status(f"Could not open the library: {message}")
        self.notify(message, title="Could not open the library", severity="error", timeout=30, markup=False)

    def _library_ready(self, library: Library, saved: dict[str, str], warnings: list[str]) -> None:
        self.library = library
        self.saved = saved
        self._after_search = " · ".join(warnings) or None
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
        """The sidebar: the views, the saved searches (1-9 recall them), the tags."""
        library = self.library
        if library is None:
            return
        # Counted here, when state or view changes, not on every keystroke's status line.
        self._counts = counts = library.view_counts()
        self._done_today = library.decided_per_day()[datetime.now(timezone.utc).date().isoformat()]
        views = self.query_one("#views", OptionList)
        options = [Option(f"{name.title()} {counts[name]}", id=name) for name in VIEWS]
        options += [Option(one_line(f"{n if n <= 9 else ' '} {name}"), id=f"saved:{name}") for n, name in enumerate(self.saved, 1)]
        options += [Option(one_line(f"#{tag} {n}"), id=f"tag:{tag}") for tag, n in sorted(library.tag_counts().items())]
        if self.view.startswith("related:"):
            options.append(Option("Related", id=self.view))
        highlighted = views.highlighted
        views.clear_options()
        views.add_options(options)
        ids = [o.id for o in options]
        views.highlighted = ids.index(self.view) if self.view in ids else highlighted or 0

    @on(OptionList.OptionSelected, "#views")
    def choose_view(self, event: OptionList.OptionSelected) -> None:
        self.show_view(event.option.id or "all")

    def effective_query(self) -> str:
        if self.view.startswith("saved:"):
            base = self.saved.get(self.view.removeprefix("saved:"), "")
        else:
            base = VIEWS.get(self.view, self.view)
        return f"{base} {self.query_one('#search', Input).value}".strip()

    def action_recall_search(self, number: int) -> None:
        names = list(self.saved)
        if number <= len(names):
            self.show_view(f"saved:{names[number - 1]}")
        elif self._need_library() is not None:
            self.notify(f"No saved search {number} (s saves the current search)", timeout=3, markup=False)

    def action_save_search(self) -> None:
        if self._need_library() is None or self.view.startswith("related:"):
            return
        query = self.effective_query()
        if not query:
            self.notify("Type a search first (/), then s saves it", timeout=3, markup=False)
            return

        def save(name: str | None) -> None:
            if name:
                self._save_search(name, query)

        hint = f"Saves: {query}   ·   1-9 recall the first nine"
        self.push_screen(PromptScreen("Save this search as", placeholder="a name", hint=hint), save)

    @work(group="searches")
    async def _save_search(self, name: str, query: str) -> None:
        library = self.library
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._writer, library.save_search, name, query)
        except (StoreError, LibraryError) as error:
            self.notify(str(error), title="Search not saved", severity="error", timeout=15, markup=False)
            return
        self.saved = {**self.saved, name: query}
        position = list(self.saved).index(name) + 1
        self._after_search = f"saved search {name!r}" + (f": press {position} to recall it" if position <= 9 else "")
        search = self.query_one("#search", Input)
        with search.prevent(Input.Changed):  # one search, for the view below
            search.value = ""
        self.show_view(f"saved:{name}")

    def action_delete_search(self) -> None:
        if self._need_library() is None:
            return
        if not self.saved:
            self.notify("No saved searches (s saves the current search)", timeout=3, markup=False)
            return

        def delete(name: str | None) -> None:
            if name:
                self._delete_search(name)

        self.push_screen(PickScreen("Delete which saved search?", [Choice(str(n) if n <= 9 else "", name, name) for n, name in enumerate(self.saved, 1)]), delete)

    @work(group="searches")
    async def _delete_search(self, name: str) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._writer, self.library.delete_search, name)
        except StoreError as error:
            self.notify(str(error), title="Not deleted", severity="error", timeout=15, markup=False)
            return
        self.saved = {n: q for n, q in self.saved.items() if n != name}
        if self.view == f"saved:{name}":
            self.show_view("all")
        self.refresh_views()
        self.update_status(f"deleted saved search {name!r}")

    def action_rename_tag(self) -> None:
        library = self._need_library()
        if library is None:
            return
        if not library.tag_counts():
            self.notify("No tags yet (t tags a paper)", timeout=3, markup=False)
            return
        current = self.view.removeprefix("tag:") + " " if self.view.startswith("tag:") else ""

        def rename(text: str | None) -> None:
            words = (text or "").split()
            if len(words) != 2:
                if text:
                    self.notify("Give two tags: the old name, then the new one", timeout=4, markup=False)
                return
            old, new = words
            self._save(lambda lib: lib.rename_tag(old, new), lambda n: f"#{old} is now #{new} on {n} papers (u undoes it)")

        hint = "old new · into a tag that exists: the two merge · " + " ".join(f"#{t}" for t in sorted(library.tag_counts()))[:120]
        self.push_screen(PromptScreen("Rename or merge a tag", placeholder="old new", value=current, hint=hint), rename)

    def action_select_all(self) -> None:
        self.query_one(PaperList).action_select_all()

    # -- related papers --------------------------------------------------------------------

    def action_related(self) -> None:
        paper_id = self._current_paper()
        if paper_id is not None:
            self.set_status("finding related papers…")
            self._find_related(paper_id)

    @work(thread=True, exclusive=True, group="related")
    def _find_related(self, paper_id: str) -> None:
        found = self.library.related(paper_id)
        self.call_from_thread(self._show_related, paper_id, found)

    def _show_related(self, paper_id: str, found: list[Related]) -> None:
        if not found:
            self.update_status("no related papers: this one shares no telling words with any other")
            return
        self._related = {r.paper_id: r for r in found}
        if not self.view.startswith("related:"):
            self._view_before_related = self.view
        self.view = f"related:{paper_id}"
        self._search_generation += 1  # a search still under way must not replace this list
        self.result = None
        terms = frozenset(t for r in found for t in r.shared_terms)
        self.query_one(PaperList).show([r.paper_id for r in found], terms)
        self.refresh_views()
        self._show_current()
        title = one_line(self.library.get(paper_id).title)
        self.update_status(f"related to “{title[:50]}”, most alike first · esc: back")

    @on(Input.Changed, "#search")
    def search_changed(self) -> None:
        self.run_search()

    @on(Input.Submitted, "#search")
    def search_submitted(self) -> None:
        self.query_one(PaperList).focus()

    def run_search(self) -> None:
        if self.library is None:
            return
        if self.view.startswith("related:"):
            # typing a search leaves the related list for the view it came from
            self.view = self._view_before_related
            self.refresh_views()
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
        self.update_status(result.error or self._after_search)
        self._after_search = None

    # -- status ----------------------------------------------------------------------

    class LockWait(Message):
        """A write waits for the lock another process holds."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def on_reader_app_lock_wait(self, message: LockWait) -> None:
        self.set_status(message.text)

    def set_status(self, text: str) -> None:
        self.query_one("#status", Static).update(text)

    def update_status(self, message: str | None = None) -> None:
        library = self.library
        if library is None:
            return
        shown = len(self.query_one(PaperList).ids)
        counts = self._counts
        text = f"{shown} shown · {counts['all']} papers · inbox {counts['inbox']} left · {self._done_today} done today{self._pace()}"
        self.set_status(f"{message}  ·  {text}" if message else text)

    def _pace(self) -> str:
        """Papers decided per minute over this session's triage (from its first decision)."""
        if self._triage_start is None or self._decided < 2:
            return ""
        minutes = max(time.monotonic() - self._triage_start, 30.0) / 60
        return f" · {self._decided / minutes:.1f}/min"

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
        related = self._related.get(paper_id) if self.view.startswith("related:") else None
        if related is not None:
            why = f"related: {round(related.score * 100)}% alike · shares " + ", ".join(related.shared_terms)
            view.show(library.get(paper_id), library.state_of(paper_id), frozenset(related.shared_terms), why=why)
            return
        terms = self.result.terms if self.result else frozenset()
        view.show(library.get(paper_id), library.state_of(paper_id), terms)

    @on(PaperList.Opened)
    def _paper_opened(self, event: PaperList.Opened) -> None:
        self.query_one(AbstractView).focus()
        library = self.library
        if library is not None and not library.state_of(event.paper_id).read:
            self._save(lambda lib: lib.set_read(event.paper_id, True), "marked read")

    def _current_paper(self) -> str | None:
        if self._need_library() is None:
            return None
        paper_id = self.query_one(PaperList).current
        if paper_id is None:
            self.notify("No paper selected", timeout=2, markup=False)
        return paper_id

    # -- decisions: one key, saved, undoable, and on to the next paper ------------------------

    def _targets(self) -> list[str]:
        """The selected papers, else the current one (empty, with a message, if neither)."""
        papers = self.query_one(PaperList)
        if papers.selected and self._need_library() is not None:
            return [pid for pid in papers.ids if pid in papers.selected]
        paper_id = self._current_paper()
        return [paper_id] if paper_id is not None else []

    def decide(self, ids: list[str], change: Callable[[PaperState], PaperState], said: str, *, advance: bool = True) -> None:
        """Save `change` for `ids` as one undoable step; then, for a single paper,
        move on to the next unread one (triage), and for a selection, clear it."""
        papers = self.query_one(PaperList)
        if papers.selected:
            papers.clear_selection()
        elif advance:
            self._jump_unread(1, quiet=True)
        self._decided += len(ids)
        if self._triage_start is None:
            self._triage_start = time.monotonic()
        self._save(lambda library: library.change_many({pid: change for pid in ids}, said), f"saved: {said}")

    @work(exclusive=False, group="state")
    async def _save(self, write: Callable[[Library], object], said: str | Callable[[object], str]) -> None:
        """Run `write` on the writer thread; then repaint and say `said` (or what it
        makes of the write's result)."""
        library = self.library
        assert library is not None
        loop = asyncio.get_running_loop()
        try:
            # One writer thread: changes reach the disk in the order they were made.
            done, warnings = await loop.run_in_executor(self._writer, lambda: (write(library), library.take_warnings()))
        except StoreError as error:
            self.notify(f"Not saved: {error}", title="Could not save", severity="error", timeout=15, markup=False)
            self.update_status("NOT SAVED")
            return
        for warning in warnings:
            self.notify(warning, title="Undo history", severity="warning", timeout=15, markup=False)
        self._state_changed(said(done) if callable(said) else said)

    def _state_changed(self, message: str) -> None:
        self.query_one(PaperList).repaint_rows()
        self._show_current()
        self.refresh_views()
        self.update_status(message)

    def action_bookmark(self) -> None:
        ids = self._targets()
        if ids:
            now = not all(self.library.state_of(pid).bookmarked for pid in ids)
            said = ("bookmarked" if now else "bookmark removed") + _count(ids)
            self.decide(ids, lambda s: replace(s, bookmarked=now), said, advance=now)

    def action_toggle_read(self) -> None:
        ids = self._targets()
        if not ids:
            return
        now = not all(self.library.state_of(pid).read for pid in ids)
        said = ("marked read" if now else "marked unread") + _count(ids)
        if now and len(ids) > 1:
            question = f"Mark {len(ids)} papers read? (u undoes it)"
            self.push_screen(ConfirmScreen(question), lambda yes: yes and self.decide(ids, _mark_read, said))
        else:
            self.decide(ids, (lambda s: replace(s, read=now)), said, advance=now)

    def action_dismiss(self) -> None:
        ids = self._targets()
        if not ids:
            return
        said = "dismissed" + _count(ids)
        if len(ids) > 1:
            question = f"Dismiss {len(ids)} papers (mark them read, out of the inbox)? (u undoes it)"
            self.push_screen(ConfirmScreen(question), lambda yes: yes and self.decide(ids, _dismiss, said))
        else:
            self.decide(ids, _dismiss, said)

    def action_tags(self) -> None:
        ids = self._targets()
        if not ids:
            return
        library = self.library
        counts = library.tag_counts()
        known = sorted(counts, key=lambda t: (-counts[t], t))  # most used first: the likeliest completion
        if len(ids) == 1:
            title, current = library.get(ids[0]).title, library.state_of(ids[0]).tags
        else:
            title, current = f"{len(ids)} selected papers", ()

        def apply(edit: TagEdit | None) -> None:
            if edit is not None and (edit.add or edit.remove):
                words = [f"+{t}" for t in edit.add] + [f"-{t}" for t in edit.remove]
                self.decide(ids, with_tags(edit.add, edit.remove), "tags " + " ".join(words) + _count(ids))

        self.push_screen(TagScreen(title, current, known), apply)

    def action_note(self) -> None:
        paper_id = self._current_paper()
        if paper_id is None:
            return
        paper, state = self.library.get(paper_id), self.library.state_of(paper_id)

        def apply(text: str | None) -> None:
            if text is not None and text.strip() != state.note:
                said = "note" if text.strip() else "note removed"
                self.decide([paper_id], lambda s: replace(s, note=text.strip()), said, advance=False)

        self.push_screen(NoteScreen(paper.title, state.note), apply)

    def action_undo(self) -> None:
        if self._need_library() is not None:
            self._save(lambda library: library.undo(), lambda step: f"undone: {step.said}" if step else "nothing to undo")

    def action_redo(self) -> None:
        if self._need_library() is not None:
            self._save(lambda library: library.redo(), lambda step: f"redone: {step.said}" if step else "nothing to redo")

    def action_next_unread(self) -> None:
        self._jump_unread(1)

    def action_previous_unread(self) -> None:
        self._jump_unread(-1)

    def _jump_unread(self, step: int, *, quiet: bool = False) -> None:
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
        if not quiet:
            self.notify("No more unread papers " + ("below" if step > 0 else "above"), timeout=2, markup=False)

    @on(PaperList.SelectionChanged)
    def _selection_changed(self, event: PaperList.SelectionChanged) -> None:
        if event.count or event.ranging:
            how = " (v: range on; move to extend, v again to stop)" if event.ranging else ""
            self.update_status(f"{event.count} selected{how}: b t r x e apply to them · esc clears")
        else:
            self.update_status()

    def action_export(self) -> None:
        if self._need_library() is not None:
            selected = len(self.query_one(PaperList).selected)
            self.push_screen(ExportScreen(str(Path.home() / "reader-export.md"), selected), self._export_chosen)

    def _export_chosen(self, request: ExportRequest | None) -> None:
        library = self.library
        if request is None or library is None:
            return
        papers = self.query_one(PaperList)
        if request.scope == "selection":
            ids = [pid for pid in papers.ids if pid in papers.selected]
            papers.clear_selection()
        elif request.scope == "paper":
            ids = [papers.current] if papers.current else []
        elif request.scope == "bookmarks":
            ids = [pid for pid in library.papers if library.state_of(pid).bookmarked]
        else:
            ids = list(papers.ids)
        self._write_export(library, ids, request.path)

    @work(exclusive=False, group="export")
    async def _write_export(self, library: Library, ids: list[str], path: Path) -> None:
        loop = asyncio.get_running_loop()
        try:
            export_target(path, library.store.home)  # refused before any key is chosen
            # Keys not yet chosen are saved on the writer thread, in order with other changes.
            pairs = await loop.run_in_executor(self._writer, lambda: library.keyed(ids))
            count, name = await loop.run_in_executor(None, lambda: export_to_file(pairs, path, home=library.store.home))
        except StoreError as error:
            self.notify(str(error), title="Export failed", severity="error", timeout=15, markup=False)
            return
        self.update_status(f"exported {count} papers to {path} ({name})")

    # -- navigation ------------------------------------------------------------------------

    def action_search(self) -> None:
        self.query_one("#search", Input).focus()

    def action_escape(self) -> None:
        search = self.query_one("#search", Input)
        papers = self.query_one(PaperList)
        if self.focused is papers and papers.selected:
            papers.clear_selection()
        elif self.focused is papers and self.view.startswith("related:"):
            self.show_view(self._view_before_related)
        elif self.focused is papers and search.value:
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
        paper, state = self.library.get(paper_id), self.library.state_of(paper_id)
        if what in ("key", "bibtex") and not state.key:
            try:  # the key (also the BibTeX entry's) is chosen now, once, and kept
                [(paper, state)] = self.library.keyed([paper_id])
            except StoreError as error:
                self.notify(f"Not copied: {error}", title="Could not save the key", severity="error", timeout=15, markup=False)
                return
        text = snippet(paper, state, what)
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
        # The URL first: at 80 columns the rest of the line may be cut.
        self.query_one("#status", Static).update(Text.assemble(link, f"  copied ({reason}: not opened here)"))

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
        path = settings_path(resolve_home(self.home))
        self.settings, self._settings_problems = load_settings(path, self.available_themes, VIEWS, _bindings())
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
        return ",".join(self.get_key_display(Binding(key, "")) for key in current_keys(binding_id, self.settings.keys))

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
            # One reload at a time: a thread worker cannot be stopped, and reading a
            # large library can take longer than a poll's second.
            if self._papers_reload is None or self._papers_reload.is_finished:
                self._papers_reload = self._reload_papers(self.library)

    @work(thread=True, group="reload-papers")
    def _reload_papers(self, library: Library) -> None:
        try:
            reload = library.reload_papers_if_changed()
        except StoreError as error:
            self.call_from_thread(self._reload_failed, str(error))
            return
        if reload is not None:
            self.call_from_thread(self._papers_reloaded, library, reload)

    def _reload_failed(self, message: str) -> None:
        self.notify(message, title="Could not reload", severity="error", timeout=15, markup=False)

    def _papers_reloaded(self, library: Library, reload: LibraryReload) -> None:
        """Another reader imported: swap its papers in and search again, the cursor
        staying on its paper."""
        library.adopt(reload)
        papers = self.query_one(PaperList)
        if reload.gone:  # the rows shown until the search below answers must all exist
            papers.show([pid for pid in papers.ids if pid in library.papers], papers.terms, keep=papers.current)
        if reload.new:
            said = f"{reload.new} new paper{'s' if reload.new > 1 else ''} from another reader"
        else:
            said = "papers updated by another reader"
        said = " · ".join([said, *reload.warnings])
        self.refresh_views()
        if self.view.startswith("related:"):  # the related list stays until esc
            papers.repaint_rows()
            self._show_current()
            self.update_status(said)
        else:
            self._after_search = said
            self.run_search()

    @work(exclusive=True, group="reload")
    async def _reload_state(self) -> None:
        library = self.library
        loop = asyncio.get_running_loop()
        try:
            changed = await loop.run_in_executor(self._writer, library.reload_state_if_changed)
        except StoreError as error:
            self._reload_failed(str(error))
            return
        if changed:
            self.query_one(PaperList).repaint_rows()
            self._show_current()
            self.refresh_views()
            self.update_status("updated from another reader")


def _bindings() -> Bindings:
    """Ours (reader.actions), as settings.toml may rebind them: the app's keys work in
    the list and in the abstract pane too, so each of those is checked with the app's;
    the keys Textual binds itself stay its own."""
    app = {a.id: a.keys for a in bound_on(APP)}
    together = [{**app, **{a.id: a.keys for a in bound_on(place)}} for place in (LIST, ABSTRACT)]
    textual = {a.keys: a.id for a in bound_on(TEXTUAL)} | {b.key: f"Textual's {b.action}" for b in App.BINDINGS if isinstance(b, Binding)}
    return Bindings(together, _key_name, textual)


_KEY_NAMES = {key.value for key in Keys} - {"<any>", "<scroll-up>", "<scroll-down>", "<ignore>"}
_MODIFIERS = {"ctrl", "shift", "alt", "meta", "super", "hyper"}


def _key_name(key: str) -> str | None:
    """The name Textual gives `key` ("?" -> "question_mark"), or None for no key it
    knows: a character, a named key (`f2`, `pageup`), either after modifiers."""
    *modifiers, base = key.split("+")
    if not set(modifiers) <= _MODIFIERS:
        return None
    if len(base) == 1 and base.isprintable():
        return "+".join([*modifiers, _character_to_key(base)])
    # A character's name: `question_mark`, or `slash` (Textual's word for "solidus").
    if base in _KEY_NAMES or key_to_character(REPLACED_KEYS.get(base, base)) is not None:
        return key
    return None

