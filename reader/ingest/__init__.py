"""Turn input files into Paper records, one module per format.

Every format module has `NAME`, `sniff(head: str) -> bool` (does this text look
like mine?) and `parse(stream: TextIO, file_name: str) -> Iterator[Paper | Problem]`.
Parsers stream: they yield records as they read, so a 100k-paper file is never
held several times over. A fetched response is read by the same parsers
(`read_bytes`), so a day from the network and a day saved to disk import alike.
A record that cannot be used is a `Problem`, not an exception; `IngestError` is the one error a whole file can fail with.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import zlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, TextIO

from reader.ingest import (
    arxivlisting,
    arxivrss,
    arxivsnapshot,
    atom,
    bibtex,
    csljson,
    hfjson,
    hfpage,
    oaipmh,
    papis,
    readerjson,
    ris,
    semanticscholar,
)
from reader.models import Paper, Problem


class IngestError(Exception):
    """A whole file cannot be read: missing, unreadable, not text, unknown format."""


# Sniffed in this order: the most specific formats first, the loose page dump last.
FORMATS = {
    m.NAME: m
    for m in (
        readerjson,
        hfjson,
        semanticscholar,
        csljson,
        arxivlisting,
        arxivsnapshot,
        oaipmh,
        arxivrss,
        atom,
        ris,
        papis,
        bibtex,
        hfpage,
    )
}
LEGACY_ENCODED = {bibtex.NAME, ris.NAME}
"""Formats whose files older tools (JabRef, EndNote, Windows exports) still write
in Windows-1252 or Latin-1: read that way, with a note, when not UTF-8."""
LEGACY_ENCODING = "cp1252"

_SNIFF_CHARS = 64 * 1024

MAX_UNPACKED = 16 * 1024**3
"""Bytes a compressed file may unpack to: four times arXiv's whole metadata snapshot."""
MAX_GROWTH = 100
"""Times its packed size a compressed file may unpack to: paper listings grow
about five times, a decompression bomb about a thousand."""
GROWTH_JUDGED_FROM = 8 * 1024**2
"""Unpacked bytes before growth is judged: a small file cannot hurt, whatever its ratio."""


def format_names() -> list[str]:
    return list(FORMATS)


def open_text(path: Path, encoding: str = "utf-8-sig") -> TextIO:
    """Open `path` as text (UTF-8 unless told), gunzipping `.gz` (by magic bytes, not by name)."""
    try:
        raw = open(path, "rb")
    except OSError as error:
        raise IngestError(f"{path}: cannot open ({error.strerror or error})") from error
    if raw.peek(2)[:2] == b"\x1f\x8b":
        # Large reads: the extra layer then costs nothing noticeable.
        raw = io.BufferedReader(_Unpacked(raw, path), 256 * 1024)
    # A legacy encoding's few undefined bytes (0x81 in cp1252) never occur in real text.
    errors = "strict" if encoding.startswith("utf-8") else "replace"
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors, newline=None)


def _first_non_utf8(path: Path) -> tuple[int, int] | None:
    """(line, byte) of the first byte that is not UTF-8, or None if the file is UTF-8.

    Decoded in chunks and thrown away, so a large file is checked in constant memory."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with open_text(path) as stream:
        while chunk := stream.buffer.read(1024 * 1024):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as error:
                return line + chunk.count(b"\n", 0, max(error.start, 0)), chunk[max(error.start, 0)]
            line += chunk.count(b"\n")
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return line, 0
    return None


class _Unpacked(io.RawIOBase):
    """A gzip file's bytes, refused once they outgrow what a paper listing does.

    A 2 MB file of one repeated byte unpacks to 2 GB: as one line it would be
    held whole before any parser could refuse it, and as blank lines it would
    take minutes to read through. Judging the growth as the bytes arrive stops
    both within a few megabytes, in every format.
    """

    def __init__(self, packed: BinaryIO, path: Path) -> None:
        self.packed = packed  # the file itself, whose position progress reports
        self._gzip = gzip.GzipFile(fileobj=packed)
        self._path = path

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True  # read_file rewinds after sniffing

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        return self._gzip.seek(offset, whence)

    def readinto(self, buffer) -> int:
        count = self._gzip.readinto(buffer)
        self._judge(self._gzip.tell(), self.packed.tell())
        return count

    def _judge(self, unpacked: int, packed: int) -> None:
        if unpacked > MAX_UNPACKED:
            raise IngestError(
                f"{self._path}: unpacks to more than {MAX_UNPACKED:,} bytes, more than any paper listing; reading stopped"
            )
        if unpacked > GROWTH_JUDGED_FROM and unpacked > MAX_GROWTH * packed:
            raise IngestError(
                f"{self._path}: unpacks to over {MAX_GROWTH} times its size (its first {packed:,} bytes gave "
                f"{unpacked:,}), which no paper listing does (a damaged or hostile file?); reading stopped"
            )

    def close(self) -> None:
        if not self.closed:
            self._gzip.close()
            self.packed.close()  # GzipFile leaves a file it was handed open
        super().close()


def detect(head: str) -> str | None:
    for name, module in FORMATS.items():
        if module.sniff(head):
            return name
    return None


def read_file(path: Path, format: str | None = None, at: Callable[[int], None] | None = None) -> Iterator[Paper | Problem]:
    """Yield the papers (and per-record problems) of one file; every 1000 records,
    tell `at` how many bytes of the file (compressed, for .gz) were read so far.

    Raises IngestError before yielding anything if the file cannot be opened,
    is not text, or its format is unknown. A BibTeX or RIS file that is not
    UTF-8 is read as Windows-1252 (which includes Latin-1), with a note naming
    the first line that is not UTF-8.
    """
    stream = open_text(path)
    try:
        try:
            head = stream.read(_SNIFF_CHARS)
        except UnicodeDecodeError as error:
            stream.close()
            stream = open_text(path, LEGACY_ENCODING)
            head = stream.read(_SNIFF_CHARS)
            if (format or detect(head)) not in LEGACY_ENCODED:
                raise IngestError(f"{path}: not readable as UTF-8 text ({error})") from error
        except (OSError, EOFError, zlib.error) as error:
            raise IngestError(f"{path}: not readable as UTF-8 text ({error})") from error
        if "\x00" in head:
            raise IngestError(f"{path}: binary data, not a paper listing")
        if not head.strip():
            raise IngestError(f"{path}: the file is empty")
        name = format or detect(head)
        if name is None:
            raise IngestError(f"{path}: unknown format (known: {', '.join(FORMATS)}; force one with --format)")
        if name not in FORMATS:
            raise IngestError(f"unknown format {name!r} (known: {', '.join(FORMATS)})")
        if name in LEGACY_ENCODED and (where := _first_non_utf8(path)) is not None:
            line, byte = where
            if stream.encoding != LEGACY_ENCODING:
                stream.close()
                stream = open_text(path, LEGACY_ENCODING)
            yield Problem(
                path.name,
                f"not UTF-8 (byte 0x{byte:02X} on this line is the first); read as Windows-1252, which "
                "includes Latin-1: if accented names look wrong, save the file as UTF-8",
                line,
            )
        stream.seek(0)
        records = FORMATS[name].parse(stream, path.name)
        if format:
            records = _explained(records, name, detect(head), path, fits=FORMATS[name].sniff(head))
        try:
            if at is None:
                yield from records
                return
            unpacked = getattr(stream.buffer, "raw", None)
            file = unpacked.packed if isinstance(unpacked, _Unpacked) else stream.buffer
            for count, record in enumerate(records, 1):
                yield record
                if count % 1000 == 0:
                    at(file.tell())
        except (ValueError, OSError, EOFError, zlib.error) as error:
            # ValueError covers undecodable bytes and numbers too long to convert.
            raise IngestError(f"{path}: reading stopped part-way ({error})") from error
    finally:
        stream.close()


def _explained(
    records: Iterator[Paper | Problem], forced: str, detected: str | None, path: Path, fits: bool
) -> Iterator[Paper | Problem]:
    """A forced format's records, except that a file it finds no paper in is one
    line saying so (and what the file looks like), not a line per unusable record.
    Problems are held back until the first paper shows the format fits.

    So is a file that has none of the forced format's own keys (`fits`: its sniffer
    says no) while another format's sniffer knows it: read as the wrong format, its
    records would give papers with no authors or year, silently."""
    held: list[Problem] = []
    looks = f"the file looks like {detected}" if detected and detected != forced else "no format recognises it either"
    for record in records:
        if isinstance(record, Problem) and held is not None:
            held.append(record)
            continue
        if held is not None and not fits and detected and detected != forced:
            raise IngestError(
                f"{path}: read as {forced}: its records lack that format's keys; {looks} (import it without --format)"
            )
        if held:
            yield from held
        held = None  # type: ignore[assignment]
        yield record
    if held is None:
        return
    found = f"{len(held)} records unusable, the first: {held[0].message}" if held else "no records found"
    raise IngestError(f"{path}: read as {forced}: no papers found ({found}); {looks}")


def read_bytes(data: bytes, name: str, format: str) -> Iterator[Paper | Problem]:
    """The papers in `data` (a response body), read as `format`; `name` says
    where they came from in problems and in each paper's source.

    Raises IngestError, possibly after yielding some papers, when the bytes are
    not UTF-8 or not that format at all.
    """
    stream = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", errors="strict", newline=None)
    try:
        yield from FORMATS[format].parse(stream, name)
    except ValueError as error:  # undecodable bytes
        raise IngestError(f"{name}: reading stopped part-way ({error})") from error


def expand_paths(paths: Iterable[Path]) -> tuple[list[Path], list[Problem]]:
    """Files named directly, plus every file under named folders (sorted, hidden skipped)."""
    files: list[Path] = []
    problems: list[Problem] = []
    for path in paths:
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(names):
                    if not name.startswith("."):
                        _take(Path(root, name), files, problems)
        elif path.exists():
            _take(path, files, problems)
        else:
            problems.append(Problem(str(path), "no such file or folder"))
    return files, problems


def _take(file: Path, files: list[Path], problems: list[Problem]) -> None:
    if file.exists() and not file.is_file():
        # Opening a named pipe would wait forever for a writer.
        problems.append(Problem(str(file), "not a regular file (a pipe or device); skipped"))
    else:
        files.append(file)  # a dangling link too: opening it says what is wrong
