"""Friends (docs/protocol.md §7.4) on the current RPCs: ``ListFriends``, ``AddFriends``,
``DeleteFriends``, ``BlockFriends``, ``UnblockFriends``.

``AddFriends`` both sends an invitation and accepts one (Nakama semantics):
``accept_friend(user_id)`` is ``AddFriends{ids: [user_id]}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import final

from .._connection.core import ConnectionCore
from .._models.proto import friend_from_proto
from .._models.values import FriendPage
from .._proto.mezon import api
from .._protocol.api_index import OPAQUE
from ..errors import ConfigurationError

__all__ = ["FriendsService"]


def _ids_and_names(user_ids: Iterable[int], usernames: Iterable[str]) -> tuple[list[int], list[str]]:
    ids = [int(i) for i in user_ids if i]
    names = [n for n in usernames if n]
    if not ids and not names:
        raise ConfigurationError("name a user: give a user id or a username")
    return ids, names


@final
class FriendsService:
    """The bot's friend list."""

    def __init__(self, core: ConnectionCore) -> None:
        self._core = core

    async def get_list_friends(
        self, limit: int = 100, state: int | None = None, cursor: str | None = None
    ) -> FriendPage:
        """One page of the bot's friend list (``ListFriends``).

        ``state`` filters by :class:`~mezon_trio.models.FriendState` (0 friends, 1 invitation
        sent, 2 invitation received, 3 blocked); None lists all.  The wire cannot express
        "state 0" (proto3 default), so ``state=0`` is filtered here and a page may hold
        fewer than ``limit`` entries.  Pass the returned ``cursor`` for the next page.

        Cancellation: safe (a read).

        Raises:
            ConfigurationError: ``limit`` not in 1..1000.
            RequestTimeout, TransportError, APIError.
        """
        if not 0 < limit <= 1000:
            raise ConfigurationError("get_list_friends(limit=...) must be in 1..1000")
        request = api.ListFriendsRequest(limit=limit, state=state or 0, cursor=cursor or "")
        answer = await self._core.rpc("ListFriends", request, api.FriendList, what="get_list_friends()")
        friends = tuple(friend_from_proto(f) for f in answer.friends)
        if state is not None:
            friends = tuple(f for f in friends if int(f.state) == state)
        return FriendPage(friends=friends, cursor=answer.cursor)

    async def add_friend(self, username: str = "", user_id: int | None = None) -> tuple[int, ...]:
        """Invite a user to be friends (or accept their invitation); returns the user ids added.

        Cancellation: if cancelled after the request was sent, the invitation may still go out.

        Raises:
            ConfigurationError: neither username nor user_id.
            NotFound: no such user; APIError (e.g. inviting oneself): refused.
            RequestTimeout, TransportError.
        """
        ids, names = _ids_and_names([user_id or 0], [username])
        answer = await self._core.rpc(
            "AddFriends",
            api.AddFriendsRequest(ids=ids, usernames=names),
            api.AddFriendsResponse,
            what="add_friend()",
        )
        return tuple(answer.ids)

    async def accept_friend(self, user_id: int, username: str = "") -> tuple[int, ...]:
        """Accept the friend invitation of *user_id* (``AddFriends{ids, usernames}``).

        Cancellation: if cancelled after the request was sent, it may still be accepted.

        Raises:
            NotFound: no such user; APIError; RequestTimeout, TransportError.
        """
        ids, names = _ids_and_names([user_id], [username])
        answer = await self._core.rpc(
            "AddFriends",
            api.AddFriendsRequest(ids=ids, usernames=names),
            api.AddFriendsResponse,
            what="accept_friend()",
        )
        return tuple(answer.ids)

    async def remove_friend(self, user_id: int | None = None, username: str = "") -> None:
        """Remove a friend, or decline / withdraw an invitation (``DeleteFriends``).

        Cancellation: if cancelled after the request was sent, it may still apply.

        Raises:
            ConfigurationError: neither user_id nor username.
            APIError, RequestTimeout, TransportError.
        """
        await self._edit("DeleteFriends", api.DeleteFriendsRequest, user_id, username, "remove_friend()")

    async def block_friend(self, user_id: int | None = None, username: str = "") -> None:
        """Block a user (``BlockFriends``).

        Cancellation: if cancelled after the request was sent, it may still apply.

        Raises:
            ConfigurationError: neither user_id nor username.
            APIError, RequestTimeout, TransportError.
        """
        await self._edit("BlockFriends", api.BlockFriendsRequest, user_id, username, "block_friend()")

    async def unblock_friend(self, user_id: int | None = None, username: str = "") -> None:
        """Unblock a user (``UnblockFriends``).

        Cancellation: if cancelled after the request was sent, it may still apply.

        Raises:
            ConfigurationError: neither user_id nor username.
            APIError, RequestTimeout, TransportError.
        """
        await self._edit("UnblockFriends", api.BlockFriendsRequest, user_id, username, "unblock_friend()")

    async def _edit(
        self,
        method: str,
        request_cls: type[api.DeleteFriendsRequest] | type[api.BlockFriendsRequest],
        user_id: int | None,
        username: str,
        what: str,
    ) -> None:
        """One friend-list change naming one user by id or username (the answer is not decoded)."""
        ids, names = _ids_and_names([user_id or 0], [username])
        await self._core.rpc(method, request_cls(ids=ids, usernames=names), OPAQUE, what=what)
