"""Quick-menu entries of the bot (docs/protocol.md §6.7, RPCs in §7.2)."""

from __future__ import annotations

import time
from typing import Final

from .._models.official import ApiQuickMenuAccess
from .._proto.mezon import api
from .base import OPAQUE, ClientCore

__all__ = ["QuickMenuMixin", "SnowflakeGenerator"]

_EPOCH_MS: Final = 1_577_836_800_000  # 2020-01-01 UTC (§10.4)


class SnowflakeGenerator:
    """Client-side snowflake ids (§10.4): ``(ms - epoch) << 22 | dc 1 << 17 | worker 1 << 12 | seq``."""

    __slots__ = ("_last_ms", "_seq")

    def __init__(self) -> None:
        self._last_ms = 0
        self._seq = 0

    def next(self) -> int:
        now = time.time_ns() // 1_000_000
        if now <= self._last_ms:
            self._seq = (self._seq + 1) & 0xFFF
            if self._seq == 0:
                self._last_ms += 1  # 4096 ids in one millisecond: borrow the next one
            now = self._last_ms
        else:
            self._seq = 0
            self._last_ms = now
        return ((now - _EPOCH_MS) << 22) | (1 << 17) | (1 << 12) | self._seq


class QuickMenuMixin(ClientCore):
    """Quick-menu methods of :class:`~mezon_trio.MezonClient` (official names and arguments)."""

    _snowflakes: SnowflakeGenerator

    def _init_quick_menu(self) -> None:
        self._snowflakes = SnowflakeGenerator()

    async def add_quick_menu_access(
        self,
        channel_id: int,
        clan_id: int,
        menu_type: int,
        action_msg: str,
        background: str,
        menu_name: str,
    ) -> ApiQuickMenuAccess:
        """Register a quick-menu entry for the bot (``AddQuickMenuAccess``; id made client-side).

        Cancellation: if cancelled after the request was sent, the entry may still exist.

        Raises:
            APIError, RequestTimeout, TransportError.
        """
        request = api.QuickMenuAccess(
            id=self._snowflakes.next(),
            bot_id=self.client_id,
            clan_id=clan_id,
            channel_id=channel_id,
            menu_name=menu_name,
            background=background,
            action_msg=action_msg,
            menu_type=menu_type or 1,
        )
        answer = await self.rpc("AddQuickMenuAccess", request, api.QuickMenuAccess)
        return ApiQuickMenuAccess.from_proto(answer if answer.id else request)

    async def delete_quick_menu_access(
        self,
        id: int | None = None,
        clan_id: int | None = None,
        bot_id: int | None = None,
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
            id=id or 0,
            bot_id=bot_id or self.client_id,
            clan_id=clan_id or 0,
            menu_name=menu_name or "",
            background=background or "",
            action_msg=action_msg or "",
        )
        await self.rpc("DeleteQuickMenuAccess", request, OPAQUE)

    async def list_quick_menu_access(
        self, bot_id: str | int | None = None, channel_id: int | None = None, menu_type: int | None = None
    ) -> tuple[ApiQuickMenuAccess, ...]:
        """The quick-menu entries of a bot (default: this one), optionally for one channel / type.

        Cancellation: safe (a read).

        Raises:
            APIError, RequestTimeout, TransportError.
        """
        request = api.ListQuickMenuAccessRequest(
            bot_id=int(bot_id) if bot_id else self.client_id,
            channel_id=channel_id or 0,
            menu_type=menu_type or 0,
        )
        answer = await self.rpc("ListQuickMenuAccess", request, api.QuickMenuAccessList)
        return tuple(ApiQuickMenuAccess.from_proto(m) for m in answer.list_menus)
