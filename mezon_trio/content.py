"""Message content: text with mentions, hashtags, emojis, links and markdown; embeds,
forms and buttons; attachments; the length limit and a splitter.

A Mezon message's ``content`` is a JSON object serialized into a string
(docs/protocol.md §6). :class:`Content` is that object as an immutable value, and
:meth:`Content.to_json` writes it the way the wire wants it: compact separators,
literal UTF-8 (not ``\\u`` escapes), no ``null`` anywhere, absent keys omitted, and
ids inside the JSON (``channelid``, ``emojiid``) as decimal strings so that the
JavaScript apps do not round them (docs/protocol.md §11 quirks 2 and 3).

Offsets are UTF-16 code units
-----------------------------
Every ``s``/``e`` range (markdown, links, hashtags, emojis, mentions) and the
4000-unit content limit count **UTF-16 code units**, as JavaScript's
``String.length`` does, not Python code points. This is the decision of
docs/protocol.md §6.2 and §12 Q4: the Mezon web and mobile apps, the TypeScript SDK and
the community Go port all index UTF-16, and only the old Python SDK used code
points (which misplaces every range after an emoji). The two differ for each
character outside the Basic Multilingual Plane: ``"👋"`` is one Python character
and two UTF-16 units. :func:`utf16_len`, :func:`utf16_offset` and :func:`py_index`
convert between the two; :class:`TextBuilder` computes ranges for you; received
ranges are interpreted the same way (``span.slice(content.text)``).

Example:
    >>> from mezon_trio.content import TextBuilder, split_text
    >>> content = TextBuilder().text("hi ").mention(1840000000000000300, "alice").build()
    >>> content.to_json()
    '{"t":"hi @alice"}'
    >>> content.mentions[0].s, content.mentions[0].e
    (3, 9)
    >>> chunks = split_text("a long text ...")  # each chunk fits one message
"""

from __future__ import annotations

from ._content.attachments import Attachment as Attachment
from ._content.builder import TextBuilder as TextBuilder
from ._content.buttons import ButtonBuilder as ButtonBuilder
from ._content.embed import Embed as Embed
from ._content.embed import EmbedAuthor as EmbedAuthor
from ._content.embed import EmbedField as EmbedField
from ._content.embed import EmbedFooter as EmbedFooter
from ._content.embed import EmbedImage as EmbedImage
from ._content.enums import ButtonMessageStyle as ButtonMessageStyle
from ._content.enums import MarkdownType as MarkdownType
from ._content.enums import MessageComponentType as MessageComponentType
from ._content.enums import MessageSelectType as MessageSelectType
from ._content.interactive import AnimationConfig as AnimationConfig
from ._content.interactive import InputFieldOption as InputFieldOption
from ._content.interactive import InteractiveBuilder as InteractiveBuilder
from ._content.interactive import RadioFieldOption as RadioFieldOption
from ._content.interactive import SelectFieldOption as SelectFieldOption
from ._content.mentions import Mention as Mention
from ._content.message import Content as Content
from ._content.shapes import ActionRowDict as ActionRowDict
from ._content.shapes import AnimationConfigDict as AnimationConfigDict
from ._content.shapes import ButtonDict as ButtonDict
from ._content.shapes import ComponentDict as ComponentDict
from ._content.shapes import ContentDict as ContentDict
from ._content.shapes import DatePickerDict as DatePickerDict
from ._content.shapes import EmbedAuthorDict as EmbedAuthorDict
from ._content.shapes import EmbedDict as EmbedDict
from ._content.shapes import EmbedFieldDict as EmbedFieldDict
from ._content.shapes import EmbedFooterDict as EmbedFooterDict
from ._content.shapes import EmbedImageDict as EmbedImageDict
from ._content.shapes import EmbedThumbnailDict as EmbedThumbnailDict
from ._content.shapes import EmojiSpanDict as EmojiSpanDict
from ._content.shapes import HashtagSpanDict as HashtagSpanDict
from ._content.shapes import InputDict as InputDict
from ._content.shapes import MarkdownSpanDict as MarkdownSpanDict
from ._content.shapes import RadioOptionDict as RadioOptionDict
from ._content.shapes import SelectDict as SelectDict
from ._content.shapes import SelectOptionDict as SelectOptionDict
from ._content.shapes import SpanDict as SpanDict
from ._content.spans import EmojiSpan as EmojiSpan
from ._content.spans import HashtagSpan as HashtagSpan
from ._content.spans import MarkdownSpan as MarkdownSpan
from ._content.spans import Span as Span
from ._content.split import split_text as split_text
from ._content.utf16 import py_index as py_index
from ._content.utf16 import utf16_len as utf16_len
from ._content.utf16 import utf16_offset as utf16_offset
from ._content.wire import MAX_CONTENT_UTF16 as MAX_CONTENT_UTF16
from ._content.wire import JSONInput as JSONInput
from ._content.wire import JSONObject as JSONObject
from ._content.wire import JSONValue as JSONValue

__all__ = [
    "MAX_CONTENT_UTF16",
    "ActionRowDict",
    "AnimationConfig",
    "AnimationConfigDict",
    "Attachment",
    "ButtonBuilder",
    "ButtonDict",
    "ButtonMessageStyle",
    "ComponentDict",
    "Content",
    "ContentDict",
    "DatePickerDict",
    "Embed",
    "EmbedAuthor",
    "EmbedAuthorDict",
    "EmbedDict",
    "EmbedField",
    "EmbedFieldDict",
    "EmbedFooter",
    "EmbedFooterDict",
    "EmbedImage",
    "EmbedImageDict",
    "EmbedThumbnailDict",
    "EmojiSpan",
    "EmojiSpanDict",
    "HashtagSpan",
    "HashtagSpanDict",
    "InputDict",
    "InputFieldOption",
    "InteractiveBuilder",
    "JSONInput",
    "JSONObject",
    "JSONValue",
    "MarkdownSpan",
    "MarkdownSpanDict",
    "MarkdownType",
    "Mention",
    "MessageComponentType",
    "MessageSelectType",
    "RadioFieldOption",
    "RadioOptionDict",
    "SelectDict",
    "SelectFieldOption",
    "SelectOptionDict",
    "Span",
    "SpanDict",
    "TextBuilder",
    "py_index",
    "split_text",
    "utf16_len",
    "utf16_offset",
]
