"""The postings of a large library's fields, built in worker processes.

Its documents (each a title, an abstract and its authors' names) are split among
workers, started before the rest of the build so that they run while this
process goes on (an import writes library.json meanwhile). Titles and authors go
with the abstracts: inverted here, after an import's save, they kept its last
seconds on one core. A worker is a child Python running `reader.search.worker`
(`serve` below): unlike multiprocessing's spawn it never re-imports the app's
__main__, and unlike fork it is safe from a process that already runs threads
(the app builds in a worker thread).

The protocol, both sides of it here: a worker's share of the documents is written
to an unlinked temp file as length-prefixed marshal frames, each a list of documents
(a tuple of texts, one per field), then an empty frame; the worker is given the
file (an inherited descriptor, read at its own offsets) and is told on its stdin,
one byte a frame, that the next frame is wholly written, so it starts inverting
with the first frame rather than when its whole share is written (10 s at 1M
papers, with one core idle). Its first document number is its first argument. It
inverts each frame as it reads it (its texts are never all in memory: 650 MB a
worker at 1M papers), then writes a `Part` per field to its stdout, another temp
file, each as three length-prefixed blobs: the marshal'd words, then the offsets
and the document numbers raw, which this process reads straight into their arrays
(a marshal'd part went through three copies of its postings here). A file, not a
pipe: a worker done before it is asked for its parts would wait on a full pipe,
and at 1M papers the second waited 10 s, then inverted its last fields while this
process read the first's.

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
import os
import subprocess
import sys
import tempfile
from array import array
from collections.abc import Iterable, Iterator, Sized
from dataclasses import dataclass
from itertools import chain, islice
from typing import IO, Any

from reader.resources import worker_ended, worker_env
from reader.search.postings import Inversion, Part, part_in_order, part_of

_FRAME = 2000  # documents per frame
_NICER = 5  # a worker's priority below its builder's

Document = tuple[str, ...]  # its fields' texts, in the same order for every document


@dataclass(frozen=True)
class _Worker:
    """A worker process, and the temp file it writes its parts to."""

    proc: subprocess.Popen[bytes]
    out: IO[bytes]

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            self.proc.kill()
            self.proc.wait()
        self.out.close()


def _tell(worker: _Worker | None, *, last: bool = False) -> None:
    """Tell `worker` that one more frame of its share is written (the `last`, its end);
    one that has died is no longer told (its share is built here: see `_collect`)."""
    told = worker.proc.stdin if worker is not None else None
    if told is None or told.closed:
        return
    try:
        told.write(b".")
        if last:
            told.close()
    except OSError:
        with contextlib.suppress(OSError):
            told.close()


class FieldBuilder:
    """Inverts each of `fields` fields of the documents, in `workers` processes if there
    are 2 or more, else in-process when `parts()` is called; `parts()` collects the
    workers' parts.

    `documents` (`count` of them; by default their len) are read once, as they come:
    each worker's share goes to its temp file frame by frame, and the worker inverts
    each frame once it is written, so an index built from a paper file never has
    every abstract in memory (1 GB at 1M papers). The share of a worker that failed
    is read back from its temp file and built here; without workers (a library too
    small for them) the texts are held."""

    def __init__(self, documents: Iterable[Document], fields: int, workers: int, count: int | None = None):
        if count is None:
            assert isinstance(documents, Sized), "an iterator of documents comes with their count"
            count = len(documents)
        self._fields = fields
        step = -(-count // workers) if workers >= 2 and count else max(count, 1)
        # Each share's first document and the process inverting it (None: this one); its texts' file.
        self._shares: list[tuple[int, _Worker | None]] = []
        self._texts: list[IO[bytes] | list[Document]] = []
        self._failures: list[str] = []
        env = worker_env() if workers >= 2 else {}
        texts = iter(documents)
        try:
            for start in range(0, count, step):
                end = min(count, start + step)
                if workers < 2:
                    self._kept(start, list(islice(texts, end - start)))
                else:
                    self._stream(start, end, texts, env)
        except BaseException:
            self.stop()  # the documents failed (a damaged paper): no worker waits for the rest
            raise

    def _stream(self, start: int, end: int, texts: Iterator[Document], env: dict[str, str]) -> None:
        """The next share of documents (`start` to `end`) to a worker, started with its
        first frame, through a temp file (unlinked, written here at C speed: a pipe fed by
        a thread would compete for the GIL with whatever this process does meanwhile).
        With no temp file to be had, or no room in it for them all, the worker is
        stopped and the share kept in memory, to be built here. The documents' own
        failures are raised, the worker stopped."""
        count = end - start
        try:
            share = tempfile.TemporaryFile()
        except OSError as error:
            self._failures.append(f"could not start ({type(error).__name__}: {error})")
            self._kept(start, list(islice(texts, count)))
            return
        worker = self._start(start, share, env)
        written = 0  # bytes of the frames wholly in the file
        try:
            for frame in chain(_frames(texts, count), [None]):  # None: the end
                try:
                    _write_frame(share, b"" if frame is None else marshal.dumps(frame))
                    share.flush()  # a full disk is met by the frame it cut short, not by a later one
                except OSError as error:
                    self._failures.append(f"could not start ({type(error).__name__}: {error})")
                    if worker is not None:
                        worker.stop()
                    kept = _written_texts(share, written) + (frame or [])
                    self._kept(start, kept + list(islice(texts, count - len(kept))))
                    return
                written = share.tell()
                _tell(worker, last=frame is None)
        except BaseException:
            if worker is not None:
                worker.stop()
            share.close()
            raise
        self._shares.append((start, worker))
        self._texts.append(share)

    def _kept(self, start: int, documents: list[Document]) -> None:
        """A share built here, of `documents` held in memory."""
        self._shares.append((start, None))
        self._texts.append(documents)

    def _start(self, start: int, texts: IO[bytes], env: dict[str, str]) -> _Worker | None:
        out = None
        try:
            out = tempfile.TemporaryFile()
            proc = subprocess.Popen(
                [sys.executable, "-m", "reader.search.worker", str(start), str(texts.fileno())],
                stdin=subprocess.PIPE,
                stdout=out,
                stderr=subprocess.DEVNULL,
                env=env,
                pass_fds=(texts.fileno(),),
                bufsize=0,  # each frame told as it is written
            )
        except Exception as error:
            self._failures.append(f"could not start ({type(error).__name__}: {error})")
            if out is not None:
                out.close()
            return None
        return _Worker(proc, out)

    def stop(self) -> None:
        for _, worker in self._shares:
            if worker is not None:
                worker.stop()
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
        for (start, worker), texts in zip(self._shares, self._texts, strict=True):
            parts = self._collect(worker) if worker is not None else None
            if parts is None:
                documents = texts if isinstance(texts, list) else _texts_in(texts)
                parts = [part_in_order(field, start) for field in _columns(documents, self._fields)]
            shares.append(parts)
        self._close()
        self._report(len(shares))
        return [list(field) for field in zip(*shares, strict=True)]

    def _collect(self, worker: _Worker) -> list[Part] | None:
        """The worker's parts, once it has ended (None if it failed, which is noted)."""
        with worker.out as stream:
            if worker.proc.wait() != 0:  # a worker that died says more than what it left unsaid
                self._failures.append(worker_ended(worker.proc.returncode))
                return None
            try:
                stream.seek(0)
                return [_read_part(stream) for _ in range(self._fields)]
            except Exception as error:
                self._failures.append(f"sent back no index ({type(error).__name__}: {error})")
                return None

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
    """The documents `_stream` wrote to `stream`, read back."""
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


def serve(start: int, texts: int, told: IO[bytes], out: IO[bytes]) -> None:
    """A worker's work: the documents in the file `texts` (a descriptor: read at this
    worker's own offsets, its writer's are another's), numbered from `start`, each
    frame read once `told` says it is written, as a part per field in `out`. Told no
    more before the last frame (the builder stopped or died), it ends with status 1."""
    gc.disable()  # millions of small arrays: the collector would only slow this down
    # The builder's process has work of its own meanwhile (an import's facts and files,
    # the app's screen), and nothing of the workers' is asked for before the end: with
    # two cores and three processes it had two thirds of a core (an import of 1M papers:
    # 88.5 s, now 86 s, its files written 17 s sooner).
    os.nice(_NICER)
    inversions: list[Inversion] = []
    docno, at = start, 0
    while True:
        if not told.read(1):
            sys.exit(1)
        size = int.from_bytes(os.pread(texts, 8, at), "little")
        if not size:
            break
        data = os.pread(texts, size, at + 8)
        if len(data) != size:
            raise EOFError("a frame cut short")
        at += 8 + size
        frame = marshal.loads(data)
        for _ in range(len(frame[0]) - len(inversions)):
            inversions.append(Inversion())
        for inversion, column in zip(inversions, zip(*frame, strict=True), strict=True):
            inversion.add(column, docno)
        docno += len(frame)
    while inversions:
        _write_postings(out, inversions.pop(0))


def _write_postings(out: IO[bytes], inversion: Inversion) -> None:
    """The postings as `_read_part` reads a part: its documents written as they lie,
    not joined first (at 1M papers a worker's abstracts took 0.3 GB more)."""
    words, offsets, data = inversion.laid_out()
    _write_blob(out, marshal.dumps(words))
    _write_blob(out, offsets)
    out.write((offsets[-1] * array("i").itemsize).to_bytes(8, "little"))
    out.writelines(data)
