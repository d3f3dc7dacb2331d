"""The home folder's files on disk: where the home is, atomic writes, backups, the lock.

Nothing here knows what is in a file; `store` (the library and the state),
`history` and `settings` write through it.

Crashes. Writing a file in place (TinyDB's stock storage truncates and
rewrites) means a kill mid-write can leave half a file. Every write here goes
to a temp file, is fsynced, renamed over the old file, and the folder is
fsynced: a crash at any instant leaves either the old file or the new one. A
change is acknowledged (the call returns) only after all of that.

Several instances. Writers in several processes (two apps, the app and the
CLI) are serialised by a lock file in the home; each re-reads what it changes
under the lock, so no instance undoes another's work. A holder signs the lock
file with its pid, and a writer waits for the lock a bounded time, naming that
holder, before giving up: a stopped process (Ctrl+Z) would otherwise keep every
writer waiting forever.

No room. A full disk, a read-only home or a lost lock is a `StoreError`
from the change that failed, naming the file and what to do; nothing in
memory claims the change was saved.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import secrets
import shlex
import shutil
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

LOCK_FILE = ".lock"

# A backup is a hard link; where links are not supported it is a copy, but
# only of a file small enough to copy on every change.
_MAX_COPIED_BACKUP = 8 * 1024 * 1024


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


# --- writing ---------------------------------------------------------------------


def write_atomically(path: Path, text: str | bytes, *, backup: Path | None = None, mode: int = 0o600) -> None:
    """Replace `path` with `text` so that a crash at any instant leaves old or new.

    With `backup`, the file being replaced is first hard-linked there (the
    previous version, at no copying cost). The new file gets `mode` less the
    umask: the home's files are private, a file made for the person (an
    export) is not. Raises OSError; the old file is then untouched and no temp
    file is left behind.
    """
    data = text.encode("utf-8") if isinstance(text, str) else text
    stage((data,), path, mode).commit(path, backup=backup)


class Staged:
    """A file `stage` wrote, to be renamed over its target (`commit`) or `discard`ed.

    Until then it holds a lock on the file (flock): a sweep of temp files killed
    writers left (`in_use`) leaves alone one another process is still to rename."""

    def __init__(self, path: Path, fd: int) -> None:
        self.path = path
        self._fd: int | None = fd

    def fileno(self) -> int:
        assert self._fd is not None, "committed or discarded"
        return self._fd

    def commit(self, target: Path, *, backup: Path | None = None) -> None:
        """Rename it over `target` (the file replaced hard-linked as `backup` first).
        Raises OSError; the temp file is then gone and `target` untouched."""
        try:
            if backup is not None:
                _refresh_backup(target, backup)
            os.replace(self.path, target)
        except BaseException:
            self.discard()
            raise
        self._release()
        fsync_dir(target.parent)

    def discard(self) -> None:
        """Remove it, if it is still there (once committed, there is nothing to do)."""
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.path)
        self._release()

    def _release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def stage(chunks: Iterable[bytes], path: Path, mode: int = 0o600) -> Staged:
    """`chunks`, written and fsynced as they come to a new temp file beside `path`:
    a large file is never whole in memory, and is written before the lock its
    rename needs is taken. Raises OSError (or what producing a chunk raises),
    leaving no temp file."""
    staged = staging(path, mode)
    try:
        write_all(staged.fileno(), chunks)
    except BaseException:
        staged.discard()
        raise
    return staged


def staging(path: Path, mode: int = 0o600) -> Staged:
    """A new, empty temp file beside `path`, to be written (`write_all`: another process
    may write it) and then committed or discarded, as `stage`'s is."""
    fd, tmp = temp_file(path, mode)
    return Staged(tmp, fd)


def write_all(fd: int, chunks: Iterable[bytes]) -> None:
    """`chunks` written to `fd` as they come, then fsynced."""
    for chunk in chunks:
        view = memoryview(chunk)
        while view:
            view = view[os.write(fd, view) :]
    os.fsync(fd)


def leftovers(folder: Path, name: str = "*") -> Iterator[Path]:
    """The temp files (`temp_file`) beside `folder`/`name` that killed writers left:
    those no writer holds."""
    for made in ("new", "tmp"):
        yield from (path for path in folder.glob(f".{name}.*.{made}") if not in_use(path))


def in_use(path: Path) -> bool:
    """Is `path` a temp file (`temp_file`) a writer holds, still to rename? Never
    waits: a FIFO or a link of that name (no writer's) is not opened."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return False
    except BlockingIOError:
        return True
    finally:
        os.close(fd)


def temp_file(path: Path, mode: int = 0o600) -> tuple[int, Path]:
    """A new, empty temp file beside `path`, open for writing, and locked (flock) until
    its descriptor is closed: every writer's temp file is made here, so that the sweep
    of those killed writers left (`in_use`) leaves a live one alone. Close it only once
    it is renamed. (mkstemp's, but mkstemp can only make 0600, and does not lock.)

    It is made as `.<name>.<token>.new` and linked as `.tmp` only once locked: a
    sweep meanwhile may take the `.new` for a killed writer's (then it is made
    again), never the `.tmp`."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    while True:
        token = secrets.token_hex(4)
        made, tmp = path.with_name(f".{path.name}.{token}.new"), path.with_name(f".{path.name}.{token}.tmp")
        try:
            fd = os.open(made, flags, mode)
        except FileExistsError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            os.link(made, tmp)
        except (FileNotFoundError, FileExistsError):  # swept, or another's token
            os.close(fd)
            continue
        except BaseException:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(made)
            raise
        os.unlink(made)
        return fd, tmp


@contextlib.contextmanager
def replaced(path: Path) -> Iterator[BinaryIO]:
    """A stream that writes `path` anew: a locked temp file (`temp_file`), renamed over
    `path` once the block ends and removed if it fails. Not fsynced: for caches, whose
    checksums find a torn one."""
    fd, temp = temp_file(path)
    try:
        with os.fdopen(fd, "wb") as stream:
            yield stream
            stream.flush()
            os.replace(temp, path)  # still open: locked, see `temp_file`
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def fsync_dir(folder: Path) -> None:
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _refresh_backup(path: Path, backup: Path) -> None:
    """Best effort: `backup` becomes the current `path` (a link, else a small copy)."""
    try:
        size = path.stat().st_size
    except OSError:
        return
    with contextlib.suppress(OSError):
        backup.unlink(missing_ok=True)
        try:
            os.link(path, backup)
        except OSError as error:
            if error.errno in (errno.ENOSPC, errno.EROFS, errno.EDQUOT) or size > _MAX_COPIED_BACKUP:
                return
            shutil.copyfile(path, backup)


def save_failed(path: Path, error: OSError) -> StoreError:
    reason = error.strerror or str(error)
    hint = {
        errno.ENOSPC: "the disk is full; free some space and try again",
        errno.EDQUOT: "the disk quota is used up; free some space and try again",
        errno.EFBIG: "the file is larger than this system allows here",
        errno.EROFS: f"{path.parent} is on a read-only file system",
        errno.EACCES: f"{path.parent} is not writable by you",
        errno.EPERM: f"{path.parent} is not writable by you",
    }.get(error.errno or 0, "try again; if it keeps failing, check the disk")
    return StoreError(f"{path}: not saved ({reason}): {hint}")


# --- locking -------------------------------------------------------------------------


_held = threading.local()  # per thread: the homes whose lock it holds, and how deeply

LOCK_WAIT = 30.0
"""Seconds a writer waits for another process's lock before giving up. A write
holds it for a few seconds at most (an import saving a large library); a lock
held longer is most likely held by a stopped process (Ctrl+Z), which would
otherwise keep every writer waiting forever."""
_QUIET_WAIT = 0.5  # a wait this short is ordinary contention, not worth a word

_tell_lock_wait: Callable[[str], None] | None = None


def tell_lock_waits(hook: Callable[[str], None] | None) -> None:
    """Have `hook(message)` told when a write has to wait for another process's lock
    (the CLI prints it, the app shows it in its status line); called from the
    waiting thread, once per wait."""
    global _tell_lock_wait
    _tell_lock_wait = hook


@contextlib.contextmanager
def home_lock(home: Path, *, wait: bool = True) -> Iterator[None]:
    """Serialise writers across processes (both apps, the app and the CLI).

    With `wait=False`, raises BlockingIOError at once if another process holds it;
    else waits for it at most LOCK_WAIT seconds, then raises StoreError naming the
    holder (see `tell_lock_waits` to be told while waiting).
    A lock is an open file description, so two in one process exclude each other:
    threads are serialised too. Nested in one thread (an undo reads the history
    and writes the state under one lock), the inner one is a no-op.
    """
    depth = getattr(_held, "homes", None)
    if depth is None:
        depth = _held.homes = {}
    key = os.path.abspath(home)
    if depth.get(key):
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1
        return
    with _flock(home, wait):
        depth[key] = 1
        try:
            yield
        finally:
            depth[key] = 0


@contextlib.contextmanager
def _flock(home: Path, wait: bool) -> Iterator[None]:
    path = home / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as error:
        try:  # a read-only home: an existing lock file can still be locked
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            raise save_failed(path, error) from error
    try:
        _acquire(fd, path, wait)
        try:
            if wait:  # a writer; the start-up sweep (no wait) is over too soon to matter
                _sign(fd)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _acquire(fd: int, path: Path, wait: bool) -> None:
    """Take the lock, waiting at most LOCK_WAIT seconds and saying who holds it."""
    started = time.monotonic()
    pause, told = 0.005, False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if not wait:
                raise
        waited = time.monotonic() - started
        if waited >= LOCK_WAIT:
            raise StoreError(
                f"{_holder(path)} has held {path} for {LOCK_WAIT:g} s; nothing was changed. "
                "If that process is stopped (Ctrl+Z), resume it (fg) or end it, then try again"
            )
        if not told and waited >= min(_QUIET_WAIT, LOCK_WAIT / 2) and _tell_lock_wait is not None:
            _tell_lock_wait(f"waiting for {_holder(path)}, which holds {path}…")
            told = True
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def _sign(fd: int) -> None:
    """Write who holds the lock into the lock file, for a writer left waiting to name.

    Left there after release (a waiter reads it only once the next holder has
    signed), and written only when it differs, so the file is not touched on
    every change. A courtesy: a home it cannot be written in still locks."""
    signature = f"{os.getpid()} {shlex.join(['reader', *sys.argv[1:]])}".encode()[:200]
    with contextlib.suppress(OSError):
        if os.pread(fd, 256, 0) != signature:
            os.ftruncate(fd, 0)
            os.pwrite(fd, signature, 0)


def _holder(path: Path) -> str:
    """Who holds the lock, as its holder signed it: `another reader (pid N: command)`."""
    try:
        signature = path.read_bytes()[:256].decode("utf-8", "replace")
    except OSError:
        signature = ""
    pid, _, command = signature.partition(" ")
    if not pid.isdigit():
        return "another reader"
    command = "".join(c for c in command if c.isprintable())
    return f"another reader (pid {pid}: {command})" if command else f"another reader (pid {pid})"
