"""Hand binary WebSocket messages to the gateway straight from trio-websocket's reader task.

trio-websocket 0.12 passes every message from its reader task through a memory
channel to ``get_message()``: per message, the reader task yields and a second
task (the gateway's reader) wakes up to take it.  For a client whose whole job
on the receive side is "decode and publish, never block", that handoff is a
large share of the receive cost (``bench/``, inbound scenario).

With direct dispatch, trio-websocket's message handler reassembles binary
messages exactly as before and hands each finished one to a synchronous
callback instead of the channel.  Everything else keeps trio-websocket's path:
text messages go through the channel to ``get_message()``, and a message over
the size limit is handed to trio-websocket's own handler, which closes the
connection with 1009.  Binary messages keep their order.  The reader task
checkpoints before every ``yield_every``-th message (by default before each), so
that consumers woken by the callback keep pace and other tasks run between a
read and its dispatch, as they did while a message waited in the channel.

How: trio-websocket's reader task binds ``self._handle_message_event`` when it
starts, so a per-connection override would come too late.  :func:`prepare`
wraps that method on the class once (call it before connecting); the wrapper
only changes anything for connections that :func:`install_direct_dispatch`
opted in, every other trio-websocket connection in the process behaves as
before.  It relies on trio-websocket internals (``_handle_message_event``,
``_message_parts``, ``_message_size``, ``_max_message_size``), pinned by
``trio-websocket<0.13``; when they are missing nothing is changed, both
functions return False, and the gateway keeps reading with ``get_message()``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

import trio
import trio_websocket
from wsproto.events import BytesMessage, Event

__all__ = ["install_direct_dispatch", "prepare"]

_REQUIRED: Final = ("_message_parts", "_message_size", "_max_message_size")
_ATTR: Final = "_mezon_direct_dispatch"
_MARK: Final = "__mezon_direct__"

_Handler = Callable[[Any, Event], Awaitable[None]]


class _Dispatch:
    __slots__ = ("count", "every", "on_message")

    def __init__(self, on_message: Callable[[bytes], None], every: int) -> None:
        self.on_message = on_message
        self.every = every
        self.count = 0


def _wrap(original: _Handler) -> _Handler:
    async def _handle_message_event(self: Any, event: Event) -> None:
        dispatch: _Dispatch | None = self.__dict__.get(_ATTR)
        if dispatch is None or type(event) is not BytesMessage:
            await original(self, event)
            return
        data = event.data
        size = self._message_size + len(data)
        if size > self._max_message_size:
            await original(self, event)  # closes with 1009, as without us
            return
        parts: list[bytes | bytearray] = self._message_parts
        if not event.message_finished:
            parts.append(data)
            self._message_size = size
            return
        if parts:
            parts.append(data)
            data = b"".join(parts)
            self._message_parts = []
            self._message_size = 0
        dispatch.count += 1
        if dispatch.count >= dispatch.every:
            # Yield first: others run (and may subscribe) between the read and the dispatch,
            # as they did while the message waited in trio-websocket's channel.
            dispatch.count = 0
            await trio.lowlevel.checkpoint()
        dispatch.on_message(data if type(data) is bytes else bytes(data))

    setattr(_handle_message_event, _MARK, True)
    return _handle_message_event


def prepare() -> bool:
    """Wrap trio-websocket's message handler (once per process; idempotent).

    Connections opened before the first call keep the original handler for good.
    Returns False when this trio-websocket lacks the expected method.
    """
    cls: Any = trio_websocket.WebSocketConnection
    current = getattr(cls, "_handle_message_event", None)
    if current is None:
        return False
    if not getattr(current, _MARK, False):
        cls._handle_message_event = _wrap(current)
    return True


def install_direct_dispatch(
    conn: trio_websocket.WebSocketConnection,
    on_message: Callable[[bytes], None],
    *,
    yield_every: int = 1,
) -> bool:
    """Deliver *conn*'s binary messages to *on_message* from its reader task; True if installed.

    Needs :func:`prepare` to have run before *conn* was opened.  *on_message* runs in
    trio-websocket's reader task: it must not block, and an exception it raises ends
    that task (and so the connection), as one in the gateway's own reader would.

    Args:
        conn: a freshly opened connection.
        on_message: called with each complete binary message, in order.
        yield_every: checkpoint after this many messages in a row.
    """
    current = getattr(type(conn), "_handle_message_event", None)
    if not getattr(current, _MARK, False) or not all(hasattr(conn, name) for name in _REQUIRED):
        return False
    conn.__dict__[_ATTR] = _Dispatch(on_message, max(1, int(yield_every)))
    return True
