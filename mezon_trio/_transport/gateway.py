"""The realtime WebSocket: one connection at a time, one reader task, cid requests (docs/protocol.md §3).

A :class:`Gateway` outlives its connections: :meth:`Gateway.serve` runs one
socket until it closes, and the client's supervisor calls it again to
reconnect.  Requests made while no socket is up wait for the next one (within
their deadline).  The socket itself is a :class:`~mezon_trio._transport.seam.FrameTransport`
opened by the client's ``ws_connect`` (default: :class:`~mezon_trio._transport.websocket.WebSocketConnector`,
wsproto over TCP/TLS; the in-memory sandbox passes its own).

Per connection, inside :meth:`serve`:

* the reader task: the transport's ``receive()`` hands each binary frame to
  :meth:`Gateway._on_frame`, which peeks its cid and variant field number
  (:mod:`mezon_trio._protocol.peek`); replies (cid != 0) and raw 0xFF chunks
  wake the waiting request; pushes (cid 0) go to the client's ``on_push``
  callback, which decides whether to decode them.  It never awaits anything but
  the socket, so a slow consumer cannot stall heartbeats;
* the heartbeat task: an application ``ping`` right after connecting, then every
  ``heartbeat_interval`` seconds; no ``pong`` within ``heartbeat_timeout`` closes
  the socket (the supervisor then reconnects);
* the deadline task: sleeps until the earliest deadline of the requests waiting
  for a reply and fails those whose deadline passed, so a request on an open
  socket needs no cancel scope of its own (waiting for a socket, or for a send
  token, still runs under one).

Outgoing frames pass an 80 frames/s token bucket (§10.1); heartbeats take a
token without queueing behind user traffic.  Transport failures arrive as
:mod:`mezon_trio.errors` (the transport translates its libraries' exceptions);
logged URLs never carry the query string (it holds the session token), and a
filter on the ``trio-websocket`` logger masks the token in that library's own
DEBUG records (the sandbox server in the same process uses it).
"""

from __future__ import annotations

import logging
import math
import ssl
from collections.abc import Callable
from typing import Final, TypeAlias

import trio

from .._proto._lazy import load as load_generated
from .._proto.mezon import realtime as rt
from .._protocol.chunks import ChunkAssembler, RawResponse
from .._protocol.correlator import Correlator
from .._protocol.frames import encode_envelope, parse_raw_frame
from .._protocol.hotpath import decode_reply
from .._protocol.peek import peek_envelope
from .._ratelimit import TokenBucket
from .._surface import interrupt_from
from ..errors import (
    ClientClosed,
    ConnectionLost,
    HandshakeError,
    MezonInternalError,
    ProtocolError,
    RequestTimeout,
)
from .gateway_types import (
    CloseInfo,
    GatewayStatistics,
    _Expired,
    _leaves,
    _NotSent,
    _operation,
    _Waiter,
    api_error_from_rt,
)
from .seam import FrameConnect, FrameTransport
from .urls import redact_url
from .websocket import WebSocket, WebSocketConnector, map_connect_error

__all__ = [
    "CloseInfo",
    "Gateway",
    "GatewayStatistics",
    "WsConnect",
    "api_error_from_rt",
]

log = logging.getLogger("mezon_trio.gateway")

#: The client's ``ws_connect`` hook: ``await ws_connect(url, max_frame_size=n)`` returns an open
#: :class:`~mezon_trio._transport.seam.FrameTransport` (the sandbox's in-memory mode provides one).
WsConnect: TypeAlias = FrameConnect

_NORMAL_CLOSURE: Final = 1000
_STALLED: Final = "send stalled"  # ConnectionLost.reason of a write that could not finish in time
_MESSAGE_TOO_BIG: Final = 1009


def _is_reply(data: bytes) -> bool:
    """A request's reply: a raw 0xFF frame, or an Envelope that starts with a non-zero ``cid``
    (field 1, written first; pushes carry cid 0, which is not written)."""
    return data[:1] in _REPLY_STARTS


_REPLY_STARTS: Final = (b"\x08", b"\xff")


class Gateway:
    """The client's realtime connection, across reconnects.

    Args:
        timeout: default request deadline in seconds (the client's ``timeout``).
        on_push: called synchronously by the reader with each cid-0 frame and its
            variant field number; must not block or raise.  A true result asks the reader to
            yield to the scheduler before the next frame (a subscriber fell behind).
        on_protocol_error: called synchronously with each undecodable frame.
        ws_rate: outgoing frames per second (``math.inf``: unlimited).
        max_frame_size: largest frame accepted or sent, in bytes.
        heartbeat_interval: seconds between application pings (0 disables them).
        heartbeat_timeout: seconds to wait for a pong before closing the socket.
        connect_timeout: bound on opening the socket (TCP, TLS, upgrade).
        close_timeout: bound on the closing handshake.
        ssl_context: for ``wss://`` (default: system trust store, verification on).
        ws_connect: opens the socket instead of the default wsproto connector (the
            sandbox's in-memory mode); *ssl_context* then does not apply.
    """

    def __init__(
        self,
        *,
        timeout: float,
        on_push: Callable[[bytes, int], bool | None],
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
        self._ws_connect: FrameConnect = (
            ws_connect
            if ws_connect is not None
            else WebSocketConnector(ssl_context=ssl_context, write_timeout=max(heartbeat_timeout, 1.0))
        )
        self._correlator: Correlator[_Waiter] = Correlator()
        self._chunks = ChunkAssembler()
        self._conn: FrameTransport | None = None
        self._ready = False
        self._open_event = trio.Event()
        self._ready_event = trio.Event()
        self._closed = False
        self._unavailable: str | None = None
        self._run_scope: trio.CancelScope | None = None
        self._expiry: trio.CancelScope | None = None  # the expiry task's sleep (see _expire)
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
            if not waiter.fired:
                waiter.error = ClientClosed("the client closed while the request waited for its reply")
                waiter.set()
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
        # The first socket pays for the generated realtime module here, before the server sees the
        # bot online, rather than in its first frame.
        load_generated(rt)
        safe = redact_url(url)
        self._idle = trio.Event()
        self._intentional = False
        self._end = None
        self._close_code = (_NORMAL_CLOSURE, "")
        opened_at: float | None = None
        try:
            transport = await self._open(url, safe)
            opened_at = trio.current_time()
            graceful = False
            try:
                try:
                    await self._run(transport, task_status)
                    graceful = True  # we ended it ourselves (or the peer did): no one is cancelling us
                except BaseExceptionGroup as group:
                    _, rest = group.split(trio.Cancelled)
                    if rest is None:
                        raise
                    interrupt, others = interrupt_from(rest)  # Ctrl-C: a plain KeyboardInterrupt
                    if interrupt is not None:
                        raise interrupt from others
                    raise _leaves(rest)[0] from group
            finally:
                self._detach()
                close_code, close_reason = self._close_code
                # Cancelled from outside: send the close frame and go.
                bound = self._close_timeout if graceful else min(0.05, self._close_timeout)
                with trio.CancelScope(deadline=trio.current_time() + bound, shield=True):
                    await transport.aclose(close_code, close_reason)
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

    async def _open(self, url: str, safe: str) -> FrameTransport:
        log.info("connecting to %s", safe)
        try:
            with trio.fail_after(self._connect_timeout):
                return await self._ws_connect(url, max_frame_size=self._max_frame_size)
        except trio.TooSlowError as exc:
            raise HandshakeError(
                f"connecting to {safe} took longer than {self._connect_timeout:g} s"
            ) from exc
        except Exception as exc:
            raise map_connect_error(exc, safe) from exc

    async def _run(self, transport: FrameTransport, task_status: trio.TaskStatus[None]) -> None:
        async with trio.open_nursery() as nursery:
            self._run_scope = nursery.cancel_scope
            self._conn = transport
            self._ready = False
            self._connections += 1
            self._open_event.set()
            if self._intentional:  # close_socket() while we were connecting
                nursery.cancel_scope.cancel()
            nursery.start_soon(self._reader, transport, nursery.cancel_scope, name="mezon-gateway-reader")
            if self._heartbeat_interval > 0:
                nursery.start_soon(self._heartbeat, nursery.cancel_scope, name="mezon-gateway-heartbeat")
            nursery.start_soon(self._expire, name="mezon-gateway-deadlines")
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
            if not waiter.fired:
                waiter.error = (
                    ClientClosed("the client closed while the request waited for its reply")
                    if self._closed
                    else ConnectionLost("connection lost before the reply arrived", code=code, reason=reason)
                )
                waiter.set()
        self._chunks.reset()

    def _ending(self) -> tuple[int | None, str, BaseException | None] | None:
        # A method, so type checkers do not narrow the attribute across the awaits in serve().
        return self._end

    def _finish(self, code: int | None, reason: str, error: BaseException | None) -> None:
        if self._end is None:
            self._end = (code, reason, error)

    # ------------------------------------------------------------------ reader

    async def _reader(self, transport: FrameTransport, scope: trio.CancelScope) -> None:
        if isinstance(transport, WebSocket):
            transport.urgent = _is_reply
        closed = await transport.receive(self._on_frame_counted, self._on_text)
        code, reason = closed.code, closed.reason
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

    def _on_text(self, text: str) -> None:
        self._frames_received += 1
        self._text_frames += 1
        log.debug("ignored a text frame (%d chars)", len(text))

    def _on_frame_counted(self, data: bytes) -> bool:
        """The transport's frame callback: True asks it to yield now (a subscriber is behind)."""
        self._frames_received += 1
        return self._on_frame(data)

    def _on_frame(self, data: bytes) -> bool:
        """Route one frame; True when it was a push after which a subscriber is behind."""
        try:
            if data[:1] == b"\xff":
                self._on_raw(data)
                return False
            head = peek_envelope(data)
        except ProtocolError as exc:
            self._protocol_error(exc, len(data))
            return False
        cid = head.cid
        if cid == 0:
            self._pushes += 1
            try:
                return bool(self._on_push(data, head.field_number))
            except Exception as exc:  # the client's callback guards itself; never kill the reader
                log.exception("push handler failed")
                self._protocol_error(ProtocolError(f"push handling failed: {type(exc).__name__}"), len(data))
            return False
        waiter = self._correlator.get(cid)
        if waiter is None or waiter.fired:
            self._stray += 1
            log.debug("dropped a reply for unknown cid %d", cid)
            return False
        self._replies += 1
        waiter.data = data
        waiter.set()
        return False

    def _on_raw(self, data: bytes) -> None:
        self._raw_frames += 1
        frame = parse_raw_frame(data)
        waiter = self._correlator.get(frame.cid)
        if waiter is None or waiter.fired or not waiter.raw:
            self._stray += 1
            log.debug("dropped a raw frame for unknown cid %d", frame.cid)
            return
        try:
            response = self._chunks.feed(frame, trio.current_time())
        except ProtocolError as exc:
            waiter.error = exc
            waiter.set()
            raise
        if response is not None:
            self._replies += 1
            waiter.response = response
            waiter.set()

    def _protocol_error(self, error: ProtocolError, size: int) -> None:
        self._protocol_errors += 1
        log.warning("skipped a bad frame (%d bytes): %s", size, error)
        try:
            self._on_protocol_error(error, size)
        except Exception:
            log.exception("protocol error callback failed")

    # ------------------------------------------------------------------ deadlines

    async def _expire(self) -> None:
        """Fail the requests on this socket whose deadline passed, as each one's passes.

        One task per connection sleeps until the earliest deadline of the requests
        waiting for a reply, instead of a cancel scope per request (about a tenth of
        a send's CPU).  A request whose deadline is earlier than the one it sleeps
        until moves its wake-up forward (:meth:`_roundtrip`).
        """
        try:
            while True:
                now = trio.current_time()
                earliest = math.inf
                for _, waiter in self._correlator.waiters():
                    if waiter.fired:
                        continue
                    if waiter.deadline <= now:
                        waiter.error = _Expired()
                        waiter.set()
                    elif waiter.deadline < earliest:
                        earliest = waiter.deadline
                with trio.CancelScope(deadline=earliest) as self._expiry:
                    await trio.sleep_forever()
        finally:
            self._expiry = None

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

    def _usable(self, ready: bool) -> FrameTransport | None:
        """The socket a request may go out on now (None: it has to wait, or fail)."""
        conn = self._conn
        if conn is not None and (self._ready or not ready) and not self._closed and self._unavailable is None:
            return conn
        return None

    async def _wait_connection(self, ready: bool) -> FrameTransport:
        while True:
            conn = self._usable(ready)
            if conn is not None:
                return conn
            if self._closed:
                raise ClientClosed("the client is closed")
            if self._unavailable is not None:
                raise ConnectionLost(self._unavailable, outcome_unknown=False)
            await (self._ready_event if ready else self._open_event).wait()

    async def _roundtrip(
        self,
        conn: FrameTransport,
        envelope: rt.Envelope,
        *,
        raw: bool,
        priority: bool,
        deadline: float = math.inf,
    ) -> _Waiter:
        """Write *envelope* on *conn* and wait for its reply.

        Raises:
            _NotSent: the frame did not go out on this socket (the caller may retry).
            _Expired: *deadline* passed (waiting for a token, or for the reply).
            ConnectionLost, ClientClosed, ProtocolError: as for :meth:`request`.
        """
        waiter = _Waiter(raw=raw, deadline=deadline)
        correlator = self._correlator
        cid = correlator.register(waiter)
        expiry = self._expiry
        if expiry is not None and deadline < expiry.deadline:
            expiry.deadline = deadline  # wake the expiry task in time for this one
        try:
            envelope.cid = cid
            data = encode_envelope(envelope)
            if len(data) > self._max_frame_size:
                raise ProtocolError(
                    f"{_operation(envelope)}: frame of {len(data)} bytes exceeds max_frame_size"
                )
            bucket = self._bucket
            if priority:
                bucket.force()
            elif bucket.try_acquire():
                # A cancelled caller sends nothing; no scheduler step otherwise (the
                # write yields).  A socket the server dropped fails the write (_NotSent).
                await trio.lowlevel.checkpoint_if_cancelled()
            else:
                with trio.move_on_at(deadline):
                    await bucket.acquire()
                    deadline = math.inf  # acquired
                if deadline != math.inf:
                    raise _Expired
            if conn is not self._conn or waiter.fired:
                if type(waiter.error) is _Expired:
                    raise waiter.error
                raise _NotSent
            await self._write(conn, data)
            await waiter.wait()
        finally:
            correlator.release(cid)
            if raw:
                self._chunks.forget(cid)
        if waiter.error is not None:
            raise waiter.error
        return waiter

    async def _write(self, conn: FrameTransport, data: bytes) -> None:
        """Write one frame, or raise _NotSent when the server cannot have received all of it.

        The server only acts on complete frames, and a write that fails (or is cut
        off) never completed the frame, so the request may go out again on the next
        socket.  A write cancelled half-way would corrupt the stream for everyone:
        the default transport's ``send`` is atomic under cancellation on its own
        (``cancel_atomic_send``: no cancel scope per write); any other transport's
        write is shielded here.  Either way it is bounded, since a peer that stops
        reading for that long is dead (the socket is then closed).
        """
        if getattr(conn, "cancel_atomic_send", False):
            try:
                await conn.send(data)
            except ConnectionLost as exc:
                if exc.reason == _STALLED:
                    self._stalled(conn)
                raise _NotSent from None
        else:
            with trio.CancelScope(
                deadline=trio.current_time() + max(self._heartbeat_timeout, 1.0), shield=True
            ) as bound:
                try:
                    await conn.send(data)
                except ConnectionLost:
                    raise _NotSent from None
            if bound.cancelled_caught:
                self._stalled(conn)
                raise _NotSent
        self._frames_sent += 1

    def _stalled(self, conn: FrameTransport) -> None:
        """A frame could not be written within the bound: give the socket up."""
        self._finish(None, _STALLED, ConnectionLost("sending stalled", reason=_STALLED))
        if self._run_scope is not None and conn is self._conn:
            self._run_scope.cancel()

    async def _call(self, envelope: rt.Envelope, *, raw: bool, ready: bool) -> _Waiter:
        """One request within the client's ``timeout``, retried on the next socket while unsent.

        The deadline holds from here to the reply: while a socket is up, the waiting for
        the reply is bounded by the gateway's expiry task (no cancel scope per request);
        waiting for a socket, and the retries, run under a cancel scope with the same deadline.
        """
        deadline = trio.current_time() + self.timeout
        try:
            conn = self._usable(ready)
            if conn is not None:  # no cancel scope: the expiry task bounds the wait for the reply
                try:
                    return await self._roundtrip(conn, envelope, raw=raw, priority=False, deadline=deadline)
                except _NotSent:
                    await trio.lowlevel.checkpoint()  # let the reader notice the closure
            with trio.move_on_at(deadline):
                while True:
                    conn = await self._wait_connection(ready)  # no scheduler step when usable now
                    try:
                        return await self._roundtrip(
                            conn, envelope, raw=raw, priority=False, deadline=deadline
                        )
                    except _NotSent:
                        await trio.lowlevel.checkpoint()  # let the reader notice the closure
                        continue
        except _Expired:
            pass
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
        the server may still act on it.  A frame is never cut in half: a write the
        kernel took part of is finished first (bounded), so cancellation may wait
        for that write.

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
