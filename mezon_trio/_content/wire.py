"""JSON rules of the content string (docs/protocol.md §6.1, §10.2, §11 quirks 2 and 3).

* compact separators, literal UTF-8 (``ensure_ascii=False``), no NaN/Infinity;
* a key whose value is ``None`` is omitted, never written as ``null``;
* ids inside content (``channelid``, ``emojiid``) are decimal strings, because the
  Mezon apps are JavaScript and would round integers above 2**53.
"""

from __future__ import annotations

import enum
import json
import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, ForwardRef, Protocol, TypeAlias, runtime_checkable

from ..errors import ContentError

__all__ = [
    "MAX_CONTENT_UTF16",
    "JSONInput",
    "JSONObject",
    "JSONValue",
    "ToDict",
    "check_id",
    "check_int32",
    "dumps",
    "dumps_text",
    "first_present",
    "id_str",
    "jsonable",
    "parse_id",
]

MAX_CONTENT_UTF16 = 4000
"""Longest accepted content: the compact JSON text, counted in UTF-16 code units.

The official TypeScript SDK rejects longer content (docs/protocol.md §10.2).
"""

# Recursive aliases on Python 3.11 (no ``type`` statement): each refers to itself through a private
# name.  For mypy that name is a forward reference to the public alias (a recursive alias); at run
# time it is a ForwardRef bound to this module, so ``typing.get_type_hints`` resolves an annotation
# naming the alias from any module (even as ``content.JSONValue``), expanding it one level deep and
# leaving the ForwardRef where it recurs.
if TYPE_CHECKING:
    _JSONValue: TypeAlias = "JSONValue"
    _JSONInput: TypeAlias = "JSONInput"
else:
    _JSONValue = ForwardRef("JSONValue", module=__name__)
    _JSONInput = ForwardRef("JSONInput", module=__name__)

JSONValue: TypeAlias = str | int | float | bool | list[_JSONValue] | dict[str, _JSONValue] | None
"""Any JSON value, as :func:`json.loads` returns it: text, number, boolean, ``null``, array, object.

What the content builders write never holds ``None`` (absent keys are omitted), but JSON read
from elsewhere may.
"""

JSONInput: TypeAlias = str | int | float | bool | Sequence[_JSONInput] | Mapping[str, _JSONInput] | None
"""A JSON value given *to* the library: like :data:`JSONValue`, with read-only containers.

Any mapping with string keys and any sequence (a tuple as well as a list) fits, so a
``dict[str, int]`` or a ``tuple[str, ...]`` needs no annotation.  Members of
:class:`enum.StrEnum`/:class:`enum.IntEnum` are strings/ints, so they fit too (their value is
written).  ``bytes`` fits the type (a sequence of ints) but has no JSON form: it raises
:class:`~mezon_trio.errors.ContentError`.
"""

JSONObject: TypeAlias = dict[str, JSONValue]
"""A JSON object: string keys, :data:`JSONValue` values (a fresh ``dict`` the caller may change)."""

_INT64_MAX = 2**63 - 1

# What json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False) uses,
# built once (json.dumps builds a new encoder per call when given options).
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
#: How that encoder writes a str (literal UTF-8: the ensure_ascii=False variant).
_encode_str = json.encoder.encode_basestring


@runtime_checkable
class ToDict(Protocol):
    """Anything that renders itself as a JSON object (our models and builders)."""

    def to_dict(self) -> Mapping[str, object]: ...


def dumps(value: JSONValue) -> str:
    """Serialize like the wire wants it: compact, literal UTF-8, no NaN.

    Raises:
        ContentError: the value is not JSON-serializable or holds text that cannot
            be encoded as UTF-8 (a lone surrogate).
    """
    try:
        text = _ENCODER.encode(value)
    except (TypeError, ValueError) as exc:
        raise ContentError(f"content is not JSON-serializable: {exc}") from exc
    return _utf8_checked(text)


def _utf8_checked(text: str) -> str:
    """*text*, if it encodes as UTF-8 (JSON keeps a lone surrogate; the wire cannot carry it).

    Raises:
        ContentError: a lone surrogate.
    """
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ContentError(
                f"content holds a lone surrogate at {exc.start}: it cannot be sent as UTF-8"
            ) from exc
    return text


def dumps_text(t: str | None, content_thread: str | None) -> str:
    """``dumps({"t": t, "contentThread": content_thread})`` without the ``None`` keys, spelled out.

    Plain-text content is most messages; this skips the encoder's generic walk.

    Raises:
        ContentError: a lone surrogate (as :func:`dumps`).
    """
    parts = []
    if t is not None:
        parts.append('"t":' + _encode_str(t))
    if content_thread is not None:
        parts.append('"contentThread":' + _encode_str(content_thread))
    text = "{" + ",".join(parts) + "}"
    return _utf8_checked(text)


def jsonable(value: object, *, where: str = "content") -> JSONValue:
    """Return a plain JSON copy of ``value`` with every ``None`` dropped.

    Dict entries and list items whose value is ``None`` disappear, enum members
    become their value, tuples become lists, and objects with a ``to_dict()`` method
    (our models and builders) are rendered through it.

    Raises:
        ContentError: a key is not a string, a float is NaN or infinite, or a value
            has no JSON form.
    """
    match value:
        case bool() | str() | int() if not isinstance(value, enum.Enum):
            return value
        case enum.Enum():
            return jsonable(value.value, where=where)
        case float():
            if not math.isfinite(value):
                raise ContentError(f"{where}: {value!r} is not a JSON number")
            return value
        case Mapping():
            out: dict[str, JSONValue] = {}
            for key, item in value.items():
                if not isinstance(key, str):
                    raise ContentError(f"{where}: JSON object keys must be strings, got {key!r}")
                if item is not None:
                    out[key] = jsonable(item, where=f"{where}.{key}")
            return out
        case list() | tuple():
            return [jsonable(item, where=f"{where}[{i}]") for i, item in enumerate(value) if item is not None]
        case ToDict():
            return jsonable(value.to_dict(), where=where)
        case _:
            raise ContentError(f"{where}: {type(value).__name__} has no JSON form")


def id_str(value: JSONValue) -> JSONValue:
    """Render an id for content JSON: integers become decimal strings.

    Anything else (already a string, or a malformed value received from a peer) is
    returned unchanged, so tolerant parsing never loses data.
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        # A peer wrote the id as a JSON number that does not fit a double exactly:
        # the precision is already gone, but the wire type is still fixed.
        return str(int(value))
    return value


def parse_id(value: object) -> int | None:
    """Read an id written as a decimal string or a JSON integer; ``None`` if malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 <= value <= _INT64_MAX else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        number = int(value)
        return number if number <= _INT64_MAX else None
    return None


def check_id(value: int, name: str) -> int:
    """Validate an id passed by a caller (a non-negative int64).

    Raises:
        ContentError: the id is not an int in ``0..2**63-1``.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError(f"{name} must be an int, got {type(value).__name__}")
    if not 0 <= value <= _INT64_MAX:
        raise ContentError(f"{name} {value} is outside the int64 id range")
    return value


def check_int32(value: int, name: str) -> int:
    """Validate a protobuf int32 field value.

    Raises:
        ContentError: the value is not an int or does not fit in int32.
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise ContentError(f"{name} must be an int, got {type(value).__name__}")
    if not -(2**31) <= value < 2**31:
        raise ContentError(f"{name} {value} does not fit in an int32")
    return value


def first_present(mapping: Mapping[str, object], *keys: str) -> object:
    """Return the value of the first of ``keys`` present in ``mapping`` (alias spellings)."""
    for key in keys:
        if key in mapping:
            return mapping[key]
    return None
