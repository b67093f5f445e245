"""The inbound path: every server push, from bytes to subscribers (runs in the socket's reader task).

For each push the gateway calls :meth:`Inbound.on_push` with the frame and its Envelope
field number.  The push is skipped unless someone listens or the client needs it itself,
decoded (a generated fast path for chat messages), de-duplicated (a server may re-send
recent pushes after a reconnect, docs/protocol.md §9.1), filtered (the bot's own echoed
messages), turned into the joins the protocol expects (§4.3: channels the bot is added
to, clans it joins, threads that open; queued to one worker task, bounded, overflow
counted) and published to the event hub.  Never blocks, never does I/O.

With catch-up on (``catchup`` set), chat message pushes go through the catch-up engine,
which de-duplicates them per channel, holds them while their channel catches up after a
reconnect, and delivers them with :meth:`Inbound.deliver_message` (see
:mod:`mezon_trio._dispatch.catchup`).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Final, final

import betterproto2
import trio

from .._catchup import CatchUp
from .._connection.core import ConnectionCore
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import THREAD_CHANNEL_TYPE
from .._protocol.hotpath import decode_channel_message_push, decode_push
from ..errors import ClientClosed, ConfigurationError, MezonError, ProtocolError
from ..events import VARIANT_FIELD_NUMBERS, Events, ProtocolErrorEvent

__all__ = ["Inbound"]

log = logging.getLogger("mezon_trio.client")

_KIND_BY_FIELD: Final[dict[int, str]] = {n: k.value for k, n in VARIANT_FIELD_NUMBERS.items()}
_F_REFRESH_SESSION: Final = VARIANT_FIELD_NUMBERS[Events.REFRESH_SESSION_EVENT]
_F_USER_CHANNEL_ADDED: Final = VARIANT_FIELD_NUMBERS[Events.USER_CHANNEL_ADDED]
_F_ADD_CLAN_USER: Final = VARIANT_FIELD_NUMBERS[Events.ADD_CLAN_USER]
_F_CHANNEL_UPDATED: Final = VARIANT_FIELD_NUMBERS[Events.CHANNEL_UPDATED]
_F_CHANNEL_MESSAGE: Final = VARIANT_FIELD_NUMBERS[Events.CHANNEL_MESSAGE]
_CHANNEL_MESSAGE_KIND: Final = Events.CHANNEL_MESSAGE.value
#: channel_message pushes remembered to drop replays (docs/protocol.md §9.1).
_REPLAY_WINDOW: Final = 4096
#: Pushes the client handles itself (decoded even when nobody subscribes).
_INTERNAL_FIELDS: Final = frozenset(
    {_F_REFRESH_SESSION, _F_USER_CHANNEL_ADDED, _F_ADD_CLAN_USER, _F_CHANNEL_UPDATED}
)
_THREAD_CHANNEL_TYPE: Final = THREAD_CHANNEL_TYPE
#: Automatic joins waiting for the worker; more are dropped (counted, logged).
_INTERNAL_QUEUE: Final = 256


@final
class Inbound:
    """Decode, de-duplicate, handle and publish server pushes (see the module docstring)."""

    _core: ConnectionCore
    _make_message: Callable[..., object]
    #: The catch-up engine chat messages go through (None: catch-up off).
    catchup: CatchUp | None = None

    def __init__(self, *, ignore_own_messages: bool) -> None:
        self._ignore_own_messages = ignore_own_messages
        self._internal_send: trio.MemorySendChannel[rt.Envelope] | None = None
        # OrderedDict: popping the oldest of a plain dict rescans its deleted slots (~3 µs a push).
        self._recent_messages: OrderedDict[tuple[int, int, int, int, int], None] = OrderedDict()
        self.pushes_decoded = 0
        self.pushes_skipped = 0
        self.protocol_errors = 0
        self.internal_dropped = 0
        self.duplicates_dropped = 0
        self.own_messages_dropped = 0

    def bind(self, core: ConnectionCore, make_message: Callable[..., object]) -> None:
        """Connect to the client's core and message factory (the gateway needs :meth:`on_push` first)."""
        self._core = core
        self._make_message = make_message

    def on_push(self, data: bytes, field_number: int) -> bool:
        """Called by the reader for each push: skip it, or decode, handle and publish it. Never blocks.

        Returns True when a subscriber fell behind (the reader then yields before the next push).
        """
        self._push(data, field_number)
        return self._core.hub.take_behind()

    def _push(self, data: bytes, field_number: int) -> None:
        internal = field_number in _INTERNAL_FIELDS
        if not internal and field_number not in self._core.hub.wanted_field_numbers():
            self.pushes_skipped += 1
            return
        if field_number == _F_CHANNEL_MESSAGE:
            raw = decode_channel_message_push(data)
            if raw is not None:  # the common case, without an Envelope around the message
                self.pushes_decoded += 1
                if self._is_replay(raw):
                    return
                if self.catchup is not None:
                    self.catchup.push(raw)  # delivered now, held while catching up, or dropped
                    return
                if self._ignore_own_messages and raw.sender_id == self._core.user_id:
                    self.own_messages_dropped += 1
                    return
                try:
                    # Someone listens (wanted_field_numbers), as publish_envelope would check.
                    self._core.hub.publish(_CHANNEL_MESSAGE_KIND, self._make_message(raw))
                except Exception as exc:
                    log.warning("skipped a bad channel_message push (%d bytes): %r", len(data), exc)
                    self.on_protocol_error(
                        ProtocolError(f"could not deliver channel_message: {type(exc).__name__}"), len(data)
                    )
                return
        kind = _KIND_BY_FIELD.get(field_number)
        if kind is None:  # an empty Envelope, or a variant newer than our schema
            self.pushes_skipped += 1
            return
        try:
            envelope = decode_push(data, kind)  # generated fast path for chat messages, checked otherwise
        except ProtocolError as exc:
            log.warning("skipped a bad %s push (%d bytes): %s", kind, len(data), exc)
            self.on_protocol_error(exc, len(data))
            return
        self.pushes_decoded += 1
        if field_number == _F_CHANNEL_MESSAGE:
            message = envelope.channel_message
            if self._is_replay(message):
                return
            if self.catchup is not None and message is not None:
                self.catchup.push(message)
                return
            if self._ignore_own_messages and message is not None and message.sender_id == self._core.user_id:
                self.own_messages_dropped += 1
                return
        if internal:
            self._handle_internal(field_number, envelope)
        try:
            self._core.hub.publish_envelope(envelope, kind=kind)
        except Exception as exc:  # e.g. a Message wrapper refusing a malformed payload
            log.warning("skipped a bad %s push (%d bytes): %r", kind, len(data), exc)
            self.on_protocol_error(
                ProtocolError(f"could not deliver {kind}: {type(exc).__name__}"), len(data)
            )

    def deliver_message(self, raw: api.ChannelMessage, caught_up: bool) -> None:
        """The catch-up engine's delivery of a chat message, live or *caught_up*, to the hub."""
        if self._ignore_own_messages and raw.sender_id == self._core.user_id:
            self.own_messages_dropped += 1
            return
        try:
            self._core.hub.publish(_CHANNEL_MESSAGE_KIND, self._make_message(raw, caught_up=caught_up))
        except Exception as exc:
            log.warning("skipped a bad channel_message (message %d): %r", raw.message_id, exc)
            self.on_protocol_error(
                ProtocolError(f"could not deliver channel_message: {type(exc).__name__}"), 0
            )

    def _is_replay(self, message: api.ChannelMessage | None) -> bool:
        """True for a chat message push already delivered (same id, channel, code, update time, content).

        A server may re-send recent pushes after a reconnect (docs/protocol.md §9.1); edits and
        deletes of a message differ in code, update time or content and still go through.
        The last ``_REPLAY_WINDOW`` pushes are remembered.
        """
        if message is None or not message.message_id:
            return False
        key = (
            message.message_id,
            message.channel_id,
            message.code,
            message.update_time_seconds,
            hash(message.content),
        )
        recent = self._recent_messages
        if key in recent:
            self.duplicates_dropped += 1
            log.debug("dropped a repeated channel_message push (message %d)", message.message_id)
            return True
        recent[key] = None
        if len(recent) > _REPLAY_WINDOW:
            recent.popitem(last=False)
        return False

    def on_protocol_error(self, error: ProtocolError, size: int) -> None:
        self.protocol_errors += 1
        self._core.hub.publish(Events.PROTOCOL_ERROR.value, ProtocolErrorEvent(error=error, frame_size=size))

    def _handle_internal(self, field_number: int, envelope: rt.Envelope) -> None:
        me = self._core.user_id
        if field_number == _F_REFRESH_SESSION:
            if envelope.refresh_session_event is not None:
                self._core.session.adopt(envelope.refresh_session_event)
        elif field_number == _F_USER_CHANNEL_ADDED:
            added = envelope.user_channel_added_event
            if (
                added is not None
                and added.channel_desc is not None
                and any(u.user_id == me for u in added.users)
            ):
                desc = added.channel_desc
                self._queue_internal(
                    rt.Envelope(
                        channel_join=rt.ChannelJoin(
                            clan_id=added.clan_id or desc.clan_id,
                            channel_id=desc.channel_id,
                            channel_type=desc.type,
                            is_public=desc.channel_private == 0,
                        )
                    )
                )
        elif field_number == _F_ADD_CLAN_USER:
            event = envelope.add_clan_user_event
            if event is not None and event.user is not None and event.user.user_id == me:
                if event.clan_id not in self._core.clan_ids:
                    self._core.clan_ids.append(event.clan_id)
                self._queue_internal(rt.Envelope(clan_join=rt.ClanJoin(clan_id=event.clan_id)))
        elif field_number == _F_CHANNEL_UPDATED:
            updated = envelope.channel_updated_event
            if updated is not None and updated.channel_type == _THREAD_CHANNEL_TYPE and updated.status == 1:
                self._queue_internal(
                    rt.Envelope(
                        channel_join=rt.ChannelJoin(
                            clan_id=updated.clan_id,
                            channel_id=updated.channel_id,
                            channel_type=_THREAD_CHANNEL_TYPE,
                            is_public=False,
                        )
                    )
                )

    def _queue_internal(self, envelope: rt.Envelope) -> None:
        send = self._internal_send
        if send is None:
            return
        try:
            send.send_nowait(envelope)
        except (trio.WouldBlock, trio.BrokenResourceError, trio.ClosedResourceError):
            self.internal_dropped += 1
            log.warning("automatic join dropped: internal queue full")

    async def run_internal_joins(
        self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> None:
        """Send the queued automatic joins, one at a time, until the client closes."""
        send, receive = trio.open_memory_channel[rt.Envelope](_INTERNAL_QUEUE)
        self._internal_send = send
        task_status.started()
        async with send, receive:
            async for envelope in receive:
                try:
                    await self._core.gateway.request(envelope)
                except (ClientClosed, ConfigurationError):
                    return
                except MezonError as exc:
                    log.warning(
                        "automatic %s failed: %s", betterproto2.which_one_of(envelope, "message")[0], exc
                    )
