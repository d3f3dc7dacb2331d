"""library.json and its fast-start copy (the paper file) of a large import, written by a child process.

Why. After merging 1M papers an import wrote library.json (10 s), then compressed
each paper's record for the paper file (15 s), in the main process, after it had
sent the papers to the index's workers (20 s): 60 s of its own work in sequence,
one core at a time. The records are all in the import's temp file (`Spill`) once
merged, so a child (`python -m reader.save_aside`, started as the index's workers
are) writes library.json from them, then encodes them for the paper file, while
this process gathers the index's facts. This process then renames library.json
into place under the home's lock as before, and writes the paper file from the
child's columns, the compressed records copied as they lie.

The protocol, both sides of it here: the child is given the temp file, the staged
library.json (`files.temp_file`, locked and made here) and an empty temp file for
the compressed records, as inherited descriptors. It reads on its stdin the ids
and dates (marshal'd) and where each record lies (`Spill.places`), as
length-prefixed blobs. On its stdout it writes library.json's content id on a
line once that file is written and fsynced, then the dictionary and the columns
(`snapshot.Columns`, but for the records: those are in their file).

Only an import that writes library.json whole, of papers all held in one temp
file (into an empty home: the large one), is written so, from SMALLEST papers. A child that cannot start or fails
costs only time: what it did not give is written here as before, and stderr says so.
"""

from __future__ import annotations

import gc
import marshal
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import IO

import zstandard

from reader import coldload, snapshot
from reader.coldload import read_blob, write_blob
from reader.files import Staged, staging, write_all
from reader.papertable import PaperTable
from reader.resources import say_worker_failed, worker_ended, worker_env

SMALLEST = 20_000  # papers worth a child for (as the search index's workers)
_CONTENT_ID = re.compile(rb"[0-9a-f]{%d}\n" % (2 * snapshot.content_digest().digest_size))  # its hex digest
_ENDS_WITHIN = 10  # seconds a child whose output ended is given to end, to say how it did

PaperColumns = tuple[zstandard.ZstdCompressionDict | None, snapshot.Columns]  # the paper file's dictionary and columns


class SaveAside:
    """library.json and the paper file's columns of a table's papers, being written by a child process."""

    def __init__(self, proc: subprocess.Popen[bytes], staged: Staged, records: IO[bytes]):
        self._proc, self._staged, self._records = proc, staged, records
        self._handed: Staged | None = None  # the staged library.json, once `library` gave it

    @classmethod
    def start(cls, papers: PaperTable, library: Path) -> SaveAside | None:
        """Start writing `papers` (in the library's order) as the library file `library`
        and its paper file's columns; None where they are not written so (see the docstring)."""
        held = papers.held_places() if len(papers) >= SMALLEST else None
        if held is None:
            return None
        source, starts, sizes = held
        staged = records = None
        try:
            staged = staging(library)
            records = _records_file(library.parent)
            descriptors = (source, staged.fileno(), records.fileno())
            proc = subprocess.Popen(
                [sys.executable, "-m", "reader.save_aside", *map(str, descriptors)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                env=worker_env(),
                pass_fds=descriptors,
            )
        except Exception as error:
            _say(f"could not start ({type(error).__name__}: {error})")
            if staged is not None:
                staged.discard()
            if records is not None:
                records.close()
            return None
        aside = cls(proc, staged, records)
        assert proc.stdin is not None
        try:
            with proc.stdin as stream:
                write_blob(stream, marshal.dumps((papers.ids(), papers.dates())))
                write_blob(stream, starts)
                write_blob(stream, sizes)
        except OSError:
            pass  # it died: `library` says so
        except BaseException:
            aside.stop()  # interrupted: no child or temp file is left
            raise
        return aside

    def library(self) -> tuple[Staged, str] | None:
        """library.json, staged, and its content id, once the child has written it; the
        caller commits or discards it. None if the child failed (which is said)."""
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not _CONTENT_ID.fullmatch(line):
            self._failed("wrote no library.json")
            return None
        self._handed = self._staged
        return self._staged, line[:-1].decode("ascii")

    def columns(self, count: int) -> PaperColumns | None:
        """The paper file's dictionary and columns, of `count` papers, once the child is
        done (None if it failed, which is said)."""
        if self._handed is None:
            return None  # said by `library`
        assert self._proc.stdout is not None
        try:
            dictionary = read_blob(self._proc.stdout, "B")
            columns = snapshot.Columns.from_blobs([read_blob(self._proc.stdout, kind) for kind in snapshot.Columns.KINDS])
        except Exception as error:
            self._failed(f"sent back no copy ({type(error).__name__}: {error})")
            return None
        if self._proc.wait() != 0:
            self._failed("")  # said by its exit status
            return None
        if len(columns) != count:
            _say(f"sent back {len(columns)} papers of {count}")
            return None
        columns.records = self._records
        return (zstandard.ZstdCompressionDict(dictionary.tobytes()) if dictionary else None), columns

    def _failed(self, problem: str) -> None:
        """Said: how the child ended if it failed, else `problem`; it is ended either way.
        Its output ended or made no sense: it is ending (killed, failed), or is stopped."""
        try:
            code = self._proc.wait(timeout=_ENDS_WITHIN)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
            code = 0
        _say(worker_ended(code) if code else problem)

    def stop(self) -> None:
        """The child ended if it still runs, its files let go, and library.json's temp
        file removed unless `library` handed it over."""
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        assert self._proc.stdout is not None
        self._proc.stdout.close()
        self._records.close()
        if self._handed is None:
            self._staged.discard()


def _records_file(folder: Path) -> IO[bytes]:
    """The unlinked temp file the child compresses the records to: in the home, as the
    paper file they are copied to (a gigabyte at 1M papers: not the temp folder's)."""
    return tempfile.TemporaryFile(dir=folder)


def _say(problem: str) -> None:
    say_worker_failed("writing library.json and its fast-start copy", problem, done="written")


def serve(source: int, library: int, records: IO[bytes], given: IO[bytes], out: IO[bytes]) -> None:
    """The child's work: the records `given` says lie in `source`, as library.json
    (written to `library`, a descriptor) and the paper file's columns, to `out`."""
    # At this process's priority, not below it as the index's workers are: the import
    # waits for this first (niced, at 1M papers, 10 s after it had gathered the facts;
    # imports of 1M took 55.8 and 54.1 s so, 55.1 and 52.8 s not niced).
    gc.disable()  # ids and dates, none in a cycle: the collector would only slow this down
    ids, dates = marshal.loads(read_blob(given, "B"))
    starts, sizes = read_blob(given, "q"), read_blob(given, "I")

    def record_at(place: int) -> bytes:
        data = os.pread(source, sizes[place], starts[place])
        if len(data) != sizes[place]:
            raise EOFError("a record cut short")
        return data

    digest = snapshot.content_digest()
    write_all(library, coldload.library_chunks(len(ids), lambda place: snapshot.record_dict(record_at(place)), digest))
    out.write(digest.hexdigest().encode("ascii") + b"\n")
    out.flush()
    dictionary, columns = snapshot.encode(ids, dates, record_at, records)
    records.flush()
    write_blob(out, dictionary.as_bytes() if dictionary is not None else b"")
    for name, blob in zip(snapshot.Columns.NAMES, columns.blobs(), strict=True):
        write_blob(out, b"" if name == "records" else blob)
    out.flush()


if __name__ == "__main__":
    source, library, records = map(int, sys.argv[1:])
    with open(records, "wb", closefd=False) as stream:
        serve(source, library, stream, sys.stdin.buffer, sys.stdout.buffer)
