"""The index's cache file, mapped: arrays read where they lie, checked block by block.

At a million papers the index file is most of a gigabyte, nearly all postings and
the titles' and authors' text. Read into the Python heap it cost 1.5 GB of memory
(150 MB at 100k papers), and checking a checksum of the whole file before using
any of it means reading all of it at every start (0.5-1 s at 1M). So the file is
mapped, and its arrays stay views of the mapping (the page cache holds them, and
only the pages a search reads become resident).

Damage is still never used: the head (everything decoded into Python objects,
and the layout of the arrays) carries a CRC-32 checked before it is decoded, the
file's size must be exactly what the head describes (a file cut short or torn at
the end fails at once), and each array carries the CRC-32 of every 16 KiB block
of it. A block is checked the first time anything in it is read (`Checked.check`),
so a search pays for the blocks it reads once, and a start for none of them. (A
block is read whole to be checked: 16 KiB keeps what a rare word makes resident
small, four pages, and the first read of a prefix's thousands of blocks short.) A
small file (under _CHECKED_WHOLE) is checked whole when read: it costs nothing
there, and its damage is then noted at the start as before.

Layout: MAGIC (8 bytes), the CRC-32 of the head (8 bytes), the head's length (8),
the head (marshal: the value and each array's kind, length and block CRCs), then
the raw bytes of each array, 8-byte aligned.
"""

from __future__ import annotations

import marshal
import mmap
import os
import zlib
from array import array
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from reader.files import replaced
from reader.marshalfile import MAGIC as MARSHAL_MAGIC
from reader.marshalfile import Damaged, _older_layout
from reader.marshalfile import aligned as _aligned  # a cache from before checksums: the same test

MAGIC = b"reader\xa7\x02"  # marshalfile's, version 2: a mapped file of checked arrays
_HEAD = 24
_BLOCK = 1 << 14
_CHECKED_WHOLE = 16 << 20  # bytes: a file smaller than this is checked whole when read


class Checked:
    """One array of the mapped file: `view` (a memoryview of its kind) and the CRC-32 of
    each _BLOCK bytes of it. Read nothing of `view` before `check`ing its range."""

    __slots__ = ("view", "_bytes", "_crcs", "_unchecked", "_left")

    def __init__(self, raw: memoryview, kind: Any, crcs: array):
        self._bytes = raw
        self.view = raw.cast(kind)
        self._crcs = crcs
        self._unchecked = bytearray(b"\x01") * len(crcs)  # a bytearray: find() looks for a 1 in C
        self._left = len(crcs)  # blocks not checked yet

    @classmethod
    def held(cls, data: Any) -> Checked:
        """An array held in memory, not read from a file: nothing of it to check."""
        view = memoryview(data)
        return cls(view.cast("B"), view.format, array("I"))

    def check(self, lo: int = 0, hi: int | None = None) -> None:
        """Raise Damaged unless the items view[lo:hi] are as written."""
        if not self._left:
            return
        size = self.view.itemsize
        hi = len(self.view) if hi is None else hi
        if hi <= lo:
            return
        first, last = lo * size // _BLOCK, (hi * size - 1) // _BLOCK + 1
        unchecked = self._unchecked
        block = unchecked.find(1, first, last)
        while block != -1:
            if zlib.crc32(self._bytes[block * _BLOCK : (block + 1) * _BLOCK]) != self._crcs[block]:
                raise Damaged("was damaged")
            unchecked[block] = 0
            self._left -= 1
            block = unchecked.find(1, block + 1, last)

    def check_spans(self, los: np.ndarray, his: np.ndarray) -> None:
        """`check` each span view[lo:hi] (parallel arrays of items), a block once."""
        if not self._left or not len(los):
            return
        size = self.view.itemsize
        blocks = np.unique(np.concatenate((los * size // _BLOCK, np.maximum(his * size - 1, 0) // _BLOCK)))
        for block in blocks[np.frombuffer(self._unchecked, dtype=np.uint8)[blocks] == 1].tolist():
            self.check(block * _BLOCK // size, min((block + 1) * _BLOCK // size, len(self.view)))

    def checked(self) -> memoryview:
        """The whole view, checked (for arrays read whole at once)."""
        self.check()
        return self.view


def write(path: Path, value: Any, arrays: Sequence[Any]) -> None:
    """Replace `path` atomically (no fsync: a torn file fails its size or a checksum). Raises OSError."""
    views = [memoryview(a) for a in arrays]
    layout = [(v.format, v.nbytes, _block_crcs(v.cast("B"))) for v in views]
    head = marshal.dumps((value, layout))
    with replaced(path) as stream:
        stream.write(MAGIC + zlib.crc32(head).to_bytes(8, "little") + len(head).to_bytes(8, "little") + head)
        position = _HEAD + len(head)
        for view in views:
            stream.write(bytes(_aligned(position) - position))
            stream.write(view)
            position = _aligned(position) + view.nbytes


def read(path: Path) -> tuple[Any, list[Checked]] | None:
    """(value, arrays) from `path`; None if there is none to read (no such file, not
    readable, or written by an older reader). Raises Damaged for anything else; an
    array's damage is found when it is `check`ed."""
    try:
        with open(path, "rb", buffering=0) as stream:
            size = os.fstat(stream.fileno()).st_size
            start = stream.read(_HEAD)
            if start[:8] != MAGIC:
                if start[:8] == MARSHAL_MAGIC or _older_layout(start, size):
                    return None
                raise Damaged("was damaged")
            if len(start) < _HEAD or int.from_bytes(start[16:24], "little") > size - _HEAD:
                raise Damaged("was damaged")
            head = stream.read(int.from_bytes(start[16:24], "little"))
            if zlib.crc32(head) != int.from_bytes(start[8:16], "little"):
                raise Damaged("was damaged")
            whole = memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
    except OSError:
        return None
    try:
        value, layout = marshal.loads(head)
        arrays, end = [], _HEAD + len(head)
        for kind, nbytes, crcs_bytes in layout:
            crcs = array("I")
            crcs.frombytes(crcs_bytes)
            start_at, end = _aligned(end), _aligned(end) + nbytes
            if len(crcs) != -(-nbytes // _BLOCK):
                raise ValueError("block checksums of the wrong number")
            arrays.append(Checked(whole[start_at:end], kind, crcs))
        if len(whole) != end:
            raise EOFError("not the length its head gives")
    except Exception as error:  # a head whose checksum held, yet it is not what `write` makes
        raise Damaged.because(error) from None
    if len(whole) < _CHECKED_WHOLE:
        for checked in arrays:
            checked.check()
    return value, arrays


def _block_crcs(raw: memoryview) -> bytes:
    return array("I", (zlib.crc32(raw[at : at + _BLOCK]) for at in range(0, len(raw), _BLOCK))).tobytes()
