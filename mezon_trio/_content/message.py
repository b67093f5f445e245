"""The :class:`Content` value: the JSON document in a message's ``content`` string."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Final, TypeVar, final

from ..errors import ContentError
from .buttons import ButtonBuilder
from .embed import Embed
from .interactive import InteractiveBuilder
from .mentions import Mention
from .shapes import (
    ActionRowDict,
    ComponentDict,
    EmbedDict,
    EmojiSpanDict,
    HashtagSpanDict,
    MarkdownSpanDict,
    SpanDict,
)
from .spans import EmojiSpan, HashtagSpan, MarkdownSpan, Span
from .utf16 import py_index, utf16_len
from .wire import (
    MAX_CONTENT_UTF16,
    JSONInput,
    JSONObject,
    JSONValue,
    ToDict,
    dumps,
    dumps_text,
    id_str,
    jsonable,
)

if TYPE_CHECKING:
    from .builder import TextBuilder

__all__ = ["Content"]

_RANGE_KEYS: Final = ("mk", "lk", "hg", "ej", "vk")
_LIST_KEYS: Final = frozenset({*_RANGE_KEYS, "embed", "components"})
_SEQUENCES: Final = frozenset({list, tuple})
# Keys whose value is an id that JavaScript readers need as a string (§11 quirk 3).
_ID_KEYS: Final = {"hg": ("channelid", "channelId"), "ej": ("emojiid", "emojiId")}

_R = TypeVar("_R", Span, MarkdownSpan, HashtagSpan, EmojiSpan)


def _as_list(value: object) -> list[object] | None:
    """A list/tuple as a list; a single object/mapping as a one-item list; else None."""
    if isinstance(value, (list, tuple)):
        return [item for item in value if item is not None]  # never write null
    if isinstance(value, (Mapping, ToDict)):
        return [value]
    return None


def _normalize_ranges(key: str, value: object) -> JSONValue:
    items = _as_list(value)
    if items is None:
        return jsonable(value, where=key)  # malformed but kept: tolerant, lossless
    out: list[JSONValue] = []
    for index, item in enumerate(items):
        entry = jsonable(item, where=f"{key}[{index}]")
        if isinstance(entry, dict):
            for id_key in _ID_KEYS.get(key, ()):
                if id_key in entry:
                    entry[id_key] = id_str(entry[id_key])
        out.append(entry)
    return out


def _normalize_embed(value: object) -> JSONValue:
    items = _as_list(value)
    if items is None:
        return jsonable(value, where="embed")
    return [jsonable(item, where=f"embed[{index}]") for index, item in enumerate(items)]


def _normalize_component(component: JSONObject) -> JSONObject:
    if "id" in component:
        component["id"] = id_str(component["id"])
    return component


def _normalize_components(value: object) -> JSONValue:
    items = _as_list(value)
    if items is None:
        return jsonable(value, where="components")
    rows: list[JSONValue] = []
    pending: list[JSONValue] | None = None  # the implicit row of bare components
    for index, item in enumerate(items):
        entry = jsonable(item, where=f"components[{index}]")
        if isinstance(entry, dict) and "components" not in entry and "type" in entry:
            # A bare component (e.g. one element of ButtonBuilder.build()): consecutive
            # ones share one action row.
            if pending is None:
                pending = []
                rows.append({"components": pending})
            pending.append(_normalize_component(entry))
            continue
        pending = None
        inner = entry.get("components") if isinstance(entry, dict) else None
        if isinstance(inner, list):
            for component in inner:
                if isinstance(component, dict):
                    _normalize_component(component)
        rows.append(entry)
    return rows


def _normalize(mapping: Mapping[str, object]) -> JSONObject:
    """Apply the wire rules to a content mapping (drop nulls and empty lists, ids as strings)."""
    out: JSONObject = {}
    for key, value in mapping.items():
        if not isinstance(key, str):
            raise ContentError(f"content keys must be strings, got {key!r}")
        if value is None:
            continue
        normalized: JSONValue
        if key in _RANGE_KEYS:
            normalized = _normalize_ranges(key, value)
        elif key == "embed":
            normalized = _normalize_embed(value)
        elif key == "components":
            normalized = _normalize_components(value)
        else:
            normalized = jsonable(value, where=key)
        if key in _LIST_KEYS and normalized == []:
            continue
        out[key] = normalized
    return out


def _mentions(mentions: Iterable[Mention]) -> tuple[Mention, ...]:
    result = tuple(mentions)
    for mention in result:
        if not isinstance(mention, Mention):
            raise ContentError(f"mentions must be Mention objects, got {type(mention).__name__}")
    return result


def _restore(text: str, mentions: tuple[Mention, ...]) -> Content:
    return Content.from_json(text, mentions=mentions)


@final
class Content:
    """Message content: the JSON object sent in ``content`` (docs/protocol.md §6), plus its mentions.

    An immutable value. The JSON text is produced once, at construction, following
    the wire rules: compact, literal UTF-8, no ``null`` and no empty lists, ids as
    decimal strings. Mentions are not part of the JSON: they travel in the
    message's ``mentions`` field (:meth:`Mention.to_proto`).

    Args:
        t: the plain text.
        content_thread: the text used when the message creates a thread (``contentThread``).
        mk: markdown ranges (:class:`MarkdownSpan` or :class:`MarkdownSpanDict` mappings).
        lk: link ranges (:class:`Span` or :class:`SpanDict` mappings).
        hg: channel hashtags (:class:`HashtagSpan` or :class:`HashtagSpanDict` mappings).
        ej: custom emojis (:class:`EmojiSpan` or :class:`EmojiSpanDict` mappings).
        vk: voice-room link ranges (:class:`Span` or :class:`SpanDict` mappings).
        embed: embeds: :class:`Embed`, :class:`InteractiveBuilder` or :class:`EmbedDict`
            mappings.
        components: action rows (:class:`ActionRowDict` mappings, ``{"components": [...]}``,
            or :class:`ButtonBuilder`); consecutive bare components (:class:`ComponentDict`,
            as returned by ``ButtonBuilder.build()``) are grouped into one row.
        mentions: :class:`Mention` objects for the message's ``mentions`` field.
        extra: other top-level keys, written after the known ones, with JSON values
            (:data:`JSONInput`).

    The types above are what a type checker holds you to.  At run time the checks are those
    of the wire, as before: any mapping is accepted where a ``...Dict`` is expected (ids in
    ``hg``/``ej`` may be ints and are written as strings), and ``extra`` values may also be
    enum members or objects with a ``to_dict()`` method (rendered through it); a value with no
    JSON form raises :class:`~mezon_trio.errors.ContentError`.

    Raises:
        ContentError: a value has no JSON form, a key is not a string, text holds a
            lone surrogate, or ``extra`` repeats a known key.

    Example:
        >>> Content("hi", components=[ButtonBuilder().add_button("ok", "OK", 3)]).to_json()
        '{"t":"hi","components":[{"components":[{"id":"ok","type":1,"component":{"label":"OK","style":3}}]}]}'
    """

    __slots__ = ("_hash", "_json", "_mentions", "_raw")

    _raw: JSONObject
    _json: str
    _mentions: tuple[Mention, ...]
    _hash: int | None

    def __init__(
        self,
        t: str | None = None,
        *,
        content_thread: str | None = None,
        mk: Iterable[MarkdownSpan | MarkdownSpanDict] = (),
        lk: Iterable[Span | SpanDict] = (),
        hg: Iterable[HashtagSpan | HashtagSpanDict] = (),
        ej: Iterable[EmojiSpan | EmojiSpanDict] = (),
        vk: Iterable[Span | SpanDict] = (),
        embed: Iterable[Embed | InteractiveBuilder | EmbedDict] = (),
        components: Iterable[ButtonBuilder | ActionRowDict | ComponentDict] = (),
        mentions: Iterable[Mention] = (),
        extra: Mapping[str, JSONInput] | None = None,
    ) -> None:
        if t is not None and not isinstance(t, str):
            raise ContentError(f"t must be a str, got {type(t).__name__}")
        if content_thread is not None and not isinstance(content_thread, str):
            raise ContentError(f"content_thread must be a str, got {type(content_thread).__name__}")
        if (
            extra is None
            and (t is None or type(t) is str)
            and (content_thread is None or type(content_thread) is str)
            and not (mk or lk or hg or ej or vk or embed or components)
            # ...and each is an empty list or tuple (an empty mapping is one embed, say)
            and type(mk) in _SEQUENCES
            and type(lk) in _SEQUENCES
            and type(hg) in _SEQUENCES
            and type(ej) in _SEQUENCES
            and type(vk) in _SEQUENCES
            and type(embed) in _SEQUENCES
            and type(components) in _SEQUENCES
        ):
            # Plain text (most messages): what _normalize would return, without its walk.
            raw: dict[str, JSONValue] = {}
            if t is not None:
                raw["t"] = t
            if content_thread is not None:
                raw["contentThread"] = content_thread
            self._setup(raw, _mentions(mentions), dumps_text(t, content_thread))
            return
        fields: dict[str, object] = {
            "t": t,
            "contentThread": content_thread,
            "mk": _listed(mk),
            "lk": _listed(lk),
            "hg": _listed(hg),
            "ej": _listed(ej),
            "vk": _listed(vk),
            "embed": _listed(embed),
            "components": _listed(components),
        }
        for key, value in (extra or {}).items():
            if key in fields:
                raise ContentError(f"extra key {key!r} is a parameter of Content: pass it directly")
            fields[key] = value
        self._setup(_normalize(fields), _mentions(mentions))

    def _setup(self, raw: JSONObject, mentions: tuple[Mention, ...], text: str | None = None) -> None:
        object.__setattr__(self, "_raw", raw)
        object.__setattr__(self, "_json", dumps(raw) if text is None else text)
        object.__setattr__(self, "_mentions", mentions)
        object.__setattr__(self, "_hash", None)

    @classmethod
    def _from_raw(cls, raw: JSONObject, mentions: tuple[Mention, ...]) -> Content:
        content = cls.__new__(cls)
        content._setup(raw, mentions)
        return content

    # -- construction from other shapes ---------------------------------------------

    @classmethod
    def from_dict(cls, mapping: Mapping[str, object], *, mentions: Iterable[Mention] = ()) -> Content:
        """Build from a content mapping, applying the wire rules (keys keep their order).

        Any mapping with string keys is accepted and checked here, at run time; annotate a
        hand-written one with :class:`ContentDict` to have a type checker check its keys.

        ``None`` values are dropped, ids in ``hg``/``ej`` become strings, and a
        ``components`` list of bare components is grouped into one row.

        Raises:
            ContentError: a value has no JSON form or a key is not a string.
        """
        return cls._from_raw(_normalize(mapping), _mentions(mentions))

    @classmethod
    def from_json(cls, text: str, *, mentions: Iterable[Mention] = ()) -> Content:
        """Parse a received ``content`` string; never fails.

        Invalid JSON, or JSON that is not an object, is taken as plain text:
        ``{"t": text}`` (docs/protocol.md §6.1). Ids may be numbers or strings; nulls are
        dropped. ``mentions`` are the message's decoded mentions, if any.

        Raises:
            ContentError: only if ``mentions`` holds something other than :class:`Mention`.
        """
        checked = _mentions(mentions)
        try:
            value = json.loads(text)
        except (ValueError, RecursionError):
            value = None
        if isinstance(value, dict):
            try:
                return cls._from_raw(_normalize(value), checked)
            except ContentError:
                pass  # e.g. NaN, or a lone surrogate written as an escape
        try:
            return cls._from_raw({"t": text}, checked)
        except ContentError:
            return cls._from_raw({"t": text.encode("utf-8", "replace").decode("utf-8")}, checked)

    @classmethod
    def coerce(cls, value: str | Mapping[str, object] | Content) -> Content:
        """Accept what users pass as a message: a ``str`` (plain text), a mapping, or a Content.

        Raises:
            ContentError: the value is of another type, or the mapping is invalid.
        """
        if isinstance(value, Content):
            return value
        if isinstance(value, str):
            return cls(value)
        if isinstance(value, Mapping):
            return cls.from_dict(value)
        raise ContentError(f"cannot use a {type(value).__name__} as message content")

    @staticmethod
    def builder() -> TextBuilder:
        """Return a new :class:`~mezon_trio.content.TextBuilder`."""
        from .builder import TextBuilder  # builder imports this module

        return TextBuilder()

    # -- accessors ------------------------------------------------------------------

    @property
    def text(self) -> str:
        """The plain text ``t`` (``""`` when absent)."""
        value = self._raw.get("t")
        return value if isinstance(value, str) else ""

    @property
    def content_thread(self) -> str | None:
        """``contentThread``, if present."""
        value = self._raw.get("contentThread")
        return value if isinstance(value, str) else None

    def _ranges(self, key: str, cls: type[_R]) -> tuple[_R, ...]:
        items = self._raw.get(key)
        if not isinstance(items, list):
            return ()
        parsed = (cls.from_dict(item) for item in items if isinstance(item, dict))
        return tuple(item for item in parsed if item is not None)

    @property
    def markdown(self) -> tuple[MarkdownSpan, ...]:
        """The well-formed ``mk`` entries."""
        return self._ranges("mk", MarkdownSpan)

    @property
    def links(self) -> tuple[Span, ...]:
        """The well-formed ``lk`` entries."""
        return self._ranges("lk", Span)

    @property
    def hashtags(self) -> tuple[HashtagSpan, ...]:
        """The well-formed ``hg`` entries (ids as ints)."""
        return self._ranges("hg", HashtagSpan)

    @property
    def emojis(self) -> tuple[EmojiSpan, ...]:
        """The well-formed ``ej`` entries (ids as ints)."""
        return self._ranges("ej", EmojiSpan)

    @property
    def voice_links(self) -> tuple[Span, ...]:
        """The well-formed ``vk`` entries."""
        return self._ranges("vk", Span)

    @property
    def embed(self) -> list[JSONObject]:
        """A copy of the ``embed`` list (dicts).

        Plain JSON, not :class:`EmbedDict`: content received from other clients is not
        checked against the embed shape, so look before you index.
        """
        items = self._raw.get("embed")
        return (
            [copy.deepcopy(item) for item in items if isinstance(item, dict)]
            if isinstance(items, list)
            else []
        )

    @property
    def components(self) -> list[JSONObject]:
        """A copy of the ``components`` action rows (dicts).

        Plain JSON, not :class:`ActionRowDict`, for the same reason as :attr:`embed`.
        """
        items = self._raw.get("components")
        if not isinstance(items, list):
            return []
        return [copy.deepcopy(item) for item in items if isinstance(item, dict)]

    @property
    def mentions(self) -> tuple[Mention, ...]:
        """The mentions sent beside the JSON."""
        return self._mentions

    @property
    def raw(self) -> JSONObject:
        """A copy of the whole JSON object, unknown keys included (plain JSON, see :attr:`embed`)."""
        return copy.deepcopy(self._raw)

    @property
    def utf16_length(self) -> int:
        """Length of :meth:`to_json` in UTF-16 code units (what the limit counts)."""
        return utf16_len(self._json)

    # -- wire -----------------------------------------------------------------------

    def to_json(self) -> str:
        """The ``content`` string: compact JSON, literal UTF-8, no ``null``."""
        return self._json

    def check_length(self, limit: int = MAX_CONTENT_UTF16) -> None:
        """Raise if the serialized content is over the server's limit.

        Raises:
            ContentError: :meth:`to_json` is longer than ``limit`` UTF-16 code units.
        """
        length = self.utf16_length
        if length > limit:
            raise ContentError(
                f"message content is {length} UTF-16 code units once serialized as JSON; "
                f"the limit is {limit}. Split long text with mezon_trio.content.split_text() "
                "and send one message per chunk."
            )

    def check_ranges(self) -> None:
        """Raise unless every range and mention lies inside ``t`` on character boundaries.

        Raises:
            ContentError: a malformed ``mk``/``lk``/``hg``/``ej``/``vk`` entry, or a
                range with ``e < s``, past the end of ``t``, or inside a surrogate pair.
        """
        text = self.text
        for key in _RANGE_KEYS:
            items = self._raw.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                raise ContentError(f"{key} must be a list")
            cls: type[Span | MarkdownSpan | HashtagSpan | EmojiSpan] = {
                "mk": MarkdownSpan,
                "lk": Span,
                "vk": Span,
                "hg": HashtagSpan,
                "ej": EmojiSpan,
            }[key]
            for index, item in enumerate(items):
                parsed = cls.from_dict(item) if isinstance(item, dict) else None
                if parsed is None:
                    raise ContentError(f"{key}[{index}] is malformed: {item!r}")
                _check_range(text, parsed.s, parsed.e, f"{key}[{index}]")
        for index, mention in enumerate(self._mentions):
            _check_range(text, mention.s, mention.e, f"mentions[{index}]")

    # -- value semantics ------------------------------------------------------------

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Content):
            return NotImplemented
        return self._raw == other._raw and self._mentions == other._mentions

    def __hash__(self) -> int:
        if self._hash is None:
            canonical = json.dumps(self._raw, sort_keys=True, ensure_ascii=False)
            object.__setattr__(self, "_hash", hash((canonical, self._mentions)))
        assert self._hash is not None
        return self._hash

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Content is immutable (cannot set {name!r})")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"Content is immutable (cannot delete {name!r})")

    def __reduce__(
        self,
    ) -> tuple[Callable[[str, tuple[Mention, ...]], Content], tuple[str, tuple[Mention, ...]]]:
        return (_restore, (self._json, self._mentions))

    def __repr__(self) -> str:
        if self._mentions:
            return f"Content({self._json}, mentions={list(self._mentions)!r})"
        return f"Content({self._json})"


def _check_range(text: str, s: int, e: int, where: str) -> None:
    if not 0 <= s <= e:
        raise ContentError(f"{where}: range s={s} e={e} is not 0 <= s <= e")
    try:
        py_index(text, s)
        py_index(text, e)
    except ValueError as exc:
        raise ContentError(f"{where}: {exc}") from exc


def _listed(value: Iterable[object]) -> object:
    # Single objects (a mapping, an Embed, a builder) are allowed where a list is
    # expected; _normalize wraps them. Other iterables become lists.
    # list/tuple first (isinstance stops at the first match): the ToDict protocol check costs ~8 µs.
    if isinstance(value, (list, tuple, Mapping, ToDict)):
        return value
    if isinstance(value, (str, bytes)):
        raise ContentError(f"expected a list, got a {type(value).__name__}")
    return list(value)
