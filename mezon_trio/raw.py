"""Raw events: every server push as its generated protobuf payload.

The typed events of :mod:`mezon_trio.events` cover what bots use.  Every other ``Envelope``
variant (the long tail: presence, typing, stickers, canvases...) is reachable here, as a
:class:`RawEvent` carrying the generated message.  This module is the one place where generated
types (``mezon_trio._proto``) are public on purpose: they follow the wire schema and may change
with it.

::

    from mezon_trio import raw
    from mezon_trio._proto.mezon import realtime as rt

    async with client.stream(raw.of(rt.MessageTypingEvent)) as typing:
        async for ev in typing:  # ev: RawEvent[rt.MessageTypingEvent]
            print(ev.payload.sender_id, "is typing")

``raw.of(cls)`` selects the variant whose payload is *cls*; ``raw.of_kind(name)`` selects one by
its ``Envelope`` field name (for the few payload classes shared by several variants).
:func:`message_payload` gives the generated chat message under a
:class:`~mezon_trio.models.Message`, for wire fields the model does not surface.
:class:`RawApi` is the type of ``client.raw``: socket requests, RPCs over HTTP and over the
socket bridge, taking and returning generated messages.
:class:`FrameTransport` / :class:`FrameConnect` (and :class:`Closed`) are the frame-transport
seam under the socket: ``MezonClient(ws_connect=...)`` takes a :class:`FrameConnect` (the sandbox's
in-memory mode passes one).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar, final

import betterproto2

from ._connection.rawapi import RawApi as RawApi
from ._events.base import BaseEvent, Selector
from ._models.message import Message, wire_message
from ._proto.hotcodec import ENVELOPE_VARIANT_CLASSES, ENVELOPE_VARIANTS
from ._proto.mezon import api as _api
from ._transport.seam import Closed as Closed
from ._transport.seam import FrameConnect as FrameConnect
from ._transport.seam import FrameTransport as FrameTransport
from .errors import ConfigurationError

__all__ = [
    "Closed",
    "FrameConnect",
    "FrameTransport",
    "RawApi",
    "RawEvent",
    "message_payload",
    "of",
    "of_kind",
    "variant_names",
]

P = TypeVar("P", bound=betterproto2.Message)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RawEvent(BaseEvent, Generic[P]):
    """One push: the ``Envelope`` variant's field name and its generated payload (do not mutate it)."""

    kind: str
    payload: P


def variant_names() -> tuple[str, ...]:
    """Every ``Envelope`` variant field name, in field-number order."""
    return tuple(ENVELOPE_VARIANTS)


def of(payload_cls: type[P]) -> Selector[RawEvent[P]]:
    """The raw events whose payload is *payload_cls* (a generated message class).

    Raises:
        ConfigurationError: no variant carries *payload_cls*, or several do (use :func:`of_kind`).
    """
    kinds = tuple(name for name, cls in ENVELOPE_VARIANT_CLASSES.items() if cls is payload_cls)
    if len(kinds) != 1:
        found = "no Envelope variant" if not kinds else f"several variants ({', '.join(kinds)})"
        raise ConfigurationError(f"{found} carries {payload_cls.__name__}; use raw.of_kind(name)")
    return _selector(kinds[0], payload_cls)


def of_kind(name: str) -> Selector[RawEvent[betterproto2.Message]]:
    """The raw events of the ``Envelope`` variant *name* (its field name, e.g. ``"status_presence_event"``).

    Raises:
        ConfigurationError: *name* is not a variant.
    """
    payload_cls = ENVELOPE_VARIANT_CLASSES.get(name)
    if payload_cls is None:
        raise ConfigurationError(f"{name!r} is not an Envelope variant (see raw.variant_names())")
    return _selector(name, betterproto2.Message)


def _selector(kind: str, payload_cls: type[P]) -> Selector[RawEvent[P]]:
    def convert(event_kind: str, payload: object) -> RawEvent[P] | None:
        if isinstance(payload, payload_cls):
            return RawEvent(kind=event_kind, payload=payload)
        return None

    return Selector(f"RawEvent[{kind}]", (kind,), convert)


def message_payload(message: Message) -> _api.ChannelMessage:
    """The generated ``ChannelMessage`` a :class:`~mezon_trio.models.Message` wraps (do not mutate it)."""
    return wire_message(message)
