"""The two files under a home directory, kept in TinyDB's JSON layout.

`library.json` holds the facts and is rewritten only by an import. `state.json`
holds the person's decisions, is small, and is rewritten on every change. Both
go through `AtomicJSONStorage`: TinyDB's stock storage truncates and rewrites in
place, so a kill mid-write can leave half a file; ours writes a temp file,
fsyncs it, renames it over the old one and fsyncs the folder, so a crash leaves
either the old file or the new one. Writers in several processes are
serialised by a lock file, and each change re-reads the state under the lock,
so two open instances never undo each other's work.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from tinydb import Query, TinyDB
from tinydb.storages import Storage

from reader.models import Paper, PaperState

LIBRARY_FILE = "library.json"
STATE_FILE = "state.json"
LOCK_FILE = ".lock"
PAPERS_TABLE = "papers"
STATE_TABLE = "state"


class StoreError(Exception):
    """A home file cannot be read or written; the message says which and what to do."""


def default_home() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("reader", appauthor=False))


def resolve_home(explicit: str | os.PathLike[str] | None = None) -> Path:
    """`--home`, else `READER_HOME`, else the platform's user data folder."""
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get("READER_HOME")
    return Path(env).expanduser() if env else default_home()


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns)


def write_atomically(path: Path, text: str) -> None:
    """Replace `path` with `text` so that a crash at any instant leaves old or new."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class AtomicJSONStorage(Storage):
    """TinyDB storage: atomic replace on write, re-parse only when the file changed."""

    def __init__(self, path: str | os.PathLike[str], **_: Any) -> None:
        self.path = Path(path)
        self._cache: dict[str, Any] | None = None
        self._cached_signature: tuple[int, int, int] | None = None

    def read(self) -> dict[str, Any] | None:
        signature = _signature(self.path)
        if signature is None:
            self._cache = None
            return None
        if self._cache is not None and signature == self._cached_signature:
            return self._cache
        try:
            text = self.path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise StoreError(f"{self.path}: cannot be read ({error})") from error
        data = parse_document(self.path, text)
        self._cache, self._cached_signature = data, signature
        return data

    def write(self, data: dict[str, Any]) -> None:
        # Drop the cache first: TinyDB mutates the dict it read, so if this write
        # fails the cache would claim a change that never reached the disk.
        self._cache = None
        try:
            write_atomically(self.path, json.dumps(data, ensure_ascii=False, separators=(",", ":")))
        except OSError as error:
            raise StoreError(f"{self.path}: could not save ({error.strerror or error})") from error
        self._cache, self._cached_signature = data, _signature(self.path)

    def close(self) -> None:
        pass


def parse_document(path: Path, text: str) -> dict[str, Any]:
    """A TinyDB document, or StoreError naming the file and the damage."""
    if not text.strip():
        raise StoreError(f"{path}: the file is empty")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise StoreError(f"{path}: not valid JSON ({error.msg} at line {error.lineno})") from error
    if not isinstance(data, dict) or not all(isinstance(t, dict) for t in data.values()):
        raise StoreError(f"{path}: not a reader file (expected an object of tables)")
    return data


@contextlib.contextmanager
def home_lock(home: Path) -> Iterator[None]:
    """Serialise writers across processes (both apps, the app and the CLI)."""
    with open(home / LOCK_FILE, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class Store:
    """One home directory: loads and saves papers and state."""

    def __init__(self, home: Path) -> None:
        self.home = home
        try:
            home.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise StoreError(f"{home}: cannot create the home folder ({error.strerror})") from error
        self.library_path = home / LIBRARY_FILE
        self.state_path = home / STATE_FILE
        self._library_storage = AtomicJSONStorage(self.library_path)
        self._state_db = TinyDB(self.state_path, storage=AtomicJSONStorage)
        self._state = self._state_db.table(STATE_TABLE, cache_size=0)

    @property
    def has_library(self) -> bool:
        return self.library_path.exists()

    # -- facts ---------------------------------------------------------------

    def load_papers(self) -> list[Paper]:
        # One parse of the whole file, bypassing TinyDB's per-query re-read:
        # queries through TinyDB cost a full file read each (1.4 s at 100k).
        data = self._library_storage.read() or {}
        table = data.get(PAPERS_TABLE, {})
        try:
            return [Paper.from_dict(doc) for doc in table.values()]
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise StoreError(f"{self.library_path}: a paper record is malformed ({error})") from error

    def save_papers(self, papers: Iterable[Paper]) -> None:
        # The library is rewritten whole, once per import, in TinyDB's layout
        # (table -> doc_id -> document) so TinyDB can open it; nothing is keyed
        # by doc_id, which TinyDB reuses after deletes.
        table = {str(n): paper.to_dict() for n, paper in enumerate(papers, 1)}
        with home_lock(self.home):
            self._library_storage.write({PAPERS_TABLE: table})

    # -- state -----------------------------------------------------------------

    @property
    def state_signature(self) -> tuple[int, int, int] | None:
        return _signature(self.state_path)

    def load_states(self) -> dict[str, PaperState]:
        try:
            return {doc["id"]: PaperState.from_dict(doc) for doc in self._state.all()}
        except (KeyError, TypeError, ValueError, AttributeError) as error:
            raise StoreError(f"{self.state_path}: a state record is malformed ({error})") from error

    def change_state(self, paper_id: str, change: Callable[[PaperState], PaperState]) -> PaperState:
        """Apply `change` to the stored state of one paper, persisted before returning.

        The current state is read under the lock, so a change made meanwhile by
        another process is the base of this one, not overwritten by it.
        """
        with home_lock(self.home):
            docs = self._state.search(Query().id == paper_id)
            current = PaperState.from_dict(docs[0]) if docs else PaperState()
            new = change(current)
            if new != current:
                stamped = new.to_dict() | {"id": paper_id, "updated": _now()}
                self._state.upsert(stamped, Query().id == paper_id)
                new = PaperState.from_dict(stamped)
            return new


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S%z")
