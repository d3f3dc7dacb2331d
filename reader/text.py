"""Making untrusted paper text safe to show on a terminal."""

from __future__ import annotations

import re

# C0/C1 controls (ESC starts every terminal escape sequence) and bidi overrides,
# which can reorder what is shown; tab and newline are kept as spaces/newlines.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """`text` with nothing a terminal would act on: escapes and controls removed."""
    return _UNSAFE.sub("", text.replace("\t", " "))


def one_line(text: str) -> str:
    return " ".join(inert(text).split())
