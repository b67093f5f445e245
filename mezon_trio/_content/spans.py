"""Typed ranges of the content JSON: ``mk``, ``lk``, ``vk``, ``hg``, ``ej`` entries.

``s`` (inclusive) and ``e`` (exclusive) are UTF-16 code-unit offsets into ``t``
(docs/protocol.md §6.2); use :func:`~mezon_trio.content.py_index` to slice a Python
string with them, or :meth:`Span.slice`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Self, final

from .enums import MarkdownType
from .shapes import EmojiSpanDict, HashtagSpanDict, MarkdownSpanDict, SpanDict
from .utf16 import py_index
from .wire import first_present, parse_id

__all__ = ["EmojiSpan", "HashtagSpan", "MarkdownSpan", "Span"]


def _offset(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and value >= 0:
        return value
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


def _range(mapping: Mapping[str, object]) -> tuple[int, int] | None:
    # Protobuf-style writers omit a zero start ("s = 0 omitted", docs/protocol.md §6.3).
    s = _offset(mapping.get("s", 0))
    e = _offset(mapping.get("e"))
    if s is None or e is None:
        return None
    return s, e


class _Ranged:
    """Shared behaviour of the range types (``s``/``e`` in UTF-16 units)."""

    __slots__ = ()
    s: int
    e: int

    def slice(self, text: str) -> str:
        """Return the part of ``text`` this range covers.

        Raises:
            ValueError: the range does not lie on code-point boundaries of ``text``.
        """
        return text[py_index(text, self.s) : py_index(text, self.e)]


@final
@dataclass(frozen=True, slots=True)
class Span(_Ranged):
    """A plain ``{"s", "e"}`` range: an ``lk`` (link) or ``vk`` (voice-room link) entry."""

    s: int
    e: int

    def to_dict(self) -> SpanDict:
        """Render as the wire's JSON object."""
        return {"s": self.s, "e": self.e}

    @classmethod
    def from_dict(cls, mapping: Mapping[str, object]) -> Self | None:
        """Parse a received entry; ``None`` when it is malformed."""
        bounds = _range(mapping)
        return None if bounds is None else cls(*bounds)


@final
@dataclass(frozen=True, slots=True)
class MarkdownSpan(_Ranged):
    """An ``mk`` entry: ``{"type", "s", "e"}``.

    ``type`` is a :class:`MarkdownType` when known, else the raw string received.
    """

    type: MarkdownType | str
    s: int
    e: int

    def to_dict(self) -> MarkdownSpanDict:
        """Render as the wire's JSON object."""
        return {"type": str(self.type), "s": self.s, "e": self.e}

    @classmethod
    def from_dict(cls, mapping: Mapping[str, object]) -> Self | None:
        """Parse a received entry; ``None`` when it is malformed."""
        bounds = _range(mapping)
        kind = mapping.get("type")
        if bounds is None or not isinstance(kind, str):
            return None
        known = kind in MarkdownType._value2member_map_
        return cls(MarkdownType(kind) if known else kind, *bounds)


@final
@dataclass(frozen=True, slots=True)
class HashtagSpan(_Ranged):
    """An ``hg`` entry: a ``#channel`` hashtag, ``{"channelid": "<id>", "s", "e"}``."""

    channel_id: int
    s: int
    e: int

    def to_dict(self) -> HashtagSpanDict:
        """Render as the wire's JSON object (the id as a decimal string)."""
        return {"channelid": str(self.channel_id), "s": self.s, "e": self.e}

    @classmethod
    def from_dict(cls, mapping: Mapping[str, object]) -> Self | None:
        """Parse a received entry (``channelid`` or TS's ``channelId``, string or number)."""
        bounds = _range(mapping)
        channel_id = parse_id(first_present(mapping, "channelid", "channelId", "channel_id"))
        if bounds is None or channel_id is None:
            return None
        return cls(channel_id, *bounds)


@final
@dataclass(frozen=True, slots=True)
class EmojiSpan(_Ranged):
    """An ``ej`` entry: a custom emoji ``:name:``, ``{"emojiid": "<id>", "s", "e"}``."""

    emoji_id: int
    s: int
    e: int

    def to_dict(self) -> EmojiSpanDict:
        """Render as the wire's JSON object (the id as a decimal string)."""
        return {"emojiid": str(self.emoji_id), "s": self.s, "e": self.e}

    @classmethod
    def from_dict(cls, mapping: Mapping[str, object]) -> Self | None:
        """Parse a received entry (``emojiid`` or ``emojiId``, string or number)."""
        bounds = _range(mapping)
        emoji_id = parse_id(first_present(mapping, "emojiid", "emojiId", "emoji_id"))
        if bounds is None or emoji_id is None:
            return None
        return cls(emoji_id, *bounds)
