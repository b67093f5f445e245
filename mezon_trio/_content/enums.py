"""Enumerations of the content JSON (docs/protocol.md §6.1, §6.6).

Names and values follow the official SDK (``mezon.models``): ``EMarkdownType`` is
spelled :class:`MarkdownType` here; the others keep their names.
"""

from __future__ import annotations

import enum

__all__ = ["ButtonMessageStyle", "MarkdownType", "MessageComponentType", "MessageSelectType"]


class MarkdownType(enum.StrEnum):
    """``type`` of an ``mk`` range.

    How the Mezon apps render each type (mezonai/mezon web client,
    ``MessageLine``/``convertMarkdown``):

    * ``TRIPLE`` (``t``) and ``SINGLE`` (``s``): the range *includes* the backticks
      in ``t`` (three or one on each side); the renderer strips them.
    * ``PRE`` (``pre``) code block, ``CODE`` (``c``) inline code, ``BOLD`` (``b``):
      the range covers the plain text, with no markers in ``t``; this is what the
      apps' own editor sends, and what :class:`~mezon_trio.content.TextBuilder` writes.
    * ``LINK`` (``lk``), ``LINK_YOUTUBE`` (``lk_yt``), ``VOICE_LINK`` (``vk``): the
      range covers the URL.
    """

    TRIPLE = "t"
    SINGLE = "s"
    PRE = "pre"
    CODE = "c"
    BOLD = "b"
    LINK = "lk"
    VOICE_LINK = "vk"
    LINK_YOUTUBE = "lk_yt"


class ButtonMessageStyle(enum.IntEnum):
    """``style`` of a button component."""

    PRIMARY = 1
    SECONDARY = 2
    SUCCESS = 3
    DANGER = 4
    LINK = 5


class MessageComponentType(enum.IntEnum):
    """``type`` of a component in an action row or of a form input in an embed field."""

    BUTTON = 1
    SELECT = 2
    INPUT = 3
    DATEPICKER = 4
    RADIO = 5
    ANIMATION = 6
    GRID = 7


class MessageSelectType(enum.IntEnum):
    """What a select component lists."""

    TEXT = 1
    USER = 2
    ROLE = 3
    CHANNEL = 4
