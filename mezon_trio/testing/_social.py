"""The sandbox core's membership, friends and token operations, bound as ``SandboxCore`` methods.

Written as functions of the core (``add_to_clan = _social.add_to_clan`` in its class body)
so the core module stays small; each one acts on the core's state and pushes what a real
server would push.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from . import _wire
from ._conn import OpError, now_s
from ._state import Channel, ChannelType, FriendEdge, FriendState, User

if TYPE_CHECKING:
    from ._core import SandboxCore


# ---------------------------------------------------------------------- membership


async def add_to_clan(self: SandboxCore, user_id: int, clan_id: int, *, invitor: int = 0) -> None:
    from ._state import ClanMember

    user = self._user(user_id)
    clan = self.state.clans.get(clan_id)
    if clan is None:
        raise OpError(404, f"clan {clan_id} not found")
    clan.members.setdefault(user_id, ClanMember(join_time=now_s()))
    event = rt.AddClanUserEvent(
        clan_id=clan_id,
        user=user.to_profile(online=self.online(user_id)),
        invitor=str(invitor) if invitor else "",
    )
    conns = {c.id: c for c in self.clan_conns(clan_id)}
    conns.update({c.id: c for c in self.user_conns(user_id)})
    await self.push("add_clan_user_event", event, conns.values())


async def remove_from_clan(self: SandboxCore, user_ids: Sequence[int], clan_id: int) -> None:
    clan = self.state.clans.get(clan_id)
    if clan is None:
        raise OpError(404, f"clan {clan_id} not found")
    event = rt.UserClanRemoved(clan_id=clan_id, user_ids=list(user_ids))
    conns = {c.id: c for c in self.clan_conns(clan_id)}
    conns.update({c.id: c for u in user_ids for c in self.user_conns(u)})
    await self.push("user_clan_removed_event", event, conns.values())
    for uid in user_ids:
        clan.members.pop(uid, None)
        for c in self.user_conns(uid):
            c.clans.discard(clan_id)


async def add_to_channel(
    self: SandboxCore, user_ids: Sequence[int], channel_id: int, *, caller: int = 0
) -> None:
    channel = self.channel(channel_id)
    for uid in user_ids:
        self._user(uid)
        channel.members.add(uid)
    users = [self.state.users[u].to_profile(online=self.online(u)) for u in user_ids]
    caller_user = self.state.users.get(caller)
    conns = {c.id: c for c in self.channel_conns(channel)}
    conns.update({c.id: c for u in user_ids for c in self.user_conns(u)})
    for conn in conns.values():
        event = rt.UserChannelAdded(
            channel_desc=self.state._describe(channel, conn.user_id),
            users=users,
            status="",
            clan_id=channel.clan_id,
            caller=caller_user.to_profile() if caller_user else None,
            create_time_seconds=now_s(),
            active=1,
        )
        await conn.send(_wire.encode("user_channel_added_event", event))


async def remove_from_channel(self: SandboxCore, user_ids: Sequence[int], channel_id: int) -> None:
    channel = self.channel(channel_id)
    event = rt.UserChannelRemoved(
        channel_id=channel.id, user_ids=list(user_ids), channel_type=channel.type, clan_id=channel.clan_id
    )
    conns = {c.id: c for c in self.channel_conns(channel)}
    conns.update({c.id: c for u in user_ids for c in self.user_conns(u)})
    await self.push("user_channel_removed_event", event, conns.values())
    for uid in user_ids:
        channel.members.discard(uid)
        for c in self.user_conns(uid):
            c.channels.discard(channel.id)


async def create_channel(
    self: SandboxCore,
    creator_id: int,
    *,
    clan_id: int,
    type: int,
    label: str = "",
    private: bool = False,
    parent_id: int = 0,
    category_id: int = 0,
    members: Iterable[int] = (),
    channel_id: int = 0,
) -> Channel:
    """Create a channel, DM or group; pushes ``channel_created_event`` (clan) or
    ``user_channel_added_event`` (DM/group) like the server.

    Raises:
        OpError: unknown clan/user (404), creator not a clan member (403).
    """
    self._user(creator_id)
    if clan_id:
        if clan_id not in self.state.clans:
            raise OpError(404, f"clan {clan_id} not found")
        if not self.state.is_clan_member(creator_id, clan_id):
            raise OpError(403, "not a member of this clan")
        if parent_id and parent_id not in self.state.channels:
            raise OpError(404, f"parent channel {parent_id} not found")
    member_set = {creator_id, *members}
    for uid in member_set:
        self._user(uid)
    channel = Channel(
        id=channel_id or self.ids.next(),
        clan_id=clan_id,
        type=type,
        label=label,
        creator_id=creator_id,
        private=private if clan_id else True,
        parent_id=parent_id,
        category_id=category_id,
        create_time=now_s(),
        members=member_set if (not clan_id or private or type == ChannelType.THREAD) else set(),
    )
    self.state.channels[channel.id] = channel
    if clan_id:
        clan = self.state.clans[clan_id]
        event = rt.ChannelCreatedEvent(
            clan_id=clan_id,
            category_id=category_id,
            creator_id=creator_id,
            parent_id=parent_id,
            channel_id=channel.id,
            channel_label=label,
            channel_private=1 if private else 0,
            channel_type=type,
            status=1 if type == ChannelType.THREAD else 0,
            clan_name=clan.name,
        )
        await self.push("channel_created_event", event, self.clan_conns(clan_id))
    else:
        others = sorted(member_set - {creator_id})
        if others:
            await self.add_to_channel(others, channel.id, caller=creator_id)
    return channel


async def open_dm(self: SandboxCore, user_id: int, other_id: int) -> Channel:
    """The DM channel between two users, created (with pushes) if missing (idempotent)."""
    self._user(other_id)
    existing = self.state.dm_between(user_id, other_id)
    if existing is not None:
        return existing
    return await self.create_channel(user_id, clan_id=0, type=ChannelType.DM, members=[other_id])


# ---------------------------------------------------------------------- friends


def _resolve_users(self: SandboxCore, ids: Iterable[int], usernames: Iterable[str]) -> list[User]:
    out: dict[int, User] = {}
    for uid in ids:
        user = self.state.users.get(uid)
        if user is not None:
            out[user.id] = user
    for name in usernames:
        user = self.state.user_by_username(name)
        if user is not None:
            out[user.id] = user
    return list(out.values())


async def add_friends(
    self: SandboxCore, user_id: int, ids: Iterable[int], usernames: Iterable[str]
) -> list[User]:
    """Invite, or accept a pending invitation (Nakama semantics, docs/protocol.md §7.4).

    Raises:
        OpError: no known user named (404); adding yourself (400).
    """
    me = self._user(user_id)
    targets = self._resolve_users(ids, usernames)
    if not targets:
        raise OpError(404, "no such user")
    now = now_s()
    mine = self.state.friend_edges(user_id)
    for other in targets:
        if other.id == user_id:
            raise OpError(400, "cannot add yourself as a friend")
        theirs = self.state.friend_edges(other.id)
        if theirs.get(user_id, FriendEdge(-1)).state == FriendState.BLOCKED:
            continue  # silently ignored, as Nakama does
        edge = mine.get(other.id)
        if edge is not None and edge.state == FriendState.FRIEND:
            continue
        if edge is not None and edge.state == FriendState.INVITE_RECEIVED:
            mine[other.id] = FriendEdge(FriendState.FRIEND, now)
            theirs[user_id] = FriendEdge(FriendState.FRIEND, now)
        else:
            mine[other.id] = FriendEdge(FriendState.INVITE_SENT, now)
            theirs[user_id] = FriendEdge(FriendState.INVITE_RECEIVED, now)
            notification = api.Notification(
                id=self.ids.next(),
                subject=f"{me.username} wants to add you as a friend",
                content=json.dumps({"username": me.username}).encode(),
                code=-2,
                sender_id=me.id,
                create_time_seconds=now,
                persistent=True,
            )
            await self.push_users("notifications", rt.Notifications(notifications=[notification]), [other.id])
        add = rt.AddFriend(
            user_id=me.id, username=me.username, display_name=me.display_name, avatar=me.avatar
        )
        await self.push_users("add_friend", add, [other.id])
    return targets


async def delete_friends(
    self: SandboxCore, user_id: int, ids: Iterable[int], usernames: Iterable[str]
) -> None:
    for other in self._resolve_users(ids, usernames):
        self.state.friend_edges(user_id).pop(other.id, None)
        theirs = self.state.friend_edges(other.id)
        if theirs.get(user_id, FriendEdge(-1)).state != FriendState.BLOCKED:
            theirs.pop(user_id, None)
        await self.push_users("remove_friend", rt.RemoveFriend(user_id=user_id), [other.id])


async def block_friends(
    self: SandboxCore, user_id: int, ids: Iterable[int], usernames: Iterable[str]
) -> None:
    now = now_s()
    for other in self._resolve_users(ids, usernames):
        if other.id == user_id:
            raise OpError(400, "cannot block yourself")
        self.state.friend_edges(user_id)[other.id] = FriendEdge(FriendState.BLOCKED, now)
        theirs = self.state.friend_edges(other.id)
        if theirs.get(user_id, FriendEdge(-1)).state != FriendState.BLOCKED:
            theirs.pop(user_id, None)
        await self.push_users("block_friend", rt.BlockFriend(user_id=user_id), [other.id])


async def unblock_friends(
    self: SandboxCore, user_id: int, ids: Iterable[int], usernames: Iterable[str]
) -> None:
    me = self._user(user_id)
    for other in self._resolve_users(ids, usernames):
        mine = self.state.friend_edges(user_id)
        if mine.get(other.id, FriendEdge(-1)).state == FriendState.BLOCKED:
            del mine[other.id]
            event = rt.UnblockFriend(
                user_id=me.id, username=me.username, avatar=me.avatar, display_name=me.display_name
            )
            await self.push_users("un_block_friend", event, [other.id])


def friend_list(
    self: SandboxCore, user_id: int, *, state: int | None = None, limit: int = 0, cursor: str = ""
) -> api.FriendList:
    edges = sorted(self.state.friend_edges(user_id).items())
    if state is not None:
        edges = [(k, e) for k, e in edges if e.state == state]
    start = int(cursor) if cursor.isdigit() else 0
    limit = min(limit, 1000) if limit > 0 else 1000
    page = edges[start : start + limit]
    friends = [
        api.Friend(
            user=self.state.users[k].to_api(online=self.online(k)),
            state=e.state,
            update_time_seconds=e.update_time,
        )
        for k, e in page
        if k in self.state.users
    ]
    next_cursor = str(start + limit) if start + limit < len(edges) else ""
    return api.FriendList(friends=friends, cursor=next_cursor)


# ---------------------------------------------------------------------- tokens


async def on_chain_transfer(
    self: SandboxCore, sender_id: int, receiver_id: int, amount: int, note: str, tx_hash: str
) -> None:
    """FakeChain hook: push ``token_sent_event`` to both parties."""
    sender = self.state.users.get(sender_id)
    event = api.TokenSentEvent(
        sender_id=sender_id,
        sender_name=sender.username if sender else "",
        receiver_id=receiver_id,
        amount=amount,
        note=note,
        transaction_id=tx_hash,
    )
    await self.push_users("token_sent_event", event, {sender_id, receiver_id})
