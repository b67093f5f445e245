"""Sandbox AI-agent event stream: ``GET /api/sse/metadata?appid=<bot id>&token=<api key>``.

The answer is ``text/event-stream``; each event is one ``id:`` line and one ``data:`` line of
JSON ``{event_type, event_id, timestamp, room: {room_id, room_name}, metadata}`` with
``event_type`` one of ``room_started``, ``room_ended``, ``room_summary_done``
(docs/features.md, "AI-agent events"). Tests emit events with
``sb.emit_agent_event(...)`` and cut the open streams with ``sb.drop_agent_streams()``.
A client reconnecting with ``Last-Event-ID`` gets the events it missed (the last 100 kept).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Final

import trio

__all__ = ["AGENT_EVENT_TYPES", "AbruptClose", "AgentStreamHub", "serve_agent_stream"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

PATH: Final = "/api/sse/metadata"
AGENT_EVENT_TYPES: Final = ("room_started", "room_ended", "room_summary_done")
_HISTORY: Final = 100
_STREAM_BUFFER: Final = 64


class _Stream:
    def __init__(self, app_id: int) -> None:
        self.app_id = app_id
        self.send, self.receive = trio.open_memory_channel[bytes | None](_STREAM_BUFFER)
        self.abrupt = False


class AgentStreamHub:
    """Open SSE streams of one sandbox and the recent events (for ``Last-Event-ID``)."""

    def __init__(self) -> None:
        self._streams: list[_Stream] = []
        self._history: deque[tuple[str, bytes]] = deque(maxlen=_HISTORY)
        self._counter = 0
        self._changed = trio.Event()
        #: Number of stream requests answered with 200 so far (reconnects included).
        self.connects = 0

    @property
    def open_streams(self) -> int:
        return len(self._streams)

    async def wait_streams(self, count: int = 1) -> None:
        """Wait until at least *count* streams are open."""
        while len(self._streams) < count:
            await self._changed.wait()

    async def wait_connects(self, count: int) -> None:
        """Wait until *count* stream requests have been accepted in all (reconnects included)."""
        while self.connects < count:
            await self._changed.wait()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = trio.Event()

    def emit(
        self,
        event_type: str,
        *,
        room_id: str = "room-1",
        room_name: str = "",
        metadata: Mapping[str, Any] | None = None,
        event_id: str | None = None,
        timestamp: int | None = None,
    ) -> str:
        """Send one event to every open stream; return its id. Slow readers miss it (buffer 64)."""
        self._counter += 1
        event_id = event_id or f"evt-{self._counter}"
        payload = {
            "event_type": event_type,
            "event_id": event_id,
            "timestamp": int(time.time() * 1000) if timestamp is None else timestamp,
            "room": {"room_id": room_id, "room_name": room_name or room_id},
            "metadata": dict(metadata or {}),
        }
        frame = f"id: {event_id}\ndata: {json.dumps(payload, separators=(',', ':'))}\n\n".encode()
        self._history.append((event_id, frame))
        for stream in self._streams:
            with contextlib.suppress(trio.WouldBlock, trio.ClosedResourceError):  # slow / dropped
                stream.send.send_nowait(frame)
        return event_id

    def drop_all(self, *, abrupt: bool = False) -> int:
        """End every open stream (``abrupt``: reset the connection instead of ending the body)."""
        streams, self._streams = self._streams, []
        for stream in streams:
            stream.abrupt = abrupt
            stream.send.close()
        self._notify()
        return len(streams)

    def _missed(self, last_id: str) -> list[bytes]:
        ids = [event_id for event_id, _ in self._history]
        if not last_id or last_id not in ids:
            return []
        return [frame for _, frame in list(self._history)[ids.index(last_id) + 1 :]]

    async def serve(self, app_id: int, last_id: str, receive: Receive, send: Send) -> None:
        stream = _Stream(app_id)
        self._streams.append(stream)
        self.connects += 1
        self._notify()
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", b"text/event-stream"),
                        (b"cache-control", b"no-cache"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b": connected\n\n", "more_body": True})
            for frame in self._missed(last_id):
                await send({"type": "http.response.body", "body": frame, "more_body": True})
            async with trio.open_nursery() as nursery:

                async def watch_disconnect() -> None:
                    while (await receive())["type"] != "http.disconnect":
                        pass
                    nursery.cancel_scope.cancel()

                nursery.start_soon(watch_disconnect)
                async for item in stream.receive:
                    if item is not None:
                        await send({"type": "http.response.body", "body": item, "more_body": True})
                if not stream.abrupt:
                    await send({"type": "http.response.body", "body": b""})
                nursery.cancel_scope.cancel()
            if stream.abrupt:
                raise AbruptClose
        finally:
            if stream in self._streams:
                self._streams.remove(stream)
                self._notify()


class AbruptClose(Exception):
    """Raised out of the ASGI app so that the HTTP server resets the connection."""


async def serve_agent_stream(
    hub: AgentStreamHub,
    check_key: Callable[[int, str], bool],
    query: dict[str, list[str]],
    headers: dict[str, str],
    receive: Receive,
    send: Send,
) -> None:
    """Authenticate (``appid`` + ``token`` = the bot's API key) and serve one stream."""
    app_text = query.get("appid", [""])[0]
    token = query.get("token", [""])[0]
    if not app_text.isdigit() or not check_key(int(app_text), token):
        body = b'{"code":16,"message":"unknown app or wrong token"}'
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
        return
    await hub.serve(int(app_text), headers.get("last-event-id", ""), receive, send)
