"""The app on a real terminal (a pty) that goes away under it."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

TIMEOUT = 60.0  # seconds for the app to draw, then to end


def test_the_app_ends_when_its_terminal_hangs_up(tmp_path: Path) -> None:
    """An SSH connection dropped while `make run` runs the app: make outlives the
    terminal, so no SIGHUP reaches the app. It ends, rather than spin on the dead
    terminal at a whole core, and what was done before is kept."""
    home = tmp_path / "home"
    listed = subprocess.run([sys.executable, "-m", "reader", "--home", str(home), "search", ""], capture_output=True, text=True)
    first_id = listed.stdout.split()[0]  # of the demo library a new home starts with
    subprocess.run([sys.executable, "-m", "reader", "--home", str(home), "bookmark", first_id], check=True)
    master, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    # A session of its own: the pty is not its controlling terminal, as the
    # terminal make runs it on sends it no hangup.
    app = subprocess.Popen(
        [sys.executable, "-m", "reader", "--home", str(home)],
        stdin=terminal,
        stdout=terminal,
        stderr=terminal,  # where Textual draws
        env={**os.environ, "TERM": "xterm-256color"},
        start_new_session=True,
    )
    os.close(terminal)
    try:
        shown = b""
        while b"papers" not in shown:  # the status line: the library is on the screen
            ready, _, _ = select.select([master], [], [], TIMEOUT)
            assert ready, f"the app drew nothing in {TIMEOUT} s: {shown[-300:]!r}"
            shown += os.read(master, 65536)
        os.close(master)  # the connection drops
        app.wait(timeout=TIMEOUT)  # raises if it goes on
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
    shown_state = subprocess.run(
        [sys.executable, "-m", "reader", "--home", str(home), "stats"], capture_output=True, text=True, check=True
    )
    assert "bookmarked         1" in shown_state.stdout
