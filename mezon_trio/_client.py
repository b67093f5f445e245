"""``MezonClient``: login, the realtime connection, reconnects and event streams, in one nursery.

Two ways to run a client, both leaving no task behind:

* ``async with MezonClient(...) as client:`` — entering logs in, connects,
  joins the bot's clans and returns once the client is ready; leaving (normally,
  by exception or by cancellation) closes everything within ``close_timeout``.
* ``client = await connect_mezon(nursery, ...)`` — the same, with the client's
  tasks in the caller's nursery; the caller must ``await client.aclose()``.

Tasks in the client's nursery (visible, STYLE.md §2): the connection
supervisor (which runs the gateway's reader and heartbeat, and reconnects),
the session refresher, the handler runner of ``on()`` handlers, and a worker
for the automatic joins the protocol expects (§4.3) plus background retries
of clans that failed to join.

Exceptions leaving ``async with`` (STYLE.md §3): an exception from the body
propagates unchanged (internal failures attached as ``__context__``); if only
the client's tasks failed, one :class:`~mezon_trio.errors.MezonError` (e.g.
``AuthenticationError``, ``ConnectionLost``) is raised; anything unexpected
becomes :class:`~mezon_trio.errors.MezonInternalError`.  ``KeyboardInterrupt``
and other non-``Exception`` errors propagate as they are.
"""

from __future__ import annotations

import enum
import logging
import random
import ssl
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final, TypeVar, final

import betterproto2
import httpx
import trio

from ._api.mixin import BotApi
from ._proto.mezon import api
from ._proto.mezon import realtime as rt
from ._protocol.api_index import API_INDEX
from ._protocol.hotpath import decode_channel_message_push, decode_push
from ._protocol.typecheck import check_message
from ._ratelimit import RateLimiterStatistics
from ._session import Session, SessionManager
from ._streams import EventHub, Subscription
from ._transport.gateway import CloseInfo, Gateway, GatewayStatistics, WsConnect
from ._transport.rest import RestClient, error_for_status
from ._transport.urls import login_base_url, ws_base_url, ws_connect_url
from ._waiting import WaitingMixin
from .errors import (
    AuthenticationError,
    ClientClosed,
    ConfigurationError,
    ConnectionLost,
    HandshakeError,
    MezonError,
    MezonInternalError,
    ProtocolError,
)
from .events import (
    VARIANT_FIELD_NUMBERS,
    Connected,
    Disconnected,
    Event,
    Events,
    HubStatistics,
    Overflow,
    ProtocolErrorEvent,
    Ready,
    Reconnected,
    Reconnecting,
)
from .models import Message

__all__ = ["ClientStatistics", "MezonClient", "ReconnectPolicy", "connect_mezon"]

log = logging.getLogger("mezon_trio.client")

M = TypeVar("M", bound=betterproto2.Message)

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

_CLAN_JOIN_CONCURRENCY: Final = 8
_DM_CHANNEL_TYPE: Final = 3
_THREAD_CHANNEL_TYPE: Final = 7
_INTERNAL_QUEUE: Final = 256


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ReconnectPolicy:
    """How the client reconnects after an unintended disconnect (docs/protocol.md §3.8).

    Attempt *n* waits a random time in ``[0, min(max_delay, initial_delay * 2**(n-1))]``
    ("full jitter").  The count restarts after a connection stayed up ``reset_after``
    seconds.

    Attributes:
        max_attempts: give up (raising ``ConnectionLost`` from the client) after this
            many failed attempts in a row; None (default) never gives up.
    """

    max_attempts: int | None = None
    initial_delay: float = 0.5
    max_delay: float = 60.0
    reset_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 0:
            raise ConfigurationError("ReconnectPolicy.max_attempts must be >= 0 or None")
        if not (0 <= self.initial_delay <= self.max_delay):
            raise ConfigurationError("ReconnectPolicy needs 0 <= initial_delay <= max_delay")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt *attempt* (1-based)."""
        cap = min(self.max_delay, self.initial_delay * 2 ** min(attempt - 1, 62))
        return random.uniform(0.0, cap)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClientStatistics:
    """A snapshot of a client's counters."""

    state: str
    gateway: GatewayStatistics
    hub: HubStatistics
    api_limiter: RateLimiterStatistics
    pushes_decoded: int
    pushes_skipped: int
    protocol_errors: int
    reconnects: int
    logins: int
    refreshes: int
    internal_dropped: int
    duplicates_dropped: int = 0
    own_messages_dropped: int = 0


class _State(enum.Enum):
    NEW = "new"
    OPENING = "opening"
    RUNNING = "running"
    CLOSING = "closing"
    CLOSED = "closed"


class _Status:
    """A ``trio.TaskStatus`` that records the call, for :meth:`Gateway.serve`."""

    __slots__ = ("connected", "settled")

    def __init__(self) -> None:
        self.connected = False
        self.settled = trio.Event()

    def started(self, value: None = None) -> None:
        self.connected = True
        self.settled.set()


class _Box:
    __slots__ = ("error", "info", "status")

    def __init__(self) -> None:
        self.status = _Status()
        self.info: CloseInfo | None = None
        self.error: MezonError | None = None


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out


def _attach_context(exc: BaseException, cause: BaseException) -> None:
    """Append *cause* at the end of *exc*'s ``__context__`` chain (unless already in it)."""
    seen: set[int] = set()
    current = exc
    while True:
        if current is cause or id(current) in seen:
            return
        seen.add(id(current))
        nxt = current.__context__
        if nxt is None:
            current.__context__ = cause
            return
        current = nxt


def _collapse(group: BaseExceptionGroup[BaseException]) -> BaseException | None:
    """The one exception to raise for a failed client nursery (None: only cancellations)."""
    _, rest = group.split(trio.Cancelled)
    if rest is None:
        return None
    leaves = _leaves(rest)
    for leaf in leaves:
        if not isinstance(leaf, Exception):
            return leaf  # KeyboardInterrupt, SystemExit...: propagate as is
    errors = [leaf for leaf in leaves if isinstance(leaf, MezonError)]
    if len(errors) == len(leaves):
        first = errors[0]
        if len(leaves) > 1:
            first.__cause__ = rest
        return first
    bug = MezonInternalError(f"a mezon-trio task failed: {leaves[0]!r}")
    bug.__cause__ = rest
    return bug


@final
class MezonClient(BotApi, WaitingMixin):
    """A Mezon bot client (trio-native).

    The constructor matches the official SDK's (``timeout`` in milliseconds is
    the default request deadline; narrow it with ``trio.fail_after``).  Nothing
    happens on the network until the client is entered (``async with``) or
    started with :func:`connect_mezon`.  A client runs once.

    Args:
        client_id: the bot (application) id.
        api_key: the bot's API key (never logged or shown in reprs).
        host, port, use_ssl: the login gateway (``https://gw.mezon.ai:443``).
        timeout: default request deadline in milliseconds.
        enable_logging: attach a stderr handler to the ``mezon_trio`` logger at
            ``log_level`` if the application configured no logging at all (as
            the official SDK's option does).  Off by default: the application
            owns logging.
        mmn_api_url, zk_api_url: token-transfer services (used lazily, never at login).
        ssl_context: for https and wss (default: system trust store, verification on).
        heartbeat_interval, heartbeat_timeout: application ping period and pong deadline (s).
        reconnect: the reconnect policy; unlimited attempts by default.
        ws_rate_limit: outgoing socket frames per second (server limit: 80).
        api_rate_limit, api_burst: API calls per second and burst (token bucket).
        max_frame_size: largest socket frame sent or accepted, in bytes.
        connect_timeout: bound on opening the socket (s).
        close_timeout: bound on closing the client (s).
        http_transport: an ``httpx.AsyncBaseTransport`` (tests: the sandbox's in-memory one).
        ws_connect: ``await ws_connect(url, max_frame_size=n)`` returning an open frame transport,
            replacing the default WebSocket connector (the in-memory sandbox; tests).
        ignore_own_messages: drop ``channel_message`` pushes sent by this bot
            (docs/protocol.md §12 Q3: a server may echo them), so an echo bot cannot
            loop; counted in ``statistics().own_messages_dropped``.  Pass False to
            receive them.

    Raises:
        ConfigurationError: an argument is invalid.
    """

    def __init__(
        self,
        client_id: str | int,
        api_key: str,
        host: str = "gw.mezon.ai",
        port: str = "443",
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
        reconnect: ReconnectPolicy = ReconnectPolicy(),
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
        try:
            self._client_id = int(client_id)
        except (TypeError, ValueError):
            raise ConfigurationError(
                "client_id must be the bot id (an integer or a decimal string)"
            ) from None
        if not isinstance(api_key, str) or not api_key:
            raise ConfigurationError("api_key must be a non-empty string")
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
            raise ConfigurationError("timeout must be a positive number of milliseconds")
        for name, value in (
            ("heartbeat_timeout", heartbeat_timeout),
            ("ws_rate_limit", ws_rate_limit),
            ("api_rate_limit", api_rate_limit),
            ("connect_timeout", connect_timeout),
            ("close_timeout", close_timeout),
        ):
            if not value > 0:
                raise ConfigurationError(f"{name} must be positive, got {value!r}")
        if heartbeat_interval < 0:
            raise ConfigurationError("heartbeat_interval must be >= 0 (0 disables heartbeats)")
        if api_burst < 1 or max_frame_size < 1024:
            raise ConfigurationError("api_burst must be >= 1 and max_frame_size >= 1024")
        if not isinstance(reconnect, ReconnectPolicy):
            raise ConfigurationError("reconnect must be a ReconnectPolicy")

        self._api_key = api_key
        self._host = host
        self._port = str(port)
        self._use_ssl = use_ssl
        self._timeout_ms = timeout
        self._mmn_api_url = mmn_api_url
        self._zk_api_url = zk_api_url
        self._reconnect = reconnect
        self._close_timeout = close_timeout
        self._login_url = login_base_url(host, self._port, use_ssl)
        if enable_logging:
            _enable_logging(log_level)

        self._rest = RestClient(
            login_base=self._login_url,
            timeout=timeout / 1000,
            api_rate=api_rate_limit,
            api_burst=api_burst,
            ssl_context=ssl_context,
            http_transport=http_transport,
        )
        self._session = SessionManager(self._rest, self._client_id, api_key, use_ssl=use_ssl)
        self._hub = EventHub(message_factory=self._make_message)
        self._gateway = Gateway(
            timeout=timeout / 1000,
            on_push=self._on_push,
            on_protocol_error=self._on_protocol_error,
            ws_rate=ws_rate_limit,
            max_frame_size=max_frame_size,
            heartbeat_interval=heartbeat_interval,
            heartbeat_timeout=heartbeat_timeout,
            connect_timeout=connect_timeout,
            close_timeout=close_timeout,
            ssl_context=ssl_context,
            ws_connect=ws_connect,
        )

        self._state = _State.NEW
        self._cm: AbstractAsyncContextManager[MezonClient] | None = None
        self._nursery: trio.Nursery | None = None
        self._nursery_mode = False
        self._closing = False
        self._stop = trio.Event()
        self._stopped = trio.Event()
        self._login_requested = trio.Event()
        self._auto_reconnect = True
        self._internal_send: trio.MemorySendChannel[rt.Envelope] | None = None

        self._clan_ids: list[int] = []
        self._dm_channels: dict[int, int] = {}
        self._retrying_clans: set[int] = set()

        self._pushes_decoded = 0
        self._pushes_skipped = 0
        self._protocol_errors = 0
        self._reconnects = 0
        self._internal_dropped = 0
        self._duplicates_dropped = 0
        self._ignore_own_messages = ignore_own_messages
        self._own_messages_dropped = 0
        # OrderedDict: popping the oldest of a plain dict rescans its deleted slots (~3 µs a push).
        self._recent_messages: OrderedDict[tuple[int, int, int, int, int], None] = OrderedDict()
        self._init_bot_api()  # caches, managers, token wiring (mezon_trio/_api/)

    def __repr__(self) -> str:
        return f"<MezonClient client_id={self._client_id} state={self._state.value}>"

    # ------------------------------------------------------------------ official-SDK attributes

    @property
    def client_id(self) -> int:
        """The bot id, as an int (official SDK: ``client.client_id``)."""
        return self._client_id

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
        """The current session (tokens hidden from its repr).

        Raises:
            MezonError: not logged in yet.
        """
        return self._session.current

    @property
    def user_id(self) -> int:
        """The bot's user id (from the session; the bot id before login)."""
        if self._session.has_session:
            return self._session.current.user_id or self._client_id
        return self._client_id

    @property
    def clan_ids(self) -> tuple[int, ...]:
        """The clans the bot belongs to (from the last ``ListClanDescs``, plus clans it was added to)."""
        return tuple(self._clan_ids)

    @property
    def dm_channels(self) -> dict[int, int]:
        """DM channel id by partner user id (from ``ListChannelDescs{channel_type: 3}``)."""
        return dict(self._dm_channels)

    @property
    def is_ready(self) -> bool:
        """True while the socket is up and the clans are joined."""
        return self._gateway.ready

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> MezonClient:
        """Log in, connect and join the clans; return once ready (blocks; bounded by the timeouts).

        Raises:
            AuthenticationError: the bot id or API key was refused.
            HandshakeError: the socket could not be opened.
            ConfigurationError: the client was already entered.
            MezonError: other login failures.
        """
        cm = self._lifecycle()
        result = await cm.__aenter__()
        self._cm = cm
        return result

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool | None:
        """Close everything within ``close_timeout`` (blocks at most that long, shielded)."""
        cm, self._cm = self._cm, None
        assert cm is not None
        return await cm.__aexit__(exc_type, exc, tb)

    @asynccontextmanager
    async def _lifecycle(self) -> AsyncIterator[MezonClient]:
        if self._state is not _State.NEW:
            raise ConfigurationError(
                "this MezonClient was already started; a client runs once: create a new MezonClient"
            )
        self._state = _State.OPENING
        body_exc: BaseException | None = None
        ours_cancelled = False
        internal: BaseException | None = None
        cancelled_group: BaseExceptionGroup[BaseException] | None = None
        try:
            async with self._rest:
                try:
                    async with trio.open_nursery() as nursery:
                        self._nursery = nursery
                        try:
                            await self._start(nursery)
                            self._state = _State.RUNNING
                            try:
                                yield self
                            except BaseException as exc:
                                body_exc = exc
                                ours_cancelled = nursery.cancel_scope.cancel_called
                        finally:
                            await self._shutdown()
                            nursery.cancel_scope.cancel()
                except BaseExceptionGroup as group:
                    internal = _collapse(group)
                    if internal is None:
                        cancelled_group = group
        finally:
            self._state = _State.CLOSED
            self._nursery = None
            self._hub.close()
            self._stopped.set()
            log.info("client closed")
        if body_exc is not None and not (
            isinstance(body_exc, trio.Cancelled) and ours_cancelled and internal is not None
        ):
            if internal is not None:
                _attach_context(body_exc, internal)
            raise body_exc
        if internal is not None:
            raise internal
        if cancelled_group is not None:
            raise cancelled_group

    async def _start(self, nursery: trio.Nursery) -> None:
        send, receive = trio.open_memory_channel[rt.Envelope](_INTERNAL_QUEUE)
        self._internal_send = send
        await nursery.start(self._hub.run_handlers)
        nursery.start_soon(self._internal_worker, receive, name="mezon-internal-joins")
        await nursery.start(self._supervise, name="mezon-connection")
        nursery.start_soon(self._session.run_refresher, name="mezon-session-refresher")

    async def _shutdown(self) -> None:
        """Close the socket and the streams; bounded by ``close_timeout``, shielded."""
        if self._closing:
            return
        self._closing = True
        if self._state is _State.RUNNING:
            self._state = _State.CLOSING
        gateway = self._gateway
        gateway.mark_closed()
        gateway.close_socket("client closed")
        with trio.move_on_after(self._close_timeout) as scope:
            scope.shield = True
            await gateway.wait_idle()
        self._hub.close()

    async def aclose(self) -> None:
        """Close the client: socket, streams, tasks (bounded by ``close_timeout``).

        With :func:`connect_mezon`, returns once every task of the client has
        finished.  Inside ``async with``, closes the socket and ends the streams
        now; leaving the block finishes the job.  Idempotent.
        """
        if self._state is _State.NEW:
            self._state = _State.CLOSED
            self._hub.close()
            self._stopped.set()
            return
        self._stop.set()
        if self._nursery_mode:
            with trio.CancelScope(shield=True):
                with trio.move_on_after(self._close_timeout + 1.0):
                    await self._stopped.wait()
        else:
            await self._shutdown()

    async def _run_in(self, *, task_status: trio.TaskStatus[MezonClient] = trio.TASK_STATUS_IGNORED) -> None:
        self._nursery_mode = True
        async with self:
            task_status.started(self)
            await self._stop.wait()

    async def wait_ready(self) -> None:
        """Wait until the client is connected and has joined its clans (returns at once if so).

        Raises:
            ConfigurationError: the client is not running.
        """
        self._require_running("wait_ready")
        await self._gateway.wait_ready()

    async def login(self, enable_auto_reconnect: bool = True) -> None:
        """Official-SDK ``login()``: (re)connect if the socket is down on purpose, and wait until ready.

        The client already logged in when it was entered; inside its scope this
        reconnects after :meth:`close_socket` (or after a disconnect with
        auto-reconnect off) and sets whether unintended disconnects reconnect
        automatically.

        Raises:
            ConfigurationError: called outside the client's scope.
        """
        self._require_running("login")
        self._auto_reconnect = enable_auto_reconnect
        if self._gateway.ready:
            return
        self._login_requested.set()
        await self.wait_ready()

    async def close_socket(self) -> None:
        """Official-SDK ``close_socket()``: close the socket on purpose, staying in the client's scope.

        Handlers and subscriptions stay registered (unlike the official SDK); requests
        fail with ``ConnectionLost`` until :meth:`login` reconnects.  Waits for the
        closing handshake (bounded by ``close_timeout``).

        Raises:
            ConfigurationError: called outside the client's scope.
        """
        self._require_running("close_socket")
        self._login_requested = trio.Event()
        self._gateway.set_unavailable("the socket was closed with close_socket(); call login() to reconnect")
        self._gateway.close_socket("close_socket()")
        with trio.move_on_after(self._close_timeout + 1.0):
            await self._gateway.wait_idle()

    async def disconnect(self) -> None:
        """Official-SDK ``disconnect()``: same as :meth:`aclose`."""
        await self.aclose()

    def _require_running(self, what: str) -> None:
        if self._state is _State.RUNNING:
            return
        if self._state is _State.NEW:
            raise ConfigurationError(
                f"{what}() needs a running client: use `async with MezonClient(...) as client:` "
                "(which logs in) or `client = await connect_mezon(nursery, ...)`"
            )
        raise ConfigurationError(
            f"{what}() called on a client that is {self._state.value}; create a new MezonClient"
        )

    # ------------------------------------------------------------------ connection supervisor

    def _ws_url(self, session: Session) -> str:
        base = ws_base_url(
            session.ws_url, api_url=session.api_url, use_ssl=self._use_ssl, login_base=self._login_url
        )
        return ws_connect_url(base, session.token)

    async def _supervise(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Connect, run, reconnect; ``task_status.started()`` at the first ready."""
        gateway = self._gateway
        policy = self._reconnect
        first = True
        fresh_login = False  # login() after an intentional close: announce READY again
        force_login = False
        attempt = 0
        down_since = 0.0
        last_error: BaseException | None = None
        while True:
            box = _Box()
            try:
                if first or force_login:
                    session = await self._session.login()
                    force_login = False
                else:
                    session = await self._session.ensure_fresh()
                box = await self._connection(
                    self._ws_url(session),
                    first=first,
                    announce_ready=first or fresh_login,
                    attempt=attempt,
                    down_since=down_since,
                    task_status=task_status,
                )
            except AuthenticationError:
                raise
            except MezonError as exc:
                box.error = exc
            if box.error is not None:
                error = box.error
                if first:
                    raise error
                if isinstance(error, HandshakeError) and error.status == 401:
                    force_login = True  # the token was refused at the upgrade (§3.8 rule 2)
                last_error = error
                log.warning("reconnect attempt %d failed: %s", attempt, error)
            else:
                info = box.info
                assert info is not None
                first = False
                fresh_login = False
                self._hub.publish(
                    Events.DISCONNECTED.value,
                    Disconnected(
                        code=info.code, reason=info.reason, error=info.error, intentional=info.intentional
                    ),
                )
                if self._closing:
                    return
                if info.intentional or not self._auto_reconnect:
                    reason = (
                        "the socket was closed with close_socket(); call login() to reconnect"
                        if info.intentional
                        else "the connection was lost and auto-reconnect is off; call login() to reconnect"
                    )
                    gateway.set_unavailable(reason)
                    await self._login_requested.wait()
                    self._login_requested = trio.Event()
                    gateway.set_unavailable(None)
                    attempt = 0
                    fresh_login = True
                    down_since = trio.current_time()
                    continue
                if info.duration >= policy.reset_after:
                    attempt = 0
                down_since = trio.current_time()
                last_error = info.error
            attempt += 1
            if policy.max_attempts is not None and attempt > policy.max_attempts:
                raise ConnectionLost(
                    f"gave up reconnecting after {policy.max_attempts} attempts"
                ) from last_error
            delay = policy.delay(attempt)
            self._hub.publish(Events.RECONNECTING.value, Reconnecting(attempt=attempt, delay=delay))
            log.info("reconnecting in %.2f s (attempt %d)", delay, attempt)
            await trio.sleep(delay)

    async def _connection(
        self,
        url: str,
        *,
        first: bool,
        announce_ready: bool,
        attempt: int,
        down_since: float,
        task_status: trio.TaskStatus[None],
    ) -> _Box:
        """Run one socket: serve it, do the after-connect sequence, announce readiness."""
        box = _Box()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._serve_into, url, box, nursery.cancel_scope, name="mezon-gateway")
            await box.status.settled.wait()
            if not box.status.connected:
                return box
            self._hub.publish(Events.CONNECTED.value, Connected(attempt=attempt))
            try:
                await self._after_connect(first=first)
            except MezonError as exc:
                if first:
                    # Login fails as a whole; close the socket and report this error.
                    box.error = exc
                    self._gateway.close_socket("login failed")
                    await trio.sleep_forever()
                log.warning("after-connect sequence failed: %s", exc)
            self._gateway.set_ready()
            self._login_requested = trio.Event()  # a login() made during the outage is satisfied
            if announce_ready:
                self._hub.publish(
                    Events.READY.value, Ready(user_id=self.user_id, clan_ids=tuple(self._clan_ids))
                )
                if first:
                    log.info("ready: user %d, %d clans", self.user_id, len(self._clan_ids))
                    task_status.started()
            else:
                self._reconnects += 1
                downtime = trio.current_time() - down_since
                self._hub.publish(Events.RECONNECTED.value, Reconnected(attempt=attempt, downtime=downtime))
                log.info("reconnected after %d attempts (%.2f s down)", attempt, downtime)
        return box

    async def _serve_into(self, url: str, box: _Box, scope: trio.CancelScope) -> None:
        try:
            box.info = await self._gateway.serve(url, task_status=box.status)
        except MezonError as exc:
            if box.error is None:
                box.error = exc
        finally:
            box.status.settled.set()
            scope.cancel()

    async def _after_connect(self, *, first: bool) -> None:
        """§4.4: list clans, join them and clan 0, re-join channels, list DMs."""
        try:
            clans = await self.rpc("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList)
        except MezonError:
            if first:
                raise
            log.warning("ListClanDescs failed after reconnect; re-joining the known clans")
        else:
            listed = [c.clan_id for c in clans.clandesc if c.clan_id]
            self._on_clans_listed(clans.clandesc)
            self._clan_ids = list(dict.fromkeys([*listed, *(c for c in self._clan_ids if c not in listed)]))
        targets = list(dict.fromkeys([0, *self._clan_ids, *sorted(self._gateway.joined_clans)]))
        failed = await self._join_all([rt.Envelope(clan_join=rt.ClanJoin(clan_id=c)) for c in targets])
        for envelope in failed:
            assert envelope.clan_join is not None
            self._retry_clan_later(envelope.clan_join.clan_id)
        if not first and self._gateway.joined_channels:
            joins = [rt.Envelope(channel_join=j) for j in list(self._gateway.joined_channels.values())]
            for envelope in await self._join_all(joins):
                assert envelope.channel_join is not None
                log.warning("could not re-join channel %d", envelope.channel_join.channel_id)
        try:
            dms = await self.rpc(
                "ListChannelDescs",
                api.ListChannelDescsRequest(channel_type=_DM_CHANNEL_TYPE),
                api.ChannelDescList,
            )
        except MezonError as exc:
            log.warning("could not list DM channels: %s", exc)
        else:
            self._on_dm_channels_listed(dms.channeldesc)
            for desc in dms.channeldesc:
                if desc.type == _DM_CHANNEL_TYPE and desc.user_ids:
                    self._dm_channels[desc.user_ids[0]] = desc.channel_id

    async def _join_all(self, envelopes: list[rt.Envelope]) -> list[rt.Envelope]:
        """Send joins with bounded concurrency; return those that failed (not raising)."""
        limiter = trio.CapacityLimiter(_CLAN_JOIN_CONCURRENCY)
        failed: list[rt.Envelope] = []

        async def join(envelope: rt.Envelope) -> None:
            async with limiter:
                try:
                    await self._gateway.request(envelope, wait_ready=False)
                except MezonError as exc:
                    log.warning("%s failed: %s", betterproto2.which_one_of(envelope, "message")[0], exc)
                    failed.append(envelope)

        async with trio.open_nursery() as nursery:
            for envelope in envelopes:
                nursery.start_soon(join, envelope)
        return failed

    def _retry_clan_later(self, clan_id: int) -> None:
        if clan_id in self._retrying_clans or self._nursery is None or self._closing:
            return
        self._retrying_clans.add(clan_id)
        self._nursery.start_soon(self._retry_clan, clan_id, name=f"mezon-clan-join-retry:{clan_id}")

    async def _retry_clan(self, clan_id: int) -> None:
        """Join a clan that failed at (re)connect, with backoff, in the background (§4.4 step 3)."""
        try:
            delay = 2.0
            while not self._closing:
                await trio.sleep(random.uniform(delay / 2, delay))
                if clan_id in self._gateway.joined_clans and self._gateway.ready:
                    return  # a reconnect joined it meanwhile
                try:
                    await self._gateway.request(rt.Envelope(clan_join=rt.ClanJoin(clan_id=clan_id)))
                except (ClientClosed, ConfigurationError):
                    return
                except MezonError as exc:
                    log.info("clan_join %d still failing: %s", clan_id, exc)
                    delay = min(60.0, delay * 2)
                else:
                    log.info("joined clan %d after a retry", clan_id)
                    return
        finally:
            self._retrying_clans.discard(clan_id)

    # ------------------------------------------------------------------ inbound pushes (reader task)

    def _make_message(self, raw: api.ChannelMessage) -> Message:
        message = Message(raw, client=self)
        self._observe_message(message)  # cache upkeep, no I/O (quirk 15)
        return message

    def _on_push(self, data: bytes, field_number: int) -> None:
        """Called by the reader for each push: skip it, or decode, handle and publish it. Never blocks."""
        internal = field_number in _INTERNAL_FIELDS
        if not internal and field_number not in self._hub.wanted_field_numbers():
            self._pushes_skipped += 1
            return
        if field_number == _F_CHANNEL_MESSAGE:
            raw = decode_channel_message_push(data)
            if raw is not None:  # the common case, without an Envelope around the message
                self._pushes_decoded += 1
                if self._is_replay(raw):
                    return
                if self._ignore_own_messages and raw.sender_id == self.user_id:
                    self._own_messages_dropped += 1
                    return
                try:
                    # Someone listens (wanted_field_numbers), as publish_envelope would check.
                    self._hub.publish(_CHANNEL_MESSAGE_KIND, self._make_message(raw))
                except Exception as exc:
                    log.warning("skipped a bad channel_message push (%d bytes): %r", len(data), exc)
                    self._on_protocol_error(
                        ProtocolError(f"could not deliver channel_message: {type(exc).__name__}"), len(data)
                    )
                return
        kind = _KIND_BY_FIELD.get(field_number)
        if kind is None:  # an empty Envelope, or a variant newer than our schema
            self._pushes_skipped += 1
            return
        try:
            envelope = decode_push(data, kind)  # generated fast path for chat messages, checked otherwise
        except ProtocolError as exc:
            log.warning("skipped a bad %s push (%d bytes): %s", kind, len(data), exc)
            self._on_protocol_error(exc, len(data))
            return
        self._pushes_decoded += 1
        if field_number == _F_CHANNEL_MESSAGE:
            message = envelope.channel_message
            if self._is_replay(message):
                return
            if self._ignore_own_messages and message is not None and message.sender_id == self.user_id:
                self._own_messages_dropped += 1
                return
        if internal:
            self._handle_internal(field_number, envelope)
        try:
            self._hub.publish_envelope(envelope, kind=kind)
        except Exception as exc:  # e.g. a Message wrapper refusing a malformed payload
            log.warning("skipped a bad %s push (%d bytes): %r", kind, len(data), exc)
            self._on_protocol_error(
                ProtocolError(f"could not deliver {kind}: {type(exc).__name__}"), len(data)
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
            self._duplicates_dropped += 1
            log.debug("dropped a repeated channel_message push (message %d)", message.message_id)
            return True
        recent[key] = None
        if len(recent) > _REPLAY_WINDOW:
            recent.popitem(last=False)
        return False

    def _on_protocol_error(self, error: ProtocolError, size: int) -> None:
        self._protocol_errors += 1
        self._hub.publish(Events.PROTOCOL_ERROR.value, ProtocolErrorEvent(error=error, frame_size=size))

    def _handle_internal(self, field_number: int, envelope: rt.Envelope) -> None:
        me = self.user_id
        if field_number == _F_REFRESH_SESSION:
            if envelope.refresh_session_event is not None:
                self._session.adopt(envelope.refresh_session_event)
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
                if event.clan_id not in self._clan_ids:
                    self._clan_ids.append(event.clan_id)
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
            self._internal_dropped += 1
            log.warning("automatic join dropped: internal queue full")

    async def _internal_worker(self, receive: trio.MemoryReceiveChannel[rt.Envelope]) -> None:
        async with receive:
            async for envelope in receive:
                try:
                    await self._gateway.request(envelope)
                except (ClientClosed, ConfigurationError):
                    return
                except MezonError as exc:
                    log.warning(
                        "automatic %s failed: %s", betterproto2.which_one_of(envelope, "message")[0], exc
                    )

    # ------------------------------------------------------------------ requests

    async def rpc(
        self,
        method: str,
        request: betterproto2.Message,
        response_type: type[M],
        *,
        idempotent: bool | None = None,
    ) -> M:
        """Call ``/mezon.api.Mezon/<method>`` over HTTP with the session token.

        A 401 triggers one re-login (shared by concurrent callers) and one retry.
        Reads are retried on 5xx/network errors; see :class:`RestClient.call`.

        Cancellation: a cancelled write may still have been executed by the server.

        Raises:
            AuthenticationError: still 401 after logging in again.
            NotFound, Forbidden, RateLimited, ServerError, APIError: the server refused.
            RequestTimeout, TransportError: no answer.
            ProtocolError: the answer does not decode as *response_type*.
            ConfigurationError: the client is not running.
        """
        if self._state not in (_State.OPENING, _State.RUNNING):
            self._require_running("rpc")
        token = self._session.current.token
        try:
            return await self._rest.call(method, request, response_type, token=token, idempotent=idempotent)
        except AuthenticationError:
            log.info("%s: token refused, logging in again", method)
            session = await self._session.relogin(stale_token=token)
            return await self._rest.call(
                method, request, response_type, token=session.token, idempotent=idempotent
            )

    async def api_bridge(self, method: str, request: betterproto2.Message, response_type: type[M]) -> M:
        """Call an RPC over the socket (``api_request_event``, §5.11); reassembles 0xFF answers.

        Same deadline and waiting rules as socket requests (``client._gateway.request``).

        Raises:
            APIError subclass: non-zero 0xFF status (404 NotFound, 403 Forbidden, 5xx
                ServerError...) or an ``error`` reply.
            RequestTimeout, ConnectionLost, ClientClosed: see ``Gateway.request``.
            ProtocolError: the answer does not decode as *response_type*.
            ConfigurationError: the client is not running.
        """
        if self._state not in (_State.OPENING, _State.RUNNING):
            self._require_running("api_bridge")
        envelope = rt.Envelope(
            api_request_event=rt.ApiRequestEvent(
                api_index=API_INDEX.get(method, 0), api_name=method, body=bytes(request)
            )
        )
        response = await self._gateway.request_raw(envelope)
        if response.status:
            message, code, context = "", None, None
            try:
                err = rt.Error.parse(response.payload)
                message, code, context = err.message, err.code, dict(err.context)
            except Exception:  # the failure payload has no documented format (§3.5)
                pass
            raise error_for_status(
                response.status, operation=method, message=message, code=code, context=context
            )
        try:
            answer = response_type.parse(response.payload)
            check_message(answer)
            return answer
        except Exception as exc:
            raise ProtocolError(
                f"{method}: answer is not a valid {response_type.__name__} ({len(response.payload)} bytes)"
            ) from exc

    # ------------------------------------------------------------------ event streams

    def subscribe(
        self,
        *kinds: str | Events,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Event[Any]], bool] | None = None,
    ) -> Subscription[Event[Any]]:
        """Subscribe to one or more event kinds; iterate :class:`~mezon_trio.events.Event` records.

        ``async with client.subscribe(Events.CHANNEL_MESSAGE) as sub: async for ev in sub: ...``
        or bare ``async for``.  Each subscription has its own bounded buffer; see
        :mod:`mezon_trio.events` for the overflow policies.  Iteration ends when the client closes.

        Raises:
            ConfigurationError: unknown kind or bad buffer/overflow.
            ClientClosed: the client is closed.
        """
        return self._hub.subscribe(*kinds, buffer=buffer, overflow=overflow, filter=filter)

    def events(
        self,
        *kinds: str | Events,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Event[Any]], bool] | None = None,
    ) -> Subscription[Event[Any]]:
        """Same as :meth:`subscribe`."""
        return self._hub.subscribe(*kinds, buffer=buffer, overflow=overflow, filter=filter)

    def stream(
        self,
        kind: str | Events,
        *,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription[Any]:
        """Subscribe to one kind; iterate its payloads (e.g. ``rt.MessageButtonClicked``)."""
        return self._hub.stream(kind, buffer=buffer, overflow=overflow, filter=filter)

    def channel_messages(
        self,
        *,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Message], bool] | None = None,
    ) -> Subscription[Message]:
        """Pushed chat messages as :class:`~mezon_trio.models.Message` (``async for msg in ...``)."""
        sub: Subscription[Message] = self._hub.stream(
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
        """Official-SDK style handler: ``handler(payload)`` for each *event_name* event.

        Sync or async; runs in the client's nursery with bounded concurrency; a failing
        handler is logged and reported as ``Events.HANDLER_ERROR``.  May be called before
        the client is entered.  See ``EventHub.on``.
        """
        self._hub.on(
            event_name,
            handler,
            concurrency=concurrency,
            buffer=buffer,
            overflow=overflow,
            to_thread=to_thread,
        )

    def off(self, event_name: str | Events, handler: Callable[..., Any] | None = None) -> None:
        """Remove *handler* (all handlers of *event_name* when None)."""
        self._hub.off(event_name, handler)

    def on_channel_message(self, handler: Callable[[Message], Any]) -> None:
        """Handler for ``channel_message`` (payload: :class:`~mezon_trio.models.Message`)."""
        self.on(Events.CHANNEL_MESSAGE, handler)

    def on_channel_created(self, handler: Callable[[rt.ChannelCreatedEvent], Any]) -> None:
        self.on(Events.CHANNEL_CREATED, handler)

    def on_channel_updated(self, handler: Callable[[rt.ChannelUpdatedEvent], Any]) -> None:
        self.on(Events.CHANNEL_UPDATED, handler)

    def on_channel_deleted(self, handler: Callable[[rt.ChannelDeletedEvent], Any]) -> None:
        self.on(Events.CHANNEL_DELETED, handler)

    def on_token_send(self, handler: Callable[[api.TokenSentEvent], Any]) -> None:
        self.on(Events.TOKEN_SEND, handler)

    def on_message_reaction(self, handler: Callable[[api.MessageReaction], Any]) -> None:
        self.on(Events.MESSAGE_REACTION, handler)

    def on_channel_user_removed(self, handler: Callable[[rt.UserChannelRemoved], Any]) -> None:
        self.on(Events.USER_CHANNEL_REMOVED, handler)

    def on_user_channel_removed(self, handler: Callable[[rt.UserChannelRemoved], Any]) -> None:
        self.on(Events.USER_CHANNEL_REMOVED, handler)

    def on_user_clan_removed(self, handler: Callable[[rt.UserClanRemoved], Any]) -> None:
        self.on(Events.USER_CLAN_REMOVED, handler)

    def on_user_channel_added(self, handler: Callable[[rt.UserChannelAdded], Any]) -> None:
        self.on(Events.USER_CHANNEL_ADDED, handler)

    def on_give_coffee(self, handler: Callable[[api.GiveCoffeeEvent], Any]) -> None:
        self.on(Events.GIVE_COFFEE, handler)

    def on_role_event(self, handler: Callable[[rt.RoleEvent], Any]) -> None:
        self.on(Events.ROLE_EVENT, handler)

    def on_role_assign(self, handler: Callable[[rt.RoleAssignedEvent], Any]) -> None:
        self.on(Events.ROLE_ASSIGN, handler)

    def on_clan_event_created(self, handler: Callable[[Any], Any]) -> None:
        self.on(Events.CLAN_EVENT_CREATED, handler)

    def on_message_button_clicked(self, handler: Callable[[rt.MessageButtonClicked], Any]) -> None:
        self.on(Events.MESSAGE_BUTTON_CLICKED, handler)

    def on_streaming_joined_event(self, handler: Callable[[rt.StreamingJoinedEvent], Any]) -> None:
        self.on(Events.STREAMING_JOINED_EVENT, handler)

    def on_streaming_leaved_event(self, handler: Callable[[rt.StreamingLeavedEvent], Any]) -> None:
        self.on(Events.STREAMING_LEAVED_EVENT, handler)

    def on_dropdown_box_selected(self, handler: Callable[[rt.DropdownBoxSelected], Any]) -> None:
        self.on(Events.DROPDOWN_BOX_SELECTED, handler)

    def on_webrtc_signaling_fwd(self, handler: Callable[[rt.WebrtcSignalingFwd], Any]) -> None:
        self.on(Events.WEBRTC_SIGNALING_FWD, handler)

    def on_voice_started_event(self, handler: Callable[[rt.VoiceStartedEvent], Any]) -> None:
        self.on(Events.VOICE_STARTED_EVENT, handler)

    def on_voice_ended_event(self, handler: Callable[[rt.VoiceEndedEvent], Any]) -> None:
        self.on(Events.VOICE_ENDED_EVENT, handler)

    def on_voice_joined_event(self, handler: Callable[[rt.VoiceJoinedEvent], Any]) -> None:
        self.on(Events.VOICE_JOINED_EVENT, handler)

    def on_voice_leaved_event(self, handler: Callable[[rt.VoiceLeavedEvent], Any]) -> None:
        self.on(Events.VOICE_LEAVED_EVENT, handler)

    def on_quick_menu_event(self, handler: Callable[[rt.QuickMenuDataEvent], Any]) -> None:
        self.on(Events.QUICK_MENU, handler)

    def on_ai_agent_enabled_event(self, handler: Callable[[rt.AiAgentEnabledEvent], Any]) -> None:
        self.on(Events.AI_AGENT_ENABLE, handler)

    def on_notification(self, handler: Callable[[rt.Notifications], Any]) -> None:
        self.on(Events.NOTIFICATIONS, handler)

    def on_add_clan_user(self, handler: Callable[[rt.AddClanUserEvent], Any]) -> None:
        self.on(Events.ADD_CLAN_USER, handler)

    # ------------------------------------------------------------------ statistics

    def statistics(self) -> ClientStatistics:
        """A snapshot of the client's counters (socket, streams, limiters, reconnects)."""
        return ClientStatistics(
            state=self._state.value,
            gateway=self._gateway.statistics(),
            hub=self._hub.statistics(),
            api_limiter=self._rest.bucket.statistics(),
            pushes_decoded=self._pushes_decoded,
            pushes_skipped=self._pushes_skipped,
            protocol_errors=self._protocol_errors,
            reconnects=self._reconnects,
            logins=self._session.logins,
            refreshes=self._session.refreshes,
            internal_dropped=self._internal_dropped,
            duplicates_dropped=self._duplicates_dropped,
            own_messages_dropped=self._own_messages_dropped,
        )


def _enable_logging(level: int) -> None:
    logger = logging.getLogger("mezon_trio")
    logger.setLevel(level)
    if not logging.getLogger().handlers and not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)


async def connect_mezon(nursery: trio.Nursery, *args: Any, **kwargs: Any) -> MezonClient:
    """Start a :class:`MezonClient` whose tasks run in *nursery*; return it once ready.

    Takes the same arguments as :class:`MezonClient`.  The caller must
    ``await client.aclose()``; cancelling *nursery* also closes it.  Failures of the
    client's tasks reach *nursery* as :class:`~mezon_trio.errors.MezonError` subclasses.

    Raises:
        AuthenticationError, HandshakeError, MezonError: login failed (nothing is left running).
        ConfigurationError: bad arguments.
    """
    client = MezonClient(*args, **kwargs)
    started: MezonClient = await nursery.start(client._run_in, name=f"mezon-client:{client.client_id}")
    return started
