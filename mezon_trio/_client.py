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
from collections.abc import Callable
from types import MethodType, TracebackType
from typing import TYPE_CHECKING, Any, final

import httpx
import trio

from . import _receiving, _sending
from ._cache import Cache
from ._catchup import CatchUpConfig, CursorStore
from ._connection.config import DEFAULT_RECONNECT, ClientConfig
from ._connection.rawapi import RawApi
from ._connection.supervisor import ReconnectPolicy
from ._protocol.ids import Id, as_id
from ._services.assembly import assemble
from ._services.context import Services
from ._services.media import DEFAULT_MEDIA_URL
from ._services.polls import Polls
from ._services.quickmenu import QuickMenus
from ._services.uploads import Uploads
from ._session import Session
from ._statistics import ClientStatistics
from ._structures.channel import TextChannel
from ._structures.clan import Clan
from ._structures.user import User
from ._surface import exit_with_plain_interrupt, without_internal_frames
from ._transport.gateway import WsConnect
from .errors import MezonError

__all__ = [
    "ClientStatistics",
    "MezonClient",
    "ReconnectPolicy",
    "register_deprecated",
    "services_of",
]

log = logging.getLogger("mezon_trio.client")


#: Official names kept on the core class for one release: name -> (function, replacement, is_property).
_DEPRECATED: dict[str, tuple[Callable[..., Any], str, bool]] = {}


def register_deprecated(name: str, func: Callable[..., Any], replacement: str, *, is_property: bool) -> None:
    """Make ``client.<name>`` work on the core class, with a ``DeprecationWarning`` naming *replacement*."""
    _DEPRECATED[name] = (func, replacement, is_property)


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
        api_rate_limit, api_burst: API calls per second and burst paced on our side (token
            bucket).  None (default): no pacing; the server's HTTP 429 answers pause the refused
            RPC for their ``Retry-After`` and it is retried (docs/protocol.md §10.1).
        max_frame_size: largest socket frame sent or accepted, in bytes.
        connect_timeout, close_timeout: bounds on opening the socket and closing the client (s).
        http_transport: an ``httpx.AsyncBaseTransport`` (tests: the sandbox's in-memory one).
        ws_connect: ``await ws_connect(url, max_frame_size=n)`` returning an open frame transport,
            replacing the default WebSocket connector (the in-memory sandbox; tests).
        ignore_own_messages: drop chat messages sent by this bot (a server may echo them), so an
            echo bot cannot loop; counted in ``statistics().own_messages_dropped``.
        agent_event_url: the AI-agent event stream (server-sent events); when set, its events
            are published like all others (``Events.AGENT_SESSION_STARTED``...).
        media_url: the voice-media endpoint of :meth:`play_media`, used exactly as given.
        catch_up: after every reconnect, deliver the chat messages posted meanwhile in the
            watched channels, fetched from history and marked ``caught_up``; and let a
            ``channel_messages()`` loop or handler that falls behind refill from history
            instead of losing messages.  True (default), False, or a ``CatchUpConfig``.
        cursor_store: keep the per-channel cursors across restarts (e.g.
            ``SQLiteCursorStore("bot.db")``), so a restarted bot gets what was posted while it
            was stopped: at-least-once across crashes, exactly-once otherwise.

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
        reconnect: ReconnectPolicy = DEFAULT_RECONNECT,
        ws_rate_limit: float = 80.0,
        api_rate_limit: float | None = None,
        api_burst: int = 5,
        max_frame_size: int = 4 << 20,
        connect_timeout: float = 30.0,
        close_timeout: float = 5.0,
        http_transport: httpx.AsyncBaseTransport | None = None,
        ws_connect: WsConnect | None = None,
        ignore_own_messages: bool = True,
        agent_event_url: str = "",
        media_url: str = DEFAULT_MEDIA_URL,
        catch_up: bool | CatchUpConfig = True,
        cursor_store: CursorStore | None = None,
    ) -> None:
        self._config = ClientConfig(
            client_id=as_id(client_id, "client_id", allow_zero=False),
            api_key=api_key,
            host=host,
            port=str(port),
            use_ssl=use_ssl,
            timeout_ms=timeout,
            mmn_api_url=mmn_api_url,
            zk_api_url=zk_api_url,
            ssl_context=ssl_context,
            heartbeat_interval=heartbeat_interval,
            heartbeat_timeout=heartbeat_timeout,
            reconnect=reconnect,
            ws_rate_limit=ws_rate_limit,
            api_rate_limit=api_rate_limit,
            api_burst=api_burst,
            max_frame_size=max_frame_size,
            connect_timeout=connect_timeout,
            close_timeout=close_timeout,
            http_transport=http_transport,
            ws_connect=ws_connect,
            ignore_own_messages=ignore_own_messages,
            agent_event_url=agent_event_url,
            media_url=media_url,
            catch_up=CatchUpConfig() if catch_up is True else None if catch_up is False else catch_up,
            cursor_store=cursor_store,
        )
        if enable_logging:
            _enable_logging(log_level)
        parts = assemble(self._config)
        self._core, self._services, self._inbound = parts.core, parts.services, parts.inbound
        self._supervisor, self._runner, self._raw = parts.supervisor, parts.runner, parts.raw
        self._exit: Any = None

    def __repr__(self) -> str:
        return f"<MezonClient client_id={self._config.client_id} state={self._core.state.value}>"

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
    def config(self) -> ClientConfig:
        """The client's settings (the API key is not in its repr)."""
        return self._config

    @property
    def client_id(self) -> int:
        """The bot id."""
        return self._config.client_id

    @property
    def user_id(self) -> int:
        """The bot's user id (from the session; the bot id before login)."""
        return self._core.user_id

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
        try:
            await cm.__aenter__()
        except MezonError as exc:  # login failed: its message says why; hide our frames (_surface.py)
            raise without_internal_frames(exc) from exc.__cause__
        self._exit = cm
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> bool | None:
        """Close everything within ``close_timeout`` (shielded)."""
        cm, self._exit = self._exit, None
        assert cm is not None
        # Ctrl-C leaves as a plain KeyboardInterrupt, not inside an exception group (_surface.py).
        return await exit_with_plain_interrupt(cm, exc_type, exc, tb)

    async def aclose(self) -> None:
        """Close the client: socket, streams, tasks (bounded by ``close_timeout``); idempotent.

        With :func:`connect_mezon`, returns once every task of the client has finished.  Inside
        ``async with``, closes the socket and ends the streams now; leaving the block finishes.
        """
        await self._runner.aclose()

    async def run(self, *, task_status: trio.TaskStatus[MezonClient] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the client until :meth:`aclose`, as a task: ``client = await nursery.start(client.run)``.

        ``nursery.start`` returns once the client is ready (logged in, connected, clans joined)
        and the client's tasks live in that nursery; :func:`connect_mezon` does the same in one
        call.  Login failures are raised from ``nursery.start``.
        """
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
        with trio.move_on_after(self._config.close_timeout + 1.0):
            await gateway.wait_idle()

    # ------------------------------------------------------------------ sending (mezon_trio._sending)

    send_message = _sending.send_message
    send_dm = _sending.send_dm
    create_dm_channel = _sending.create_dm_channel
    send_token = _sending.send_token
    get_list_friends = _sending.get_list_friends
    add_friend = _sending.add_friend
    accept_friend = _sending.accept_friend
    remove_friend = _sending.remove_friend
    block_friend = _sending.block_friend
    unblock_friend = _sending.unblock_friend
    play_media = _sending.play_media

    @property
    def polls(self) -> Polls:
        """Polls: ``create``, ``vote``, ``close``, ``get``."""
        return self._services.features.polls

    @property
    def uploads(self) -> Uploads:
        """File uploads (``upload``, ``upload_all``); ``channel.send(files=...)`` uses them."""
        return self._services.features.uploads("uploads")

    @property
    def quick_menus(self) -> QuickMenus:
        """The bot's quick-menu entries: ``add``, ``delete``, ``list``."""
        return self._services.quick_menus

    # ------------------------------------------------------------------ events (mezon_trio._receiving)

    subscribe = _receiving.subscribe
    stream = _receiving.stream
    channel_messages = _receiving.channel_messages
    on = _receiving.on
    off = _receiving.off
    expect = _receiving.expect
    wait_for = _receiving.wait_for

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
            duplicates_dropped=inbound.duplicates_dropped
            + (inbound.catchup.statistics().duplicates_dropped if inbound.catchup is not None else 0),
            own_messages_dropped=inbound.own_messages_dropped,
            catch_up=inbound.catchup.statistics() if inbound.catchup is not None else None,
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
