"""``ConnectionCore``: what every service of one client shares (docs/ARCHITECTURE.md).

The core owns no task.  It holds the REST client, the session manager, the socket
gateway and the event hub, the client's lifecycle state, the clans and DM channels
learned at login, and implements the three low-level calls every service is built on:
a socket request, an RPC over HTTP (``/mezon.api.Mezon/<Method>``) and an RPC over the
socket's API bridge (``api_request_event``, docs/protocol.md §5.11).
"""

from __future__ import annotations

import enum
import logging
from typing import TypeVar, final

import betterproto2

from .._proto.mezon import realtime as rt
from .._protocol.api_index import API_INDEX
from .._protocol.typecheck import check_message
from .._session import SessionManager
from .._streams import EventHub
from .._transport.gateway import Gateway
from .._transport.rest import RestClient, error_for_status
from ..errors import AuthenticationError, ClientNotRunning, ProtocolError

__all__ = ["ConnectionCore", "State"]

log = logging.getLogger("mezon_trio.client")

M = TypeVar("M", bound=betterproto2.Message)


class State(enum.Enum):
    """A client's lifecycle: it runs once (NEW → OPENING → RUNNING → CLOSING → CLOSED)."""

    NEW = "new"
    OPENING = "opening"
    RUNNING = "running"
    CLOSING = "closing"
    CLOSED = "closed"


@final
class ConnectionCore:
    """The shared state and low-level calls of one client (no tasks of its own)."""

    __slots__ = ("clan_ids", "client_id", "dm_channels", "gateway", "hub", "rest", "session", "state")

    def __init__(
        self, *, client_id: int, rest: RestClient, session: SessionManager, gateway: Gateway, hub: EventHub
    ) -> None:
        self.client_id = client_id
        self.rest = rest
        self.session = session
        self.gateway = gateway
        self.hub = hub
        self.state = State.NEW
        #: The bot's clans (``ListClanDescs`` at login, plus clans it was added to).
        self.clan_ids: list[int] = []
        #: DM channel id by partner user id (``ListChannelDescs{channel_type: 3}`` at login).
        self.dm_channels: dict[int, int] = {}

    @property
    def user_id(self) -> int:
        """The bot's user id (from the session; the bot id before login)."""
        if self.session.has_session:
            return self.session.current.user_id or self.client_id
        return self.client_id

    @property
    def running(self) -> bool:
        return self.state is State.RUNNING

    def require_running(self, what: str) -> None:
        """Raise :class:`~mezon_trio.errors.ClientNotRunning` unless the client is running.

        *what* names the public call the user made (``"send_message()"``, ``"channel_messages()"``).
        """
        if self.state is State.RUNNING:
            return
        if self.state is State.NEW:
            raise ClientNotRunning(
                f"{what} needs a running client: use `async with MezonClient(...) as client:` "
                "(which logs in) or `client = await connect_mezon(nursery, ...)`"
            )
        raise ClientNotRunning(
            f"{what} called on a client that is {self.state.value}; create a new MezonClient"
        )

    def require_started(self, what: str) -> None:
        """Like :meth:`require_running`, but also allowed while the client logs in."""
        if self.state not in (State.OPENING, State.RUNNING):
            self.require_running(what)

    # ------------------------------------------------------------------ low-level calls

    async def request(self, envelope: rt.Envelope, *, wait_ready: bool = True) -> rt.Envelope:
        """One socket request; the reply envelope (see ``Gateway.request``)."""
        return await self.gateway.request(envelope, wait_ready=wait_ready)

    async def rpc(
        self,
        method: str,
        request: betterproto2.Message,
        response_type: type[M],
        *,
        idempotent: bool | None = None,
        what: str | None = None,
    ) -> M:
        """``/mezon.api.Mezon/<method>`` over HTTP with the session token; one re-login on 401."""
        self.require_started(what or f"rpc({method!r})")
        token = self.session.current.token
        try:
            return await self.rest.call(method, request, response_type, token=token, idempotent=idempotent)
        except AuthenticationError:
            log.info("%s: token refused, logging in again", method)
            session = await self.session.relogin(stale_token=token)
            return await self.rest.call(
                method, request, response_type, token=session.token, idempotent=idempotent
            )

    async def api_bridge(
        self, method: str, request: betterproto2.Message, response_type: type[M], *, what: str | None = None
    ) -> M:
        """An RPC over the socket (``api_request_event``, docs/protocol.md §5.11), answers reassembled."""
        self.require_started(what or f"api_bridge({method!r})")
        envelope = rt.Envelope(
            api_request_event=rt.ApiRequestEvent(
                api_index=API_INDEX.get(method, 0), api_name=method, body=bytes(request)
            )
        )
        response = await self.gateway.request_raw(envelope)
        if response.status:
            message, code, context = "", None, None
            try:
                err = rt.Error.parse(response.payload)
                message, code, context = err.message, err.code, dict(err.context)
            except Exception:  # the failure payload has no documented format (§3.5)
                pass
            raise error_for_status(
                response.status, operation=method, message=message, code=code, context=context
            )
        try:
            answer = response_type.parse(response.payload)
            check_message(answer)
            return answer
        except Exception as exc:
            raise ProtocolError(
                f"{method}: answer is not a valid {response_type.__name__} ({len(response.payload)} bytes)"
            ) from exc
