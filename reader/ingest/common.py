"""Helpers the format modules share: text unwrapping, dates, ids, streamed JSON.

Not a format itself (no NAME); `reader.ingest.FORMATS` never lists it.
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from email.utils import parsedate_to_datetime
from typing import Any, TextIO, cast

from reader import jsoncodec
from reader.models import Problem, arxiv_key, doi_key, normalise_doi, parse_arxiv_id, title_key

_HUGE = 1_000_000  # characters; far beyond any real title or abstract
_ISO_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
_PARAGRAPH = re.compile(r"\n[ \t]*\n\s*|\n[ \t]+")
_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_OTHER_SPACES = "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f"


def collapse_whitespace(text: str) -> str:
    """Every run of whitespace as one space, none at the ends: titles and names
    arrive wrapped (arXiv's `...Multimodal\\n  Models`). Not `text.collapse_whitespace`,
    which also makes text inert for a terminal."""
    if len(text) > _HUGE:
        return _squeeze(text)
    return " ".join(text.split())


def _squeeze(text: str) -> str:
    """collapse_whitespace for a hostile multi-megabyte field: split() or re.sub
    would make an object per word (ten million of them for 50 MB); whole-string
    replaces keep it to a few copies. The library refuses such a record anyway,
    but reading it must not exhaust memory first."""
    for space in "\n\r\t\f\v":
        text = text.replace(space, " ")
    while "  " in text:
        text = text.replace("  ", " ")
    return text.strip()


def unwrap(text: str, indented_paragraphs: bool = True) -> str:
    """An abstract with hard wraps removed and paragraph breaks kept as a blank line.

    arXiv (and so Hugging Face and the Kaggle snapshot) marks a new paragraph by
    indenting its first line; a plain newline is only a wrap. BibTeX has no such
    convention, so there only a blank line separates paragraphs.
    """
    if len(text) > _HUGE:
        return _squeeze(text)
    if _single_spaced(text):  # one paragraph, no wraps (most of a large import's): a third of its parsing
        return text
    splitter = _PARAGRAPH if indented_paragraphs else _BLANK_LINE
    paragraphs = (collapse_whitespace(p) for p in splitter.split(text.strip()))
    return "\n\n".join(p for p in paragraphs if p)


def _single_spaced(text: str) -> bool:
    """Is `text` already as `collapse_whitespace` leaves it? Checked for ASCII only,
    where the whitespace `str.split` knows is the space and _OTHER_SPACES."""
    return (
        text.isascii()
        and "  " not in text
        and text[:1] != " "
        and text[-1:] != " "
        and not any(space in text for space in _OTHER_SPACES)
    )


def iso_day(value: Any) -> str | None:
    """`2025-03-10T07:23:19.000Z` or `Mon, 2 Apr 2007 19:18:42 GMT` -> `2025-03-10`."""
    return _iso_day(value) if isinstance(value, str) else None


@functools.lru_cache(maxsize=4096)  # a listing's papers share a few hundred timestamps
def _iso_day(value: str) -> str | None:
    match = _ISO_DAY.match(value.strip())
    if match:
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


def day_in_name(file_name: str) -> str | None:
    """The day a dump was taken, when its name says (`2026-06-01.jsonl.gz`)."""
    for match in _ISO_DAY.finditer(file_name):
        try:
            return date(*map(int, match.groups())).isoformat()
        except ValueError:
            continue
    return None


def paper_id(arxiv_id: str | None, title: str, doi: str | None = None) -> str:
    """The arXiv id, else the DOI, else the title: the most lasting name a source gives."""
    if arxiv_id:
        return arxiv_key(arxiv_id)
    return doi_key(doi) if doi else title_key(title)


# Where a field lists several DOIs: whitespace, or `,`/`;` with whitespace before the
# next DOI. Not a bare `;` or `,`: a DOI's suffix may hold any printable character,
# and Wiley's SICI DOIs do (`10.1002/(SICI)...3.0.CO;2-P`).
_DOI_SEPARATOR = re.compile(r"[,;]\s+(?=(?:doi:\s*|https?://(?:dx\.)?doi\.org/)?10\.)|\s+", re.I)


def first_doi(value: Any) -> str | None:
    """The first DOI in a field that may list several (`10.1/a, 10.1/b`), normalised."""
    if not isinstance(value, str):
        return None
    return next((doi for part in _DOI_SEPARATOR.split(value) if (doi := normalise_doi(part))), None)


def text_or_none(value: Any) -> str | None:
    """A JSON or YAML scalar as one line of text (numbers too: `"volume": 12`), or None."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    return collapse_whitespace(str(value)) or None


def year_of(value: Any) -> str | None:
    """`2019`, `"2019"`, `"2019/07/15/"`, `"2019a"` -> `2019`."""
    match = re.search(r"(?<!\d)(\d{4})(?!\d)", str(value)) if isinstance(value, (str, int)) else None
    return match.group(1) if match else None


def name_of(family: Any, given: Any) -> str:
    """`Last`, `First` -> `First Last` (either may be missing)."""
    return collapse_whitespace(" ".join(p for p in (given, family) if isinstance(p, str) and p.strip()))


def arxiv_links(arxiv_id: str) -> tuple[str, str]:
    """The abstract page first: it is where a person lands when opening a paper."""
    return f"https://arxiv.org/abs/{arxiv_id}", f"https://arxiv.org/pdf/{arxiv_id}"


def arxiv_id_in(value: Any) -> str | None:
    """The bare arXiv id in an id field or an arxiv.org URL, else None."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    match = re.search(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?/?(?:[?#]|$)", text, re.I)
    if match:
        text = match.group(1)
    return parse_arxiv_id(text)


def arxiv_in_doi(doi: str | None) -> str | None:
    """The arXiv id in a DOI arXiv registered (`10.48550/arxiv.2406.12345`), else None."""
    return parse_arxiv_id(doi[len("10.48550/arxiv.") :]) if doi and doi.startswith("10.48550/arxiv.") else None


def strings(value: Any) -> list[str]:
    """The non-empty strings of a JSON list (a record may hold nulls or numbers)."""
    if not isinstance(value, list):
        return []
    return [collapse_whitespace(v) for v in value if isinstance(v, str) and v.strip()]


def count(value: Any) -> int | None:
    # bool is an int in Python; `"upvotes": true` is not a count.
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def first_record(head: str) -> dict | None:
    """The first line of a JSON-lines text as an object, if it parses as one."""
    line = head.lstrip("\ufeff \t\r\n").split("\n", 1)[0]
    try:
        record = jsoncodec.loads(line)
    except (json.JSONDecodeError, RecursionError):
        return None
    return record if isinstance(record, dict) else {}


# --- streamed JSON -------------------------------------------------------------


class BrokenJson(Exception):
    """The JSON stops making sense here; nothing after it can be trusted."""


class JsonReader:
    """Decodes JSON values one at a time from a text stream.

    A day's array is small, but a reader export or a concatenated dump can hold
    100k records: reading value by value keeps memory at one record.
    """

    _CHUNK = 64 * 1024
    _decoder = json.JSONDecoder()

    def __init__(self, stream: TextIO, text: str = "") -> None:
        self._stream = stream
        self._buf = text
        self._pos = 0
        self._eof = False

    def _fill(self, size: int = _CHUNK) -> bool:
        if self._eof:
            return False
        chunk = self._stream.read(size)
        if not chunk:
            self._eof = True
            return False
        self._buf = self._buf[self._pos :] + chunk
        self._pos = 0
        return True

    def peek(self) -> str:
        """The next non-space character ('' at the end)."""
        while True:
            while self._pos < len(self._buf) and self._buf[self._pos] in " \t\r\n\ufeff":
                self._pos += 1
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._fill():
                return ""

    def take(self, expected: str) -> None:
        found = self.peek()
        if found != expected:
            raise BrokenJson(f"expected {expected!r} but found {found or 'the end of the file'!r}")
        self._pos += 1

    def value(self) -> Any:
        if not self.peek():
            raise BrokenJson("the file ends where a value should start")
        size = self._CHUNK
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buf, self._pos)
            except json.JSONDecodeError as error:
                # Most likely the value runs past the buffer; read more and retry,
                # doubling the read so a long value costs O(n log n), not O(n^2).
                if self._fill(size):
                    size *= 2
                    continue
                raise BrokenJson(f"not valid JSON ({error.msg})") from None
            except RecursionError:
                raise BrokenJson("JSON nested too deeply") from None
            # A number that ends exactly at the buffer's end may continue in the next chunk.
            if end == len(self._buf) and not isinstance(value, (dict, list, str)) and self._fill(size):
                continue
            self._pos = end
            return value

    def items(self) -> Iterator[Any]:
        """The elements of the array that starts here."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield self.value()
            following = self.peek()
            if following == "]":
                self._pos += 1
                return
            if following == "":
                raise BrokenJson("the file ends inside the array (truncated?)")
            self.take(",")

    def members(self) -> Iterator[tuple[str, JsonReader]]:
        """(key, self) for each member of the object that starts here.

        The caller reads each member's value from the reader (with `value()` or
        `items()`) before asking for the next key, so a long array member is
        streamed rather than loaded.
        """
        self.take("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            key = self.value()
            if not isinstance(key, str):
                raise BrokenJson("an object key that is not a string")
            self.take(":")
            yield key, self
            following = self.peek()
            if following == "}":
                self._pos += 1
                return
            self.take(",")

    def at_end(self) -> bool:
        return self.peek() == ""


def json_records(stream: TextIO, file_name: str) -> Iterator[tuple[int, Any] | Problem]:
    """(position, value) for each record of a JSON array, JSON-lines or JSON values file.

    Positions are 1-based: the element number in an array, the line number in
    JSON-lines. A bad line in JSON-lines is one Problem and reading goes on;
    broken JSON elsewhere ends the file with a Problem after the good records.
    Raises IngestError when the file is not JSON at all.
    """
    from reader.ingest import IngestError  # the package imports this module first

    line_no = 0
    while True:
        first = stream.readline()
        line_no += 1
        if not first or first.strip():
            break
    first = first.lstrip("\ufeff")  # a byte-order mark some Windows tools write
    head = first.strip()
    if not head:
        return
    one_object_per_line = head.startswith("{") and head.endswith("}")
    if not (one_object_per_line or head[0] in "[{"):
        raise IngestError(f"{file_name}: not JSON (it starts with {head[:30]!r})")
    if one_object_per_line:
        yield from _json_lines(stream, file_name, first, line_no)
        return
    reader = JsonReader(stream, first)
    position = 0
    try:
        if reader.peek() == "[":
            for position, value in enumerate(reader.items(), 1):
                yield position, value
            if not reader.at_end():
                raise BrokenJson("more text after the closing ']'")
        else:
            while not reader.at_end():
                value = reader.value()
                position += 1
                yield position, value
    except BrokenJson as error:
        if position == 0:
            raise IngestError(f"{file_name}: {error}") from None
        yield Problem(file_name, f"{error}; reading stopped after record {position}", position + 1)


def _json_lines(stream: TextIO, file_name: str, first: str, first_no: int) -> Iterator[tuple[int, Any] | Problem]:
    line_no = first_no
    line = first
    while True:
        if line.strip():
            try:
                yield line_no, jsoncodec.loads(line)
            except (json.JSONDecodeError, RecursionError) as error:
                message = getattr(error, "msg", "nested too deeply")
                yield Problem(file_name, f"line is not valid JSON ({message})", line_no)
        line = stream.readline()
        if not line:
            return
        line_no += 1


def element_events(parser: ET.XMLPullParser) -> Iterator[tuple[str, ET.Element]]:
    """The parser's events and their elements. Our parsers ask only for "start" and
    "end", whose item is always an element; the stubs type it for every event kind."""
    return cast(Iterator[tuple[str, ET.Element]], parser.read_events())


JSON_START = re.compile(r"^\ufeff?\s*[\[{]")
"""A head that may be JSON: an array or an object first (a BOM allowed)."""

_DECLARATIONS = re.compile(r"<!(?:DOCTYPE|ENTITY)\b")
_XML_CHUNK = 64 * 1024


def closed_elements(stream: TextIO, file_name: str, what: str) -> Iterator[ET.Element]:
    """Each element of the XML in `stream` as its end tag is read, in chunks.

    A file that declares a DOCTYPE or entities is refused first (IngestError):
    `what` (an RSS feed, OAI-PMH) never uses them, and entity expansion is how a
    small XML file becomes a huge one. They must come before the root element, so
    within the first chunk of any real file. Raises ET.ParseError where the XML breaks.
    """
    from reader.ingest import IngestError  # the package imports this module first

    parser = ET.XMLPullParser(events=("end",))
    first = True
    while chunk := stream.read(_XML_CHUNK):
        if first and _DECLARATIONS.search(chunk):
            raise IngestError(f"{file_name}: declares a DOCTYPE or entities, which {what} never does (a hostile file?); not read")
        first = False
        parser.feed(chunk)
        for _, element in element_events(parser):
            yield element
    parser.close()
