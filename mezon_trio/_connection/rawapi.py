"""``RawApi`` (``client.raw``): the low-level calls every service is built on, for power users.

Requests and answers are the generated protobuf classes (:mod:`mezon_trio.raw` re-exports
them): ``await client.raw.request(rt.Envelope(...))`` sends one socket request and returns the
reply envelope; ``rpc`` calls ``/mezon.api.Mezon/<Method>`` over HTTP; ``api_bridge`` calls
the same methods over the socket (``api_request_event``, docs/protocol.md §5.11).  They apply
the client's deadlines, rate limits, re-login on 401 and reconnect waiting, like every call.
"""

from __future__ import annotations

from typing import TypeVar, final

import betterproto2

from .._proto.mezon import realtime as rt
from .core import ConnectionCore

__all__ = ["RawApi"]

M = TypeVar("M", bound=betterproto2.Message)


@final
class RawApi:
    """The low-level calls of one client (``client.raw``)."""

    __slots__ = ("_core",)

    def __init__(self, core: ConnectionCore) -> None:
        self._core = core

    def __repr__(self) -> str:
        return f"<RawApi of client {self._core.client_id}>"

    async def request(self, envelope: rt.Envelope, *, wait_ready: bool = True) -> rt.Envelope:
        """Send one socket request (a new ``cid``) and return the reply envelope.

        Waits for the connection (and, with *wait_ready*, for the clans to be joined) within
        the request deadline.

        Raises:
            APIError: the server answered with an error; RequestTimeout: no answer in time.
            ConnectionLost: the socket closed first (``outcome_unknown`` if it was written).
            ClientNotRunning, ClientClosed.
        """
        self._core.require_started("raw.request()")
        return await self._core.request(envelope, wait_ready=wait_ready)

    async def rpc(
        self,
        method: str,
        request: betterproto2.Message,
        response_type: type[M],
        *,
        idempotent: bool | None = None,
    ) -> M:
        """Call ``/mezon.api.Mezon/<method>`` over HTTP with the session token.

        A 401 triggers one re-login (shared by concurrent callers) and one retry; reads are
        retried on 5xx and network errors (writes only when *idempotent*).

        Raises:
            AuthenticationError, NotFound, Forbidden, RateLimited, ServerError, APIError;
            RequestTimeout, TransportError; ProtocolError (undecodable answer); ClientNotRunning.
        """
        return await self._core.rpc(method, request, response_type, idempotent=idempotent, what="raw.rpc()")

    async def api_bridge(self, method: str, request: betterproto2.Message, response_type: type[M]) -> M:
        """Call an RPC over the socket (``api_request_event``); the 0xFF answer reassembled.

        Raises:
            APIError subclass (non-zero status or an ``error`` reply), RequestTimeout,
            ConnectionLost, ClientClosed, ProtocolError, ClientNotRunning.
        """
        return await self._core.api_bridge(method, request, response_type, what="raw.api_bridge()")

    @property
    def joined_clans(self) -> frozenset[int]:
        """The clans joined on the current socket (re-joined after every reconnect)."""
        return frozenset(self._core.gateway.joined_clans)

    @property
    def joined_channels(self) -> frozenset[int]:
        """The channels joined on the current socket (re-joined after every reconnect)."""
        return frozenset(self._core.gateway.joined_channels)

    def has_listeners(self, kind: str) -> bool:
        """True if a handler or subscription listens to event *kind*."""
        return self._core.hub.has_subscribers(str(kind))
