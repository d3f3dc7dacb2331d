"""`reader serve`: the app in a browser through textual-serve.

Each browser tab gets its own `reader open` process (a terminal app behind a
websocket), so several instances on one home are normal; the store handles that.
Textual and textual-serve are imported only when the command runs (reader.app
holds the server part): the CLI never loads them.
"""

from __future__ import annotations

import errno
import importlib.util
import shlex
import socket
import sys
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
_WILDCARDS = {"", "0.0.0.0", "::"}


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


def serve(home: str | None, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Serve the app until Ctrl+C; the exit status."""
    if importlib.util.find_spec("textual_serve") is None:
        print("reader: `reader serve` needs textual-serve: pip install textual-serve", file=sys.stderr)
        return 1
    if not 0 < port < 65536:
        print(f"reader: port {port} is out of range (1-65535)", file=sys.stderr)
        return 2
    problem = port_problem(host, port)
    if problem:
        print(f"reader: {problem}", file=sys.stderr)
        return 1
    from reader.app import serve_in_browser  # Textual only once the checks pass

    try:
        serve_in_browser(app_command(home), host, port, public_url(host, port))
    except OSError as error:  # lost a race for the port since the check
        print(f"reader: {_bind_message(host, port, error)}", file=sys.stderr)
        return 1
    return 0
