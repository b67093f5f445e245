"""What the bot-API mixins need from :class:`~mezon_trio.MezonClient` (typing only).

The mixins in this package are base classes of ``MezonClient``; at run time the
attributes below are the client's own.  Declaring them here lets mypy check the
mixins without importing ``_client`` (which imports them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, TypeVar

import betterproto2

from .._proto.mezon import realtime as rt

if TYPE_CHECKING:
    from .._session import SessionManager
    from .._streams import EventHub
    from .._transport.gateway import Gateway
    from .._transport.rest import RestClient

__all__ = ["OPAQUE", "ClientCore"]

M = TypeVar("M", bound=betterproto2.Message)

#: Response type for RPCs whose answer no SDK decodes ("not decoded" in docs/protocol.md
#: Appendix A): an empty message, so any valid protobuf body parses.
OPAQUE: Final = rt.Pong


class ClientCore:
    """Typing-only view of the client core used by the mixins."""

    if TYPE_CHECKING:
        _gateway: Gateway
        _session: SessionManager
        _rest: RestClient
        _hub: EventHub
        _dm_channels: dict[int, int]
        _clan_ids: list[int]

        @property
        def client_id(self) -> int: ...

        @property
        def user_id(self) -> int: ...

        @property
        def timeout_ms(self) -> int: ...

        @property
        def mmn_api_url(self) -> str: ...

        @property
        def zk_api_url(self) -> str: ...

        @property
        def is_ready(self) -> bool: ...

        def _require_running(self, what: str) -> None: ...

        async def rpc(
            self,
            method: str,
            request: betterproto2.Message,
            response_type: type[M],
            *,
            idempotent: bool | None = None,
        ) -> M: ...

        async def api_bridge(
            self, method: str, request: betterproto2.Message, response_type: type[M]
        ) -> M: ...
