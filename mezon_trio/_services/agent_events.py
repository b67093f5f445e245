"""AI-agent events: a Server-Sent Events stream, reconnected with backoff, delivered as typed events.

``GET {agent_event_url}/api/sse/metadata?appid=<bot id>&token=<api key>`` with
``Accept: text/event-stream``; every ``data:`` field is JSON ``{event_type, event_id,
timestamp, room: {room_id, room_name}, metadata}`` (docs/protocol.md §7.5). ``event_type``
``room_started`` / ``room_ended`` / ``room_summary_done`` become :class:`SessionStarted` /
:class:`SessionEnded` / :class:`RoomSummaryDone` (the official SDKs' event names
``session_started``, ``session_ended``, ``room_summary_done``). SSE framing is parsed by
`httpx-sse <https://github.com/florimondmanca/httpx-sse>`_ (MIT).

Reconnects: whenever the stream ends or fails (network error, 5xx, 404, 429, a body that
is not an event stream), :meth:`AgentEvents.run` waits ``backoff.delay(attempt)`` (or the
429's ``Retry-After`` if longer) and
connects again, sending ``Last-Event-ID`` when the server gave event ids. The attempt
counter restarts after a connection that got its ``200``. A 401/403 (the API key was
refused) ends :meth:`~AgentEvents.run` with :class:`~mezon_trio.errors.AuthenticationError`
or :class:`~mezon_trio.errors.Forbidden`: retrying cannot help.

Delivery and overflow: with ``on_event`` the events are handed to that callable (which
must not block; the client publishes them into its event hub); otherwise they go into a
bounded buffer read with ``async for event in agent_events`` (one reader). When the buffer
is full the **oldest** buffered event is dropped to make room, counted in
``statistics()["dropped"]`` and logged once per burst; the stream itself is never paused.
Iteration ends when :meth:`~AgentEvents.run` returns.

The API key travels in the query string: it is never logged (the ``httpx`` logger's
records are masked, see :mod:`.base`) and never part of an exception or a repr.
"""

from __future__ import annotations

import json
import logging
import math
import random
from collections.abc import Callable
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, Final

import httpx
import trio
from httpx_sse import EventSource, SSEError

from ..errors import (
    AuthenticationError,
    ConfigurationError,
    Forbidden,
    MezonError,
    ProtocolError,
    RateLimited,
)
from .base import http_error, status_error

__all__ = [
    "AgentEvent",
    "AgentEvents",
    "Backoff",
    "RoomSummaryDone",
    "SessionEnded",
    "SessionStarted",
    "parse_agent_event",
]

from .._models.agent_events import AgentEvent, RoomSummaryDone, SessionEnded, SessionStarted

log = logging.getLogger("mezon_trio.agent_events")

SSE_PATH: Final = "/api/sse/metadata"


_BY_TYPE: Final[dict[str, type[AgentEvent]]] = {
    "room_started": SessionStarted,
    "room_ended": SessionEnded,
    "room_summary_done": RoomSummaryDone,
}


def _timestamp(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            try:
                return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            except ValueError:
                return None
    if isinstance(value, (int, float)) and math.isfinite(value):
        return value / 1000 if value > 1e11 else float(value)
    return None


def parse_agent_event(data: str) -> AgentEvent | None:
    """The event in one SSE ``data`` field, or None (not JSON, unknown ``event_type``)."""
    try:
        obj = json.loads(data)
    except ValueError:
        return None
    if not isinstance(obj, dict):
        return None
    cls = _BY_TYPE.get(str(obj.get("event_type", "")))
    if cls is None:
        return None
    room = obj.get("room")
    if not isinstance(room, dict):
        room = {}
    metadata = obj.get("metadata")
    return cls(
        event_id=str(obj.get("event_id", "")),
        event_type=str(obj["event_type"]),
        timestamp=_timestamp(obj.get("timestamp")),
        room_id=str(room.get("room_id", "")),
        room_name=str(room.get("room_name", "")),
        metadata=MappingProxyType(dict(metadata) if isinstance(metadata, dict) else {}),
    )


@dataclass(frozen=True, slots=True)
class Backoff:
    """Reconnect delays: ``min(maximum, initial * factor**attempt)``, stretched by up to ``jitter``."""

    initial: float = 1.0
    maximum: float = 60.0
    factor: float = 2.0
    jitter: float = 0.2

    def __post_init__(self) -> None:
        if not (0 < self.initial <= self.maximum and self.factor >= 1 and 0 <= self.jitter <= 1):
            raise ConfigurationError("Backoff needs 0 < initial <= maximum, factor >= 1, 0 <= jitter <= 1")

    def delay(self, attempt: int) -> float:
        base = min(self.maximum, self.initial * self.factor ** min(attempt, 64))
        return base * (1 + self.jitter * random.random())


class _Stop(Exception):
    """The stream was refused for good (401/403)."""


class AgentEvents:
    """The AI-agent event stream of one bot.

    Args:
        base_url: the ``agent_event_url`` option (``https://host[:port]``, no path needed).
        app_id: the bot id.
        api_key: the bot's API key (sent as ``token``; never logged or shown).
        http: the ``httpx.AsyncClient`` to use (not closed here).
        buffer: events kept for ``async for`` when no ``on_event`` is given (drop-oldest beyond).
        on_event: called with each event instead of buffering (must not block or raise).
        backoff: reconnect delays.
        connect_timeout: seconds to get the response headers.
        idle_timeout: seconds without a byte after which the stream counts as lost
            (None: wait forever; servers that send keep-alive comments allow a bound).

    Raises:
        ConfigurationError: bad URL or buffer.
    """

    def __init__(
        self,
        base_url: str,
        app_id: int | str,
        api_key: str,
        *,
        http: httpx.AsyncClient,
        buffer: int = 256,
        on_event: Callable[[AgentEvent], None] | None = None,
        backoff: Backoff = Backoff(),
        connect_timeout: float = 30.0,
        idle_timeout: float | None = None,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ConfigurationError("agent_event_url must be an absolute http(s) URL")
        if buffer < 1:
            raise ConfigurationError("buffer must be >= 1")
        self._url = url.join(url.path.rstrip("/") + SSE_PATH)
        self._params = {"appid": str(app_id), "token": api_key}
        self._http = http
        self._on_event = on_event
        self._backoff = backoff
        self._timeout = httpx.Timeout(connect_timeout, read=idle_timeout)
        self._send, self._receive = trio.open_memory_channel[AgentEvent](buffer)
        self._last_event_id = ""
        self._connected = False
        self._connected_event = trio.Event()
        self._running = False
        self._connects = 0
        self._events = 0
        self._dropped = 0
        self._skipped = 0
        self._overflowing = False

    def __repr__(self) -> str:
        return f"<AgentEvents {self._url} connected={self._connected}>"

    # ------------------------------------------------------------------ reading

    def __aiter__(self) -> AgentEvents:
        return self

    async def __anext__(self) -> AgentEvent:
        try:
            return await self._receive.receive()
        except trio.EndOfChannel:
            raise StopAsyncIteration from None

    @property
    def connected(self) -> bool:
        """True while a stream is open."""
        return self._connected

    async def wait_connected(self) -> None:
        """Wait until a stream is open (returns at once if it is)."""
        while not self._connected:
            await self._connected_event.wait()

    def statistics(self) -> dict[str, int]:
        """``connects`` (streams opened), ``events`` delivered, ``dropped`` (overflow), ``skipped``
        (data that was not a known event)."""
        return {
            "connects": self._connects,
            "events": self._events,
            "dropped": self._dropped,
            "skipped": self._skipped,
        }

    # ------------------------------------------------------------------ the task

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Keep the stream open until cancelled (start it in a nursery; it reports started at once).

        Raises:
            AuthenticationError, Forbidden: the server refused the app id / API key (401/403).
            ConfigurationError: ``run`` is already running.
        """
        if self._running:
            raise ConfigurationError("AgentEvents.run is already running")
        self._running = True
        task_status.started()
        attempt = 0
        try:
            while True:
                asked = 0.0
                try:
                    await self._stream_once()
                    log.info("agent event stream ended")
                except (AuthenticationError, Forbidden):
                    raise
                except MezonError as exc:
                    log.warning("agent event stream failed: %s", exc)
                    if isinstance(exc, RateLimited) and exc.retry_after:
                        asked = exc.retry_after
                if self._connected:
                    attempt = 0
                self._set_connected(False)
                delay = max(asked, self._backoff.delay(attempt))
                attempt += 1
                log.info("agent event stream: reconnecting in %.1f s", delay)
                await trio.sleep(delay)
        finally:
            self._set_connected(False)
            self._running = False
            self._send.close()

    def _set_connected(self, value: bool) -> None:
        if value and not self._connected:
            self._connects += 1
            self._connected_event.set()
        elif not value and self._connected:
            self._connected_event = trio.Event()
        self._connected = value

    async def _stream_once(self) -> None:
        operation = "agent event stream"
        headers = {"Accept": "text/event-stream", "Cache-Control": "no-store"}
        if self._last_event_id:
            headers["Last-Event-ID"] = self._last_event_id
        try:
            async with self._http.stream(
                "GET", self._url, params=self._params, headers=headers, timeout=self._timeout
            ) as response:
                if not response.is_success:
                    raise status_error(response, operation)
                source = EventSource(response)
                try:
                    async with aclosing(source.aiter_sse()) as events:
                        self._set_connected(True)
                        async for sse in events:
                            if sse.id:
                                self._last_event_id = sse.id
                            if sse.data:
                                self._deliver(sse.data)
                except SSEError as exc:
                    raise ProtocolError(f"{operation}: the answer is not an event stream") from exc
        except httpx.HTTPError as exc:
            raise http_error(exc, operation) from exc

    def _deliver(self, data: str) -> None:
        event = parse_agent_event(data)
        if event is None:
            self._skipped += 1
            log.debug("agent event stream: skipped data that is not a known event (%d chars)", len(data))
            return
        self._events += 1
        if self._on_event is not None:
            self._on_event(event)
            return
        try:
            self._send.send_nowait(event)
            self._overflowing = False
            return
        except trio.WouldBlock:
            pass
        self._receive.receive_nowait()  # full: drop the oldest
        self._send.send_nowait(event)
        self._dropped += 1
        if not self._overflowing:
            self._overflowing = True
            log.warning("agent events: buffer full, dropping the oldest events (read them faster)")
