"""What the service objects need from the client: a small RPC protocol and HTTP error mapping."""

from __future__ import annotations

import logging
import re
from typing import Final, Protocol, TypeVar

import betterproto2
import httpx

from .._transport.rest import _map_httpx, error_for_status
from ..errors import MezonError

__all__ = ["RpcCaller", "http_error", "status_error"]

M = TypeVar("M", bound=betterproto2.Message)

# Query parameters that are credentials: the agent stream's API key, pre-signed upload URLs.
_SECRET_PARAM: Final = re.compile(
    r"((?:^|[?&])(?:token|sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token)=)[^&\s\"']*",
    re.IGNORECASE,
)


class _RedactSecretParams(logging.Filter):
    """httpx logs every request URL (logger ``httpx``, INFO), query string included: mask the
    parameters that are credentials (the agent stream's ``token``, upload signatures)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and args:
            record.args = tuple(_redact(a) if isinstance(a, (str, httpx.URL)) else a for a in args)
        if isinstance(record.msg, str):
            record.msg = _SECRET_PARAM.sub(r"\1***", record.msg)
        return True


def _redact(value: str | httpx.URL) -> str | httpx.URL:
    text = str(value)
    masked = _SECRET_PARAM.sub(r"\1***", text)
    return value if masked == text else masked


_HTTPX_LOGGER: Final = logging.getLogger("httpx")
if not any(isinstance(f, _RedactSecretParams) for f in _HTTPX_LOGGER.filters):
    _HTTPX_LOGGER.addFilter(_RedactSecretParams())


class RpcCaller(Protocol):
    """Anything that calls ``/mezon.api.Mezon/<method>`` with the bot's session (``MezonClient.rpc``)."""

    async def rpc(
        self,
        method: str,
        request: betterproto2.Message,
        response_type: type[M],
        *,
        idempotent: bool | None = None,
    ) -> M: ...


def http_error(exc: httpx.HTTPError, operation: str) -> MezonError:
    """The :mod:`mezon_trio.errors` exception for an httpx failure (no URL, no headers in the text)."""
    return _map_httpx(exc, operation)


def status_error(response: httpx.Response, operation: str) -> MezonError:
    """The :class:`~mezon_trio.errors.APIError` subclass for a non-2xx *response*."""
    retry_after: float | None = None
    value = response.headers.get("retry-after", "")
    if value.isdigit():
        retry_after = float(value)
    return error_for_status(response.status_code, operation=operation, retry_after=retry_after)
