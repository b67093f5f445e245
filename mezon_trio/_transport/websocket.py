"""The default :class:`~mezon_trio._transport.seam.FrameTransport`: wsproto over a trio stream.

wsproto does the WebSocket protocol (upgrade, framing, masking, close
handshake); this module owns the I/O, through wsproto's public API only
(``WSConnection`` for the upgrade, then its ``connection``):

* one reader, :meth:`WebSocket.receive`, which reads up to 64 KiB per system call,
  feeds wsproto, and hands every complete binary message straight to the frame
  callback (no channel, no second task, no system call per frame).  It yields
  to the scheduler between a read and its dispatch (except for frames :attr:`WebSocket.urgent`
  lets through first: a request's reply need not wait a scheduler round), after every
  :data:`YIELD_EVERY` messages, and after a message whose callback returned true (someone
  is behind);
* writes serialised by a lock and built inside it, so frames never interleave and
  nothing follows our close frame; a write is atomic under cancellation (see
  :meth:`WebSocket.send`): over a TCP stream it costs no cancel scope unless the
  kernel takes only part of a frame;
* pings answered, the peer's close frame answered, messages over ``max_frame_size``
  refused with 1009 (checked while the message is still arriving);
* :meth:`WebSocket.aclose` sends our close frame, waits for the peer's, and always
  closes the stream.

:class:`WebSocketConnector` opens ``ws://`` and ``wss://`` URLs: TCP, then TLS
(verification on unless the caller's ``ssl_context`` says otherwise; a certificate
failure raises at once with its cause), then the upgrade, which fails as soon as
the stream ends.  :func:`open_websocket` upgrades any trio stream (the in-memory
sandbox passes a memory stream).  URLs in messages never carry the query string.
"""

from __future__ import annotations

import contextlib
import os
import ssl
from collections.abc import Callable, Sequence
from typing import Final, cast
from urllib.parse import urlsplit

import trio
from wsproto import ConnectionType, WSConnection
from wsproto.connection import Connection, ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Ping,
    RejectConnection,
    Request,
    TextMessage,
)
from wsproto.utilities import LocalProtocolError, RemoteProtocolError

from ..errors import ConfigurationError, ConnectionLost, HandshakeError, MezonError
from .neterrors import describe_network_error
from .seam import Closed, OnFrame, OnText
from .tls import certificate_error, describe_certificate_error
from .urls import redact_url

__all__ = [
    "WRITE_TIMEOUT",
    "YIELD_EVERY",
    "WebSocket",
    "WebSocketConnector",
    "map_connect_error",
    "open_websocket",
]

#: Messages delivered in a row before the reader yields to the scheduler: one wake-up of the
#: reader, and of each consumer, per burst of this many rather than per message (the
#: scheduler round costs about as much as decoding a message).  The client's subscriptions
#: take a whole burst in one turn (``_subscription.DRAIN_RUN`` >= this); a consumer taking one
#: item per schedule point (e.g. through a memory channel) makes its buffer pass a threshold,
#: the callback returns true and the reader yields after every message again until it caught up.
YIELD_EVERY: Final = 32
#: Default bound, in seconds, on finishing a frame the kernel took only part of: a peer that
#: reads nothing for that long is dead (the connection is then given up, see WebSocket.send).
WRITE_TIMEOUT: Final = 10.0
_READ_SIZE: Final = 65536
_MAX_RESPONSE_HEAD: Final = 65536
_MESSAGE_TOO_BIG: Final = 1009
_OPEN: Final = ConnectionState.OPEN
_STREAM_ERRORS: Final = (trio.BrokenResourceError, trio.ClosedResourceError, OSError)


def client_frame(payload: bytes, opcode: int = 0x2) -> bytes:
    """One final, masked frame carrying *payload* (RFC 6455 §5.2, §5.3): binary unless *opcode*
    says otherwise (the benchmark's bare client answers pings with it).

    What wsproto builds for a ``BytesMessage`` (which changes none of its state),
    without its copies through bytearrays: the mask is applied as one integer XOR.
    """
    n = len(payload)
    first = 0x80 | opcode
    if n < 126:
        head = bytes((first, 0x80 | n))
    elif n < 65536:
        head = bytes((first, 0xFE)) + n.to_bytes(2, "big")
    else:
        head = bytes((first, 0xFF)) + n.to_bytes(8, "big")
    mask = os.urandom(4)
    if not n:
        return head + mask
    key = (mask * ((n + 3) >> 2))[:n]
    masked = (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")
    return head + mask + masked


class _Assembly:
    """A fragmented message being put together (by wsproto's events)."""

    __slots__ = ("open", "parts", "size")

    def __init__(self) -> None:
        self.open = False
        self.parts: list[bytes | bytearray | str] = []
        self.size = 0


class WebSocket:
    """An open client WebSocket over a trio stream (see the module docstring)."""

    __slots__ = (
        "_broken",
        "_conn",
        "_leftover",
        "_lock",
        "_max",
        "_socket",
        "_stream",
        "_stream_closed",
        "_write_timeout",
        "_yield_every",
        "subprotocol",
        "urgent",
    )

    #: :meth:`send` is atomic under cancellation (the gateway then calls it without a
    #: shielded scope of its own; see :class:`~mezon_trio._transport.seam.FrameTransport`).
    cancel_atomic_send: Final = True

    def __init__(
        self,
        stream: trio.abc.Stream,
        conn: Connection,
        *,
        subprotocol: str | None,
        max_frame_size: int,
        leftover: bytes = b"",
        yield_every: int = YIELD_EVERY,
        write_timeout: float = WRITE_TIMEOUT,
    ) -> None:
        self._stream = stream
        # Over TCP (no TLS) a frame is first offered to the socket in one system call: a trio
        # socket operation that is cancelled did not happen, so no cancel scope is needed.
        self._socket = stream.socket if isinstance(stream, trio.SocketStream) else None
        self._write_timeout = write_timeout
        self._conn = conn
        self._leftover = leftover  # bytes that followed the upgrade response
        self._yield_every = max(1, yield_every)
        self._max = max_frame_size
        self._lock = trio.Lock()
        self._broken = False  # a write failed or was cut off: the stream is unusable
        self._stream_closed = False
        self.subprotocol = subprotocol
        #: Optional: called with a complete binary frame read, true when it may be handed over
        #: before the read's yield to the scheduler (the gateway: a request's reply, which no
        #: subscriber waits for).  Others still run before any frame it says no to.
        self.urgent: Callable[[bytes], bool] | None = None

    def __repr__(self) -> str:
        return f"<WebSocket {self._conn.state.name.lower()}>"

    # ------------------------------------------------------------------ writing

    async def _write(self, event: Event | bytes) -> None:
        """Write *event* (through wsproto) or a binary message's payload (framed here)."""
        lock = self._lock
        # As trio.Lock.acquire does: a pending cancellation raises here, before anything
        # is written (the stream's own check further down would mark the socket broken).
        await trio.lowlevel.checkpoint_if_cancelled()
        try:
            # Uncontended (the usual case): take it without a scheduler step; the
            # stream's write below still yields once.
            lock.acquire_nowait()
        except trio.WouldBlock:
            await lock.acquire()
        try:
            if self._broken:
                raise ConnectionLost("the connection broke")
            if type(event) is bytes:
                if self._conn.state is not _OPEN:
                    raise ConnectionLost("the connection is closing")
                data = client_frame(event)
            else:
                try:
                    data = self._conn.send(cast(Event, event))
                except LocalProtocolError:
                    raise ConnectionLost("the connection is closing") from None
            await self._write_whole(data)
        finally:
            lock.release()

    async def _write_whole(self, data: bytes) -> None:
        """Write *data* (one frame) whole; cancelled only before its first byte went out."""
        sent = 0
        sock = self._socket
        if sock is not None:
            try:
                sent = await sock.send(data)  # one system call: if cancelled, nothing was written
            except _STREAM_ERRORS as exc:
                self._broken = True
                raise ConnectionLost("the connection broke while writing") from exc
            if sent == len(data):
                return
        # The rest of a frame the kernel took part of (or any write on a stream without a
        # socket: TLS, memory): cutting it off would corrupt the stream, so cancellation
        # waits for it, within the write bound.
        with trio.CancelScope(deadline=trio.current_time() + self._write_timeout, shield=True) as bound:
            try:
                await self._stream.send_all(memoryview(data)[sent:] if sent else data)
            except _STREAM_ERRORS as exc:
                self._broken = True
                raise ConnectionLost("the connection broke while writing") from exc
            except BaseException:
                self._broken = True  # cut off half-way: the next frame would be garbage
                raise
        if bound.cancelled_caught:
            self._broken = True
            raise ConnectionLost(
                f"sending stalled: the peer read nothing for {self._write_timeout:g} s",
                reason="send stalled",
            )

    async def send(self, data: bytes) -> None:
        """Write one binary frame (see :meth:`FrameTransport.send`).

        Atomic under cancellation: if this raises ``trio.Cancelled``, no byte of the
        frame was written and the connection is intact.  Once the kernel took part of
        the frame, the rest is written even if the caller is cancelled meanwhile (the
        cancellation then lands at the caller's next checkpoint), within the write bound
        (``write_timeout``); past it the connection is unusable and this raises
        :class:`ConnectionLost` with reason ``"send stalled"``.

        Raises:
            ConnectionLost: the connection is closing or closed, or the write failed or stalled.
        """
        if self._conn.state is not _OPEN or self._broken:
            raise ConnectionLost("the connection is closed")
        await self._write(data)

    # ------------------------------------------------------------------ reading

    async def receive(self, on_frame: OnFrame, on_text: OnText) -> Closed:
        """Read until the connection ends (see :meth:`FrameTransport.receive`).

        Frames are cut from the byte stream here.  A complete, unfragmented,
        unmasked binary frame with no extension bits (every Mezon frame) goes
        straight to *on_frame*; any other frame (control, text, fragments, and
        everything while a fragmented message is open) is handed whole to wsproto,
        which validates it and says what it means.  wsproto therefore always sees
        whole frames in a valid order: its state stays exact.
        """
        conn = self._conn
        stream = self._stream
        limit = self._max
        every = self._yield_every
        buf: bytes = self._leftover
        self._leftover = b""
        chunks: list[bytes] = []  # reads waiting for the rest of a large frame
        have = len(buf)
        need = 0
        assembly = _Assembly()
        run = 0
        fresh = True
        urgent = self.urgent
        settle = False  # a read waits for its yield (before its first frame that is not urgent)
        while True:
            if not fresh:
                try:
                    chunk = await stream.receive_some(_READ_SIZE)
                except _STREAM_ERRORS:
                    chunk = b""
                if not chunk:
                    self._broken = True  # no close handshake on a stream that ended: sends fail at once
                    return Closed(None, "")
                if type(chunk) is not bytes:
                    chunk = bytes(chunk)
                have += len(chunk)
                if have < need:
                    chunks.append(chunk)  # joined once the frame is complete
                    continue
                if chunks:
                    chunks.append(chunk)
                    buf = buf + b"".join(chunks)
                    chunks.clear()
                else:
                    buf = buf + chunk if buf else chunk
                # Others run (and may subscribe) between a read and its dispatch, as they
                # would if the frames waited in a channel.
                if urgent is None:
                    await trio.lowlevel.checkpoint()
                else:
                    settle = True
                run = 0
            fresh = False
            pos = 0
            n = len(buf)
            need = 0
            while n - pos >= 2:
                b0 = buf[pos]
                b1 = buf[pos + 1]
                length = b1 & 0x7F
                head = 2
                if length == 126:
                    if n - pos < 4:
                        break
                    length = (buf[pos + 2] << 8) | buf[pos + 3]
                    head = 4
                elif length == 127:
                    if n - pos < 10:
                        break
                    length = int.from_bytes(buf[pos + 2 : pos + 10], "big")
                    head = 10
                if b1 & 0x80:
                    head += 4  # masked: wsproto refuses it (servers never mask)
                if length > limit:
                    return await self._refuse(_MESSAGE_TOO_BIG, "message too big")
                end = pos + head + length
                if end > n:
                    need = end - pos
                    break
                if b0 == 0x82 and b1 < 0x80 and not assembly.open:
                    payload = buf[pos + head : end]
                    if settle and not (urgent is not None and urgent(payload)):
                        settle = False
                        await trio.lowlevel.checkpoint()
                    behind = on_frame(payload)
                    pos = end
                    run += 1
                    if behind or run >= every:
                        run = 0
                        settle = False
                        await trio.lowlevel.checkpoint()
                    continue
                if settle:
                    settle = False
                    await trio.lowlevel.checkpoint()
                conn.receive_data(buf[pos:end])
                pos = end
                closed = await self._wsproto_events(assembly, on_frame, on_text)
                if closed is not None:
                    return closed
            buf = buf[pos:] if pos else buf
            have = len(buf)

    async def _wsproto_events(self, assembly: _Assembly, on_frame: OnFrame, on_text: OnText) -> Closed | None:
        limit = self._max
        for event in self._conn.events():
            kind = type(event)
            if kind is BytesMessage or kind is TextMessage:
                assert isinstance(event, (BytesMessage, TextMessage))
                data = event.data
                assembly.size += len(data)
                if assembly.size > limit:
                    return await self._refuse(_MESSAGE_TOO_BIG, "message too big")
                assembly.parts.append(data)
                assembly.open = not event.message_finished
                if assembly.open:
                    continue
                parts = assembly.parts
                assembly.parts = []
                assembly.size = 0
                if kind is TextMessage:
                    on_text("".join(cast(list[str], parts)))
                else:
                    on_frame(b"".join(cast(list[bytes], parts)))
            elif kind is Ping:
                assert isinstance(event, Ping)
                await self._quiet_write(event.response())
            elif kind is CloseConnection:
                assert isinstance(event, CloseConnection)
                return await self._closed_by_event(event)
        return None

    async def _closed_by_event(self, event: CloseConnection) -> Closed:
        code = int(event.code)
        reason = event.reason or ""
        if self._conn.state is ConnectionState.REMOTE_CLOSING:
            await self._quiet_write(event.response())  # the peer's close: answer it
        elif self._conn.state is _OPEN:
            await self._quiet_write(
                CloseConnection(code=code, reason=reason or None)
            )  # a frame wsproto refused
        return Closed(code, reason)

    async def _refuse(self, code: int, reason: str) -> Closed:
        await self._quiet_write(CloseConnection(code=code, reason=reason))
        return Closed(code, reason)

    async def _quiet_write(self, event: Event) -> None:
        with contextlib.suppress(ConnectionLost):  # the reader reports the end of the stream
            await self._write(event)

    # ------------------------------------------------------------------ closing

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Closing handshake, then close the stream (see :meth:`FrameTransport.aclose`)."""
        if self._stream_closed:
            return
        try:
            if not self._broken:
                if self._conn.state is _OPEN:
                    await self._write(CloseConnection(code=code, reason=reason or None))
                await self._await_close_reply()
        except (ConnectionLost, *_STREAM_ERRORS):
            pass
        finally:
            self._stream_closed = True
            await trio.aclose_forcefully(self._stream)

    async def _await_close_reply(self) -> None:
        conn = self._conn
        while conn.state is ConnectionState.LOCAL_CLOSING:
            for event in conn.events():
                if type(event) is CloseConnection:
                    return
            chunk = await self._stream.receive_some(_READ_SIZE)
            if not chunk:
                return
            conn.receive_data(cast(bytes, chunk))  # wsproto buffers bytearray too


async def open_websocket(
    stream: trio.abc.Stream,
    *,
    host: str,
    resource: str,
    subprotocols: Sequence[str] = ("protobuf",),
    max_frame_size: int,
    safe_url: str,
    write_timeout: float = WRITE_TIMEOUT,
) -> WebSocket:
    """Run the client's opening handshake on *stream* and return the open :class:`WebSocket`.

    The stream stays the caller's to close when this raises.

    Raises:
        HandshakeError: the server refused the upgrade (``status`` set), answered
            something that is not a WebSocket upgrade, or the stream ended first.
    """
    ws = WSConnection(ConnectionType.CLIENT)
    try:
        await stream.send_all(ws.send(Request(host=host, target=resource, subprotocols=list(subprotocols))))
        received = b""
        while True:
            end = received.find(b"\r\n\r\n")
            if end < 0:
                if len(received) > _MAX_RESPONSE_HEAD:
                    raise HandshakeError(
                        f"WebSocket handshake with {safe_url} failed: response head too large"
                    )
                chunk = await stream.receive_some(_READ_SIZE)
                if not chunk:
                    raise HandshakeError(f"the connection to {safe_url} closed during the WebSocket upgrade")
                received += chunk
                continue
            # wsproto gets the response head only: the frames after it are cut by receive(),
            # so wsproto's connection starts with an empty buffer (see WebSocket.receive).
            ws.receive_data(received[: end + 4])
            received = received[end + 4 :]
            for event in ws.events():
                if isinstance(event, AcceptConnection):
                    conn = ws.connection
                    assert conn is not None
                    return WebSocket(
                        stream,
                        conn,
                        subprotocol=event.subprotocol,
                        max_frame_size=max_frame_size,
                        leftover=received,
                        write_timeout=write_timeout,
                    )
                if isinstance(event, RejectConnection):
                    raise HandshakeError(
                        f"WebSocket upgrade to {safe_url} refused with HTTP {event.status_code}",
                        status=event.status_code,
                    )
    except RemoteProtocolError as exc:
        raise HandshakeError(f"WebSocket handshake with {safe_url} failed: {exc}") from exc
    except _STREAM_ERRORS as exc:
        raise map_connect_error(exc, safe_url) from exc


def map_connect_error(exc: BaseException, safe_url: str) -> BaseException:
    """The :class:`MezonError` for a failure while connecting (anything else passes through)."""
    if isinstance(exc, MezonError) or not isinstance(exc, Exception):
        return exc
    mapped: MezonError
    bad_certificate = certificate_error(exc)
    if bad_certificate is not None:
        mapped = HandshakeError(f"{safe_url}: {describe_certificate_error(bad_certificate)}")
    elif isinstance(exc, OSError):
        mapped = HandshakeError(f"cannot connect to {safe_url}: {describe_network_error(exc)}")
    elif isinstance(exc, (trio.BrokenResourceError, trio.ClosedResourceError)):
        mapped = HandshakeError(f"connection to {safe_url} broke during the handshake")
    elif isinstance(exc, ValueError):
        mapped = ConfigurationError(f"bad WebSocket URL {safe_url}: {exc}")
    else:
        mapped = HandshakeError(f"unexpected {type(exc).__name__} while connecting to {safe_url}")
    mapped.__cause__ = exc
    return mapped


class WebSocketConnector:
    """Opens ``ws://`` / ``wss://`` URLs over TCP (and TLS): the client's default ``ws_connect``.

    Args:
        ssl_context: for ``wss://`` (default: the system trust store, verification on).
        subprotocols: offered in the upgrade (Mezon: ``protobuf``).
        write_timeout: bound on finishing a frame the kernel took part of (see :meth:`WebSocket.send`).
    """

    __slots__ = ("_ssl_context", "_subprotocols", "_write_timeout")

    def __init__(
        self,
        *,
        ssl_context: ssl.SSLContext | None = None,
        subprotocols: Sequence[str] = ("protobuf",),
        write_timeout: float = WRITE_TIMEOUT,
    ) -> None:
        self._ssl_context = ssl_context
        self._subprotocols = tuple(subprotocols)
        self._write_timeout = write_timeout

    async def __call__(self, url: str, *, max_frame_size: int) -> WebSocket:
        safe = redact_url(url)
        parts = urlsplit(url)
        if parts.scheme not in ("ws", "wss"):
            raise ConfigurationError(f"bad WebSocket URL {safe}: the scheme must be ws or wss")
        secure = parts.scheme == "wss"
        try:
            host = parts.hostname or ""
            port = parts.port or (443 if secure else 80)
        except ValueError as exc:
            raise ConfigurationError(f"bad WebSocket URL {safe}: {exc}") from exc
        if not host:
            raise ConfigurationError(f"bad WebSocket URL {safe}: no host")
        resource = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        try:
            tcp = await trio.open_tcp_stream(host, port)
        except OSError as exc:
            raise map_connect_error(exc, safe) from exc
        stream: trio.abc.Stream = tcp
        try:
            if secure:
                context = self._ssl_context if self._ssl_context is not None else ssl.create_default_context()
                tls = trio.SSLStream(tcp, context, server_hostname=host, https_compatible=True)
                stream = tls
                try:
                    await tls.do_handshake()
                except _STREAM_ERRORS as exc:
                    raise map_connect_error(exc, safe) from exc
            return await open_websocket(
                stream,
                host=host if port in (80, 443) else f"{host}:{port}",
                resource=resource,
                subprotocols=self._subprotocols,
                max_frame_size=max_frame_size,
                safe_url=safe,
                write_timeout=self._write_timeout,
            )
        except BaseException:
            await trio.aclose_forcefully(stream)
            raise
