"""A fast-loading copy of library.json, kept beside it in the home.

Decoding 180 MB of JSON into 100,000 papers and checking every record takes
seconds; `marshal` reads the same papers back as tuples in a fraction of that.
library.json stays the record: a snapshot names the exact file it was made from
(inode, size, modification and change times) and is ignored as soon as
library.json is any other file, so a restored backup, a hand edit or another
writer's import all fall back to parsing the JSON. A snapshot that cannot be
read or written only costs a slower start; it is never an error. One that is
damaged (its checksum, see marshalfile) is not trusted either: the caller reads
library.json instead, and says so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterable
from itertools import starmap
from operator import attrgetter
from pathlib import Path

from reader import marshalfile
from reader.models import Paper, Source

SNAPSHOT_FILE = "library.snapshot"
_VERSION = 5  # 3: Paper's citation fields (entry type, venue, DOI...); 4: their provenance; 5: a .bib's other fields

Identity = tuple[int, int, int, int]


def identity(path: Path) -> Identity | None:
    """What tells this version of a file from any other (None: no such file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


# Column by column, in Paper's field order: marshal then makes one list per field
# instead of a tuple per paper, and map() builds the papers without a Python loop.
# The names are stored too, so a snapshot of an older Paper is simply not used.
_FIELDS = tuple(f.name for f in dataclasses.fields(Paper))
_SOURCES = _FIELDS.index("sources")


def _columns(papers: list[Paper]) -> list[list]:
    columns = [list(map(attrgetter(name), papers)) for name in _FIELDS]
    columns[_SOURCES] = [tuple((s.file, s.format, s.position, s.date) for s in sources) for sources in columns[_SOURCES]]
    return columns


def write(path: Path, made_from: Identity, content_id: str, papers: Iterable[Paper]) -> None:
    """Best effort, atomically: a torn snapshot must not be mistaken for a good one."""
    try:
        marshalfile.write(path, (_VERSION, made_from, content_id, _FIELDS, _columns(list(papers))))
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            path.unlink()  # a stale snapshot is ignored anyway; a missing one is plainer


def read(path: Path, library: Identity | None) -> tuple[str, list[Paper]] | None:
    """(content id, papers) if the snapshot was made from exactly this library file;
    None if there is none, or it was made from another (an older version of it).
    Raises marshalfile.Damaged for a snapshot that is not as it was written."""
    if library is None:
        return None
    found = marshalfile.read(path)
    if found is None:
        return None
    try:
        value, _ = found
        if value[0] != _VERSION:
            return None
        _, made_from, content_id, fields, columns = value
        if tuple(made_from) != library or tuple(fields) != _FIELDS:
            return None
        if len(set(map(len, columns))) != 1:
            raise ValueError("columns of unequal length")
        columns[_SOURCES] = [tuple(starmap(Source, sources)) for sources in columns[_SOURCES]]
        return content_id, list(map(Paper, *columns))
    except Exception as error:  # its checksum held, yet it is not what write() makes
        raise marshalfile.Damaged.because(error) from None
