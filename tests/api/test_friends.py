"""Friends on the current RPCs (ListFriends, AddFriends, DeleteFriends, BlockFriends, UnblockFriends)."""

from __future__ import annotations

import pytest
import trio

from mezon_trio.errors import APIError, ConfigurationError, NotFound
from mezon_trio.models import Friend, FriendPage, FriendState

from ._helpers import bot, human, next_push, received


def _edges(sb: object, user_id: int) -> dict[int, int]:
    return {k: e.state for k, e in sb.state.friend_edges(user_id).items()}  # type: ignore[attr-defined]


async def test_list_accept_add_remove_block() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb, sb.user("bob").id) as bob_socket:
            carol, bob = sb.user("carol"), sb.user("bob")
            page = await client.get_list_friends()
            assert isinstance(page, FriendPage)
            assert page.cursor == ""
            (invite,) = page.friends  # seeded: carol invited the bot
            assert isinstance(invite, Friend)
            assert (invite.id, invite.username, invite.state) == (
                carol.id,
                "carol",
                FriendState.INVITE_RECEIVED,
            )

            assert await client.accept_friend(carol.id, "carol") == (carol.id,)
            assert _edges(sb, sb.bot.id)[carol.id] == FriendState.FRIEND
            assert _edges(sb, carol.id)[sb.bot.id] == FriendState.FRIEND
            call = received(sb, "AddFriends")[-1].payload
            assert (call.ids, call.usernames) == ([carol.id], ["carol"])

            assert await client.add_friend("bob") == (bob.id,)
            assert _edges(sb, sb.bot.id)[bob.id] == FriendState.INVITE_SENT
            notice = await next_push(bob_socket, "notifications")
            assert notice.notifications[0].code == -2

            friends_only = await client.get_list_friends(state=FriendState.FRIEND)
            assert [f.id for f in friends_only.friends] == [carol.id]  # state 0 filtered client-side
            sent = await client.get_list_friends(state=1)
            assert [f.id for f in sent.friends] == [bob.id]
            first = await client.get_list_friends(limit=1)
            assert len(first.friends) == 1
            assert first.cursor
            rest = await client.get_list_friends(limit=1, cursor=first.cursor)
            assert rest.friends[0].id != first.friends[0].id

            await client.remove_friend(bob.id)
            assert bob.id not in _edges(sb, sb.bot.id)
            await client.block_friend(username="bob")
            assert _edges(sb, sb.bot.id)[bob.id] == FriendState.BLOCKED
            await client.unblock_friend(bob.id)
            assert _edges(sb, sb.bot.id).get(bob.id) != FriendState.BLOCKED


async def test_friend_errors() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            with pytest.raises(NotFound):
                await client.add_friend("nobody-by-that-name")
            with pytest.raises(APIError):
                await client.add_friend(user_id=sb.bot.id)  # yourself
            with pytest.raises(ConfigurationError):
                await client.add_friend()
            with pytest.raises(ConfigurationError):
                await client.get_list_friends(limit=0)
