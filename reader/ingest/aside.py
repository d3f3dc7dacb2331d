"""A large file's records parsed in a child process while this one merges them.

Parsing JSON into papers was a third of a large import's time, all on one core
while the other stood idle: a child Python (`python -m reader.ingest.aside PATH
[FORMAT]`) runs `read_file` and sends each paper as its paper-file record
(`snapshot.record`: decoding one is half the cost of parsing it), so the two
cores share the work. A small file is read here: starting the child costs more.

The protocol, both sides of it here: the child's stdout holds length-prefixed
pickled frames, each a list of items in the file's order: a paper's record
(bytes), any other record (a `Problem`, a `StatedPaper`) as it is, or
`("at", n)` (n bytes of the file read: the progress `read_file` tells); then a
last frame `[("end", error)]`, error the one line the file failed with, or None.
(Tuples, not classes of this module: the child runs it as __main__, whose
classes the parent could not unpickle.)

A child that cannot start (no processes in a sandbox) or that ends without its
last frame (killed) costs only time: the file is read here, from the record
after the last one the child sent, and stderr says so in one line. Nothing is
lost or given twice, and the progress does not go back.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
from collections.abc import Callable, Iterator
from itertools import islice
from pathlib import Path
from typing import IO, Any

from reader import snapshot
from reader.ingest import IngestError, read_file
from reader.models import Paper, Problem
from reader.resources import say_worker_failed, worker_ended, worker_env

ASIDE_FROM = 16 * 1024**2
"""Bytes from which a file is parsed in a child process (a day's listing is far smaller)."""

_FRAME = 1000  # records per frame


def read_large_file(
    path: Path, format: str | None = None, at: Callable[[int], None] | None = None, size: int = 0
) -> Iterator[Paper | Problem | snapshot.Decoded]:
    """`read_file(path, format, at)`, parsed in a child process when the file's `size`
    is ASIDE_FROM or more; raises IngestError as it does. A paper the child sent comes
    with its record (`snapshot.Decoded`): an import keeps a paper it stores unchanged
    as that record, not encoded again (2 s of the main process at 1M papers)."""
    if size < ASIDE_FROM:
        yield from read_file(path, format, at)
        return
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "reader.ingest.aside", str(path), format or ""],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=worker_env(),
        )
    except Exception as error:
        _say(path, f"could not start ({type(error).__name__}: {error})")
        yield from read_file(path, format, at)
        return
    sent, reached = 0, 0  # records the child gave; the progress it told
    assert child.stdout is not None
    try:
        for item in _items(child.stdout):
            if isinstance(item, bytes):
                sent += 1
                yield snapshot.Decoded(snapshot.decode(item), item)
            elif isinstance(item, tuple):
                said, value = item
                if said == "end":
                    if value is not None:
                        raise IngestError(value)
                    return
                if at is not None:
                    at(value)
                reached = value
            else:
                sent += 1
                yield item
    finally:
        child.kill()  # done, or the caller stopped reading
        child.wait()
        child.stdout.close()
    # Ended without its last frame: the rest is read here, the progress going on
    # from where the child's was (not back to the start while its records are skipped).
    _say(path, worker_ended(child.returncode))
    ahead = None if at is None else (lambda position: at(position) if position > reached else None)
    yield from islice(read_file(path, format, ahead), sent, None)


def _say(path: Path, problem: str) -> None:
    say_worker_failed(f"parsing {path.name}", problem)


def _items(stream: IO[bytes]) -> Iterator[Any]:
    """The items of the frames the child wrote, until its stream ends (broken off or not)."""
    while True:
        head = stream.read(8)
        if len(head) < 8:
            return
        size = int.from_bytes(head, "little")
        data = stream.read(size)
        if len(data) < size:
            return
        try:
            frame = pickle.loads(data)
        except Exception:
            return
        yield from frame


def serve(path: Path, format: str | None, out: IO[bytes]) -> None:
    """The child's work: the records of `path` as frames in `out`."""
    frame: list[Any] = []

    def send() -> None:
        data = pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)
        out.write(len(data).to_bytes(8, "little"))
        out.write(data)
        frame.clear()

    error = None
    try:
        for record in read_file(path, format, lambda position: frame.append(("at", position))):
            frame.append(snapshot.record(record) if isinstance(record, Paper) else record)
            if len(frame) >= _FRAME:
                send()
    except IngestError as failed:
        error = str(failed)
    except Exception as failed:  # noqa: BLE001 - said as the main process says a parser's bug
        error = f"{path}: could not be read ({type(failed).__name__}: {failed})"
    frame.append(("end", error))
    send()
    out.flush()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.argv[2] or None, sys.stdout.buffer)
