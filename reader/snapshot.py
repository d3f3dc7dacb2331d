"""The paper file: library.json's papers in a form read back without parsing, kept beside it.

Decoding 1.6 GB of JSON into 1M papers takes a minute, and 1M `Paper` objects
held in memory take 3.5 GB. So the papers are kept in `library.papers` and read
from it one at a time, as they are shown (see `papertable.PaperTable`): each
paper's fields as one record (marshal of the field tuple, compressed alone by
zstd with a dictionary trained on the library's own records, so a record reads
back alone, and the file is about 0.4 of the JSON), the records one after the
other, and arrays to find them: where each record and each id starts, and the
ids' hashes sorted (with the record of each), so a look-up by id reads a few
pages of the mapped file and nothing is decoded at a start.

library.json stays the record: a paper file names the exact file it was made from
(inode, size, modification and change times) and the content id of its bytes
(their digest, see `content_digest`). A stat is what each start can afford, so
while library.json is that very file the paper file is used at once. Once the stat
differs, the file may be another (an import's, a restored backup, a hand edit)
or the same bytes with new metadata: `touch`, `chmod`, a hard link or a backup
tool change the change time, which no one can set back. Re-parsing 1.6 GB of JSON
because of that cost 23 s at 1M papers. So a file of the paper file's size is
digested (a streamed read, about 2 s a GB) and the paper file used if the digest
is its content id; the stat it was checked under is kept in `library.papers.seen`,
so later starts are back to a stat. Anything else falls back to parsing the JSON.
A paper file that cannot be read or written only costs a slower start; it is
never an error.

Damage. Everything but the records (the head and the arrays, 40 bytes a paper) is
under one CRC-32, checked at the start; each record carries zstd's own checksum of
its content, checked when it is read: checking 700 MB of records at every start
would cost most of a second at 1M papers. A damaged head or array is `Damaged` at
the start (the caller reads library.json instead, and says so); a damaged record
is `Damaged` when it is read (see PaperTable for what happens then).
"""

from __future__ import annotations

import bisect
import contextlib
import hashlib
import marshal
import mmap
import os
import shutil
import tempfile
import threading
import zlib
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import accumulate, pairwise
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol, TypeAlias, runtime_checkable

import zstandard

from reader import marshalfile
from reader.files import replaced
from reader.marshalfile import Damaged
from reader.marshalfile import aligned as _aligned
from reader.marshalfile import put as _put  # (a name here: a test makes it fail)
from reader.models import FIELDS, SOURCES_AT, Paper, Source, record_values, values_dict

PAPERS_FILE = "library.papers"
SEEN_FILE = f"{PAPERS_FILE}.seen"  # (a library.json stat, the content id its bytes were found to have): see seen_path
OLD_FILES = ("library.snapshot", "library.snapshot.seen")  # older readers' whole-library copy: removed with a paper file written
_MAGIC = b"readerP\x01"
_HEAD = 32  # MAGIC, the CRC-32 of the checked part, its length, the length of the marshal head
_VERSION = 2  # 2: each paper's date, for the newest-first order without decoding the papers
_LEVEL = 1  # zstd level: the file is written at every import, and level 3 saves only another 10%
_DICTIONARY_SIZE = 112_640  # zstd's default; trained on at most SAMPLES records
SAMPLES = 4000
# The trainer's segment and d-mer sizes, given: left to zstd, training took 0.3 s of
# every import and of a start without caches (1 s beside its workers); so, 0.07 s, and
# the records as small (100k papers': 76.79 MB compressed, 76.82 with zstd's choice).
_SEGMENT, _DMER = 500, 8

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


def digest_of(path: Path, expected: Identity) -> str | None:
    """The content id of the file at `path`, if it is still the file stat'ed as
    `expected` before and after the read (else None: it was replaced meanwhile)."""
    try:
        with open(path, "rb", buffering=0) as stream:
            if fd_identity(stream.fileno()) != expected:
                return None
            digest, buffer = content_digest(), bytearray(1 << 20)
            view = memoryview(buffer)
            while size := stream.readinto(buffer):
                digest.update(view[:size])
            return digest.hexdigest() if fd_identity(stream.fileno()) == expected else None
    except OSError:
        return None


def fd_identity(fd: int) -> Identity:
    """`identity` of the file open as `fd`."""
    st = os.fstat(fd)
    return (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)


def seen_path(cache: Path) -> Path:
    """Where the stat `cache`'s source was last found to hold its content is noted:
    beside it, its own (the segments' caches share a folder, not a source)."""
    return cache.with_name(f"{cache.name}.seen")


# The content ids this process read sources for, by their stat (as the .seen notes keep
# them): a home copied whole (a backup restored) has every cache note a new stat, and
# its paper file and keys file each read library.json again, 1.5 s apiece at 1M papers.
_DIGESTED: dict[tuple[Path, Identity], str] = {}
_DIGESTED_AT_MOST = 32


def same_content(path: Path, library: Path, now: Identity, made_from: Identity, content_id: str) -> bool:
    """Does library.json, stat'ed as `now`, hold the bytes the cache at `path` (this
    paper file, or another cache beside it) was made from, stat'ed then as `made_from`,
    content id `content_id`?"""
    if now == made_from:
        return True
    if now[1] != made_from[1]:
        return False  # another size: other bytes, no need to read them
    seen = seen_path(path)
    with contextlib.suppress(marshalfile.Damaged, TypeError, ValueError):
        found = marshalfile.read(seen)
        if found is not None and found[0] == [list(now), content_id]:
            return True
    content = _DIGESTED.get((library, now)) or digest_of(library, now)
    if content is None:
        return False
    if len(_DIGESTED) >= _DIGESTED_AT_MOST:
        _DIGESTED.clear()
    _DIGESTED[(library, now)] = content
    if content != content_id:
        return False
    with contextlib.suppress(OSError, ValueError):
        marshalfile.write(seen, [list(now), content_id])
    return True


# A record is the tuple of Paper's fields in their order (models.FIELDS), sources as
# plain tuples. The names are stored too, so a paper file of an older Paper is simply not used.


def record(paper: Paper) -> bytes:
    """The paper's record, before it is compressed."""
    return record_of(record_values(paper))


def record_of(values: list[Any]) -> bytes:
    """The record of a paper's field values, as `models.paper_values` gives them."""
    return marshal.dumps(tuple(values))


def decode(data: bytes) -> Paper:
    """The paper of a record (`record`). Raises what a record not of our making makes marshal or Paper raise."""
    values = list(values_of(data))
    values[SOURCES_AT] = tuple(Source(*source) for source in values[SOURCES_AT])
    return Paper(*values)


def values_of(data: bytes) -> tuple[Any, ...]:
    """A record's field values, each source as the tuple of its fields (see `models.values_dict`)."""
    return marshal.loads(data)


def record_dict(data: bytes) -> dict[str, Any]:
    """`decode(data).to_dict()`, without the Paper (library.json is written from records so)."""
    return values_dict(values_of(data))


class Decoded(NamedTuple):
    """A paper with the record it was decoded from (`decode(record)`): stored as it
    came, it is kept as that record, not encoded again (see `ingest.aside`)."""

    paper: Paper
    record: bytes


def id_hash(paper_id: str) -> int:
    """The hash a paper file sorts its ids by: stable across processes, unlike hash()."""
    return zlib.crc32(_utf8(paper_id))


def _utf8(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


@runtime_checkable
class Recorded(Protocol):
    """Papers that give their ids, dates and records without being decoded
    (`papertable.Papers`: an import's are held as records in its temp file)."""

    def __len__(self) -> int: ...
    def ids(self) -> list[str]: ...
    def dates(self) -> list[str]: ...
    def record(self, place: int) -> bytes: ...


_RUN = 1000  # papers compressed at a time when a paper file is written from papers


def write(path: Path, made_from: Identity, content_id: str, papers: Sequence[Paper] | Recorded) -> None:
    """Best effort, atomically: a torn paper file must not be mistaken for a good one.
    An older reader's whole-library snapshot beside it goes (1.5 GB at 1M papers).

    Each paper is read once (and the dictionary's samples once more) and not kept:
    `papers` may be a table's, read as asked for, as records where they are held so.
    The compressed records go to an unlinked temp file beside `path` until they are
    copied after the arrays that find them: all 1M records (and their uncompressed
    form) held at once were 2.7 GB of an import's peak."""
    if isinstance(papers, Recorded):
        ids, dates, record_at = papers.ids(), papers.dates(), papers.record
    else:
        ids, dates = [paper.id for paper in papers], [paper.date for paper in papers]

        def record_at(place: int) -> bytes:
            return record(papers[place])

    def written() -> None:
        with tempfile.TemporaryFile(dir=path.parent) as spill:
            dictionary, columns = encode(ids, dates, record_at, spill)
            _write(path, made_from, content_id, dictionary, [columns])

    _best_effort(path, written)


def encode(
    ids: Sequence[str], dates: Sequence[str], record_at: Callable[[int], bytes], records: IO[bytes]
) -> tuple[zstandard.ZstdCompressionDict | None, Columns]:
    """The papers of `ids` as a paper file holds them: the dictionary trained on a sample
    of their records (`record_at(place)`), and their columns, the compressed records
    written to `records` (see `write`)."""
    count = len(ids)
    dictionary = train([record_at(place) for place in range(0, count, max(1, count // SAMPLES))])
    columns = Columns(dictionary, records)
    for start in range(0, count, _RUN):
        end = min(count, start + _RUN)
        columns.add(ids[start:end], dates[start:end], map(record_at, range(start, end)))
    return dictionary, columns


def write_columns(
    path: Path, made_from: Identity, content_id: str, dictionary: zstandard.ZstdCompressionDict | None, parts: Sequence[Columns]
) -> None:
    """`write`, of papers encoded already (`Columns` compressed with `dictionary`), in
    order: the parts of one library encoded apart (see `reader.coldload`)."""
    _best_effort(path, lambda: _write(path, made_from, content_id, dictionary, parts))


def _best_effort(path: Path, write: Callable[[], None]) -> None:
    try:
        write()
    except (OSError, ValueError, zstandard.ZstdError):
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)  # a stale paper file is ignored anyway; a missing one is plainer
    for name in OLD_FILES:
        with contextlib.suppress(OSError):
            path.with_name(name).unlink(missing_ok=True)


Blob: TypeAlias = "bytes | bytearray | array[int] | list[bytes]"  # a list: its items' bytes one after the other


class Columns:
    """A run of papers as a paper file holds them: each paper's id, its hash, its date
    and its record compressed (with `dictionary`), each column one blob or array, so
    a run encoded in another process comes back as a few blobs (see `reader.coldload`).
    The records stay the list they were compressed into (joined, they were copied
    twice more: 1.6 GB at 1M papers), or go to `spill`, a file, as they are added."""

    NAMES = ("ids", "id_lengths", "hashes", "dates", "date_lengths", "records", "record_lengths")
    KINDS = ("B", "q", "I", "B", "q", "B", "q")  # of each, as an array

    def __init__(self, dictionary: zstandard.ZstdCompressionDict | None = None, spill: IO[bytes] | None = None):
        self.ids, self.id_lengths, self.hashes = bytearray(), array("q"), array("I")
        self.dates, self.date_lengths = bytearray(), array("q")
        self.records: list[bytes] | IO[bytes] = [] if spill is None else spill
        self.record_lengths = array("q")
        self._compress = zstandard.ZstdCompressor(level=_LEVEL, dict_data=dictionary, write_checksum=True).compress

    def __len__(self) -> int:
        return len(self.id_lengths)

    def add(self, ids: Sequence[str], dates: Sequence[str], records: Iterable[bytes]) -> None:
        """Papers after those added before: their ids, `Paper.date`s and `record`s."""
        encoded_ids = list(map(_utf8, ids))
        encoded_dates = list(map(_utf8, dates))
        compressed = list(map(self._compress, records))
        self.ids += b"".join(encoded_ids)
        self.id_lengths.extend(map(len, encoded_ids))
        self.hashes.extend(map(zlib.crc32, encoded_ids))
        self.dates += b"".join(encoded_dates)
        self.date_lengths.extend(map(len, encoded_dates))
        if isinstance(self.records, list):
            self.records += compressed
        else:
            self.records.writelines(compressed)
        self.record_lengths.extend(map(len, compressed))

    def blobs(self) -> list[Blob]:
        """The columns in NAMES's order (`from_blobs` makes them a Columns again)."""
        return [getattr(self, name) for name in self.NAMES]

    @classmethod
    def from_blobs(cls, blobs: Sequence[bytes | bytearray | array[int]]) -> Columns:
        columns = cls.__new__(cls)
        for name, blob in zip(cls.NAMES, blobs, strict=True):
            setattr(columns, name, [blob] if name == "records" else blob)
        if not len(columns.id_lengths) == len(columns.hashes) == len(columns.date_lengths) == len(columns.record_lengths):
            raise ValueError("columns of unequal length")
        return columns


def _write(
    path: Path, made_from: Identity, content_id: str, dictionary: zstandard.ZstdCompressionDict | None, parts: Sequence[Columns]
) -> None:
    def joined(name: str) -> array[int]:
        whole = array(getattr(parts[0], name).typecode)
        for part in parts:
            whole += getattr(part, name)
        return whole

    hashes = joined("hashes")
    by_hash = _stable_order(hashes)
    arrays: list[bytes | array[int]] = [
        array("q", accumulate(joined("id_lengths"), initial=0)),
        b"".join(part.ids for part in parts),
        array("I", map(hashes.__getitem__, by_hash)),
        by_hash,
        array("q", accumulate(joined("record_lengths"), initial=0)),
        array("q", accumulate(joined("date_lengths"), initial=0)),
        b"".join(part.dates for part in parts),
    ]
    count = len(hashes)
    dictionary_bytes = dictionary.as_bytes() if dictionary is not None else b""
    head = marshal.dumps(
        (_VERSION, made_from, content_id, FIELDS, count, dictionary_bytes, [(memoryview(a).format, len(a)) for a in arrays])
    )
    checked_end = _HEAD + len(head)
    for data in arrays:
        checked_end = _aligned(checked_end) + memoryview(data).nbytes
    with replaced(path) as stream:
        stream.write(_MAGIC + bytes(8))  # the checksum goes in last
        # The checked part's length first, so a reader checks it before it trusts a byte.
        checked = (checked_end - 16).to_bytes(8, "little") + len(head).to_bytes(8, "little") + head
        checksum = _put(stream, checked, 0)
        position = _HEAD + len(head)
        for data in arrays:
            checksum = _put(stream, bytes(_aligned(position) - position), checksum)
            checksum = _put(stream, data, checksum)
            position = _aligned(position) + memoryview(data).nbytes
        stream.write(bytes(_aligned(position) - position))
        for part in parts:
            if isinstance(part.records, list):
                stream.writelines(part.records)
            else:
                part.records.seek(0)
                shutil.copyfileobj(part.records, stream, 1 << 20)
        stream.seek(8)
        stream.write(checksum.to_bytes(8, "little"))


def _stable_order(hashes: array[int]) -> array[int]:
    """The record numbers sorted by their ids' hashes, records of one hash in record
    order (a look-up finds an id's first record first). numpy's sort: Python's took
    a second at 1M papers; imported here, as the CLI's start never writes a file."""
    import numpy as np

    order = np.argsort(np.frombuffer(hashes, dtype=np.uint32), kind="stable").astype(np.uint32)
    return array("I", order.tobytes())


def train(records: Sequence[bytes]) -> zstandard.ZstdCompressionDict | None:
    """A dictionary of what the records share (field names, sources, common words):
    a record of 2 KB compressed alone shrinks to half with it, to 0.9 without.
    None for a library too small to train one on (then none is needed). Trained on
    at most about SAMPLES records, spread over them."""
    if len(records) < 100:
        return None
    step = max(1, len(records) // SAMPLES)
    try:
        return zstandard.train_dictionary(_DICTIONARY_SIZE, list(records[::step]), k=_SEGMENT, d=_DMER)
    except zstandard.ZstdError:
        return None


class PaperFile:
    """One paper file as read: its papers by record number (the order they were
    written in, the library's), and the record number of an id. Thread-safe: each
    thread has its own decompressor (zstd's are not to be shared, and making one
    digests the dictionary anew)."""

    def __init__(self, content_id: str, count: int, dictionary: bytes, arrays: list[memoryview], records: memoryview):
        self.content_id = content_id
        self.count = count
        self._id_offsets, self._ids, self._hashes, self._by_hash, self._offsets, self._date_offsets, self._dates = arrays
        self._records = records
        self._dictionary = zstandard.ZstdCompressionDict(dictionary) if dictionary else None
        self._local = threading.local()

    def __len__(self) -> int:
        return self.count

    def id_at(self, record: int) -> str:
        return str(self._ids[self._id_offsets[record] : self._id_offsets[record + 1]], "utf-8", "surrogatepass")

    def ids(self) -> list[str]:
        """Every id, in record order (for a caller that wants them all at once)."""
        return _strings(self._ids, self._id_offsets)

    def dates(self) -> list[str]:
        """Every paper's `Paper.date`, in record order, without decoding the papers."""
        return _strings(self._dates, self._date_offsets)

    def iter_ids(self) -> Iterator[str]:
        return map(self.id_at, range(self.count))

    def record_of(self, paper_id: str) -> int | None:
        """The record of the paper `paper_id`, None if the file holds no such paper."""
        wanted = id_hash(paper_id)
        i = bisect.bisect_left(self._hashes, wanted)
        while i < self.count and self._hashes[i] == wanted:
            record = self._by_hash[i]
            if self.id_at(record) == paper_id:
                return record
            i += 1
        return None

    def paper(self, record: int) -> Paper:
        """Raises Damaged for a record that is not as it was written."""
        data = self._records[self._offsets[record] : self._offsets[record + 1]]
        try:
            return decode(self._decompressor().decompress(data))
        except Exception as error:  # zstd's checksum failed, or a record not of our making
            raise Damaged.because(error) from None

    def _decompressor(self) -> zstandard.ZstdDecompressor:
        made = getattr(self._local, "decompressor", None)
        if made is None:
            made = self._local.decompressor = zstandard.ZstdDecompressor(dict_data=self._dictionary)
        return made


def _strings(blob: memoryview, offsets: memoryview) -> list[str]:
    """The texts of a blob of UTF-8 cut at `offsets`, all at once."""
    text, cuts = str(blob, "utf-8", "surrogatepass"), offsets.tolist()
    if len(text) != len(blob):  # not ASCII: the byte offsets are not the characters'
        return [str(blob[a:b], "utf-8", "surrogatepass") for a, b in pairwise(cuts)]
    return [text[a:b] for a, b in pairwise(cuts)]


def read(path: Path, source: Path, library: Identity | None) -> PaperFile | None:
    """The paper file at `path` if it was made from the bytes of the library file
    `source`, stat'ed as `library`; None if there is none, or it was made from
    another (an older version of it), or by an older reader. Raises Damaged for
    a paper file whose head or arrays are not as they were written."""
    if library is None:
        return None
    try:
        with open(path, "rb", buffering=0) as stream:
            if os.fstat(stream.fileno()).st_size < _HEAD:  # (an empty file cannot be mapped)
                raise Damaged("was damaged (cut short)")
            whole = memoryview(mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ))
    except OSError:
        return None
    checked_end = 16 + int.from_bytes(whole[16:24], "little")
    if bytes(whole[:8]) != _MAGIC or not _HEAD <= checked_end <= len(whole):
        raise Damaged("was damaged")
    if zlib.crc32(whole[16:checked_end]) != int.from_bytes(whole[8:16], "little"):
        raise Damaged("was damaged")
    try:
        size = int.from_bytes(whole[24:32], "little")
        value = marshal.loads(whole[_HEAD : _HEAD + size])
        if value[0] != _VERSION:
            return None
        _, made_from, content_id, fields, count, dictionary, layout = value
        if tuple(fields) != FIELDS or not same_content(path, source, library, tuple(made_from), content_id):
            return None
        arrays, start = [], _aligned(_HEAD + size)
        for kind, length in layout:
            end = start + length * array(kind).itemsize
            arrays.append(whole[start:end].cast(kind))
            start = _aligned(end)
        id_offsets, ids, hashes, by_hash, offsets, date_offsets, dates = arrays
        if not (len(id_offsets) == len(offsets) == len(date_offsets) == count + 1 and len(hashes) == len(by_hash) == count):
            raise ValueError("arrays of unequal length")
        if _aligned(end) + offsets[-1] != len(whole):
            raise EOFError("cut short")
        return PaperFile(content_id, count, dictionary, arrays, whole[_aligned(end) :])
    except Exception as error:  # checked bytes that do not decode: never worth a crash
        raise Damaged.because(error) from None
