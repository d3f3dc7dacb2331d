"""A fast-loading copy of library.json, kept beside it in the home.

Decoding 180 MB of JSON into 100,000 papers and checking every record takes
seconds; `marshal` reads the same papers back as tuples in a fraction of that.
library.json stays the record: a snapshot names the exact file it was made from
(inode, size, modification and change times) and is ignored as soon as
library.json is any other file, so a restored backup, a hand edit or another
writer's import all fall back to parsing the JSON. A snapshot that cannot be
read or written only costs a slower start; it is never an error.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

from reader.models import Paper, Source

SNAPSHOT_FILE = "library.snapshot"
_VERSION = 1

Identity = tuple[int, int, int, int]


def identity(path: Path) -> Identity | None:
    """What tells this version of a file from any other (None: no such file)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def _row(paper: Paper) -> tuple:
    sources = tuple((s.file, s.format, s.position, s.date) for s in paper.sources)
    return (paper.id, paper.title, paper.abstract, paper.authors, paper.links, sources,
            paper.arxiv_id, paper.categories, paper.published, paper.upvotes)  # fmt: skip


def write(path: Path, made_from: Identity, content_id: str, papers: Iterable[Paper]) -> None:
    """Best effort, atomically: a torn snapshot must not be mistaken for a good one."""
    payload = (_VERSION, made_from, content_id, [_row(p) for p in papers])
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as stream:
                marshal.dump(payload, stream)
            os.replace(temp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            path.unlink()  # a stale snapshot is ignored anyway; a missing one is plainer


def read(path: Path, library: Identity | None) -> tuple[str, list[Paper]] | None:
    """(content id, papers) if the snapshot was made from exactly this library file."""
    if library is None:
        return None
    try:
        with open(path, "rb") as stream:
            version, made_from, content_id, rows = marshal.loads(stream.read())  # load(stream) reads it a few bytes at a time
        if version != _VERSION or tuple(made_from) != library:
            return None
        papers = [
            Paper(pid, title, abstract, authors, links, tuple([Source(*s) for s in sources]), arxiv_id, categories, published, upvotes)
            for pid, title, abstract, authors, links, sources, arxiv_id, categories, published, upvotes in rows
        ]
        return content_id, papers
    except (OSError, EOFError, ValueError, TypeError):
        return None
