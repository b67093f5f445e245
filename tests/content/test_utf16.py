"""UTF-16 offset helpers, checked against Python's own UTF-16 codec."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mezon_trio.content import py_index, utf16_len, utf16_offset

SAMPLE = "héllo 👋 @alice"


def units(s: str) -> bytes:
    return s.encode("utf-16-le")


def test_sample_lengths() -> None:
    assert len(SAMPLE) == 14
    assert utf16_len(SAMPLE) == 15  # 👋 is two UTF-16 code units
    assert utf16_len("") == 0
    assert utf16_len("abc") == 3
    assert utf16_len("👨‍👩‍👧") == 8  # three astral emoji + two ZWJ


def test_sample_offsets() -> None:
    at = SAMPLE.index("@")
    assert at == 8
    assert utf16_offset(SAMPLE, at) == 9
    assert utf16_offset(SAMPLE, len(SAMPLE)) == 15
    assert py_index(SAMPLE, 9) == 8
    assert py_index(SAMPLE, 15) == 14
    # The range of "@alice" in UTF-16 units, sliced the way JavaScript would.
    assert units(SAMPLE)[2 * 9 : 2 * 15].decode("utf-16-le") == "@alice"


def test_offset_inside_surrogate_pair_is_refused() -> None:
    wave = SAMPLE.index("👋")
    assert utf16_offset(SAMPLE, wave) == 6
    assert py_index(SAMPLE, 6) == wave
    with pytest.raises(ValueError, match="surrogate pair"):
        py_index(SAMPLE, 7)
    assert py_index(SAMPLE, 8) == wave + 1


@pytest.mark.parametrize("bad", [-1, 16, 100])
def test_py_index_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match=r"negative|beyond"):
        py_index(SAMPLE, bad)


@pytest.mark.parametrize("bad", [-1, 15])
def test_utf16_offset_out_of_range(bad: int) -> None:
    with pytest.raises(ValueError, match="outside"):
        utf16_offset(SAMPLE, bad)


def test_ascii_fast_path_bounds() -> None:
    assert py_index("abc", 3) == 3
    with pytest.raises(ValueError, match="beyond the end"):
        py_index("abc", 4)


def test_lone_surrogates_count_one_unit_each() -> None:
    s = "a\ud83db"  # a lone high surrogate, as JavaScript would count it
    assert utf16_len(s) == 3
    assert py_index(s, 2) == 2


@settings(max_examples=300, deadline=None)
@given(st.text(), st.data())
def test_round_trip_against_codec(s: str, data: st.DataObject) -> None:
    assert utf16_len(s) == len(units(s)) // 2
    i = data.draw(st.integers(0, len(s)))
    off = utf16_offset(s, i)
    # The UTF-16 prefix of that length decodes to exactly the Python prefix.
    assert units(s)[: 2 * off].decode("utf-16-le") == s[:i]
    assert py_index(s, off) == i
