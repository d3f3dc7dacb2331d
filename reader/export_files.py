"""An export written to a file a person named: in the format its suffix names,
atomically, and only over a regular file that is not one of the home's."""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Sequence
from contextlib import suppress
from pathlib import Path

from reader import export
from reader.files import StoreError, write_atomically
from reader.models import Paper, PaperState
from reader.text import encodable


def export_to_file(
    pairs: Sequence[tuple[Paper, PaperState]], path: Path, format: str | None = None, *, home: Path
) -> tuple[int, str]:
    """Write `pairs` to `path` atomically; the format follows the suffix unless given.

    Returns (papers written, format name). Raises StoreError if the file cannot
    be written or must not be (see `export_target`).
    """
    target, mode = export_target(path, home)
    name = export_format(path, format)
    buffer = io.StringIO()
    count = export.FORMATS[name](pairs, buffer)
    try:
        write_atomically(target, encodable(buffer.getvalue()), mode=mode)
    except OSError as error:
        raise StoreError(f"{path}: cannot write ({error.strerror or error})") from error
    return count, name


def export_format(path: Path, format: str | None = None) -> str:
    """`format`, else the one `path`'s suffix names; a name with another suffix is
    refused (StoreError): `picks.txt` written as Markdown would be a surprise."""
    name = format or export.format_for_path(path.name)
    if name is None:
        suffixes = " ".join(export.SUFFIXES.values())
        raise StoreError(
            f"{path}: no export format ends in {path.suffix or 'a name without a suffix'}; "
            f"use one of {suffixes} or --format on the command line"
        )
    return name


_NOT_A_FILE = {
    stat.S_IFDIR: "a folder",
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a device",
    stat.S_IFBLK: "a device",
    stat.S_IFSOCK: "a socket",
}


def export_target(path: Path, home: Path) -> tuple[Path, int]:
    """The regular file an export to `path` replaces, and the mode it gets.

    An export replaces a regular file and nothing else. A symlink is followed
    to the file it names, which is replaced while the link stays (as a shell's
    `>` does). A folder, FIFO, device or socket is refused: replacing it with a
    file is never what was meant (`-o /dev/stdout` replaced the system's
    /dev/stdout). So is the home folder, and any file that is one of its files
    under another name: an export must never land on the library or the state.
    A new file gets the usual mode (0666 less the umask); a replaced one keeps
    its own, so a private file stays private.

    Nothing is opened here (opening a FIFO blocks), and the write is a rename
    of a new file over the target, never a write into it: a path changed
    after this check is at worst replaced, and its old content is never
    written through.
    """
    try:
        found: os.stat_result | None = path.stat()
    except FileNotFoundError:
        found = None  # a new file (or a link to one that does not exist yet)
    except OSError as error:
        raise StoreError(f"{path}: cannot write ({error.strerror or error})") from error
    if found is not None and not stat.S_ISREG(found.st_mode):
        kind = _NOT_A_FILE.get(stat.S_IFMT(found.st_mode), "not a regular file")
        raise StoreError(f"{path}: is {kind}, not a file; export writes regular files only")
    target = Path(os.path.realpath(path))
    if _in_home(target, found, home):
        raise StoreError(f"{path}: would write into reader's home folder {home}; export somewhere else")
    return target, found.st_mode & 0o777 if found else 0o666


def _in_home(target: Path, found: os.stat_result | None, home: Path) -> bool:
    """Is `target` in the home folder, or (through a hard link) one of its files?"""
    with suppress(OSError):
        if target.parent.samefile(home):
            return True
    if found is None:
        return False
    with os.scandir(home) as entries:
        for entry in entries:
            with suppress(OSError):  # a file removed meanwhile
                if os.path.samestat(found, entry.stat()):
                    return True
    return False
