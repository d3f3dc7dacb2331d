"""The main screen: the views, the search box, the paper list, the abstract and the status line.

It is made once the library is loaded (reader.screens.loading shows the same
panes until then), so everything here has a library to work on. Blocking work
(a search, related papers, a write) runs in a worker that posts a message
(reader.screens.messages); the handlers here show what came back.

A library opened without its search index cached (a home holding only
library.json) is listed before the index is built: its views need only the
papers' dates and states (Library.listed_without_index). The index is built
in a worker meanwhile, the status line saying so; a search typed before it is
ready waits in the search box, said on the status line, and runs once the
index is (IndexReady), with what the box holds then.

Here: the layout, the views, search and its order (S: kept per view for the
session, as nothing else of a view outlives it), moving by day ([ and ]),
related papers, the current paper, other readers' changes, and fetching new
papers (F): the fetch runs in a
thread worker on a library of its own, so the papers it imports reach this
screen as another reader's import does (PapersReloaded), the cursor staying
on its paper. The actions are grouped by what they do, each group
a part of the screen (reader.screens.base says what they share): triage
decisions (reader.screens.triage), saved searches (reader.screens.searches),
and what leaves the app: export, the clipboard, the browser
(reader.screens.outward).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from time import monotonic

from textual import on, work
from textual.actions import SkipAction
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Input
from textual.worker import Worker, get_current_worker

from reader.actions import MAIN
from reader.history import Entry
from reader.library import Library, LibraryError, StoreError
from reader.listed import Without, day_step_by_runs, rows_of
from reader.marshalfile import Damaged
from reader.models import Paper
from reader.related import Related
from reader.screens.messages import (
    Fetched,
    IndexReady,
    PapersReloaded,
    PapersRescued,
    Progress,
    Refused,
    RelatedFound,
    SaveFailed,
    SearchDone,
    StateReloaded,
    StateSaved,
    StepSaved,
)
from reader.screens.outward import Outward
from reader.screens.palette import ReaderCommands
from reader.screens.searches import SavedSearches
from reader.screens.triage import Triage
from reader.screens.writer import Writer
from reader.search import SearchResult, Sort, day_step
from reader.tex import tex_to_text
from reader.text import clip_words, one_line, plural
from reader.views import STANDARD, RelatedTo, Saved, Tag, View
from reader.widgets.abstract_view import AbstractView
from reader.widgets.bindings import bindings
from reader.widgets.footer import FittedFooter
from reader.widgets.paper_list import PaperList, RowData
from reader.widgets.search_box import SearchBox
from reader.widgets.sidebar import Sidebar
from reader.widgets.status_line import StatusLine

SEARCH_PLACEHOLDER = '/ search: words, "phrase", -not, tag:, is:unread …'


def panes(row_data: Callable[[str], RowData | None], *, searchable: bool = True) -> ComposeResult:
    """The main screen's panes; the loading screen shows them empty (and the search box off)."""
    with Horizontal(id="body"):
        yield Sidebar(id="views")
        with Vertical(id="main"):
            yield SearchBox(placeholder=SEARCH_PLACEHOLDER, id="search", disabled=not searchable)
            yield PaperList(row_data, id="papers")
            yield AbstractView(id="abstract")
    yield StatusLine(id="status")
    yield FittedFooter()


UNDATED = "no paper listed has a full date to step by"
"""What [ and ] say in a list with no paper dated to the day (the bundled demo's pages
give "Mar 14", no year): why they cannot move, which "no dates listed" did not say
beside a paper showing "Mar 14"."""

SHORTEST_TITLE = 16  # an undo names its paper by at least so many characters: fewer say too little


def shortened(title: str, room: int = 32) -> str:
    """A paper's title, cut after a whole word to `room` characters for the status line."""
    return clip_words(one_line(tex_to_text(title)), room)


def _without(gone: set[str], ids: Sequence[str], complete: int) -> tuple[Sequence[str], int]:
    """`ids` without the `gone` papers, and where their closest matches (from `complete` on) then start."""
    if not gone:
        return ids, complete
    staying = Without(ids, gone)
    return staying, staying.staying_row(complete)


def _new_ranking(shown: SearchResult | None, result: SearchResult) -> bool:
    """Does `result` rank the papers for a query other than the one `shown`? Then its
    list opens at its best match: the cursor's paper may rank far down, and kept
    there it would scroll the best matches and the divider out of view. The same
    query searched again (a sort, a save, another reader's change) and an unranked
    list (a view, a filter, the search cleared) keep the cursor on its paper."""
    return result.ranked and (shown is None or shown.query != result.query)


def closest_said(result: SearchResult) -> str | None:
    """What the status line says of a result's closest matches, if it has any."""
    closest = len(result.ids) - result.complete
    if not closest:
        return None
    matches = f"{closest} closest match{'' if closest == 1 else 'es'}"
    if not result.complete:
        return f"no paper has every word: {matches}"
    return f"{result.complete} with every word, then {matches}"


class MainScreen(Triage, SavedSearches, Outward):
    # The footer shows the keys it has room for, by rank (reader.actions); ? and
    # ctrl+p list the rest.
    BINDINGS = bindings(MAIN)
    COMMANDS = {ReaderCommands}
    CLOSEST_PAUSE = 0.4  # seconds without a keystroke before a large library's closest matches are looked for
    # Seconds a search may take before the status line says it is under way: a quoted phrase
    # at 1M papers takes seconds the first time, and the line said the last keystroke's outcome
    # ('unclosed quote') meanwhile. Most searches take far less: no flicker on each keystroke.
    SEARCHING_SAID_AFTER = 0.3

    def __init__(self, library: Library, saved: dict[str, str], view: View, writer: Writer, said: str | None = None) -> None:
        """`saved`: the saved searches, name -> query; `said`: for the status line with the first list."""
        super().__init__(library, saved, view, writer)
        self.result: SearchResult | None = None
        self._search_generation = 0
        self._closest_timer: Timer | None = None  # a large library's closest matches, after a typing pause
        self._searching_timer: Timer | None = None  # says "searching…" unless the search is done first
        self._asked_at = 0.0  # when the search shown last was asked for (monotonic): the pause counts from then
        # How the listed papers are like the paper (m) or the text (~text) they were found for
        self._related: dict[str, Related] = {}
        self._sorts: dict[View, Sort] = {}  # the order chosen in each view (S); BEST where none was
        self._after_search = said
        self._papers_reload: Worker | None = None
        self._fetch: Worker | None = None
        self._fetch_line = ""  # the fetch's last progress line, said by reloads while it runs
        # A damaged paper file read again from library.json (see _paper): under way, or failed
        # (said once: the rows it cannot draw stay blank, reader recover is the way out).
        self._rescue: Worker | None = None
        # From F until the reload after the fetch: the one-second poll may read the fetch's
        # imports first, and must say they are the fetch's, not another reader's.
        self._fetch_active = False
        # Papers whose removal is under way: off the list from D on, whatever a search
        # that started before finds (the writer takes them out of the library meanwhile).
        self._leaving: set[str] = set()
        # The paper the next list puts the cursor on: the one an undo put back, or
        # the one related papers were of (esc goes back to it).
        self._find_after_search: str | None = None
        self._newest_first = False  # is the list shown in newest-first order (see _listed_by_day)?
        self._indexing = False  # is the search index being built (from _build_index to IndexReady)?
        self._search_waits = False  # for the index: run_search again once it is built

    def compose(self) -> ComposeResult:
        yield from panes(self._row_data)

    def on_mount(self) -> None:
        self.papers.focus()
        self.set_interval(1.0, self._check_other_instances)
        self.refresh_views()
        self.run_search()
        self.count_alerts()

    def _row_data(self, paper_id: str) -> RowData | None:
        # A redo of a removal takes papers out on the writer thread before this screen hears of it.
        paper = self._paper(paper_id)
        return RowData(paper, self.library.state_of(paper_id)) if paper is not None else None

    def _paper(self, paper_id: str) -> Paper | None:
        """The paper, or None if it is gone or cannot be read: a record damaged on disk
        is read again from library.json in a worker (seconds at 100k papers: not while
        drawing), once, the status line saying so; the screen goes on drawing meanwhile."""
        try:
            return self.library.papers.get_unrescued(paper_id)
        except Damaged:
            if self._rescue is None:
                library_file = self.library.store.library_path.name
                self.update_status(f"a paper file is damaged: reading the papers again from {library_file}…")
                self._rescue = self._rescue_papers(paper_id)
            return None

    @work(thread=True, group="rescue")
    def _rescue_papers(self, paper_id: str) -> None:
        library = self.library
        try:
            library.papers.get(paper_id)  # read here, a damaged record is rescued (see papertable)
        except (StoreError, Damaged) as error:  # library.json damaged too: reader recover is the way out
            self.post_message(PapersRescued(library.take_warnings(), str(error)))
            return
        self.post_message(PapersRescued(library.take_warnings()))

    def on_papers_rescued(self, rescued: PapersRescued) -> None:
        for warning in rescued.warnings:
            self.notify(warning, title="Paper file", severity="warning", timeout=15, markup=False)
        if rescued.error is not None:
            self.notify(rescued.error, title="Could not read a paper", severity="error", timeout=30, markup=False)
        else:
            self._rescue = None  # damage found later (another paper file) is rescued as this was
        self.papers.repaint_rows()
        self._show_current()
        self.update_status()

    # -- views ---------------------------------------------------------------------------

    def on_sidebar_picked(self, picked: Sidebar.Picked) -> None:
        self.show_view(picked.view)

    def show_view(self, view: View) -> None:
        self.view = view
        if isinstance(view, Saved):
            self.search_opened(view.name)
        self.refresh_views()
        self.run_search()
        self.papers.focus()

    def palette_views(self) -> list[View]:
        """The views the palette offers: the standard ones and a view per tag."""
        return [*STANDARD, *(Tag(tag) for tag in sorted(self.library.tag_counts()))]

    # -- search --------------------------------------------------------------------------

    @on(Input.Changed, "#search")
    def _search_changed(self) -> None:
        self.run_search()

    @on(Input.Submitted, "#search")
    def _search_submitted(self) -> None:
        self.papers.focus()

    def run_search(self) -> None:
        if isinstance(self.view, RelatedTo):
            # typing a search leaves the related list for the view it came from
            self.view = self.view.back
            self.refresh_views()
        self._new_search()
        query = self.effective_query()
        self._search_waits = not self.library.index_ready and not self.library.lists_without_index(query, self.sort)
        if self._search_waits:  # the list shown stays until the search can run
            self._build_index()
            self.update_status(self._after_search)  # a removal's "u to undo" now, not once the index is built
            return
        self._asked_at = monotonic()
        self._start_search(query, self.result, self.sort, typing=True)

    def _build_index(self) -> None:
        """Build the search index in a worker, unless that is under way. Started once a
        list is shown (or a search waits for it): the build holds the GIL for most of
        its run, and begun beside the first list's worker it kept that list off the
        screen for as long (100k papers: the list 18.5 s after the start, not 5.5)."""
        if not self._indexing:
            self._indexing = True
            self._index_in_worker()

    @work(thread=True, group="index")
    def _index_in_worker(self) -> None:
        library = self.library
        try:
            library.index  # noqa: B018 (the property builds the search index)
        except (StoreError, LibraryError) as error:
            self.post_message(IndexReady([], str(error)))
            return
        self.post_message(IndexReady(library.take_warnings()))

    def on_index_ready(self, ready: IndexReady) -> None:
        self._indexing = False
        for warning in ready.warnings:
            self.notify(warning, title="Search index", severity="warning", timeout=15, markup=False)
        if ready.error is not None:  # the next search that needs the index tries again
            self.notify(ready.error, title="Search index not built", severity="error", timeout=30, markup=False)
            self._search_waits = False
            self.update_status()
        elif self._search_waits or not self.library.index_ready:  # papers changed meanwhile: built again
            self.run_search()
        else:
            self.status.aside_over("search ready")

    def update_status(self, message: str | None = None, aside: str | None = None) -> None:
        if aside is None and self._indexing:
            aside = self._waiting_for_index()
        super().update_status(message, aside)

    def _waiting_for_index(self) -> str:
        """What waits for the index being built: a typed search, else the list's order
        (only the index gives it), else nothing but the search itself."""
        if not self._search_waits:
            return "building the search index…"
        return "search runs once the index is built…" if self.search_box.value.strip() else "sorted once the index is built…"

    def _new_search(self) -> None:
        """A search or list that replaces the last: its results and pause are over."""
        self._search_generation += 1
        if self._closest_timer is not None:
            self._closest_timer.stop()
            self._closest_timer = None
        self._searched()

    def _start_search(self, query: str, previous: SearchResult | None, sort: Sort, *, typing: bool, said: bool = True) -> None:
        """The search of this generation, in a worker; if `said`, said to be under way
        should it take a while."""
        self._searched()
        self._search(query, self._search_generation, previous, sort, typing=typing)
        if said:
            self._searching_timer = self.set_timer(self.SEARCHING_SAID_AFTER, self._say_searching)

    def _say_searching(self) -> None:
        self._searching_timer = None
        self.update_status("searching…")

    def _searched(self) -> None:
        """The search under way is done, or no longer wanted: not to be said as under way."""
        if self._searching_timer is not None:
            self._searching_timer.stop()
            self._searching_timer = None

    # A description of its own: Textual's default is the arguments' repr, and the
    # previous result's repr would put every match in order on each keystroke.
    @work(thread=True, exclusive=True, group="search", description="search")
    def _search(self, query: str, generation: int, previous: SearchResult | None, sort: Sort, *, typing: bool) -> None:
        result = self.library.search(query, previous=previous, sort=sort, typing=typing)
        # The first rows put in order here, not by the UI thread drawing them: a ranking
        # sorts a page at a time, after a pass over every match (reader.search.ranking).
        result.ids[:1]
        if not get_current_worker().is_cancelled:
            self.post_message(SearchDone(result, generation, sort))

    def _search_closest(self) -> None:
        """After a typing pause: the search again, with its closest matches."""
        self._closest_timer = None
        # Not said: its list is shown already, and the line says its closest matches are to come.
        self._start_search(self.effective_query(), self.result, self.sort, typing=False, said=False)

    def on_search_done(self, done: SearchDone) -> None:
        if done.generation != self._search_generation:
            return  # a newer keystroke's search is under way: never show a stale list
        self._searched()
        result = done.result
        papers = self.papers
        find, self._find_after_search = self._find_after_search, None
        keep = find or (None if _new_ranking(self.result, result) else papers.current)
        self.result = result if not result.error else None
        if not self.library.index_ready:
            self._build_index()
        self._related = {r.paper_id: r for r in result.alike}
        listed, complete = _without(self._leaving, result.ids, result.complete)
        papers.show(listed, result.terms, keep=keep, closest_from=complete)
        # The order chosen now, but for a list shown while a search waits for the index.
        order = done.sort.shown_as(result.ranked)
        self._newest_first = order is Sort.NEWEST
        self.status.ordered(order.mark)
        self._show_current()
        after = self._after_search
        if after and find and papers.current != find:
            after += " (not in this view)"
        aside = closest_said(result)
        if result.closest_pending:
            aside = "closest matches after a pause"
            # The pause counts from the keystroke: at a million papers the search took a good part of it.
            waited = monotonic() - self._asked_at
            self._closest_timer = self.set_timer(max(0.0, self.CLOSEST_PAUSE - waited), self._search_closest)
        # The closest matches said as an aside: at 80 columns the list's order goes before it.
        self.update_status(result.error or after, aside=None if result.error else aside)
        self._after_search = None

    def action_search(self) -> None:
        if self.focused is self.search_box:
            # `/` is a priority key (reader.actions); in the box it is text (doi:10.1145/…).
            raise SkipAction()
        self.search_box.open()

    def action_escape(self) -> None:
        search = self.search_box
        papers = self.papers
        # The palette's Keys panel: esc closes it, as it does the palette. (Named, not imported:
        # its module imports markdown-it, a fifth of a start's imports.)
        if self.query("HelpPanel"):
            self.app.action_hide_help_panel()
            return
        if self.focused is papers and papers.selected:
            papers.clear_selection()
        elif self.focused is papers and isinstance(self.view, RelatedTo):
            self._find_after_search = self.view.paper_id
            self.show_view(self.view.back)
        elif self.focused is papers and search.value:
            search.value = ""
        papers.focus()

    @property
    def sort(self) -> Sort:
        return self._sorts.get(self.view, Sort.BEST)

    def action_sort(self) -> None:
        """The view's next order; the cursor stays on its paper (as after any search)."""
        if isinstance(self.view, RelatedTo):
            self.update_status("related papers stay most alike first · esc: back")
            return
        ranked = self.result is not None and self.result.ranked
        sort = self.sort.next(ranked)
        self._sorts[self.view] = sort
        self._after_search = f"sorted: {sort.shown_as(ranked).value}"
        self.run_search()

    def action_day(self, older: bool) -> None:
        """To the first paper of the previous, older ([) or next, newer (]) listing day (reader.search.day_step)."""
        papers = self.papers
        if papers.current is None:
            return
        day_of = self._day_of_row()
        ids, cursor = papers.ids, papers.cursor
        if self._listed_by_day():
            step = day_step_by_runs(day_of, len(ids), cursor, older)
            dated = bool(day_of(0))  # the undated come last
        else:
            days = self.library.listing_days(ids)
            row = day_step(days, cursor, older)
            step = None if row is None else (row, days.count(days[row]))
            dated = any(days)
        if step is None:
            edge = "older" if older else "newer"
            self.update_status(f"no {edge} day than {day_of(cursor) or 'the undated papers'}" if dated else UNDATED)
            return
        row, count = step
        papers.top_at(row)
        self.update_status(f"{day_of(row) or 'undated'}: {plural(count, 'paper')}")

    def _day_of_row(self) -> Callable[[int], str]:
        ids, library = self.papers.ids, self.library
        return lambda row: library.listing_days([ids[row]])[0]

    def _listed_by_day(self) -> bool:
        """Is the list newest first, so each day's papers are one run of rows ([ and ]
        then read only the rows of the days they pass)? Not below a divider: closest
        matches are ranked by closeness. Nor before the index is built: the library then
        reads its whole date column for each day asked for, so the list's days are read once."""
        return self._newest_first and self.papers.closest_from is None and self.library.index_ready

    # -- related papers ------------------------------------------------------------------

    def action_related(self) -> None:
        paper_id = self._current_paper()
        if paper_id is not None:
            self.status.update("finding related papers…")
            self._find_related(paper_id)

    @work(thread=True, exclusive=True, group="related")
    def _find_related(self, paper_id: str) -> None:
        self.post_message(RelatedFound(paper_id, self.library.related(paper_id)))

    def on_related_found(self, related: RelatedFound) -> None:
        found = related.found
        if not found:
            self.update_status("no related papers: this one shares no telling words with any other")
            return
        self._related = {r.paper_id: r for r in found}
        back = self.view.back if isinstance(self.view, RelatedTo) else self.view
        self.view = RelatedTo(related.paper_id, back)
        self._new_search()  # a search still under way (or waiting for a pause) must not replace this list
        self.result = None
        terms = frozenset(t for r in found for t in r.shared_terms)
        self.papers.show([r.paper_id for r in found], terms)
        self._newest_first = False
        self.status.ordered("")  # most alike first, as the status line says below
        self.refresh_views()
        self._show_current()
        title = shortened(self.library.get(related.paper_id).title, 36)
        self.update_status(f"related to “{title}”, most alike first · esc: back")

    # -- the current paper ---------------------------------------------------------------

    @on(PaperList.Highlighted)
    def _paper_highlighted(self) -> None:
        self.status.moved(self.papers.current)
        self._show_current()

    def on_screen_suspend(self) -> None:
        self.status.give_way()  # help, the palette or a dialog: the person moved on (StatusLine)

    def _show_current(self) -> None:
        library = self.library
        paper_id = self.papers.current
        view = self.query_one(AbstractView)
        paper = None if paper_id is None else self._paper(paper_id)
        if paper_id is None or paper is None:  # none, removed (see _row_data), or unreadable
            view.show(None, None)
            return
        related = self._related.get(paper_id)
        if related is not None:
            why = f"related: {round(related.score * 100)}% alike · shares " + ", ".join(related.shared_terms)
            view.show(paper, library.state_of(paper_id), frozenset(related.shared_terms), why=why)
            return
        terms = self.result.terms if self.result else frozenset()
        view.show(paper, library.state_of(paper_id), terms)

    @on(PaperList.Opened)
    def _paper_opened(self, event: PaperList.Opened) -> None:
        self.query_one(AbstractView).focus()
        if not self.library.state_of(event.paper_id).read:
            self.save(partial(self.library.set_read, event.paper_id, True), "marked read")

    # -- changes saved, and other readers' ----------------------------------------------

    def on_state_saved(self, saved: StateSaved) -> None:
        self._warn(saved.warnings)
        self._state_changed(saved.said)

    def _warn(self, warnings: list[str]) -> None:
        for warning in warnings:
            self.notify(warning, title="Undo history", severity="warning", timeout=15, markup=False)

    def on_save_failed(self, failed: SaveFailed) -> None:
        self.notify(f"Not saved: {failed.error}", title="Could not save", severity="error", timeout=15, markup=False)
        if failed.gone:  # a removal that failed: its papers are still there
            self._leaving.difference_update(failed.gone)
            self._after_search = "NOT SAVED"
            self.run_search()
        else:
            self.update_status("NOT SAVED")

    # -- removals, undo and redo -----------------------------------------------------

    def papers_leaving(self, ids: list[str]) -> None:
        self._leaving.update(ids)
        self._off_the_list(self._leaving)

    def _off_the_list(self, gone: set[str]) -> None:
        """List the rest, the cursor on the next paper that stays."""
        papers = self.papers
        listed = papers.ids
        closest_from = papers.closest_from if papers.closest_from is not None else len(listed)
        staying = Without(listed, gone)
        row = min(staying.staying_row(papers.cursor), len(staying) - 1)  # the paper after the cursor's, else the last
        keep = staying[row] if row >= 0 else None
        papers.show(staying, papers.terms, keep=keep, closest_from=staying.staying_row(closest_from))

    def on_step_saved(self, saved: StepSaved) -> None:
        """A removal, undo or redo saved: the list follows, and the cursor goes to the
        paper the step changed, named (undo after a restart must show what it did)."""
        self._warn(saved.warnings)
        step, kind = saved.step, saved.kind
        if kind == "removed":
            said = f"removed {plural(len(step.removed), 'paper')} · u to undo" if step else "nothing removed: already gone"
            self._leaving.difference_update(saved.gone)
            self._papers_changed(said)
        elif step is None:
            self._state_changed("nothing to undo" if kind == "undone" else "nothing to redo")
        else:
            self._show_step(kind, step)

    def _show_step(self, kind: str, step: Entry) -> None:
        ids = list(step.removed or step.after)
        paper = (step.removed.get(ids[0]) or self.library.papers.get(ids[0])) if len(ids) == 1 else None
        # "marked read" is "read" here: at 80 columns the title needs the room.
        said = f"{kind}: {(step.said or 'a change').removeprefix('marked ')}"
        if step.removed and kind == "redone":
            self._off_the_list(set(ids))  # already out of the library: the search below cannot find them
            self._papers_changed(self._naming(said, paper))
        elif step.removed:
            self._find_after_search = ids[0]
            self._papers_changed(self._naming(said, paper))
        else:
            rows = rows_of(self.papers.ids, set(ids))
            if rows:
                self.papers.cursor = rows[0]
            listed = bool(rows)
            self._state_changed(self._naming(said, paper, "" if listed else " (not in this view)"))

    def _naming(self, said: str, paper: Paper | None, after: str = "") -> str:
        """`said`, the `paper`'s title cut to the room the status line leaves beside the
        list's count, today's and the pace, then `after`."""
        if paper is None:
            return said + after
        room = self.status.room(len(self.papers.ids)) - len(said + after) - len(" “”")
        return f"{said} “{shortened(paper.title, max(room, SHORTEST_TITLE))}”{after}"

    def _papers_changed(self, said: str) -> None:
        """Papers left or came back: list the view again, then say `said`."""
        self._after_search = said
        self.refresh_views()
        self.run_search()
        self._list_while_waiting()

    def _list_while_waiting(self) -> None:
        """While a search waits for the index being built, a list of the view newest
        first (as a start without the index cached shows it) is listed again, so papers
        that came back (an undo, another reader's import) are in it now, not once the
        index is built. The search waiting runs as before once it is. (Any other list
        shown, a search's, needs the index to place them.)"""
        query, shown = self.view.query, self.result
        listed = shown is not None and shown.query == query.strip() and self._newest_first
        if self._search_waits and listed and self.library.lists_without_index(query, Sort.NEWEST):
            self._start_search(query, None, Sort.NEWEST, typing=False)

    def _state_changed(self, message: str) -> None:
        self.papers.repaint_rows()
        self._show_current()
        self.refresh_views()
        self.update_status(message)

    def _check_other_instances(self) -> None:
        self.writer.write(
            self,
            self.library.reload_state_if_changed,
            lambda changed: StateReloaded() if changed else None,
            lambda error: Refused("Could not reload", str(error)),
            group="reload",
            exclusive=True,
        )
        # One reload at a time: a thread worker cannot be stopped, and reading a
        # large library can take longer than a poll's second.
        if self._papers_reload is None or self._papers_reload.is_finished:
            self._papers_reload = self._reload_papers()

    def on_state_reloaded(self, _: StateReloaded) -> None:
        self._state_changed("updated from another reader")

    @work(thread=True, group="reload-papers")
    def _reload_papers(self, said: str | None = None) -> None:
        try:
            reload = self.library.reload_papers_if_changed()
        except StoreError as error:
            self.post_message(Refused("Could not reload", str(error)))
            return
        if reload is not None:
            self.post_message(PapersReloaded(reload, said))

    def on_papers_reloaded(self, reloaded: PapersReloaded) -> None:
        """Another reader imported: swap its papers in and search again, the cursor
        staying on its paper."""
        library, reload = self.library, reloaded.reload
        library.adopt(reload)
        papers = self.papers
        if reload.gone:  # the rows shown until the search below answers must all exist
            papers.show([pid for pid in papers.ids if pid in library.papers], papers.terms, keep=papers.current)
        if reloaded.said is not None:
            said = reloaded.said
        elif self._fetch_active:
            said = self._fetch_line
        elif reload.new:
            said = f"{reload.new} new paper{'s' if reload.new > 1 else ''} from another reader"
        else:
            said = "papers updated by another reader"
        said = " · ".join([said, *reload.warnings])
        self.refresh_views()
        if isinstance(self.view, RelatedTo):  # the related list stays until esc
            papers.repaint_rows()
            self._show_current()
            self.update_status(said)
        else:
            self._after_search = said
            self.run_search()
            self._list_while_waiting()

    # -- fetching new papers --------------------------------------------------------------

    def _fetching(self) -> bool:
        return self._fetch is not None and not self._fetch.is_finished

    def action_fetch(self) -> None:
        if self._fetching():
            self.notify(f"Already fetching: {self._fetch_line}", timeout=3, markup=False)
            return
        self._fetch_line = "fetching…"
        self._fetch_active = True
        self.update_status(self._fetch_line)
        self._fetch = self._run_fetch()

    @work(thread=True, group="fetch")
    def _run_fetch(self) -> None:
        from reader.fetch import run  # httpx takes a while to import: not at start

        worker = get_current_worker()
        home = self.library.store.home
        warn = lambda line: self.post_message(Refused("Fetch", line, "warning"))  # noqa: E731
        try:
            # A library of its own: its imports reach this screen's as another reader's do.
            library = Library.open(home, seed=False)
            feeds, endpoints, client = run.network(home, warn)
            with client:
                report = run.fetch(
                    library, feeds, client, endpoints, run.today(),
                    progress=lambda line: self.post_message(Progress(f"fetching {line}")),
                    cancelled=lambda: worker.is_cancelled,
                )  # fmt: skip
        except (StoreError, LibraryError) as error:
            self.post_message(Fetched(f"fetch failed: {one_line(str(error))}", [], False, None))
            return
        failures = [f"{feed.feed}: {one_line(feed.failure)}" for feed in report.feeds if feed.failure]
        if report.status == 2:
            said = f"fetch failed, nothing changed: cannot reach {failures[0]}"
        else:
            said = f"fetched: {report.summary() or 'no feeds in settings.toml'}"
        changed = any(feed.new or feed.merged for feed in report.feeds)
        self.post_message(Fetched(said, failures if report.status != 2 else [], changed, report.alerts))

    def on_progress(self, progress: Progress) -> None:
        if self._fetching():
            self._fetch_line = progress.line
        self.update_status(progress.line)

    def on_fetched(self, fetched: Fetched) -> None:
        for failure in fetched.failures:
            self.notify(failure, title="Fetch stopped short", severity="error", timeout=15, markup=False)
        if fetched.alerts is not None:
            self.show_alerts(fetched.alerts)
        self._fetch_line = fetched.said
        self.update_status(fetched.said)
        if fetched.changed:
            self._reload_after_fetch(fetched.said)
        else:
            self._fetch_active = False

    @work(group="fetch-reload")
    async def _reload_after_fetch(self, said: str) -> None:
        """Read what the fetch left now, not at the next poll: after the reload under way
        (it may have read library.json before the fetch's last import)."""
        while self._papers_reload is not None and not self._papers_reload.is_finished:
            await self._papers_reload.wait()
        self._papers_reload = self._reload_papers(said)
        await self._papers_reload.wait()
        self._fetch_active = False
