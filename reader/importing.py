"""Import: papers read from files, or fetched, merged into the library and saved.

Each record is merged into the paper it is a copy of (one it shares a key with:
`Paper.keys`), or added (`_merge`, which also says when one file's records of
one title are two works); what changed is saved in one write, a new segment of the
library (see `reader.store`) or library.json whole, rebased onto another process's
import if one wrote first, and the state that came with
the papers is added to the person's in one write of state.json. Another
process's import is picked up by `reload_papers_if_changed` and `adopt`.

Memory. The papers an import adds or changes are kept in a temp file in the home
(`spill`), not in the heap, from the first record on: what merging needs of them
in memory is their keys (the aliases) and ids, and a paper a later record is a copy
of is read back. library.json, the paper file and the index are written from there
one paper at a time; 1M papers held took 7.5 GB at an import's peak.

Cores. A large file is parsed in a child process while this one merges its
records (`ingest.aside`), and the index's workers invert the papers' titles,
abstracts and authors while library.json is written (`search.builder`).
`Importing` is that part of `Library`, which inherits it (kept here: library.py
was too long to read as one); the library's attributes it works on are
declared on it.
"""

from __future__ import annotations

import gc
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from reader import citation, ingest
from reader.files import StoreError
from reader.ingest.aside import read_large_file
from reader.models import Paper, PaperState, Problem, StatedPaper
from reader.paperkeys import Aliases, aliases_of
from reader.papertable import Papers, PaperTable
from reader.related import RelatedIndex
from reader.save_aside import SaveAside
from reader.search import SearchIndex, cache
from reader.snapshot import Decoded
from reader.store import Layout, LibraryVersion, Store


@dataclass
class ImportReport:
    new: int = 0
    merged: int = 0
    unchanged: int = 0
    files: int = 0
    per_format: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)  # the new papers (a fetch's alerts count them)

    @property
    def records(self) -> int:
        return self.new + self.merged + self.unchanged

    def summary(self) -> str:
        return f"{self.new} new, {self.merged} merged, {self.unchanged} unchanged"


@dataclass(frozen=True)
class LibraryReload:
    """The papers another process's import left in library.json, with their index."""

    version: LibraryVersion
    papers: PaperTable
    index: SearchIndex
    new: int  # papers this library did not have
    gone: int  # papers it had that are no longer there (a backup put back)
    warnings: list[str]  # a damaged cache rebuilt on the way, in one line each


Progress = Callable[[int, int, int, str], None]
"""progress(bytes_read, bytes_total, records_read, step), called now and then during an import.
Once every file is read (bytes_read == bytes_total), `step` says what the save does next
("writing library.json"): at 1M papers the save takes over a minute. "" while reading, and once done."""


class Importing:
    """`Library`'s import (a mixin: Library sets these attributes)."""

    store: Store
    papers: PaperTable
    states: dict[str, PaperState]
    _alias_map: dict[str, str] | Aliases | None
    _keys_of: defaultdict[str, list[str]] | None
    _index: SearchIndex | None
    _related: RelatedIndex | None
    _state_signature: str | tuple[str, str] | None
    _unreadable_library: Layout | None

    def import_paths(
        self, paths: Sequence[Path], format: str | None = None, progress: Progress | None = None, *, index: bool = False
    ) -> ImportReport:
        """Read files into the library and save it. With `index`, also build the search
        index and leave it cached in the home, so the next start only reads it."""
        with no_collector_pauses():
            return self._import_paths(paths, format, progress, index)

    def _import_paths(self, paths: Sequence[Path], format: str | None, progress: Progress | None, index: bool) -> ImportReport:
        report = ImportReport()
        papers_before, aliases_before = self.papers.copy(), self._aliases.copy()
        self._spill_changes()
        files, report.problems = ingest.expand_paths(paths)
        report.files = len(files)
        sizes = [_size(path) for path in files]
        total, before = sum(sizes), 0
        changed: dict[str, None] = {}
        arriving_states: dict[str, PaperState] = {}
        owners = self._key_owners()

        def at(position: int) -> None:
            if progress:
                progress(min(before + position, total), total, report.records, "")

        with self._undone_if_unsaved((papers_before, aliases_before)):
            for path, size in zip(files, sizes, strict=True):
                at(0)
                try:
                    for record in read_large_file(path, format, at if progress else None, size):
                        self._take(record, path.name, report, changed, arriving_states, owners)
                except ingest.IngestError as error:
                    # Named once: parsers name the file too, by its name alone.
                    said = str(error).removeprefix(f"{path}: ").removeprefix(f"{path.name}: ")
                    report.problems.append(Problem(str(path), said))
                except StoreError:
                    raise  # the home's disk, not this file: nothing of the import is saved
                except Exception as error:  # noqa: BLE001 - a parser's bug must not end the whole import
                    report.problems.append(Problem(str(path), f"could not be read ({type(error).__name__}: {error})"))
                before += size
        return self._save_import(report, changed, arriving_states, (papers_before, aliases_before), progress, total, index)

    def import_records(self, records: Iterable[Paper | Problem], *, index: bool = False) -> ImportReport:
        """Papers already in memory (a fetched day or page) into the library, saved
        before this returns: a fetch imports each response as it arrives, so one
        broken off keeps what it got. Merged as `import_paths` merges files."""
        with no_collector_pauses():
            report = ImportReport()
            papers_before, aliases_before = self.papers.copy(), self._aliases.copy()
            self._spill_changes()
            changed: dict[str, None] = {}
            arriving_states: dict[str, PaperState] = {}
            owners = self._key_owners()
            with self._undone_if_unsaved((papers_before, aliases_before)):
                for record in records:
                    self._take(record, "fetched", report, changed, arriving_states, owners)
            return self._save_import(report, changed, arriving_states, (papers_before, aliases_before), None, 0, index)

    def _take(
        self,
        record: Paper | StatedPaper | Problem | Decoded,
        file_name: str,
        report: ImportReport,
        changed: dict[str, None],
        arriving_states: dict[str, PaperState],
        owners: dict[str, str],
    ) -> None:
        """Merge one record read from `file_name` (or note why it cannot be used);
        `owners`: the paper each citation key (casefolded) is the key of, so far."""
        if isinstance(record, Problem):
            report.problems.append(record)
            return
        decoded = None
        if isinstance(record, Decoded):
            decoded, record = record, record.paper
        state = None
        if isinstance(record, StatedPaper):
            state = record.state
            record = record.paper
        too_large = oversized(record)
        if too_large:
            where = record.sources[0] if record.sources else None
            report.problems.append(Problem(where.file if where else file_name, too_large, where.position if where else None))
            return
        report.per_format[record.sources[0].format if record.sources else "?"] += 1
        chosen = record.cite_key
        if chosen is not None:
            record = replace(record, cite_key=None)  # state, not a fact of the paper
        paper_id = self._merge(record, report, changed, chosen, arriving_states, decoded)
        if chosen and not citation.key_problem(chosen) and not (state and state.key):
            state = replace(state or PaperState(), key=chosen)
        earlier = arriving_states.get(paper_id)
        if state is not None and state.key:
            # A paper keeps the key it has (in the home, or from its first record here).
            keyed = (earlier and earlier.key) or (paper_id in self.states and self.states[paper_id].key)
            state = replace(state, key=None) if keyed else self._key_if_free(paper_id, state, record, report, owners)
        if state is not None and not state.is_blank:
            arriving_states[paper_id] = merge_states(earlier, state) if earlier else state

    @staticmethod
    def _key_if_free(paper_id: str, state: PaperState, record: Paper, report: ImportReport, owners: dict[str, str]) -> PaperState:
        """`state`, without its key when another paper has that key already (in the home
        or earlier in this import), which the person is told: export then gives the
        paper a key by the usual rule."""
        key = state.key or ""
        owner = owners.setdefault(key.casefold(), paper_id)
        if owner == paper_id:
            return state
        where = record.sources[0] if record.sources else None
        report.problems.append(
            Problem(
                where.file if where else paper_id,
                f"citation key {key!r} is already the key of {owner}; {paper_id} gets its own at export",
                where.position if where else 0,
            )
        )
        return replace(state, key=None)

    def _spill_changes(self) -> None:
        """Keep the papers this import adds or changes in a temp file in the home, not
        in the heap (see `spill`), where one can be made (else in memory, as before)."""
        try:
            self.papers = self.papers.spilling(self.store.home)
        except OSError:
            pass  # a read-only home: saving will say so

    @contextmanager
    def _undone_if_unsaved(self, before: tuple[PaperTable, dict[str, str] | Aliases]) -> Iterator[None]:
        """Go back to the papers and aliases `before` an import if it cannot be saved
        (a StoreError: the home's disk), so memory matches the disk."""
        try:
            yield
        except StoreError:
            self.papers, self._alias_map = before
            raise

    def _key_owners(self) -> dict[str, str]:
        return {s.key.casefold(): pid for pid, s in self.states.items() if s.key}

    def _save_import(
        self,
        report: ImportReport,
        changed: dict[str, None],
        arriving_states: dict[str, PaperState],
        before: tuple[PaperTable, dict[str, str] | Aliases],
        progress: Progress | None,
        total: int,
        index: bool,
    ) -> ImportReport:
        """Save what an import changed (`before`: the papers and aliases to go back
        to if it cannot be saved), keep the indexes up to date, and add the state
        that arrived with the papers."""
        papers_before, aliases_before = before
        if changed:
            step = None if progress is None else partial(progress, total, total, report.records)
            if step:
                step("saving")
            if index and self._index is None:
                self._index = self._cached_index(papers_before)
            pending: SearchIndex | None = None
            moved: dict[str, str] | None = None  # set if another import wrote first: old id -> new id

            def rebase(theirs: list[Paper]) -> list[Paper]:
                nonlocal moved
                moved = self._rebase(theirs, changed, report)
                return list(self.papers.values())

            def records() -> list[Paper]:
                ids = changed if moved is None else dict.fromkeys(moved.get(pid, pid) for pid in changed)
                return [self.papers[pid] for pid in ids]

            aside: SaveAside | None = None
            try:
                with self._undone_if_unsaved(before):
                    if self.store.compaction_due(len(changed), len(self.papers)):
                        # First, to run beside the index's workers while this process gathers the index's facts.
                        aside = SaveAside.start(self.papers, self.store.library_path)
                    if index and self._index is None:
                        # Indexing the abstracts in worker processes while library.json is written
                        # takes seconds off a large import. Of the table itself, not a copy (`in_order`):
                        # merging is over, and a copy of its temp file's places was 0.1 GB at 1M papers.
                        if step:
                            step("indexing")
                        pending = SearchIndex.begin(Papers(self.papers))
                    written = self.store.add_segment(
                        self.papers, records, rebase, self._alias_dict, count=len(changed), announce=step, aside=aside
                    )
            except StoreError:
                if pending is not None:
                    pending.cancel()
                raise
            finally:
                if aside is not None:
                    aside.stop()
            if written is not None:  # the papers as saved, read from their paper file: none held in memory
                # and their keys from the keys file written with them (held, 0.5 GB at 1M papers)
                self.papers, self._alias_map = written, None
            if moved is not None:
                # The indexes know neither the other import's papers nor where this one's
                # went: they are built again when needed (now, if asked to).
                if pending is not None:
                    pending.cancel()
                pending = SearchIndex.begin(Papers(self.papers)) if index else None
                self._index = self._related = None
                arriving_states = {moved.get(pid, pid): state for pid, state in arriving_states.items()}
            else:
                if self._index is not None:
                    if step:
                        step("updating the search index")
                    self._index.add([self.papers[pid] for pid in changed])
                    if index and self.store.content_id is not None:
                        # A segment's papers are written as a delta over the index file: see SearchIndex.save.
                        self._index.save(self.store.home, self.store.content_id, delta=bool(self.store.segment_ids))
                if self._related is not None:  # after the search index, whose postings it reads
                    self._related.add(self.papers[pid] for pid in changed)
            if pending is not None:
                if written is not None and moved is None:
                    # Saved since it was begun: read from the paper file, and the import's
                    # temp file and its places are let go before the postings are gathered.
                    pending.read_from(self.papers.in_order())
                if step:
                    step("finishing the search index")
                self._index = pending.complete(cache_dir=self.store.home, fingerprint=self.store.content_id)
        if arriving_states:
            # One write for all of them: a 10k-paper export is not 10k rewrites of state.json.
            saved = self.store.change_states(
                {pid: partial(merge_states, incoming=state) for pid, state in arriving_states.items()}
            )
            self.states.update(saved)
            self._state_signature = self.store.synced_signature
        if progress:
            progress(total, total, report.records, "")
        return report

    def _cached_index(self, papers: PaperTable) -> SearchIndex | None:
        """The index of `papers`, the library before an import, if its cache is in the
        home: an import then indexes only the papers it adds or changes."""
        content_id = self.store.content_id
        if content_id is None or not cache.cached(self.store.home, content_id):
            return None
        return SearchIndex(papers.in_order(), cache_dir=self.store.home, fingerprint=content_id)

    def _rebase(self, theirs: list[Paper], changed: dict[str, None], report: ImportReport) -> dict[str, str]:
        """Make this import's changes again onto `theirs`, the library another import
        wrote meanwhile, and count them against it. Returns the ids that moved (a
        paper this import added under one id that the other had added under another).

        The counts are exact when each paper came once; a paper that came again
        counts the second time as merged."""
        ours, self.papers, self._alias_map = self.papers, PaperTable.of(theirs), None
        again, moved = ImportReport(), {}
        for paper_id in changed:
            now = self._merge(ours[paper_id], again, {})
            if now != paper_id:
                moved[paper_id] = now
        changed_records = report.new + report.merged
        report.new, report.new_ids = again.new, again.new_ids
        report.unchanged += again.unchanged
        report.merged = changed_records - again.new - again.unchanged
        return moved

    def _merge(
        self,
        incoming: Paper,
        report: ImportReport,
        changed: dict[str, None],
        cite_key: str | None = None,
        arriving: Mapping[str, PaperState] | None = None,
        decoded: Decoded | None = None,
    ) -> str:
        """Merge `incoming` (a record its file calls `cite_key`) into the paper it is a
        copy of, or add it; returns the paper's id. `arriving`: the state this import
        has given papers so far (their keys); `decoded`: the record `incoming` may have
        been decoded from (see `_put`)."""
        keys = incoming.keys  # hashes the title: once per record, not once per use
        *lasting, by_title = keys  # its arXiv id and DOI, then its title
        edition, keyed = edition_id(incoming, by_title), keyed_id(by_title, cite_key)
        if incoming.id.startswith(f"{by_title}/"):
            # A work already split off (being rebased) is never its title's other work.
            candidates: tuple[str, ...] = (*lasting, incoming.id)
        else:
            # Of a title split into works (`_told_apart`), the work of its year or its key.
            candidates = (*lasting, *(k for k in (edition, keyed) if k), by_title)
        existing_id = next(
            (
                self._aliases[k]
                for k in candidates
                if self._same_paper(k, incoming) and not self._told_apart(self._aliases[k], incoming, cite_key, arriving or {})
            ),
            None,
        )
        if existing_id is None:
            if incoming.id in self.papers:
                # Its title's id is the other work's.
                other_year = (self.papers[incoming.id].published or "")[:4]
                year = (incoming.published or "")[:4]
                by_year = edition if edition not in self.papers and other_year and year and other_year != year else None
                split_id = by_year or keyed or edition
                if split_id:
                    incoming = replace(incoming, id=split_id)
            self._put(incoming, keys, decoded)
            changed[incoming.id] = None
            report.new += 1
            report.new_ids.append(incoming.id)
            return incoming.id
        existing = self.papers[existing_id]
        merged = existing.merged(incoming)
        if merged == existing:
            report.unchanged += 1
        else:
            self._put(merged)
            changed[existing_id] = None
            report.merged += 1
        return existing_id

    def _same_paper(self, key: str, incoming: Paper) -> bool:
        """Does `key` name a paper `incoming` is a copy of?

        A shared title is enough only when no two arXiv ids tell them apart
        ("EvTexture" and "EvTexture++" normalise alike but are two papers).
        """
        existing_id = self._aliases.get(key)
        if existing_id is None:
            return False
        known = self.papers[existing_id].arxiv_id
        return not (known and incoming.arxiv_id and known != incoming.arxiv_id)

    def _told_apart(self, existing_id: str, incoming: Paper, cite_key: str | None, arriving: Mapping[str, PaperState]) -> bool:
        """Does the file `incoming` comes from say it is another work than `existing_id`?

        It does when it gave that paper first, under another citation key: a person's
        .bib keeps every entry a .tex may cite, be it a reprint or a translation
        (biblatex's `kullback` of 1959 and `kullback:reprint` of 1997), another
        edition, or the same work entered twice. Against a key an earlier import gave,
        only when the years or DOIs differ too: the same year under a new key is the
        person's renamed entry. Across files a shared title still merges (a preprint
        here, its published version there).
        """
        existing = self.papers[existing_id]
        # Its key is that file's only while the file is where it came first.
        if not (cite_key and incoming.sources and existing.sources and incoming.sources[0].file == existing.sources[0].file):
            return False
        given_now = arriving.get(existing_id)
        state = given_now or self.states.get(existing_id)
        if not (state and state.key) or state.key.casefold() == cite_key.casefold():
            return False
        years = (existing.published or "")[:4], (incoming.published or "")[:4]
        return (
            given_now is not None
            or bool(all(years) and years[0] != years[1])
            or bool(existing.doi and incoming.doi and existing.doi != incoming.doi)
        )

    @property
    def _aliases(self) -> dict[str, str] | Aliases:
        """Every key a paper is known by -> its id; built on first need (import, resolve),
        because hashing 100k titles would otherwise slow every start. Read from the
        keys files while they are those of the papers held (see `Aliases`)."""
        if self._alias_map is None:
            keys = None if self.store.library_replaced() else self.store.load_keys()
            self._alias_map = aliases_of(self.papers.values()) if keys is None else Aliases(keys)
        return self._alias_map

    def _alias_dict(self) -> dict[str, str] | None:
        """The aliases, if they are all in memory (a rewrite of library.json writes them to its keys file)."""
        return self._alias_map if isinstance(self._alias_map, dict) else None

    def _put(self, paper: Paper, keys: tuple[str, ...] | None = None, decoded: Decoded | None = None) -> None:
        """Store `paper`; as `decoded`'s record only when it is the very paper decoded
        from it: one given another id, or rid of its citation key, is another object
        (a test of equality would not do: the key is no part of a paper's)."""
        self.papers.put(paper.id, paper, decoded.record if decoded is not None and decoded.paper is paper else None)
        self._keys_of = None
        aliases = self._aliases
        aliases[paper.id] = paper.id
        for key in paper.keys if keys is None else keys:
            aliases.setdefault(key, paper.id)

    def reload_papers_if_changed(self) -> LibraryReload | None:
        """library.json as another process (an import) left it, read and indexed; None
        while it is the file these papers came from (a stat: poll it freely).

        Slow when there is news (a read, perhaps an index build), so call it in a
        worker: it changes nothing the library shows. `adopt` swaps the result in.
        """
        if not self.store.library_replaced():
            return None
        identity = self.store.layout()
        if identity == self._unreadable_library:
            return None
        noted: list[str] = []  # a damaged cache met on the way, rebuilt
        try:
            with no_collector_pauses():
                version = self.store.read_library(note=noted.append)
                if version.content_id == self.store.content_id:
                    self.store.sync_library(version)  # another file, the same papers
                    return None
                papers = version.papers
                index = SearchIndex(
                    papers.in_order(), cache_dir=self.store.home, fingerprint=version.content_id, note=noted.append
                )
        except StoreError:
            self._unreadable_library = identity  # say it once, not on every poll
            raise
        new = sum(1 for pid in papers if pid not in self.papers)
        gone = sum(1 for pid in self.papers if pid not in papers)
        return LibraryReload(version, papers, index, new, gone, noted)

    def adopt(self, reload: LibraryReload) -> None:
        """Swap in what `reload_papers_if_changed` read, on the thread that shows the
        library, so that nothing shown mixes the old papers with the new."""
        self.papers, self._alias_map, self._keys_of = reload.papers, None, None
        self._index, self._related = reload.index, None  # the related index is rebuilt on its next use
        self.store.sync_library(reload.version)


@contextmanager
def no_collector_pauses() -> Iterator[None]:
    """Load or import millions of long-lived objects without the cyclic collector rescanning them.

    Each collection walks every tracked object, so at 100k papers the passes
    triggered while loading cost more than the loading; afterwards the loaded
    objects are frozen out of later collections too (they live as long as the app).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def edition_id(paper: Paper, by_title: str) -> str | None:
    """The id of a paper known by its title and year (`title:6f0c2922cb86/1997`): the one
    a work gets that its file tells apart from another of its title of another year
    (`_told_apart`), stable on every import, and found by a later record of that title
    and year. `by_title`: its `title_key`, which the caller has (hashing the title
    again cost an import of 100k papers a third of a second)."""
    year = (paper.published or "")[:4]
    return f"{by_title}/{year}" if year else None


def keyed_id(by_title: str, cite_key: str | None) -> str | None:
    """The id of a paper known by its title (`by_title`, its `title_key`) and its file's
    citation key (`title:6f0c2922cb86/kim2020b`): the one a work gets that its file tells
    apart from another of its title of the same year, or of no year, stable on every import."""
    return f"{by_title}/{cite_key.casefold()}" if cite_key else None


MAX_TEXT = 200_000
"""Characters in a title, an abstract or all authors together: real ones are a few thousand."""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it will say what is wrong


def oversized(paper: Paper) -> str | None:
    """Why a record is too large to keep (a 50 MB line is not an abstract), else None."""
    for name, size in (
        ("title", len(paper.title)),
        ("abstract", len(paper.abstract)),
        ("author list", sum(map(len, paper.authors))),
        ("link list", sum(map(len, paper.links))),
        ("other fields", sum(len(name) + len(value) for name, value in paper.extra)),
    ):
        if size > MAX_TEXT:
            return f"record too large to keep ({name} of {size:,} characters; at most {MAX_TEXT:,}), skipped"
    return None


def merge_states(current: PaperState, incoming: PaperState) -> PaperState:
    """Imported state adds to what the person already decided; it never takes away."""
    return replace(
        current,
        read=current.read or incoming.read,
        bookmarked=current.bookmarked or incoming.bookmarked,
        tags=tuple(dict.fromkeys(current.tags + incoming.tags)),
        note=current.note or incoming.note,
        dismissed=current.dismissed or incoming.dismissed,
        key=current.key or incoming.key,
    )
