"""``open_sandbox``: run the sandbox inside the caller's task tree, and the
:class:`Sandbox` handle tests use to inspect and script it.

Why these servers: the HTTP side (login, RPCs, MMN, ZK) is an ASGI app on
**hypercorn's trio worker** (``hypercorn.trio.serve`` with a shutdown trigger):
a maintained, standards-complete HTTP/1.1 server that runs natively under trio
(no thread, no asyncio loop), answers ``lifespan``, binds port 0 and reports the
bound address through ``nursery.start``; the same ASGI app runs with no sockets
through ``httpx.ASGITransport``. The WebSocket side is **trio-websocket**
(``wrap_server_stream`` over ``trio.serve_listeners``, i.e. what
``serve_websocket`` does, with the raw stream kept for abrupt drops) on its own
port: it is the stack of the transport ceiling we benchmark against
(PERFORMANCE.md), so a benchmark measures the client, not a different server
library; and it wraps memory streams just as well, which gives the in-memory
mode (for ``autojump_clock`` tests) the exact same server code.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, final

import httpx
import trio
import trio.testing
import trio_websocket

from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._content.wire import JSONInput
from .._events.directory import Notification
from .._events.interactions import ButtonClicked, DropdownSelected, _click, _dropdown
from .._models.proto import (
    attachment_to_proto,
    mention_to_proto,
    reaction_from_proto,
    ref_to_proto,
    send_ack_from_proto,
)
from .._models.values import MessageRef, Reaction, SendAck
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._session import Session, session_from_proto
from . import _feature_scripting, _inmemory, _wire
from ._core import Connection, OpError, SandboxCore, now_s, utf16_len
from ._faults import Faults
from ._features import FeatureState
from ._gateway import Gateway
from ._http import SandboxApp
from ._recorder import Received
from ._records import ClientKwargs, StoredMessage, stored_message
from ._state import ChannelType, SandboxState, SeedUser, User

if TYPE_CHECKING:
    from ._chain import FakeChain

__all__ = ["SHUTDOWN_TIMEOUT", "Sandbox", "SandboxInternalError"]

log = logging.getLogger("mezon_trio.testing")

SHUTDOWN_TIMEOUT = 2.0

_PUSH_DEPRECATED = "Sandbox.push is deprecated: use mezon_trio.testing.raw.push(sb, envelope, to=...)"


class SandboxInternalError(RuntimeError):
    """The sandbox hit a bug while serving (raised when the sandbox closes).

    The offending request got a 500 / ``error{code 0}`` answer; the original
    exceptions are in ``exceptions`` (and ``__cause__`` is the first).
    """

    def __init__(self, exceptions: Sequence[BaseException]) -> None:
        super().__init__(f"{len(exceptions)} internal error(s) in the sandbox; first: {exceptions[0]!r}")
        self.exceptions = list(exceptions)


@final
class Sandbox:
    """Handle on a running sandbox (see :mod:`mezon_trio.testing`). Built by :func:`open_sandbox`."""

    def __init__(
        self,
        core: SandboxCore,
        gateway: Gateway,
        app: SandboxApp,
        nursery: trio.Nursery,
        *,
        in_memory: bool,
    ) -> None:
        self._core = core
        self._gateway = gateway
        self._app = app
        self._nursery = nursery
        self.in_memory = in_memory
        st = core.state
        bots = sorted((u for u in st.users.values() if u.is_bot and u.api_key), key=lambda u: u.id)
        humans = sorted((u for u in st.users.values() if not u.is_bot), key=lambda u: u.id)
        if not bots:
            raise ValueError("the sandbox state has no bot user with an API key")
        self.bot: SeedUser = bots[0].seed()
        alice = st.user_by_username("alice")
        self.human: SeedUser = (alice if alice is not None else humans[0] if humans else bots[0]).seed()
        self.clan_ids: tuple[int, ...] = tuple(c.id for c in st.clans.values())
        self.clan_id: int = self.clan_ids[0] if self.clan_ids else 0
        self.channel_ids: dict[str, int] = {
            c.label: c.id for c in st.channels.values() if c.clan_id and c.label
        }
        text = [c for c in st.channels.values() if c.clan_id == self.clan_id and c.type == ChannelType.TEXT]
        self.channel_id: int = text[0].id if text else 0
        dm = st.dm_between(self.bot.id, self.human.id)
        self.dm_channel_id: int = dm.id if dm else 0
        threads = [c for c in st.channels.values() if c.type == ChannelType.THREAD]
        self.thread_id: int = threads[0].id if threads else 0
        self._initial_state = st.to_json()

    # ------------------------------------------------------------------ addresses

    @property
    def host(self) -> str:
        return self._core.host

    @property
    def port(self) -> int:
        """HTTP port: login, RPCs, MMN, ZK."""
        return self._core.http_port

    @property
    def ws_port(self) -> int:
        return self._core.ws_port

    @property
    def http_url(self) -> str:
        return self._core.http_url

    @property
    def ws_url(self) -> str:
        return self._core.ws_url

    @property
    def console_url(self) -> str:
        """The web console (served on the HTTP port; see docs/sandbox-control-api.md)."""
        return self.http_url + "/"

    @property
    def control_url(self) -> str:
        """Base URL of the JSON control API (``POST {control_url}/messages`` ...)."""
        return self.http_url + "/_sandbox/v1"

    @property
    def mmn_url(self) -> str:
        return self.http_url + "/mmn-api/"

    @property
    def zk_url(self) -> str:
        return self.http_url + "/zk-api/"

    # ------------------------------------------------------------------ inspection

    @property
    def state(self) -> SandboxState:
        return self._core.state

    @property
    def faults(self) -> Faults:
        return self._core.faults

    @faults.setter
    def faults(self, value: Faults) -> None:
        self._core.faults = value

    @property
    def received(self) -> list[Received]:
        """Everything clients sent, in arrival order (see :class:`Received`)."""
        return self._core.recorder.items

    @property
    def recording(self) -> bool:
        """Set False to stop appending to :attr:`received` and to the console's feed (long benchmarks)."""
        return self._core.recorder.enabled

    @recording.setter
    def recording(self, value: bool) -> None:
        self._core.recorder.enabled = value
        self._core.feed.enabled = value

    @property
    def chain(self) -> FakeChain | None:
        """The :class:`FakeChain` (MMN + ZK) or None when unavailable; balances live there."""
        return self._core.chain

    @property
    def internal_errors(self) -> list[BaseException]:
        return self._core.internal_errors

    @property
    def echo_own_messages(self) -> bool:
        return self._core.echo_own_messages

    @echo_own_messages.setter
    def echo_own_messages(self, value: bool) -> None:
        self._core.echo_own_messages = value

    def users(self) -> list[SeedUser]:
        return [u.seed() for u in self._core.state.users.values()]

    def user(self, username: str) -> SeedUser:
        """A user by name. Raises KeyError."""
        user = self._core.state.user_by_username(username)
        if user is None:
            raise KeyError(username)
        return user.seed()

    def messages(self, channel_id: int) -> list[StoredMessage]:
        """Stored history of a channel, oldest first."""
        return [stored_message(m) for m in self._core.state.channels[channel_id].messages.values()]

    def find_message(self, message_id: int) -> StoredMessage | None:
        """A stored message by id (in any channel), or None."""
        message = self._core.state._find_message(message_id)
        return None if message is None else stored_message(message)

    def connections(self, user_id: int | None = None) -> list[Connection]:
        return [c for c in self._core.connections if user_id is None or c.user_id == user_id]

    def connection_count(self, user_id: int | None = None) -> int:
        return self._core.connection_count(user_id)

    async def wait_connected(self, user_id: int | None, count: int = 1) -> None:
        """Wait until *user_id* (None: anyone) has at least *count* open sockets."""
        await self._core.wait_connected(user_id, count)

    async def wait_disconnected(self, user_id: int | None = None) -> None:
        """Wait until *user_id* (None: anyone) has no open socket left."""
        await self._core.wait_disconnected(user_id)

    async def wait_for(self, pred: Callable[[Received], bool], *, count: int = 1) -> list[Received]:
        """Wait until *count* received items match *pred* (earlier items count); return them."""
        return await self._core.recorder.wait_for(pred, count=count)

    def client_kwargs(self) -> ClientKwargs:
        """Keyword arguments for ``MezonClient`` to log in as the seeded bot:
        ``MezonClient(**sb.client_kwargs())`` (they type-check: :class:`ClientKwargs`)."""
        kwargs = ClientKwargs(
            client_id=self.bot.id,
            api_key=self.bot.api_key,
            host=self.host,
            port=self.port,
            use_ssl=False,
            mmn_api_url=self.mmn_url,
            zk_api_url=self.zk_url,
        )
        if self.in_memory:
            kwargs["http_transport"] = self.http_transport()
            kwargs["ws_connect"] = self.frame_connect
        return kwargs

    # ------------------------------------------------------------------ in-memory transports

    def http_transport(self) -> httpx.AsyncBaseTransport:
        """An httpx transport calling the sandbox's ASGI app directly (works in both modes)."""
        return httpx.ASGITransport(app=self._app)

    ws_connect = _inmemory.ws_connect
    frame_connect = _inmemory.frame_connect

    # ------------------------------------------------------------------ sessions

    def issue_session(self, user_id: int) -> Session:
        """A session for any user (humans cannot log in with an API key): connect raw clients as them."""
        return session_from_proto(self._core.issue_session(user_id))

    async def refresh_session(self, user_id: int) -> Session:
        """Issue a new session and push it as ``refresh_session_event`` to the user's sockets."""
        session = self._core.issue_session(user_id)
        await self._core.push_users("refresh_session_event", session, [user_id])
        return session_from_proto(session)

    def revoke_sessions(self, *tokens: str) -> None:
        """Make these tokens invalid (401) from now on."""
        self._core.revoke(*tokens)

    # ------------------------------------------------------------------ scripting

    def create_user(
        self, username: str, *, bot: bool = False, display_name: str = "", user_id: int = 0, api_key: str = ""
    ) -> SeedUser:
        """Add a user (bots get an API key: given or random) and return it."""
        core = self._core
        if core.state.user_by_username(username) is not None:
            raise ValueError(f"username {username!r} exists")
        import secrets

        user = User(
            id=user_id or core.ids.next(),
            username=username,
            display_name=display_name or username,
            is_bot=bot,
            api_key=(api_key or secrets.token_urlsafe(18)) if bot else "",
            create_time=now_s(),
        )
        core.state.add_user(user)
        return user.seed()

    async def post_message(
        self,
        sender_id: int,
        channel_id: int,
        content: str | Mapping[str, JSONInput],
        *,
        mentions: Sequence[Mention | int] = (),
        references: Sequence[MessageRef | int] = (),
        attachments: Sequence[Attachment] = (),
        code: int = 0,
        topic_id: int = 0,
        mention_everyone: bool = False,
    ) -> StoredMessage:
        """Post as *sender_id* exactly as a client would; the other members get the push.

        *content*: a str is the text (``{"t": content}``), a mapping is the
        content JSON. *mentions*: :class:`~mezon_trio.models.Mention`s or user ids
        (``@username`` is located in the text for ``s``/``e``, in UTF-16 units).
        *references*: :class:`~mezon_trio.models.MessageRef`s or ids of stored
        messages to reply to. Returns the stored message.

        Raises:
            OpError: as a client's send would fail (no access, content too long).
        """
        core = self._core
        text_obj: dict[str, Any] = {"t": content} if isinstance(content, str) else dict(content)
        text = str(text_obj.get("t", ""))
        send = rt.ChannelMessageSend(
            clan_id=core.state.channels[channel_id].clan_id if channel_id in core.state.channels else 0,
            channel_id=channel_id,
            content=json.dumps(text_obj, ensure_ascii=False, separators=(",", ":")),
            mentions=[self._mention(m, text) for m in mentions],
            references=[self._reference(r) for r in references],
            attachments=[attachment_to_proto(a) for a in attachments],
            code=code,
            topic_id=topic_id,
            mention_everyone=mention_everyone,
        )
        message, _ = await core.send_message(sender_id, send)
        return stored_message(message)

    def _mention(self, mention: Mention | int, text: str) -> api.MessageMention:
        if isinstance(mention, Mention):
            return mention_to_proto(mention)
        user = self._core.state.users[mention]
        token = "@" + user.username
        index = text.find(token)
        start = utf16_len(text[:index]) if index >= 0 else 0
        end = start + utf16_len(token) if index >= 0 else 0
        return api.MessageMention(user_id=user.id, username=user.username, s=start, e=end)

    def _reference(self, ref: MessageRef | int) -> api.MessageRef:
        if isinstance(ref, MessageRef):
            return ref_to_proto(ref)
        message = self._core.state._find_message(ref)
        if message is None:
            raise KeyError(f"message {ref} not stored")
        return api.MessageRef(
            message_ref_id=message.message_id,
            content=message.content,
            has_attachment=bool(message.attachments),
            message_sender_id=message.sender_id,
            message_sender_username=message.username,
            message_sender_avatar=message.avatar,
            message_sender_clan_nick=message.clan_nick,
            message_sender_display_name=message.display_name,
        )

    def message_push(self, sender_id: int, channel_id: int, content: str | Mapping[str, JSONInput]) -> bytes:
        """A ready-to-send ``channel_message`` push frame with a fresh id (not stored).

        For benchmarks: build a list once and send it with :meth:`push_many`.
        """
        core = self._core
        user = core.state.users[sender_id]
        channel = core.state.channels[channel_id]
        text_obj = {"t": content} if isinstance(content, str) else dict(content)
        send = rt.ChannelMessageSend(
            channel_id=channel_id, content=json.dumps(text_obj, ensure_ascii=False, separators=(",", ":"))
        )
        message = core.build_message(user, channel, send, message_id=core.ids.next(), now=now_s())
        return _wire.encode("channel_message", message)

    def _targets(self, to: int | None) -> list[Connection]:
        return list(self._core.connections) if to is None else self._core.user_conns(to)

    if not TYPE_CHECKING:  # deprecated, runtime only (type checkers do not offer it)

        async def push(self, envelope: rt.Envelope, *, to: int | None = None) -> int:
            """Deprecated: :func:`mezon_trio.testing.raw.push` (the raw scripting module)."""
            warnings.warn(_PUSH_DEPRECATED, DeprecationWarning, stacklevel=2)
            from . import raw

            return await raw.push(self, envelope, to=to)

        push.__deprecated__ = _PUSH_DEPRECATED

    async def push_bytes(self, data: bytes | str, *, to: int | None = None) -> int:
        """Send raw frame data (binary; a ``str`` is sent as a text frame): garbage, unknown
        variants, oversized frames, hand-made 0xFF frames."""
        return await self._core.send_to(data, self._targets(to))

    async def push_many(self, frames: Sequence[bytes], *, to: int | None = None) -> int:
        """Write pre-encoded frames to *to*'s sockets as fast as they accept them (in order).

        Returns frames written per socket summed. Blocks while a socket is full
        (backpressure); cancelling stops mid-way.
        """
        total = 0
        for conn in self._targets(to):
            send = conn.ws.send_message
            try:
                for frame in frames:
                    await send(frame)
                    total += 1
            except trio_websocket.ConnectionClosed:
                continue
        return total

    def drop_connections(
        self, user_id: int | None = None, *, code: int | None = None, reason: str = ""
    ) -> int:
        """Close sockets of *user_id* (None: all): abruptly (TCP RST / EOF) when *code* is None,
        else with that close code. Returns how many were asked to close. An abrupt drop of a
        TCP socket is done when this returns (a frame the client writes next fails to send);
        the rest completes asynchronously (use :meth:`wait_connected`/``connection_count``)."""
        conns = self._targets(user_id)
        for conn in conns:
            conn.request_close(code, reason)
        return len(conns)

    def release_offline(self, user_id: int) -> None:
        """Accept *user_id*'s sockets again (its client reconnects at its next attempt)."""
        self.hold_offline(user_id, False)

    @contextmanager
    def offline(self, user_id: int) -> Iterator[None]:
        """``with sb.offline(bot_id): ...``: :meth:`hold_offline` for the block."""
        self.hold_offline(user_id)
        try:
            yield
        finally:
            self.release_offline(user_id)

    async def click_button(
        self, user_id: int, message_id: int, button_id: str, extra_data: str = "{}"
    ) -> ButtonClicked:
        """*user_id* clicks a button on a stored message: ``message_button_clicked`` to its author.

        Returns the event the author's client receives (a :class:`~mezon_trio.events.FormSubmitted`
        when *extra_data* carries form values)."""
        event = rt.MessageButtonClicked(message_id=message_id, button_id=button_id, extra_data=extra_data)
        result: rt.MessageButtonClicked = await self._core.interaction(
            user_id, "message_button_clicked", event
        )
        return _click(result)

    async def select_values(
        self, user_id: int, message_id: int, selectbox_id: str, values: Sequence[str]
    ) -> DropdownSelected:
        """*user_id* picks values in a select: ``dropdown_box_selected`` to the message's author.

        Returns the event the author's client receives."""
        event = rt.DropdownBoxSelected(message_id=message_id, selectbox_id=selectbox_id, values=list(values))
        result: rt.DropdownBoxSelected = await self._core.interaction(user_id, "dropdown_box_selected", event)
        selected = _dropdown("dropdown_box_selected", result)
        assert selected is not None
        return selected

    async def submit_form(
        self, user_id: int, message_id: int, button_id: str, values: Mapping[str, JSONInput]
    ) -> ButtonClicked:
        """*user_id* fills a form (embed inputs) and presses *button_id*: the click carries the
        values as a JSON object of input id -> value in ``extra_data`` (docs/protocol.md §6.5).

        Returns the event the author's client receives: a :class:`~mezon_trio.events.FormSubmitted`,
        or a plain :class:`~mezon_trio.events.ButtonClicked` when *values* is empty."""
        extra = json.dumps(dict(values), ensure_ascii=False, separators=(",", ":"))
        return await self.click_button(user_id, message_id, button_id, extra)

    async def edit_message(
        self, user_id: int, message_id: int, content: str | Mapping[str, JSONInput]
    ) -> SendAck:
        """*user_id* edits its stored message (``channel_message`` code 1 to the channel).

        Raises:
            OpError: unknown message (404), not the author (403), bad content (400).
        """
        message = self._core.state._find_message(message_id)
        if message is None:
            raise OpError(404, f"message {message_id} not found")
        text_obj = {"t": content} if isinstance(content, str) else dict(content)
        update = rt.ChannelMessageUpdate(
            clan_id=message.clan_id,
            channel_id=message.channel_id,
            message_id=message_id,
            content=json.dumps(text_obj, ensure_ascii=False, separators=(",", ":")),
            mode=message.mode,
            is_public=message.is_public,
        )
        return send_ack_from_proto(await self._core.update_message(user_id, update))

    async def delete_message(self, user_id: int, message_id: int) -> SendAck:
        """*user_id* deletes a message (author or clan owner): ``channel_message`` code 2.

        Raises:
            OpError: unknown message (404), not allowed (403).
        """
        message = self._core.state._find_message(message_id)
        if message is None:
            raise OpError(404, f"message {message_id} not found")
        remove = rt.ChannelMessageRemove(
            clan_id=message.clan_id, channel_id=message.channel_id, message_id=message_id, mode=message.mode
        )
        return send_ack_from_proto(await self._core.delete_message(user_id, remove))

    def hold_offline(self, user_id: int, offline: bool = True, *, seconds: float | None = None) -> int:
        """Keep *user_id* offline (drop its sockets abruptly, refuse upgrades with 503), for
        *seconds* when given, or let it back (``offline=False``; see also :meth:`offline`).
        Other users keep posting and the history keeps growing; the REST API still answers it.
        Returns how many sockets were dropped."""
        core = self._core
        if not offline:
            core.faults.offline_users.discard(user_id)
            core.held_offline.pop(user_id, None)
            return 0
        if seconds is None:
            core.faults.offline_users.add(user_id)
        else:
            core.held_offline[user_id] = trio.current_time() + seconds
        return self.drop_connections(user_id)

    def fail_next(
        self,
        name: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        code: int = 13,
        message: str = "injected failure",
    ) -> None:
        """Fail the next call of *name* only (a socket variant such as ``"channel_message_send"``
        or an RPC method such as ``"ListClanDescs"``): with HTTP *status* (RPCs; 429 and 5xx
        with an optional Retry-After) or else with ``error{code, message}``."""
        faults = self._core.faults
        if status is not None:
            faults.rpc_status[name] = (status, retry_after)
        else:
            faults.fail_ops[name] = OpError.for_code(code, message)
        faults.once.add(name)

    async def reset(self) -> None:
        """Back to the state the sandbox started with: users, channels, messages and balances
        restored, the received log emptied, every fault (chain faults too) cleared. Sockets stay
        open (their users still exist), sessions and issued ZK proofs stay valid, and the console
        reloads."""
        core = self._core
        core.state = SandboxState.from_json(self._initial_state, history_limit=core.state.history_limit)
        chain = core.chain
        if chain is not None:  # same chain (issued proofs and nonces stay valid), seeded balances
            chain.balances.clear()
            chain.transfers.clear()
            chain.prover_down = chain.chain_down = chain.rate_limited = False
            chain.fail_next_addtx = None
            for uid, tokens in core.state.balances.items():
                if tokens > 0:
                    chain.credit(uid, tokens)
        core.recorder.items.clear()
        core.faults = Faults()
        core.reset_ephemeral()
        core.feed.note("reset")

    async def react(
        self, user_id: int, message_id: int, emoji: str, *, remove: bool = False, emoji_id: int = 0
    ) -> Reaction:
        """*user_id* adds (or removes) a reaction: ``message_reaction_event`` to the channel.

        Returns the reaction as pushed (channel, sender and ``count`` filled)."""
        return reaction_from_proto(
            await self._core.react(
                user_id,
                api.MessageReaction(message_id=message_id, emoji=emoji, emoji_id=emoji_id, action=remove),
            )
        )

    async def add_to_clan(self, user_id: int, clan_id: int, *, invitor: int = 0) -> None:
        """Make *user_id* a clan member: ``add_clan_user_event`` to them and the clan."""
        await self._core.add_to_clan(user_id, clan_id, invitor=invitor)

    async def remove_from_clan(self, user_ids: int | Sequence[int], clan_id: int) -> None:
        await self._core.remove_from_clan(_ids(user_ids), clan_id)

    async def add_to_channel(
        self, user_ids: int | Sequence[int], channel_id: int, *, caller: int = 0
    ) -> None:
        """Add users to a channel/thread/DM: ``user_channel_added_event`` to them and the members."""
        await self._core.add_to_channel(_ids(user_ids), channel_id, caller=caller)

    async def remove_from_channel(self, user_ids: int | Sequence[int], channel_id: int) -> None:
        await self._core.remove_from_channel(_ids(user_ids), channel_id)

    async def create_channel(
        self,
        creator_id: int,
        clan_id: int,
        label: str,
        *,
        type: int = ChannelType.TEXT,
        private: bool = False,
        parent_id: int = 0,
        members: Sequence[int] = (),
    ) -> int:
        """Create a clan channel or thread (``channel_created_event`` to the clan); returns its id."""
        channel = await self._core.create_channel(
            creator_id,
            clan_id=clan_id,
            type=type,
            label=label,
            private=private,
            parent_id=parent_id,
            members=members,
        )
        return channel.id

    async def open_dm(self, user_id: int, other_id: int) -> int:
        """The DM channel id between two users, created (with its push) when missing."""
        return (await self._core.open_dm(user_id, other_id)).id

    async def request_friend(self, from_id: int, to_id: int) -> None:
        """*from_id* sends (or accepts) a friend request to *to_id* (``add_friend`` + notification)."""
        await self._core.add_friends(from_id, [to_id], [])

    async def transfer_tokens(self, sender_id: int, receiver_id: int, amount: int, note: str = "") -> str:
        """Move whole tokens between users outside the chain protocol and push
        ``token_sent_event`` to both. Returns the fake transaction hash.

        Raises:
            OpError: insufficient balance (400).
        """
        core = self._core
        chain = core.chain
        if chain is not None:
            from .._protocol import mmn

            units = amount * 10**mmn.DECIMALS
            if chain.balance_of(sender_id) < units:
                raise OpError(400, "insufficient balance")
            chain.register_user(sender_id, receiver_id)
            chain.balances[mmn.address_for(sender_id)] -= units
            addr = mmn.address_for(receiver_id)
            chain.balances[addr] = chain.balances.get(addr, 0) + units
        else:
            balances = core.state.balances
            if balances.get(sender_id, 0) < amount:
                raise OpError(400, "insufficient balance")
            balances[sender_id] -= amount
            balances[receiver_id] = balances.get(receiver_id, 0) + amount
        import secrets

        tx_hash = secrets.token_hex(32)
        await core.on_chain_transfer(sender_id, receiver_id, amount, note, tx_hash)
        return tx_hash

    async def send_notification(self, user_id: int, notification: Notification) -> None:
        """Push ``notifications`` with one item to a user: its client receives *notification*
        (a :class:`~mezon_trio.events.Notification`)."""
        item = api.Notification(
            id=notification.id,
            subject=notification.subject,
            content=notification.content.encode(),
            code=notification.code,
            sender_id=notification.sender_id,
            create_time_seconds=notification.create_time_seconds,
            persistent=notification.persistent,
            clan_id=notification.clan_id,
            channel_id=notification.channel_id,
            channel_type=int(notification.channel_type),
            avatar_url=notification.avatar_url,
            topic_id=notification.topic_id,
            category=notification.category,
        )
        await self._core.push_users("notifications", rt.Notifications(notifications=[item]), [user_id])

    # ------------------------------------------------------------------ optional features

    @property
    def features(self) -> FeatureState:
        """Uploads (``.uploads``), agent streams (``.agent``), media plays, polls (docs/features.md)."""
        return self._core.features

    emit_agent_event = _feature_scripting.emit_agent_event
    wait_agent_streams = _feature_scripting.wait_agent_streams
    create_poll = _feature_scripting.create_poll
    vote_poll = _feature_scripting.vote_poll
    drop_agent_streams = _feature_scripting.drop_agent_streams

    def save_state(self, path: str | Path) -> None:
        """Write the current state (balances synced from the chain) as a JSON state file."""
        _sync_balances(self._core)
        self._core.state.save(path)


def _ids(value: int | Sequence[int]) -> list[int]:
    return [value] if isinstance(value, int) else list(value)


def _sync_balances(core: SandboxCore) -> None:
    chain = core.chain
    if chain is None:
        return
    from .._protocol import mmn

    for uid in core.state.users:
        core.state.balances[uid] = chain.balance_of(uid) // 10**mmn.DECIMALS
