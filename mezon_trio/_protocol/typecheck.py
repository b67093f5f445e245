"""Reject decoded messages whose fields hold values of the wrong Python type.

betterproto2 keeps whatever a wrong wire type produced instead of refusing the
bytes: a length-delimited value in an integer field becomes a ``list``, a varint
in a string, bytes or message field stays an ``int``.  Such a value would surface
far from the frame (``Message.id`` a list, an internal handler raising
``AttributeError``), so the receive path checks each payload once, right after
decoding, and treats a mismatch as a malformed frame (``ProtocolError``).

Cost: one dict lookup and type comparison per field (about 1 µs for a chat
message); plans are built on first use; the Envelope variant table is generated
(``_proto/hotcodec.py``), not read from betterproto2's metadata at import.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Final, NamedTuple, cast

import betterproto2

from .._proto.hotcodec import ENVELOPE_VARIANT_CLASSES, ENVELOPE_VARIANTS
from .._proto.mezon import realtime as rt
from ..errors import ProtocolError

__all__ = ["check_envelope", "check_message", "check_payload"]

_PY_TYPES: Final = {"string": str, "bytes": bytes, "bool": bool, "double": float, "float": float}
_MISSING: Final = object()


class _Plan(NamedTuple):
    scalars: tuple[tuple[str, type], ...]  # exact type, never None
    optional: tuple[tuple[str, type], ...]  # exact type or None (proto3 optional, oneof members)
    enums: tuple[str, ...]  # an int (betterproto2 enums are IntEnums)
    messages: tuple[tuple[str, type], ...]  # None or an instance (then checked too)
    lists: tuple[tuple[str, type, bool], ...]  # (name, item type, items are messages)
    maps: tuple[str, ...]


_PLANS: dict[type, _Plan] = {}


def _message_class(hint: Any) -> type:
    """The message class in a field's annotation (``X | None``, ``list[X]``)."""
    for arg in typing.get_args(hint) or (hint,):
        if isinstance(arg, type) and issubclass(arg, betterproto2.Message):
            return arg
    raise TypeError(f"no message class in {hint!r}")  # pragma: no cover - generated code


def _plan(cls: type[betterproto2.Message]) -> _Plan:
    # From the dataclass fields and their betterproto2 field metadata (public), with the
    # message classes read from the resolved annotations.
    scalars: list[tuple[str, type]] = []
    optional: list[tuple[str, type]] = []
    enums: list[str] = []
    messages: list[tuple[str, type]] = []
    lists: list[tuple[str, type, bool]] = []
    maps: list[str] = []
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cast(Any, cls)):  # generated dataclasses
        meta = field.metadata.get("betterproto")
        if meta is None:
            continue
        name = field.name
        kind = meta.proto_type
        if meta.unwrap is not None:
            continue  # google.protobuf wrappers: the parser already unwrapped them
        if kind == "map":
            maps.append(name)
        elif meta.repeated:
            item: type = _message_class(hints[name]) if kind == "message" else _PY_TYPES.get(kind, int)
            lists.append((name, item, kind == "message"))
        elif kind == "message":
            messages.append((name, _message_class(hints[name])))
        elif kind == "enum":
            enums.append(name)
        elif meta.optional or meta.group:
            optional.append((name, _PY_TYPES.get(kind, int)))
        else:
            scalars.append((name, _PY_TYPES.get(kind, int)))
    plan = _Plan(tuple(scalars), tuple(optional), tuple(enums), tuple(messages), tuple(lists), tuple(maps))
    _PLANS[cls] = plan
    return plan


def _bad(message: betterproto2.Message, name: str, value: object) -> ProtocolError:
    return ProtocolError(
        f"{type(message).__name__}.{name} holds a {type(value).__name__} (wrong wire type in the frame)"
    )


def check_message(message: betterproto2.Message) -> None:
    """Check every field of *message*, nested messages included.

    Raises:
        ProtocolError: a field holds a value of the wrong type.
    """
    cls = type(message)
    plan = _PLANS.get(cls) or _plan(cls)
    fields = message.__dict__
    for name, expected in plan.scalars:
        value = fields.get(name, _MISSING)
        if type(value) is not expected:
            if value is _MISSING:
                value = getattr(message, name)
                if type(value) is expected:
                    continue
            raise _bad(message, name, value)
    for name, expected in plan.optional:
        value = getattr(message, name)
        if value is not None and type(value) is not expected:
            raise _bad(message, name, value)
    for name in plan.enums:
        value = getattr(message, name)
        if not isinstance(value, int) or isinstance(value, bool):
            raise _bad(message, name, value)
    for name, expected in plan.messages:
        value = getattr(message, name)
        if value is not None:
            if not isinstance(value, expected):
                raise _bad(message, name, value)
            check_message(cast(betterproto2.Message, value))
    for name, expected, nested in plan.lists:
        value = getattr(message, name)
        if type(value) is not list:
            raise _bad(message, name, value)
        for item in value:
            if not isinstance(item, expected) or (expected is int and isinstance(item, bool)):
                raise _bad(message, name, item)
            if nested:
                check_message(cast(betterproto2.Message, item))
    for name in plan.maps:
        value = getattr(message, name)
        if type(value) is not dict:
            raise _bad(message, name, value)
        for key, item in value.items():
            if isinstance(key, betterproto2.Message):
                raise _bad(message, name, key)
            if isinstance(item, betterproto2.Message):
                check_message(item)


#: Envelope variant -> message class: filled by the first check (naming the classes executes the
#: generated modules, which importing this one must not).
_VARIANT_CLASSES: Final[dict[str, type[betterproto2.Message]]] = {}
_VARIANTS: Final[tuple[str, ...]] = tuple(ENVELOPE_VARIANTS)  # the names only: no class needed


def _variant_class(kind: str) -> type[betterproto2.Message]:
    if not _VARIANT_CLASSES:
        _VARIANT_CLASSES.update(ENVELOPE_VARIANT_CLASSES)
    return _VARIANT_CLASSES[kind]


def check_payload(envelope: rt.Envelope, kind: str) -> Any:
    """Check the variant *kind* of a decoded push (the reader already knows which one); return it.

    Raises:
        ProtocolError: the variant is not a *kind* message, or one of its fields has the wrong type.
    """
    payload = getattr(envelope, kind)
    if payload is not None:
        expected = _VARIANT_CLASSES.get(kind) or _variant_class(kind)
        if not isinstance(payload, expected):
            raise _bad(envelope, kind, payload)
        check_message(payload)
    return payload


def check_envelope(envelope: rt.Envelope) -> None:
    """Check a decoded reply: its cid, and the one variant set (several set is refused too).

    Raises:
        ProtocolError: wrong types, or more than one variant set.
    """
    if type(envelope.cid) is not int:
        raise _bad(envelope, "cid", envelope.cid)
    fields = envelope.__dict__
    found = ""
    for name in _VARIANTS:
        if fields.get(name) is not None:
            if found:
                raise ProtocolError(f"Envelope sets two variants: {found} and {name}")
            found = name
    if found:
        check_payload(envelope, found)
