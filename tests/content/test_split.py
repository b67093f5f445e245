"""split_text: every chunk fits, nothing but split whitespace is lost, graphemes stay whole."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mezon_trio.content import MAX_CONTENT_UTF16, Content, split_text

WHITESPACE = " \t\n\r\x0b\x0c"


def serialized_units(chunk: str) -> int:
    return Content(chunk).utf16_length


def check_split(text: str, chunks: list[str], limit: int) -> None:
    """The documented contract of split_text."""
    for chunk in chunks:
        assert serialized_units(chunk) <= limit
    if serialized_units(text) <= limit:
        assert chunks == [text]
        return
    assert all(chunks), "no empty chunk"
    # Walk the text: each chunk follows the previous one, separated only by a whole
    # whitespace run (dropped) or nothing.
    pos = 0
    for chunk in chunks:
        if not text.startswith(chunk, pos):
            run_end = pos
            while run_end < len(text) and text[run_end] in WHITESPACE:
                run_end += 1
            assert run_end > pos, f"chunk does not continue the text at {pos}"
            pos = run_end
            assert text.startswith(chunk, pos)
        pos += len(chunk)
    assert all(char in WHITESPACE for char in text[pos:])
    if not any(char in WHITESPACE for char in text):
        assert "".join(chunks) == text


def test_short_text_is_one_chunk_unchanged() -> None:
    assert split_text("") == [""]
    assert split_text("  hi  ") == ["  hi  "]
    text = "x" * (MAX_CONTENT_UTF16 - 8)
    assert split_text(text) == [text]


def test_words_exact() -> None:
    # {"t":"..."} costs 8: a limit of 18 leaves 10 units per chunk.
    assert split_text("aaaa bbbb cccc dddd", limit=18) == ["aaaa bbbb", "cccc dddd"]


def test_prefers_paragraphs_then_lines() -> None:
    para = ("word " * 299 + "word").strip()  # 1499 characters
    assert len(para) == 1499
    text = "\n\n".join([para] * 5)
    chunks = split_text(text)
    assert chunks == ["\n\n".join([para] * 2), "\n\n".join([para] * 2), para]
    lines = "\n".join(["line " * 100] * 20)
    for chunk in split_text(lines):
        assert chunk.startswith("line")
        assert lines.count(chunk) >= 1
    check_split(lines, split_text(lines), MAX_CONTENT_UTF16)


def test_paragraph_too_early_falls_back_to_words() -> None:
    # A paragraph break right at the start must not produce a tiny chunk.
    text = "a\n\n" + "b " * 3000
    chunks = split_text(text)
    assert len(chunks[0]) > 3000
    check_split(text, chunks, MAX_CONTENT_UTF16)


def test_long_word_is_cut_between_characters() -> None:
    text = "x" * 10000
    chunks = split_text(text)
    assert [len(c) for c in chunks] == [3992, 3992, 2016]
    assert "".join(chunks) == text


def test_emoji_never_cut_and_counted_twice() -> None:
    text = "👋" * 5000
    chunks = split_text(text)
    assert [len(c) for c in chunks] == [1996, 1996, 1008]
    for chunk in chunks:
        assert serialized_units(chunk) <= MAX_CONTENT_UTF16


def test_combining_marks_stay_with_their_base() -> None:
    text = "e\u0301" * 3000  # é as e + COMBINING ACUTE ACCENT
    chunks = split_text(text, limit=107)  # 99 units of text: odd, so a naive cut splits a pair
    for chunk in chunks:
        assert not unicodedata.combining(chunk[0])
    assert "".join(chunks) == text


def test_zwj_sequences_and_skin_tones_stay_whole() -> None:
    family = "👨\u200d👩\u200d👧"  # 8 UTF-16 units
    waving = "👋🏽"
    text = (family + waving) * 400
    chunks = split_text(text, limit=8 + 41)  # 41 = 3 sequences + "👨\u200d👩": cuts before a ZWJ
    for chunk in chunks:
        assert chunk.startswith(("👨", "👋"))
        assert not chunk.endswith("\u200d")
    assert "".join(chunks) == text


def test_crlf_not_split() -> None:
    text = "ab\r\n" * 3 + "c" * 40
    for limit in range(14, 30):
        chunks = split_text(text, limit=limit)
        check_split(text, chunks, limit)


def test_whitespace_only_text_over_the_limit() -> None:
    assert split_text(" " * 20, limit=16) == []
    chunks = split_text(" " * 20 + "word", limit=16)
    assert chunks == ["word"]


def test_escaped_characters_count_as_escapes() -> None:
    text = '"' * 3000  # each quote is 2 units once escaped
    chunks = split_text(text)
    assert [len(c) for c in chunks] == [1996, 1004]
    text = "\x01" * 1000  # 6 units each: \u0001
    chunks = split_text(text)
    assert [len(c) for c in chunks] == [665, 335]


def test_limit_too_small() -> None:
    with pytest.raises(ValueError, match="too small"):
        split_text("abc", limit=13)
    assert split_text("\x01\x01", limit=14) == ["\x01", "\x01"]


# Pieces rather than characters, so that multi-character sequences (CR LF, e + accent)
# show up often.
pieces = st.one_of(
    st.sampled_from(
        [" ", "\n", "\n\n", "\t", "\r\n", '"', "\\", "\x01", "👋", "e\u0301", "\u200d", "🏽", "word"]
    ),
    st.characters(exclude_categories=["Cs"]),
)
texts = st.lists(pieces, max_size=200).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts, st.integers(14, 120))
def test_property_chunks_fit_and_rebuild_the_text(text: str, limit: int) -> None:
    chunks = split_text(text, limit=limit)
    check_split(text, chunks, limit)


@settings(max_examples=100, deadline=None)
@given(
    st.text(alphabet=st.characters(exclude_categories=["Cs", "Zs", "Cc"]), max_size=400), st.integers(14, 60)
)
def test_property_without_whitespace_concatenation_is_exact(text: str, limit: int) -> None:
    chunks = split_text(text, limit=limit)
    assert "".join(chunks) == text
    for chunk in chunks:
        assert serialized_units(chunk) <= limit


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdef👋", min_size=1, max_size=30), min_size=1, max_size=60),
    st.integers(68, 200),
)
def test_property_words_are_never_cut_when_they_fit(words: list[str], limit: int) -> None:
    # A word is at most 30 characters = 60 UTF-16 units: it always fits a chunk.
    text = " ".join(words)
    chunks = split_text(text, limit=limit)
    check_split(text, chunks, limit)
    for chunk in chunks:
        for word in chunk.split(" "):
            assert word in words
