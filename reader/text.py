"""Making untrusted paper text safe to show on a terminal."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TextIO

# C0/C1 controls (ESC starts every terminal escape sequence; U+009B is a
# one-character CSI) and the bidi controls that can reorder what is shown:
# embeddings, overrides, isolates and the LRM/RLM/ALM marks. Tab and newline
# are kept (as a space and a newline).
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# Lone surrogates (JSON may carry "\udc80") cannot be encoded for the terminal.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# Unicode's own line and paragraph separators: terminals do not break on them.
_SEPARATOR = re.compile(r"[\u2028\u2029]")


def inert(text: str) -> str:
    """`text` with nothing a terminal would act on: escapes and controls removed."""
    text = _UNSAFE.sub("", text.replace("\t", " "))
    return encodable(_SEPARATOR.sub("\n", text))


def encodable(text: str) -> str:
    """`text` as UTF-8 can carry it: a lone surrogate is no character, so it becomes U+FFFD."""
    return _SURROGATE.sub("\ufffd", text)


class CleanedStream:
    """A text stream that passes everything written through `clean` first.

    For writers that write as they go (an export). `inert` and `encodable`
    work character by character, so cleaning each piece cleans the whole.
    """

    def __init__(self, stream: TextIO, clean: Callable[[str], str]) -> None:
        self._stream = stream
        self._clean = clean

    def write(self, text: str) -> int:
        return self._stream.write(self._clean(text))


def plural(count: int, noun: str) -> str:
    """`1 paper`, `2 papers` (nouns of reader's messages only: they all take an s)."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def one_line(text: str) -> str:
    return " ".join(inert(text).split())


def fit(parts: Sequence[tuple[int, int]], width: int) -> list[int]:
    """Which of `parts`, each (width, rank), fit in `width` together, by index in order.

    The highest rank is left out first (of two alike, the later), until the rest
    fit: the footer's keys and the status line's segments are fitted so, never cut.
    """
    kept = sorted(range(len(parts)), key=lambda i: parts[i][1])
    while kept and sum(parts[i][0] for i in kept) > width:
        kept.pop()
    return sorted(kept)


def clip_words(text: str, width: int) -> str:
    """`text` cut to `width` after a whole word, with "…" where it was cut."""
    if len(text) <= width:
        return text
    head = text[: max(width - 1, 0)]
    cut = head.rfind(" ")
    return (head[:cut] if cut > 0 else head).rstrip(" ·,;:") + "…"


_JSON_UNSAFE = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]")


def inert_json(value: object) -> str:
    """`value` as one line of JSON whose text a terminal cannot act on.

    json.dumps escapes C0 controls but passes C1 controls, bidi controls and
    lone surrogates through raw when ensure_ascii is off; these are escaped
    too, so the data is unchanged for a program and inert for a terminal.
    """
    import json

    text = json.dumps(value, ensure_ascii=False)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
