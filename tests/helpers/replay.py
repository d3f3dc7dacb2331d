"""A server on 127.0.0.1 that answers as Hugging Face, the arXiv API, arXiv PDFs and
doi.org do, from the real recorded answers in ../shared/corpora, and misbehaves
on request. Every fetch test points reader at it (see `replay` below): no test
reaches another host.

Paths are the real services' paths under a prefix per service, so that the
environment variables are seen to replace scheme, host and path prefix:

    READER_HF_URL         {url}/hf            /hf/api/daily_papers?date=DAY
    READER_ARXIV_API_URL  {url}/arxiv/api/query   ?search_query=cat:X|ti:"..." or ?id_list=
    READER_ARXIV_URL      {url}/arxiv         /arxiv/pdf/ID
    READER_DOI_URL        {url}/doi           /doi/10.xxxx/...

- A day: hf-daily-papers/daily/DAY.json.gz, unpacked; a day not recorded is `[]`,
  as Hugging Face answers for a weekend.
- The arXiv API: the 19 entries of the four recorded feeds, byte for byte, in a
  feed of the kind arXiv sends: `cat:X` pages them newest first (start,
  max_results), `ti:"words"` finds the titles holding those words, `id_list`
  the ids; a malformed id gets arXiv's error entry.
- Every answer has an ETag and a Last-Modified and a repeated request carrying
  them gets a 304.
- `fail(kind, match, times)`: the next `times` requests whose path and query
  hold `match` misbehave: "503", "429" (Retry-After: `retry_after`), "html" (a
  200 HTML page), "truncate" (the connection closes mid-body), "cut" (a body
  cut short but whole by its length), "reset" (the connection reset, no answer),
  "slow" (the answer `delay` seconds late), "error-entry" (arXiv's error feed).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import socket
import struct
import sys
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from helpers.paths import CORPORA

HF_DAYS = CORPORA / "hf-daily-papers" / "daily"
ATOM_FEEDS = CORPORA / "arxiv-api-atom"
LAST_MODIFIED = "Fri, 21 Aug 2026 06:00:00 GMT"

_ENTRY = re.compile(rb"<entry>.*?</entry>", re.S)
_FEED_HEAD = b"""<?xml version='1.0' encoding='UTF-8'?>
<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">
  <id>https://arxiv.org/api/replay</id>
  <title>arXiv Query: %s</title>
  <updated>2026-08-21T06:00:00Z</updated>
  <opensearch:itemsPerPage>%d</opensearch:itemsPerPage>
  <opensearch:totalResults>%d</opensearch:totalResults>
  <opensearch:startIndex>%d</opensearch:startIndex>
"""


def _fold(text: str) -> str:
    return " ".join(re.sub(r"[\W_]+", " ", unicodedata.normalize("NFKC", text).casefold()).split())


@dataclass(frozen=True)
class Entry:
    raw: bytes
    arxiv_id: str
    published: str
    categories: tuple[str, ...]
    title: str


def recorded_entries() -> list[Entry]:
    entries = []
    for path in sorted(ATOM_FEEDS.glob("*.xml")):
        for raw in _ENTRY.findall(path.read_bytes()):
            text = raw.decode()
            arxiv_id = re.search(r"<id>https?://arxiv\.org/abs/(.+?)(v\d+)?</id>", text).group(1)
            entries.append(
                Entry(
                    raw,
                    arxiv_id,
                    re.search(r"<published>(.+?)</published>", text).group(1),
                    tuple(re.findall(r'<category term="([^"]+)"', text)),
                    " ".join(re.search(r"<title>(.+?)</title>", text, re.S).group(1).split()),
                )
            )
    return entries


def error_feed(message: str) -> bytes:
    """The feed the arXiv API sends for a query it cannot run."""
    key = message.replace(" ", "_")
    entry = (
        f"<entry><id>http://arxiv.org/api/errors#{key}</id><title>Error</title>"
        f"<summary>{message}</summary><updated>2026-08-21T00:00:00-04:00</updated>"
        f'<link href="http://arxiv.org/api/errors#{key}" rel="alternate" type="text/html"/>'
        "<author><name>arXiv api core</name></author></entry>"
    )
    return _FEED_HEAD % (b"Error", 1, 1, 0) + entry.encode() + b"\n</feed>\n"


def tiny_pdf(text: str = "reader test") -> bytes:
    """A small, valid one-page PDF (its cross-reference table is exact)."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@dataclass
class Fault:
    kind: str
    match: str
    times: int | None  # None: every time
    retry_after: str = "1"
    delay: float = 1.0


@dataclass
class Seen:
    target: str  # path and query as asked
    status: int  # 0: no answer (reset)
    headers: dict[str, str] = field(default_factory=dict)


class Replay:
    def __init__(self, shift_days: int = 0) -> None:
        """`shift_days`: a day asked for is served from the recording that many days
        earlier (a demo's "today" need not be in 2026-08)."""
        self.shift = timedelta(days=shift_days)
        self.entries = recorded_entries()
        self.pdfs: dict[str, bytes] = {}
        self.dois: dict[str, dict] = {}
        self.faults: list[Fault] = []
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        self.errors: list[BaseException] = []  # what a request's handling raised (a client that hung up)
        self._server = _QuietServer(("127.0.0.1", 0), _handler(self), self.errors)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def env(self) -> dict[str, str]:
        return {
            "READER_HF_URL": f"{self.url}/hf",
            "READER_ARXIV_API_URL": f"{self.url}/arxiv/api/query",
            "READER_ARXIV_URL": f"{self.url}/arxiv",
            "READER_DOI_URL": f"{self.url}/doi",
            "READER_ARXIV_DELAY": "0",
        }

    def start(self) -> Replay:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def fail(self, kind: str, match: str = "", times: int | None = 1, **options) -> None:
        self.faults.append(Fault(kind, match, times, **options))

    def statuses(self, match: str = "") -> list[int]:
        return [s.status for s in self.seen if match in s.target]

    def reset_log(self) -> None:
        self.seen.clear()

    def _fault_for(self, target: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                if fault.match in target and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    # -- the services ---------------------------------------------------------------

    def answer(self, path: str, query: dict[str, list[str]], accept: str) -> tuple[int, str, bytes]:
        """(status, content type, body) for a GET, as the real service would answer."""
        if path == "/hf/api/daily_papers":
            return self._hf_day(query.get("date", [""])[0])
        if path == "/arxiv/api/query":
            return 200, "application/atom+xml; charset=utf-8", self._arxiv(query)
        if path.startswith("/arxiv/pdf/"):
            name = path.removeprefix("/arxiv/pdf/")
            if name in self.pdfs:
                return 200, "application/pdf", self.pdfs[name]
        if path.startswith("/doi/"):
            record = self.dois.get(unquote(path.removeprefix("/doi/")))
            if record is None:
                return 404, "text/html", b"<html><body>DOI Not Found</body></html>"
            if "application/vnd.citationstyles.csl+json" not in accept:
                return 200, "text/html", b"<html><body>the landing page</body></html>"
            return 200, "application/vnd.citationstyles.csl+json", json.dumps(record).encode()
        return 404, "text/html", b"<html><body>404 Not Found</body></html>"

    def _hf_day(self, day: str) -> tuple[int, str, bytes]:
        try:
            recorded = (date.fromisoformat(day) - self.shift).isoformat()
        except ValueError:
            return 400, "application/json", b'{"error":"Invalid date"}'
        path = HF_DAYS / f"{recorded}.json.gz"
        return 200, "application/json; charset=utf-8", gzip.decompress(path.read_bytes()) if path.exists() else b"[]"

    def _arxiv(self, query: dict[str, list[str]]) -> bytes:
        start = int(query.get("start", ["0"])[0])
        size = int(query.get("max_results", ["10"])[0])
        search = query.get("search_query", [""])[0]
        ids = [i for i in query.get("id_list", [""])[0].split(",") if i]
        if ids:
            bad = next((i for i in ids if not re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?|[a-z-]+(\.[A-Z]{2})?/\d{7}(v\d+)?", i)), None)
            if bad:
                return error_feed(f"incorrect id format for {bad}")
            wanted = [re.sub(r"v\d+$", "", i) for i in ids]
            found = [e for e in self.entries if e.arxiv_id in wanted]
        elif search.startswith("cat:"):
            found = [e for e in self.entries if search[4:] in e.categories]
        elif match := re.fullmatch(r'ti:"(.+)"', search):
            words = _fold(match.group(1))
            found = [e for e in self.entries if words in _fold(e.title)]
        else:
            return error_feed("malformed query")
        if query.get("sortBy") == ["submittedDate"]:
            found.sort(key=lambda e: e.published, reverse=query.get("sortOrder") != ["ascending"])
        page = found[start : start + size]
        head = _FEED_HEAD % (search.encode() or b"id_list", len(page), len(found), start)
        return head + b"\n".join(e.raw for e in page) + b"\n</feed>\n"


class _QuietServer(ThreadingHTTPServer):
    """A client may hang up mid-answer (a retry, a timeout): kept in `errors`, not printed
    on stderr, where the tests read what reader says."""

    def __init__(self, address, handler, errors: list[BaseException]) -> None:
        super().__init__(address, handler)
        self.errors = errors

    def handle_error(self, request, client_address) -> None:
        self.errors.append(sys.exc_info()[1])


def _handler(replay: Replay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the real services

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802 - the http.server spelling
            parts = urlsplit(self.path)
            seen = Seen(self.path, 0, dict(self.headers))
            replay.seen.append(seen)
            fault = replay._fault_for(self.path)
            if fault is not None and fault.kind == "slow":
                time.sleep(fault.delay)
            if fault is not None and fault.kind == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                return
            if fault is not None and fault.kind in ("503", "429"):
                extra = {"Retry-After": fault.retry_after} if fault.kind == "429" else {}
                return self._send(seen, int(fault.kind), "text/html", b"<html><body>Slow down</body></html>", extra)
            if fault is not None and fault.kind == "html":
                return self._send(seen, 200, "text/html", b"<!DOCTYPE html><html><body>We are down for maintenance</body></html>")
            if fault is not None and fault.kind == "error-entry":
                return self._send(seen, 200, "application/atom+xml", error_feed("malformed query"))
            status, kind, body = replay.answer(parts.path, parse_qs(parts.query), self.headers.get("Accept", ""))
            if fault is not None and fault.kind == "cut":
                body = body[: len(body) // 2]
            etag = f'"{hashlib.sha1(body).hexdigest()[:16]}"'
            if status == 200 and self.headers.get("If-None-Match") == etag:
                return self._send(seen, 304, kind, b"", {"ETag": etag})
            if status == 200 and kind == "application/pdf" and (wanted := self.headers.get("Range")):
                return self._range(seen, body, wanted, fault)
            validators = {"ETag": etag, "Last-Modified": LAST_MODIFIED} if status == 200 else {}
            self._send(seen, status, kind, body, validators, truncate=fault is not None and fault.kind == "truncate")

        def _range(self, seen: Seen, body: bytes, wanted: str, fault: Fault | None) -> None:
            first = int(re.fullmatch(r"bytes=(\d+)-", wanted).group(1))
            if first >= len(body):
                return self._send(seen, 416, "text/html", b"", {"Content-Range": f"bytes */{len(body)}"})
            extra = {"Content-Range": f"bytes {first}-{len(body) - 1}/{len(body)}"}
            self._send(seen, 206, "application/pdf", body[first:], extra, truncate=fault is not None and fault.kind == "truncate")

        def _send(
            self, seen: Seen, status: int, kind: str, body: bytes, extra: dict | None = None, truncate: bool = False
        ) -> None:
            seen.status = status
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if truncate:
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            if status != 304:
                self.wfile.write(body)

    return Handler


@pytest.fixture
def replay(home, monkeypatch):
    """The replay server, and the environment pointing reader at it (no arXiv delay)."""
    server = Replay().start()
    for name, value in server.env().items():
        monkeypatch.setenv(name, value)
    yield server
    server.stop()
