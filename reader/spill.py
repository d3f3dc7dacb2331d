"""An import's papers kept on disk, not in the heap, until they are saved.

An import of 1M papers into an empty home held every `Paper` in memory while it
merged and saved them: 3.5 KB each, 7.5 GB at its peak. A `Spill` holds each
paper it is given as its paper-file record (`snapshot.record`: marshal of its
fields, not compressed) appended to an unlinked temp file in the home, and keeps
in memory only where that record is and the paper's date (the newest-first order
of the index needs every date; decoding every paper for it would take seconds).
A paper is read back (one `pread` and a decode) when asked for: merging asks for
the rare one a later record is a copy of, saving asks for each once.

A paper given again (merged) is appended again and its place points there; the
old record stays in the file, which only grows and is gone with its last holder
(nothing is left behind by a crash: the file has no name). Copies share the file
(see `copy`), each with its own places.
"""

from __future__ import annotations

import errno
import os
import tempfile
from array import array
from collections.abc import Iterable, Iterator, MutableMapping
from pathlib import Path

from reader import snapshot
from reader.files import StoreError
from reader.models import Paper

_FLUSH_AT = 1 << 20  # bytes of records gathered before they are written


class _Records:
    """The append-only file of records, shared by a spill and its copies."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._file = tempfile.TemporaryFile(dir=folder)
        self._fd = self._file.fileno()
        self._pending: list[bytes] = []
        self._pending_size = 0
        self._written = 0  # bytes in the file

    def append(self, record: bytes) -> int:
        """Where `record` starts."""
        start = self._written + self._pending_size
        self._pending.append(record)
        self._pending_size += len(record)
        if self._pending_size >= _FLUSH_AT:
            self._flush()
        return start

    def read(self, start: int, size: int) -> bytes:
        if start + size > self._written:
            self._flush()
        try:
            data = os.pread(self._fd, size, start)
        except OSError as error:
            raise self._failed("read back", error) from error
        if len(data) != size:
            raise self._failed("read back", OSError(errno.EIO, f"cut short at byte {start + len(data)}"))
        return data

    def written(self) -> int:
        """The file's descriptor, every record given so far written to it (for another process to read)."""
        if self._pending:
            self._flush()
        return self._fd

    def _flush(self) -> None:
        """Write the gathered records after the last written one. A write that fails
        part-way (a full disk) is cut off again, and the records stay gathered: every
        place handed out still says where its record is, or will be."""
        data = b"".join(self._pending)
        done = 0
        try:
            while done < len(data):
                done += os.pwrite(self._fd, memoryview(data)[done:], self._written + done)
        except OSError as error:
            if done:
                os.ftruncate(self._fd, self._written)
            raise self._failed("keep", error) from error
        self._written += self._pending_size
        self._pending, self._pending_size = [], 0

    def _failed(self, doing: str, error: OSError) -> StoreError:
        what = "free some space there" if error.errno in (errno.ENOSPC, errno.EDQUOT) else "check that disk"
        reason = error.strerror or str(error)
        return StoreError(
            f"could not {doing} the import's papers in a temp file in {self._folder} ({reason}): {what} and import again"
        )


class Spill(MutableMapping[str, Paper]):
    """Papers by id, in the order they were first given (a dict's), kept in a temp file in `folder`."""

    def __init__(self, folder: Path, *, _records: _Records | None = None) -> None:
        self._records = _records if _records is not None else _Records(folder)
        self._folder = folder
        self._where: dict[str, int] = {}  # id -> start << 32 | size of its record
        self._dates: dict[str, str] = {}  # id -> Paper.date

    def copy(self) -> Spill:
        """The same papers; a paper given to either is not seen by the other."""
        spill = Spill(self._folder, _records=self._records)
        spill._where, spill._dates = dict(self._where), dict(self._dates)
        return spill

    def __getitem__(self, paper_id: str) -> Paper:
        return snapshot.decode(self.record(paper_id))

    def record(self, paper_id: str) -> bytes:
        """The paper's record (`snapshot.record`), as it is kept: not decoded."""
        where = self._where[paper_id]
        return self._records.read(where >> 32, where & 0xFFFFFFFF)

    def __setitem__(self, paper_id: str, paper: Paper) -> None:
        self.put(paper_id, paper, snapshot.record(paper))

    def put(self, paper_id: str, paper: Paper, record: bytes) -> None:
        """`self[paper_id] = paper`, `record` its record: `snapshot.record(paper)`, or the
        one `paper` was decoded from (a record made in another process, not made again)."""
        self._where[paper_id] = self._records.append(record) << 32 | len(record)
        self._dates[paper_id] = paper.date

    def __delitem__(self, paper_id: str) -> None:
        del self._where[paper_id]
        del self._dates[paper_id]

    def __contains__(self, paper_id: object) -> bool:
        return paper_id in self._where

    def __iter__(self) -> Iterator[str]:
        return iter(self._where)

    def __len__(self) -> int:
        return len(self._where)

    def places(self, paper_ids: Iterable[str]) -> tuple[int, array[int], array[int]]:
        """Where the records of `paper_ids` lie, for another process to read them: the
        file's descriptor, each one's start and each one's size."""
        where = list(map(self._where.__getitem__, paper_ids))
        starts = array("q", (place >> 32 for place in where))
        return self._records.written(), starts, array("I", (place & 0xFFFFFFFF for place in where))

    def date_of(self, paper_id: str) -> str:
        """`self[paper_id].date`, without reading the paper."""
        return self._dates[paper_id]
