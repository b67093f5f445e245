"""Quick-menu entries of the bot (docs/protocol.md §6.7, RPCs in §7.2)."""

from __future__ import annotations

from typing import final

from .._connection.core import ConnectionCore
from .._models.proto import quick_menu_from_proto
from .._models.values import QuickMenu
from .._proto.mezon import api
from .._protocol.api_index import OPAQUE
from .._protocol.ids import Id, as_id, as_optional_id
from .._protocol.snowflake import SnowflakeGenerator

__all__ = ["QuickMenus"]


@final
class QuickMenus:
    """The bot's quick-menu entries (``client.quick_menus``)."""

    def __init__(self, core: ConnectionCore) -> None:
        self._core = core
        self._snowflakes = SnowflakeGenerator()

    async def add(
        self,
        channel_id: Id,
        clan_id: Id,
        menu_type: int,
        action_msg: str,
        background: str,
        menu_name: str,
    ) -> QuickMenu:
        """Register a quick-menu entry for the bot (``AddQuickMenuAccess``; id made client-side).

        Cancellation: if cancelled after the request was sent, the entry may still exist.

        Raises:
            APIError, RequestTimeout, TransportError.
        """
        request = api.QuickMenuAccess(
            id=self._snowflakes.next(),
            bot_id=self._core.client_id,
            clan_id=as_id(clan_id, "clan_id"),
            channel_id=as_id(channel_id, "channel_id"),
            menu_name=menu_name,
            background=background,
            action_msg=action_msg,
            menu_type=menu_type or 1,
        )
        answer = await self._core.rpc("AddQuickMenuAccess", request, api.QuickMenuAccess)
        return quick_menu_from_proto(answer if answer.id else request)

    async def remove(
        self,
        id: Id | None = None,
        clan_id: Id | None = None,
        bot_id: Id | None = None,
        menu_name: str | None = None,
        background: str | None = None,
        action_msg: str | None = None,
    ) -> None:
        """Delete the bot's quick-menu entries matching every given field (``bot_id`` defaults
        to the bot itself, so only its own entries can match).

        Cancellation: if cancelled after the request was sent, the entries may still be deleted.

        Raises:
            APIError, RequestTimeout, TransportError.
        """
        request = api.QuickMenuAccess(
            id=as_optional_id(id, "id") or 0,
            bot_id=as_optional_id(bot_id, "bot_id") or self._core.client_id,
            clan_id=as_optional_id(clan_id, "clan_id") or 0,
            menu_name=menu_name or "",
            background=background or "",
            action_msg=action_msg or "",
        )
        await self._core.rpc("DeleteQuickMenuAccess", request, OPAQUE)

    async def entries(
        self, bot_id: Id | None = None, channel_id: Id | None = None, menu_type: int | None = None
    ) -> tuple[QuickMenu, ...]:
        """The quick-menu entries of a bot (default: this one), optionally for one channel / type.

        Cancellation: safe (a read).

        Raises:
            APIError, RequestTimeout, TransportError.
        """
        request = api.ListQuickMenuAccessRequest(
            bot_id=as_optional_id(bot_id, "bot_id") or self._core.client_id,
            channel_id=as_optional_id(channel_id, "channel_id") or 0,
            menu_type=menu_type or 0,
        )
        answer = await self._core.rpc("ListQuickMenuAccess", request, api.QuickMenuAccessList)
        return tuple(quick_menu_from_proto(m) for m in answer.list_menus)
