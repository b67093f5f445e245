"""The client's caches of clans, channels and users, and the DM channels.

Kept up to date without network calls on the hot path: every pushed chat message
refreshes its sender and channel (:meth:`DirectoryService.observe_message`, a few
dict lookups, about 1 µs against ~60 µs to decode the push; the message content
is not parsed); lists the client makes anyway (clans and DMs at login) fill the
caches; everything else is fetched once, on demand, and shared by concurrent
callers (PERFORMANCE.md: "never let per-message work trigger network calls").
Pushed messages are only decoded when something listens to ``channel_message``
(a handler, ``channel_messages()``, a router), so a bot that never listens sees
its caches filled only by fetches.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Final, final

import trio

from .._cache import Cache
from .._connection.core import ConnectionCore
from .._models.message import Message, new_message, wire_message
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import DM_CHANNEL_TYPE, DM_MODE
from .._structures.channel import TextChannel
from .._structures.clan import Clan
from .._structures.user import User
from ..errors import NotFound
from .context import Services

__all__ = ["DirectoryService"]

log = logging.getLogger("mezon_trio.client")

MAX_CLANS: Final = 1_000
#: Messages cached across all channels (each channel also keeps at most its last 200): the oldest
#: go first, so memory stays flat however many channels a busy bot sees (bench/: memory scenario).
MAX_MESSAGES: Final = 10_000
MAX_CHANNELS: Final = 20_000
MAX_USERS: Final = 50_000
_CLAN_USERS_RELIST: Final = 60.0  # seconds before a user-cache miss may list a clan's members again
_DM: Final = DM_CHANNEL_TYPE
_DM_MODE: Final = DM_MODE


@final
class DirectoryService:
    """``client.clans`` / ``channels`` / ``users`` and DM channels."""

    def __init__(
        self,
        services: Services,
        *,
        max_clans: int = MAX_CLANS,
        max_channels: int = MAX_CHANNELS,
        max_users: int = MAX_USERS,
    ) -> None:
        self._services = services
        self._core: ConnectionCore = services.core
        self._clans = Cache(self._fetch_clan, max_size=max_clans, name="clans", id_keys="clan_id")
        self._channels = Cache(
            self._fetch_channel, max_size=max_channels, name="channels", id_keys="channel_id"
        )
        self._users = Cache(self._fetch_user, max_size=max_users, name="users", id_keys="user_id")
        self._dm_opened = Cache(self._open_dm, max_size=max_users, name="dm channels")
        self._dm_learned: dict[int, int] = {}
        self._message_lru: OrderedDict[tuple[int, int], None] = OrderedDict()
        self._clans_listed = False
        self._clans_lock = trio.Lock()
        self._clan_users_listed: dict[int, float] = {}
        self._clan_users_locks: dict[int, trio.Lock] = {}

    # ------------------------------------------------------------------ public caches

    @property
    def dm_channel_ids(self) -> dict[int, int]:
        """Every DM channel id known, by partner user id (listed at login, seen, or opened)."""
        out = dict(self._core.dm_channels)
        out.update(self._dm_learned)
        out.update(self._dm_opened.items())
        return out

    @property
    def clans(self) -> Cache[int, Clan]:
        """The bot's clans (filled at login; ``fetch`` lists them again on a miss)."""
        return self._clans

    @property
    def channels(self) -> Cache[int, TextChannel]:
        """Channels seen or fetched (``fetch``: ``ListChannelDetail`` on a miss)."""
        return self._channels

    @property
    def users(self) -> Cache[int, User]:
        """Users seen in messages, clan member lists and DM lists.

        ``fetch`` on a miss lists the members of the bot's clans (at most once a minute
        per clan) and never opens a DM (quirk 14).
        """
        return self._users

    # ------------------------------------------------------------------ hot path

    def make_message(self, raw: api.ChannelMessage, *, caught_up: bool = False) -> Message:
        """A chat message as a :class:`Message` (pushed, or *caught_up* from history), with the
        caches refreshed (no I/O)."""
        message = new_message(raw, services=self._services, caught_up=caught_up)
        self.observe_message(message)
        return message

    def observe_message(self, message: Message) -> None:
        """Refresh the sender and the channel from a pushed message; no I/O, no parsing."""
        raw = wire_message(message)
        sender_id = raw.sender_id
        channel_id = raw.channel_id
        clan_id = raw.clan_id
        user = self._users.peek(sender_id)
        if user is not None:
            user._absorb(raw)
        elif sender_id:
            self._users.set(sender_id, User._from_message(self._services, raw))
        channels = self._channels
        channel = channels.peek(channel_id)
        if channel is None:
            channel = channels.set(channel_id, TextChannel._from_message(self._services, raw))
            if clan_id:
                clan = self._clans.peek(clan_id)
                if clan is not None:
                    clan.channels.set(channel_id, channel)
        if clan_id == 0 and raw.mode == _DM_MODE and sender_id != self._core.user_id:
            self._dm_learned[sender_id] = channel_id
        code = raw.code
        if code == 0 or code == 1:
            message_id = raw.message_id
            channel.messages.set(message_id, message)
            lru = self._message_lru
            key = (channel_id, message_id)
            if key in lru:
                lru.move_to_end(key)
            else:
                lru[key] = None  # a new key goes last
                if len(lru) > MAX_MESSAGES:  # the client-wide bound: drop the oldest cached message
                    (old_channel, old_message), _ = lru.popitem(last=False)
                    holder = channel if old_channel == channel_id else channels.peek(old_channel)
                    if holder is not None:
                        holder.messages.delete(old_message)
        elif code == 2:
            channel.messages.delete(raw.message_id)

    # ------------------------------------------------------------------ hooks called by the supervisor

    def on_clans_listed(self, descs: list[api.ClanDesc]) -> None:
        """``ListClanDescs`` answered (login / reconnect): create or refresh the Clan objects."""
        for desc in descs:
            if desc.clan_id:
                self.clan_for(desc.clan_id)._update(desc)
        self._clans_listed = True

    def on_dm_channels_listed(self, descs: list[api.ChannelDescription]) -> None:
        """``ListChannelDescs{type 3}`` answered: cache the DM channels and their partners' names."""
        for desc in descs:
            if not desc.channel_id:
                continue
            self.channel_from_desc(desc)
            if desc.type != _DM or not desc.user_ids:
                continue
            for index, user_id in enumerate(desc.user_ids):
                name = desc.usernames[index] if index < len(desc.usernames) else ""
                display = desc.display_names[index] if index < len(desc.display_names) else ""
                avatar = desc.avatars[index] if index < len(desc.avatars) else ""
                self.user_for(user_id)._absorb_fields(username=name, display_name=display, avatar=avatar)

    # ------------------------------------------------------------------ builders (no I/O)

    def clan_for(self, clan_id: int, name: str = "") -> Clan:
        clan = self._clans.peek(clan_id)
        if clan is None:
            clan = self._clans.set(clan_id, Clan(self._services, clan_id, name))
        return clan

    def user_for(self, user_id: int) -> User:
        user = self._users.peek(user_id)
        if user is None:
            user = self._users.set(user_id, User(self._services, user_id))
        return user

    def channel_from_desc(self, desc: api.ChannelDescription) -> TextChannel:
        channel = self._channels.peek(desc.channel_id)
        if channel is None:
            channel = self._channels.set(desc.channel_id, TextChannel._from_desc(self._services, desc))
        else:
            channel._update(desc)
        if desc.clan_id:
            self.clan_for(desc.clan_id, desc.clan_name).channels.set(desc.channel_id, channel)
        return channel

    def known_dm_channel(self, user_id: int) -> int:
        opened = self._dm_opened.peek(user_id)
        if opened is not None:
            return opened
        return self._core.dm_channels.get(user_id) or self._dm_learned.get(user_id, 0)

    # ------------------------------------------------------------------ fetchers (network; Cache dedups)

    async def _fetch_clan(self, clan_id: int) -> Clan:
        async with self._clans_lock:
            clan = self._clans.peek(clan_id)
            if clan is None or clan.description is None:
                listed = await self._core.rpc("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList)
                self.on_clans_listed(list(listed.clandesc))
        clan = self._clans.peek(clan_id)
        if clan is None:
            raise NotFound(
                f"clan {clan_id} not found among the bot's clans", status=404, operation="ListClanDescs"
            )
        return clan

    async def _fetch_channel(self, channel_id: int) -> TextChannel:
        desc = await self._core.rpc(
            "ListChannelDetail", api.ListChannelDetailRequest(channel_id=channel_id), api.ChannelDescription
        )
        if not desc.channel_id:
            raise NotFound(f"channel {channel_id} not found", status=404, operation="ListChannelDetail")
        return self.channel_from_desc(desc)

    async def _fetch_user(self, user_id: int) -> User:
        for clan_id in list(self._core.clan_ids):
            await self._list_clan_users(clan_id)
            user = self._users.peek(user_id)
            if user is not None:
                return user
        if self.known_dm_channel(user_id):
            return self.user_for(user_id)
        raise NotFound(
            f"user {user_id} shares no clan or DM with the bot", status=404, operation="users.fetch"
        )

    async def _list_clan_users(self, clan_id: int) -> None:
        """``ListClanUsers`` once per clan per minute, shared by concurrent callers."""
        lock = self._clan_users_locks.setdefault(clan_id, trio.Lock())
        async with lock:
            last = self._clan_users_listed.get(clan_id)
            if last is not None and trio.current_time() - last < _CLAN_USERS_RELIST:
                return
            try:
                listed = await self._core.rpc(
                    "ListClanUsers", api.ListClanUsersRequest(clan_id=clan_id), api.ClanUserList
                )
            except NotFound:
                log.debug("ListClanUsers: clan %d not found", clan_id)
                listed = api.ClanUserList()
            self._clan_users_listed[clan_id] = trio.current_time()
        for member in listed.clan_users:
            user = member.user
            if user is None or not user.id:
                continue
            self.user_for(user.id)._absorb_fields(
                username=user.username,
                display_name=user.display_name,
                avatar=user.avatar_url,
                clan_nick=member.clan_nick,
                clan_avatar=member.clan_avatar,
            )

    async def load_clan_channels(self, clan: Clan) -> None:
        """Every channel of *clan*, all types in one call (quirk 22)."""
        listed = await self._core.rpc(
            "ListChannelDescs", api.ListChannelDescsRequest(clan_id=clan.id), api.ChannelDescList
        )
        for desc in listed.channeldesc:
            if desc.channel_id and desc.clan_id in (0, clan.id):
                if not desc.clan_id:
                    desc.clan_id = clan.id
                self.channel_from_desc(desc)

    # ------------------------------------------------------------------ DMs

    async def create_dm_channel(self, user_id: int) -> TextChannel:
        """The DM channel with *user_id*: the known one, else ``CreateChannelDesc`` + ``channel_join``.

        Created at most once per user (concurrent callers share the creation); the
        channel is cached for later DMs (docs/protocol.md §5.8).

        Cancellation: safe; if cancelled after the server created the channel, the next
        call gets the same channel back (the server's creation is idempotent).

        Raises:
            NotFound: unknown user; APIError: the server refused.
            RequestTimeout, TransportError, ConnectionLost, ClientClosed.
        """
        self._core.require_running("create_dm_channel()")
        channel_id = await self._dm_opened.fetch(user_id)
        channel = self._channels.peek(channel_id)
        if channel is None:
            channel = TextChannel(self._services, channel_id, 0, _DM)
            self._channels.set(channel_id, channel)
        return channel

    async def _open_dm(self, user_id: int) -> int:
        known = self._core.dm_channels.get(user_id) or self._dm_learned.get(user_id)
        if known:
            return known
        request = api.CreateChannelDescRequest(type=_DM, user_ids=[user_id], channel_private=1)
        desc = await self._core.rpc("CreateChannelDesc", request, api.ChannelDescription, idempotent=True)
        if not desc.channel_id:
            raise NotFound(
                f"could not open a DM with user {user_id}", status=404, operation="CreateChannelDesc"
            )
        self.channel_from_desc(desc)
        join = rt.ChannelJoin(clan_id=0, channel_id=desc.channel_id, channel_type=_DM, is_public=False)
        await self._core.request(rt.Envelope(channel_join=join))
        log.debug("opened DM channel %d with user %d", desc.channel_id, user_id)
        return desc.channel_id
