"""`reader serve`: the app in a browser through textual-serve.

Each browser tab gets its own `reader open` process (a terminal app behind a
websocket), so several instances on one home are normal; the store handles that.
Textual and textual-serve are imported only when the command runs (reader.screens.browser_tab
holds the server part): the CLI never loads them.

A web page the person visits can open a websocket to 127.0.0.1 too, and a session
can read the library and write files, so the server trusts no request by where it
comes from. As Jupyter does, every request needs a token made at each start (in the
URL printed then, kept in a cookie after the first page so the page's own assets
and websocket carry it), a `Host` that names the address served (DNS rebinding) and,
when a browser sends one, an `Origin` of that address (cross-site websockets).
Each session is a process, so their number is capped. The decisions live here, as
plain functions of the request's headers; reader.screens.browser_tab wires them into aiohttp.
"""

from __future__ import annotations

import errno
import hmac
import importlib.util
import ipaddress
import secrets
import shlex
import socket
import sys
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_SESSIONS = 8
_WILDCARDS = {"", "0.0.0.0", "::"}
_LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


def app_command(home: str | None) -> str:
    """The shell command textual-serve runs for each browser tab."""
    argv = [sys.executable, "-m", "reader"]
    if home is not None:
        argv += ["--home", str(Path(home).expanduser().resolve())]
    return shlex.join([*argv, "open"])


def public_url(host: str, port: int) -> str:
    """The URL a browser uses; the page's websocket address is built from it too."""
    if host in _WILDCARDS:  # bound everywhere: name this machine, not 0.0.0.0
        host = socket.gethostname()
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def is_loopback(host: str) -> bool:
    """Whether `host` names only this machine's loopback: nothing else can reach it."""
    if host in _WILDCARDS:
        return False
    try:
        addresses = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except socket.gaierror:
        return False
    return all(ipaddress.ip_address(address[4][0]).is_loopback for address in addresses)


@dataclass(frozen=True)
class Gate:
    """What a request to a running `reader serve` must show to get in, and how many
    sessions may be in at once."""

    url: str  # the address served, as public_url gives it
    port: int
    token: str
    hosts: frozenset[str]  # the host names a Host header or Origin may carry, with `port`
    any_address: bool  # bound to every address: a Host that is an IP literal is fine too
    sessions: int = DEFAULT_SESSIONS

    @classmethod
    def for_address(cls, host: str, port: int, sessions: int = DEFAULT_SESSIONS) -> Gate:
        """A gate with a fresh token for a server listening on (host, port)."""
        any_address = host in _WILDCARDS
        if any_address:  # the name public_url prints, and loopback, which it covers
            hosts = {socket.gethostname().lower(), *_LOOPBACK_NAMES}
        elif is_loopback(host):  # the same listener, however this machine is named
            hosts = {host.lower(), *_LOOPBACK_NAMES}
        else:
            hosts = {host.lower()}
        return cls(public_url(host, port), port, secrets.token_hex(24), frozenset(hosts), any_address, sessions)

    @property
    def login_url(self) -> str:
        """The URL to open: the token in it is what lets a browser in."""
        return f"{self.url}/?token={self.token}"

    @property
    def cookie(self) -> str:
        """The cookie's name: cookies ignore ports, so two servers on one host keep two."""
        return f"reader-serve-{self.port}"

    def refusal(self, host: str | None, origin: str | None, tokens: tuple[str | None, ...]) -> str | None:
        """Why a request with these headers and tokens (from the URL, the cookie) is
        refused, or None to let it in."""
        if host is None or not self._serves(_host_port(host)):
            return f"reader serve: refused: Host {host!r} is not the address served; open {self.url}/ as printed"
        if origin is not None and not self._serves(_origin_host_port(origin)):
            return f"reader serve: refused: a page from {origin!r} may not use this server"
        if not any(token is not None and _same(token, self.token) for token in tokens):
            return "reader serve: refused: no valid token; open the URL with ?token= that reader serve printed at its start"
        return None

    def elsewhere(self, host: str) -> bool:
        """Whether the page, asked for by this accepted Host, must be fetched from `url`
        instead: it names its assets and websocket by `url`, and a cookie has one host."""
        return _host_port(host) != _host_port(urllib.parse.urlsplit(self.url).netloc)

    @property
    def full(self) -> str:
        """Why a session beyond the cap is refused."""
        return (
            f"reader serve: refused: {self.sessions} sessions are open, the most allowed"
            " (--sessions); close a reader tab, then reload this one"
        )

    def _serves(self, host_port: tuple[str, int] | None) -> bool:
        if host_port is None or host_port[1] != self.port:
            return False
        name = host_port[0]
        # DNS rebinding needs a name the attacker controls: an IP literal cannot be one.
        return name in self.hosts or (self.any_address and _is_ip(name))


def _host_port(netloc: str) -> tuple[str, int] | None:
    """(lowercase host name, port) of a Host header's value, or None if it is not one."""
    if "@" in netloc:
        return None
    try:
        parts = urllib.parse.urlsplit(f"//{netloc}")
        port = parts.port or 80
    except ValueError:
        return None
    if parts.netloc != netloc or not parts.hostname:
        return None
    return parts.hostname, port


def _origin_host_port(origin: str) -> tuple[str, int] | None:
    """(host name, port) of an http Origin; None for "null", https or anything else."""
    scheme, _, netloc = origin.partition("://")
    return _host_port(netloc) if scheme.lower() == "http" else None


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _same(given: str, token: str) -> bool:
    """Token comparison in constant time: a timing difference would spell it out."""
    return hmac.compare_digest(given.encode(), token.encode())


def port_problem(host: str, port: int) -> str | None:
    """Why (host, port) cannot be listened on, or None. The server binds the same way."""
    try:
        addresses = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as error:
        return f"cannot use host {host!r}: {error.strerror}"
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
            try:
                probe.bind(address)
            except OSError as error:
                return _bind_message(host, port, error)
    return None


def _bind_message(host: str, port: int, error: OSError) -> str:
    if error.errno == errno.EADDRINUSE:
        return f"port {port} on {host} is already in use; pick another with --port"
    if error.errno == errno.EACCES:
        return f"not allowed to listen on port {port}; pick one above 1023 with --port"
    if error.errno == errno.EADDRNOTAVAIL:
        return f"{host} is not an address of this machine"
    return f"cannot listen on {host}:{port}: {error.strerror or error}"


def exposure_warning(host: str) -> str:
    """What serving on a non-loopback address risks, for stderr at start."""
    return (
        f"reader: WARNING: --host {host or '(all)'} lets other machines reach reader serve.\n"
        "reader: WARNING: whoever gets the URL with its token can read and change your library\n"
        "reader: WARNING: and write files as you; plain http shows that token to the network.\n"
        "reader: WARNING: keep the default --host 127.0.0.1 (and an SSH tunnel) unless you trust the network."
    )


def serve(home: str | None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, sessions: int = DEFAULT_SESSIONS) -> int:
    """Serve the app until Ctrl+C; the exit status."""
    if importlib.util.find_spec("textual_serve") is None:
        print("reader: `reader serve` needs textual-serve: pip install textual-serve", file=sys.stderr)
        return 1
    if not 0 < port < 65536:
        print(f"reader: port {port} is out of range (1-65535)", file=sys.stderr)
        return 2
    if sessions < 1:
        print(f"reader: --sessions {sessions} would let no one in; give 1 or more", file=sys.stderr)
        return 2
    problem = port_problem(host, port)
    if problem:
        print(f"reader: {problem}", file=sys.stderr)
        return 1
    if not is_loopback(host):
        print(exposure_warning(host), file=sys.stderr, flush=True)
    from reader.screens.browser_tab import serve_in_browser  # Textual only once the checks pass

    try:
        serve_in_browser(app_command(home), host, Gate.for_address(host, port, sessions))
    except OSError as error:  # lost a race for the port since the check
        print(f"reader: {_bind_message(host, port, error)}", file=sys.stderr)
        return 1
    return 0
