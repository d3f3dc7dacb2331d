"""Damaged home files: each kept aside and named with the way out (`damaged`),
and put back from its last good copy by `reader recover` (`recover`).

The scheme (`<name>.bak`, `<name>.broken-<time>`) is described in `reader.store`,
which finds the damage; this module builds on it.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shlex
import shutil
import time
from pathlib import Path

from reader.files import StoreError, fsync_dir, home_lock, save_failed
from reader.store import BROKEN_INFIX, FEEDS_FILE, SEARCHES_FILE, SEGMENTS_DIR, STATE_FILE, DamagedFileError, Store


def damaged(store: Store, path: Path, problem: str) -> DamagedFileError:
    kept, why_not = None, ""
    try:
        kept = keep_aside(path)
    except OSError as error:
        why_not = error.strerror or str(error)
    candidate = store.backup_path(path)
    backup = candidate if candidate.is_file() else None
    command = f"reader --home {shlex.quote(str(store.home.absolute()))} recover"
    lines = [f"{path} is damaged: {problem}. Nothing was reset or written over."]
    if kept is not None:
        lines.append(f"A copy of the damaged file is kept as {kept.name}.")
    else:
        lines.append(f"(A copy could not be kept aside: {why_not}.)")
    if _is_segment(path):
        lines.append(
            f"It holds the papers of one import. To open the library without them (import those files "
            f"again; your bookmarks, tags and notes are kept), run: {command}"
        )
    elif backup is not None:
        saved = time.strftime("%Y-%m-%d %H:%M", time.localtime(backup.stat().st_mtime))
        lines.append(f"To put back the last good copy ({backup.name}, saved {saved}), run: {command}")
    elif path.name == STATE_FILE:
        lines.append(f"There is no backup. To start with no bookmarks, tags, read marks or notes, run: {command} --empty")
    elif path.name == SEARCHES_FILE:
        lines.append(f"There is no backup. To start with no saved searches, run: {command} --empty")
    elif path.name == FEEDS_FILE:
        lines.append(
            f"There is no backup. To forget when each feed was last fetched (the next fetch goes back "
            f"its --days) and when each saved search was last opened, run: {command} --empty"
        )
    else:
        lines.append(
            f"There is no backup. To start the library afresh (your bookmarks, tags and notes are kept; "
            f"import your files again), run: {command} --empty"
        )
    return DamagedFileError(" ".join(lines), path, kept, backup)


def keep_aside(path: Path) -> Path:
    """A timestamped hard link to the damaged file (once per damaged version)."""
    st = path.stat()
    for existing in path.parent.glob(f"{path.name}{BROKEN_INFIX}*"):
        with contextlib.suppress(OSError):
            if os.path.samestat(existing.stat(), st):
                return existing
    stamp = time.strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        kept = path.with_name(f"{path.name}{BROKEN_INFIX}{stamp}" + (f"-{n}" if n > 1 else ""))
        try:
            os.link(path, kept)
        except FileExistsError:
            continue
        except OSError as error:
            if error.errno in (errno.EROFS, errno.ENOSPC, errno.EACCES):
                raise
            shutil.copyfile(path, kept)  # no hard links on this file system
        return kept
    raise OSError(errno.EEXIST, "too many kept copies")


def _is_segment(path: Path) -> bool:
    return path.parent.name == SEGMENTS_DIR


def _segments_aside(store: Store, kept: Path) -> str | None:
    """The segments of a library.json started afresh, moved out of library.d beside
    its damaged copy (`library.d.broken-<time>`, their caches dropped), and said; None
    if it had none. Left in library.d they would be ignored, over a library that is
    no more, yet kept on disk; deleted, the papers of those imports would go without
    a trace."""
    segments = store.segments()
    if not segments:
        return None
    for segment in segments:
        for cache in segment.caches:
            cache.unlink(missing_ok=True)
    stamp = kept.name.removeprefix(store.library_path.name)  # .broken-<time>, the damaged copy's
    for n in range(1, 1000):
        aside = store.home / (f"{SEGMENTS_DIR}{stamp}" + (f"-{n}" if n > 1 else ""))
        if not aside.exists():
            break
    os.replace(store.segments_path, aside)
    fsync_dir(store.home)
    return (
        f"{SEGMENTS_DIR}: the {len(segments)} import{'s' if len(segments) > 1 else ''} written over the damaged "
        f"{store.library_path.name} set aside as {aside.name} (import those files again)"
    )


def recover(store: Store, empty: bool = False) -> list[str]:
    """Put the last good backup in place of each damaged home file.

    The damaged file is kept aside (timestamped) first. With no good backup,
    StoreError, unless `empty`: then the damaged file is only set aside, so
    that file starts afresh (an empty state; the bundled library re-imported),
    library.json's segments set aside with it (`_segments_aside`).
    A damaged segment of the library (never replaced, so with no backup) is
    set aside at once: the library opens without the papers of that import.
    Returns what was done, one sentence per file.
    """
    done: list[str] = []
    failed: list[str] = []
    with home_lock(store.home):
        segments = {segment.path: segment for segment in store.segments()}
        restored_library = False
        for path in (store.library_path, *segments, store.state_path, store.searches_path, store.feeds_path):
            problem = store.check(path)
            if problem is None:
                continue
            try:
                kept = keep_aside(path)
            except OSError as error:
                raise save_failed(path, error) from error
            backup = store.backup_path(path)
            backup_problem = store.check(backup) if backup.is_file() else "there is none"
            try:
                if path in segments:
                    for stale in (path, *segments[path].caches):
                        stale.unlink(missing_ok=True)
                    fsync_dir(path.parent)
                    done.append(
                        f"{SEGMENTS_DIR}/{path.name}: set aside, the library opens without the papers of that "
                        f"import (import those files again); the damaged one is kept as {kept.name}"
                    )
                elif backup_problem is None:
                    tmp = path.with_name(f".{path.name}.{os.getpid()}.recover.tmp")
                    tmp.unlink(missing_ok=True)
                    os.link(backup, tmp)
                    os.replace(tmp, path)
                    fsync_dir(store.home)
                    done.append(
                        f"{path.name}: put back the last good copy ({backup.name}); the damaged one is kept as {kept.name}"
                    )
                    if path == store.library_path:
                        restored_library = True
                elif empty:
                    path.unlink()
                    fsync_dir(store.home)
                    afresh = "starts afresh (import your files again)" if path == store.library_path else "starts empty"
                    done.append(f"{path.name}: {afresh}; the damaged one is kept as {kept.name}")
                    if path == store.library_path and (aside := _segments_aside(store, kept)):
                        done.append(aside)
                else:
                    failed.append(
                        f"{path.name} is damaged ({problem}) and has no good backup ({backup.name}: {backup_problem}). "
                        f"The damaged file is kept as {kept.name}. To start that file afresh, run recover with --empty."
                    )
            except OSError as error:
                raise save_failed(path, error) from error
        if restored_library and (adopted := store.adopt_segments()):
            done.append(
                f"{SEGMENTS_DIR}: the {len(adopted)} papers imported over the damaged {store.library_path.name} "
                f"are kept over the copy put back"
            )
    store._states = None
    if failed:
        raise StoreError(" ".join([f"{line}." for line in done] + failed))
    return done or ["nothing to recover: library.json, state.json, searches.json and feeds.json read fine"]
