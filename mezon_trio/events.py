"""Typed events, event names and event records.

**Typed events** are what applications subscribe to: frozen, slotted classes with plain Python
fields and the value models of :mod:`mezon_trio.models`, one per thing a bot reacts to::

    async with client.stream(MessageCreated) as messages:
        async for event in messages:  # event: MessageCreated
            print(event.message.text)

=====================================================  ============================================
messages                                               :class:`MessageCreated`, :class:`MessageEdited`,
                                                       :class:`MessageDeleted` (split by the chat
                                                       message's ``code``, docs/protocol.md §5.12)
reactions                                              :class:`ReactionAdded`, :class:`ReactionRemoved`
components and menus                                   :class:`ButtonClicked` (:class:`FormSubmitted`
                                                       for a form's button), :class:`DropdownSelected`,
                                                       :class:`QuickMenuAction`
tokens                                                 :class:`TokensReceived`, :class:`CoffeeGiven`
channels                                               :class:`ChannelCreated`, :class:`ChannelUpdated`,
                                                       :class:`ChannelDeleted`
membership                                             :class:`UserAddedToChannel`,
                                                       :class:`UserRemovedFromChannel`,
                                                       :class:`UserAddedToClan`,
                                                       :class:`UserRemovedFromClan`
roles, clan events, notifications                      :class:`RoleChanged`, :class:`RoleAssigned`,
                                                       :class:`ClanEventCreated`, :class:`Notification`
voice                                                  :class:`VoiceStarted`, :class:`VoiceEnded`,
                                                       :class:`VoiceJoined`, :class:`VoiceLeft`
lifecycle                                              :class:`Connected`, :class:`Disconnected`,
                                                       :class:`Reconnecting`, :class:`Reconnected`,
                                                       :class:`Ready`, :class:`SessionRefreshed`,
                                                       :class:`HandlerError`, :class:`ProtocolErrorEvent`
=====================================================  ============================================

Every other ``Envelope`` variant is a raw event (:mod:`mezon_trio.raw`).  A typed event is made
from the wire payload in the subscriber's task, when it receives it; the chat message inside
``MessageCreated`` decodes its content and lists on first access.

**Event names** (:class:`Events`, compat): every server push is an ``Envelope`` whose one set
``message`` variant names the event (docs/protocol.md §9.1).  :class:`Events` names all 99
variants by their field name, keeping the member names of the official SDK
(``Events.CHANNEL_MESSAGE``, ``Events.TOKEN_SEND``...; §9.3), plus the client's lifecycle and
error names.  Subscribing by name yields the payloads (the generated message of that field,
except ``channel_message``: a :class:`mezon_trio.models.Message`; :data:`PAYLOAD_TYPES`) or
:class:`Event` records for several names.

Overflow policies (:data:`Overflow`) are documented in :mod:`mezon_trio._streams` and repeated here:

* ``"close"`` (default for streams): when a subscriber's buffer is full, its subscription ends.
  It first yields every buffered event, then raises :class:`~mezon_trio.errors.StreamOverflow`.
  Nothing is dropped silently.
* ``"drop_oldest"``: the oldest buffered event makes room for the new one; counted in ``dropped``.
* ``"drop_newest"``: the new event is discarded; counted in ``dropped`` (default for ``on()`` handlers,
  which also log a warning and report a :class:`HandlerError`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ._events.base import BaseEvent, HandlerDecorator, Selector
from ._events.directory import (
    ChannelCreated,
    ChannelDeleted,
    ChannelUpdated,
    ClanEventCreated,
    Notification,
    RoleAssigned,
    RoleChanged,
    UserAddedToChannel,
    UserAddedToClan,
    UserRemovedFromChannel,
    UserRemovedFromClan,
)
from ._events.interactions import (
    JSON,
    ButtonClicked,
    CoffeeGiven,
    DropdownSelected,
    FormSubmitted,
    QuickMenuAction,
    TokensReceived,
)
from ._events.lifecycle import (
    Connected,
    Disconnected,
    HandlerError,
    ProtocolErrorEvent,
    Ready,
    Reconnected,
    Reconnecting,
    SessionRefreshed,
)
from ._events.messages import (
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionAdded,
    ReactionRemoved,
    message_event,
)
from ._events.names import (
    LIFECYCLE_EVENTS,
    VARIANT_FIELD_NUMBERS,
    Event,
    Events,
    HubStatistics,
    Overflow,
    SubscriptionStatistics,
)
from ._events.voice import VoiceEnded, VoiceJoined, VoiceLeft, VoiceStarted
from ._models.agent_events import RoomSummaryDone, SessionEnded, SessionStarted
from ._models.message import Message
from ._proto._lazy import LazyMapping
from ._proto.hotcodec import ENVELOPE_VARIANT_CLASSES
from ._subscription import Subscription
from ._waiting import Waiter

__all__ = [
    "JSON",
    "LIFECYCLE_EVENTS",
    "PAYLOAD_TYPES",
    "VARIANT_FIELD_NUMBERS",
    "BaseEvent",
    "ButtonClicked",
    "ChannelCreated",
    "ChannelDeleted",
    "ChannelUpdated",
    "ClanEventCreated",
    "CoffeeGiven",
    "Connected",
    "Disconnected",
    "DropdownSelected",
    "Event",
    "Events",
    "FormSubmitted",
    "HandlerDecorator",
    "HandlerError",
    "HubStatistics",
    "MessageCreated",
    "MessageDeleted",
    "MessageEdited",
    "Notification",
    "Overflow",
    "ProtocolErrorEvent",
    "QuickMenuAction",
    "ReactionAdded",
    "ReactionRemoved",
    "Ready",
    "Reconnected",
    "Reconnecting",
    "RoleAssigned",
    "RoleChanged",
    "Selector",
    "SessionRefreshed",
    "Subscription",
    "SubscriptionStatistics",
    "TokensReceived",
    "UserAddedToChannel",
    "UserAddedToClan",
    "UserRemovedFromChannel",
    "UserRemovedFromClan",
    "VoiceEnded",
    "VoiceJoined",
    "VoiceLeft",
    "VoiceStarted",
    "Waiter",
    "message_event",
]


def _payload_types() -> dict[Events, type[Any]]:
    types: dict[Events, type[Any]] = {Events(name): cls for name, cls in ENVELOPE_VARIANT_CLASSES.items()}
    types[Events.CHANNEL_MESSAGE] = Message
    types[Events.READY] = Ready
    types[Events.CONNECTED] = Connected
    types[Events.DISCONNECTED] = Disconnected
    types[Events.RECONNECTING] = Reconnecting
    types[Events.RECONNECTED] = Reconnected
    types[Events.HANDLER_ERROR] = HandlerError
    types[Events.PROTOCOL_ERROR] = ProtocolErrorEvent
    types[Events.AGENT_SESSION_STARTED] = SessionStarted
    types[Events.AGENT_SESSION_ENDED] = SessionEnded
    types[Events.AGENT_ROOM_SUMMARY_DONE] = RoomSummaryDone
    return types


#: Payload class of every event.
PAYLOAD_TYPES: Mapping[Events, type[Any]] = LazyMapping(_payload_types)  # built on first read
"""Payload class of every event: what a handler or a stream receives for it."""
