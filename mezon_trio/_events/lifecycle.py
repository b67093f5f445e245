"""Events the client produces itself: connection lifecycle and error reports."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar, final

from .._proto.mezon import api
from ..errors import ProtocolError
from .base import BaseEvent, register

__all__ = [
    "Connected",
    "Disconnected",
    "HandlerError",
    "ProtocolErrorEvent",
    "Ready",
    "Reconnected",
    "Reconnecting",
    "SessionRefreshed",
]


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class Ready(BaseEvent):
    """The client is authenticated, connected and has joined its clans."""

    user_id: int
    clan_ids: tuple[int, ...]


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class Connected(BaseEvent):
    """The socket is open (``attempt`` is 0 for the first connection)."""

    attempt: int


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class Disconnected(BaseEvent):
    """The socket closed; ``intentional`` is True when the application closed it."""

    code: int | None
    reason: str
    error: BaseException | None
    intentional: bool


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class Reconnecting(BaseEvent):
    """Reconnect attempt ``attempt`` (1-based) starts after ``delay`` seconds."""

    attempt: int
    delay: float


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class Reconnected(BaseEvent):
    """The connection is back after ``attempt`` attempts and ``downtime`` seconds."""

    attempt: int
    downtime: float


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class SessionRefreshed(BaseEvent):
    """The server issued a new session (docs/protocol.md §2.5); the client already uses it.

    The tokens themselves are never part of an event.
    """

    user_id: int
    session_id: str = ""


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class HandlerError(BaseEvent):
    """A handler raised (or fell behind and events were dropped).

    Attributes:
        event: the event the handler failed on (for routers: the event's name).
        handler: the handler (routers report it by name).
        error: the exception it raised; a :class:`~mezon_trio.errors.StreamOverflow`
            (with ``dropped``) when events were dropped because the handler fell behind.
        kind: the name of the event stream the handler was registered on.
    """

    event: object
    handler: Callable[..., object] | str
    error: Exception
    kind: str = ""

    @property
    def handler_name(self) -> str:
        """The handler's qualified name."""
        return callable_name(self.handler) if not isinstance(self.handler, str) else self.handler


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class ProtocolErrorEvent(BaseEvent):
    """A received frame could not be decoded and was skipped."""

    error: ProtocolError
    frame_size: int


def callable_name(func: Callable[..., object]) -> str:
    """The qualified name of a function (or of a callable object's class)."""
    name = getattr(func, "__qualname__", None) or getattr(func, "__name__", None)
    return name if isinstance(name, str) else type(func).__qualname__


_L = TypeVar("_L", bound=BaseEvent)


def _identity(cls: type[_L]) -> Callable[[str, object], _L | None]:
    def convert(kind: str, payload: object) -> _L | None:
        return payload if isinstance(payload, cls) else None

    return convert


def _session(kind: str, payload: object) -> SessionRefreshed | None:
    if not isinstance(payload, api.Session):
        return None
    return SessionRefreshed(user_id=payload.user_id, session_id=payload.session_id)


register(Ready, "ready", _identity(Ready))
register(Connected, "connected", _identity(Connected))
register(Disconnected, "disconnected", _identity(Disconnected))
register(Reconnecting, "reconnecting", _identity(Reconnecting))
register(Reconnected, "reconnected", _identity(Reconnected))
register(HandlerError, "handler_error", _identity(HandlerError))
register(ProtocolErrorEvent, "protocol_error", _identity(ProtocolErrorEvent))
register(SessionRefreshed, "refresh_session_event", _session)
