"""A fast-loading copy of library.json, kept beside it in the home.

Decoding 180 MB of JSON into 100,000 papers and checking every record takes
seconds; `marshal` reads the same papers back as tuples in a fraction of that.
library.json stays the record: a snapshot names the exact file it was made from
(inode, size, modification and change times) and the content id of its bytes
(their digest, see `content_digest`). A stat is what each start can afford, so
while library.json is that very file the snapshot is used at once. Once the stat
differs, the file may be another (an import's, a restored backup, a hand edit)
or the same bytes with new metadata: `touch`, `chmod`, a hard link or a backup
tool change the change time, which no one can set back. Re-parsing 1.6 GB of JSON
because of that cost 23 s at 1M papers where the snapshot takes 5. So a file of
the snapshot's size is digested (a streamed read, about 2 s a GB) and the
snapshot used if the digest is its content id; the stat it was checked under is
kept in `library.snapshot.seen`, so later starts are back to a stat. Anything
else falls back to parsing the JSON. A snapshot that cannot be
read or written only costs a slower start; it is never an error. One that is
damaged (its checksum, see marshalfile) is not trusted either: the caller reads
library.json instead, and says so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
from collections.abc import Iterable
from itertools import starmap
from operator import attrgetter
from pathlib import Path

from reader import marshalfile
from reader.models import Paper, Source

SNAPSHOT_FILE = "library.snapshot"
SEEN_FILE = "library.snapshot.seen"  # (a library.json stat, the content id its bytes were found to have)
_VERSION = 5  # 3: Paper's citation fields (entry type, venue, DOI...); 4: their provenance; 5: a .bib's other fields

Identity = tuple[int, int, int, int]


def identity(path: Path) -> Identity | None:
    """What tells this version of a file from any other (None: no such file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def content_digest(raw: bytes = b"") -> hashlib.blake2b:
    """The digest whose hex is a file's content id (`.update` it with more bytes)."""
    return hashlib.blake2b(raw, digest_size=16)


def _digest_of(path: Path, expected: Identity) -> str | None:
    """The content id of the file at `path`, if it is still the file stat'ed as
    `expected` before and after the read (else None: it was replaced meanwhile)."""
    try:
        with open(path, "rb", buffering=0) as stream:
            if _fstat(stream.fileno()) != expected:
                return None
            digest, buffer = content_digest(), bytearray(1 << 20)
            view = memoryview(buffer)
            while size := stream.readinto(buffer):
                digest.update(view[:size])
            return digest.hexdigest() if _fstat(stream.fileno()) == expected else None
    except OSError:
        return None


def _fstat(fd: int) -> Identity:
    st = os.fstat(fd)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def same_content(path: Path, library: Path, now: Identity, made_from: Identity, content_id: str) -> bool:
    """Does library.json, stat'ed as `now`, hold the bytes the cache at `path` (this
    snapshot, or another cache beside it) was made from, stat'ed then as `made_from`,
    content id `content_id`?"""
    if now == made_from:
        return True
    if now[1] != made_from[1]:
        return False  # another size: other bytes, no need to read them
    seen = path.with_name(SEEN_FILE)
    with contextlib.suppress(marshalfile.Damaged, TypeError, ValueError):
        found = marshalfile.read(seen)
        if found is not None and found[0] == [list(now), content_id]:
            return True
    if _digest_of(library, now) != content_id:
        return False
    with contextlib.suppress(OSError, ValueError):
        marshalfile.write(seen, [list(now), content_id])
    return True


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


def read(path: Path, source: Path, library: Identity | None) -> tuple[str, list[Paper]] | None:
    """(content id, papers) if the snapshot was made from the bytes of the library
    file `source`, stat'ed as `library`; None if there is none, or it was made from
    another (an older version of it). Raises marshalfile.Damaged for a snapshot
    that is not as it was written."""
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
        if tuple(fields) != _FIELDS or not same_content(path, source, library, tuple(made_from), content_id):
            return None
        if len(set(map(len, columns))) != 1:
            raise ValueError("columns of unequal length")
        columns[_SOURCES] = [tuple(starmap(Source, sources)) for sources in columns[_SOURCES]]
        return content_id, list(map(Paper, *columns))
    except Exception as error:  # its checksum held, yet it is not what write() makes
        raise marshalfile.Damaged.because(error) from None
