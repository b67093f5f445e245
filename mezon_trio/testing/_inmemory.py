"""The sandbox's in-memory WebSockets (bound as ``Sandbox.ws_connect`` / ``Sandbox.frame_connect``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import trio
import trio.testing
import trio_websocket

from .._transport.seam import FrameTransport
from .._transport.urls import redact_url
from .._transport.websocket import open_websocket

if TYPE_CHECKING:
    from ._server import Sandbox

__all__ = ["frame_connect", "ws_connect"]

_MemoryStream = trio.StapledStream[trio.testing.MemorySendStream, trio.testing.MemoryReceiveStream]


def _connect_in_memory(self: Sandbox, url: str) -> tuple[_MemoryStream, str, str]:
    """A memory stream pair whose server side the sandbox's gateway serves (in its nursery);
    returns the client side, the host and the resource (path and query) of *url*."""
    parts = urlsplit(url)
    resource = parts.path or "/"
    if parts.query:
        resource += "?" + parts.query
    client, server = trio.testing.memory_stream_pair()
    self._nursery.start_soon(self._gateway.handle_stream, server)
    return client, parts.netloc or "sandbox", resource


async def ws_connect(
    self: Sandbox,
    nursery: trio.Nursery,
    url: str,
    *,
    subprotocols: Iterable[str] | None = ("protobuf",),
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    message_queue_size: int = 1,
    max_message_size: int = 1 << 20,
) -> trio_websocket.WebSocketConnection:
    """Open a WebSocket to the sandbox over a memory stream pair (any host in *url*).

    The client side runs in *nursery* (like ``trio_websocket.connect_websocket``:
    a rejected handshake raises ``ConnectionRejected`` from that nursery), the
    server side in the sandbox's nursery.
    """
    client, host, resource = _connect_in_memory(self, url)
    return await trio_websocket.wrap_client_stream(
        nursery,
        client,  # type: ignore[arg-type]  # any trio Stream works
        host,
        resource,
        subprotocols=subprotocols,
        extra_headers=extra_headers,
        message_queue_size=message_queue_size,
        max_message_size=max_message_size,
    )


async def frame_connect(self: Sandbox, url: str, *, max_frame_size: int) -> FrameTransport:
    """The client's ``ws_connect`` in in-memory mode: its WebSocket over a memory stream pair.

    The client side is the client's own wsproto transport (the same code as over
    TCP), the server side runs in the sandbox's nursery.
    """
    client, host, resource = _connect_in_memory(self, url)
    try:
        return await open_websocket(
            client,
            host=host,
            resource=resource,
            max_frame_size=max_frame_size,
            safe_url=redact_url(url),
        )
    except BaseException:
        await trio.aclose_forcefully(client)
        raise
