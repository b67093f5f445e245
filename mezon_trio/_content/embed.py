"""Embeds: the entries of the content's ``embed`` list (docs/protocol.md §6.5).

:class:`Embed` is an immutable value for a plain embed. For forms (fields with
inputs, selects, radios, date pickers, animations) use
:class:`~mezon_trio.content.InteractiveBuilder`, which mirrors the official SDK.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import cast, final

from .shapes import EmbedAuthorDict, EmbedDict, EmbedFieldDict, EmbedFooterDict, EmbedImageDict
from .wire import jsonable

__all__ = ["Embed", "EmbedAuthor", "EmbedField", "EmbedFooter", "EmbedImage", "color_str"]


def color_str(color: str | int) -> str:
    """Render a color as the wire's hex string: ``0xFF5733`` becomes ``"#ff5733"``.

    Strings pass through unchanged (``"#FF5733"``).

    Raises:
        ValueError: an int outside ``0..0xFFFFFF``.
    """
    if isinstance(color, bool) or not isinstance(color, (int, str)):
        raise TypeError(f"color must be a str or an int, got {type(color).__name__}")
    if isinstance(color, int):
        if not 0 <= color <= 0xFFFFFF:
            raise ValueError(f"color {color:#x} is outside 0..0xffffff")
        return f"#{color:06x}"
    return color


@final
@dataclass(frozen=True, slots=True)
class EmbedAuthor:
    """``author {name, icon_url?, url?}``."""

    name: str
    icon_url: str | None = None
    url: str | None = None

    def to_dict(self) -> EmbedAuthorDict:
        """Render as the wire's JSON object (absent keys omitted)."""
        out: EmbedAuthorDict = {"name": self.name}
        if self.icon_url:
            out["icon_url"] = self.icon_url
        if self.url:
            out["url"] = self.url
        return out


@final
@dataclass(frozen=True, slots=True)
class EmbedField:
    """A plain ``fields[i]`` entry ``{name, value, inline}`` (no form input)."""

    name: str
    value: str = ""
    inline: bool = False

    def to_dict(self) -> EmbedFieldDict:
        """Render as the wire's JSON object."""
        return {"name": self.name, "value": self.value, "inline": self.inline}


@final
@dataclass(frozen=True, slots=True)
class EmbedImage:
    """``image {url, width, height}``; a missing size is written ``"auto"`` as the official SDK does."""

    url: str
    width: str | int | None = None
    height: str | int | None = None

    def to_dict(self) -> EmbedImageDict:
        """Render as the wire's JSON object."""
        return {
            "url": self.url,
            "width": "auto" if self.width is None else self.width,
            "height": "auto" if self.height is None else self.height,
        }


@final
@dataclass(frozen=True, slots=True)
class EmbedFooter:
    """``footer {text, icon_url?}``."""

    text: str
    icon_url: str | None = None

    def to_dict(self) -> EmbedFooterDict:
        """Render as the wire's JSON object (absent keys omitted)."""
        out: EmbedFooterDict = {"text": self.text}
        if self.icon_url:
            out["icon_url"] = self.icon_url
        return out


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Embed:
    """One embed, immutable; absent parts are omitted from the JSON.

    Attributes:
        title: the heading.
        url: makes the title a link.
        color: the side bar color, ``"#rrggbb"`` or an int ``0xRRGGBB``.
        author: name with optional icon and link.
        description: the body text.
        thumbnail: URL of the small image at the side.
        fields: plain fields, or field mappings (:class:`EmbedFieldDict`, e.g. built by hand
            with ``inputs``).  Other mappings are still accepted at run time and copied into
            the JSON as they are (``None`` values dropped), but a type checker rejects them.
        image: the large image (a URL string means ``EmbedImage(url)``).
        timestamp: a ``datetime`` (written with ``isoformat()``) or an ISO-8601 string.
        footer: text with optional icon (a string means ``EmbedFooter(text)``).

    Example:
        >>> Embed(title="Hi", color=0xFF0000).add_field("a", "1").to_dict()
        {'color': '#ff0000', 'title': 'Hi', 'fields': [{'name': 'a', 'value': '1', 'inline': False}]}
    """

    title: str | None = None
    url: str | None = None
    color: str | int | None = None
    author: EmbedAuthor | None = None
    description: str | None = None
    thumbnail: str | None = None
    fields: Sequence[EmbedField | EmbedFieldDict] = ()
    image: EmbedImage | str | None = None
    timestamp: datetime | str | None = None
    footer: EmbedFooter | str | None = None

    def __post_init__(self) -> None:
        # Freeze the sequence so that the value cannot change behind our back.
        object.__setattr__(self, "fields", tuple(self.fields))
        if self.color is not None:
            color_str(self.color)  # validate early

    def add_field(self, name: str, value: str = "", inline: bool = False) -> Embed:
        """Return a copy with one more plain field."""
        return dataclasses.replace(self, fields=(*self.fields, EmbedField(name, value, inline)))

    def to_dict(self) -> EmbedDict:
        """Render as the wire's JSON object, keys in the order of docs/protocol.md §6.5."""
        out: EmbedDict = {}
        if self.color is not None:
            out["color"] = color_str(self.color)
        if self.title is not None:
            out["title"] = self.title
        if self.url is not None:
            out["url"] = self.url
        if self.author is not None:
            out["author"] = self.author.to_dict()
        if self.description is not None:
            out["description"] = self.description
        if self.thumbnail is not None:
            out["thumbnail"] = {"url": self.thumbnail}
        if self.fields:
            out["fields"] = [_field_dict(field) for field in self.fields]
        if self.image is not None:
            image = EmbedImage(self.image) if isinstance(self.image, str) else self.image
            out["image"] = image.to_dict()
        if self.timestamp is not None:
            stamp = self.timestamp
            out["timestamp"] = stamp.isoformat() if isinstance(stamp, datetime) else stamp
        if self.footer is not None:
            footer = EmbedFooter(self.footer) if isinstance(self.footer, str) else self.footer
            out["footer"] = footer.to_dict()
        return out


def _field_dict(field: EmbedField | EmbedFieldDict) -> EmbedFieldDict:
    if isinstance(field, EmbedField):
        return field.to_dict()
    # A mapping: copied through jsonable (None dropped, enums as values); the shape is the
    # caller's (a type checker holds it to EmbedFieldDict, the run time does not).
    return cast(EmbedFieldDict, jsonable(field, where="embed.fields"))
