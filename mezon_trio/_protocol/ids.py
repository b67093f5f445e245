"""Mezon ids as the public API accepts them: an ``int`` or a decimal ``str``.

Ids are int64 on the wire (docs/protocol.md §5.1); the official SDKs and JSON clients
pass them as strings, so every public parameter that takes an id accepts both and
returns ``int``.  Anything else fails here, before any I/O, with
:class:`~mezon_trio.errors.InvalidId` naming the parameter.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ..errors import InvalidId

__all__ = ["INT64_MAX", "Id", "as_id", "as_ids", "as_optional_id", "wire_id"]

INT64_MAX: Final = (1 << 63) - 1

#: What a public parameter that takes an id accepts.
Id = int | str


def wire_id(value: object) -> int:
    """An id as some messages and mappings carry it: an ``int`` or a decimal ``str``; 0 otherwise.

    Lenient, for data received (a field that is not an id reads as "none"); public
    parameters go through :func:`as_id`, which refuses what is not an id.
    """
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return 0


def as_id(value: object, parameter: str, *, allow_zero: bool = True) -> int:
    """*value* as an id, or :class:`InvalidId` naming *parameter*.

    ``0`` means "none" in the protocol (e.g. ``clan_id`` 0 for DMs); pass
    ``allow_zero=False`` where it cannot.
    """
    if isinstance(value, bool):
        raise InvalidId(f"{parameter} must be an id (int or decimal str), got a bool", parameter=parameter)
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdecimal():
            raise InvalidId(f"{parameter} must be a decimal id, got {value[:40]!r}", parameter=parameter)
        number = int(text)
    else:
        raise InvalidId(
            f"{parameter} must be an id (int or decimal str), got {type(value).__name__}",
            parameter=parameter,
        )
    if number < 0 or number > INT64_MAX:
        raise InvalidId(f"{parameter} is out of the int64 id range: {number}", parameter=parameter)
    if number == 0 and not allow_zero:
        raise InvalidId(f"{parameter} must not be 0", parameter=parameter)
    return number


def as_optional_id(value: object, parameter: str) -> int | None:
    """Like :func:`as_id`, with ``None`` passed through."""
    return None if value is None else as_id(value, parameter)


def as_ids(values: object, parameter: str) -> list[int]:
    """One id or an iterable of ids, as a list."""
    if isinstance(values, (int, str, bytes, bytearray, Mapping)):
        return [as_id(values, parameter)]
    try:
        items = list(values)  # type: ignore[call-overload]
    except TypeError:
        raise InvalidId(
            f"{parameter} must be an id or a list of ids, got {type(values).__name__}", parameter=parameter
        ) from None
    return [as_id(item, parameter) for item in items]
