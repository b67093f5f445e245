"""The sandbox's connection record, its operation error and small helpers (shared by the core)."""

from __future__ import annotations

import contextlib
import socket
import struct
import time
from typing import TYPE_CHECKING

import trio
import trio_websocket

from ._faults import OpError as OpError
from ._faults import TokenBucket
from ._state import Channel

if TYPE_CHECKING:
    from ._core import SandboxCore


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units (JavaScript ``length``), docs/protocol.md §10.2."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def now_s() -> int:
    return int(time.time())


class Connection:
    """One accepted WebSocket of one user."""

    def __init__(
        self,
        core: SandboxCore,
        ws: trio_websocket.WebSocketConnection,
        stream: trio.abc.Stream,
        user_id: int,
        *,
        conn_id: int,
        query: dict[str, str],
    ) -> None:
        self.core = core
        self.ws = ws
        self.stream = stream
        self.user_id = user_id
        self.id = conn_id
        self.session_id = conn_id & 0x7FFFFFFF
        self.query = query
        self.clans: set[int] = set()
        self.channels: set[int] = set()
        self.bucket = TokenBucket()
        self.scope = trio.CancelScope()
        self.close_request: tuple[int | None, str] | None = None
        self.closed = False
        self.nursery: trio.Nursery | None = None

    def __repr__(self) -> str:
        return f"<Connection #{self.id} user={self.user_id}>"

    async def send(self, data: bytes | str) -> bool:
        """Write one frame; False if the connection is gone (never raises for that)."""
        if self.closed:
            return False
        try:
            await self.ws.send_message(data)
        except trio_websocket.ConnectionClosed:
            return False
        return True

    def request_close(self, code: int | None, reason: str = "") -> None:
        """Ask the connection's task to close it: abruptly (``code=None``) or with *code*."""
        if self.close_request is None:
            self.close_request = (code, reason)
            if code is None:
                self._reset_now()
        self.scope.cancel()

    def _reset_now(self) -> None:
        """An abrupt drop of a TCP socket happens now (RST), not when the connection's task
        next runs: whatever the client writes after ``drop_connections()`` returned fails
        to send, as after a real network drop, instead of racing the sandbox's own task."""
        sock = getattr(self.stream, "socket", None)
        if sock is None:  # in memory, or TLS: the connection's task closes it
            return
        with contextlib.suppress(OSError):
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()

    def sees_channel(self, channel: Channel) -> bool:
        return channel.clan_id in self.clans or channel.id in self.channels
