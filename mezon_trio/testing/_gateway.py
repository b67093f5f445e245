"""The sandbox's realtime socket (docs/protocol.md §3, §5).

Server side of trio-websocket: every accepted stream (TCP from the listener,
or one end of a memory stream pair in in-memory mode) goes through
:meth:`Gateway.handle_stream`, which wraps it with
``trio_websocket.wrap_server_stream`` (the same server-side
``WebSocketConnection`` that ``serve_websocket`` builds; doing the wrapping
ourselves keeps the raw stream in hand for abrupt drops and lets both modes
share this code), checks the ``token`` query parameter (HTTP 401 on a bad or
expired token), echoes the ``protobuf`` subprotocol when offered, and then
reads frames in one loop per connection.

Replies carry the request's cid and pushes none; unknown variants get
``error{code 1}``, over-long content ``error{code 3}``; ``api_request_event``
is answered with raw 0xFF frames only. Nothing a client sends can crash the
server: undecodable frames get an ``error`` push (cid 0) and the connection
stays open; an unexpected exception is recorded in ``sb.internal_errors``,
answered with ``error{code 0}``, and re-raised when the sandbox closes.
"""

from __future__ import annotations

import contextlib
import logging
import math
import socket
import struct
from collections.abc import Awaitable, Callable
from typing import Any, Final
from urllib.parse import parse_qsl, urlsplit

import betterproto2
import trio
import trio_websocket

from .._proto.mezon import realtime as rt
from .._protocol.api_index import API_INDEX, API_METHODS
from .._protocol.frames import encode_raw_frames
from ..errors import ProtocolError
from . import _rpc, _wire
from ._core import Connection, OpError, SandboxCore

__all__ = ["Gateway"]

log = logging.getLogger("mezon_trio.testing.gateway")

HANDSHAKE_TIMEOUT: Final = 10.0
CLOSE_TIMEOUT: Final = 1.0
MESSAGE_QUEUE_SIZE: Final = 32

# A reply: (variant, message) -> one Envelope with the request's cid; list[bytes] -> raw frames
Reply = tuple[str, betterproto2.Message] | list[bytes] | None
Handler = Callable[["Gateway", Connection, int, Any], Awaitable[Reply]]
_HANDLERS: dict[str, Handler] = {}


def _handles(*variants: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        for variant in variants:
            _HANDLERS[variant] = fn
        return fn

    return register


def _expected_disconnect(exc: BaseException) -> bool:
    """True for the ways a peer can vanish (not a sandbox bug)."""
    if isinstance(exc, BaseExceptionGroup):
        return all(_expected_disconnect(e) for e in exc.exceptions)
    return isinstance(
        exc,
        trio_websocket.ConnectionClosed
        | trio_websocket.HandshakeError
        | trio.BrokenResourceError
        | trio.ClosedResourceError
        | ConnectionError,
    )


class Gateway:
    """Serves WebSocket connections for one :class:`SandboxCore`."""

    def __init__(self, core: SandboxCore) -> None:
        self.core = core

    # ------------------------------------------------------------------ connection lifecycle

    async def handle_stream(self, stream: trio.abc.Stream) -> None:
        """Serve one client stream until it closes. Never raises except Cancelled."""
        try:
            async with trio.open_nursery() as nursery:
                try:
                    await self._serve(nursery, stream)
                finally:
                    nursery.cancel_scope.cancel()
        except Exception as exc:
            if not _expected_disconnect(exc):
                self.core.report_internal_error(exc)
        finally:
            with trio.CancelScope(shield=True):
                await trio.aclose_forcefully(stream)

    async def _serve(self, nursery: trio.Nursery, stream: trio.abc.Stream) -> None:
        core = self.core
        accepted = None
        with trio.move_on_after(HANDSHAKE_TIMEOUT):
            accepted = await self._handshake(nursery, stream)
        if accepted is None:  # rejected, or the handshake timed out
            return
        ws, user_id, query = accepted
        conn = core.new_connection(ws, stream, user_id, query)
        conn.nursery = nursery
        core.recorder.add(user_id, "ws", "connect", 0, query)
        try:
            with conn.scope:
                await self._read_loop(conn)
        finally:
            core.remove_connection(conn)
            await self._close(conn)

    async def _handshake(
        self, nursery: trio.Nursery, stream: trio.abc.Stream
    ) -> tuple[trio_websocket.WebSocketConnection, int, dict[str, str]] | None:
        core = self.core
        request = await trio_websocket.wrap_server_stream(
            nursery,
            stream,
            message_queue_size=MESSAGE_QUEUE_SIZE,
            max_message_size=core.faults.max_frame_size,
        )
        url = urlsplit(request.path)
        query = _redact(dict(parse_qsl(url.query, keep_blank_values=True)))
        if not url.path.rstrip("/").endswith("/ws"):
            core.recorder.add(0, "ws", "connect_rejected", 0, {"path": url.path, **query})
            await request.reject(404, body=b'{"code":5,"message":"not found"}')
            return None
        token = dict(parse_qsl(url.query, keep_blank_values=True)).get("token", "")
        user = core.user_for_token(token)
        if user is None:
            core.recorder.add(0, "ws", "connect_rejected", 0, {"path": url.path, **query})
            await request.reject(401, body=b'{"code":16,"message":"invalid or expired session token"}')
            return None
        if core.refuses_socket(user.id):  # held offline by a test or the console
            core.recorder.add(user.id, "ws", "connect_refused", 0, query)
            await request.reject(503, body=b'{"code":14,"message":"held offline by the sandbox"}')
            return None
        subprotocol = "protobuf" if "protobuf" in request.proposed_subprotocols else None
        ws = await request.accept(subprotocol=subprotocol)
        return ws, user.id, query

    async def _close(self, conn: Connection) -> None:
        with trio.CancelScope(shield=True), trio.move_on_after(CLOSE_TIMEOUT):
            request = conn.close_request
            if request is not None and request[0] is None:
                _set_linger_zero(conn.stream)  # abrupt: RST on TCP, EOF in memory
                await trio.aclose_forcefully(conn.stream)
                return
            code, reason = request if request is not None else (1000, "")
            await conn.ws.aclose(code or 1000, reason or None)

    async def _read_loop(self, conn: Connection) -> None:
        ws = conn.ws
        while True:
            idle = self.core.faults.idle_timeout
            with trio.move_on_after(math.inf if idle is None else idle) as idle_scope:
                try:
                    data = await ws.get_message()
                except trio_websocket.ConnectionClosed:
                    return
            if idle_scope.cancelled_caught:
                if conn.close_request is None:
                    conn.close_request = (1000, "idle timeout")
                return
            await self._handle_frame(conn, data)

    # ------------------------------------------------------------------ frames

    async def _handle_frame(self, conn: Connection, data: bytes | str) -> None:
        core = self.core
        rec = core.recorder
        if isinstance(data, str):
            rec.add(conn.user_id, "ws", "text", 0, data)
            await self._error(
                conn, 0, 1, "text frames are not supported; send binary Envelopes (format=protobuf)"
            )
            return
        try:
            cid, variant, inner = _wire.split_envelope(data)
        except ProtocolError as exc:
            rec.add(conn.user_id, "ws", "garbage", 0, data)
            await self._error(conn, 0, 1, f"could not decode Envelope: {exc}")
            return
        if variant is None:
            rec.add(conn.user_id, "ws", "unknown", cid, data)
            await self._error(conn, cid, 1, "unrecognized payload")
            return
        try:
            message = _wire.VARIANT_CLASSES[variant].parse(inner)
        except Exception:
            rec.add(conn.user_id, "ws", "garbage", cid, data)
            await self._error(conn, cid, 1, f"could not decode {variant} payload")
            return
        rec.add(conn.user_id, "ws", variant, cid, message)
        faults = core.faults
        if faults.rate_limits and variant != "ping":
            wait = conn.bucket.take(trio.current_time(), faults.ws_frames_per_second, faults.ws_burst)
            if wait > 0:
                await self._error(conn, cid, 3, "rate limited", {"retry_after": f"{wait:.3f}"})
                return
        injected = faults.take_failure(variant)
        if injected is not None:
            await self._reply(conn, variant, [_wire.encode("error", injected.to_rt(), cid)])
            return
        handler = _HANDLERS.get(variant)
        if handler is None:
            await self._error(conn, cid, 1, f"unrecognized payload: {variant} is not a request")
            return
        try:
            core.check_stream_mode(message)
            reply = await handler(self, conn, cid, message)
        except OpError as exc:
            await self._reply(conn, variant, [_wire.encode("error", exc.to_rt(), cid)])
            return
        except Exception as exc:
            core.report_internal_error(exc)
            await self._error(conn, cid, 0, f"internal error: {type(exc).__name__}")
            return
        if reply is None:
            return
        if isinstance(reply, list):
            await self._reply(conn, variant, reply)
        else:
            await self._reply(conn, variant, [_wire.encode(reply[0], reply[1], cid)])

    async def _error(
        self, conn: Connection, cid: int, code: int, message: str, context: dict[str, str] | None = None
    ) -> None:
        error = rt.Error(code=code, message=message, context=context or {})
        await conn.send(_wire.encode("error", error, cid))

    async def _reply(self, conn: Connection, key: str, frames: list[bytes]) -> None:
        faults = self.core.faults
        if key in faults.drop_replies:
            return
        delay = faults.reply_delay
        if delay > 0 and conn.nursery is not None:
            conn.nursery.start_soon(self._send_later, conn, frames, delay)
            return
        for frame in frames:
            await conn.send(frame)

    @staticmethod
    async def _send_later(conn: Connection, frames: list[bytes], delay: float) -> None:
        await trio.sleep(delay)
        for frame in frames:
            await conn.send(frame)

    # ------------------------------------------------------------------ handlers

    @_handles("ping")
    async def _ping(self, conn: Connection, cid: int, msg: rt.Ping) -> Reply:
        return ("pong", rt.Pong()) if self.core.faults.answer_pings else None

    @_handles("clan_join")
    async def _clan_join(self, conn: Connection, cid: int, msg: rt.ClanJoin) -> Reply:
        if msg.clan_id and msg.clan_id not in self.core.state.clans:
            raise OpError(404, f"clan {msg.clan_id} not found")
        conn.clans.add(msg.clan_id)
        return ("clan_join", msg)

    @_handles("channel_join")
    async def _channel_join(self, conn: Connection, cid: int, msg: rt.ChannelJoin) -> Reply:
        core = self.core
        channel = core.channel(msg.channel_id)
        if not core.state.can_access(conn.user_id, channel):
            raise OpError(403, f"no access to channel {msg.channel_id}")
        conn.channels.add(channel.id)
        user = core.state.users[conn.user_id]
        me = rt.UserPresence(user_id=user.id, session_id=conn.session_id, username=user.username)
        clan = core.state.clans.get(channel.clan_id)
        return (
            "channel",
            rt.Channel(
                id=channel.id,
                presences=[me],
                self=me,
                chanel_label=channel.label,
                clan_logo=clan.logo if clan else "",
                category_name=channel.category_name,
            ),
        )

    @_handles("channel_leave")
    async def _channel_leave(self, conn: Connection, cid: int, msg: rt.ChannelLeave) -> Reply:
        conn.channels.discard(msg.channel_id)
        return ("channel_leave", msg)

    @_handles("channel_message_send")
    async def _send(self, conn: Connection, cid: int, msg: rt.ChannelMessageSend) -> Reply:
        _, ack = await self.core.send_message(conn.user_id, msg)
        return ("channel_message_ack", ack)

    @_handles("channel_message_update")
    async def _update(self, conn: Connection, cid: int, msg: rt.ChannelMessageUpdate) -> Reply:
        return ("channel_message_ack", await self.core.update_message(conn.user_id, msg))

    @_handles("channel_message_remove")
    async def _remove(self, conn: Connection, cid: int, msg: rt.ChannelMessageRemove) -> Reply:
        return ("channel_message_ack", await self.core.delete_message(conn.user_id, msg))

    @_handles("message_reaction_event")
    async def _react(self, conn: Connection, cid: int, msg: Any) -> Reply:
        return ("message_reaction_event", await self.core.react(conn.user_id, msg))

    @_handles("ephemeral_message_send")
    async def _ephemeral(self, conn: Connection, cid: int, msg: rt.EphemeralMessageSend) -> Reply:
        return ("channel_message", await self.core.ephemeral(conn.user_id, msg))

    @_handles("message_typing_event")
    async def _typing(self, conn: Connection, cid: int, msg: rt.MessageTypingEvent) -> Reply:
        return ("message_typing_event", await self.core.typing(conn.user_id, msg))

    @_handles("last_seen_message_event")
    async def _seen(self, conn: Connection, cid: int, msg: rt.LastSeenMessageEvent) -> Reply:
        return ("last_seen_message_event", await self.core.last_seen(conn.user_id, msg))

    @_handles("last_pin_message_event")
    async def _pin(self, conn: Connection, cid: int, msg: rt.LastPinMessageEvent) -> Reply:
        return ("last_pin_message_event", await self.core.pin(conn.user_id, msg))

    @_handles("custom_status_event")
    async def _custom_status(self, conn: Connection, cid: int, msg: rt.CustomStatusEvent) -> Reply:
        return ("custom_status_event", await self.core.custom_status(conn.user_id, msg))

    @_handles("status_update")
    async def _status_update(self, conn: Connection, cid: int, msg: rt.StatusUpdate) -> Reply:
        return ("status_update", msg)

    @_handles("status_follow")
    async def _follow(self, conn: Connection, cid: int, msg: rt.StatusFollow) -> Reply:
        core = self.core
        ids = set(msg.user_ids)
        for name in msg.usernames:
            user = core.state.user_by_username(name)
            if user is not None:
                ids.add(user.id)
        core.follows.setdefault(conn.user_id, set()).update(ids)
        presences = [
            rt.UserPresence(
                user_id=c.user_id, session_id=c.session_id, username=core.state.name_of(c.user_id)
            )
            for c in core.connections
            if c.user_id in ids
        ]
        return ("status", rt.Status(presences=presences))

    @_handles("status_unfollow")
    async def _unfollow(self, conn: Connection, cid: int, msg: rt.StatusUnfollow) -> Reply:
        self.core.follows.get(conn.user_id, set()).difference_update(msg.user_ids)
        return ("status_unfollow", msg)

    @_handles("voice_joined_event", "voice_leaved_event")
    async def _voice(self, conn: Connection, cid: int, msg: Any) -> Reply:
        variant = "voice_joined_event" if isinstance(msg, rt.VoiceJoinedEvent) else "voice_leaved_event"
        return (variant, await self.core.voice(conn.user_id, variant, msg))

    @_handles("check_name_existed_event")
    async def _check_name(self, conn: Connection, cid: int, msg: rt.CheckNameExistedEvent) -> Reply:
        st = self.core.state
        name = msg.name.casefold()
        exist = any(
            c.label.casefold() == name
            for c in st.channels.values()
            if not msg.clan_id or c.clan_id == msg.clan_id
        )
        exist = exist or any(c.name.casefold() == name for c in st.clans.values())
        return (
            "check_name_existed_event",
            rt.CheckNameExistedEvent(
                name=msg.name, condition_id=msg.condition_id, exist=exist, type=msg.type, clan_id=msg.clan_id
            ),
        )

    @_handles("message_button_clicked", "dropdown_box_selected")
    async def _interaction(self, conn: Connection, cid: int, msg: Any) -> Reply:
        variant = (
            "message_button_clicked" if isinstance(msg, rt.MessageButtonClicked) else "dropdown_box_selected"
        )
        return (variant, await self.core.interaction(conn.user_id, variant, msg))

    @_handles("api_request_event")
    async def _bridge(self, conn: Connection, cid: int, msg: rt.ApiRequestEvent) -> Reply:
        name = msg.api_name
        if not name and 0 <= msg.api_index < len(API_METHODS):
            name = API_METHODS[msg.api_index]
        if msg.api_index and API_INDEX.get(name) != msg.api_index:
            log.warning(
                "api_request_event: api_index %d does not match api_name %r; using the name",
                msg.api_index,
                name,
            )
        outcome = await _rpc.invoke(self.core, conn.user_id, name, msg.body, transport="ws")
        faults = self.core.faults
        status = outcome.status if outcome.status != 200 else 0
        payload = outcome.body if status == 0 else bytes(outcome.error_rt())
        frames = encode_raw_frames(cid, payload, status=min(status, 0xFFFF), chunk_size=faults.chunk_size)
        if name in faults.drop_replies:
            return None
        return frames


def _redact(query: dict[str, str]) -> dict[str, str]:
    return {k: ("***" if k == "token" else v) for k, v in query.items()}


def _set_linger_zero(stream: trio.abc.Stream) -> None:
    """Make the next close of a TCP stream send RST (an abrupt network drop)."""
    sock = getattr(stream, "socket", None)
    if sock is None:
        return
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
