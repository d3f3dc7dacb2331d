"""`reader serve`: the app in a real browser through textual-serve, and who may use it.

The browser is Debian's headless Chromium driven by its chromedriver (`make test`
installs both). Missing, the test fails: CI must never pass without it. What a
hostile page could send (another Origin, another Host, no token) comes from aiohttp's
websocket client, which sets those headers as it is told, against a real server.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from reader.serve import Gate, app_command, serve

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")

# textual-serve's page draws the terminal on a canvas (xterm.js), and keeps its
# xterm Terminal in a closure. This runs before the page's scripts and catches the
# Terminal when textual.js does `this.terminal = new Terminal(...)`, so the test
# reads what the terminal shows from xterm's own buffer.
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, 'terminal', {
  configurable: true,
  set(value) {
    Object.defineProperty(this, 'terminal', {value, writable: true, configurable: true, enumerable: true});
    if (value && value.buffer && !window.__readerTerminal) window.__readerTerminal = value;
  },
});
"""
SCREEN_TEXT = """
const terminal = window.__readerTerminal;
if (terminal) {
  const buffer = terminal.buffer.active, lines = [];
  for (let i = 0; i < buffer.length; i++) {
    const line = buffer.getLine(i);
    lines.push(line ? line.translateToString(true) : '');
  }
  return lines.join('\\n');
}
const rows = document.querySelector('.xterm-rows');  // xterm's DOM renderer, if it is ever used
return rows ? rows.innerText : '';
"""
ENDED = "return document.body.classList.contains('-closed')"  # the app exited: "Session ended."


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port: int, server: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"reader serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"reader serve did not listen on port {port} within {seconds}s:\n{log.read_text()}")


def listening_addresses(port: int) -> set[str]:
    """The local addresses of the sockets listening on this TCP port (Linux /proc)."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        for line in Path(table).read_text().splitlines()[1:]:
            local, _remote, state = line.split()[1:4]
            address, hex_port = local.split(":")
            if state == "0A" and int(hex_port, 16) == port:  # 0A: LISTEN
                raw = bytes.fromhex(address)
                if width == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, raw[::-1]))
                else:  # four little-endian 32-bit words
                    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
                    found.add(socket.inet_ntop(socket.AF_INET6, words))
    return found


@dataclass(frozen=True)
class Served:
    port: int
    log: Path
    url: str  # the URL it printed, token and all

    @property
    def token(self) -> str:
        return self.url.rpartition("token=")[2]


@contextlib.contextmanager
def reader_serve(tmp_path: Path, *options: str):
    """`reader --home <fresh> serve --port <free> *options`, listening; killed with its
    app processes after."""
    port = free_port()
    log = tmp_path / "serve.log"
    home = tmp_path / "home"
    env = {**os.environ, "READER_HOME": str(home)}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "reader", "--home", str(home), "serve", "--port", str(port), *options],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: the apps it starts die with it
        )
    try:
        wait_for_port(port, server, log)
        printed = re.search(r"serving on (http://\S+)", log.read_text())  # printed before it listens
        assert printed, f"reader serve printed no URL:\n{log.read_text()}"
        yield Served(port, log, printed[1])
    finally:
        for sig, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(server.pid, sig)
            except ProcessLookupError:
                break
            try:
                server.wait(timeout=grace)
                break
            except subprocess.TimeoutExpired:
                continue
        try:  # whatever of the group is left (an app that ignored the quit)
            os.killpg(server.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture
def served(tmp_path):
    with reader_serve(tmp_path) as server:
        yield server


@pytest.fixture
def browser(tmp_path):
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not path.is_file():
            pytest.fail(f"{path} is missing: apt-get install {package} (make test does it)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--window-size=1280,900",
        # the page links a web font; offline, fail that look-up at once instead of waiting on it
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        driver.set_page_load_timeout(30)
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        yield driver
    finally:
        driver.quit()


def test_the_browser_shows_the_paper_list(served, browser):
    browser.get(served.url)
    deadline = time.monotonic() + 60
    text = ""
    while time.monotonic() < deadline:
        text = browser.execute_script(SCREEN_TEXT) or ""
        if "423 shown" in text or browser.execute_script(ENDED):
            break
        time.sleep(0.1)
    assert "423 shown" in text, f"the page's terminal showed:\n{text}\n--- server log:\n{served.log.read_text()}"
    assert "Scaling MLPs: A Tale of Inductive Bias" in text  # a bundled paper's title, in the list


def test_it_listens_on_localhost_only_by_default(served):
    assert listening_addresses(served.port) == {"127.0.0.1"}
    assert served.url.startswith(f"http://127.0.0.1:{served.port}/?token=")
    assert "WARNING" not in served.log.read_text()


def test_a_busy_port_is_one_line_not_a_traceback(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "reader", "--home", str(tmp_path / "home"), "serve", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert "already in use" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout


def test_each_tab_runs_reader_open_on_the_same_home(tmp_path):
    home = tmp_path / "a home with spaces"
    argv = shlex.split(app_command(str(home)))
    assert argv == [sys.executable, "-m", "reader", "--home", str(home.resolve()), "open"]


# --- who may use it: a real websocket client against a real server --------------------


async def open_session(session: aiohttp.ClientSession, served: Served, *, token=None, origin=None, host=None):
    """A websocket to the server's /ws, as its page opens one; Origin and Host default
    to those the page sends. Raises WSServerHandshakeError (with .status) if refused."""
    query = {"width": "100", "height": "30"}
    if token is not None:
        query["token"] = token
    return await session.ws_connect(
        f"ws://127.0.0.1:{served.port}/ws",
        params=query,
        origin=origin or f"http://127.0.0.1:{served.port}",
        headers={"Host": host or f"127.0.0.1:{served.port}"},
    )


def refused_with(served: Served, **request) -> int:
    """The HTTP status a websocket handshake got instead of becoming a websocket."""

    async def attempt():
        async with aiohttp.ClientSession() as session:
            with pytest.raises(aiohttp.WSServerHandshakeError) as refusal:
                await open_session(session, served, **request)
            return refusal.value.status

    return asyncio.run(attempt())


async def screen_shows(websocket, text: bytes, seconds: float = 60) -> bool:
    """Whether what the app sends (terminal output) comes to show `text`."""
    seen = b""
    async with asyncio.timeout(seconds):
        async for message in websocket:
            if message.type != aiohttp.WSMsgType.BINARY:
                return False  # closed: the app ended
            seen += message.data
            if text in seen:
                return True
    return False


def test_a_websocket_without_the_token_is_refused(served):
    assert refused_with(served) == 403
    assert refused_with(served, token=served.token[:-1] + "x") == 403


def test_a_websocket_from_another_sites_page_is_refused(served):
    assert refused_with(served, token=served.token, origin="http://evil.example") == 403
    assert refused_with(served, token=served.token, origin="null") == 403  # a sandboxed frame, a file:// page


def test_a_websocket_naming_another_host_is_refused(served):
    # DNS rebinding: the attacker's name, now pointing at 127.0.0.1, is what the browser sends
    origin = f"http://rebound.example:{served.port}"
    assert refused_with(served, token=served.token, origin=origin, host=f"rebound.example:{served.port}") == 403


def test_with_the_token_the_app_answers(served):
    async def session_shows_the_list():
        async with aiohttp.ClientSession() as session:
            async with await open_session(session, served, token=served.token) as websocket:
                return await screen_shows(websocket, b"423 shown")

    assert asyncio.run(session_shows_the_list()), served.log.read_text()


def test_the_page_needs_the_token_and_then_keeps_it_in_a_cookie(served):
    async def fetch():
        # unsafe: aiohttp keeps no cookie from an IP address otherwise; browsers do
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
            async with session.get(f"http://127.0.0.1:{served.port}/") as bare:
                refused = bare.status, await bare.text()
            async with session.get(served.url) as page:
                assert page.status == 200
            async with session.get(f"http://127.0.0.1:{served.port}/static/js/textual.js") as asset:
                return refused, asset.status  # no token in the URL: the cookie carries it

    (status, text), asset = asyncio.run(fetch())
    assert status == 403
    assert "token" in text and "\n" not in text.strip()  # one line saying what to do
    assert asset == 200


def test_localhost_is_sent_to_the_address_served(served):
    async def fetch():
        async with aiohttp.ClientSession() as session:
            async with session.get(served.url, headers={"Host": f"localhost:{served.port}"}, allow_redirects=False) as page:
                return page.status, page.headers.get("Location")

    assert asyncio.run(fetch()) == (302, served.url)


def test_sessions_beyond_the_cap_are_refused_until_one_closes(tmp_path):
    async def fill_then_free(served: Served):
        async with aiohttp.ClientSession() as session:
            first = await open_session(session, served, token=served.token)
            second = await open_session(session, served, token=served.token)
            with pytest.raises(aiohttp.WSServerHandshakeError) as refusal:
                await open_session(session, served, token=served.token)
            await first.close()
            third = await reopened(session, served)
            await second.close()
            await third.close()
            return refusal.value.status

    with reader_serve(tmp_path, "--sessions", "2") as served:
        assert asyncio.run(fill_then_free(served)) == 503
        assert "2 sessions are open" in served.log.read_text()


async def reopened(session: aiohttp.ClientSession, served: Served, seconds: float = 60):
    """A session once a closed one's slot is free: it is freed when that app has quit."""
    async with asyncio.timeout(seconds):
        while True:
            try:
                return await open_session(session, served, token=served.token)
            except aiohttp.WSServerHandshakeError as refusal:
                assert refusal.status == 503
                await asyncio.sleep(0.05)


# --- the gate's decisions, without a server ---------------------------------------------


@pytest.fixture
def gate():
    return Gate.for_address("127.0.0.1", 8000)


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "LocalHost:8000", "[::1]:8000"])
def test_loopback_is_one_listener_whatever_its_name(gate, host):
    assert gate.refusal(host, f"http://{host}", (gate.token,)) is None


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "evil.example:8000",
        "127.0.0.1:8001",
        "127.0.0.1",
        "evil.example@127.0.0.1:8000",
        "127.0.0.1:8000/x",
        "127.0.0.1:port",
        "10.0.0.5:8000",
    ],
)
def test_a_host_that_is_not_the_address_served_is_refused(gate, host):
    assert "Host" in gate.refusal(host, None, (gate.token,))


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example",
        "http://evil.example:8000",
        "https://127.0.0.1:8000",
        "null",
        "http://127.0.0.1:8001",
        "http://127.0.0.1:8000/x",
        "ws://127.0.0.1:8000",
    ],
)
def test_a_page_from_another_origin_is_refused(gate, origin):
    assert "may not use this server" in gate.refusal("127.0.0.1:8000", origin, (gate.token,))


def test_no_origin_is_a_client_that_is_not_a_page(gate):  # curl, a script: the token decides
    assert gate.refusal("127.0.0.1:8000", None, (gate.token,)) is None


def test_without_the_token_nothing_gets_in(gate):
    near = "x" + gate.token[1:]  # a hex token never holds an x
    for tokens in ((None, None), ("", None), ("é", None), (near, None), (gate.token[:-1], gate.token + "0")):
        assert "token" in gate.refusal("127.0.0.1:8000", None, tokens), tokens


def test_the_token_from_the_url_or_the_cookie_lets_in(gate):
    assert gate.refusal("127.0.0.1:8000", None, (gate.token, None)) is None
    assert gate.refusal("127.0.0.1:8000", None, (None, gate.token)) is None
    assert gate.refusal("127.0.0.1:8000", None, ("wrong", gate.token)) is None


def test_each_start_makes_a_new_long_token():
    first, second = Gate.for_address("127.0.0.1", 8000), Gate.for_address("127.0.0.1", 8000)
    assert first.token != second.token
    assert len(first.token) >= 32
    assert first.login_url == f"http://127.0.0.1:8000/?token={first.token}"


def test_on_every_address_any_ip_literal_or_this_machines_name_is_fine():
    gate = Gate.for_address("0.0.0.0", 8000)
    for host in ("192.0.2.7:8000", "[2001:db8::1]:8000", f"{socket.gethostname()}:8000", "localhost:8000"):
        assert gate.refusal(host, f"http://{host}", (gate.token,)) is None, host
    assert gate.refusal("rebound.example:8000", None, (gate.token,)) is not None  # a name could be rebound


def test_a_named_address_is_the_only_host():
    gate = Gate.for_address("192.0.2.7", 8000)
    assert gate.refusal("192.0.2.7:8000", "http://192.0.2.7:8000", (gate.token,)) is None
    assert gate.refusal("localhost:8000", None, (gate.token,)) is not None


@given(host=st.text(), origin=st.one_of(st.none(), st.text()), token=st.text())
def test_only_the_listed_hosts_with_the_token_get_in(host, origin, token):
    gate = Gate(url="http://127.0.0.1:8000", port=8000, token="t" * 48, hosts=frozenset({"127.0.0.1"}), any_address=False)
    if gate.refusal(host, origin, (token,)) is None:
        assert host.startswith("127.0.0.1:") and token == gate.token


def test_the_page_on_another_name_is_fetched_from_the_address_served(gate):
    assert gate.elsewhere("localhost:8000")
    assert not gate.elsewhere("127.0.0.1:8000")


def test_a_non_loopback_host_warns_loudly_and_loopback_does_not(monkeypatch, capsys):
    import reader.screens.browser_tab

    started = []
    monkeypatch.setattr(reader.screens.browser_tab, "serve_in_browser", lambda command, host, gate: started.append(gate))
    port = free_port()
    assert serve(None, host="0.0.0.0", port=port) == 0
    assert "WARNING: --host 0.0.0.0" in capsys.readouterr().err
    assert serve(None, host="127.0.0.1", port=port) == 0
    assert "WARNING" not in capsys.readouterr().err
    assert [gate.sessions for gate in started] == [8, 8]


def test_a_cap_of_no_sessions_is_refused_at_once(capsys):
    assert serve(None, port=free_port(), sessions=0) == 2
    assert "--sessions 0" in capsys.readouterr().err
