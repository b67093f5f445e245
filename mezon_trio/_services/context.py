"""``Services``: what entities (messages, channels, clans, users) act through.

Entities hold a :class:`Services` and call public methods of its services, the way
hikari's entities hold their app and call its REST client: never a private attribute
of the client.  The client builds one ``Services`` and hands it to every entity its
caches create.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, final

if TYPE_CHECKING:
    from .._connection.core import ConnectionCore
    from .directory import DirectoryService
    from .features import Features
    from .friends import FriendsService
    from .messaging import MessagingService
    from .quickmenu import QuickMenus
    from .tokens import TokenTransfers

__all__ = ["Services"]


@final
class Services:
    """The services of one client (filled in by the client right after construction)."""

    __slots__ = ("core", "directory", "features", "friends", "messaging", "quick_menus", "tokens")

    core: ConnectionCore
    directory: DirectoryService
    messaging: MessagingService
    friends: FriendsService
    tokens: TokenTransfers
    quick_menus: QuickMenus
    features: Features

    def __init__(self, core: ConnectionCore) -> None:
        self.core = core

    @property
    def user_id(self) -> int:
        """The bot's user id."""
        return self.core.user_id
