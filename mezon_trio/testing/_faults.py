"""Fault injection knobs, read by the sandbox on every event.

Tests mutate :class:`Faults` (``sb.faults``) at any time; the change applies to
the next frame or request. Nothing here is sticky: a fault stops as soon as the
field is reset.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .._proto.mezon import realtime as rt

__all__ = ["Faults", "OpError", "TokenBucket", "http_status_for_error"]


class OpError(Exception):
    """A request failed in a protocol-visible way.

    ``status`` is HTTP-like (400/401/403/404/429/500): the HTTP answer status
    and the raw-frame status of the bridge; ``code`` is the error code of a
    socket ``error`` reply (3 BAD_INPUT unless said otherwise); ``context`` its
    string map. Scripting methods raise it; :attr:`Faults.fail_ops` takes it.
    """

    def __init__(
        self, status: int, message: str, *, code: int = 3, context: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.context: dict[str, str] = dict(context or {})

    def __repr__(self) -> str:
        return f"OpError({self.status}, {self.message!r}, code={self.code})"

    @classmethod
    def for_code(cls, code: int, message: str, *, context: Mapping[str, str] | None = None) -> OpError:
        """The error a socket answers with ``error{code, message}``; its HTTP status follows the code
        (1-3 -> 400, 4 and 6 -> 404, 5 -> 403, else 500)."""
        return cls(_status_for_code(code), message, code=code, context=context)

    def to_rt(self) -> rt.Error:
        return rt.Error(code=self.code, message=self.message, context=dict(self.context))


def _status_for_code(code: int) -> int:
    if code in (1, 2, 3):
        return 400
    if code in (4, 6):
        return 404
    if code == 5:
        return 403
    return 500


def _op_error(value: object) -> OpError:
    if isinstance(value, OpError):
        return value
    if isinstance(value, rt.Error):
        warnings.warn(
            "Faults.fail_ops entries are OpError now: use OpError.for_code(code, message) "
            "instead of a generated rt.Error (accepted until the next release)",
            DeprecationWarning,
            stacklevel=3,
        )
        return OpError.for_code(int(value.code), value.message, context=value.context)
    raise TypeError(f"Faults.fail_ops values are OpError, not {type(value).__name__}")


class _FailOps(dict[str, OpError]):
    """``fail_ops``: a dict that turns a deprecated ``rt.Error`` value into an :class:`OpError`."""

    def __init__(self, items: Mapping[str, object] | Iterable[tuple[str, object]] = (), /) -> None:
        pairs = items.items() if isinstance(items, Mapping) else items
        super().__init__((str(k), _op_error(v)) for k, v in pairs)

    def __setitem__(self, key: str, value: object) -> None:
        super().__setitem__(key, _op_error(value))


@dataclass
class Faults:
    """Mutable fault switches (all off by default except the 60 s idle limit).

    Attributes:
        answer_pings: answer ``ping`` with ``pong`` (False: swallow pings, so a
            client's heartbeat fails).
        reply_delay: seconds to wait before each socket reply (pushes are not
            delayed). The delay runs in its own task: later frames of the same
            connection are still processed meanwhile.
        drop_replies: socket variant names (``"clan_join"``) or bridge method
            names (``"UpdateChannelMessage"``) whose requests are processed but
            never answered.
        fail_ops: socket variant name or RPC method -> the :class:`OpError` to answer
            with instead of processing the request: a socket request gets
            ``error{code, message, context}``; over HTTP the answer has the error's
            ``status`` (:meth:`OpError.for_code` derives it from the code: 1-3 -> 400,
            4 and 6 -> 404, 5 -> 403, else 500) and a JSON body; over the bridge a raw
            frame with that status and the serialized error.
        rpc_status: RPC method -> (HTTP status, Retry-After seconds or None),
            answered instead of processing (HTTP and bridge; the bridge sends the
            status in the raw frame).
        auth_status: answer the login endpoint with this status (empty body).
        chunk_size: split raw 0xFF bridge answers into chunks of this many bytes.
        raw_status: bridge method -> non-zero status for its raw answer (the
            request is not processed; payload = serialized ``rt.Error``).
        rate_limits: enforce the server budgets below: socket frames beyond the
            bucket get ``error{code 3, "rate limited"}``; RPCs get HTTP 429 with
            Retry-After (bridge: raw status 429).
        ws_frames_per_second / ws_burst: socket budget per connection (pings
            are exempt so heartbeats survive a flood).
        api_requests_per_second / api_burst: RPC budget per user.
        idle_timeout: close sockets that sent nothing for this long (close code
            1000, reason "idle timeout"); None disables.
        max_frame_size: largest accepted inbound frame; bigger frames close the
            connection with 1009 (applies to connections opened afterwards).
        once: names (socket variants or RPC methods) whose ``fail_ops`` /
            ``rpc_status`` entry fires for the next call only, then is removed
            ("fail the next call").
        offline_users: user ids held offline: their socket upgrades are refused
            with HTTP 503 (existing sockets are not touched: drop them too).
    """

    answer_pings: bool = True
    reply_delay: float = 0.0
    drop_replies: set[str] = field(default_factory=set)
    fail_ops: dict[str, OpError] = field(default_factory=_FailOps)
    rpc_status: dict[str, tuple[int, float | None]] = field(default_factory=dict)
    auth_status: int | None = None
    chunk_size: int | None = None
    raw_status: dict[str, int] = field(default_factory=dict)
    rate_limits: bool = False
    ws_frames_per_second: float = 80.0
    ws_burst: int = 80
    api_requests_per_second: float = 1.0
    api_burst: int = 5
    idle_timeout: float | None = 60.0
    max_frame_size: int = 1 << 20
    once: set[str] = field(default_factory=set)
    offline_users: set[int] = field(default_factory=set)

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "fail_ops" and not isinstance(value, _FailOps):
            value = _FailOps(value)
        object.__setattr__(self, name, value)

    def take_failure(self, name: str) -> OpError | None:
        """The injected error for *name* (removed if it was a one-shot), or None."""
        error = self.fail_ops.get(name)
        if error is not None and name in self.once:
            del self.fail_ops[name]
            self.once.discard(name)
        return error

    def take_status(self, name: str) -> tuple[int, float | None] | None:
        """The injected (status, Retry-After) for RPC *name* (removed if one-shot), or None."""
        forced = self.rpc_status.get(name)
        if forced is not None and name in self.once:
            del self.rpc_status[name]
            self.once.discard(name)
        return forced


def http_status_for_error(error: rt.Error) -> int:
    """HTTP-like status for an ``rt.Error`` (see :meth:`OpError.for_code`)."""
    return _status_for_code(int(error.code))


class TokenBucket:
    """A token bucket on the trio clock (so autojump tests work)."""

    __slots__ = ("_last", "_tokens")

    def __init__(self) -> None:
        self._tokens: float | None = None
        self._last = 0.0

    def take(self, now: float, rate: float, burst: int) -> float:
        """Take one token; return 0.0 on success, else seconds until one is available."""
        if self._tokens is None:
            self._tokens = float(burst)
        else:
            self._tokens = min(float(burst), self._tokens + (now - self._last) * rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / rate if rate > 0 else float("inf")
