"""The one exception tree of mezon-trio.

Every error the SDK raises on purpose is a :class:`MezonError`.  Library
exceptions (trio-websocket, httpx, betterproto2, cryptography) are translated
at the boundary, always chained with ``from``; ``trio.Cancelled`` is never
caught or translated.

::

    MezonError
    ├── ConfigurationError          bad argument or misuse; catch one of its two families:
    │   ├── InvalidArgument         a bad argument (also a ValueError), raised before any I/O
    │   │   ├── InvalidId(parameter)  an id that is not a decimal int64 (int or str)
    │   │   └── ContentError        message content invalid (e.g. over 4000 UTF-16 units)
    │   └── ClientNotRunning        the call needs a running client (also a RuntimeError)
    ├── TransportError              the network failed            [retriable]
    │   ├── ConnectionLost          socket closed under a pending request, or while waiting
    │   │                           (outcome_unknown: the request was written; then not retriable)
    │   ├── HandshakeError          the WebSocket upgrade or TLS handshake failed
    │   └── RequestTimeout          no reply within the request deadline
    ├── ProtocolError               malformed frame, unexpected reply, frame over the size limit
    ├── APIError(status, code)      the server refused a request (RPC status, rt.Error, 0xFF status)
    │   ├── AuthenticationError     bad API key / token: 401 (not retried)
    │   ├── NotFound                404 / unknown channel, message, method
    │   ├── Forbidden               403 / not a member
    │   ├── RateLimited(retry_after)  429 or a socket "rate limited" error   [retriable]
    │   └── ServerError             5xx                            [retriable]
    ├── StreamOverflow              a subscriber fell behind its bounded buffer
    ├── ClientClosed                the client was closed while the call waited (also a RuntimeError)
    ├── TokenTransferError          MMN/ZK transfer failed (service down, ok:false, bad nonce...)
    ├── CommandError                a chat command could not run (given to the router's error handler)
    │   ├── UnknownCommand(name)    no command of that name
    │   └── BadArgument(param)      an argument is missing or does not convert to its type
    └── MezonInternalError          a bug in mezon-trio: please report it

Messages never contain tokens, API keys, credentialed URLs or key material.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadArgument",
    "ClientClosed",
    "ClientNotRunning",
    "CommandError",
    "ConfigurationError",
    "ConnectionLost",
    "ContentError",
    "Forbidden",
    "HandshakeError",
    "InvalidArgument",
    "InvalidId",
    "MezonError",
    "MezonInternalError",
    "NotFound",
    "ProtocolError",
    "RateLimited",
    "RequestTimeout",
    "ServerError",
    "StreamOverflow",
    "TokenTransferError",
    "TransportError",
    "UnknownCommand",
]


class MezonError(Exception):
    """Base class of every error raised by mezon-trio."""

    #: True when repeating the same call later may succeed.
    retriable: bool = False


class ConfigurationError(MezonError):
    """An argument is invalid or the API was used out of order.

    Raised as one of its two families: :class:`InvalidArgument` (a ``ValueError``) or
    :class:`ClientNotRunning` (a ``RuntimeError``).
    """


class InvalidArgument(ConfigurationError, ValueError):
    """An argument is invalid; raised before any I/O."""


class InvalidId(InvalidArgument):
    """An id is not a Mezon id: ids are int64, given as an ``int`` or a decimal ``str``.

    Attributes:
        parameter: the name of the parameter that got it.
    """

    def __init__(self, message: str, *, parameter: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class ClientNotRunning(ConfigurationError, RuntimeError):
    """The call needs a running client (inside ``async with MezonClient(...)``), and this one is not."""


class TransportError(MezonError):
    """The network connection failed."""

    retriable = True


class ConnectionLost(TransportError):
    """The connection closed before the request got its reply.

    The outcome is unknown: the request was fully written, so the server may
    have executed it (measured in disconnect storms: about 1 in 12 sends that
    raised this had been posted).  Retrying a write such as ``send_message``
    can therefore post it twice; check (e.g. the channel history) before
    retrying where duplicates matter.  Requests that never fully left the
    client are not failed with this error: they are re-sent after reconnecting.

    Attributes:
        code: WebSocket close code when known.
        reason: close reason when known.
        outcome_unknown: True when the request had been written (the server may have
            executed it); ``retriable`` is then False, since a retry could post twice.
            False when the request never left the client (the socket was down on purpose).
    """

    def __init__(
        self,
        message: str = "connection lost",
        *,
        code: int | None = None,
        reason: str = "",
        outcome_unknown: bool = True,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.outcome_unknown = outcome_unknown
        self.retriable = not outcome_unknown


class HandshakeError(TransportError):
    """Connecting, the TLS handshake or the WebSocket upgrade failed."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class RequestTimeout(TransportError):
    """No reply arrived within the request deadline (the client's ``timeout``)."""


class ProtocolError(MezonError):
    """The peer sent something that does not follow the protocol."""


class APIError(MezonError):
    """The server refused a request.

    Attributes:
        status: HTTP status, 0xFF-frame status, or 0 for a socket ``rt.Error``.
        code: ``rt.Error.code`` or the JSON ``code`` when the server sent one.
        message: the server's text.
        context: the server's ``rt.Error.context`` map, if any.
        operation: the RPC method or socket operation that failed.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int = 0,
        code: int | None = None,
        operation: str = "",
        context: Mapping[str, str] | None = None,
    ) -> None:
        text = f"{operation}: {message}" if operation else message
        if status:
            text = f"{text} (status {status})"
        super().__init__(text)
        self.status = status
        self.code = code
        self.message = message
        self.operation = operation
        self.context: Mapping[str, str] = MappingProxyType(dict(context or {}))


class AuthenticationError(APIError):
    """The API key or session token was refused (HTTP 401). Never retried automatically."""


class NotFound(APIError):
    """The target (method, channel, message, user) does not exist."""


class Forbidden(APIError):
    """The bot may not do this (not a member, missing permission)."""


class RateLimited(APIError):
    """The server asked us to slow down.

    Attributes:
        retry_after: seconds to wait, when the server said (``Retry-After``).
    """

    retriable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status: int = 0,
        code: int | None = None,
        operation: str = "",
        context: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message, status=status, code=code, operation=operation, context=context)
        self.retry_after = retry_after


class ServerError(APIError):
    """The server failed (HTTP 5xx or 0xFF status 500)."""

    retriable = True


class ContentError(InvalidArgument):
    """Message content is invalid (too long, not JSON-serializable, bad ranges)."""


class StreamOverflow(MezonError):
    """A subscriber's bounded buffer overflowed and its subscription was closed.

    Attributes:
        dropped: how many events could not be delivered.
    """

    def __init__(self, message: str, *, dropped: int = 0) -> None:
        super().__init__(message)
        self.dropped = dropped


class ClientClosed(MezonError, RuntimeError):
    """The client closed while this call was waiting or before it started."""


class TokenTransferError(MezonError):
    """A token transfer failed: token service unreachable, rejected transaction, bad nonce, ..."""

    def __init__(self, message: str, *, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


class CommandError(MezonError):
    """A chat command could not run; routers reply with ``str(error)`` and pass it to their error handler."""


class UnknownCommand(CommandError):
    """No command has this name.

    Attributes:
        name: the name as typed.
        suggestions: close command names, best first.
    """

    def __init__(self, message: str, *, name: str, suggestions: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.name = name
        self.suggestions = suggestions


class BadArgument(CommandError):
    """A command argument is missing, extra, or does not convert to its annotated type.

    Attributes:
        param: the parameter's name ("" for too many arguments or unbalanced quotes).
        value: the text that failed to convert (None when missing).
    """

    def __init__(self, message: str, *, param: str = "", value: str | None = None) -> None:
        super().__init__(message)
        self.param = param
        self.value = value


class MezonInternalError(MezonError):
    """A bug in mezon-trio. Please report it with the traceback."""
