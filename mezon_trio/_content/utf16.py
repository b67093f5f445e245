"""Conversions between Python ``str`` indices and UTF-16 code-unit offsets.

Mezon's ``s``/``e`` ranges and its content-length limit count UTF-16 code units,
like JavaScript's ``String.length`` (docs/protocol.md §6.2, §10.2, §12 Q4). A Python
``str`` index counts code points; the two differ for every character outside the
Basic Multilingual Plane (most emoji), which takes two UTF-16 units.

Lone surrogates (which only appear in strings built with ``surrogatepass`` or
``surrogateescape``) count as one unit each, as in JavaScript.
"""

from __future__ import annotations

__all__ = ["py_index", "utf16_len", "utf16_offset"]


def _encode(s: str) -> bytes:
    # "surrogatepass" lets lone surrogates through as one code unit each.
    return s.encode("utf-16-le", "surrogatepass")


def utf16_len(s: str) -> int:
    """Return the length of ``s`` in UTF-16 code units (JavaScript's ``s.length``)."""
    if s.isascii():
        return len(s)
    return len(_encode(s)) // 2


def utf16_offset(s: str, py_index: int) -> int:
    """Convert a Python index into ``s`` to the UTF-16 offset of the same position.

    Args:
        s: the text.
        py_index: a position between code points, ``0 <= py_index <= len(s)``
            (negative indices are not accepted: a range end of ``-1`` is a bug).

    Raises:
        ValueError: ``py_index`` is outside ``0..len(s)``.
    """
    if not 0 <= py_index <= len(s):
        raise ValueError(f"index {py_index} is outside 0..{len(s)}")
    return utf16_len(s[:py_index])


def py_index(s: str, utf16_offset: int) -> int:
    """Convert a UTF-16 offset into ``s`` to the Python index of the same position.

    Args:
        s: the text.
        utf16_offset: a position in UTF-16 code units, ``0 <= utf16_offset <= utf16_len(s)``.

    Raises:
        ValueError: the offset is outside the text, or falls between the two
            halves of a surrogate pair (inside an astral character such as 👋).
    """
    if utf16_offset < 0:
        raise ValueError(f"UTF-16 offset {utf16_offset} is negative")
    if s.isascii():
        if utf16_offset > len(s):
            raise ValueError(f"UTF-16 offset {utf16_offset} is beyond the end of the text ({len(s)})")
        return utf16_offset
    units = 0
    for index, char in enumerate(s):
        if units == utf16_offset:
            return index
        units += 2 if ord(char) > 0xFFFF else 1
        if units > utf16_offset:
            raise ValueError(f"UTF-16 offset {utf16_offset} falls inside the surrogate pair of {char!r}")
    if units == utf16_offset:
        return len(s)
    raise ValueError(f"UTF-16 offset {utf16_offset} is beyond the end of the text ({units})")
