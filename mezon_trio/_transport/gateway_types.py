"""The gateway's value types and helpers: close information, statistics, a pending request,
the typed error of a socket ``rt.Error`` reply, and the token mask of trio-websocket's logs.
"""

from __future__ import annotations

import logging
import math
import re
from dataclasses import dataclass
from typing import Final

import betterproto2
import trio

from .._proto.mezon import realtime as rt
from .._protocol.chunks import RawResponse
from .._ratelimit import RateLimiterStatistics
from ..errors import APIError, RateLimited

__all__ = [
    "CloseInfo",
    "GatewayStatistics",
    "api_error_from_rt",
]

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


class _Expired(Exception):
    """The request's deadline passed (the gateway turns it into RequestTimeout)."""


class _Waiter:
    """A request waiting for its reply, and its own one-shot event.

    ``set()`` records that the request is over (with ``data``/``response`` or
    ``error``; ``fired`` says so) and wakes the task parked in ``wait()``: one object
    per request, where a ``trio.Event`` would add an event, its parking lot and the
    lot's dict.
    """

    __slots__ = ("_task", "data", "deadline", "error", "fired", "raw", "response")

    def __init__(self, *, raw: bool, deadline: float = math.inf) -> None:
        self.raw = raw
        #: trio time after which the gateway's expiry task fails it with _Expired.
        self.deadline = deadline
        self.fired = False
        self.data: bytes | None = None
        self.response: RawResponse | None = None
        self.error: BaseException | None = None
        self._task: trio.lowlevel.Task | None = None

    def set(self) -> None:
        """Mark the request over and wake its task (idempotent)."""
        if self.fired:
            return
        self.fired = True
        task = self._task
        if task is not None:
            self._task = None
            trio.lowlevel.reschedule(task)

    async def wait(self) -> None:
        """Park until :meth:`set` (at once if it was).  Cancellable; one waiting task at most."""
        if self.fired:
            return  # the caller has passed a checkpoint already (the write)
        self._task = trio.lowlevel.current_task()
        await trio.lowlevel.wait_task_rescheduled(self._abort)

    def _abort(self, _: object) -> trio.lowlevel.Abort:
        self._task = None
        return trio.lowlevel.Abort.SUCCEEDED


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
