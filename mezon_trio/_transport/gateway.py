"""The realtime WebSocket: one connection at a time, one reader task, cid requests (docs/protocol.md §3).

The only module that imports ``trio_websocket``.  A :class:`Gateway` outlives
its connections: :meth:`Gateway.serve` runs one socket until it closes, and the
client's supervisor calls it again to reconnect.  Requests made while no socket
is up wait for the next one (within their deadline).

Per connection, inside :meth:`serve`:

* trio-websocket's own reader task (in a private nursery),
* our reader task: peeks each frame's cid and variant field number
  (:mod:`mezon_trio._protocol.peek`); replies (cid != 0) and raw 0xFF chunks
  wake the waiting request; pushes (cid 0) go to the client's ``on_push``
  callback, which decides whether to decode them.  It never awaits anything but
  the socket, so a slow consumer cannot stall heartbeats;
* the heartbeat task: an application ``ping`` right after connecting, then every
  ``heartbeat_interval`` seconds; no ``pong`` within ``heartbeat_timeout`` closes
  the socket (the supervisor then reconnects).

Outgoing frames pass an 80 frames/s token bucket (§10.1); heartbeats take a
token without queueing behind user traffic.  Every trio-websocket exception is
translated to :mod:`mezon_trio.errors` with ``from``; logged URLs never carry
the query string (it holds the session token), and a filter on the
``trio-websocket`` logger masks the token in that library's own DEBUG records.
"""

from __future__ import annotations

import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, TypeAlias, cast
from urllib.parse import urlsplit

import betterproto2
import trio
import trio_websocket
from wsproto.utilities import LocalProtocolError

from .._proto.mezon import realtime as rt
from .._protocol.chunks import ChunkAssembler, RawResponse
from .._protocol.correlator import Correlator
from .._protocol.frames import encode_envelope, parse_raw_frame
from .._protocol.hotpath import decode_reply
from .._protocol.peek import peek_envelope
from .._ratelimit import RateLimiterStatistics, TokenBucket
from .._surface import interrupt_from
from ..errors import (
    APIError,
    ClientClosed,
    ConfigurationError,
    ConnectionLost,
    HandshakeError,
    MezonError,
    MezonInternalError,
    ProtocolError,
    RateLimited,
    RequestTimeout,
)
from . import direct
from .neterrors import describe_network_error
from .tls import certificate_error, describe_certificate_error
from .urls import redact_url

__all__ = [
    "CloseInfo",
    "Gateway",
    "GatewayStatistics",
    "WsConnect",
    "api_error_from_rt",
]

log = logging.getLogger("mezon_trio.gateway")

_TOKEN_PARAM: Final = re.compile(r"(token=)[^&#\s]*")


class _RedactTokenParam(logging.Filter):
    """trio-websocket logs the resource it connects to at DEBUG, query string included, and
    the query carries the session token (§3.1): keep the record, mask the token."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, str) and "token=" in a for a in args):
            record.args = tuple(_TOKEN_PARAM.sub(r"\1***", a) if isinstance(a, str) else a for a in args)
        if isinstance(record.msg, str) and "token=" in record.msg:
            record.msg = _TOKEN_PARAM.sub(r"\1***", record.msg)
        return True


_WS_LOGGER: Final = logging.getLogger("trio-websocket")
if not any(isinstance(f, _RedactTokenParam) for f in _WS_LOGGER.filters):
    _WS_LOGGER.addFilter(_RedactTokenParam())

#: ``ws_connect(nursery, url)`` hook: opens a WebSocket whose background task runs in *nursery*
#: (trio-websocket's ``connect_websocket_url`` contract; the sandbox's in-memory mode provides one).
WsConnect: TypeAlias = Callable[[trio.Nursery, str], Awaitable[trio_websocket.WebSocketConnection]]

_NORMAL_CLOSURE: Final = 1000
_MESSAGE_TOO_BIG: Final = 1009
_ABNORMAL_CLOSURE: Final = 1006


def api_error_from_rt(err: rt.Error, *, operation: str) -> APIError:
    """The typed error for an ``rt.Error`` reply (§3.3)."""
    message = err.message or f"error code {err.code}"
    context = dict(err.context)
    if "rate limit" in message.lower():
        return RateLimited(message, code=err.code, operation=operation, context=context)
    return APIError(message, code=err.code, operation=operation, context=context)


@dataclass(frozen=True, slots=True)
class CloseInfo:
    """How a connection ended."""

    code: int | None
    """WebSocket close code (None: TCP dropped, or we gave up on a silent peer)."""
    reason: str
    error: BaseException | None
    """The failure that ended it (None for an intentional close)."""
    intentional: bool
    """True when the application closed it (``close_socket()``, leaving the client)."""
    duration: float
    """Seconds the connection was open."""


@dataclass(frozen=True, slots=True)
class GatewayStatistics:
    """Counters since the gateway was created (across reconnects)."""

    connections: int
    connected: bool
    frames_received: int
    frames_sent: int
    pushes: int
    replies: int
    raw_frames: int
    text_frames: int
    stray_replies: int
    protocol_errors: int
    heartbeat_timeouts: int
    pending_requests: int
    partial_raw_answers: int
    send_limiter: RateLimiterStatistics


class _NotSent(Exception):
    """The socket went away before the frame was written: safe to try the next one."""


class _Waiter:
    __slots__ = ("data", "done", "error", "raw", "response")

    def __init__(self, *, raw: bool) -> None:
        self.raw = raw
        self.done = trio.Event()
        self.data: bytes | None = None
        self.response: RawResponse | None = None
        self.error: BaseException | None = None


def _operation(envelope: rt.Envelope) -> str:
    name, value = betterproto2.which_one_of(envelope, "message")
    if isinstance(value, rt.ApiRequestEvent) and value.api_name:
        return f"api_request_event:{value.api_name}"
    return name or "empty envelope"


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        if isinstance(exc, BaseExceptionGroup):
            out.extend(_leaves(exc))
        else:
            out.append(exc)
    return out


def _map_ws_error(exc: BaseException, safe_url: str) -> BaseException:
    """Translate a trio-websocket / OS exception met while connecting."""
    if isinstance(exc, MezonError) or not isinstance(exc, Exception):
        return exc
    mapped: MezonError
    bad_certificate = certificate_error(exc)
    if bad_certificate is not None:
        mapped = HandshakeError(f"{safe_url}: {describe_certificate_error(bad_certificate)}")
    elif isinstance(exc, trio_websocket.ConnectionRejected):
        mapped = HandshakeError(
            f"WebSocket upgrade to {safe_url} refused with HTTP {exc.status_code}", status=exc.status_code
        )
    elif isinstance(exc, trio_websocket.HandshakeError):
        mapped = HandshakeError(f"WebSocket handshake with {safe_url} failed: {type(exc).__name__}")
    elif isinstance(exc, trio_websocket.ConnectionClosed):
        mapped = HandshakeError(f"WebSocket to {safe_url} closed during the handshake")
    elif isinstance(exc, OSError):
        mapped = HandshakeError(f"cannot connect to {safe_url}: {describe_network_error(exc)}")
    elif isinstance(exc, (trio.BrokenResourceError, trio.ClosedResourceError)):
        mapped = HandshakeError(f"connection to {safe_url} broke during the handshake")
    elif isinstance(exc, ValueError):
        mapped = ConfigurationError(f"bad WebSocket URL {safe_url}: {exc}")
    else:
        mapped = MezonInternalError(f"unexpected {type(exc).__name__} while connecting to {safe_url}")
    mapped.__cause__ = exc
    return mapped


class _ReaderWatch:
    """Stands in for the nursery trio-websocket starts its reader task in, to learn when it ends."""

    def __init__(self, nursery: trio.Nursery, done: trio.Event) -> None:
        self._nursery = nursery
        self._done = done

    def start_soon(self, fn: Callable[..., Awaitable[object]], *args: object, name: object = None) -> None:
        async def watched() -> None:
            try:
                await fn(*args)
            finally:
                self._done.set()

        self._nursery.start_soon(watched, name=name or "trio-websocket-reader")


async def _cancel_when_set(event: trio.Event, scope: trio.CancelScope) -> None:
    await event.wait()
    scope.cancel()


async def _connect_websocket(
    nursery: trio.Nursery, url: str, *, ssl_context: ssl.SSLContext | None, **options: Any
) -> trio_websocket.WebSocketConnection:
    """``trio_websocket.connect_websocket_url`` without two flaws of trio-websocket 0.12.

    There, a connection that ends during the opening handshake (a reset, a refused
    certificate) leaves the caller waiting forever (until ``connect_timeout`` for us,
    with a misleading error), and the TCP stream of a refused upgrade is never closed.
    Here the stream is ours: the TLS handshake runs first, so a certificate failure
    raises at once with its cause, and the upgrade is raced against trio-websocket's
    reader ending.  The stream is closed on every failure.

    Raises:
        OSError, trio.BrokenResourceError: connecting or TLS failed (mapped by the caller).
        trio_websocket.ConnectionRejected: from *nursery*, as trio-websocket does.
        HandshakeError: the connection closed during the upgrade.
    """
    parts = urlsplit(url)
    secure = parts.scheme == "wss"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    resource = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    tcp = await trio.open_tcp_stream(host, port)
    stream: trio.SocketStream | trio.SSLStream[trio.SocketStream] = tcp
    try:
        if secure:
            context = ssl_context if ssl_context is not None else ssl.create_default_context()
            tls = trio.SSLStream(tcp, context, server_hostname=host, https_compatible=True)
            stream = tls
            await tls.do_handshake()
        reader_done = trio.Event()
        opened: list[trio_websocket.WebSocketConnection] = []
        async with trio.open_nursery() as race:
            race.start_soon(_cancel_when_set, reader_done, race.cancel_scope)
            conn = await trio_websocket.wrap_client_stream(
                cast(trio.Nursery, _ReaderWatch(nursery, reader_done)),
                stream,
                host if port in (80, 443) else f"{host}:{port}",
                resource,
                **options,
            )
            opened.append(conn)
            race.cancel_scope.cancel()
        if not opened:
            # A refusal raised from the reader is cancelling *nursery*: let that error through.
            await trio.lowlevel.checkpoint()
            raise HandshakeError(f"the connection to {redact_url(url)} closed during the WebSocket upgrade")
        return opened[0]
    except BaseException:
        with trio.CancelScope(shield=True):
            await trio.aclose_forcefully(stream)
        raise


class Gateway:
    """The client's realtime connection, across reconnects.

    Args:
        timeout: default request deadline in seconds (the client's ``timeout``).
        on_push: called synchronously by the reader with each cid-0 frame and its
            variant field number; must not block or raise.
        on_protocol_error: called synchronously with each undecodable frame.
        ws_rate: outgoing frames per second (``math.inf``: unlimited).
        max_frame_size: largest frame accepted or sent, in bytes.
        heartbeat_interval: seconds between application pings (0 disables them).
        heartbeat_timeout: seconds to wait for a pong before closing the socket.
        connect_timeout: bound on opening the socket (TCP, TLS, upgrade).
        close_timeout: bound on the closing handshake.
        ssl_context: for ``wss://`` (default: system trust store, verification on).
        ws_connect: replaces trio-websocket's connect (the sandbox's in-memory mode).
    """

    def __init__(
        self,
        *,
        timeout: float,
        on_push: Callable[[bytes, int], None],
        on_protocol_error: Callable[[ProtocolError, int], None],
        ws_rate: float = 80.0,
        max_frame_size: int = 4 << 20,
        heartbeat_interval: float = 10.0,
        heartbeat_timeout: float = 10.0,
        connect_timeout: float = 30.0,
        close_timeout: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
        ws_connect: WsConnect | None = None,
    ) -> None:
        self.timeout = timeout
        self._on_push = on_push
        self._on_protocol_error = on_protocol_error
        self._bucket = TokenBucket(ws_rate, max(1.0, ws_rate if ws_rate != float("inf") else 1.0))
        self._max_frame_size = max_frame_size
        self._heartbeat_interval = heartbeat_interval
        self._heartbeat_timeout = heartbeat_timeout
        self._connect_timeout = connect_timeout
        self._close_timeout = close_timeout
        self._ssl_context = ssl_context
        self._ws_connect = ws_connect

        direct.prepare()  # before any connection opens (see _transport/direct.py)
        self._correlator: Correlator[_Waiter] = Correlator()
        self._chunks = ChunkAssembler()
        self._conn: trio_websocket.WebSocketConnection | None = None
        self._ready = False
        self._open_event = trio.Event()
        self._ready_event = trio.Event()
        self._closed = False
        self._unavailable: str | None = None
        self._run_scope: trio.CancelScope | None = None
        self._intentional = False
        self._end: tuple[int | None, str, BaseException | None] | None = None
        self._close_code = (_NORMAL_CLOSURE, "")
        self._idle = trio.Event()
        self._idle.set()

        #: clans joined on the socket (clan_join replies), re-joined after a reconnect.
        self.joined_clans: set[int] = set()
        #: channels joined explicitly (channel_join replies), re-joined after a reconnect.
        self.joined_channels: dict[int, rt.ChannelJoin] = {}

        self._connections = 0
        self._frames_received = 0
        self._frames_sent = 0
        self._pushes = 0
        self._replies = 0
        self._raw_frames = 0
        self._text_frames = 0
        self._stray = 0
        self._protocol_errors = 0
        self._heartbeat_timeouts = 0

    # ------------------------------------------------------------------ state

    @property
    def connected(self) -> bool:
        """True while a socket is open."""
        return self._conn is not None

    @property
    def ready(self) -> bool:
        """True while a socket is open and the client finished its after-connect sequence."""
        return self._conn is not None and self._ready

    def set_ready(self) -> None:
        """Let user requests through (the client calls it once the clans are re-joined)."""
        if self._conn is not None:
            self._ready = True
            self._ready_event.set()

    async def wait_ready(self) -> None:
        """Wait until :attr:`ready` (returns at once if it is), whatever the availability.

        Raises:
            ClientClosed: the client closed meanwhile.
        """
        while not self.ready:
            if self._closed:
                raise ClientClosed("the client is closed")
            await self._ready_event.wait()

    def set_unavailable(self, reason: str | None) -> None:
        """Make waiting and new requests fail at once with ConnectionLost(*reason*) (None: wait again).

        Used while the socket is down on purpose (``close_socket()``, auto-reconnect off).
        """
        self._unavailable = reason
        self._wake_waiters()

    def mark_closed(self) -> None:
        """The client is closing: every pending and future request raises ClientClosed."""
        if self._closed:
            return
        self._closed = True
        for _, waiter in self._correlator.waiters():
            if not waiter.done.is_set():
                waiter.error = ClientClosed("the client closed while the request waited for its reply")
                waiter.done.set()
        self._wake_waiters()

    def _wake_waiters(self) -> None:
        # Waiters re-check the state when woken, then wait on the fresh events.
        open_event, ready_event = self._open_event, self._ready_event
        self._open_event, self._ready_event = trio.Event(), trio.Event()
        if self._conn is not None:
            self._open_event.set()
            if self._ready:
                self._ready_event.set()
        open_event.set()
        ready_event.set()

    async def wait_idle(self) -> None:
        """Wait until no :meth:`serve` call is running."""
        await self._idle.wait()

    def close_socket(self, reason: str = "") -> None:
        """Close the current socket on purpose (code 1000); :meth:`serve` then returns.

        Never blocks: the closing handshake runs in :meth:`serve`, bounded by ``close_timeout``.
        """
        self._intentional = True
        self._close_code = (_NORMAL_CLOSURE, reason)
        if self._run_scope is not None:
            self._run_scope.cancel()

    def statistics(self) -> GatewayStatistics:
        """A snapshot of the counters."""
        return GatewayStatistics(
            connections=self._connections,
            connected=self._conn is not None,
            frames_received=self._frames_received,
            frames_sent=self._frames_sent,
            pushes=self._pushes,
            replies=self._replies,
            raw_frames=self._raw_frames,
            text_frames=self._text_frames,
            stray_replies=self._stray,
            protocol_errors=self._protocol_errors,
            heartbeat_timeouts=self._heartbeat_timeouts,
            pending_requests=len(self._correlator),
            partial_raw_answers=len(self._chunks),
            send_limiter=self._bucket.statistics(),
        )

    # ------------------------------------------------------------------ one connection

    async def serve(
        self, url: str, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
    ) -> CloseInfo:
        """Open a socket to *url*, run it until it closes, and say how it ended.

        ``task_status.started()`` is called once the socket is open (reader and
        heartbeat running).  Requests in flight when it closes fail with
        :class:`ConnectionLost`; partial 0xFF answers are dropped.

        Cancellation closes the socket (bounded by ``close_timeout``, shielded).

        Raises:
            HandshakeError: connecting, TLS or the upgrade failed or took longer than
                ``connect_timeout`` (``status`` holds the HTTP status of a refused upgrade).
            ConfigurationError: the URL is not a ws/wss URL.
            ClientClosed: the gateway was closed.
        """
        if self._closed:
            raise ClientClosed("the client is closed")
        if not self._idle.is_set():
            raise MezonInternalError("Gateway.serve() is already running")
        safe = redact_url(url)
        self._idle = trio.Event()
        self._intentional = False
        self._end = None
        self._close_code = (_NORMAL_CLOSURE, "")
        opened_at: float | None = None
        try:
            try:
                async with trio.open_nursery() as ws_nursery:
                    conn = await self._open(ws_nursery, url, safe)
                    opened_at = trio.current_time()
                    graceful = False
                    try:
                        await self._run(conn, task_status)
                        # _run returned: we ended it ourselves, so trio-websocket's reader
                        # is still alive to complete the closing handshake.
                        graceful = True
                    finally:
                        self._detach()
                        close_code, close_reason = self._close_code
                        # Cancelled from outside, the library's reader is cancelled too and
                        # the handshake can never complete: send the close frame and go.
                        bound = self._close_timeout if graceful else min(0.05, self._close_timeout)
                        with trio.move_on_after(bound) as scope:
                            scope.shield = True
                            await conn.aclose(close_code, close_reason or None)
                        # trio-websocket 0.12 does not close the TCP stream when the peer
                        # drops it (aclose() returns early once a close reason is set), which
                        # leaks the socket until garbage collection.
                        stream = getattr(conn, "_stream", None)
                        if isinstance(stream, trio.abc.AsyncResource):
                            with trio.CancelScope(shield=True):
                                await trio.aclose_forcefully(stream)
                        ws_nursery.cancel_scope.cancel()
            except BaseExceptionGroup as group:
                _, rest = group.split(trio.Cancelled)
                if rest is None:
                    raise
                interrupt, others = interrupt_from(rest)  # Ctrl-C: a plain KeyboardInterrupt
                if interrupt is not None:
                    raise interrupt from others
                raise _map_ws_error(_leaves(rest)[0], safe) from group
        finally:
            self._run_scope = None
            self._idle.set()
        intentional = self._intentional
        end = self._ending()
        if end is not None:
            code, reason, error = end
        elif intentional:
            code, reason, error = self._close_code[0], self._close_code[1], None
        else:
            code, reason, error = None, "", None
        duration = trio.current_time() - opened_at if opened_at is not None else 0.0
        log.info("disconnected from %s (code %s%s)", safe, code, ", intentional" if intentional else "")
        return CloseInfo(
            code=code,
            reason=reason,
            error=None if intentional else error,
            intentional=intentional,
            duration=duration,
        )

    async def _open(self, nursery: trio.Nursery, url: str, safe: str) -> trio_websocket.WebSocketConnection:
        log.info("connecting to %s", safe)
        try:
            with trio.fail_after(self._connect_timeout):
                if self._ws_connect is not None:
                    return await self._ws_connect(nursery, url)
                return await _connect_websocket(
                    nursery,
                    url,
                    ssl_context=self._ssl_context,
                    subprotocols=("protobuf",),
                    max_message_size=self._max_frame_size,
                    # Read up to 64 KiB per receive (trio's default) instead of
                    # trio-websocket's 4 KiB: ~90 chat pushes per system call (bench/).
                    receive_buffer_size=None,
                )
        except trio.TooSlowError as exc:
            raise HandshakeError(
                f"connecting to {safe} took longer than {self._connect_timeout:g} s"
            ) from exc
        except Exception as exc:
            raise _map_ws_error(exc, safe) from exc

    async def _run(
        self, conn: trio_websocket.WebSocketConnection, task_status: trio.TaskStatus[None]
    ) -> None:
        # Binary messages straight from trio-websocket's reader task to _on_frame (no channel
        # handoff per message); text frames still reach _reader through get_message().
        direct.install_direct_dispatch(conn, self._on_direct_frame)
        async with trio.open_nursery() as nursery:
            self._run_scope = nursery.cancel_scope
            self._conn = conn
            self._ready = False
            self._connections += 1
            self._open_event.set()
            if self._intentional:  # close_socket() while we were connecting
                nursery.cancel_scope.cancel()
            nursery.start_soon(self._reader, conn, nursery.cancel_scope, name="mezon-gateway-reader")
            if self._heartbeat_interval > 0:
                nursery.start_soon(self._heartbeat, nursery.cancel_scope, name="mezon-gateway-heartbeat")
            log.info("connected")
            task_status.started()

    def _detach(self) -> None:
        """The socket is going away: fail requests in flight, forget partial answers."""
        self._conn = None
        self._ready = False
        self._open_event = trio.Event()
        self._ready_event = trio.Event()
        code, reason, _ = self._end or (None, "", None)
        for _, waiter in self._correlator.waiters():
            if not waiter.done.is_set():
                waiter.error = (
                    ClientClosed("the client closed while the request waited for its reply")
                    if self._closed
                    else ConnectionLost("connection lost before the reply arrived", code=code, reason=reason)
                )
                waiter.done.set()
        self._chunks.reset()

    def _ending(self) -> tuple[int | None, str, BaseException | None] | None:
        # A method, so type checkers do not narrow the attribute across the awaits in serve().
        return self._end

    def _finish(self, code: int | None, reason: str, error: BaseException | None) -> None:
        if self._end is None:
            self._end = (code, reason, error)

    # ------------------------------------------------------------------ reader

    async def _reader(self, conn: trio_websocket.WebSocketConnection, scope: trio.CancelScope) -> None:
        try:
            while True:
                message = await conn.get_message()
                self._frames_received += 1
                if type(message) is bytes:
                    self._on_frame(message)
                else:
                    self._text_frames += 1
                    log.debug("ignored a text frame (%d chars)", len(message))
        except trio_websocket.ConnectionClosed as exc:
            close = exc.reason
            # A plain int (wsproto hands out its CloseReason enum); 1006 "abnormal closure" is
            # never sent on the wire (RFC 6455 §7.4.1): the TCP stream just ended, so None.
            code = int(close.code) if close is not None and close.code != _ABNORMAL_CLOSURE else None
            reason = (close.reason or "") if close is not None else ""
            if code == _MESSAGE_TOO_BIG:
                self._protocol_error(
                    ProtocolError(f"frame larger than max_frame_size ({self._max_frame_size})"), 0
                )
            self._finish(
                code,
                reason,
                ConnectionLost(
                    f"connection closed (code {code}{': ' + reason if reason else ''})",
                    code=code,
                    reason=reason,
                ),
            )
        scope.cancel()

    def _on_direct_frame(self, data: bytes) -> None:
        self._frames_received += 1
        self._on_frame(data)

    def _on_frame(self, data: bytes) -> None:
        try:
            if data[:1] == b"\xff":
                self._on_raw(data)
                return
            head = peek_envelope(data)
        except ProtocolError as exc:
            self._protocol_error(exc, len(data))
            return
        cid = head.cid
        if cid == 0:
            self._pushes += 1
            try:
                self._on_push(data, head.field_number)
            except Exception as exc:  # the client's callback guards itself; never kill the reader
                log.exception("push handler failed")
                self._protocol_error(ProtocolError(f"push handling failed: {type(exc).__name__}"), len(data))
            return
        waiter = self._correlator.get(cid)
        if waiter is None or waiter.done.is_set():
            self._stray += 1
            log.debug("dropped a reply for unknown cid %d", cid)
            return
        self._replies += 1
        waiter.data = data
        waiter.done.set()

    def _on_raw(self, data: bytes) -> None:
        self._raw_frames += 1
        frame = parse_raw_frame(data)
        waiter = self._correlator.get(frame.cid)
        if waiter is None or waiter.done.is_set() or not waiter.raw:
            self._stray += 1
            log.debug("dropped a raw frame for unknown cid %d", frame.cid)
            return
        try:
            response = self._chunks.feed(frame, trio.current_time())
        except ProtocolError as exc:
            waiter.error = exc
            waiter.done.set()
            raise
        if response is not None:
            self._replies += 1
            waiter.response = response
            waiter.done.set()

    def _protocol_error(self, error: ProtocolError, size: int) -> None:
        self._protocol_errors += 1
        log.warning("skipped a bad frame (%d bytes): %s", size, error)
        try:
            self._on_protocol_error(error, size)
        except Exception:
            log.exception("protocol error callback failed")

    # ------------------------------------------------------------------ heartbeat

    async def _heartbeat(self, scope: trio.CancelScope) -> None:
        while True:
            conn = self._conn
            if conn is None:
                return
            with trio.move_on_after(self._heartbeat_timeout) as ping_scope:
                try:
                    await self._roundtrip(conn, rt.Envelope(ping=rt.Ping()), raw=False, priority=True)
                except (_NotSent, ConnectionLost, ClientClosed):
                    return  # the reader reports the closure
            if ping_scope.cancelled_caught:
                self._heartbeat_timeouts += 1
                log.warning("no pong within %.1f s: closing the connection", self._heartbeat_timeout)
                self._finish(
                    None,
                    "heartbeat timeout",
                    ConnectionLost(
                        f"no pong within {self._heartbeat_timeout:g} s", reason="heartbeat timeout"
                    ),
                )
                self._close_code = (_NORMAL_CLOSURE, "heartbeat timeout")
                scope.cancel()
                return
            await trio.sleep(self._heartbeat_interval)

    # ------------------------------------------------------------------ requests

    async def _wait_connection(self, ready: bool) -> trio_websocket.WebSocketConnection:
        while True:
            if self._closed:
                raise ClientClosed("the client is closed")
            if self._unavailable is not None:
                raise ConnectionLost(self._unavailable, outcome_unknown=False)
            conn = self._conn
            if conn is not None and (self._ready or not ready):
                return conn
            await (self._ready_event if ready else self._open_event).wait()

    async def _roundtrip(
        self,
        conn: trio_websocket.WebSocketConnection,
        envelope: rt.Envelope,
        *,
        raw: bool,
        priority: bool,
    ) -> _Waiter:
        waiter = _Waiter(raw=raw)
        cid = self._correlator.register(waiter)
        try:
            envelope.cid = cid
            data = encode_envelope(envelope)
            if len(data) > self._max_frame_size:
                raise ProtocolError(
                    f"{_operation(envelope)}: frame of {len(data)} bytes exceeds max_frame_size"
                )
            if priority:
                self._bucket.force()
            else:
                await self._bucket.acquire()
            if conn is not self._conn or waiter.done.is_set():
                raise _NotSent
            await self._write(conn, data)
            await waiter.done.wait()
        finally:
            self._correlator.release(cid)
            if raw:
                self._chunks.forget(cid)
        if waiter.error is not None:
            raise waiter.error
        return waiter

    async def _write(self, conn: trio_websocket.WebSocketConnection, data: bytes) -> None:
        """Write one frame, or raise _NotSent when the server cannot have received all of it.

        The server only acts on complete frames, and a write that fails (or is cut
        off) never completed the frame, so the request may go out again on the next
        socket.  A write cancelled half-way would corrupt the stream for everyone,
        so the write itself is shielded; it is bounded, since a peer that stops
        reading for that long is dead (the socket is then closed).
        """
        if conn.closed is not None:
            raise _NotSent
        with trio.CancelScope(shield=True):
            with trio.move_on_after(max(self._heartbeat_timeout, 1.0)) as bound:
                try:
                    await conn.send_message(data)
                except (trio_websocket.ConnectionClosed, LocalProtocolError):
                    raise _NotSent from None
            if bound.cancelled_caught:
                self._finish(None, "send stalled", ConnectionLost("sending stalled", reason="send stalled"))
                if self._run_scope is not None and conn is self._conn:
                    self._run_scope.cancel()
                raise _NotSent
        self._frames_sent += 1

    async def _call(self, envelope: rt.Envelope, *, raw: bool, ready: bool) -> _Waiter:
        with trio.move_on_after(self.timeout):
            while True:
                conn = await self._wait_connection(ready)
                try:
                    return await self._roundtrip(conn, envelope, raw=raw, priority=False)
                except _NotSent:
                    continue
        state = "" if self._conn is not None else " (not connected)"
        raise RequestTimeout(f"{_operation(envelope)}: no reply within {self.timeout:g} s{state}")

    async def request(self, envelope: rt.Envelope, *, wait_ready: bool = True) -> rt.Envelope:
        """Send *envelope* with a fresh cid and return the reply Envelope.

        Overwrites ``envelope.cid``.  While no socket is up (or the client has not
        re-joined its clans yet) the request waits, within its deadline.  The
        deadline is the client's ``timeout``; narrow it with ``trio.fail_after``.
        Successful ``clan_join``/``channel_join``/``channel_leave`` are remembered
        and replayed after a reconnect.

        Cancellation removes the pending entry; if the frame was already written,
        the server may still act on it.  Writing a frame is shielded (it cannot be
        cut in half), so cancellation may wait for that write.

        Args:
            wait_ready: internal: False lets the after-connect sequence through
                before the client is ready.

        Raises:
            APIError: the server answered with ``error`` (``RateLimited`` for rate limits).
            RequestTimeout: no reply within the deadline.
            ConnectionLost: the socket closed before the reply (retriable), or it
                is down on purpose (``close_socket()``).
            ClientClosed: the client closed.
            ProtocolError: the reply is not a valid Envelope, or the request
                exceeds ``max_frame_size``.
        """
        waiter = await self._call(envelope, raw=False, ready=wait_ready)
        assert waiter.data is not None
        reply = decode_reply(waiter.data)
        if reply.error is not None:
            raise api_error_from_rt(reply.error, operation=_operation(envelope))
        self._remember(envelope)
        return reply

    async def request_raw(self, envelope: rt.Envelope, *, wait_ready: bool = True) -> RawResponse:
        """Like :meth:`request` for an ``api_request_event``: return the reassembled 0xFF answer.

        The caller checks ``status`` (non-zero: failure).

        Raises:
            APIError: the server answered with an ``error`` Envelope instead.
            ProtocolError: it answered with another Envelope, or the answer is too large.
            RequestTimeout, ConnectionLost, ClientClosed: as for :meth:`request`.
        """
        waiter = await self._call(envelope, raw=True, ready=wait_ready)
        if waiter.response is not None:
            return waiter.response
        assert waiter.data is not None
        reply = decode_reply(waiter.data)
        if reply.error is not None:
            raise api_error_from_rt(reply.error, operation=_operation(envelope))
        raise ProtocolError(f"{_operation(envelope)}: expected raw 0xFF frames, got an Envelope")

    def _remember(self, envelope: rt.Envelope) -> None:
        if envelope.clan_join is not None:
            self.joined_clans.add(envelope.clan_join.clan_id)
        elif envelope.channel_join is not None:
            join = envelope.channel_join
            self.joined_channels[join.channel_id] = rt.ChannelJoin(
                clan_id=join.clan_id,
                channel_id=join.channel_id,
                channel_type=join.channel_type,
                is_public=join.is_public,
            )
        elif envelope.channel_leave is not None:
            self.joined_channels.pop(envelope.channel_leave.channel_id, None)
