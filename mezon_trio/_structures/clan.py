"""``Clan`` (official ``mezon.structures.Clan``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final, final

import trio

from .._cache import Cache
from .._models.proto import clan_info_from_proto, role_page_from_proto, voice_user_list_from_proto
from .._models.values import ClanInfo, RolePage, VoiceChannelUserList
from .._proto.mezon import api
from .._protocol.api_index import OPAQUE
from .._protocol.enums import VOICE_CHANNEL_TYPE
from .._protocol.ids import Id, as_id
from ..errors import ConfigurationError, NotFound

if TYPE_CHECKING:
    from .._services.context import Services
    from .channel import TextChannel

__all__ = ["Clan"]

CHANNELS_PER_CLAN: Final = 5_000
_VOICE_CHANNEL_TYPE: Final = VOICE_CHANNEL_TYPE  # ListChannelUsersRequest.channel_type default (§7.2)
_ROLE_FIELDS: Final = frozenset(
    {
        "title",
        "color",
        "role_icon",
        "description",
        "display_online",
        "allow_mention",
        "add_user_ids",
        "active_permission_ids",
        "remove_user_ids",
        "remove_permission_ids",
        "max_permission_id",
    }
)


@final
class Clan:
    """A clan the bot belongs to; get one from ``client.clans``.  Read-only; no public constructor."""

    __slots__ = ("__weakref__", "_channels", "_desc", "_id", "_load_lock", "_loaded", "_name", "_services")

    def __init__(self, services: Services, clan_id: int, name: str = "") -> None:
        self._services = services
        self._id = clan_id
        self._name = name
        self._desc: ClanInfo | None = None
        self._loaded = False
        self._load_lock = trio.Lock()
        self._channels: Cache[int, TextChannel] = Cache(
            self._fetch_channel,
            max_size=CHANNELS_PER_CLAN,
            name=f"clan {clan_id} channels",
            id_keys="channel_id",
        )

    def _update(self, desc: api.ClanDesc) -> None:
        self._name = desc.clan_name or self._name
        self._desc = clan_info_from_proto(desc)

    def __repr__(self) -> str:
        return f"<Clan id={self._id} name={self._name!r}>"

    @property
    def id(self) -> int:
        return self._id

    @property
    def name(self) -> str:
        return self._name

    @property
    def welcome_channel_id(self) -> int:
        return self._desc.welcome_channel_id if self._desc is not None else 0

    @property
    def logo(self) -> str:
        return self._desc.logo if self._desc is not None else ""

    @property
    def description(self) -> ClanInfo | None:
        """The server's description of the clan (None until listed)."""
        return self._desc

    @property
    def channels(self) -> Cache[int, TextChannel]:
        """This clan's channels seen so far; :meth:`load_channels` lists them all."""
        return self._channels

    @property
    def channels_loaded(self) -> bool:
        return self._loaded

    async def _fetch_channel(self, channel_id: int) -> TextChannel:
        channel = await self._services.directory.channels.fetch(channel_id)
        if channel.clan_id != self._id:
            raise NotFound(f"channel {channel_id} is not in clan {self._id}", status=404)
        return channel

    async def load_channels(self) -> None:
        """List all the clan's channels (every type) into the caches, once.

        Concurrent callers share the one ``ListChannelDescs`` call; later calls return at
        once.  If it fails, the next call tries again.

        Cancellation: safe; a cancelled listing is redone by the next call.

        Raises:
            APIError, RequestTimeout, TransportError: the listing failed.
        """
        if self._loaded:
            return
        async with self._load_lock:
            if not self._loaded:  # else another caller loaded them while we waited
                await self._services.directory.load_clan_channels(self)
                self._loaded = True

    async def list_roles(
        self, limit: int | None = None, state: int | None = None, cursor: str | None = None
    ) -> RolePage:
        """The clan's roles (``ListRoles``): ``resp.roles.roles``.

        Cancellation: safe (a read).

        Raises:
            NotFound: unknown clan; Forbidden: the bot is not a member.
            RequestTimeout, TransportError, APIError.
        """
        request = api.RoleListEventRequest(
            clan_id=self._id, limit=limit or 0, state=state or 0, cursor=cursor or ""
        )
        response = await self._services.core.rpc("ListRoles", request, api.RoleListEventResponse)
        return role_page_from_proto(response)

    async def update_role(self, role_id: Id, request: Mapping[str, object]) -> bool:
        """Change a role (``UpdateRole``); *request* holds the official keys (``title``, ``color``,
        ``role_icon``, ``description``, ``display_online``, ``allow_mention``, ``add_user_ids``,
        ``remove_user_ids``, ``active_permission_ids``, ``remove_permission_ids``,
        ``max_permission_id``).  Returns True.

        Cancellation: if cancelled after the request was sent, the change may still apply.

        Raises:
            ConfigurationError: an unknown key in *request*.
            NotFound: unknown role; Forbidden: not allowed.
            RequestTimeout, TransportError, APIError.
        """
        unknown = sorted(set(request) - _ROLE_FIELDS)
        if unknown:
            raise ConfigurationError(f"update_role: unknown field(s) {', '.join(unknown)}")
        fields: dict[str, Any] = {
            k: (list(v) if isinstance(v, (list, tuple, set)) else v) for k, v in request.items()
        }
        message = api.UpdateRoleRequest(role_id=as_id(role_id, "role_id"), clan_id=self._id, **fields)
        await self._services.core.rpc("UpdateRole", message, OPAQUE)
        return True

    async def list_channel_voice_users(
        self,
        channel_id: Id = 0,
        channel_type: int | None = None,
        limit: int = 500,
        state: int | None = None,
        cursor: str | None = None,
    ) -> VoiceChannelUserList:
        """Who is in the clan's voice channels (``ListChannelVoiceUsers``; one channel if given).

        Cancellation: safe (a read).

        Raises:
            ConfigurationError: ``limit`` not in 1..500.
            RequestTimeout, TransportError, APIError.
        """
        if not 0 < limit <= 500:
            raise ConfigurationError("list_channel_voice_users(limit=...) must be in 1..500")
        request = api.ListChannelUsersRequest(
            clan_id=self._id,
            channel_id=as_id(channel_id, "channel_id"),
            channel_type=_VOICE_CHANNEL_TYPE if channel_type is None else channel_type,
            limit=limit,
            state=state or 0,
            cursor=cursor or "",
        )
        response = await self._services.core.rpc("ListChannelVoiceUsers", request, api.VoiceChannelUserList)
        return voice_user_list_from_proto(response)
