"""The postings of a large library's fields, built in worker processes.

Its documents (each a title, an abstract and its authors' names) are split among
workers, started before the rest of the build so that they run while this
process goes on (an import writes library.json meanwhile). Titles and authors go
with the abstracts: inverted here, after an import's save, they kept its last
seconds on one core. A worker is a child Python running `reader.search.worker`
(`serve` below): unlike multiprocessing's spawn it never re-imports the app's
__main__, and unlike fork it is safe from a process that already runs threads
(the app builds in a worker thread).

The protocol, both sides of it here: the worker's stdin holds length-prefixed
marshal frames, each a list of documents (a tuple of texts, one per field), then
an empty frame; its first document number is its one argument. It inverts each
frame as it reads it (its texts are never all in memory: 650 MB a worker at 1M
papers), then writes a `Part` per field to stdout, each as three length-prefixed
blobs: the marshal'd words, then the offsets and the document numbers raw, which
this process reads straight into their arrays (a marshal'd part went through
three copies of its postings here).

A worker that cannot start (no processes in a sandbox, a frozen app, no room for
its texts in the temp folder) or that dies (the kernel's out-of-memory killer
takes the largest process first, a worker at 1M papers holds gigabytes) has its
share built in-process, and only its share: the others' parts are kept. That
costs time, so it is said on stderr in one line (the app captures stderr: the
line goes to its log, never onto the screen).
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import subprocess
import sys
import tempfile
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sized
from itertools import islice
from typing import IO, Any

from reader.resources import worker_ended, worker_env
from reader.search.postings import Part, invert, part_of

_FRAME = 2000  # documents per frame

Document = tuple[str, ...]  # its fields' texts, in the same order for every document


class FieldBuilder:
    """Inverts each of `fields` fields of the documents, in `workers` processes if there
    are 2 or more, else in-process when `parts()` is called; `parts()` collects the
    workers' parts.

    `documents` (`count` of them; by default their len) are read once, as they come:
    each worker's share goes to its temp file frame by frame, and the worker starts
    as soon as its share is there, so an index built from a paper file never has
    every abstract in memory (1 GB at 1M papers). The share of a worker that failed
    is read back from its temp file and built here; without workers (a library too
    small for them) the texts are held."""

    def __init__(self, documents: Iterable[Document], fields: int, workers: int, count: int | None = None):
        if count is None:
            assert isinstance(documents, Sized), "an iterator of documents comes with their count"
            count = len(documents)
        self._fields = fields
        step = -(-count // workers) if workers >= 2 and count else max(count, 1)
        # Each share (start, end), the process inverting it (None: this one) and its texts' file.
        self._shares: list[tuple[int, int, subprocess.Popen[bytes] | None]] = []
        self._texts: list[IO[bytes] | list[Document]] = []
        self._failures: list[str] = []
        env = worker_env() if workers >= 2 else {}
        texts = iter(documents)
        for start in range(0, count, step):
            end = min(count, start + step)
            proc = None
            share: IO[bytes] | list[Document] = (
                list(islice(texts, end - start)) if workers < 2 else self._file(texts, end - start)
            )
            if not isinstance(share, list):
                proc = self._start(start, share, env)
            self._shares.append((start, end, proc))
            self._texts.append(share)

    def _file(self, texts: Iterator[Document], count: int) -> IO[bytes] | list[Document]:
        """The next `count` documents in a temp file for a worker (in memory if there is none to be had,
        or no room in it for them all: the share is then built here).
        An unlinked temp file, written here at C speed, not a pipe fed by a thread that
        would compete for the GIL with whatever this process does meanwhile."""
        share: IO[bytes] | None = None
        written, frame = 0, []  # bytes of the frames wholly in the file; the frame being written
        try:
            share = tempfile.TemporaryFile()
            for frame in _frames(texts, count):
                _write_frame(share, marshal.dumps(frame))
                share.flush()  # a full disk is met by the frame it cut short, not by a later one
                written, frame = share.tell(), []
            _write_frame(share, b"")
        except OSError as error:
            self._failures.append(f"could not start ({type(error).__name__}: {error})")
            kept = _written_texts(share, written) if share is not None else []
            return kept + frame + list(islice(texts, count - len(kept) - len(frame)))
        return share

    def _start(self, start: int, texts: IO[bytes], env: dict[str, str]) -> subprocess.Popen[bytes] | None:
        try:
            texts.seek(0)
            return subprocess.Popen(
                [sys.executable, "-m", "reader.search.worker", str(start)],
                stdin=texts,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=env,
            )
        except Exception as error:
            self._failures.append(f"could not start ({type(error).__name__}: {error})")
            return None

    def stop(self) -> None:
        for _, _, proc in self._shares:
            if proc is not None:
                try:
                    proc.kill()
                    proc.wait()
                except Exception:
                    pass
        self._close()

    def _close(self) -> None:
        for texts in self._texts:
            if not isinstance(texts, list):
                texts.close()
        self._shares, self._texts = [], []

    def parts(self) -> list[list[Part]]:
        """For each field, one part per share: the worker's, or (it failed) one built here."""
        if not self._shares:
            return [[part_of((), ())] for _ in range(self._fields)]
        shares = []
        for (start, end, proc), texts in zip(self._shares, self._texts, strict=True):
            parts = self._collect(proc) if proc is not None else None
            if parts is None:
                documents = texts if isinstance(texts, list) else _texts_in(texts)
                parts = [part_of(field, range(start, end)) for field in _columns(documents, self._fields)]
            shares.append(parts)
        self._close()
        self._report(len(shares))
        return [list(field) for field in zip(*shares, strict=True)]

    def _collect(self, proc: subprocess.Popen[bytes]) -> list[Part] | None:
        assert proc.stdout is not None
        received, problem = None, ""
        try:
            with proc.stdout as stream:
                received = [_read_part(stream) for _ in range(self._fields)]
        except Exception as error:
            problem = f"sent back no index ({type(error).__name__}: {error})"
        if proc.wait() != 0:  # a worker that died says more than what it left unsaid
            self._failures.append(worker_ended(proc.returncode))
            return None
        if received is None:
            self._failures.append(problem)
        return received

    def _report(self, shares: int) -> None:
        if self._failures:
            print(
                f"reader: {len(self._failures)} of {shares} index workers failed ({'; '.join(self._failures)}); "
                f"their papers were indexed in the main process instead, which is slower",
                file=sys.stderr,
                flush=True,
            )
            self._failures = []


def _frames(texts: Iterator[Document], count: int) -> Iterator[list[Document]]:
    """The next `count` of the documents `texts`, a frame at a time."""
    while count > 0:
        frame = list(islice(texts, min(count, _FRAME)))
        if len(frame) < min(count, _FRAME):
            raise ValueError("fewer texts than the count given")
        yield frame
        count -= len(frame)


def _write_frame(stream: IO[bytes], data: bytes) -> None:
    """One frame (its marshal'd documents; b"": the empty frame that ends them)."""
    stream.write(len(data).to_bytes(8, "little"))
    stream.write(data)


def _texts_in(stream: IO[bytes]) -> list[Document]:
    """The documents `_file` wrote to `stream`, read back."""
    stream.seek(0)
    texts: list[Document] = []
    while (frame := _read_frame(stream)) is not None:
        texts += frame
    return texts


def _written_texts(share: IO[bytes], written: int) -> list[Document]:
    """The documents in the first `written` bytes of a share's file that could not be
    written whole, which is then closed. Read through a reader of its own: the file's
    writer still holds what it could not write, and would try again (and fail) on
    a seek or a close."""
    texts: list[Document] = []
    with open(share.fileno(), "rb", closefd=False) as stream:
        stream.seek(0)
        while stream.tell() < written:
            texts += _read_frame(stream)
    with contextlib.suppress(OSError):
        share.close()
    return texts


def _read_frame(stream: IO[bytes]) -> Any:
    size = int.from_bytes(stream.read(8), "little")
    return marshal.loads(stream.read(size)) if size else None


def _write_blob(stream: IO[bytes], blob: bytes | array) -> None:
    view = memoryview(blob).cast("B")
    stream.write(view.nbytes.to_bytes(8, "little"))
    stream.write(view)


def _read_blob(stream: IO[bytes], kind: str) -> array:
    """The next blob of `stream` as an array of `kind` (bytes: "B"), read into it in place."""
    size = int.from_bytes(stream.read(8), "little")
    blob = array(kind, [0]) * (size // array(kind).itemsize)
    view = memoryview(blob).cast("B")
    while view:
        got = stream.read(min(len(view), 1 << 20))
        if not got:
            raise EOFError("cut short")
        view[: len(got)] = got
        view = view[len(got) :]
    return blob


def _read_part(stream: IO[bytes]) -> Part:
    words = marshal.loads(_read_blob(stream, "B"))
    offsets, data = _read_blob(stream, "q"), _read_blob(stream, "i")
    if len(offsets) != len(words) + 1:
        raise ValueError("postings of the wrong shape")
    return Part(words, offsets, data)


def _columns(documents: list[Document], fields: int) -> list[tuple[str, ...]]:
    """Each field's texts, in the documents' order."""
    return list(zip(*documents, strict=True)) if documents else [() for _ in range(fields)]


def serve(start: int, source: IO[bytes], out: IO[bytes]) -> None:
    """A worker's work: the documents in `source`, numbered from `start`, as a part
    per field in `out`."""
    gc.disable()  # millions of small lists: the collector would only slow this down
    postings: list[defaultdict[str, list[int]]] = []
    docno = start
    while (frame := _read_frame(source)) is not None:
        for _ in range(len(frame[0]) - len(postings)):
            postings.append(defaultdict(list))
        for field, texts in zip(postings, zip(*frame, strict=True), strict=True):
            invert(texts, range(docno, docno + len(frame)), into=field)
        docno += len(frame)
    while postings:
        part = Part.from_postings(postings.pop(0))
        for blob in (marshal.dumps(part.words), part.offsets, part.data):
            _write_blob(out, blob)
