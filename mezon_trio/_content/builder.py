"""Build text with mentions, hashtags, emojis, links and markdown, with exact offsets."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Self, final

from .buttons import ButtonBuilder
from .embed import Embed
from .enums import MarkdownType
from .interactive import InteractiveBuilder
from .mentions import Mention
from .message import Content
from .shapes import ActionRowDict, ComponentDict, EmbedDict
from .spans import EmojiSpan, HashtagSpan, MarkdownSpan, Span
from .utf16 import utf16_len
from .wire import check_id

__all__ = ["TextBuilder"]


@final
class TextBuilder:
    """Append text piece by piece; every range is computed in UTF-16 code units.

    Each method appends to ``t`` and records the entry that makes the Mezon apps
    render the piece: a mention for ``@name``, an ``hg`` entry for ``#channel``,
    an ``ej`` entry for ``:emoji:``, ``lk``/``mk`` entries for links and markdown.

    Markdown follows what the Mezon apps' own editor sends: ``t`` holds the plain
    text without ``**`` or backticks, and an ``mk`` range marks it: ``b`` for
    :meth:`bold`, ``c`` for :meth:`code`, ``pre`` for :meth:`code_block` (the
    ``t``/``s`` types would need the backticks inside ``t``; use :meth:`markdown`
    for them).

    Example:
        >>> content = (
        ...     TextBuilder().text("héllo 👋 ").mention(1840000000000000300, "alice").build()
        ... )
        >>> content.text, content.mentions[0].s, content.mentions[0].e
        ('héllo 👋 @alice', 9, 15)
    """

    __slots__ = ("_ej", "_hg", "_lk", "_mentions", "_mk", "_parts", "_pos", "_vk")

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._pos = 0  # length of the text so far, in UTF-16 code units
        self._mk: list[MarkdownSpan] = []
        self._lk: list[Span] = []
        self._hg: list[HashtagSpan] = []
        self._ej: list[EmojiSpan] = []
        self._vk: list[Span] = []
        self._mentions: list[Mention] = []

    @property
    def utf16_length(self) -> int:
        """Length of the text built so far, in UTF-16 code units."""
        return self._pos

    def _append(self, piece: str) -> tuple[int, int]:
        if not isinstance(piece, str):
            raise TypeError(f"expected a str, got {type(piece).__name__}")
        start = self._pos
        self._parts.append(piece)
        self._pos += utf16_len(piece)
        return start, self._pos

    def text(self, s: str) -> Self:
        """Append plain text (nothing is parsed: ``@``, ``#`` and ``**`` stay literal)."""
        self._append(s)
        return self

    def mention(self, user_id: int, username: str) -> Self:
        """Append ``@username`` and record a user mention (``user_id``, ``username``, ``s``, ``e``).

        A leading ``@`` in ``username`` is not doubled.

        Raises:
            ContentError: ``user_id`` is not a non-negative int64.
        """
        check_id(user_id, "user_id")
        name = username.removeprefix("@")
        s, e = self._append(f"@{name}")
        self._mentions.append(Mention(user_id=user_id, username=name, s=s, e=e))
        return self

    def role_mention(self, role_id: int, rolename: str) -> Self:
        """Append ``@rolename`` and record a role mention (``role_id``, ``rolename``, ``s``, ``e``).

        Raises:
            ContentError: ``role_id`` is not a non-negative int64.
        """
        check_id(role_id, "role_id")
        name = rolename.removeprefix("@")
        s, e = self._append(f"@{name}")
        self._mentions.append(Mention(role_id=role_id, rolename=name, s=s, e=e))
        return self

    def hashtag(self, channel_id: int, name: str) -> Self:
        """Append ``#name`` and record an ``hg`` entry (``channelid`` written as a string).

        Raises:
            ContentError: ``channel_id`` is not a non-negative int64.
        """
        check_id(channel_id, "channel_id")
        s, e = self._append(f"#{name.removeprefix('#')}")
        self._hg.append(HashtagSpan(channel_id, s, e))
        return self

    def emoji(self, emoji_id: int, shortname: str) -> Self:
        """Append ``:shortname:`` and record an ``ej`` entry (``emojiid`` written as a string).

        Raises:
            ContentError: ``emoji_id`` is not a non-negative int64.
        """
        check_id(emoji_id, "emoji_id")
        s, e = self._append(f":{shortname.strip(':')}:")
        self._ej.append(EmojiSpan(emoji_id, s, e))
        return self

    def link(self, url: str) -> Self:
        """Append ``url`` and record it both as an ``lk`` range and an ``mk`` range of type ``lk``.

        The current Mezon web client renders links from ``mk`` (type ``lk``) and
        skips a range that overlaps the previous one (``mk`` sorts first), so the
        link shows once; ``lk`` is what older readers and the official Python SDK's
        model look at.
        """
        s, e = self._append(url)
        self._mk.append(MarkdownSpan(MarkdownType.LINK, s, e))
        self._lk.append(Span(s, e))
        return self

    def voice_link(self, url: str) -> Self:
        """Append a voice-room URL and record a ``vk`` range."""
        s, e = self._append(url)
        self._vk.append(Span(s, e))
        return self

    def markdown(self, s: str, type: MarkdownType | str) -> Self:  # wire key name
        """Append ``s`` and mark it with an ``mk`` range of any :class:`MarkdownType`.

        ``s`` is appended as is: for ``TRIPLE``/``SINGLE`` include the backticks.
        """
        start, end = self._append(s)
        kind: MarkdownType | str
        try:
            kind = MarkdownType(type)
        except ValueError:
            kind = type
        self._mk.append(MarkdownSpan(kind, start, end))
        return self

    def bold(self, s: str) -> Self:
        """Append ``s`` in bold (``mk`` type ``b``)."""
        return self.markdown(s, MarkdownType.BOLD)

    def code(self, s: str) -> Self:
        """Append ``s`` as inline code (``mk`` type ``c``)."""
        return self.markdown(s, MarkdownType.CODE)

    def code_block(self, s: str) -> Self:
        """Append ``s`` as a code block (``mk`` type ``pre``)."""
        return self.markdown(s, MarkdownType.PRE)

    def build(
        self,
        *,
        content_thread: str | None = None,
        embed: Iterable[Embed | InteractiveBuilder | EmbedDict] = (),
        components: Iterable[ButtonBuilder | ActionRowDict | ComponentDict] = (),
    ) -> Content:
        """Return the :class:`Content` (the builder can keep going and build again).

        Raises:
            ContentError: see :class:`Content`.
        """
        return Content(
            "".join(self._parts),
            content_thread=content_thread,
            mk=self._mk,
            lk=self._lk,
            hg=self._hg,
            ej=self._ej,
            vk=self._vk,
            embed=embed,
            components=components,
            mentions=self._mentions,
        )

    def __repr__(self) -> str:
        return f"TextBuilder({''.join(self._parts)!r})"
