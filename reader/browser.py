"""Whether a browser started by this process would appear in front of the person."""

from __future__ import annotations

from collections.abc import Mapping


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
