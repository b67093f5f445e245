"""The client's caches of clans, channels and users, and the DM channels (official ``CacheManager``s).

Kept up to date without network calls on the hot path: every pushed chat message
refreshes its sender and channel (:meth:`DirectoryMixin._observe_message`, a few
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
from typing import TYPE_CHECKING, Final, cast

import trio

from .._cache import Cache
from .._models.enums import ChannelType
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._structures.channel import TextChannel
from .._structures.clan import Clan
from .._structures.user import User
from ..errors import NotFound
from ..models import Message
from .base import ClientCore

if TYPE_CHECKING:
    from .mixin import BotApi

__all__ = ["DirectoryMixin"]

log = logging.getLogger("mezon_trio.client")

MAX_CLANS: Final = 1_000
#: Messages cached across all channels (each channel also keeps at most its last 200): the oldest
#: go first, so memory stays flat however many channels a busy bot sees (bench/: memory scenario).
MAX_MESSAGES: Final = 10_000
MAX_CHANNELS: Final = 20_000
MAX_USERS: Final = 50_000
_CLAN_USERS_RELIST: Final = 60.0  # seconds before a user-cache miss may list a clan's members again
_DM: Final = ChannelType.CHANNEL_TYPE_DM
_DM_MODE: Final = 4


class DirectoryMixin(ClientCore):
    """``client.clans`` / ``channels`` / ``users`` and DM channels."""

    _clans_cache: Cache[int, Clan]
    _channels_cache: Cache[int, TextChannel]
    _users_cache: Cache[int, User]
    _dm_opened: Cache[int, int]
    _dm_learned: dict[int, int]
    _message_lru: OrderedDict[tuple[int, int], None]
    _clans_listed: bool
    _clans_lock: trio.Lock
    _clan_users_listed: dict[int, float]
    _clan_users_locks: dict[int, trio.Lock]

    def _init_directory(
        self, *, max_clans: int = MAX_CLANS, max_channels: int = MAX_CHANNELS, max_users: int = MAX_USERS
    ) -> None:
        self._clans_cache = Cache(self._fetch_clan, max_size=max_clans, name="clans")
        self._channels_cache = Cache(self._fetch_channel, max_size=max_channels, name="channels")
        self._users_cache = Cache(self._fetch_user, max_size=max_users, name="users")
        self._dm_opened = Cache(self._open_dm, max_size=max_users, name="dm channels")
        self._dm_learned = {}
        self._message_lru = OrderedDict()
        self._clans_listed = False
        self._clans_lock = trio.Lock()
        self._clan_users_listed = {}
        self._clan_users_locks = {}

    def _as_bot(self) -> BotApi:
        return cast("BotApi", self)

    # ------------------------------------------------------------------ public caches

    @property
    def clans(self) -> Cache[int, Clan]:
        """The bot's clans (filled at login; ``fetch`` lists them again on a miss)."""
        return self._clans_cache

    @property
    def channels(self) -> Cache[int, TextChannel]:
        """Channels seen or fetched (``fetch``: ``ListChannelDetail`` on a miss)."""
        return self._channels_cache

    @property
    def users(self) -> Cache[int, User]:
        """Users seen in messages, clan member lists and DM lists.

        ``fetch`` on a miss lists the members of the bot's clans (at most once a minute
        per clan) and never opens a DM (quirk 14).
        """
        return self._users_cache

    async def get_channel_from_id(self, channel_id: int) -> TextChannel:
        """Official-SDK name of ``client.channels.fetch(channel_id)``.

        Cancellation: safe (a read).

        Raises:
            NotFound: no such channel, or the bot cannot see it.
            RequestTimeout, TransportError, APIError.
        """
        return await self._channels_cache.fetch(channel_id)

    async def get_user_from_id(self, user_id: int) -> User:
        """Official-SDK name of ``client.users.fetch(user_id)`` (without the official DM side effect).

        Cancellation: safe (a read).

        Raises:
            NotFound: the user shares no clan or DM with the bot.
            RequestTimeout, TransportError, APIError.
        """
        return await self._users_cache.fetch(user_id)

    # ------------------------------------------------------------------ hot path

    def _observe_message(self, message: Message) -> None:
        """Refresh the sender and the channel from a pushed message; no I/O, no parsing."""
        raw = message.raw
        sender_id = raw.sender_id
        channel_id = raw.channel_id
        clan_id = raw.clan_id
        user = self._users_cache.peek(sender_id)
        if user is not None:
            user._absorb(raw)
        elif sender_id:
            self._users_cache.set(sender_id, User._from_message(self._as_bot(), raw))
        channels = self._channels_cache
        channel = channels.peek(channel_id)
        if channel is None:
            channel = channels.set(channel_id, TextChannel._from_message(self._as_bot(), raw))
            if clan_id:
                clan = self._clans_cache.peek(clan_id)
                if clan is not None:
                    clan.channels.set(channel_id, channel)
        if clan_id == 0 and raw.mode == _DM_MODE and sender_id != self.user_id:
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

    # ------------------------------------------------------------------ hooks called by the client core

    def _on_clans_listed(self, descs: list[api.ClanDesc]) -> None:
        """``ListClanDescs`` answered (login / reconnect): create or refresh the Clan objects."""
        for desc in descs:
            if desc.clan_id:
                self._clan_for(desc.clan_id)._update(desc)
        self._clans_listed = True

    def _on_dm_channels_listed(self, descs: list[api.ChannelDescription]) -> None:
        """``ListChannelDescs{type 3}`` answered: cache the DM channels and their partners' names."""
        for desc in descs:
            if not desc.channel_id:
                continue
            self._channel_from_desc(desc)
            if desc.type != _DM or not desc.user_ids:
                continue
            for index, user_id in enumerate(desc.user_ids):
                name = desc.usernames[index] if index < len(desc.usernames) else ""
                display = desc.display_names[index] if index < len(desc.display_names) else ""
                avatar = desc.avatars[index] if index < len(desc.avatars) else ""
                self._user_for(user_id)._absorb_fields(username=name, display_name=display, avatar=avatar)

    # ------------------------------------------------------------------ builders (no I/O)

    def _clan_for(self, clan_id: int, name: str = "") -> Clan:
        clan = self._clans_cache.peek(clan_id)
        if clan is None:
            clan = self._clans_cache.set(clan_id, Clan(self._as_bot(), clan_id, name))
        return clan

    def _user_for(self, user_id: int) -> User:
        user = self._users_cache.peek(user_id)
        if user is None:
            user = self._users_cache.set(user_id, User(self._as_bot(), user_id))
        return user

    def _channel_from_desc(self, desc: api.ChannelDescription) -> TextChannel:
        channel = self._channels_cache.peek(desc.channel_id)
        if channel is None:
            channel = self._channels_cache.set(desc.channel_id, TextChannel._from_desc(self._as_bot(), desc))
        else:
            channel._update(desc)
        if desc.clan_id:
            self._clan_for(desc.clan_id, desc.clan_name).channels.set(desc.channel_id, channel)
        return channel

    def _known_dm_channel(self, user_id: int) -> int:
        opened = self._dm_opened.peek(user_id)
        if opened is not None:
            return opened
        return self._dm_channels.get(user_id) or self._dm_learned.get(user_id, 0)

    # ------------------------------------------------------------------ fetchers (network; Cache dedups)

    async def _fetch_clan(self, clan_id: int) -> Clan:
        async with self._clans_lock:
            clan = self._clans_cache.peek(clan_id)
            if clan is None or clan.description is None:
                listed = await self.rpc("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList)
                self._on_clans_listed(list(listed.clandesc))
        clan = self._clans_cache.peek(clan_id)
        if clan is None:
            raise NotFound(
                f"clan {clan_id} not found among the bot's clans", status=404, operation="ListClanDescs"
            )
        return clan

    async def _fetch_channel(self, channel_id: int) -> TextChannel:
        desc = await self.rpc(
            "ListChannelDetail", api.ListChannelDetailRequest(channel_id=channel_id), api.ChannelDescription
        )
        if not desc.channel_id:
            raise NotFound(f"channel {channel_id} not found", status=404, operation="ListChannelDetail")
        return self._channel_from_desc(desc)

    async def _fetch_user(self, user_id: int) -> User:
        for clan_id in list(self._clan_ids):
            await self._list_clan_users(clan_id)
            user = self._users_cache.peek(user_id)
            if user is not None:
                return user
        if self._known_dm_channel(user_id):
            return self._user_for(user_id)
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
                listed = await self.rpc(
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
            self._user_for(user.id)._absorb_fields(
                username=user.username,
                display_name=user.display_name,
                avatar=user.avatar_url,
                clan_nick=member.clan_nick,
                clan_avatar=member.clan_avatar,
            )

    async def _load_clan_channels(self, clan: Clan) -> None:
        """Every channel of *clan*, all types in one call (quirk 22)."""
        listed = await self.rpc(
            "ListChannelDescs", api.ListChannelDescsRequest(clan_id=clan.id), api.ChannelDescList
        )
        for desc in listed.channeldesc:
            if desc.channel_id and desc.clan_id in (0, clan.id):
                if not desc.clan_id:
                    desc.clan_id = clan.id
                self._channel_from_desc(desc)

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
        self._require_running("create_dm_channel")
        channel_id = await self._dm_opened.fetch(user_id)
        channel = self._channels_cache.peek(channel_id)
        if channel is None:
            channel = TextChannel(self._as_bot(), channel_id, 0, _DM)
            self._channels_cache.set(channel_id, channel)
        return channel

    async def _open_dm(self, user_id: int) -> int:
        known = self._dm_channels.get(user_id) or self._dm_learned.get(user_id)
        if known:
            return known
        request = api.CreateChannelDescRequest(type=_DM, user_ids=[user_id], channel_private=1)
        desc = await self.rpc("CreateChannelDesc", request, api.ChannelDescription, idempotent=True)
        if not desc.channel_id:
            raise NotFound(
                f"could not open a DM with user {user_id}", status=404, operation="CreateChannelDesc"
            )
        self._channel_from_desc(desc)
        join = rt.ChannelJoin(clan_id=0, channel_id=desc.channel_id, channel_type=_DM, is_public=False)
        await self._gateway.request(rt.Envelope(channel_join=join))
        log.debug("opened DM channel %d with user %d", desc.channel_id, user_id)
        return desc.channel_id
