"""`reader serve`: the app in a real browser through textual-serve.

The browser is Debian's headless Chromium driven by its chromedriver (`make test`
installs both). Missing, the test fails: CI must never pass without it.
"""

from __future__ import annotations

import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reader.serve import app_command

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


@pytest.fixture
def served(tmp_path):
    """`reader --home <fresh> serve --port <free>`, listening; killed with its app processes after."""
    port = free_port()
    log = tmp_path / "serve.log"
    home = tmp_path / "home"
    env = {**os.environ, "READER_HOME": str(home)}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "reader", "--home", str(home), "serve", "--port", str(port)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # its own process group: the apps it starts die with it
        )
    try:
        wait_for_port(port, server, log)
        yield port, log
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
    port, log = served
    browser.get(f"http://127.0.0.1:{port}/")
    deadline = time.monotonic() + 60
    text = ""
    while time.monotonic() < deadline:
        text = browser.execute_script(SCREEN_TEXT) or ""
        if "423 shown" in text or browser.execute_script(ENDED):
            break
        time.sleep(0.1)
    assert "423 shown" in text, f"the page's terminal showed:\n{text}\n--- server log:\n{log.read_text()}"
    assert "Scaling MLPs: A Tale of Inductive Bias" in text  # a bundled paper's title, in the list


def test_it_listens_on_localhost_only_by_default(served):
    port, log = served
    assert listening_addresses(port) == {"127.0.0.1"}
    assert f"http://127.0.0.1:{port}" in log.read_text()


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
