"""Whether a browser (or a PDF viewer) started by this process would appear in front of the person."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def no_browser_reason(environ: Mapping[str, str], platform: str) -> str | None:
    """Why opening a URL here would not reach the person ('over SSH', 'no display'), or None.

    Over SSH a browser would start on the remote machine; on Linux without a
    display Python's webbrowser falls back to a text browser (lynx, w3m) that
    takes over this very terminal. Either way, showing and copying the URL is
    what helps.
    """
    if environ.get("SSH_CONNECTION") or environ.get("SSH_TTY") or environ.get("SSH_CLIENT"):
        return "over SSH"
    if platform.startswith("linux") and not (environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY")):
        return "no display"
    return None


def open_file(path: Path, environ: Mapping[str, str] | None = None, platform: str | None = None) -> str:
    """Open `path` with the system's viewer, without waiting for it; what happened, in words.

    Where a viewer would not reach the person (see no_browser_reason), the
    words say where the file is instead."""
    environ = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    reason = no_browser_reason(environ, platform)
    if reason:
        return f"not opened here ({reason}); the file is {path}"
    if platform.startswith("win"):
        os.startfile(path)  # type: ignore[attr-defined]  # noqa: S606 - the person's own file
        return f"opened {path}"
    viewer = "open" if platform == "darwin" else "xdg-open"
    try:
        # Its own session: the viewer outlives this command and never reads our terminal.
        subprocess.Popen(
            [viewer, str(path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError as error:
        return f"not opened ({viewer}: {error.strerror or error}); the file is {path}"
    return f"asked {viewer} to open {path}"
