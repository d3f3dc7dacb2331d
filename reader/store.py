"""The files under a home directory, kept in TinyDB's JSON layout.

`library.json` holds the facts, with the segments an import adds beside it (see
Segments below), and is rewritten only by an import, a removal or `reader compact`. `state.json`
holds the person's decisions, is small, and is rewritten on every change.
Every write is atomic and made under the home's lock (see `files`), and each
change re-reads the state file under the lock, so no instance undoes another's
work. The state file is small, so it is read whole rather than trusted by its
`stat()`: inode numbers are reused and mtimes are coarse, so two versions can
share (inode, size, mtime).
library.json is too large to read for a check; it is only ever replaced by a
rename, so its stat with the change time (which no one can set back) tells its
versions apart; a stat that differs may still be the same bytes (a `touch`), which
the paper file checks by their digest before it is thrown away. An import that finds it replaced
since it was read merges into the file as it is, under the lock.

Segments. Rewriting library.json for each import costs the whole library (1.9 GB
at 1M papers) to add a day's 500. So an import that is small beside the library
writes its papers (new ones and new versions of known ones) as a segment instead:
`library.d/0001-<base>.json`, a TinyDB file like library.json, named by its number
and by the content id of the library.json it was written over. The library is
library.json, then each segment of that base in number order, a later record of
an id replacing the earlier one in its place. A segment of another base is one a
compaction has merged already (see `save_papers`) and is ignored. Every whole
rewrite of library.json (an import large beside the library, one that would make
more than `SEGMENTS_AT_MOST` segments, a removal, `reader compact`) merges the
segments and deletes them under the lock. Each segment has its own snapshot and
keys file beside it (`<name>.papers`, `<name>.keys`), made from it alone: a new
segment costs only its own papers, and a home with no segments is read exactly
as before.

Damage. A file that is empty, truncated, not UTF-8, not JSON or not shaped like
ours is never reset and never written over. It is kept aside under a
timestamped name (`state.json.broken-20250101-120000`, a hard link: no copy,
whatever its size) and `DamagedFileError` says which file, what is wrong and
what to do: `reader recover` (`recovery.recover`) puts the last good copy back.
The last good copy is `<name>.bak`: before each state change replaces
`state.json`, the version being replaced (which was just read and checked) is
hard-linked as `state.json.bak`, so the backup is the state as it was one
change ago and costs no copying; an import does the same for `library.json`,
and saving or deleting a search for `searches.json` (kept the same way: a
damaged one is never taken for "no saved searches" and written over), and a
fetch for `feeds.json` (what each feed last brought, when each saved search
was last opened).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import threading
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Table

from reader import clock, coldload, history, jsoncodec, marshalfile, paperkeys, snapshot
from reader.files import Staged, StoreError, fsync_dir, home_lock, leftovers, save_failed, stage, write_atomically
from reader.models import Paper, PaperState
from reader.papertable import Papers, PaperTable
from reader.save_aside import SaveAside

LIBRARY_FILE = "library.json"
STATE_FILE = "state.json"
SEARCHES_FILE = "searches.json"
FEEDS_FILE = "feeds.json"
HTTP_CACHE_FILE = "http-cache.json"  # a cache: see reader.fetch.client
PAPERS_TABLE = "papers"
STATE_TABLE = "state"
BACKUP_SUFFIX = ".bak"
BROKEN_INFIX = ".broken-"
SEGMENTS_DIR = "library.d"
SEGMENTS_AT_MOST = 16  # segments before an import merges them into library.json
_SEGMENT_NAME = re.compile(r"^(\d{4,})-([0-9a-f]{32})\.json$")  # number, base content id

_T = TypeVar("_T")


class DamagedFileError(StoreError):
    """A home file is unreadable as ours. It was kept aside, not reset.

    `path` is the damaged file, `kept` the timestamped copy (None if the home
    is read-only), `backup` the last good copy if there is one; `recovery.recover`
    puts the backup in place (or, asked to, starts that file afresh).
    """

    def __init__(self, message: str, path: Path, kept: Path | None, backup: Path | None) -> None:
        super().__init__(message)
        self.path = path
        self.kept = kept
        self.backup = backup


# --- reading and checking ------------------------------------------------------------


class _Damage(Exception):
    """What is wrong with a file's content, in words for a person."""


class _SegmentGone(Exception):
    """A segment listed was deleted before it was read (by a compaction)."""


_READS_AT_MOST = 3  # of a library whose segments a compaction deletes while it is read


def parse_document(raw: bytes | str, table: str) -> dict[str, Any]:
    """A TinyDB document (an object of tables, `table`'s records under document
    ids: TinyDB cannot work on others), or _Damage saying what is wrong."""
    try:
        data = jsoncodec.loads_strict(raw)  # from the bytes: no decoded copy of a 180 MB library
    except ValueError:
        data = _parse_leniently(raw)
    if not isinstance(data, dict):
        raise _Damage(f"not a reader file (expected an object of tables, found {type(data).__name__})")
    for name, records in data.items():
        if not isinstance(records, dict):
            raise _Damage(f"not a reader file (table {name!r} is not an object)")
    for key in data.get(table, {}):
        if not key.isdigit():
            raise _Damage(f"not a reader file (table {table!r} has a record under {key[:40]!r}, not a number)")
    return data


def _parse_leniently(raw: bytes | str) -> Any:
    """What the standard library reads (NaN, lone surrogates), or _Damage saying why not."""
    if isinstance(raw, bytes):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            raise _Damage(f"not UTF-8 text (bad byte at offset {error.start})") from None
    else:
        text = raw
    if not text.strip():
        raise _Damage("the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        # Ours always end with the closing brace; a file cut short does not.
        if not text.rstrip().endswith("}"):
            raise _Damage("not valid JSON: it stops part-way (cut short?)") from None
        raise _Damage(f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})") from None
    except RecursionError:
        raise _Damage("not valid JSON: nested too deeply") from None
    except ValueError as error:  # e.g. an integer beyond Python's digit limit
        raise _Damage(f"not valid JSON: {error}") from None
    return data


def parse_searches(raw: bytes) -> dict[str, str]:
    """Saved searches (an object of name -> query), or _Damage saying what is wrong."""
    data = _parse_leniently(raw)
    if not isinstance(data, dict):
        raise _Damage(f"not a reader file (expected an object of saved searches, found {type(data).__name__})")
    for name, query in data.items():
        if not isinstance(query, str):
            raise _Damage(f"not a reader file (the saved search {name!r} is not text)")
    return data


def parse_feeds(raw: bytes) -> dict[str, Any]:
    """What the fetches remember (an object of `feeds`, `searches`, `arrivals`; see
    reader.fetch.ledger for their insides), or _Damage saying what is wrong."""
    data = _parse_leniently(raw)
    if not isinstance(data, dict):
        raise _Damage(f"not a reader file (expected an object, found {type(data).__name__})")
    for key, kind in (("feeds", dict), ("searches", dict), ("arrivals", list)):
        if key in data and not isinstance(data[key], kind):
            raise _Damage(f"not a reader file ({key!r} is not {'an object' if kind is dict else 'a list'})")
    return data


def _state_record(doc: Any) -> tuple[str, PaperState]:
    """(paper id, state) from a state record, or ValueError saying what is wrong."""
    if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
        raise ValueError("no paper 'id'")
    return doc["id"], PaperState.from_dict(doc)


def _digest(raw: bytes | None) -> str | None:
    return None if raw is None else snapshot.content_digest(raw).hexdigest()


class HomeFile(Storage):
    """TinyDB's storage for a home file: TinyDB does the table work, this does the disk.

    Unlike TinyDB's stock JSONStorage (which truncates and rewrites in place),
    it writes through `files.write_atomically` (temp file, fsync, rename; the
    version replaced becomes `backup`), encodes with orjson (`jsoncodec`), and
    reads only what `parse_document` accepts: a damaged file is `_Damage`,
    never taken for an empty one. Writers hold the home's lock around it.

    TinyDB reads the whole file before, and writes it after, every operation.
    Inside `batch()` the operations share one read and one write, so a change
    to a thousand papers' state is still a single rewrite of the file. With
    `keep`, a batch reuses what the last one read or wrote while the file's
    bytes are still those: the state file is read on every change, but parsed
    only when another process has changed it.
    """

    def __init__(self, path: str | os.PathLike[str], *, table: str, backup: Path | None = None, keep: bool = False) -> None:
        self.path = Path(path)
        self.table = table  # the table whose records must have TinyDB document ids
        self.backup = backup
        self.keep = keep
        self.signature: str | None = None  # of the file as last read or written (None: no file)
        self._kept: tuple[bytes, dict[str, Any]] | None = None  # (the file's bytes, their data)
        self._working: dict[str, Any] | None = None  # inside a batch: the data TinyDB works on
        self._batching = self._changed = False

    def read(self) -> dict[str, Any]:
        if not self._batching:
            return self._load()
        if self._working is None:
            self._working = self._load()
        return self._working

    def write(self, data: dict[str, Any]) -> None:
        if self._batching:
            self._working, self._changed = data, True
        else:
            self._save(data)

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """TinyDB operations inside share one read, and what they change is written
        once, when the block ends without an error (else nothing is)."""
        self._batching = True
        try:
            yield
            self.flush()
        except BaseException:
            self._kept = None  # TinyDB changes the data in place: it may no longer be the file's
            raise
        finally:
            self._working, self._batching, self._changed = None, False, False

    def flush(self) -> None:
        """Write what the batch changed now, not when it ends. The data goes with it
        (a later operation reads the file again)."""
        if self._changed:
            assert self._working is not None
            self._save(self._working)
            self._working, self._changed = None, False

    def _load(self) -> dict[str, Any]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            self.signature = self._kept = None
            return {}
        except OSError as error:
            raise StoreError(f"{self.path}: cannot be read ({error.strerror or error})") from error
        if self._batching and self._kept is not None and self._kept[0] == raw:
            return self._kept[1]
        self._kept = None
        data = parse_document(raw, self.table)
        self.signature = _digest(raw)
        if self.keep and self._batching:
            self._kept = (raw, data)
        return data

    def _save(self, data: dict[str, Any]) -> None:
        raw = jsoncodec.dumps(data)
        self._kept = None
        try:
            write_atomically(self.path, raw, backup=self.backup)
        except OSError as error:
            raise save_failed(self.path, error) from error
        self.signature = _digest(raw)
        if self.keep and self._batching:
            self._kept = (raw, data)


def _tinydb(storage: HomeFile) -> TinyDB:
    """A TinyDB over a storage of ours. A new one for each use: its tables remember
    the next document id, which another process may have taken since."""
    return TinyDB(storage=lambda: storage)


def _decoded(storage: HomeFile, decode: Callable[[Any], _T], what: str) -> Iterator[_T]:
    """The records of the storage's table through `decode`, in the file's order; one
    it refuses is _Damage naming it. Read from the parsed file itself: TinyDB's table
    copies each record into a Document first, and a record that is not an object
    failed there, outside any check, with a traceback."""
    for position, doc in enumerate(storage.read().get(storage.table, {}).values(), 1):
        try:
            yield decode(doc)
        except ValueError as error:
            raise _Damage(f"{what} {position} is malformed: {error}") from None


# What each TinyDB file holds: its table, the decoder of its records, and their name.
_RECORDS: dict[str, tuple[str, Callable[[Any], Any], str]] = {
    LIBRARY_FILE: (PAPERS_TABLE, Paper.from_dict, "paper record"),
    STATE_FILE: (STATE_TABLE, _state_record, "state record"),
}


def _upsert_by_id(table: Table, records: Mapping[str, dict[str, Any]], stored: Container[str]) -> None:
    """TinyDB's upsert keyed by paper id, for many papers at once: those with a
    record (`stored`, as read under the same lock) are updated in one pass over
    the table, the rest inserted together; `Table.upsert` would scan the whole
    table once per paper. Fields a record has and `records` does not (a newer
    version's) are kept.

    The condition is a plain test of the id, which TinyDB takes as it takes a
    Query: `where("id").one_of(...)` costs ten times as much per record
    (about a microsecond: 0.1 s a change with 100k papers decided)."""
    changed = {paper_id: record for paper_id, record in records.items() if paper_id in stored}
    if changed:
        table.update(lambda doc: doc.update(changed[doc["id"]]), lambda doc: doc.get("id") in changed)
    if len(changed) < len(records):
        table.insert_multiple(record for paper_id, record in records.items() if paper_id not in changed)


Layout = tuple[snapshot.Identity | None, tuple[tuple[str, snapshot.Identity | None], ...]]
"""Which files the library was: library.json's stat, and each segment's name and stat."""


@dataclass(frozen=True)
class Segment:
    """A segment file (see the module's docstring) and the caches made from it alone."""

    path: Path
    number: int
    base: str  # the content id of the library.json it was written over

    @property
    def papers_path(self) -> Path:
        """Its paper file (see `snapshot`), named as library.json's is (library.papers)."""
        return self.path.with_suffix(".papers")

    @property
    def keys_path(self) -> Path:
        return self.path.with_suffix(".keys")

    @property
    def caches(self) -> tuple[Path, ...]:
        """Every file made from it alone: deleted with it, or when it is renamed."""
        made = (self.papers_path, self.keys_path)
        return (*made, *map(snapshot.seen_path, made), *self.older_caches)

    @property
    def older_caches(self) -> tuple[Path, ...]:
        """Its paper file as an older reader named it (`.snapshot`): not read, removed
        when a paper file is written for it, or with it."""
        older = self.path.with_suffix(".snapshot")
        return older, snapshot.seen_path(older)


@dataclass(frozen=True)
class LibraryVersion:
    """One version of the library as read: its papers, the id of its content (of
    library.json's and its segments'), which files it was (a stat and a listing tell
    cheaply whether another process changed them), and the parts of its content id."""

    papers: PaperTable
    content_id: str | None
    identity: Layout | None
    base_id: str | None = None  # library.json's content id
    segment_ids: tuple[str, ...] = ()  # each segment's, in order


def whole_content_id(base_id: str | None, segment_ids: Iterable[str]) -> str | None:
    """The content id of a library: library.json's alone when it has no segments (so
    the caches of a home without segments keep their names), else a digest of all."""
    segment_ids = tuple(segment_ids)
    if base_id is None or not segment_ids:
        return base_id
    return snapshot.content_digest("\n".join((base_id, *segment_ids)).encode()).hexdigest()


def _segment_bytes(papers: Iterable[Paper]) -> bytes:
    """A segment's file: its papers in TinyDB's layout, as library.json's are written
    (`coldload.library_chunks`) (document ids from 1), encoded at once: nothing is read first."""
    return jsoncodec.dumps({PAPERS_TABLE: {str(doc_id): paper.to_dict() for doc_id, paper in enumerate(papers, 1)}})


def _read_back(path: Path, source: Path, made_from: snapshot.Identity) -> snapshot.PaperFile | None:
    """A paper file just written, as a start reads it (None: it could not be)."""
    try:
        return snapshot.read(path, source, made_from)
    except marshalfile.Damaged:
        return None


def _dict_at(papers: Sequence[Paper]) -> Callable[[int], dict[str, Any]]:
    """`papers[place].to_dict()`: for an import's papers (`Papers`), made from their records, with no Paper."""
    return papers.dict_at if isinstance(papers, Papers) else lambda place: papers[place].to_dict()


def _papers_of(part: snapshot.PaperFile | list[Paper]) -> Iterable[Paper]:
    return PaperTable([part]).values() if isinstance(part, snapshot.PaperFile) else part


class Store:
    """One home directory: loads and saves papers and state."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        try:
            self.home.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"{home}: cannot create the home folder ({error.strerror})") from error
        self.library_path = self.home / LIBRARY_FILE
        self.state_path = self.home / STATE_FILE
        self.papers_path = self.home / snapshot.PAPERS_FILE
        self.searches_path = self.home / SEARCHES_FILE
        self.feeds_path = self.home / FEEDS_FILE
        self.segments_path = self.home / SEGMENTS_DIR
        self.content_id: str | None = None  # of the library as last loaded or saved
        self.warn: Callable[[str], None] | None = None  # told of a paper file found damaged after loading
        self.library_identity: Layout | None = None  # and which files that was
        self.base_id: str | None = None  # library.json's content id then
        self.segment_ids: tuple[str, ...] = ()  # and its segments'
        # The writers' storage (used under the lock), which keeps the last version read.
        self._state_file = HomeFile(self.state_path, table=STATE_TABLE, backup=self.backup_path(self.state_path), keep=True)
        self._states: tuple[str | None, dict[str, PaperState]] | None = None  # (signature, states) as last read
        # The state-file version this process's view reflects: set by
        # load_states, and moved on by a change only if nothing else had
        # changed the file since (otherwise the view is stale and must reload).
        self.synced_signature: str | None = None
        self._sweep_temp_files()

    def _sweep_temp_files(self) -> None:
        """Temp files a killed writer left. Only under the lock: no writer is mid-write,
        but one may have staged library.json, to rename once it has the lock."""
        try:
            with home_lock(self.home, wait=False):
                for name in (
                    LIBRARY_FILE,
                    STATE_FILE,
                    SEARCHES_FILE,
                    FEEDS_FILE,
                    HTTP_CACHE_FILE,
                    snapshot.PAPERS_FILE,
                    snapshot.SEEN_FILE,
                    *snapshot.OLD_FILES,
                    paperkeys.KEYS_FILE,
                    history.HISTORY_FILE,
                ):
                    for leftover in leftovers(self.home, name):
                        leftover.unlink(missing_ok=True)
                for leftover in leftovers(self.segments_path) if self._has_segments_folder() else ():
                    leftover.unlink(missing_ok=True)
        except (OSError, StoreError):
            pass

    @property
    def has_library(self) -> bool:
        return self.library_path.exists()

    def backup_path(self, path: Path) -> Path:
        return path.with_name(path.name + BACKUP_SUFFIX)

    def segments(self, base: str | None = None) -> list[Segment]:
        """The segment files in number order: all, or those over the library.json of content id `base`."""
        try:
            if not self._has_segments_folder():
                return []
            names = os.listdir(self.segments_path)
        except FileNotFoundError:
            return []
        except OSError as error:
            raise StoreError(f"{self.segments_path}: cannot be read ({error.strerror or error})") from error
        found = []
        for name in names:
            if match := _SEGMENT_NAME.match(name):
                found.append(Segment(self.segments_path / name, int(match[1]), match[2]))
        found.sort(key=lambda segment: segment.number)
        return found if base is None else [segment for segment in found if segment.base == base]

    def _has_segments_folder(self) -> bool:
        """Is there library.d? Only a folder of the home's own: through a link, the
        segments would be written and deleted elsewhere (StoreError)."""
        try:
            mode = os.lstat(self.segments_path).st_mode
        except FileNotFoundError:
            return False
        if not stat.S_ISDIR(mode):
            raise StoreError(f"{self.segments_path}: not a folder (a link?); move it out of the home, reader keeps imports there")
        return True

    def layout(self) -> Layout:
        """Which files the library is now: a stat of library.json and a listing of the segments."""
        return self._listed()[0]

    def _listed(self) -> tuple[Layout, list[Segment]]:
        """The layout, and the segments it lists."""
        base = snapshot.identity(self.library_path)  # first: see read_library
        segments = self.segments()
        return (base, tuple((segment.path.name, snapshot.identity(segment.path)) for segment in segments)), segments

    # -- facts ---------------------------------------------------------------

    def load_table(self, announce: Callable[[str], None] | None = None, note: Callable[[str], None] | None = None) -> PaperTable:
        """The papers of the library file: from the paper file made from this very
        file (see `snapshot`: decoding 100k papers from JSON takes seconds), else
        from the JSON, each record checked, and the paper file made again (by
        worker processes, see `coldload`, where the file allows).

        Sets `content_id`, which names this version of the library's content.
        """
        version = self.read_library(announce, note)
        self.sync_library(version)
        return version.papers

    def load_papers(
        self, announce: Callable[[str], None] | None = None, note: Callable[[str], None] | None = None
    ) -> list[Paper]:
        """Every paper in the library file, decoded (see load_table)."""
        return list(self.load_table(announce, note).values())

    def read_library(
        self, announce: Callable[[str], None] | None = None, note: Callable[[str], None] | None = None
    ) -> LibraryVersion:
        """library.json as it is now, leaving what this store holds as it was.

        `announce` hears of the slow path (no usable paper file) before it starts;
        `note` hears, in one line, of a damaged paper file, once it has been replaced
        (and of one whose damage shows later, when a paper is read: see PaperTable).
        """
        for _ in range(_READS_AT_MOST):
            try:
                return self._read_library_once(announce, note)
            except _SegmentGone:
                continue  # a compaction merged it meanwhile: library.json holds its papers now
        raise StoreError(f"{self.segments_path}: changed by another reader on every read; try again")

    def _read_library_once(self, announce: Callable[[str], None] | None, note: Callable[[str], None] | None) -> LibraryVersion:
        # Stat first: a file replaced between the stat and the read then only looks
        # newer than what was read, and is read again, never the other way round.
        # The segments are those listed before library.json was read: a compaction
        # meanwhile then leaves either a library.json they are not over, or one
        # gone (_SegmentGone), never its old library.json without them.
        layout, listed = self._listed()
        base, base_id = self._read_base(layout[0], announce, note)
        segment_ids, parts = [], [base]
        if base_id is not None:
            for segment in (segment for segment in listed if segment.base == base_id):
                segment_id, added = self._read_segment(segment, note)
                segment_ids.append(segment_id)
                parts.append(added)
        content_id = whole_content_id(base_id, segment_ids)
        return LibraryVersion(self._table(parts, note), content_id, layout, base_id, tuple(segment_ids))

    def _table(self, parts: list[snapshot.PaperFile | list[Paper]], note: Callable[[str], None] | None) -> PaperTable:
        """The papers of library.json and its segments, in order (a later record of an
        id replaces the earlier in its place): read from their paper files as asked
        for, or, if one has none (it could not be written), held in memory. A paper file
        whose damage shows when a paper is read is rebuilt from the JSON, and `warn`
        (else `note`) told."""
        if not all(isinstance(part, snapshot.PaperFile) for part in parts):
            table = PaperTable()
            for part in parts:
                for paper in _papers_of(part):
                    table[paper.id] = paper
            return table
        rescued: list[PaperTable] = []  # once for the table and its copies (the search index holds one)
        rescuing = threading.Lock()  # the app's worker and a search's may find the damage at once

        def rescue(error: marshalfile.Damaged) -> PaperTable:
            with rescuing:
                if not rescued:
                    for segment in self.segments():  # so all are read from their JSON, and written again
                        with contextlib.suppress(OSError):
                            segment.papers_path.unlink(missing_ok=True)
                    with contextlib.suppress(OSError):
                        self.papers_path.unlink(missing_ok=True)
                    rescued.append(self.read_library().papers)
                    if say := self.warn or note:
                        say(f"{self.papers_path.name} {error}; rebuilt from {self.library_path.name}")
                return rescued[0]

        return PaperTable([part for part in parts if isinstance(part, snapshot.PaperFile)], rescue=rescue)

    def _read_segment(self, segment: Segment, note: Callable[[str], None] | None) -> tuple[str, snapshot.PaperFile | list[Paper]]:
        """(content id, papers) of one segment: from its paper file, else its JSON (which
        makes its paper file and keys file again). A damaged one is DamagedFileError."""
        stat = snapshot.identity(segment.path)
        damaged = None
        try:
            fast = snapshot.read(segment.papers_path, segment.path, stat)
        except marshalfile.Damaged as error:
            fast, damaged = None, error
        if fast is not None:
            if stat is not None and paperkeys.read(segment.keys_path, segment.path, stat) is None:
                # `reader bookmark` finds the segment's papers by it (see load_keys)
                paperkeys.write(segment.keys_path, stat, fast.content_id, paperkeys.aliases_of(PaperTable([fast]).values()))
            return fast.content_id, fast
        storage = HomeFile(segment.path, table=PAPERS_TABLE)
        try:
            papers = list(_decoded(storage, Paper.from_dict, "paper record"))
        except _Damage as damage:
            raise self._damaged(segment.path, str(damage)) from None
        if storage.signature is None:
            raise _SegmentGone
        written = None
        if stat is not None and stat == snapshot.identity(segment.path):
            self._write_segment_caches(segment, stat, storage.signature, papers)
            written = _read_back(segment.papers_path, segment.path, stat)
        if damaged is not None and note:
            note(f"{segment.papers_path.name} {damaged}; rebuilt from {segment.path.name}")
        return storage.signature, written or papers

    def _write_segment_caches(self, segment: Segment, made_from: snapshot.Identity, content_id: str, papers: list[Paper]) -> None:
        snapshot.write(segment.papers_path, made_from, content_id, papers)
        for older in segment.older_caches:
            with contextlib.suppress(OSError):
                older.unlink(missing_ok=True)
        paperkeys.write(segment.keys_path, made_from, content_id, paperkeys.aliases_of(papers))

    def _read_base(
        self, library: snapshot.Identity | None, announce: Callable[[str], None] | None, note: Callable[[str], None] | None
    ) -> tuple[snapshot.PaperFile | list[Paper], str | None]:
        """library.json's papers and content id (None: there is none), stat'ed as `library`."""
        damaged = None
        try:
            fast = snapshot.read(self.papers_path, self.library_path, library)
        except marshalfile.Damaged as error:
            fast, damaged = None, error
        if fast is not None:
            return fast, fast.content_id
        if announce and library is not None:
            announce(f"reading {self.library_path.name} ({library[1] / 1e6:.0f} MB; later starts read a faster copy)")
        papers, content_id = self._read_json(library)
        if damaged is not None and note and content_id is not None:
            note(f"{self.papers_path.name} {damaged}; rebuilt from {self.library_path.name}")
        return papers, content_id

    def _read_json(self, library: snapshot.Identity | None) -> tuple[snapshot.PaperFile | list[Paper], str | None]:
        """`_read_base` from library.json itself, its paper file and keys file made again."""
        if library is not None and (made := self._encode_caches(library)) is not None:
            return made, made.content_id
        storage = HomeFile(self.library_path, table=PAPERS_TABLE)
        try:
            papers = list(_decoded(storage, Paper.from_dict, "paper record"))
        except _Damage as damage:
            raise self._damaged(self.library_path, str(damage)) from None
        content_id = storage.signature
        if content_id is None:  # no library.json
            return [], None
        written = None
        if library is not None and library == snapshot.identity(self.library_path):
            written = self._write_caches(library, content_id, papers)
        return written or papers, content_id

    def _encode_caches(self, library: snapshot.Identity) -> snapshot.PaperFile | None:
        """library.json's paper file and keys file made by `coldload`'s workers, the
        papers never decoded here; the paper file as read back, None if they could not
        be (a file not of our layout, a record they refuse: it is read here instead).
        Not in a home that cannot be written: the papers would then be read twice."""
        if not os.access(self.home, os.W_OK) or (encoded := coldload.encode(self.library_path, library)) is None:
            return None
        snapshot.write_columns(self.papers_path, library, encoded.content_id, encoded.dictionary, encoded.parts)
        self.save_keys(library, encoded.content_id, (), encoded.aliases)
        return _read_back(self.papers_path, self.library_path, library)

    def sync_library(self, version: LibraryVersion) -> None:
        """The papers this process holds are now `version`'s."""
        self.content_id, self.library_identity = version.content_id, version.identity
        self.base_id, self.segment_ids = version.base_id, version.segment_ids

    def library_replaced(self) -> bool:
        """Is the library other files than the ones this store last loaded or saved
        (library.json replaced, a segment added or gone)? A stat and a listing, so
        cheap enough to ask every second."""
        return self.layout() != self.library_identity

    def save_papers(
        self,
        papers: Iterable[Paper],
        rebase: Callable[[list[Paper]], list[Paper]] | None = None,
        aliases: Callable[[], Mapping[str, str] | None] | None = None,
        announce: Callable[[str], None] | None = None,
        aside: SaveAside | None = None,
    ) -> PaperTable | None:
        """Rewrite library.json whole in TinyDB's layout, its segments merged in and then
        deleted (an interrupted compaction leaves segments of the old base, which
        are ignored); the version it replaces becomes library.json.bak. It is
        written to a temp file before the lock is taken (seconds at 100k papers),
        and renamed under it. Returns the papers written, as read back from their
        new paper file (None if it could not be written: then the caller's papers
        are all there is).

        With `rebase`, an import's save: if another process replaced library.json
        since this store loaded or saved it, its papers are read, under the lock,
        and `rebase(theirs)` gives the papers to write instead, so neither import
        loses the other's papers. `aliases()`, if given, is `paperkeys.aliases_of` the
        papers written, as the caller already knows it (an import does: it merges by
        them), saving a second pass over the papers' keys. `announce(step)` hears of
        each write before it starts (each takes seconds at 1M papers). `aside`: library.json
        and the paper file's columns of `papers`, being written by another process (not
        used if rebased).
        """
        # A table's papers (an import's) stay where they are, each decoded as it is written.
        papers = papers if isinstance(papers, Papers) else list(papers)
        if announce:
            announce(f"writing {self.library_path.name}")
        written_aside = aside.library() if aside is not None else None
        staged, content_id = written_aside if written_aside is not None else self._stage_library(papers)
        try:
            with home_lock(self.home):
                if rebase is not None and self.library_replaced():
                    staged.discard()
                    if aside is not None:
                        aside.stop()  # of papers no longer the ones written: its core is the rebase's
                        aside = None
                    papers = rebase(list(self.read_library().papers.values()))
                    staged, content_id = self._stage_library(papers)
                # Segments over the very bytes written (a removal of what they added)
                # would apply again if the process died before they were deleted.
                self._delete_segments(content_id)
                try:
                    staged.commit(self.library_path, backup=self.backup_path(self.library_path))
                except OSError as error:
                    raise save_failed(self.library_path, error) from error
                written = snapshot.identity(self.library_path)
                self._delete_segments()
                file = None
                if written is not None:
                    if announce:
                        announce("writing the fast-start copy")
                    file = self._write_caches(written, content_id, papers, aliases() if aliases else None, aside)
                table = self._table([file or list(papers)], None)
                self.sync_library(LibraryVersion(table, content_id, self.layout(), content_id))
        except BaseException:
            staged.discard()  # not renamed (a rebase that failed, no lock): no temp file left
            raise
        return table if file is not None else None

    def _stage_library(self, papers: Sequence[Paper]) -> tuple[Staged, str]:
        """library.json as `papers`, written beside it to be renamed over it, and its content id."""
        digest = snapshot.content_digest()
        try:
            return stage(coldload.library_chunks(len(papers), _dict_at(papers), digest), self.library_path), digest.hexdigest()
        except OSError as error:
            raise save_failed(self.library_path, error) from error

    def _delete_segments(self, base: str | None = None) -> None:
        """Every segment (or those over `base`) and its caches (under the lock, library.json holding their papers)."""
        segments = self.segments(base)
        try:
            for segment in segments:
                for path in (segment.path, *segment.caches):
                    path.unlink(missing_ok=True)
            if segments:
                fsync_dir(self.segments_path)
        except OSError as error:
            # library.json is written: what is left is ignored (another base), and
            # deleted by the next compaction.
            raise save_failed(self.segments_path, error) from error

    def adopt_segments(self) -> set[str]:
        """Every segment not over library.json as it is now (its own base damaged
        and replaced by a backup: `reader recover`) renamed to be over it, in its
        place, its caches (named by their source) dropped to be made again; returns
        the ids of their papers. Under the lock. Left as they were, they would be
        ignored, and deleted by the next compaction with their papers."""
        ids: set[str] = set()
        try:
            onto = _digest(self.library_path.read_bytes())
            moved = [segment for segment in self.segments() if segment.base != onto]
            for segment in moved:
                records = parse_document(segment.path.read_bytes(), PAPERS_TABLE).get(PAPERS_TABLE, {})
                ids.update(
                    record["id"] for record in records.values() if isinstance(record, dict) and isinstance(record.get("id"), str)
                )
                for cache in segment.caches:
                    cache.unlink(missing_ok=True)
                os.replace(segment.path, segment.path.with_name(f"{segment.number:04d}-{onto}.json"))
            if moved:
                fsync_dir(self.segments_path)
        except OSError as error:
            raise save_failed(self.segments_path, error) from error
        return ids

    def compaction_due(self, changed: int, papers: int) -> bool:
        """Should an import of `changed` papers into a library of `papers` rewrite
        library.json (merging its segments) rather than add a segment? When there is
        no library.json, when the segments are many, or when they and this import are
        large beside library.json: then each start reads much twice."""
        if self.base_id is None:
            return True
        try:
            library_size = self.library_path.stat().st_size
        except OSError:
            return True
        segments = self.segments(self.base_id)
        if len(segments) + 1 > SEGMENTS_AT_MOST:
            return True
        if changed * 4 >= papers:
            return True
        try:
            sizes = sum(segment.path.stat().st_size for segment in segments)
        except OSError:
            return True
        return sizes * 4 >= library_size

    def add_segment(
        self,
        papers: PaperTable,
        changed: Callable[[], list[Paper]],
        rebase: Callable[[list[Paper]], list[Paper]],
        aliases: Callable[[], Mapping[str, str] | None] | None = None,
        *,
        count: int,
        announce: Callable[[str], None] | None = None,
        aside: SaveAside | None = None,
    ) -> PaperTable | None:
        """An import's save: `changed()` (the `count` papers it added or changed, as
        `papers`, the whole library, now holds them) as a new segment, or, when
        `compaction_due`, library.json rewritten whole (`save_papers`, whose papers
        as read back it returns: None for a segment, whose papers stay in `papers`).

        If another process changed the library since this store read it, its papers
        are read under the lock and `rebase(theirs)` makes this import's changes
        again onto them (see `save_papers`); `changed()` is asked after that.
        `announce` and `aside`: as for `save_papers` (a segment is written in one step)."""
        if self.compaction_due(count, len(papers)):  # the papers are read only now, one by one
            return self.save_papers(papers.in_order(), rebase, aliases, announce, aside)
        records = changed()
        version_papers = papers
        raw = _segment_bytes(records)  # outside the lock
        with home_lock(self.home):
            if self.library_replaced():
                version = self.read_library()
                rebased = rebase(list(version.papers.values()))
                self.sync_library(version)
                if self.base_id is None:  # library.json is gone: it is written whole
                    return self.save_papers(rebased)
                version_papers = PaperTable.of(rebased)
                records = changed()
                raw = _segment_bytes(records)
            assert self.base_id is not None  # compaction_due said so
            number = max((segment.number for segment in self.segments()), default=0) + 1
            segment = Segment(self.segments_path / f"{number:04d}-{self.base_id}.json", number, self.base_id)
            try:
                self.segments_path.mkdir(exist_ok=True)
                write_atomically(segment.path, raw)
            except OSError as error:
                raise save_failed(segment.path, error) from error
            content_id = _digest(raw)
            assert content_id is not None
            segment_ids = (*self.segment_ids, content_id)
            layout = self.layout()
            self.sync_library(
                LibraryVersion(version_papers, whole_content_id(self.base_id, segment_ids), layout, self.base_id, segment_ids)
            )
            made_from = dict(layout[1]).get(segment.path.name)
            if made_from is not None:
                self._write_segment_caches(segment, made_from, content_id, records)
        return None

    def _write_caches(
        self,
        made_from: snapshot.Identity,
        content_id: str,
        papers: Sequence[Paper],
        aliases: Mapping[str, str] | None = None,
        aside: SaveAside | None = None,
    ) -> snapshot.PaperFile | None:
        """The paper file and the keys file of library.json as `papers` (see `paperkeys`);
        the paper file as read back (None if it could not be written). `aside`: its columns
        being encoded in another process, used if it succeeds."""
        encoded = aside.columns(len(papers)) if aside is not None else None
        if encoded is not None:
            snapshot.write_columns(self.papers_path, made_from, content_id, encoded[0], [encoded[1]])
        else:
            snapshot.write(self.papers_path, made_from, content_id, papers)
        self.save_keys(made_from, content_id, papers, aliases)
        return _read_back(self.papers_path, self.library_path, made_from)

    def save_keys(
        self, made_from: snapshot.Identity, content_id: str, papers: Iterable[Paper], aliases: Mapping[str, str] | None = None
    ) -> None:
        """library.json's keys file. Given the papers of its segments too, it names them
        as well, as their own keys files do: either finds them (see load_keys)."""
        keys = paperkeys.aliases_of(papers) if aliases is None else aliases
        paperkeys.write(self.home / paperkeys.KEYS_FILE, made_from, content_id, keys)

    def save_loaded_keys(self, papers: Iterable[Paper]) -> None:
        """The keys file of the library this store loaded (`papers`), if it lacks one."""
        made_from = self.library_identity[0] if self.library_identity else None
        if self.load_keys() is None and made_from is not None and self.base_id is not None:
            self.save_keys(made_from, self.base_id, papers)

    def load_keys(self) -> paperkeys.Keys | None:
        """Which paper each key names, without the papers: library.json's keys file
        and each of its segments'; None if one is missing or out of date (load the
        papers instead)."""
        base = paperkeys.read(self.home / paperkeys.KEYS_FILE, self.library_path, snapshot.identity(self.library_path))
        if base is None:
            return None
        layers = [base]
        for segment in self.segments(base.content_id):
            keys = paperkeys.read(segment.keys_path, segment.path, snapshot.identity(segment.path))
            if keys is None:
                return None
            layers.append(keys)
        return paperkeys.Keys.joined(layers)

    # -- state -----------------------------------------------------------------

    def _read_states(self, storage: HomeFile) -> dict[str, PaperState]:
        """Every paper's state in the state file, checked. Called in `storage.batch()`,
        so the file is read once; a content read before is not decoded again."""
        try:
            storage.read()  # the one read the table below works on
            if self._states is not None and self._states[0] == storage.signature:
                return dict(self._states[1])
            states = dict(_decoded(storage, _state_record, "state record"))
        except _Damage as damage:
            raise self._damaged(self.state_path, str(damage)) from None
        self._states = (storage.signature, states)
        return dict(states)

    @property
    def state_signature(self) -> str | tuple[str, str] | None:
        """Changes whenever the state file's content does (None: no file). Never raises."""
        try:
            return _digest(self.state_path.read_bytes())
        except FileNotFoundError:
            return None
        except OSError as error:
            return ("unreadable", str(error))

    def load_states(self) -> dict[str, PaperState]:
        storage = HomeFile(self.state_path, table=STATE_TABLE)  # its own: no lock is held to read
        with storage.batch():
            states = self._read_states(storage)
        self.synced_signature = storage.signature
        return states

    def change_states(
        self,
        changes: Mapping[str, Callable[[PaperState], PaperState]],
        *,
        journal: Callable[[dict[str, tuple[PaperState, PaperState]]], None] | None = None,
    ) -> dict[str, PaperState]:
        """Several papers' changes in one write: all are saved, or (StoreError) none.

        The current state is read under the lock, so a change made meanwhile by
        another process is the base of this one, not overwritten by it.
        `journal`, if given, is told {paper id: (before, after)} for the papers that
        changed (maybe none), under the lock, once the change is saved and only if
        it was: a step the disk refused is never recorded. It must not raise (the
        change is saved by then)."""
        with home_lock(self.home):
            storage = self._state_file
            with storage.batch():
                before = self._read_states(storage)
                read = storage.signature
                stamp = clock.now()
                results: dict[str, PaperState] = {}
                records: dict[str, dict[str, Any]] = {}
                for paper_id, change in changes.items():
                    current = before.get(paper_id, PaperState())
                    new = change(current)
                    if new != current:
                        # A citation key chosen is no decision: `updated` (stats' decided per day) stays.
                        when = current.updated if replace(new, key=current.key) == current else stamp
                        records[paper_id] = new.to_dict() | {"id": paper_id, "updated": when}
                        # As the file will hold it: over the record it updates, whose fields
                        # it leaves out (a citation key once chosen) stay.
                        new = PaperState.from_dict(current.to_dict() | records[paper_id])
                    results[paper_id] = new
                if records:
                    _upsert_by_id(_tinydb(storage).table(STATE_TABLE), records, before)
            if records:
                self._states = (storage.signature, before | {pid: results[pid] for pid in records})
            if self.synced_signature == read:
                self.synced_signature = storage.signature
            if journal is not None:
                journal({pid: (before.get(pid, PaperState()), results[pid]) for pid in records})
            return results

    # -- saved searches ----------------------------------------------------------

    def load_searches(self) -> dict[str, str]:
        """Saved searches (name -> query); none if there is no file. A damaged file
        is DamagedFileError, as for the state: never taken for none and written over."""
        return self._load_small(self.searches_path, parse_searches)

    def change_searches(self, change: Callable[[dict[str, str]], dict[str, str]]) -> dict[str, str]:
        """The version replaced becomes searches.json.bak, as for the state."""
        return self._change_small(self.searches_path, parse_searches, change)

    # -- what the fetches remember -------------------------------------------------

    def load_feeds(self) -> dict[str, Any]:
        """feeds.json as parse_feeds reads it; {} if there is none. Damage as for the searches."""
        return self._load_small(self.feeds_path, parse_feeds)

    def change_feeds(self, change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        return self._change_small(self.feeds_path, parse_feeds, change)

    def _load_small(self, path: Path, parse: Callable[[bytes], Any]) -> Any:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            raise StoreError(f"{path}: cannot be read ({error.strerror or error})") from error
        try:
            return parse(raw)
        except _Damage as damage:
            raise self._damaged(path, str(damage)) from None

    def _change_small(self, path: Path, parse: Callable[[bytes], Any], change: Callable[[Any], Any]) -> Any:
        """Read, change and replace a small home file under the lock (the one replaced kept as .bak)."""
        with home_lock(self.home):
            data = change(self._load_small(path, parse))
            try:
                write_atomically(path, jsoncodec.dumps(data), backup=self.backup_path(path))
            except OSError as error:
                raise save_failed(path, error) from error
        return data

    # -- damage and recovery ----------------------------------------------------

    def _damaged(self, path: Path, problem: str) -> DamagedFileError:
        from reader import recovery  # it imports this module: imported here, when first needed

        return recovery.damaged(self, path, problem)

    def check(self, path: Path) -> str | None:
        """What is wrong with a home file, or None if it reads fine (or is absent)."""
        name = path.name.removesuffix(BACKUP_SUFFIX)  # a backup is checked as the file it backs up
        if _SEGMENT_NAME.match(name):
            name = LIBRARY_FILE  # a segment holds papers as library.json does
        try:
            if name in (SEARCHES_FILE, FEEDS_FILE):
                try:
                    (parse_searches if name == SEARCHES_FILE else parse_feeds)(path.read_bytes())
                except FileNotFoundError:
                    pass
                return None
            table, decode, what = _RECORDS[name]
            for _ in _decoded(HomeFile(path, table=table), decode, what):
                pass
        except _Damage as damage:
            return str(damage)
        return None
