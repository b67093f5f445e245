"""Split long text into messages that each fit the content limit (docs/protocol.md §10.2)."""

from __future__ import annotations

import bisect
import itertools
import re
import unicodedata
from typing import Final

from .utf16 import utf16_len
from .wire import MAX_CONTENT_UTF16, dumps

__all__ = ["split_text"]

#: What ``{"t":""}`` costs: every chunk pays it once.
_OVERHEAD: Final = utf16_len(dumps({"t": ""}))
#: The most one character can cost once serialized (``\u001f``).
_MAX_CHAR_COST: Final = 6
_WHITESPACE: Final = " \t\n\r\x0b\x0c"
_RUN: Final = re.compile(f"[{re.escape(_WHITESPACE)}]+")
_ZWJ: Final = "\u200d"


def _cost(char: str) -> int:
    """UTF-16 units of ``char`` inside a compact JSON string (``json.dumps(ensure_ascii=False)``)."""
    code = ord(char)
    if code < 0x20:
        return 2 if char in "\n\r\t\b\f" else 6
    if char == '"' or char == "\\":
        return 2
    return 2 if code > 0xFFFF else 1


def _extends_previous(char: str) -> bool:
    """True if ``char`` belongs to the grapheme of the character before it."""
    code = ord(char)
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")  # combining marks, variation selectors
        or char == _ZWJ
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences
        or 0xDC00 <= code <= 0xDFFF  # low surrogate (only in strings built with surrogatepass)
    )


def _is_boundary(text: str, index: int) -> bool:
    """True if cutting ``text`` before ``index`` keeps every grapheme whole (best effort)."""
    if index <= 0 or index >= len(text):
        return True
    before, after = text[index - 1], text[index]
    if before == "\r" and after == "\n":
        return False
    return not (before == _ZWJ or _extends_previous(after))


def split_text(text: str, limit: int = MAX_CONTENT_UTF16) -> list[str]:
    """Split ``text`` so that each chunk, sent as ``{"t": chunk}``, fits ``limit``.

    Each chunk's content JSON (compact, literal UTF-8, so quotes, backslashes and
    control characters count as their escapes) is at most ``limit`` UTF-16 code
    units long. Chunks are as long as possible, and break, in order of preference,
    at a paragraph break (a whitespace run with two or more newlines), a line
    break, or any whitespace, as long as the break leaves the chunk at least half
    full; else at the last whitespace anywhere; else (one very long word) between
    two characters, never inside a surrogate pair, before a combining mark,
    variation selector or skin-tone modifier, or around a zero-width joiner.

    Whitespace rule: the whole whitespace run at which the text is split is
    dropped, so no chunk starts or ends with the separator, and joining the chunks
    with the dropped runs gives back ``text`` exactly. A split between two
    characters (no whitespace) drops nothing. Chunks are never empty, except that a
    text that fits is returned unchanged as the only chunk (``[""]`` for ``""``).

    Args:
        text: the text to send.
        limit: the content limit in UTF-16 code units (the server's 4000 by default).

    Raises:
        ValueError: ``limit`` leaves no room for a character (it must be at least 14).
    """
    minimum = _OVERHEAD + _MAX_CHAR_COST
    if limit < minimum:
        raise ValueError(f"limit {limit} is too small: a content with one character needs up to {minimum}")
    budget = limit - _OVERHEAD
    if len(text) <= budget // _MAX_CHAR_COST:
        return [text]  # fits whatever the characters are
    # cum[i] = serialized cost of text[:i]
    cum = list(itertools.accumulate(map(_cost, text), initial=0))
    length = len(text)
    if cum[length] <= budget:
        return [text]

    chunks: list[str] = []
    pos = 0
    while pos < length:
        # Largest end such that text[pos:end] fits; end > pos because budget >= 6.
        end = bisect.bisect_right(cum, cum[pos] + budget, lo=pos) - 1
        if end >= length:
            chunks.append(text[pos:])
            break
        cut, resume = _choose_break(text, cum, pos, end)
        if cut > pos:
            chunks.append(text[pos:cut])
        pos = resume
    return chunks


def _choose_break(text: str, cum: list[int], pos: int, end: int) -> tuple[int, int]:
    """Return ``(cut, resume)``: the chunk is ``text[pos:cut]``, the next starts at ``resume``."""
    # Whitespace runs that start inside the window; a run starting exactly at ``end``
    # counts too (then the whole window is the chunk).
    runs = [m for m in _RUN.finditer(text, pos, end + 1) if m.start() > pos]
    if runs:
        half = (cum[end] - cum[pos]) / 2
        for newlines in (2, 1, 0):
            for match in reversed(runs):
                if match.group().count("\n") >= newlines:
                    if cum[match.start()] - cum[pos] >= half:
                        return match.start(), _run_end(text, match.start())
                    break  # earlier runs of this level are even shorter
        last = runs[-1]
        return last.start(), _run_end(text, last.start())
    if text[pos] in _WHITESPACE and _run_end(text, pos) > end:
        # The window is nothing but whitespace (only possible at the very start):
        # it is a separator, drop it.
        return pos, _run_end(text, pos)
    cut = end
    while cut > pos and not _is_boundary(text, cut):
        cut -= 1
    if cut == pos:
        # A single grapheme longer than the budget: cut it, but never a surrogate pair.
        cut = end
        if 0xDC00 <= ord(text[cut]) <= 0xDFFF and cut - 1 > pos:
            cut -= 1
    return cut, cut


def _run_end(text: str, start: int) -> int:
    match = _RUN.match(text, start)
    return match.end() if match else start
