"""The index's postings made in C (reader/search/inverter.c) are exactly the postings
Python makes (`invert`), whatever the text; and `make` builds it."""

from __future__ import annotations

from array import array
from functools import partial

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reader.search import postings
from reader.search.postings import Inversion, invert, laid_out
from reader.words import fold

# Words and what lies between them: ASCII, accents and ligatures that fold apart, other
# scripts, Unicode spaces and controls, lone surrogates (a scraper's), punctuation.
PIECES = st.sampled_from(
    ["GPT-4o", "the", "The", "THE", "Balázs", "Straße", "ﬁne", "İstanbul", "ΣΑΣ", "naïve", "日本語", "x²", "Ⅻ", "_", "a_b"]
    + [" ", "  ", "\u00a0", "\u2003", "\x1c", "\n", "\t", "-", ",", ".", "\udc80", "\x00", "é", "e\u0301"]
)
TEXTS = st.one_of(st.lists(PIECES, max_size=12).map("".join), st.text(st.characters(exclude_categories=()), max_size=40))
FRAMES = st.lists(st.lists(TEXTS, max_size=6), max_size=5)


def as_python(texts: list[str]) -> tuple[list[str], list[int], list[int]]:
    made = invert(texts, range(len(texts)))
    words, offsets = laid_out(made)
    return words, list(offsets), [doc for word in words for doc in made[word]]


def native_part(frames: list[list[str]]) -> postings.Part:
    inversion, first = Inversion(), 0
    for frame in frames:
        inversion.add(frame, first)
        first += len(frame)
    return inversion.part()


def test_make_builds_the_c_inverter():
    """Without it every index is built in Python: an import of 1M papers takes a minute more."""
    assert postings._Inverter is not None


@settings(max_examples=300, deadline=None)
@given(FRAMES)
def test_postings_made_in_c_are_pythons(frames):
    part = native_part(frames)
    assert (part.words, list(part.offsets), list(part.data)) == as_python([text for frame in frames for text in frame])


@given(FRAMES)
def test_postings_made_in_python_where_c_is_not_built_are_the_same(frames):
    native = native_part(frames)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(postings, "_Inverter", None)
        python = native_part(frames)
    assert (python.words, python.offsets, python.data) == (native.words, native.offsets, native.data)


def test_the_documents_come_in_chunks_of_any_size_as_one_whole():
    texts = ["alpha beta gamma", "beta gamma", "gamma delta", "alpha", "gamma epsilon beta"] * 7
    whole = as_python(texts)
    for limit in (4, 8, 12, 1 << 20):
        inverter = postings._Inverter()
        inverter.add(texts, 0, fold)
        words, offsets = inverter.laid_out()
        chunks = list(iter(partial(inverter.documents, limit), b""))
        assert all(len(chunk) <= limit for chunk in chunks)
        assert (words, list(array("q", offsets)), list(array("i", b"".join(chunks)))) == whole


def test_the_c_inverter_refuses_what_python_would_get_wrong():
    inverter = postings._Inverter()
    inverter.add(["a b"], 5, fold)
    for first in (4, 2**31, 2**63 - 1):  # a lower document (its postings would not ascend), past 31 bits
        with pytest.raises(ValueError, match="ascend"):
            inverter.add(["c"], first, fold)
    inverter.laid_out()
    with pytest.raises(ValueError, match="laid out"):
        inverter.add(["e"], 7, fold)


def test_a_c_inverter_whose_add_failed_part_way_gives_nothing():
    """Its postings hold a part of the texts given: none of them is handed over."""
    inverter = postings._Inverter()
    with pytest.raises(TypeError):
        inverter.add(["a b", b"bytes"], 0, fold)
    for again in (lambda: inverter.add(["c"], 2, fold), inverter.laid_out):
        with pytest.raises(ValueError, match="an earlier add failed"):
            again()


def test_postings_of_many_distinct_words_are_pythons():
    """Past the first sizes of the C's hash table, words and bytes of words (1 MB):
    200,000 words, 20,000 texts."""
    texts = [" ".join(f"w{n}x{k}longerthaneightbytes{n % 7}" for k in range(10)) for n in range(20_000)]
    inversion = Inversion()
    for first in range(0, len(texts), 2000):
        inversion.add(texts[first : first + 2000], first)
    part = inversion.part()
    assert len(part.words) == 200_000
    assert (part.words, list(part.offsets), list(part.data)) == as_python(texts)
