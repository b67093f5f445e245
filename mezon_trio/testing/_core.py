"""The sandbox's server logic shared by every transport.

:class:`SandboxCore` owns the state, sessions, live socket connections and the
domain operations (send/edit/delete/react, membership changes, friends,
transfers). Each operation updates the state and generates exactly the pushes a
real server would; the socket gateway, the RPC table and the scripting API all
call these same methods, so a message posted over HTTP, over the socket or from
a test is indistinguishable for the receivers.

Pushes are encoded once (:mod:`._wire`) and the same bytes are written to every
recipient connection, one after the other (a slow reader applies backpressure
to the sender: nothing is buffered without bound).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import math
import secrets
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

import betterproto2
import trio
import trio_websocket

from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import ChannelStreamMode
from .._protocol.snowflake import SnowflakeGenerator
from . import _social, _wire
from ._conn import Connection as Connection
from ._conn import OpError as OpError
from ._conn import now_s as now_s
from ._conn import utf16_len as utf16_len
from ._faults import Faults, TokenBucket
from ._features import FeatureState
from ._feed import Feed
from ._jwt import decode_jwt, encode_jwt
from ._recorder import Recorder
from ._state import Channel, SandboxState, User

if TYPE_CHECKING:
    from ._chain import FakeChain

__all__ = ["Connection", "OpError", "SandboxCore", "utf16_len"]

log = logging.getLogger("mezon_trio.testing")

MAX_CONTENT_UTF16: Final = 4000
_STREAM_MODES: Final = frozenset(int(m) for m in ChannelStreamMode)
_EPHEMERAL_CODES: Final = frozenset({12, 14, 15})


class SandboxCore:
    """State + sessions + connections + operations. One per sandbox."""

    def __init__(
        self,
        *,
        state: SandboxState,
        faults: Faults,
        ids: SnowflakeGenerator,
        token_ttl: float = 3600.0,
        bare_ws_url: bool = False,
        echo_own_messages: bool = False,
    ) -> None:
        self.state = state
        self.faults = faults
        self.ids = ids
        self.token_ttl = token_ttl
        self.bare_ws_url = bare_ws_url
        self.echo_own_messages = echo_own_messages
        self.feed = Feed()
        self.recorder = Recorder(listener=self.feed.note_received)
        self.host = "127.0.0.1"
        self.http_port = 0
        self.ws_port = 0
        self.chain: FakeChain | None = None
        self.internal_errors: list[BaseException] = []
        self._jwt_key = secrets.token_bytes(32)
        self._revoked: set[str] = set()
        self._id_tokens: dict[str, int] = {}
        self.connections: list[Connection] = []
        self._conn_counter = 0
        self._conn_changed = trio.Event()
        self._api_buckets: dict[int, TokenBucket] = {}
        self._ephemeral: dict[int, tuple[int, list[int]]] = {}  # id -> (channel id, receivers)
        self.follows: dict[int, set[int]] = {}
        self.held_offline: dict[int, float] = {}  # user id -> until (trio time): timed holds
        self.features = FeatureState()  # uploads, agent streams, media plays, polls

    # ------------------------------------------------------------------ urls

    @property
    def http_url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self.host}:{self.ws_port}"

    # ------------------------------------------------------------------ sessions

    def issue_session(self, user_id: int) -> api.Session:
        """A fresh session (token, refresh token, id token) for *user_id*."""
        user = self.state.users[user_id]
        now = time.time()
        sid = secrets.token_hex(8)
        exp = math.ceil(now + self.token_ttl)
        token = encode_jwt(
            {"tid": sid, "uid": user.id, "usn": user.username, "vrs": {}, "exp": exp, "typ": "access"},
            self._jwt_key,
        )
        refresh = encode_jwt(
            {
                "tid": sid,
                "uid": user.id,
                "usn": user.username,
                "exp": math.ceil(now + max(self.token_ttl, 7 * 86400)),
                "typ": "refresh",
            },
            self._jwt_key,
        )
        id_token = encode_jwt(
            {
                "sub": str(user.id),
                "uid": user.id,
                "exp": math.ceil(now + max(self.token_ttl, 86400)),
                "typ": "id",
                "nonce": secrets.token_hex(4),
            },
            self._jwt_key,
        )
        self._id_tokens[id_token] = user.id
        ws_url = f"{self.host}:{self.ws_port}" if self.bare_ws_url else self.ws_url
        return api.Session(
            created=False,
            token=token,
            refresh_token=refresh,
            user_id=user.id,
            api_url=self.http_url,
            id_token=id_token,
            ws_url=ws_url,
            session_id=sid,
        )

    def _claims(self, token: str, typ: str) -> dict[str, Any] | None:
        if not token or token in self._revoked:
            return None
        claims = decode_jwt(token, self._jwt_key, now=time.time())
        if claims is None or claims.get("typ") != typ:
            return None
        uid = claims.get("uid")
        if not isinstance(uid, int) or uid not in self.state.users:
            return None
        return claims

    def user_for_token(self, token: str) -> User | None:
        """The user of a valid, unexpired, unrevoked session token."""
        claims = self._claims(token, "access")
        return None if claims is None else self.state.users[claims["uid"]]

    def user_for_refresh_token(self, token: str) -> User | None:
        claims = self._claims(token, "refresh")
        return None if claims is None else self.state.users[claims["uid"]]

    def id_token_owner(self, id_token: str) -> int | None:
        """User id an ``id_token`` issued by this sandbox belongs to (None if unknown/expired)."""
        uid = self._id_tokens.get(id_token)
        if uid is None or decode_jwt(id_token, self._jwt_key, now=time.time()) is None:
            return None
        return uid

    def revoke(self, *tokens: str) -> None:
        self._revoked.update(t for t in tokens if t)

    # ------------------------------------------------------------------ rate limits

    def api_budget(self, user_id: int) -> float:
        """0.0 if an RPC may proceed, else seconds to wait (only with ``faults.rate_limits``)."""
        f = self.faults
        if not f.rate_limits:
            return 0.0
        bucket = self._api_buckets.setdefault(user_id, TokenBucket())
        return bucket.take(trio.current_time(), f.api_requests_per_second, f.api_burst)

    # ------------------------------------------------------------------ connections

    def new_connection(
        self,
        ws: trio_websocket.WebSocketConnection,
        stream: trio.abc.Stream,
        user_id: int,
        query: dict[str, str],
    ) -> Connection:
        self._conn_counter += 1
        conn = Connection(self, ws, stream, user_id, conn_id=self._conn_counter, query=query)
        self.connections.append(conn)
        self._notify_connections()
        return conn

    def remove_connection(self, conn: Connection) -> None:
        conn.closed = True
        if conn in self.connections:
            self.connections.remove(conn)
            self._notify_connections()

    def _notify_connections(self) -> None:
        self.feed.note("presence")
        self._conn_changed.set()
        self._conn_changed = trio.Event()

    def user_conns(self, user_id: int) -> list[Connection]:
        return [c for c in self.connections if c.user_id == user_id]

    def connection_count(self, user_id: int | None = None) -> int:
        if user_id is None:
            return len(self.connections)
        return sum(1 for c in self.connections if c.user_id == user_id)

    async def wait_connected(self, user_id: int | None, count: int = 1) -> None:
        while self.connection_count(user_id) < count:
            await self._conn_changed.wait()

    async def wait_disconnected(self, user_id: int | None = None) -> None:
        while self.connection_count(user_id):
            await self._conn_changed.wait()

    def refuses_socket(self, user_id: int) -> bool:
        """Whether *user_id* is held offline (see ``Sandbox.hold_offline``)."""
        if user_id in self.faults.offline_users:
            return True
        until = self.held_offline.get(user_id)
        if until is None:
            return False
        if trio.current_time() < until:
            return True
        del self.held_offline[user_id]
        return False

    def online(self, user_id: int) -> bool:
        return any(c.user_id == user_id for c in self.connections)

    def channel_conns(
        self, channel: Channel, *, exclude_user: int | None = None, only: Iterable[int] | None = None
    ) -> list[Connection]:
        """Connections that receive this channel's traffic (subscribed and allowed)."""
        allowed = set(only) if only is not None else None
        out = []
        for c in self.connections:
            if c.user_id == exclude_user or (allowed is not None and c.user_id not in allowed):
                continue
            if c.sees_channel(channel) and self.state.can_access(c.user_id, channel):
                out.append(c)
        return out

    def clan_conns(self, clan_id: int, *, exclude_user: int | None = None) -> list[Connection]:
        return [
            c
            for c in self.connections
            if c.user_id != exclude_user
            and clan_id in c.clans
            and self.state.is_clan_member(c.user_id, clan_id)
        ]

    async def send_to(self, data: bytes | str, conns: Iterable[Connection]) -> int:
        """Write the same frame to each connection; returns how many got it."""
        sent = 0
        for conn in conns:
            if await conn.send(data):
                sent += 1
        return sent

    async def push(self, variant: str, message: betterproto2.Message, conns: Iterable[Connection]) -> int:
        """Encode a push (no cid) once and write it to *conns* (and note it in the feed)."""
        if self.feed.enabled:
            conns = list(conns)
            self.feed.note("push", variant, 0, message, targets=tuple({c.user_id: 0 for c in conns}))
        return await self.send_to(_wire.encode(variant, message), conns)

    async def push_users(self, variant: str, message: betterproto2.Message, user_ids: Iterable[int]) -> int:
        """Push to every connection of these users (user-level events, no subscription needed)."""
        wanted = set(user_ids)
        return await self.push(variant, message, [c for c in self.connections if c.user_id in wanted])

    def reset_ephemeral(self) -> None:
        self._ephemeral.clear()

    def ephemeral_receivers(self, message_id: int) -> list[int]:
        known = self._ephemeral.get(message_id)
        return list(known[1]) if known else []

    def report_internal_error(self, exc: BaseException) -> None:
        log.error("sandbox internal error", exc_info=exc)
        self.internal_errors.append(exc)

    # ------------------------------------------------------------------ helpers

    def _own_excluded(self, user_id: int) -> int | None:
        return None if self.echo_own_messages else user_id

    def channel(self, channel_id: int) -> Channel:
        channel = self.state.channels.get(channel_id)
        if channel is None:
            raise OpError(404, f"channel {channel_id} not found")
        return channel

    def accessible_channel(self, user_id: int, channel_id: int) -> Channel:
        channel = self.channel(channel_id)
        if not self.state.can_access(user_id, channel):
            raise OpError(403, "Must join channel before sending messages")
        return channel

    @staticmethod
    def check_stream_mode(request: object) -> None:
        """Refuse a socket request whose ``mode`` is not a stream mode (0, unset, is filled in)."""
        for part in (request, getattr(request, "message", None)):  # ephemeral sends wrap theirs
            mode = getattr(part, "mode", None)
            if isinstance(mode, int) and mode and mode not in _STREAM_MODES:
                raise OpError(400, f"invalid stream mode {mode} (2 channel, 3 group, 4 DM, 5 clan, 6 thread)")

    @staticmethod
    def check_content(content: str) -> None:
        if utf16_len(content) > MAX_CONTENT_UTF16:
            raise OpError(400, f"content longer than {MAX_CONTENT_UTF16} UTF-16 code units")
        try:
            parsed = json.loads(content)
        except ValueError:
            raise OpError(400, "content is not valid JSON") from None
        if not isinstance(parsed, dict):
            raise OpError(400, "content is not a JSON object")

    def _clan_bits(self, channel: Channel, user_id: int) -> tuple[str, str, str, str]:
        """(clan_logo, clan_nick, clan_avatar, category_name) for messages in *channel*."""
        clan = self.state.clans.get(channel.clan_id)
        if clan is None:
            return "", "", "", channel.category_name
        member = clan.members.get(user_id)
        nick, avatar = (member.clan_nick, member.clan_avatar) if member else ("", "")
        return clan.logo, nick, avatar, channel.category_name

    def build_message(
        self,
        user: User,
        channel: Channel,
        send: rt.ChannelMessageSend,
        *,
        message_id: int,
        now: int,
    ) -> api.ChannelMessage:
        logo, nick, clan_avatar, category = self._clan_bits(channel, user.id)
        return api.ChannelMessage(
            clan_id=channel.clan_id,
            channel_id=channel.id,
            message_id=message_id,
            code=send.code,
            sender_id=user.id,
            username=user.username,
            avatar=send.avatar or user.avatar,
            content=send.content,
            channel_label=channel.label,
            clan_logo=logo,
            category_name=category,
            display_name=user.display_name,
            clan_nick=nick,
            clan_avatar=clan_avatar,
            mentions=bytes(api.MessageMentionList(mentions=list(send.mentions))) if send.mentions else b"",
            attachments=(
                bytes(api.MessageAttachmentList(attachments=list(send.attachments)))
                if send.attachments
                else b""
            ),
            references=bytes(api.MessageRefList(refs=list(send.references))) if send.references else b"",
            create_time_seconds=now,
            update_time_seconds=now,
            mode=channel.mode,
            is_public=channel.is_public,
            topic_id=send.topic_id,
        )

    def _user(self, user_id: int) -> User:
        user = self.state.users.get(user_id)
        if user is None:
            raise OpError(404, f"user {user_id} not found")
        return user

    # ------------------------------------------------------------------ messages

    async def send_message(
        self, user_id: int, send: rt.ChannelMessageSend
    ) -> tuple[api.ChannelMessage, rt.ChannelMessageAck]:
        """Post a message: store it, push ``channel_message`` to the other members, return (message, ack).

        Raises:
            OpError: unknown channel (404), no access (403, "Must join channel
                before sending messages"), content too long or not a JSON object (400).
        """
        user = self._user(user_id)
        channel = self.accessible_channel(user_id, send.channel_id)
        self.check_content(send.content)
        now = now_s()
        message = self.build_message(user, channel, send, message_id=self.ids.next(), now=now)
        if message.code not in _EPHEMERAL_CODES:
            self.state._add_message(message)
        logo, _, _, category = self._clan_bits(channel, user_id)
        ack = rt.ChannelMessageAck(
            channel_id=channel.id,
            message_id=message.message_id,
            code=message.code,
            username=user.username,
            create_time_seconds=now,
            update_time_seconds=now,
            persistent=True,
            clan_logo=logo,
            category_name=category,
        )
        await self.push(
            "channel_message", message, self.channel_conns(channel, exclude_user=self._own_excluded(user_id))
        )
        return message, ack

    def _editable(self, user_id: int, message_id: int, *, delete: bool) -> tuple[api.ChannelMessage, Channel]:
        message = self.state._find_message(message_id)
        if message is None:
            raise OpError(404, f"message {message_id} not found")
        channel = self.channel(message.channel_id)
        allowed = message.sender_id == user_id
        if delete and not allowed:
            clan = self.state.clans.get(channel.clan_id)
            allowed = clan is not None and clan.creator_id == user_id
        if not allowed:
            raise OpError(403, "only the author can change this message")
        return message, channel

    async def update_message(self, user_id: int, upd: rt.ChannelMessageUpdate) -> rt.ChannelMessageAck:
        """Edit a message; push it as ``channel_message`` with code 1. Returns the (code 1) ack.

        Raises:
            OpError: unknown message (404), not the author (403), bad content (400).
        """
        message, channel = self._editable(user_id, upd.message_id, delete=False)
        self.check_content(upd.content)
        now = now_s()
        message.content = upd.content
        message.mentions = bytes(api.MessageMentionList(mentions=list(upd.mentions))) if upd.mentions else b""
        if upd.attachments:
            message.attachments = bytes(api.MessageAttachmentList(attachments=list(upd.attachments)))
        message.hide_editted = upd.hide_editted
        message.update_time_seconds = now
        if upd.is_update_msg_topic and upd.topic_id:
            message.topic_id = upd.topic_id
        pushed = dataclasses.replace(message, code=1)
        await self.push(
            "channel_message", pushed, self.channel_conns(channel, exclude_user=self._own_excluded(user_id))
        )
        return rt.ChannelMessageAck(
            channel_id=channel.id,
            message_id=message.message_id,
            code=1,
            username=self.state.name_of(user_id),
            create_time_seconds=message.create_time_seconds,
            update_time_seconds=now,
            persistent=True,
        )

    async def delete_message(self, user_id: int, rm: rt.ChannelMessageRemove) -> rt.ChannelMessageAck:
        """Delete a message; push it as ``channel_message`` with code 2. Returns the (code 2) ack.

        Raises:
            OpError: unknown message (404), neither author nor clan owner (403).
        """
        message, channel = self._editable(user_id, rm.message_id, delete=True)
        self.state._remove_message(message.message_id)
        now = now_s()
        pushed = dataclasses.replace(message, code=2, update_time_seconds=now)
        await self.push(
            "channel_message", pushed, self.channel_conns(channel, exclude_user=self._own_excluded(user_id))
        )
        return rt.ChannelMessageAck(
            channel_id=channel.id,
            message_id=message.message_id,
            code=2,
            username=self.state.name_of(user_id),
            create_time_seconds=message.create_time_seconds,
            update_time_seconds=now,
            persistent=True,
        )

    async def react(self, user_id: int, reaction: api.MessageReaction) -> api.MessageReaction:
        """Add (``action`` false) or remove (true) a reaction; push it to the channel; return it filled.

        Raises:
            OpError: unknown message (404) or channel without access (403).
        """
        user = self._user(user_id)
        message = self.state._find_message(reaction.message_id)
        if message is None:
            raise OpError(404, f"message {reaction.message_id} not found")
        channel = self.accessible_channel(user_id, message.channel_id)
        filled = dataclasses.replace(
            reaction,
            id=reaction.id or self.ids.next(),
            sender_id=user.id,
            sender_name=user.username,
            sender_avatar=reaction.sender_avatar or user.avatar,
            channel_id=channel.id,
            clan_id=channel.clan_id,
            mode=channel.mode,
            is_public=channel.is_public,
            message_sender_id=message.sender_id,
            count=reaction.count or 1,
        )
        existing = (
            list(api.MessageReactionList.parse(message.reactions).reactions) if message.reactions else []
        )
        if reaction.action:
            existing = [
                r
                for r in existing
                if not (
                    r.sender_id == user.id
                    and (
                        r.id == reaction.id or (r.emoji == reaction.emoji and r.emoji_id == reaction.emoji_id)
                    )
                )
            ]
        else:
            existing.append(dataclasses.replace(filled))
        message.reactions = bytes(api.MessageReactionList(reactions=existing)) if existing else b""
        await self.push(
            "message_reaction_event",
            filled,
            self.channel_conns(channel, exclude_user=self._own_excluded(user_id)),
        )
        return filled

    async def ephemeral(self, user_id: int, eph: rt.EphemeralMessageSend) -> api.ChannelMessage:
        """Send/update/delete an ephemeral message (codes 12/14/15); push only to the receivers.

        Raises:
            OpError: as :meth:`send_message`; missing inner message (400).
        """
        if eph.message is None:
            raise OpError(400, "ephemeral_message_send without message")
        send = eph.message
        user = self._user(user_id)
        channel = self.accessible_channel(user_id, send.channel_id)
        self.check_content(send.content)
        code = send.code or 12
        receivers = list(eph.receiver_ids)
        if code == 12:
            message_id = self.ids.next()
        else:
            message_id = send.id
            if not message_id:
                raise OpError(400, "ephemeral update/delete without message id")
            known = self._ephemeral.get(message_id)
            if not receivers and known is not None:
                receivers = known[1]
        if code == 15:
            self._ephemeral.pop(message_id, None)
        else:
            self._ephemeral[message_id] = (channel.id, receivers)
        message = self.build_message(
            user, channel, dataclasses.replace(send, code=code), message_id=message_id, now=now_s()
        )
        await self.push(
            "channel_message",
            message,
            self.channel_conns(channel, exclude_user=user_id, only=receivers),
        )
        return message

    # ------------------------------------------------------------------ channel events (echo + fan out)

    async def typing(self, user_id: int, ev: rt.MessageTypingEvent) -> rt.MessageTypingEvent:
        user = self._user(user_id)
        channel = self.accessible_channel(user_id, ev.channel_id)
        filled = dataclasses.replace(
            ev,
            clan_id=channel.clan_id,
            sender_id=user.id,
            sender_username=user.username,
            sender_display_name=user.display_name,
            mode=ev.mode or channel.mode,
        )
        await self.push("message_typing_event", filled, self.channel_conns(channel, exclude_user=user_id))
        return filled

    async def last_seen(self, user_id: int, ev: rt.LastSeenMessageEvent) -> rt.LastSeenMessageEvent:
        channel = self.accessible_channel(user_id, ev.channel_id)
        channel.last_seen[user_id] = ev.message_id
        filled = dataclasses.replace(ev, clan_id=channel.clan_id, mode=ev.mode or channel.mode)
        await self.push("last_seen_message_event", filled, self.channel_conns(channel, exclude_user=user_id))
        return filled

    async def pin(self, user_id: int, ev: rt.LastPinMessageEvent) -> rt.LastPinMessageEvent:
        channel = self.accessible_channel(user_id, ev.channel_id)
        message = self.state._find_message(ev.message_id)
        if message is None or message.channel_id != channel.id:
            raise OpError(404, f"message {ev.message_id} not found in channel {channel.id}")
        if ev.operation == 1:
            if message.message_id not in channel.pins:
                channel.pins.append(message.message_id)
        elif message.message_id in channel.pins:
            channel.pins.remove(message.message_id)
        filled = dataclasses.replace(
            ev,
            clan_id=channel.clan_id,
            mode=ev.mode or channel.mode,
            is_public=channel.is_public,
            user_id=user_id,
            timestamp_seconds=ev.timestamp_seconds or now_s(),
            message_sender_id=str(message.sender_id),
            message_sender_username=message.username,
            message_sender_avatar=message.avatar,
            message_content=message.content,
            message_created_time=str(message.create_time_seconds),
        )
        await self.push("last_pin_message_event", filled, self.channel_conns(channel, exclude_user=user_id))
        return filled

    async def custom_status(self, user_id: int, ev: rt.CustomStatusEvent) -> rt.CustomStatusEvent:
        user = self._user(user_id)
        user.custom_status = ev.status
        filled = dataclasses.replace(ev, user_id=user.id, username=user.username)
        if ev.clan_id:
            conns = self.clan_conns(ev.clan_id, exclude_user=user_id)
        else:
            conns = [
                c
                for c in self.connections
                if c.user_id != user_id and user_id in self.follows.get(c.user_id, ())
            ]
        await self.push("custom_status_event", filled, conns)
        return filled

    async def voice(self, user_id: int, variant: str, ev: Any) -> Any:
        """voice_joined_event / voice_leaved_event: update voice membership, fan out to the clan."""
        if variant == "voice_joined_event":
            channel = self.accessible_channel(user_id, ev.voice_channel_id)
            if user_id not in channel.voice_users:
                channel.voice_users.append(user_id)
            filled = dataclasses.replace(
                ev, user_id=user_id, clan_id=channel.clan_id, id=ev.id or str(self.ids.next())
            )
        else:
            channel = self.accessible_channel(user_id, ev.voice_channel_id)
            target = ev.voice_user_id or user_id
            if target in channel.voice_users:
                channel.voice_users.remove(target)
            filled = dataclasses.replace(ev, voice_user_id=target, clan_id=channel.clan_id)
        await self.push(variant, filled, self.clan_conns(channel.clan_id, exclude_user=user_id))
        return filled

    async def interaction(self, user_id: int, variant: str, ev: Any) -> Any:
        """A user pressed a button / changed a select: push to the message's author."""
        message = self.state._find_message(ev.message_id)
        author = message.sender_id if message is not None else ev.sender_id
        if not author:
            raise OpError(404, f"message {ev.message_id} not found")
        filled = dataclasses.replace(
            ev,
            user_id=user_id,
            sender_id=author,
            channel_id=ev.channel_id or (message.channel_id if message else 0),
        )
        await self.push_users(variant, filled, [author])
        return filled

    # ------------------------------------------------------------------ membership, friends, tokens (_social)

    add_to_clan = _social.add_to_clan
    remove_from_clan = _social.remove_from_clan
    add_to_channel = _social.add_to_channel
    remove_from_channel = _social.remove_from_channel
    create_channel = _social.create_channel
    open_dm = _social.open_dm
    _resolve_users = _social._resolve_users
    add_friends = _social.add_friends
    delete_friends = _social.delete_friends
    block_friends = _social.block_friends
    unblock_friends = _social.unblock_friends
    friend_list = _social.friend_list
    on_chain_transfer = _social.on_chain_transfer
