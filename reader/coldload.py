"""library.json's paper file and keys file made in worker processes, at a start without them.

Why. A home holding only library.json (copied from another machine, its caches
deleted, an older reader's) was read whole in this process: 1.9 GB of JSON at 1M
papers parsed, a million `Paper`s made and checked, then encoded again into the
paper file: 49 s and 8 GB. Nothing needs those papers in memory: only the paper
file and the keys file made from them.

How. library.json as `library_chunks` writes it has each record on a line
of its own (a newline is JSON's whitespace; one inside a text is written `\\n`).
The lines are cut into one run per worker; each worker (a child Python running
this module, as the search index's workers do: safe from a process with threads,
and no re-import of the app) reads its run a few megabytes at a time, checks each
record as `Paper.from_dict` does (`models.paper_values`, its checks without the
Paper), and encodes it as the paper file holds it (`snapshot.Columns`, compressed
with the dictionary this process trained on a sample of lines meanwhile), with its
keys (`paperkeys.add_aliases`). This process
digests the file for its content id meanwhile, and the caller writes the paper
file and the keys file from the workers' columns, which it never decodes.

Why runs that parse are the file's records: a run cut at a newline inside a record
leaves a bracket of it open, so it does not parse; each run is read as `{run}`,
its last comma dropped, and must hold one record a line, numbered on from the
run before. So anything but our own layout is None, and the caller reads the file
as before, in its own process, with the checks and messages it always had: a file
TinyDB or a person wrote, a small one (starting the workers costs more), a record a
worker refuses (the caller's read then names it), document ids out of order or
repeated (which record wins is the whole file's parse to say), a worker that cannot
start or dies (said on stderr, as the index's workers do), a file replaced meanwhile.
"""

from __future__ import annotations

import gc
import marshal
import mmap
import os
import subprocess
import sys
from array import array
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import IO, Any

import orjson
import zstandard

from reader import jsoncodec, paperkeys, snapshot
from reader.models import FIELDS, SOURCES_AT, Source, paper_date, paper_keys, paper_values
from reader.resources import say_worker_failed, worker_ended, worker_env

# library.json as `library_chunks` writes it: the head, the records (`"1":{...}`)
# with the separator between them, the tail.
HEAD = b'{"papers":{\n'
SEPARATOR = b",\n"
TAIL = b"\n}}"
EMPTY = b'{"papers":{}}'
_CHUNK = 1000  # papers encoded at a time when library.json is written
SMALLEST = 32 << 20  # bytes of library.json (about 16k papers) worth starting workers for
WORKERS = min(4, os.cpu_count() or 1)  # as the search index's
_BLOCK = 4 << 20  # bytes a worker parses at a time
_REFUSED = 3  # a worker's exit status for a run that is not ours to read (see the docstring)


def library_chunks(count: int, dict_at: Callable[[int], dict[str, Any]], digest: Any) -> Iterator[bytes]:
    """The library file's whole content, of `count` papers (`dict_at(place)`: one's
    `Paper.to_dict`), in TinyDB's layout (table -> doc_id -> document, numbered from 1
    as TinyDB numbers a new table; nothing is keyed by doc_id, which TinyDB reuses
    after deletes), as `jsoncodec.dumps` writes it but for a newline before each
    record and after the last: a few thousand papers at a time, each part added to
    `digest`. Whole, the records' dicts and their JSON were each as large as the
    papers again (1.9 GB of JSON at 1M papers) on top of them, at an import's peak.
    The newlines are JSON's whitespace (a newline inside a text is written `\\n`), so
    a start without the paper file can cut the file into runs of whole records and
    read them in parallel (`encode`)."""
    for start in range(0, count, _CHUNK):
        places = range(start, min(start + _CHUNK, count))
        body = SEPARATOR.join(b'"%d":%s' % (n + 1, jsoncodec.dumps(dict_at(n))) for n in places)
        for part in (SEPARATOR if start else HEAD, body):
            digest.update(part)
            yield part
    end = TAIL if count else EMPTY
    digest.update(end)
    yield end


@dataclass
class Encoded:
    """library.json's papers as its paper file and keys file hold them (see `snapshot.write_columns`)."""

    content_id: str
    dictionary: zstandard.ZstdCompressionDict | None
    parts: list[snapshot.Columns]
    aliases: dict[str, str]


def encode(path: Path, library: snapshot.Identity) -> Encoded | None:
    """The papers of the library file `path`, stat'ed as `library`, encoded in
    worker processes; None if it is not a file to read so (see the docstring)."""
    if library[1] < SMALLEST or WORKERS < 2:
        return None
    try:
        with open(path, "rb") as stream:
            if snapshot.fd_identity(stream.fileno()) != library:
                return None
            whole = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None
    with whole:
        if not (whole[: len(HEAD)] == HEAD and whole[-len(TAIL) :] == TAIL):
            return None
        body = (len(HEAD), len(whole) - len(TAIL))
        procs = [_start(path, library, run) for run in _runs(whole, *body, WORKERS)]
        try:
            dictionary = snapshot.train(_sample(whole, *body))
            for proc in procs:
                _send(proc, dictionary)
            content_id = snapshot.digest_of(path, library)
            parts = [_collect(proc) for proc in procs]
        finally:
            for proc in procs:
                _stop(proc)
    found = [part for part in parts if part is not None]
    if content_id is None or len(found) < len(parts) or not _numbered_on(found):
        return None
    aliases = paperkeys.joined_aliases([aliases for *_, aliases in found])
    return Encoded(content_id, dictionary, [columns for _, columns, _ in found], aliases)


def _runs(whole: mmap.mmap, start: int, end: int, workers: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each worker's lines: about equal, each cut at a newline."""
    begin = start
    for k in range(1, workers):
        cut = whole.find(b"\n", max(start, begin + (end - begin) * k // workers), end)
        if cut >= 0:
            yield start, cut
            start = cut + 1
    yield start, end


def _sample(whole: mmap.mmap, start: int, end: int) -> list[bytes]:
    """Records (`snapshot.record_of`) of lines spread over the file, for its dictionary.
    A line that does not read is left out: the worker reading it refuses it."""
    records: list[bytes] = []
    step = max(1, (end - start) // snapshot.SAMPLES)
    line_end = start - 1
    for position in range(start, end, step):
        line_start = whole.find(b"\n", position - 1, end) + 1 if position > start else start
        if line_start <= line_end:
            continue  # a long line, sampled already
        line_end = whole.find(b"\n", line_start, end)
        if line_end < 0:
            line_end = end
        try:
            [record] = _records(whole[line_start:line_end]).values()
            records.append(snapshot.record_of(paper_values(record)))
        except ValueError:
            continue
    return records


def _records(lines: bytes) -> dict[str, object]:
    records = orjson.loads(b"{%s}" % lines.removesuffix(b","))
    if len(records) != lines.count(b"\n") + 1:
        raise ValueError("not a record a line")
    return records


# --- the worker's side ------------------------------------------------------------------


def _start(path: Path, library: snapshot.Identity, run: tuple[int, int]) -> subprocess.Popen[bytes] | None:
    try:
        return subprocess.Popen(
            [sys.executable, "-m", "reader.coldload", str(path), *map(str, library), *map(str, run)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=worker_env(),
        )
    except Exception as error:
        _say(f"could not start ({type(error).__name__}: {error})")
        return None


def _send(proc: subprocess.Popen[bytes] | None, dictionary: zstandard.ZstdCompressionDict | None) -> None:
    if proc is None:
        return
    assert proc.stdin is not None
    data = dictionary.as_bytes() if dictionary is not None else b""
    try:
        with proc.stdin as stream:
            stream.write(len(data).to_bytes(8, "little"))
            stream.write(data)
    except OSError:
        pass  # it died: _collect says so


Part = tuple[int, snapshot.Columns, dict[str, str]]  # (first document id, columns, aliases)


def _collect(proc: subprocess.Popen[bytes] | None) -> Part | None:
    if proc is None:
        return None
    assert proc.stdout is not None
    part, problem = None, ""
    try:
        with proc.stdout as stream:
            first = marshal.loads(read_blob(stream, "B"))
            columns = snapshot.Columns.from_blobs([read_blob(stream, kind) for kind in snapshot.Columns.KINDS])
            part = (first, columns, marshal.loads(read_blob(stream, "B")))
    except Exception as error:
        problem = f"sent back no papers ({type(error).__name__}: {error})"
    code = proc.wait()
    if code not in (0, _REFUSED):
        _say(worker_ended(code))
    elif code == 0 and part is None:
        _say(problem)
    return part if code == 0 else None


def _stop(proc: subprocess.Popen[bytes] | None) -> None:
    if proc is not None and proc.poll() is None:
        try:
            proc.kill()
            proc.wait()
        except OSError:
            pass


def _say(problem: str) -> None:
    say_worker_failed("reading library.json", problem)


def _numbered_on(parts: list[Part]) -> bool:
    """Does each run's first document id follow the run before's last (1 first)?"""
    expected = 1
    for first, columns, _ in parts:
        if first != expected:
            return False
        expected += len(columns)
    return True


def read_blob(stream: IO[bytes], kind: str) -> array[int]:
    """The next length-prefixed blob of `stream` as an array of `kind`, read into it in place."""
    size = int.from_bytes(_exactly(stream, 8), "little")
    blob = array(kind, [0]) * (size // array(kind).itemsize)
    view = memoryview(blob).cast("B")
    while view:
        got = stream.readinto(view)  # type: ignore[attr-defined]
        if not got:
            raise EOFError("cut short")
        view = view[got:]
    return blob


def _exactly(stream: IO[bytes], size: int) -> bytes:
    data = stream.read(size)
    if len(data) != size:
        raise EOFError("cut short")
    return data


def write_blob(stream: IO[bytes], blob: snapshot.Blob) -> None:
    pieces = blob if isinstance(blob, list) else [memoryview(blob).cast("B")]
    stream.write(sum(map(len, pieces)).to_bytes(8, "little"))
    stream.writelines(pieces)


class _Refused(Exception):
    """The run is not ours to read (see the docstring)."""


def serve(path: Path, library: snapshot.Identity, start: int, end: int, source: IO[bytes], out: IO[bytes]) -> None:
    """A worker's work: the lines [start, end) of the library file, encoded, to `out`.
    The dictionary to compress them with comes in `source` when it is trained: the
    records read meanwhile wait for it, made but not compressed."""
    gc.disable()  # records of dicts and strings, none in a cycle: the collector would only slow this down
    with open(path, "rb") as stream, ThreadPoolExecutor(1) as pool:
        if snapshot.fd_identity(stream.fileno()) != library:
            raise _Refused  # replaced since: the caller reads it as it is now
        dictionary = pool.submit(_read_dictionary, source)
        columns: snapshot.Columns | None = None
        waiting: list[tuple[list[str], list[str], list[bytes]]] = []
        aliases: dict[str, str] = {}
        first, count = None, 0
        stream.seek(start)
        for lines in _blocks(stream, end - start):
            records = _records(lines)
            numbers = list(records)
            if first is None:
                first = int(numbers[0]) if numbers[0].isascii() and numbers[0].isdigit() else 0
            if numbers != [str(n) for n in range(first + count, first + count + len(numbers))]:
                raise _Refused
            made = _encoded(records.values(), aliases)
            count += len(made[0])
            waiting.append(made)
            if columns is None and dictionary.done():
                columns = snapshot.Columns(dictionary.result())
            if columns is not None:
                for made in waiting:
                    columns.add(*made)
                waiting = []
        if columns is None:
            columns = snapshot.Columns(dictionary.result())
        for made in waiting:
            columns.add(*made)
    write_blob(out, marshal.dumps(first))
    for blob in columns.blobs():
        write_blob(out, blob)
    # Sorted here, in parallel: the keys file sorts the runs' keys joined, two sorted
    # runs then, which it merges in a fifth of the time a sort takes (1 s at 1M papers).
    write_blob(out, marshal.dumps(dict(sorted(aliases.items()))))


def _encoded(records: Iterable[object], aliases: dict[str, str]) -> tuple[list[str], list[str], list[bytes]]:
    """Each record's paper id, date and record for the paper file, its keys added to
    `aliases`; checked by `paper_values` (`Paper.from_dict`'s checks), ValueError if one
    is refused. No Paper is made: 6 us a paper of 40, made and taken apart again."""
    ids, dates, encoded = [], [], []
    for record in records:
        values = paper_values(record)
        ids.append(values[_ID])
        dates.append(paper_date(values[_PUBLISHED], (source[_SOURCE_DATE] for source in values[SOURCES_AT])))
        encoded.append(snapshot.record_of(values))
        paperkeys.add_aliases(aliases, values[_ID], paper_keys(values[_TITLE], values[_DOI], values[_ARXIV_ID]))
    return ids, dates, encoded


_ID, _TITLE, _PUBLISHED, _DOI, _ARXIV_ID = map(FIELDS.index, ("id", "title", "published", "doi", "arxiv_id"))
_SOURCE_DATE = [f.name for f in fields(Source)].index("date")


def _read_dictionary(source: IO[bytes]) -> zstandard.ZstdCompressionDict | None:
    size = int.from_bytes(_exactly(source, 8), "little")
    data = _exactly(source, size)
    return zstandard.ZstdCompressionDict(data) if data else None


def _blocks(stream: IO[bytes], size: int, block_size: int = _BLOCK) -> Iterator[bytes]:
    """The next `size` bytes of `stream`, a few megabytes at a time, each cut after a
    whole line (the newline left out)."""
    carried = b""
    while size > 0:
        block = carried + _exactly(stream, min(block_size, size))
        size -= len(block) - len(carried)
        cut = block.rfind(b"\n") if size else len(block)
        if cut < 0:
            carried = block
            continue
        yield block[:cut]
        carried = block[cut + 1 :]


def main(argv: list[str]) -> int:
    path, *numbers = argv
    ino, size, mtime, ctime, start, end = map(int, numbers)
    try:
        serve(Path(path), (ino, size, mtime, ctime), start, end, sys.stdin.buffer, sys.stdout.buffer)
    except (_Refused, ValueError):
        return _REFUSED
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
