"""Files of marshal data: caches beside library.json (the search index, the keys file).

Caches only: each names what it was made from and is rebuilt when it does not
match, so writing needs to be atomic, not durable. Reading trusts nothing: a
flipped byte in a title would otherwise show a wrong title, and one in a posting
list would send a search out of range. So the file carries a checksum of all
its bytes after it, checked before anything is decoded (CRC-32: 30-50 ms for
the 180 MB of 100k papers' marshal; a cryptographic hash costs 4-8 times that,
and guards against nothing a cache has to fear).

Layout: MAGIC (8 bytes), the CRC-32 of everything after the checksum (8 bytes),
the length of the marshal part (8 bytes), the marshal part, then the raw bytes of
each array, 8-byte aligned. The arrays are not copied on reading: they stay views
of the mapped file, which the page cache shares.
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

from reader.files import replaced

MAGIC = b"reader\xa7\x01"
_HEAD = 24


class Damaged(Exception):
    """The file is not as it was written: the message says how, after its name
    ("library.keys was damaged")."""

    @classmethod
    def because(cls, error: Exception) -> Damaged:
        """For a file whose checksum held, yet its content does not decode as it should."""
        return cls(f"was damaged ({type(error).__name__}: {error})")


def read(path: Path) -> tuple[Any, list[memoryview]] | None:
    """(value, arrays) from `path`; None if there is none to read (no such file,
    not readable, or written by an older reader). Raises Damaged for anything else.

    Checked through a small buffer, then mapped, not read: read() would copy the
    file into a fresh buffer, and faulting in 180 MB of new memory costs a tenth
    of a second at 100k papers.
    """
    try:
        with open(path, "rb", buffering=0) as stream:
            head = stream.read(_HEAD)
            if head[:8] != MAGIC and _older_layout(head, os.fstat(stream.fileno()).st_size):
                return None
            stored = int.from_bytes(head[8:16], "little")
            if head[:8] != MAGIC or len(head) < _HEAD or stored != _checksum(stream, zlib.crc32(head[16:])):
                raise Damaged("was damaged")
            whole = memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
    except OSError:
        return None
    try:
        return _decode(whole)
    except Exception as error:  # checked bytes that do not decode: never worth a crash
        raise Damaged.because(error) from None


def _checksum(stream: Any, checksum: int) -> int:
    """CRC-32 of the rest of `stream`, read through one small buffer: through the
    mapping, it would make every page of the index resident, where searches read
    only the postings they need (40 MB more at 100k papers)."""
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    while size := stream.readinto(buffer):
        checksum = zlib.crc32(view[:size], checksum)
    return checksum


def _decode(whole: memoryview) -> tuple[Any, list[memoryview]]:
    size = int.from_bytes(whole[16:24], "little")
    if len(whole) < _HEAD + size:
        raise EOFError("cut short")
    value, layout = marshal.loads(whole[_HEAD : _HEAD + size])
    arrays, start = [], aligned(_HEAD + size)
    for kind, length in layout:
        if start + length > len(whole):
            raise EOFError("cut short")
        arrays.append(whole[start : start + length].cast(kind))
        start = aligned(start + length)
    return value, arrays


def _older_layout(head: bytes, size: int) -> bool:
    """Before the checksum, a file began with the length of its marshal part, then
    that part. MAGIC read as a length is beyond any file (bytes 4-7 are not zero,
    and a damaged byte changes one of them at most), so damage never looks older."""
    return len(head) > 8 and 0 < int.from_bytes(head[:8], "little") <= size - 8


def write(path: Path, value: Any, arrays: Sequence[Any] = ()) -> None:
    """Replace `path` atomically (no fsync: a torn cache only fails its checksum). Raises OSError."""
    views = [memoryview(a) for a in arrays]
    head = marshal.dumps((value, [(v.format, v.nbytes) for v in views]))
    with replaced(path) as stream:
        stream.write(MAGIC + bytes(8))  # the checksum goes in last
        # Two writes, not one of their concatenation: that would copy the marshal
        # part, the whole snapshot (1.9 GB at 1M papers), at an import's peak.
        checksum = put(stream, len(head).to_bytes(8, "little"), 0)
        checksum = put(stream, head, checksum)
        position = _HEAD + len(head)
        for view in views:
            checksum = put(stream, bytes(aligned(position) - position), checksum)
            checksum = put(stream, view, checksum)
            position = aligned(position) + view.nbytes
        stream.seek(8)
        stream.write(checksum.to_bytes(8, "little"))


def put(stream: Any, data: bytes | array | memoryview, checksum: int) -> int:
    """Write `data` and go on with the checksum of what was written (the cache files' layout)."""
    stream.write(data)
    return zlib.crc32(data, checksum)


def aligned(offset: int) -> int:
    """The offset rounded up to 8 bytes: where the next array of a cache file starts."""
    return -(-offset // 8) * 8
