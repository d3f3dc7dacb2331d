"""The one HTTP client every fetch goes through, and the validators it keeps.

httpx, rather than urllib: timeouts per phase (connect, read), keep-alive (the
arXiv terms ask for one connection), streaming with a size limit, and redirects
followed within a bound, from a well-kept library. What it does not do by itself
is done here, in one place for every service:

- a User-Agent naming reader and its version;
- retries, bounded: 429 and 5xx answers, and connections that break or time out
  mid-request, are tried again after the server's `Retry-After` or, without one,
  1, 2, 4 s. A host that cannot be connected to at all (refused, no such name,
  no route) is not retried: an offline laptop should hear so at once, and the
  next run tries again. Nor is it asked again in this run;
- pacing: a base URL may require seconds between requests (arXiv: 3 s);
- conditional requests: the ETag and Last-Modified of each URL whose response was
  imported are kept in the home (`http-cache.json`), so asking again for what
  has not changed costs a 304. They are remembered only once the caller has
  imported the response (`remember`): an import that broke off asks again in full.

Failures are `FetchError`, naming the host and the reason in words.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from importlib import metadata
from pathlib import Path

import httpx

from reader import DISTRIBUTION, __version__, jsoncodec
from reader.fetch.endpoints import host
from reader.files import StoreError, home_lock, write_atomically
from reader.store import HTTP_CACHE_FILE

CACHE_ENTRIES = 2000  # URLs remembered; the oldest go first
RETRIED = frozenset({429, 500, 502, 503, 504})
ATTEMPTS = 4  # tries of one request: the first and three retries
BACKOFF = 1.0  # seconds before the first retry without Retry-After; doubled each time
LONGEST_WAIT = 120.0  # a Retry-After longer than this ends the attempt: try again later
MAX_BODY = 64 * 1024 * 1024  # bytes: a day of papers is ~100 KB, an arXiv page of 200 ~1 MB
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def user_agent() -> str:
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree
        version = __version__
    return f"reader/{version} (research-paper triage in the terminal) httpx/{httpx.__version__}"


class FetchError(Exception):
    """A request that failed for good. `reached`: the server answered at all
    (an HTTP error) rather than not being reachable; `status`: its status, if any."""

    def __init__(self, url: str, reason: str, *, reached: bool, status: int | None = None) -> None:
        super().__init__(f"{host(url)}: {reason}")
        self.host = host(url)
        self.reason = reason
        self.reached = reached
        self.status = status


@dataclass(frozen=True)
class Response:
    url: str
    status: int  # 200, or 304: not modified since the response remembered for this URL
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    content_type: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


class Validators:
    """`http-cache.json`: URL -> the ETag / Last-Modified of its last imported response.

    A cache: a damaged file is a note and starts empty; it is rewritten (under the
    home lock, merged with what another process wrote) on each `remember`."""

    def __init__(self, home: Path, note: Callable[[str], object] | None = None) -> None:
        self.home = home
        self.path = home / HTTP_CACHE_FILE
        self._note = note
        self._said: set[str] = set()  # each said once, though the file is read again on each remember
        self._entries = self._read()

    def headers(self, url: str) -> dict[str, str]:
        entry = self._entries.get(url, {})
        headers = {}
        if entry.get("etag"):
            headers["If-None-Match"] = entry["etag"]
        if entry.get("last_modified"):
            headers["If-Modified-Since"] = entry["last_modified"]
        return headers

    def remember(self, response: Response) -> None:
        """Keep `response`'s validators (or forget the URL's, if it has none now)."""
        if response.not_modified:
            return
        with home_lock(self.home):
            entries = self._read()
            entries.pop(response.url, None)
            if response.etag or response.last_modified:
                entries[response.url] = {"etag": response.etag, "last_modified": response.last_modified, "at": time.time()}
            if len(entries) > CACHE_ENTRIES:
                newest = sorted(entries.items(), key=lambda item: item[1].get("at", 0))[-CACHE_ENTRIES:]
                entries = dict(newest)
            try:
                write_atomically(self.path, jsoncodec.dumps(entries))
            except OSError as error:
                raise StoreError(f"{self.path}: not saved ({error.strerror or error})") from error
            self._entries = entries

    def _read(self) -> dict[str, dict]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        except OSError as error:
            self._say(f"{self.path}: cannot be read ({error.strerror or error}); asking for everything in full")
            return {}
        try:
            data = jsoncodec.loads(raw)
        except (json.JSONDecodeError, ValueError, RecursionError):
            data = None
        if not (isinstance(data, dict) and all(isinstance(v, dict) for v in data.values())):
            self._say(f"{self.path}: damaged; it is only a cache, so it starts afresh")
            return {}
        return data

    def _say(self, line: str) -> None:
        if self._note is not None and line not in self._said:
            self._said.add(line)
            self._note(line)


class Client:
    """GET with manners. `paced`: base URL -> seconds between requests to it.
    `sleep` and `clock` are time.sleep and time.monotonic but for tests.
    `requests` counts requests sent, `not_modified` the 304s among them."""

    def __init__(
        self,
        *,
        validators: Validators | None = None,
        paced: Mapping[str, float] | None = None,
        timeout: httpx.Timeout = TIMEOUT,
        attempts: int = ATTEMPTS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.validators = validators
        self._paced = dict(paced or {})
        self._attempts = attempts
        self._sleep = sleep
        self._clock = clock
        self._last: dict[str, float] = {}  # paced base URL -> when its last request went
        self._unreachable: dict[str, FetchError] = {}  # host -> why
        self.requests = 0
        self.not_modified = 0
        # One connection per host, kept alive: arXiv asks for one.
        self._http = httpx.Client(
            headers={"User-Agent": user_agent()},
            timeout=timeout,
            follow_redirects=True,
            limits=httpx.Limits(max_connections=4, max_keepalive_connections=4),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, *, accept: str | None = None, conditional: bool = True, limit: int = MAX_BODY) -> Response:
        """The response to GET `url`, read whole (at most `limit` bytes). With
        `conditional`, a 304 when it has not changed since it was `remember`ed."""
        headers = {"Accept": accept} if accept else {}
        if conditional and self.validators is not None:
            headers.update(self.validators.headers(url))
        for attempt in itertools.count(1):
            try:
                with self.open(url, headers) as response:
                    if response.status_code == 304:
                        self.not_modified += 1
                        return Response(url, 304, b"")
                    return Response(
                        url,
                        response.status_code,
                        _body(url, response, limit),
                        response.headers.get("ETag"),
                        response.headers.get("Last-Modified"),
                        response.headers.get("Content-Type", ""),
                    )
            except httpx.TransportError as error:  # the body broke off
                if attempt >= self._attempts:
                    raise FetchError(url, _in_words(error), reached=True) from None
                self._sleep(_backoff(attempt))
        raise AssertionError("unreachable")

    def remember(self, response: Response) -> None:
        """`response` was imported: ask for it conditionally from now on."""
        if self.validators is not None:
            self.validators.remember(response)

    @contextlib.contextmanager
    def open(self, url: str, headers: Mapping[str, str] | None = None) -> Iterator[httpx.Response]:
        """The response to GET `url` once its status is final, its body not yet read.

        429 and 5xx answers, and connections that break before an answer, are
        tried again; any other status from 400 up is FetchError (with `status`)."""
        name = host(url)
        if name in self._unreachable:
            raise self._unreachable[name]
        reached = False
        for attempt in itertools.count(1):
            self._pace(url)
            try:
                response = self._http.send(self._http.build_request("GET", url, headers=headers), stream=True)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.UnsupportedProtocol) as error:
                self._unreachable[name] = FetchError(url, _in_words(error), reached=False)
                raise self._unreachable[name] from None
            except httpx.TransportError as error:
                self.requests += 1
                if attempt >= self._attempts:
                    raise FetchError(url, _in_words(error), reached=reached) from None
                self._sleep(_backoff(attempt))
                continue
            self.requests += 1
            reached = True
            status = response.status_code
            if status in RETRIED and attempt < self._attempts:
                wait = _retry_after(response.headers.get("Retry-After"))
                response.close()
                if wait is not None and wait > LONGEST_WAIT:
                    raise FetchError(
                        url, f"HTTP {status}: asked to wait {wait:.0f} s; try again later", reached=True, status=status
                    )
                self._sleep(_backoff(attempt) if wait is None else wait)
                continue
            try:
                if status >= 400:
                    raise FetchError(url, f"HTTP {status} {response.reason_phrase}".strip(), reached=True, status=status)
                yield response
            finally:
                response.close()
            return

    def _pace(self, url: str) -> None:
        for base, delay in self._paced.items():
            if url.startswith(base):
                last = self._last.get(base)
                if last is not None and (wait := last + delay - self._clock()) > 0:
                    self._sleep(wait)
                self._last[base] = self._clock()


def _body(url: str, response: httpx.Response, limit: int) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > limit:
            raise FetchError(
                url, f"the response is over {limit // 2**20} MB, far more than this service sends; not read", reached=True
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _backoff(attempt: int) -> float:
    return BACKOFF * 2 ** (attempt - 1)


def _retry_after(value: str | None) -> float | None:
    """Seconds a `Retry-After` asks for (a number or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def _in_words(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return "no connection in time (offline, or blocked?)"
    if isinstance(error, httpx.TimeoutException):
        return "no answer in time; the server is slow or the connection stalled"
    if isinstance(error, httpx.UnsupportedProtocol):
        return f"not a URL reader can fetch ({error})"
    if isinstance(error, httpx.RemoteProtocolError):
        return "the server broke the connection off mid-answer"
    reason = str(error) or type(error).__name__
    # "[Errno 111] Connection refused" -> "connection refused"
    reason = reason.split("] ", 1)[-1]
    if isinstance(error, httpx.ConnectError):
        return f"cannot connect ({reason[:1].lower() + reason[1:]})"
    return f"the connection failed ({reason[:1].lower() + reason[1:]})"
