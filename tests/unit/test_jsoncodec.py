"""orjson where it can, the standard library where only it will do: the files read
and written must be exactly what the standard library would read and write."""

from __future__ import annotations

import json

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from reader import jsoncodec


# Everything a library or state file can hold, and what orjson refuses: lone
# surrogates (scraped text), integers beyond 64 bits.
def json_values(integers):
    return st.recursive(
        st.none() | st.booleans() | integers | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
        max_leaves=20,
    )


values = json_values(st.integers())
# Reading an integer beyond 64 bits, orjson gives the nearest float; no file of
# ours holds one (counts and positions), so reading is compared within 64 bits.
readable_values = json_values(st.integers(-(2**63), 2**64 - 1))


@settings(max_examples=300)
@given(values)
@example({"title": "broken \udc80 text"})
@example({"upvotes": 2**70})
def test_what_is_written_reads_back_the_same(value):
    written = jsoncodec.dumps(value)
    written.decode("utf-8")  # always valid UTF-8, surrogates included (escaped)
    assert json.loads(written) == value


@settings(max_examples=300)
@given(readable_values)
def test_reading_agrees_with_the_standard_library(value):
    for text in (json.dumps(value), json.dumps(value, ensure_ascii=False)):
        assert jsoncodec.loads(text) == json.loads(text)


@pytest.mark.parametrize("text", ['{"x": NaN}', "[1, Infinity]", '"\\udc80"'])
def test_what_only_the_standard_library_reads_is_still_read(text):
    assert repr(jsoncodec.loads(text)) == repr(json.loads(text))
    with pytest.raises(ValueError):
        jsoncodec.loads_strict(text)


@pytest.mark.parametrize("text", ['{"x": 1', "[1,,2]", "", '{"a": tru}'])
def test_broken_json_raises_the_standard_error(text):
    with pytest.raises(json.JSONDecodeError):
        jsoncodec.loads(text)
