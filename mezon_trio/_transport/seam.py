"""The frame-transport seam: what the gateway needs from a WebSocket, and nothing more.

A :class:`FrameConnect` opens a connection to a ``ws://`` / ``wss://`` URL and
returns a :class:`FrameTransport`; the transport sends whole binary frames,
hands every received binary frame to a callback from :meth:`FrameTransport.receive`
(the only reader of the connection), and closes with a code and a reason.
Like an httpx transport, it knows nothing about Mezon: cids, heartbeats and
rate limits live in :mod:`mezon_trio._transport.gateway`.

Two implementations use this seam: :mod:`mezon_trio._transport.websocket`
(wsproto over a TCP or TLS stream: the default, and over a memory stream the
in-memory sandbox, ``mezon_trio.testing``), and anything a test passes as the
client's ``ws_connect``.

Errors (all :class:`mezon_trio.errors.MezonError`):

* opening raises :class:`~mezon_trio.errors.HandshakeError` (``status`` set for a
  refused upgrade) or :class:`~mezon_trio.errors.ConfigurationError` (bad URL);
* :meth:`FrameTransport.send` raises :class:`~mezon_trio.errors.ConnectionLost`
  when the frame cannot have reached the peer (the connection is closing or gone);
* :meth:`FrameTransport.receive` never raises for a connection that ends: it
  returns a :class:`Closed` saying how.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Closed", "FrameConnect", "FrameTransport", "OnFrame", "OnText"]

#: Called with each complete binary frame, in order, from inside :meth:`FrameTransport.receive`.
#: It must not block; an exception it raises ends ``receive()`` (and so the connection).  A true
#: result asks the transport to yield to the scheduler before the next frame (someone the
#: frame woke is behind); the transport yields every few frames in any case.
OnFrame = Callable[[bytes], bool | None]
#: Called with each complete text frame (Mezon never sends one; the gateway counts them).
OnText = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class Closed:
    """How a connection ended, as seen by :meth:`FrameTransport.receive`."""

    code: int | None
    """The close code (the peer's, or ours for a frame we refused: 1002, 1007, 1009);
    None when the stream ended without a close frame (1006 is never on the wire)."""
    reason: str


class FrameTransport(Protocol):
    """One open WebSocket carrying binary frames."""

    @property
    def subprotocol(self) -> str | None:
        """The subprotocol the server accepted (Mezon: ``"protobuf"``)."""
        ...

    async def send(self, data: bytes) -> None:
        """Write one binary frame.

        Safe to call from several tasks (frames are written one at a time, whole).
        Cancelling a write half-way breaks the connection for everyone, so the gateway
        shields each call, unless the transport has a true ``cancel_atomic_send``
        attribute (optional): it then promises that a ``send`` raising ``trio.Cancelled``
        wrote nothing, and that a frame it began is finished (or the connection given
        up with ``ConnectionLost(reason="send stalled")``) even if its caller is cancelled.
        The default transport does that without a cancel scope per frame.

        Raises:
            ConnectionLost: the connection is closing or closed, or the write failed.
        """
        ...

    async def receive(self, on_frame: OnFrame, on_text: OnText) -> Closed:
        """Read until the connection ends, calling *on_frame* for each binary frame.

        Answers pings and the peer's close frame itself.  Call it once, from one task;
        cancelling it loses no frame that was already handed to *on_frame*.
        """
        ...

    async def aclose(self, code: int = 1000, reason: str = "") -> None:
        """Run the closing handshake (when the connection is still open), then close the stream.

        Idempotent.  Bound it from outside (``trio.move_on_after``); whatever happens,
        the underlying stream is closed when it returns or is cancelled.
        """
        ...


class FrameConnect(Protocol):
    """Opens a :class:`FrameTransport` (the client's ``ws_connect`` argument)."""

    def __call__(self, url: str, *, max_frame_size: int) -> Awaitable[FrameTransport]:
        """Connect to *url* (``ws://`` or ``wss://``; the query may carry a token: never log it).

        *max_frame_size*: received messages larger than this close the connection with 1009.
        """
        ...
