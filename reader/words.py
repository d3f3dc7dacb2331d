"""Words: the one rule that splits text into words, for queries, the index and highlighting.

A query word finds a paper only if both sides split text the same way, so the query
parser (`reader.query`), the search index (`reader.search`), related papers and the
highlighting in the list and abstract all take their words from here. Nothing here
imports Textual.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

# ASCII bytes: letters lowered (as casefold lowers ASCII), digits kept, the rest become spaces.
_ASCII_TABLE = bytes(ord(chr(c).lower()) if chr(c).isalnum() else 0x20 for c in range(128)) + bytes(range(128, 256))
_MARKS = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")
_NON_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """`text` as the index sees it: casefolded, NFKC, accents dropped, non-alphanumerics as spaces.

    `fold(t).split()` is the list of words of `t`; "GPT-4o" is "gpt 4o", "Balázs" is "balazs".
    ASCII text (nearly every title and name) is lowered by the one table that drops the
    rest, with no casefolded copy first: an import folds every title, name and abstract.
    """
    if text.isascii():
        return text.encode("ascii").translate(_ASCII_TABLE).decode("ascii")
    return _folded(text)


def _folded(text: str) -> str:
    """`fold` of any text, ASCII or not (`fold`'s own rule, which it takes a short cut to for ASCII)."""
    folded = text.casefold()
    if folded.isascii():
        return folded.encode("ascii").translate(_ASCII_TABLE).decode("ascii")
    folded = _MARKS.sub("", unicodedata.normalize("NFKD", folded))
    folded = unicodedata.normalize("NFKC", folded).casefold()
    return _NON_WORD.sub(" ", folded)


def words(text: str) -> list[str]:
    return fold(text).split()


def padded(text: str) -> str:
    """`text`'s words, one space between and around them: " gpt 4o technical report ".

    A word, or words in sequence, is then found with `in`: " gpt 4" is in it, " pt" is not.
    `fold` leaves no space but " ", so its runs of spaces are squeezed where they lie,
    not split into words and joined again: a quarter faster, and an import pads every
    title and every paper's names."""
    spaced = f" {fold(text)} "
    while "  " in spaced:
        spaced = spaced.replace("  ", " ")
    return spaced if spaced != " " else "  "  # no words: the two pads


def typo_budget(word: str) -> int:
    """How many typos (insert, delete, substitute, swap) a query word forgives.

    None in numbers or up to 3 letters (though the index lets 3 letters miss one:
    "bis" finds "bias"), one in 4-7 letters, two from 8. Digits inside a word
    ("llama3") must match exactly."""
    if word.isdigit():
        return 0  # 2023 is not a typo of 2024 (and in "llama3" the 3 must match)
    if len(word) <= 3:
        return 0
    return 1 if len(word) <= 7 else 2


# --- highlighting --------------------------------------------------------------------

_SURFACE_WORD = re.compile(r"(?:[^\W_]|[\u0300-\u036f])+")


def highlight_spans(text: str, terms: Collection[str]) -> list[tuple[int, int]]:
    """Character spans of `text` to highlight for a result's `terms`, sorted, not overlapping.

    A plain term highlights whole words whose folded form equals it; "net*" highlights
    words beginning with "net"; "large language" highlights those words in sequence
    (and "gpt 4*" a sequence whose last word begins with "4").
    """
    if not text or not terms:
        return []
    exact: set[str] = set()
    prefixes: list[str] = []
    phrases: list[tuple[list[str], bool]] = []
    for term in terms:
        is_prefix = term.endswith("*")
        body = term[:-1] if is_prefix else term
        parts = body.split()
        if not parts:
            continue
        if len(parts) > 1:
            phrases.append((parts, is_prefix))
        elif is_prefix:
            prefixes.append(parts[0])
        else:
            exact.add(parts[0])
    prefix_tuple = tuple(prefixes)
    tokens: list[tuple[int, int, str]] = []
    for match in _SURFACE_WORD.finditer(text):
        folded = fold(match.group()).split()
        for piece in folded or ():
            tokens.append((match.start(), match.end(), piece))
    spans: list[tuple[int, int]] = []
    for start, end, token in tokens:
        if token in exact or (prefix_tuple and token.startswith(prefix_tuple)):
            spans.append((start, end))
    for parts, is_prefix in phrases:
        k = len(parts)
        for i in range(len(tokens) - k + 1):
            if all(tokens[i + j][2] == parts[j] for j in range(k - 1)):
                last = tokens[i + k - 1][2]
                if last == parts[-1] or (is_prefix and last.startswith(parts[-1])):
                    spans.append((tokens[i][0], tokens[i + k - 1][1]))
    if not spans:
        return []
    spans.sort()
    merged = [spans[0]]
    for start, end in spans[1:]:
        last_start, last_end = merged[-1]
        if start <= last_end:
            merged[-1] = (last_start, max(last_end, end))
        else:
            merged.append((start, end))
    return merged
