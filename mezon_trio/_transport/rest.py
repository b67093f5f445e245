"""HTTP: the login call and binary protobuf RPCs (docs/protocol.md §2.1, §7.1).

The only module besides ``_tokens.py`` that imports ``httpx``.  Every httpx
exception is translated to :mod:`mezon_trio.errors` with ``from``; messages
name the method and path, never headers, tokens or credentialed URLs.

Pacing follows the server (docs/protocol.md §10.1): by default nothing is held back on
our side; an HTTP 429 pauses further calls of *that* RPC until its ``Retry-After`` has
passed (the server refused it; other RPCs keep going), and the refused call is retried
after it.  An optional per-client token bucket (``api_rate``; never process-wide) paces
every call for applications that want a budget of their own.  Idempotent reads are
retried with backoff on 5xx, 429 and network errors; writes are retried only after a
429 (the server refused them before doing anything).  A 401 is raised as
:class:`~mezon_trio.errors.AuthenticationError`; the client re-logs in once and retries
(``MezonClient.rpc``).
"""

from __future__ import annotations

import base64
import json
import logging
import math
import random
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from email.utils import parsedate_to_datetime
from typing import Any, Final, TypeVar

import betterproto2
import httpx
import trio

from .._proto.mezon import realtime as rt
from .._protocol.typecheck import check_message
from .._ratelimit import TokenBucket
from ..errors import (
    APIError,
    AuthenticationError,
    ConfigurationError,
    ConnectionLost,
    Forbidden,
    HandshakeError,
    MezonError,
    NotFound,
    ProtocolError,
    RateLimited,
    RequestTimeout,
    ServerError,
    TransportError,
)
from .neterrors import describe_network_error, hostport, root_os_error
from .tls import certificate_error, describe_certificate_error
from .urls import redact_url, rpc_url

__all__ = ["LOGIN_PATH", "RestClient", "error_for_status", "is_read_method"]

log = logging.getLogger("mezon_trio.rest")

M = TypeVar("M", bound=betterproto2.Message)

LOGIN_PATH: Final = "/v2/apps/authenticate/token"
_RPC_PREFIX: Final = "/mezon.api.Mezon/"
_READ_PREFIXES: Final = ("List", "Get", "Search", "Is", "Check", "Detail", "Healthcheck", "EmojiRecentList")
_MAX_RETRY_AFTER: Final = 60.0


_STATUS_TEXT: Final = {
    400: "bad request",
    401: "unauthorized",
    403: "forbidden",
    404: "not found",
    409: "conflict",
    429: "rate limited",
}


def is_read_method(method: str) -> bool:
    """True for RPCs that only read (safe to retry): ``List*``, ``Get*``, ``Search*``..."""
    return method.startswith(_READ_PREFIXES)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _error_details(body: bytes, content_type: str) -> tuple[str, int | None, dict[str, str]]:
    """Best-effort (message, code, context) from an error body (§12 Q5: JSON, rt.Error, text)."""
    text = body[:2000]
    stripped = text.lstrip()
    if stripped[:1] == b"{":
        try:
            data = json.loads(text)
        except ValueError:
            pass
        else:
            if isinstance(data, dict):
                code = data.get("code")
                message = data.get("message") or data.get("error") or ""
                return str(message), code if isinstance(code, int) else None, {}
    if body and "json" not in content_type and "text" not in content_type:
        try:
            err = rt.Error.parse(body)
        except Exception:  # betterproto2 raises assorted errors on garbage
            pass
        else:
            if err.message:
                return err.message, err.code, dict(err.context)
    try:
        return text.decode("utf-8", errors="replace").strip()[:200], None, {}
    except Exception:  # pragma: no cover - decode with errors=replace does not fail
        return "", None, {}


def error_for_status(
    status: int,
    *,
    operation: str,
    message: str = "",
    code: int | None = None,
    context: Mapping[str, str] | None = None,
    retry_after: float | None = None,
) -> APIError:
    """The :class:`APIError` subclass for an HTTP-like *status* (also used for 0xFF statuses)."""
    message = message or _STATUS_TEXT.get(status, "server error" if status >= 500 else "request failed")
    kwargs: dict[str, Any] = {"status": status, "code": code, "operation": operation, "context": context}
    if status == 401:
        return AuthenticationError(message, **kwargs)
    if status == 403:
        return Forbidden(message, **kwargs)
    if status == 404:
        return NotFound(message, **kwargs)
    if status == 429:
        return RateLimited(message, retry_after=retry_after, **kwargs)
    if status >= 500:
        return ServerError(message, **kwargs)
    return APIError(message, **kwargs)


def _where(exc: httpx.HTTPError) -> str:
    try:
        url = exc.request.url
    except RuntimeError:  # an exception raised without its request
        return "the server"
    return hostport(url.host, url.port, scheme=url.scheme)


def _shorten(exc: httpx.HTTPError) -> None:
    """Keep the operating system's error as the httpx error's only cause, without the frames of
    httpx's internals: the traceback a user sees ends with what failed and why."""
    root = root_os_error(exc)
    exc.__traceback__ = None
    exc.__cause__ = root.with_traceback(None) if root is not None else None
    exc.__suppress_context__ = True


def _map_httpx(exc: httpx.HTTPError, operation: str) -> MezonError:
    where = _where(exc)
    mapped: MezonError
    bad_certificate = certificate_error(exc)
    if bad_certificate is not None:
        mapped = HandshakeError(f"{operation}: {where}: {describe_certificate_error(bad_certificate)}")
    elif isinstance(exc, httpx.ConnectTimeout):
        mapped = HandshakeError(f"{operation}: cannot connect to {where}: timed out")
    elif isinstance(exc, httpx.TimeoutException):
        mapped = RequestTimeout(f"{operation}: {where} did not answer in time ({type(exc).__name__})")
    elif isinstance(exc, httpx.ConnectError):
        mapped = HandshakeError(f"{operation}: cannot connect to {where}: {describe_network_error(exc)}")
    elif isinstance(exc, (httpx.UnsupportedProtocol, httpx.InvalidURL)):
        mapped = ConfigurationError(f"{operation}: bad URL: {exc}")
    elif isinstance(exc, httpx.TransportError):
        mapped = ConnectionLost(f"{operation}: connection to {where} lost: {describe_network_error(exc)}")
    else:
        mapped = TransportError(f"{operation}: {type(exc).__name__} talking to {where}")
    _shorten(exc)
    return mapped


class RestClient:
    """The client's HTTP side: one ``httpx.AsyncClient``, one API token bucket.

    Use as an async context manager (``async with RestClient(...) as rest``);
    closing it closes the connection pool.

    Args:
        login_base: ``http[s]://host:port`` of the login gateway.
        timeout: default per-attempt deadline in seconds (the client's ``timeout``).
        api_rate: API calls per second paced on our side (None or ``math.inf``: no pacing,
            only the server's 429 answers slow calls down).
        api_burst: calls allowed at once before ``api_rate`` applies.
        ssl_context: used for https (default: system trust store, verification on).
        http_transport: an ``httpx.AsyncBaseTransport`` (the sandbox's in-memory ASGI transport).
        max_attempts: attempts for retriable calls (reads; writes after a 429).
    """

    def __init__(
        self,
        *,
        login_base: str,
        timeout: float,
        api_rate: float | None = None,
        api_burst: float = 5.0,
        ssl_context: ssl.SSLContext | None = None,
        http_transport: httpx.AsyncBaseTransport | None = None,
        max_attempts: int = 3,
    ) -> None:
        self.login_base = login_base.rstrip("/")
        self.api_base = self.login_base
        self.timeout = timeout
        self.bucket = TokenBucket(math.inf if api_rate is None else api_rate, api_burst)
        #: RPC name -> trio time before which the server asked us not to call it again (429).
        self._paused_until: dict[str, float] = {}
        self.max_attempts = max(1, max_attempts)
        self._ssl_context = ssl_context
        self._transport = http_transport
        self._http: httpx.AsyncClient | None = None
        #: requests sent (attempts), for statistics and tests.
        self.requests_sent = 0

    @property
    def http(self) -> httpx.AsyncClient | None:
        """The open connection pool (None before ``__aenter__`` and after closing)."""
        return self._http

    async def __aenter__(self) -> RestClient:
        self._http = httpx.AsyncClient(
            transport=self._transport,
            verify=self._ssl_context if self._ssl_context is not None else True,
            timeout=None,  # deadlines are trio cancel scopes (STYLE.md §2)
            follow_redirects=False,
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (bounded, safe under cancellation)."""
        http, self._http = self._http, None
        if http is not None:
            with trio.move_on_after(2.0) as scope:
                scope.shield = True
                await http.aclose()

    # ------------------------------------------------------------------ login

    async def authenticate(self, client_id: int, api_key: str) -> bytes:
        """POST the login JSON (§2.1) and return the raw answer body.

        Never retried: a wrong key must not cause a storm (§3.8 rule 5).

        Raises:
            AuthenticationError: HTTP 401 (unknown bot or wrong key).
            APIError: any other non-2xx status.
            TransportError: network failure or no answer within ``timeout``.
        """
        body = json.dumps({"account": {"appid": str(client_id), "token": api_key}}).encode()
        basic = base64.b64encode(f"{client_id}:{api_key}".encode()).decode("ascii")
        headers = {
            "Content-Type": "application/proto",
            "Accept": "application/x-protobuf",
            "Authorization": f"Basic {basic}",
        }
        try:
            return await self._post(self.login_base + LOGIN_PATH, body, headers, operation="authenticate")
        except AuthenticationError as exc:
            raise AuthenticationError(
                "login refused: check the bot id (client_id) and api_key",
                status=exc.status,
                code=exc.code,
                operation="authenticate",
            ) from None  # the 401 itself adds nothing to this message

    # ------------------------------------------------------------------ RPC

    async def call(
        self,
        method: str,
        request: betterproto2.Message,
        response_type: type[M],
        *,
        token: str | None,
        idempotent: bool | None = None,
    ) -> M:
        """POST ``/mezon.api.Mezon/<method>`` and decode the answer as *response_type*.

        Args:
            token: the session token for ``Authorization: Bearer`` (None: no header).
            idempotent: whether the call may be retried after 5xx/network errors;
                default: :func:`is_read_method`.

        Cancellation: a cancelled write may still have been executed by the server.

        Raises:
            AuthenticationError: 401 (the caller re-logs in and retries once).
            NotFound, Forbidden, RateLimited, ServerError, APIError: other statuses
                (after retries, for retriable calls).
            RequestTimeout: no answer within ``timeout`` (per attempt).
            TransportError: network failure.
            ProtocolError: the answer does not decode as *response_type*.
        """
        headers = {"Content-Type": "application/proto", "Accept": "application/proto"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        retry_all = is_read_method(method) if idempotent is None else idempotent
        body = bytes(request)
        url = rpc_url(self.api_base, method)
        attempt = 0
        while True:
            attempt += 1
            await self._wait_unpaused(method)
            try:
                data = await self._post(url, body, headers, operation=method)
            except RateLimited as exc:
                if exc.retry_after is not None:
                    self._pause(method, exc.retry_after)
                if attempt >= self.max_attempts or (exc.retry_after or 0.0) > _MAX_RETRY_AFTER:
                    raise
                delay = exc.retry_after if exc.retry_after is not None else self._backoff(attempt)
            except (ServerError, TransportError) as exc:
                if not retry_all or attempt >= self.max_attempts:
                    raise
                delay = self._backoff(attempt)
                log.debug("%s failed (%s), retry %d in %.2fs", method, type(exc).__name__, attempt, delay)
            else:
                return _decode(response_type, data, method)
            await trio.sleep(delay)

    def _pause(self, method: str, seconds: float) -> None:
        until = trio.current_time() + seconds
        if until > self._paused_until.get(method, 0.0):
            self._paused_until[method] = until

    async def _wait_unpaused(self, method: str) -> None:
        """Wait out a 429's ``Retry-After`` for *method*; raise at once if it is longer than 60 s."""
        until = self._paused_until.get(method)
        if until is None:
            return
        remaining = until - trio.current_time()
        if remaining <= 0:
            del self._paused_until[method]
            return
        if remaining > _MAX_RETRY_AFTER:
            raise RateLimited(
                f"rate limited: the server asked to wait {remaining:.0f} s before calling it again",
                retry_after=remaining,
                status=429,
                operation=method,
            )
        log.debug("%s paused by the server for %.2f s", method, remaining)
        await trio.sleep(remaining)

    @staticmethod
    def _backoff(attempt: int) -> float:
        # 0.5 s, 1 s, 2 s ... capped at 8 s, with full jitter.
        return random.uniform(0, min(8.0, 0.5 * 2 ** (attempt - 1)))

    async def _post(self, url: str, body: bytes, headers: Mapping[str, str], *, operation: str) -> bytes:
        http = self._http
        if http is None:
            raise ConfigurationError("the HTTP client is closed: use the MezonClient inside `async with`")
        await self.bucket.acquire()
        safe_url = redact_url(url)
        log.debug("POST %s started", safe_url)
        self.requests_sent += 1
        started = trio.current_time()
        with trio.move_on_after(self.timeout) as scope:
            try:
                request = http.build_request("POST", url, content=body, headers=headers)
                request.stream = _Body(body)
                response = await http.send(request)
            except httpx.HTTPError as exc:
                raise _map_httpx(exc, operation) from exc
        if scope.cancelled_caught:
            raise RequestTimeout(f"{operation}: no answer within {self.timeout:g} s")
        elapsed = trio.current_time() - started
        status = response.status_code
        log.debug("POST %s complete: %d in %.3fs", safe_url, status, elapsed)
        data = response.content
        if 200 <= status < 300:
            return data
        message, code, context = _error_details(data, response.headers.get("content-type", ""))
        raise error_for_status(
            status,
            operation=operation,
            message=message,
            code=code,
            context=context,
            retry_after=_retry_after(response.headers.get("retry-after")),
        )


class _Body(httpx.AsyncByteStream):
    """A request body iterated without an async generator.

    httpx's own ``ByteStream.__aiter__`` is an async generator: a request cancelled while
    its body is being written leaves it unfinished, and trio then warns (ResourceWarning)
    when it is garbage collected (encode/httpx#3686).
    """

    def __init__(self, data: bytes) -> None:
        self._data = data

    def __aiter__(self) -> AsyncIterator[bytes]:
        return _Once(self._data)


class _Once:
    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data: bytes | None = data

    def __aiter__(self) -> _Once:
        return self

    async def __anext__(self) -> bytes:
        data, self._data = self._data, None
        if data is None:
            raise StopAsyncIteration
        return data


def _decode(response_type: type[M], data: bytes, operation: str) -> M:
    try:
        answer = response_type.parse(data)
        check_message(answer)  # wrong wire types leave wrongly typed fields
        return answer
    except Exception as exc:  # betterproto2 raises assorted errors on garbage
        raise ProtocolError(
            f"{operation}: answer is not a valid {response_type.__name__} ({len(data)} bytes)"
        ) from exc
