"""The abstracts' postings of a large library, built in worker processes.

Abstracts are most of the text, so a large library's are split among workers,
started before the rest of the build so they run while this process does the
titles and authors. A worker is a child Python running `reader.search.worker`
(`serve` below): unlike multiprocessing's spawn it never re-imports the app's
__main__, and unlike fork it is safe from a process that already runs threads
(the app builds in a worker thread).

The protocol, both sides of it here: the worker's stdin holds length-prefixed
marshal frames, each a list of texts, then an empty frame; its first document
number is its one argument; it writes one marshal'd `Part` to stdout. Any failure
(no processes in a sandbox, a frozen app, a worker that dies) builds in-process.
"""

from __future__ import annotations

import gc
import marshal
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO, Any

from reader.search.postings import Part, part_of

_FRAME = 2000  # texts per frame


class AbstractBuilder:
    """Inverts the abstracts, in `workers` processes if there are 2 or more, else
    in-process when `parts()` is called; `parts()` collects the workers' parts."""

    def __init__(self, abstracts: list[str], workers: int):
        self._abstracts = abstracts
        self._jobs: list[subprocess.Popen[bytes]] = []
        count = len(abstracts)
        if workers < 2 or not count:
            return
        step = -(-count // workers)
        try:
            env = _worker_env()
            for start in range(0, count, step):
                # The texts go through an unlinked temp file, written here at C speed,
                # not a pipe fed by a thread that would compete for the GIL with
                # whatever this process does meanwhile (an import writes its JSON).
                with tempfile.TemporaryFile() as texts:
                    _write_frames(texts, abstracts, start, min(count, start + step))
                    texts.seek(0)
                    self._jobs.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "reader.search.worker", str(start)],
                            stdin=texts,
                            stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL,
                            env=env,
                        )
                    )
        except Exception:  # no processes here (sandbox, frozen app): build in-process
            self.stop()

    def stop(self) -> None:
        for proc in self._jobs:
            try:
                proc.kill()
                proc.wait()
            except Exception:
                pass
        self._jobs = []

    def parts(self) -> list[Part]:
        if self._jobs:
            try:
                return [_collect(proc) for proc in self._jobs]
            except Exception:
                self.stop()
        return [part_of(self._abstracts, range(len(self._abstracts)))]


def _worker_env() -> dict[str, str]:
    """This process's environment, with this copy of reader first on the worker's path
    (a bench or a test may have put it on this process's path by hand)."""
    root = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    return {**os.environ, "PYTHONPATH": f"{root}{os.pathsep}{path}" if path else root}


def _write_frames(stream: IO[bytes], texts: list[str], start: int, end: int) -> None:
    for i in range(start, end, _FRAME):
        data = marshal.dumps(texts[i : min(end, i + _FRAME)])
        stream.write(len(data).to_bytes(8, "little"))
        stream.write(data)
    stream.write((0).to_bytes(8, "little"))


def _read_frame(stream: IO[bytes]) -> Any:
    size = int.from_bytes(stream.read(8), "little")
    return marshal.loads(stream.read(size)) if size else None


def _collect(proc: subprocess.Popen[bytes]) -> Part:
    data, _ = proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError("index worker failed")
    return Part.from_marshal(marshal.loads(data))


def serve(start: int, source: IO[bytes], out: IO[bytes]) -> None:
    """A worker's work: the texts in `source`, numbered from `start`, as a part in `out`."""
    texts: list[str] = []
    while (frame := _read_frame(source)) is not None:
        texts.extend(frame)
    gc.disable()  # millions of small lists: the collector would only slow this down
    marshal.dump(part_of(texts, range(start, start + len(texts))).to_marshal(), out)
