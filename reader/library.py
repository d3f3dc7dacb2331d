"""The in-memory library the app and the CLI share: papers, state, import, search."""

from __future__ import annotations

import os
import threading
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from reader import citation, clock, history, paperkeys
from reader.fetch import ledger
from reader.files import StoreError, home_lock, resolve_home, write_atomically
from reader.importing import Importing, no_collector_pauses
from reader.models import BLANK_STATE, Paper, PaperState, Source
from reader.paperkeys import LibraryError
from reader.papertable import PaperTable
from reader.query import QueryError, asks_similar, parse_query, split_similar
from reader.related import Related, RelatedIndex
from reader.resources import resource_dir
from reader.search import SearchIndex, SearchResult, Sort
from reader.search.evaluation import state_test
from reader.search.ranking import listing_day, newest_first_of_dates
from reader.store import Layout, Store
from reader.text import plural


def bundled_data() -> Path:
    """The demo dumps a new home opened to look at starts with."""
    return resource_dir("data")


NOTHING_REMOVABLE = "every paper found also came from another source; nothing removed"
"""What a removal (the CLI's or the palette's demo one) says when `removable` or `demo_papers` keeps none."""


class Library(Importing):
    def __init__(self, store: Store, papers: PaperTable | Iterable[Paper], states: dict[str, PaperState]):
        self.store = store
        # Read from the paper file as asked for (see papertable): a start decodes none.
        self.papers = papers if isinstance(papers, PaperTable) else PaperTable.of(papers)
        self._alias_map: dict[str, str] | None = None
        self._keys_of: defaultdict[str, list[str]] | None = None  # see _key_groups
        self.states = states
        # The state-file version `states` reflects (see Store.synced_signature).
        self._state_signature: str | tuple[str, str] | None = store.synced_signature
        self._index: SearchIndex | None = None
        self._index_lock = threading.Lock()  # one build at a time, whichever thread asks first
        self._related: RelatedIndex | None = None
        self._announce: Callable[[str], None] | None = None
        self._warnings: list[str] = []
        store.warn = self._warn  # a paper file found damaged as its papers are read
        self._unreadable_library: Layout | None = None  # a library already reported
        self.seeded = False  # filled with the demo just now (see open)
        self._keys: paperkeys.Keys | None = None  # see open_for_state

    @classmethod
    def open(cls, home: str | Path | None = None, *, seed: bool = True, announce: Callable[[str], None] | None = None) -> Library:
        """Open a home; a home with no library yet gets the bundled demo dumps unless
        `seed` is off (an import or a fetch into a new home: it holds what was asked
        for). `seeded` says whether it just got them (`demo_note` tells the person).

        `announce(what)` is told of each slow step before it starts (reading
        library.json without its paper file, building the search index), so a
        person waiting knows why. A damaged cache, ignored and rebuilt, is a
        warning (see take_warnings)."""
        store = Store(resolve_home(home))
        first_run = not store.has_library
        noted: list[str] = []
        with no_collector_pauses():
            library = cls(store, store.load_table(announce, noted.append), store.load_states())
        library._announce = announce
        library._warnings += noted
        if first_run and seed:
            library.import_paths([bundled_data()])
            library.seeded = True
        return library

    @classmethod
    def open_for_state(cls, home: str | Path | None = None, *, seed: bool = True) -> Library:
        """A library for changing some papers' state and nothing else (`reader bookmark
        ID`): it knows its papers by the keys file (`paperkeys`), not in memory, so
        `resolve`, `state_of` and the intents work and nothing that reads papers does.
        With no usable keys file, the library is loaded as `open` does, and the keys
        file written for the next call."""
        store = Store(resolve_home(home))
        keys = store.load_keys()
        if keys is None:
            library = cls.open(home, seed=seed)
            # Reading library.json (no paper file) has written the keys file already.
            library.store.save_loaded_keys(library.papers.values())
            return library
        library = cls(store, (), store.load_states())
        library._keys = keys
        return library

    def demo_note(self) -> str:
        return (
            f"demo library: {plural(len(self.demo_papers()), 'bundled paper')}; "
            "reader import FILE adds yours, reader remove --demo takes these out"
        )

    # -- lookup ----------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.papers)

    def get(self, paper_id: str) -> Paper:
        return self.papers[paper_id]

    def resolve(self, text: str) -> str:
        """A paper id from what a person typed: an id, an arXiv id, or a unique id prefix."""
        if self._keys is not None:
            return paperkeys.resolve(text, self._keys.alias, self._keys.ids_starting)
        return paperkeys.resolve(
            text,
            lambda key: key if key in self.papers else self._aliases.get(key),
            lambda prefix: [pid for pid in self.papers if pid.startswith(prefix)],
        )

    def state_of(self, paper_id: str) -> PaperState:
        return self.states.get(paper_id, BLANK_STATE)

    def tag_counts(self) -> Counter[str]:
        return Counter(tag for state in self.states.values() for tag in state.tags)

    def view_counts(self) -> dict[str, int]:
        states = [s for pid, s in self.states.items() if pid in self.papers]
        return {
            "all": len(self.papers),
            "inbox": len(self.papers) - sum(1 for s in states if not s.in_inbox),
            "unread": len(self.papers) - sum(1 for s in states if s.read),
            "bookmarked": sum(1 for s in states if s.bookmarked),
        }

    def decided_per_day(self) -> Counter[str]:
        """Papers taken out of the inbox, by the local day (clock.local_day) of their last change."""
        decided = (s for pid, s in self.states.items() if s.updated and not s.in_inbox and pid in self.papers)
        days = (clock.local_day(s.updated) for s in decided if s.updated)
        return Counter(day for day in days if day)

    def source_counts(self) -> Counter[str]:
        """Papers per source file (a paper found in two files counts in both)."""
        return Counter(
            Path(src.file).name for paper in self.papers.values() for src in {s.file: s for s in paper.sources}.values()
        )

    # -- saved searches ------------------------------------------------------------

    def saved_searches(self) -> dict[str, str]:
        """name -> query, in the order they were saved (1-9 in the app recall the first nine)."""
        return self.store.load_searches()

    def save_search(self, name: str, query: str) -> None:
        name = " ".join(name.split())
        if not name:
            raise LibraryError("a saved search needs a name")
        self.store.change_searches(lambda searches: {**searches, name: query.strip()})

    def delete_search(self, name: str) -> bool:
        gone: list[str] = []

        def without(searches: dict[str, str]) -> dict[str, str]:
            gone.extend(n for n in searches if n == name)
            return {n: q for n, q in searches.items() if n != name}

        self.store.change_searches(without)
        return bool(gone)

    def mark_search_opened(self, name: str) -> None:
        """The saved search `name` was opened: its alert counts papers fetched from now on."""
        ledger.mark_opened(self.store, name, self.saved_searches())

    def search_alerts(self) -> dict[str, int]:
        """Saved search name -> how many papers it matches that were fetched since it was
        last opened ("mamba +3"), for those with any. Runs each search: call it from a worker."""
        searches = self.saved_searches()
        arrived = ledger.arrived_since_opened(self.store, searches)
        counts = {}
        for name, query in searches.items():
            if arrived[name] and (count := sum(1 for pid in self.search(query).ids if pid in arrived[name])):
                counts[name] = count
        return counts

    # -- state -------------------------------------------------------------------

    def change(self, paper_id: str, change: Callable[[PaperState], PaperState], said: str = "") -> PaperState:
        """Persist one change; the in-memory state follows only once it is on disk."""
        return self.change_many({paper_id: change}, said)[paper_id]

    def change_many(self, changes: Mapping[str, Callable[[PaperState], PaperState]], said: str = "") -> dict[str, PaperState]:
        """Persist several papers' changes in one write, as one step `undo` takes back.
        Every paper's state as saved."""
        return self._apply(changes, said)[0]

    def _apply(
        self, changes: Mapping[str, Callable[[PaperState], PaperState]], said: str
    ) -> tuple[dict[str, PaperState], dict[str, PaperState]]:
        """(every paper's state as saved, the states of those this changed)."""
        changed: dict[str, PaperState] = {}

        def journal(diff: dict[str, tuple[PaperState, PaperState]]) -> None:
            if diff:
                before = {pid: pair[0] for pid, pair in diff.items()}
                after = {pid: pair[1] for pid, pair in diff.items()}
                changed.update(after)
                entry = history.Entry(history.new_number(), said, before, after)
                unsaid = "this change is saved but cannot be undone"
                if self._write_history(lambda: history.record(self._history, entry, clock.now()), unsaid):
                    history.compact(self._history, clock.now(), write_atomically)

        return self._commit(self.store.change_states(changes, journal=journal)), changed

    def undo(self) -> history.Entry | None:
        """Take back the home's latest step (any instance's); None if there is none."""
        return self._travel("undo")

    def redo(self) -> history.Entry | None:
        return self._travel("redo")

    def _warn(self, line: str) -> None:
        self._warnings.append(line)  # not a bound append: take_warnings swaps the list

    def take_warnings(self) -> list[str]:
        """What went wrong without stopping a change (a step the history could not
        record, damaged history lines, a damaged cache rebuilt), each said once."""
        warnings, self._warnings = self._warnings, []
        return warnings

    @property
    def _history(self) -> Path:
        return self.store.home / history.HISTORY_FILE

    def _travel(self, kind: str) -> history.Entry | None:
        path = self._history
        with home_lock(self.store.home):  # the step read is the step taken
            try:
                stacks = history.read(path)
            except OSError as error:
                raise StoreError(
                    f"{path}: cannot be read ({error.strerror or error}); nothing was {kind}ne. "
                    f"Changes are still saved; to start a new undo history, move that file away."
                ) from error
            if stacks.damaged:
                lines = f"{stacks.damaged} damaged line" + ("s" if stacks.damaged > 1 else "")
                self._warnings.append(
                    f"{path}: {lines} skipped (cut short by a crash or a full disk); those steps cannot be undone"
                )
            stack = stacks.undo if kind == "undo" else stacks.redo
            entry = stack[-1] if stack else None
            if entry is not None:
                target = entry.before if kind == "undo" else entry.after
                if entry.removed and kind == "undo":  # the papers come back before their states
                    self._put_back(entry.removed, entry.places)
                elif entry.removed:
                    self._take_out(entry.removed)
                unsaid = f"the {kind} is saved, but the next {'u' if kind == 'undo' else 'ctrl+r'} may repeat it"
                number = entry.number

                def moved(_diff: dict[str, tuple[PaperState, PaperState]]) -> None:
                    self._write_history(lambda: history.record_move(path, kind, number, clock.now()), unsaid)

                self._commit(self.store.change_states({pid: _becomes(t) for pid, t in target.items()}, journal=moved))
                (stacks.redo if kind == "undo" else stacks.undo).append(stack.pop())
            if stacks.long:  # damaged lines go too: said once
                history.compact(path, clock.now(), write_atomically, stacks)
        return entry

    # -- removal -------------------------------------------------------------------

    def remove(self, paper_ids: Iterable[str], said: str = "removed") -> history.Entry | None:
        """Take papers out of library.json, as one step `undo` puts back: the step
        keeps the papers and their states (blanked here, so a later import of the same
        paper starts afresh). None if none of them is in the library."""
        removed = {pid: self.papers[pid] for pid in dict.fromkeys(paper_ids) if pid in self.papers}
        if not removed:
            return None
        places = {pid: place for place, pid in enumerate(self.papers) if pid in removed}
        made: list[history.Entry] = []

        def journal(diff: dict[str, tuple[PaperState, PaperState]]) -> None:
            before = {pid: pair[0] for pid, pair in diff.items()}
            after = {pid: pair[1] for pid, pair in diff.items()}
            made.append(history.Entry(history.new_number(), said, before, after, removed, places))
            unsaid = "the papers are removed, but the removal cannot be undone"
            if self._write_history(lambda: history.record(self._history, made[0], clock.now()), unsaid):
                history.compact(self._history, clock.now(), write_atomically)

        with home_lock(self.store.home):  # no change of state between the papers going and their states
            self.reload_state_if_changed()
            self._take_out(removed)
            # Only papers with a state have one to blank (and to keep in the step).
            stated = [pid for pid in removed if pid in self.states]
            self._commit(self.store.change_states({pid: lambda _s: BLANK_STATE for pid in stated}, journal=journal))
        return made[0]

    def removable(self, paper_ids: Iterable[str], query: str) -> list[str]:
        """The papers a removal by `query` takes: those it found, but with `src:` in it
        only those every source of which it names. A paper also imported from another
        file stays (`reader remove src:colt23` leaves colt23's papers you also have
        from elsewhere)."""
        named = [
            atom.value
            for clause in parse_query(query).clauses
            if not clause.negated
            for atom in clause.atoms
            if atom.field == "src"
        ]
        if not named:
            return list(paper_ids)
        return [
            pid for pid in paper_ids if all(any(value in _source_line(s) for value in named) for s in self.papers[pid].sources)
        ]

    def demo_papers(self) -> list[str]:
        """The papers that came only from the bundled demo files."""
        bundled = {path.name for path in bundled_data().iterdir()}
        return [pid for pid, paper in self.papers.items() if paper.sources and all(s.file in bundled for s in paper.sources)]

    def compact(self) -> int:
        """Merge the library's segments into library.json (see `reader.store`); how many there were.
        The papers and their order stay, so the search index does: it is kept under
        the library's new content id, not built again at the next start."""
        segments = len(self.store.segment_ids)
        if segments:
            index = self.index
            # Rebased onto another process's import, the papers are not the index's.
            if not self._rewrite_papers(lambda papers: papers) and self.store.content_id is not None:
                index.save(self.store.home, self.store.content_id)
                self._index = index
        return segments

    def _take_out(self, removed: Mapping[str, Paper]) -> None:
        self._rewrite_papers(lambda papers: [p for p in papers if p.id not in removed])

    def _put_back(self, removed: Mapping[str, Paper], places: Mapping[str, int]) -> None:
        """The removed papers at their `places` (those with none at the end), each merged
        into any copy imported since (which keeps its own place)."""

        def with_them(papers: list[Paper]) -> list[Paper]:
            table = {paper.id: paper for paper in papers}
            back = []
            for pid, paper in removed.items():
                if pid in table:
                    table[pid] = table[pid].merged(paper)
                else:
                    back.append((places.get(pid, len(table) + len(removed)), paper))
            return _placed(list(table.values()), back)

        self._rewrite_papers(with_them)

    def _rewrite_papers(self, change: Callable[[list[Paper]], list[Paper]]) -> bool:
        """Save `change` of the library (of the one on disk, if another process replaced
        it: then True); the indexes are built again at their next use."""
        written: list[Paper] = []
        rebased: list[bool] = []

        def rebase(theirs: list[Paper]) -> list[Paper]:
            rebased.append(True)
            written[:] = change(theirs)
            return written

        written[:] = change(list(self.papers.values()))
        saved = self.store.save_papers(list(written), rebase)
        self.papers, self._alias_map, self._keys_of = saved or PaperTable.of(written), None, None
        self._index = self._related = None
        return bool(rebased)

    def _write_history(self, append: Callable[[], bool], unsaid: str) -> bool:
        """Record a saved change with `append` (True: the file is due a compaction).
        A history that cannot be written costs the undo, not the change, and the
        person is told (`unsaid`: what it costs)."""
        try:
            return append()
        except OSError as error:
            self._warnings.append(f"{self._history}: not written ({error.strerror or error}); {unsaid}")
            return False

    def _commit(self, saved: dict[str, PaperState]) -> dict[str, PaperState]:
        self.states.update(saved)
        self._state_signature = self.store.synced_signature
        return saved

    # -- citation keys -------------------------------------------------------------

    def keyed(self, paper_ids: Sequence[str]) -> list[tuple[Paper, PaperState]]:
        """(paper, state) for an export or a copy, every state with its citation key.

        A paper's key is chosen at its first export or copy (`citation.citation_key`),
        saved in the state with the others of this export in one write, and never
        changed again but by the person (`rename_key`). On a clash the paper that came
        first into this home keeps the bare key and the later ones get b, c...,
        whichever is exported first: so `openai2023gpt` is the same key alone or
        beside its twin, and the twin's is always `openai2023gptb`.
        """
        self.reload_state_if_changed()  # keys another process gave meanwhile are taken
        taken = {state.key.casefold() for state in self.states.values() if state.key}
        chosen: dict[str, str] = {}
        for paper_id in paper_ids:
            if self.state_of(paper_id).key or paper_id in chosen:
                continue
            base = citation.citation_key(self.papers[paper_id])
            twins = self._key_groups()[base]
            earlier = twins[: twins.index(paper_id) + 1]  # a twin that came first gets its key now too
            unkeyed = [pid for pid in earlier if not self.state_of(pid).key and pid not in chosen]
            chosen.update(citation.first_keys(base, unkeyed, taken))
        if chosen:
            # Not a step of the undo history: a key once handed out must keep naming its paper.
            self._commit(self.store.change_states({pid: _with_key(key) for pid, key in chosen.items()}))
        return [(self.papers[pid], self.state_of(pid)) for pid in paper_ids]

    def _key_groups(self) -> dict[str, list[str]]:
        """Every paper's id under its `citation.citation_key`, in the order they came
        (~2 s at 100k papers, so made once, at the first export or copy)."""
        if self._keys_of is None:
            groups: defaultdict[str, list[str]] = defaultdict(list)
            for paper in self.papers.values():
                groups[citation.citation_key(paper)].append(paper.id)
            self._keys_of = groups
        return self._keys_of

    def rename_key(self, paper_id: str, key: str) -> str:
        """Give a paper the citation key the person chose (export uses it from now on)."""
        key = key.strip()
        if problem := citation.key_problem(key):
            raise LibraryError(f"{key!r}: {problem}")
        self.reload_state_if_changed()
        owner = next((pid for pid, s in self.states.items() if s.key and s.key.casefold() == key.casefold()), None)
        if owner not in (None, paper_id):
            raise LibraryError(f"{key!r} is already the key of {owner}; choose another")
        self._commit(self.store.change_states({paper_id: lambda s: replace(s, key=key)}))
        return key

    # -- intents: what a person asks for, the same from the app and the CLI ----------
    # Each is one undoable step over the papers given, saved before it returns,
    # and returns the new states of the papers it changed (those already so are not).

    def bookmark(self, ids: Sequence[str], value: bool = True) -> dict[str, PaperState]:
        """Bookmark the papers (with `value` False: take their bookmarks away)."""
        return self._intent(ids, lambda s: replace(s, bookmarked=value), "bookmarked" if value else "bookmark removed")

    def mark_read(self, ids: Sequence[str], value: bool = True) -> dict[str, PaperState]:
        return self._intent(ids, lambda s: replace(s, read=value), "marked read" if value else "marked unread")

    def dismiss(self, ids: Sequence[str]) -> dict[str, PaperState]:
        """Read and not wanted: out of the inbox for good."""
        return self._intent(ids, lambda s: replace(s, read=True, dismissed=True), "dismissed")

    def tag(self, ids: Sequence[str], add: Iterable[str] = (), remove: Iterable[str] = ()) -> dict[str, PaperState]:
        """Add and remove tags (normalised: `Reading List` is `reading-list`)."""
        add, remove = list(add), list(remove)
        words = [f"+{normalise_tag(t)}" for t in add] + [f"-{normalise_tag(t)}" for t in remove]
        return self._intent(ids, with_tags(add, remove), "tags " + " ".join(words))

    def set_note(self, paper_id: str, text: str) -> dict[str, PaperState]:
        """The paper's note is `text` (blank: no note)."""
        text = text.strip()
        return self._intent([paper_id], lambda s: replace(s, note=text), "note" if text else "note removed")

    def _intent(self, ids: Sequence[str], change: Callable[[PaperState], PaperState], said: str) -> dict[str, PaperState]:
        many = f" ({len(ids)} papers)" if len(ids) > 1 else ""
        return self._apply(dict.fromkeys(ids, change), said + many)[1]

    def set_bookmarked(self, paper_id: str, value: bool = True) -> PaperState:
        self.bookmark([paper_id], value)
        return self.state_of(paper_id)

    def set_read(self, paper_id: str, value: bool = True) -> PaperState:
        self.mark_read([paper_id], value)
        return self.state_of(paper_id)

    def add_tags(self, paper_id: str, tags: Iterable[str]) -> PaperState:
        return self.change(paper_id, with_tags(tags, ()), "tagged")

    def remove_tags(self, paper_id: str, tags: Iterable[str]) -> PaperState:
        return self.change(paper_id, with_tags((), tags), "untagged")

    def rename_tag(self, old: str, new: str) -> int:
        """Rename a tag on every paper (into an existing tag: a merge), as one step.
        How many papers changed."""
        old, new = normalise_tag(old), normalise_tag(new)
        if not old or not new or old == new:
            return 0
        having = [pid for pid, state in self.states.items() if old in state.tags]
        rename = lambda s: replace(s, tags=tuple(dict.fromkeys(new if t == old else t for t in s.tags)))  # noqa: E731
        return len(self.change_many({pid: rename for pid in having}, f"tag {old} renamed {new}"))

    def reload_state_if_changed(self) -> bool:
        """Pick up changes another process saved; True if there were any."""
        signature = self.store.state_signature
        if signature == self._state_signature:
            return False
        try:
            self.states = self.store.load_states()
        except StoreError:
            self._state_signature = signature  # say it once, not on every poll
            raise
        self._state_signature = self.store.synced_signature
        return True

    # -- search ------------------------------------------------------------------

    @property
    def index(self) -> SearchIndex:
        """Built (or read back) on first use, by whichever thread asks first; the others wait for it."""
        with self._index_lock:
            index = self._index
            if index is None:
                papers = self.papers
                # Cached in the home, keyed by the library's content: a restart at 100k
                # papers reads the index back instead of rebuilding it.
                with no_collector_pauses():
                    index = SearchIndex(
                        papers.in_order(),  # decoded as read: a start with the index cached reads none
                        cache_dir=self.store.home,
                        fingerprint=self.store.content_id,
                        announce=self._announce,
                        note=self._warn,
                    )
                if self.papers is papers:  # else a removal or a reload came meanwhile: built again at the next use
                    self._index = index
            return index

    @property
    def index_ready(self) -> bool:
        """Is the search index built (or read back)? Until then, `search` answers only
        what `listed_without_index` can."""
        return self._index is not None

    def read_index_cache(self) -> bool:
        """Read the search index back if the home holds this library's, in this reader's
        format; False, having built nothing, if not. A file of an older reader's format
        (or a damaged one) is no cache: the caller lists the papers before a build."""
        with self._index_lock:
            if self._index is None and self.store.content_id is not None:
                papers = self.papers
                with no_collector_pauses():
                    index = SearchIndex.cached(
                        papers.in_order(), cache_dir=self.store.home, fingerprint=self.store.content_id,
                        note=self._warn,
                    )  # fmt: skip
                if index is not None and self.papers is papers:
                    self._index = index
            return self._index is not None

    def lists_without_index(self, query: str, sort: Sort) -> bool:
        """Can `listed_without_index` answer `query` in `sort`'s order?"""
        return sort.shown_as(ranked=False) is Sort.NEWEST and _state_tests(query) is not None

    def listed_without_index(self, query: str, sort: Sort = Sort.BEST, limit: int | None = None) -> SearchResult | None:
        """What the search index lists for a view (every paper, or those a state filter
        such as is:inbox or tag:x keeps), newest first, worked out from the papers'
        dates and states alone: a library opened without its index cached is listed
        in seconds, while the index takes minutes at a million papers. None for any
        other query or order (`lists_without_index`)."""
        tests = _state_tests(query)
        if tests is None or sort.shown_as(ranked=False) is not Sort.NEWEST:
            return None
        ids = self.papers.ids()
        order = newest_first_of_dates(self.papers.dates())  # from the paper files' date column: no paper decoded
        if tests:
            # Only papers with a saved state can differ from blank (as the index's filters reckon).
            blank = all(test(BLANK_STATE) for test in tests)
            kept = np.full(len(ids), blank)
            for row, pid in enumerate(ids):
                if (state := self.states.get(pid)) is not None:
                    kept[row] = all(test(state) for test in tests)
            order = order[kept[order]]
        listed = [ids[row] for row in order[:limit].tolist()]
        return SearchResult(query, listed, [0.0] * len(listed), frozenset(), total=len(order), complete=len(listed))

    def related(self, paper_id: str, limit: int = 20) -> list[Related]:
        """Papers most like this one by their words."""
        return self._related_index().related(paper_id, limit)

    def _related_index(self) -> RelatedIndex:
        """Made on first use (most sessions never ask), over the search index, and again
        over another one (an index built while the papers changed is not the library's)."""
        index = self.index
        if self._related is None or self._related.indexed is not index:
            with no_collector_pauses():
                self._related = RelatedIndex(index)
        return self._related

    def search(
        self,
        query: str,
        previous: SearchResult | None = None,
        limit: int | None = None,
        sort: Sort = Sort.BEST,
        *,
        typing: bool = False,
    ) -> SearchResult:
        """`typing`: a keystroke's search; in a library so large that closest matches
        wait for a typing pause (SearchIndex.closest_waits), they are left out, and
        the result says so (`closest_pending`)."""
        if asks_similar(query):
            return self._similar(query, limit, sort)
        if self._index is None and (listed := self.listed_without_index(query, sort, limit)) is not None:
            return listed
        index = self.index
        # Only papers with a saved state can differ from blank: is:/tag: filters look at
        # those instead of asking about all 100k. (A copy: the writer thread may add one.)
        return index.search(
            query, self.state_of, previous=previous, limit=limit, stateful_ids=list(self.states), sort=sort,
            closest=not (typing and index.closest_waits),
        )  # fmt: skip

    def listing_days(self, paper_ids: Sequence[str]) -> list[str]:
        """The day each paper was published or listed (`[` and `]` step between them)."""
        if self._index is None:  # from the paper files' date column: the index takes minutes to build at a million
            day_of = dict(zip(self.papers.ids(), self.papers.dates(), strict=True))
            return [listing_day(day_of[pid]) if pid in day_of else "" for pid in paper_ids]
        return self.index.listing_days(paper_ids)

    def _similar(self, query: str, limit: int | None, sort: Sort) -> SearchResult:
        """`~text`: the papers most like the text, as related papers are found, among
        those the clauses before the `~` match; the words they share with it are
        highlighted, and each paper's `alike` says which weigh most. `sort` reorders
        the most alike."""
        try:
            parsed = parse_query(query)
        except QueryError as error:
            return SearchResult(query, (), (), frozenset(), error=str(error))
        wanted = limit or SIMILAR_PAGE
        if not parsed.clauses:
            found = self._related_index().similar_to_text(parsed.similar, wanted)
        else:
            head, _ = split_similar(query) or ("", "")
            within = self.search(head)
            allowed = set(within.ids[: within.complete])
            pool = self._related_index().similar_to_text(parsed.similar, max(wanted, SIMILAR_POOL))
            found = [r for r in pool if r.paper_id in allowed][:wanted]
        if sort is not Sort.BEST:
            place = self.index.place_of(sort)
            found.sort(key=lambda r: place(r.paper_id))
        terms = self._related_index().telling_words(parsed.similar) if found else frozenset()
        ids, scores = tuple(r.paper_id for r in found), tuple(r.score for r in found)
        return SearchResult(query, ids, scores, terms, total=len(ids), complete=len(ids), alike=tuple(found))


SIMILAR_PAGE = 100
"""Papers a `~text` search lists when no limit is asked for."""
SIMILAR_POOL = 1000
"""The most similar papers a filtered `~text` search (is:inbox ~text) picks from."""


def _state_tests(query: str) -> list[Callable[[PaperState], bool]] | None:
    """The tests of a query made only of state filters (is:inbox, tag:x, note:y; none:
    every paper), each to be passed; None for a query with anything else in it."""
    try:
        parsed = parse_query(query)
    except QueryError:
        return None
    clauses = parsed.clauses
    if parsed.similar or any(c.negated or len(c.atoms) != 1 or c.atoms[0].field not in _STATE_FIELDS for c in clauses):
        return None
    return [state_test(clause.atoms[0]) for clause in clauses]


_STATE_FIELDS = ("is", "tag", "note")  # those state_test answers from a paper's state alone


def _placed(papers: list[Paper], back: list[tuple[int, Paper]]) -> list[Paper]:
    """`papers` with each of `back`'s (place, paper) at its place, in one pass (a
    removal undone may bring back thousands into a hundred thousand)."""
    back.sort(key=lambda pair: pair[0])
    placed: list[Paper] = []
    waiting = iter(back)
    coming = next(waiting, None)
    for paper in papers:
        while coming is not None and coming[0] <= len(placed):
            placed.append(coming[1])
            coming = next(waiting, None)
        placed.append(paper)
    if coming is not None:
        placed.append(coming[1])
    placed.extend(paper for _, paper in waiting)
    return placed


def _with_key(key: str) -> Callable[[PaperState], PaperState]:
    return lambda s: s if s.key else replace(s, key=key)


def with_tags(add: Iterable[str], remove: Iterable[str]) -> Callable[[PaperState], PaperState]:
    """A change that adds and removes tags (normalised; the order of the rest kept)."""
    added = [t for t in (normalise_tag(t) for t in add) if t]
    gone = {normalise_tag(t) for t in remove}
    return lambda s: replace(s, tags=tuple(t for t in dict.fromkeys(s.tags + tuple(added)) if t not in gone))


def _source_line(source: Source) -> str:
    """What `src:` looks in, as the search index has it."""
    return f"{os.path.basename(source.file)} {source.format}".casefold()


def normalise_tag(tag: str) -> str:
    """Tags are single lower-case words: `Reading List` -> `reading-list`."""
    return "-".join(tag.strip().casefold().split())


def _becomes(state: PaperState) -> Callable[[PaperState], PaperState]:
    """A change that sets a paper's state to `state`, whatever it was."""
    return lambda _current: state


__all__ = [
    "Library",
    "LibraryError",
    "StoreError",
    "bundled_data",
    "normalise_tag",
]
