"""``MezonClient``: a client's lifecycle, and the one obvious way to each operation.

The client builds its pieces and delegates to them (docs/ARCHITECTURE.md):

* :class:`~mezon_trio._connection.core.ConnectionCore` — REST, session, socket, event hub, state;
* :class:`~mezon_trio._connection.supervisor.Supervisor` — connect, join, reconnect;
* :class:`~mezon_trio._dispatch.inbound.Inbound` — server pushes to subscribers;
* the services (:mod:`mezon_trio._services`) — directory, messaging, friends, tokens, quick menus;
* :class:`~mezon_trio._connection.lifecycle.Runner` — the nursery and its tasks.

Two ways to run a client, both leaving no task behind: ``async with MezonClient(...) as
client:`` (entering logs in, connects, joins the bot's clans and returns once ready; leaving
closes everything within ``close_timeout``), or ``client = await connect_mezon(nursery, ...)``
(the same with the client's tasks in the caller's nursery; ``await client.aclose()``).

The official SDK's other names (``on_*`` helpers, managers, ``update_message``...) live in
:mod:`mezon_trio.compat`; on this class they still work for one release, with a
``DeprecationWarning`` naming the replacement.
"""

from __future__ import annotations

import logging
import ssl
import warnings
from collections.abc import Awaitable, Callable, Iterable, Mapping
from decimal import Decimal
from types import MethodType, TracebackType
from typing import TYPE_CHECKING, Any, Final, final

import httpx
import trio

from ._cache import Cache
from ._connection.core import ConnectionCore, State
from ._connection.lifecycle import Runner
from ._connection.rawapi import RawApi
from ._connection.supervisor import ReconnectPolicy, Supervisor
from ._dispatch.inbound import Inbound
from ._models.message import Message
from ._models.official import AddTxResponse, ApiQuickMenuAccess, ApiSentTokenRequest, ChannelMessageAck
from ._protocol.ids import Id, as_id, as_optional_id
from ._services.context import Services
from ._services.directory import DirectoryService
from ._services.friends import FriendsService
from ._services.messaging import MessagingService, MsgContent
from ._services.quickmenu import QuickMenuService
from ._services.tokens import TokenTransfers
from ._session import Session, SessionManager
from ._statistics import ClientStatistics
from ._streams import EventHub, Subscription
from ._structures.channel import TextChannel
from ._structures.clan import Clan
from ._structures.user import User
from ._transport.gateway import Gateway, WsConnect
from ._transport.rest import RestClient
from ._transport.urls import login_base_url
from ._waiting import Waiter, WaitingMixin
from .errors import InvalidArgument
from .events import Event, Events, Overflow
from .models import FriendList

__all__ = [
    "ClientStatistics",
    "MezonClient",
    "ReconnectPolicy",
    "connect_mezon",
    "register_deprecated",
    "services_of",
]

log = logging.getLogger("mezon_trio.client")

_DEFAULT_RECONNECT: Final = ReconnectPolicy()

#: Official names kept on the core class for one release: name -> (function, replacement, is_property).
_DEPRECATED: dict[str, tuple[Callable[..., Any], str, bool]] = {}


def register_deprecated(name: str, func: Callable[..., Any], replacement: str, *, is_property: bool) -> None:
    """Make ``client.<name>`` work on the core class, with a ``DeprecationWarning`` naming *replacement*."""
    _DEPRECATED[name] = (func, replacement, is_property)


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidArgument(f"{name} must be a positive number, got {value!r}")


@final
class MezonClient:
    """A Mezon bot client (trio-native).

    The constructor takes the official SDK's arguments (``timeout`` in milliseconds is the
    default request deadline; narrow it with ``trio.fail_after``).  Nothing happens on the
    network until the client is entered (``async with``) or started with :func:`connect_mezon`.
    A client runs once.

    Args:
        client_id: the bot (application) id, an int or a decimal string.
        api_key: the bot's API key (never logged or shown in reprs).
        host, port, use_ssl: the login gateway (``https://gw.mezon.ai:443``).
        timeout: default request deadline in milliseconds.
        enable_logging, log_level: attach a stderr handler to the ``mezon_trio`` logger if the
            application configured no logging at all.  Off by default.
        mmn_api_url, zk_api_url: token-transfer services (used lazily, never at login).
        ssl_context: for https and wss (default: system trust store, verification on).
        heartbeat_interval, heartbeat_timeout: application ping period and pong deadline (s).
        reconnect: the reconnect policy; unlimited attempts by default.
        ws_rate_limit: outgoing socket frames per second (server limit: 80).
        api_rate_limit, api_burst: API calls per second and burst (token bucket).
        max_frame_size: largest socket frame sent or accepted, in bytes.
        connect_timeout, close_timeout: bounds on opening the socket and closing the client (s).
        http_transport: an ``httpx.AsyncBaseTransport`` (tests: the sandbox's in-memory one).
        ws_connect: ``ws_connect(nursery, url)`` replacing the WebSocket connect (tests).
        ignore_own_messages: drop chat messages sent by this bot (a server may echo them), so an
            echo bot cannot loop; counted in ``statistics().own_messages_dropped``.

    Raises:
        InvalidArgument: an argument is invalid.
    """

    def __init__(
        self,
        client_id: Id,
        api_key: str,
        host: str = "gw.mezon.ai",
        port: str | int = "443",
        use_ssl: bool = True,
        timeout: int = 7000,
        enable_logging: bool = False,
        log_level: int = logging.INFO,
        *,
        mmn_api_url: str = "https://dong.mezon.ai/mmn-api/",
        zk_api_url: str = "https://dong.mezon.ai/zk-api/",
        ssl_context: ssl.SSLContext | None = None,
        heartbeat_interval: float = 10.0,
        heartbeat_timeout: float = 10.0,
        reconnect: ReconnectPolicy = _DEFAULT_RECONNECT,
        ws_rate_limit: float = 80.0,
        api_rate_limit: float = 1.0,
        api_burst: int = 5,
        max_frame_size: int = 4 << 20,
        connect_timeout: float = 30.0,
        close_timeout: float = 5.0,
        http_transport: httpx.AsyncBaseTransport | None = None,
        ws_connect: WsConnect | None = None,
        ignore_own_messages: bool = True,
    ) -> None:
        self._client_id = as_id(client_id, "client_id", allow_zero=False)
        if not isinstance(api_key, str) or not api_key:
            raise InvalidArgument("api_key must be a non-empty string")
        for name, value in (("timeout", timeout), ("heartbeat_timeout", heartbeat_timeout)):
            _positive(name, value)
        for name, value in (("ws_rate_limit", ws_rate_limit), ("api_rate_limit", api_rate_limit)):
            _positive(name, value)
        _positive("connect_timeout", connect_timeout)
        _positive("close_timeout", close_timeout)
        if heartbeat_interval < 0:
            raise InvalidArgument("heartbeat_interval must be >= 0 (0 disables heartbeats)")
        if api_burst < 1 or max_frame_size < 1024:
            raise InvalidArgument("api_burst must be >= 1 and max_frame_size >= 1024")
        if not isinstance(reconnect, ReconnectPolicy):
            raise InvalidArgument("reconnect must be a ReconnectPolicy")
        self._use_ssl = use_ssl
        self._close_timeout = close_timeout
        self._timeout_ms = timeout
        self._mmn_api_url, self._zk_api_url = mmn_api_url, zk_api_url
        self._login_url = login_base_url(host, str(port), use_ssl)
        if enable_logging:
            _enable_logging(log_level)

        rest = RestClient(
            login_base=self._login_url,
            timeout=timeout / 1000,
            api_rate=api_rate_limit,
            api_burst=api_burst,
            ssl_context=ssl_context,
            http_transport=http_transport,
        )
        session = SessionManager(rest, self._client_id, api_key, use_ssl=use_ssl)
        services: Services
        hub = EventHub(message_factory=lambda raw: services.directory.make_message(raw))
        inbound = Inbound(ignore_own_messages=ignore_own_messages)
        gateway = Gateway(
            timeout=timeout / 1000,
            on_push=inbound.on_push,
            on_protocol_error=inbound.on_protocol_error,
            ws_rate=ws_rate_limit,
            max_frame_size=max_frame_size,
            heartbeat_interval=heartbeat_interval,
            heartbeat_timeout=heartbeat_timeout,
            connect_timeout=connect_timeout,
            close_timeout=close_timeout,
            ssl_context=ssl_context,
            ws_connect=ws_connect,
        )
        core = ConnectionCore(client_id=self._client_id, rest=rest, session=session, gateway=gateway, hub=hub)
        services = Services(core)
        services.directory = directory = DirectoryService(services)
        services.messaging = messaging = MessagingService(services, directory)
        services.friends = FriendsService(core)
        services.tokens = TokenTransfers(
            core, messaging, mmn_api_url=mmn_api_url, zk_api_url=zk_api_url, timeout=timeout / 1000
        )
        services.quick_menus = QuickMenuService(core)
        inbound.bind(core, directory.make_message)
        self._core, self._services, self._inbound = core, services, inbound
        self._supervisor = Supervisor(
            core,
            reconnect,
            login_url=self._login_url,
            use_ssl=use_ssl,
            on_clans_listed=directory.on_clans_listed,
            on_dm_listed=directory.on_dm_channels_listed,
        )

        async def start_joins(nursery: trio.Nursery) -> None:
            await nursery.start(inbound.run_internal_joins, name="mezon-internal-joins")

        self._runner = Runner(core, self._supervisor, close_timeout=close_timeout, starters=[start_joins])
        self._raw = RawApi(core)
        self._exit: Any = None

    def __repr__(self) -> str:
        return f"<MezonClient client_id={self._client_id} state={self._core.state.value}>"

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # Only reached when normal lookup fails: the official names kept for one release.
            entry = _DEPRECATED.get(name)
            if entry is None:
                raise AttributeError(f"'MezonClient' object has no attribute {name!r}")
            func, replacement, is_property = entry
            warnings.warn(
                f"MezonClient.{name} is deprecated: use {replacement} "
                "(or mezon_trio.compat.MezonClient for the official SDK's names)",
                DeprecationWarning,
                stacklevel=2,
            )
            return func(self) if is_property else MethodType(func, self)

    # ------------------------------------------------------------------ attributes

    @property
    def client_id(self) -> int:
        """The bot id."""
        return self._client_id

    @property
    def user_id(self) -> int:
        """The bot's user id (from the session; the bot id before login)."""
        return self._core.user_id

    @property
    def use_ssl(self) -> bool:
        return self._use_ssl

    @property
    def login_url(self) -> str:
        """``http[s]://host:port`` of the login gateway."""
        return self._login_url

    @property
    def timeout_ms(self) -> int:
        """The default request deadline in milliseconds."""
        return self._timeout_ms

    @property
    def mmn_api_url(self) -> str:
        return self._mmn_api_url

    @property
    def zk_api_url(self) -> str:
        return self._zk_api_url

    @property
    def session(self) -> Session:
        """The current session (tokens hidden from its repr).  Raises ``MezonError`` before login."""
        return self._core.session.current

    @property
    def clan_ids(self) -> tuple[int, ...]:
        """The clans the bot belongs to (listed at login, plus clans it was added to)."""
        return tuple(self._core.clan_ids)

    @property
    def dm_channels(self) -> dict[int, int]:
        """DM channel id by partner user id (listed at login, seen in messages, or opened)."""
        return self._services.directory.dm_channel_ids

    @property
    def is_ready(self) -> bool:
        """True while the socket is up and the clans are joined."""
        return self._core.gateway.ready

    @property
    def clans(self) -> Cache[int, Clan]:
        """The bot's clans (filled at login; ``fetch`` lists them again on a miss)."""
        return self._services.directory.clans

    @property
    def channels(self) -> Cache[int, TextChannel]:
        """Channels seen or fetched (``fetch``: ``ListChannelDetail`` on a miss)."""
        return self._services.directory.channels

    @property
    def users(self) -> Cache[int, User]:
        """Users seen in messages, clan member lists and DM lists (``fetch`` lists clan members)."""
        return self._services.directory.users

    @property
    def raw(self) -> RawApi:
        """The low-level calls: socket requests, RPCs over HTTP and over the socket bridge."""
        return self._raw

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> MezonClient:
        """Log in, connect and join the clans; return once ready (bounded by the timeouts).

        Raises:
            AuthenticationError: the bot id or API key was refused.
            HandshakeError: the socket could not be opened.
            ConfigurationError: the client was already started.
        """
        cm = self._runner.run()
        await cm.__aenter__()
        self._exit = cm
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        """Close everything within ``close_timeout`` (shielded)."""
        cm, self._exit = self._exit, None
        assert cm is not None
        result: bool | None = await cm.__aexit__(exc_type, exc, tb)
        return result

    async def aclose(self) -> None:
        """Close the client: socket, streams, tasks (bounded by ``close_timeout``); idempotent.

        With :func:`connect_mezon`, returns once every task of the client has finished.  Inside
        ``async with``, closes the socket and ends the streams now; leaving the block finishes.
        """
        await self._runner.aclose()

    async def _run_in(self, *, task_status: trio.TaskStatus[MezonClient] = trio.TASK_STATUS_IGNORED) -> None:
        self._runner.nursery_mode = True
        async with self:
            task_status.started(self)
            await self._runner.stop.wait()

    async def wait_ready(self) -> None:
        """Wait until the client is connected and has joined its clans (at once if so)."""
        self._core.require_running("wait_ready()")
        await self._core.gateway.wait_ready()

    async def login(self, enable_auto_reconnect: bool = True) -> None:
        """Reconnect if the socket is down on purpose, and wait until ready.

        The client logs in when entered; inside its scope this reconnects after
        :meth:`close_socket` (or a disconnect with auto-reconnect off) and sets whether
        unintended disconnects reconnect automatically.
        """
        self._core.require_running("login()")
        self._supervisor.auto_reconnect = enable_auto_reconnect
        if self._core.gateway.ready:
            return
        self._supervisor.login_requested.set()
        await self.wait_ready()

    async def close_socket(self) -> None:
        """Close the socket on purpose, staying in the client's scope (:meth:`login` reopens it).

        Handlers and subscriptions stay registered; requests fail with ``ConnectionLost``
        until :meth:`login`.  Waits for the closing handshake (bounded by ``close_timeout``).
        """
        self._core.require_running("close_socket()")
        gateway = self._core.gateway
        self._supervisor.login_requested = trio.Event()
        gateway.set_unavailable("the socket was closed with close_socket(); call login() to reconnect")
        gateway.close_socket("close_socket()")
        with trio.move_on_after(self._close_timeout + 1.0):
            await gateway.wait_idle()

    # ------------------------------------------------------------------ messages, DMs, tokens

    async def send_message(
        self,
        clan_id: Id,
        channel_id: Id,
        mode: int,
        is_public: bool,
        msg: MsgContent,
        mentions: Iterable[object] | None = None,
        attachments: Iterable[object] | None = None,
        ref: object = None,
        *,
        anonymous_message: bool = False,
        mention_everyone: bool = False,
        avatar: str = "",
        code: int = 0,
        topic_id: Id = 0,
    ) -> ChannelMessageAck:
        """Post a message (``channel_message_send``) and return the server's ack.

        ``msg`` is a string, a content mapping or a :class:`~mezon_trio.content.Content`
        (at most 4000 UTF-16 units of JSON).  If the server answers "Must join channel", the
        client joins and retries once.  Simpler: ``channel.send(...)``, ``message.reply(...)``.

        Raises:
            InvalidArgument: a bad id; ContentError: invalid or too long content.
            Forbidden, NotFound, APIError: refused; RequestTimeout, ConnectionLost, ClientClosed.
            ClientNotRunning: outside the client's scope.
        """
        return await self._services.messaging.send_message(
            as_id(clan_id, "clan_id"),
            as_id(channel_id, "channel_id", allow_zero=False),
            mode,
            is_public,
            msg,
            mentions,
            attachments,
            ref,
            anonymous_message=anonymous_message,
            mention_everyone=mention_everyone,
            avatar=avatar,
            code=code,
            topic_id=as_id(topic_id, "topic_id"),
        )

    async def send_dm(
        self,
        user_id: Id,
        msg: MsgContent,
        *,
        code: int = 0,
        attachments: Iterable[object] | None = None,
        mentions: Iterable[object] | None = None,
    ) -> ChannelMessageAck:
        """DM *user_id*, opening the DM channel the first time.

        Raises: like :meth:`send_message`; NotFound: unknown user.
        """
        user = as_id(user_id, "user_id", allow_zero=False)
        return await self._services.messaging.send_dm(
            user, msg, code=code, attachments=attachments, mentions=mentions
        )

    async def create_dm_channel(self, user_id: Id) -> TextChannel:
        """The DM channel with *user_id* (created once, then cached)."""
        return await self._services.directory.create_dm_channel(as_id(user_id, "user_id", allow_zero=False))

    async def send_token(
        self,
        receiver_id: Id | ApiSentTokenRequest,
        amount: int | Decimal | str | None = None,
        note: str = "",
        *,
        sender_name: str = "",
        extra_attribute: str = "",
        extra_info: Mapping[str, object] | None = None,
        receipt: bool = True,
    ) -> AddTxResponse:
        """Send *amount* tokens from the bot to *receiver_id* (MMN chain + ZK proof).

        Amounts are whole tokens (``int``, ``Decimal`` or decimal ``str``, up to 6 decimals).
        ``sender_name``, ``extra_attribute`` and ``extra_info`` go into the transaction's
        extra info.  With ``receipt`` the receiver gets a "Funds Transferred" DM.  Bounded by five times
        the client's ``timeout``.  Passing an ``ApiSentTokenRequest`` is deprecated (see
        :mod:`mezon_trio.compat`).

        Raises:
            InvalidArgument: bad receiver or amount; TokenTransferError: the transfer failed.
            ClientNotRunning, ClientClosed.
        """
        if isinstance(receiver_id, ApiSentTokenRequest):
            warnings.warn(
                "send_token(ApiSentTokenRequest(...)) is deprecated: use send_token(receiver_id, amount, "
                "note) (or mezon_trio.compat.MezonClient)",
                DeprecationWarning,
                stacklevel=2,
            )
            request = receiver_id
        else:
            if amount is None:
                raise InvalidArgument("send_token() needs an amount")
            request = ApiSentTokenRequest(
                receiver_id=as_id(receiver_id, "receiver_id", allow_zero=False),
                amount=amount,
                note=note,
                sender_name=sender_name,
                extra_attribute=extra_attribute,
                mmn_extra_info=extra_info,
            )
        return await self._services.tokens.send(request, receipt=receipt)

    # ------------------------------------------------------------------ friends

    async def get_list_friends(
        self, limit: int = 100, state: int | None = None, cursor: str | None = None
    ) -> FriendList:
        """One page of the bot's friends (``state``: 0 friends, 1 sent, 2 received, 3 blocked)."""
        return await self._services.friends.get_list_friends(limit, state, cursor)

    async def add_friend(self, username: str = "", user_id: Id | None = None) -> tuple[int, ...]:
        """Invite a user by username or id (or accept their invitation); the user ids added."""
        if not isinstance(username, str):
            raise InvalidArgument(f"username must be a str, got {type(username).__name__}")
        return await self._services.friends.add_friend(username, as_optional_id(user_id, "user_id"))

    async def accept_friend(self, user_id: Id, username: str = "") -> tuple[int, ...]:
        """Accept *user_id*'s friend invitation; the user ids added."""
        return await self._services.friends.accept_friend(as_id(user_id, "user_id"), username)

    async def remove_friend(self, user_id: Id | None = None, username: str = "") -> None:
        """Remove a friend (or decline an invitation)."""
        await self._services.friends.remove_friend(as_optional_id(user_id, "user_id"), username)

    async def block_friend(self, user_id: Id | None = None, username: str = "") -> None:
        """Block a user."""
        await self._services.friends.block_friend(as_optional_id(user_id, "user_id"), username)

    async def unblock_friend(self, user_id: Id | None = None, username: str = "") -> None:
        """Unblock a user."""
        await self._services.friends.unblock_friend(as_optional_id(user_id, "user_id"), username)

    # ------------------------------------------------------------------ quick menus

    async def add_quick_menu_access(
        self, channel_id: Id, clan_id: Id, menu_type: int, action_msg: str, background: str, menu_name: str
    ) -> ApiQuickMenuAccess:
        """Register a quick-menu entry for the bot (id made client-side)."""
        return await self._services.quick_menus.add_quick_menu_access(
            as_id(channel_id, "channel_id"),
            as_id(clan_id, "clan_id"),
            menu_type,
            action_msg,
            background,
            menu_name,
        )

    async def delete_quick_menu_access(
        self,
        id: Id | None = None,
        clan_id: Id | None = None,
        bot_id: Id | None = None,
        menu_name: str | None = None,
        background: str | None = None,
        action_msg: str | None = None,
    ) -> None:
        """Delete the bot's quick-menu entries matching every given field."""
        await self._services.quick_menus.delete_quick_menu_access(
            as_optional_id(id, "id"),
            as_optional_id(clan_id, "clan_id"),
            as_optional_id(bot_id, "bot_id"),
            menu_name,
            background,
            action_msg,
        )

    async def list_quick_menu_access(
        self, bot_id: Id | None = None, channel_id: Id | None = None, menu_type: int | None = None
    ) -> tuple[ApiQuickMenuAccess, ...]:
        """The quick-menu entries of a bot (default: this one), optionally of one channel / type."""
        return await self._services.quick_menus.list_quick_menu_access(
            as_optional_id(bot_id, "bot_id"), as_optional_id(channel_id, "channel_id"), menu_type
        )

    # ------------------------------------------------------------------ events

    def _require_receiving(self, what: str) -> None:
        if self._core.state is State.NEW:
            self._core.require_running(what)

    def subscribe(
        self,
        *kinds: str | Events,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Event[Any]], bool] | None = None,
    ) -> Subscription[Event[Any]]:
        """Subscribe to event kinds; iterate :class:`~mezon_trio.events.Event` records.

        Each subscription has its own bounded buffer (overflow policies: :mod:`mezon_trio.events`);
        iteration ends when the client closes.  May be called before the client is entered (to
        see ``connected``/``ready``); the other receiving calls need a started client.

        Raises:
            ClientClosed: the client is closed.
            InvalidArgument: unknown kind or bad buffer/overflow.
        """
        return self._core.hub.subscribe(*kinds, buffer=buffer, overflow=overflow, filter=filter)

    def stream(
        self,
        kind: str | Events,
        *,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription[Any]:
        """Subscribe to one kind; iterate its payloads.  Raises like :meth:`subscribe`."""
        return self._core.hub.stream(kind, buffer=buffer, overflow=overflow, filter=filter)

    def channel_messages(
        self,
        *,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Message], bool] | None = None,
    ) -> Subscription[Message]:
        """Pushed chat messages as :class:`~mezon_trio.models.Message` (``async for msg in ...``)."""
        self._require_receiving("channel_messages()")
        sub: Subscription[Message] = self._core.hub.stream(
            Events.CHANNEL_MESSAGE, buffer=buffer, overflow=overflow, filter=filter
        )
        return sub

    def on(
        self,
        event_name: str | Events,
        handler: Callable[[Any], Any | Awaitable[Any]],
        *,
        concurrency: int = 1,
        buffer: int = 1024,
        overflow: Overflow = "drop_newest",
        to_thread: bool = False,
    ) -> None:
        """Run ``handler(payload)`` for each *event_name* event, in the client's nursery.

        Sync or async, bounded concurrency; a failing handler is logged and reported as
        ``Events.HANDLER_ERROR``.  May be called before the client is entered.
        """
        self._core.hub.on(
            event_name,
            handler,
            concurrency=concurrency,
            buffer=buffer,
            overflow=overflow,
            to_thread=to_thread,
        )

    def off(self, event_name: str | Events, handler: Callable[..., Any] | None = None) -> None:
        """Remove *handler* (all handlers of *event_name* when None)."""
        self._core.hub.off(event_name, handler)

    def expect(
        self, kind: str | Events, predicate: Callable[[Any], bool] | None = None, *, buffer: int = 16
    ) -> Waiter:
        """A waiter for *kind* events matching *predicate*; enter it before the action you await."""
        self._require_receiving("expect()")
        return Waiter(self, kind, predicate, buffer)

    async def wait_for(
        self,
        kind: str | Events,
        predicate: Callable[[Any], bool] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> Any:
        """The next *kind* event matching *predicate*, from this call on (see :meth:`expect`).

        Raises:
            trio.TooSlowError: *timeout* expired.  ClientClosed: the client closed first.
            ClientNotRunning: the client was never started.
        """
        self._require_receiving("wait_for()")
        return await WaitingMixin.wait_for(self, kind, predicate, timeout=timeout)

    # ------------------------------------------------------------------ statistics

    def statistics(self) -> ClientStatistics:
        """A snapshot of the client's counters (socket, streams, limiters, reconnects)."""
        core, inbound = self._core, self._inbound
        return ClientStatistics(
            state=core.state.value,
            gateway=core.gateway.statistics(),
            hub=core.hub.statistics(),
            api_limiter=core.rest.bucket.statistics(),
            pushes_decoded=inbound.pushes_decoded,
            pushes_skipped=inbound.pushes_skipped,
            protocol_errors=inbound.protocol_errors,
            reconnects=self._supervisor.reconnects,
            logins=core.session.logins,
            refreshes=core.session.refreshes,
            internal_dropped=inbound.internal_dropped,
            duplicates_dropped=inbound.duplicates_dropped,
            own_messages_dropped=inbound.own_messages_dropped,
        )


def services_of(client: MezonClient) -> Services:
    """The services of *client* (for :mod:`mezon_trio._official` and routers, never for users)."""
    return client._services


def _enable_logging(level: int) -> None:
    logger = logging.getLogger("mezon_trio")
    logger.setLevel(level)
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


async def connect_mezon(nursery: trio.Nursery, *args: Any, **kwargs: Any) -> MezonClient:
    """Start a :class:`MezonClient` whose tasks run in *nursery*; return it once ready.

    Takes the same arguments as :class:`MezonClient`.  The caller must ``await
    client.aclose()``; cancelling *nursery* also closes it.  Failures of the client's tasks
    reach *nursery* as :class:`~mezon_trio.errors.MezonError` subclasses.
    """
    client = MezonClient(*args, **kwargs)
    started: MezonClient = await nursery.start(client._run_in, name=f"mezon-client:{client.client_id}")
    return started
