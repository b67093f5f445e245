"""Thin stand-ins for the official SDK's managers, for code that reaches into them.

=========================  ==================================================================
official attribute         here
=========================  ==================================================================
``client.session_manager``  :class:`SessionManagerView`: ``get_session()`` (the current
                            :class:`~mezon_trio._session.Session`; login and refresh are automatic)
``client.socket_manager``   :class:`SocketManagerView`: ``is_connected()``, ``write_chat_message``,
                            ``update_chat_message``, ``remove_chat_message``,
                            ``write_message_reaction``, ``write_ephemeral_message``,
                            ``join_clan_chat``, ``join_chat``, ``leave_chat`` (onto the client's
                            message methods and its socket)
``client.channel_manager``  :class:`ChannelManagerView`: ``get_all_dm_channels()``,
                            ``create_dm_channel(user_id)``
``client.event_manager``    :class:`EventManagerView`: ``on``, ``off``, ``has_listeners`` (onto the
                            client's event hub; handlers survive ``close_socket()``)
``client.api_client``       :class:`ApiClientView`: ``list_clans_descs``, ``list_channel_descs``,
                            ``get_channel_detail``, ``list_channel_voice_users``, ``list_roles``,
                            ``update_role``, quick-menu calls (onto ``client.rpc``, rate-limited)
``CacheManager``            :class:`~mezon_trio._cache.Cache` (``client.clans/channels/users``)
``MessageDB``               none: nothing is written to disk (quirk 21)
=========================  ==================================================================

The views hold no state of their own; prefer the client's methods in new code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, final

from .._client import MezonClient, services_of
from .._models.proto import channel_info_from_proto, clan_info_from_proto
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import ChannelType
from .._services.messaging import MessagingService
from .._services.sending_wire import MsgContent
from .._structures.clan import Clan
from .models import (
    ApiChannelDescription,
    ApiClanDesc,
    ApiMessageReaction,
    ApiQuickMenuAccess,
    ApiRoleListEventResponse,
    ApiVoiceChannelUserList,
    ChannelMessageAck,
    to_official_ack,
    to_official_channel,
    to_official_clan,
    to_official_reaction,
    to_official_role_page,
)

if TYPE_CHECKING:
    from .._session import Session

__all__ = [
    "ApiClientView",
    "ChannelManagerView",
    "EventManagerView",
    "SessionManagerView",
    "SocketManagerView",
]


@final
class SessionManagerView:
    """``client.session_manager``."""

    __slots__ = ("_client",)

    def __init__(self, client: MezonClient) -> None:
        self._client = client

    def get_session(self) -> Session:
        """The current session (tokens hidden from its repr).

        Raises:
            MezonError: not logged in yet.
        """
        return self._client.session


@final
class SocketManagerView:
    """``client.socket_manager``: the socket operations under their official names."""

    __slots__ = ("_client",)

    def __init__(self, client: MezonClient) -> None:
        self._client = client

    async def is_connected(self) -> bool:
        """Whether the socket is up and the clans are joined (async for the official shape; never blocks).

        Cancellation: nothing to cancel.

        Raises:
            Nothing.
        """
        return self._client.is_ready

    async def write_chat_message(
        self,
        clan_id: int,
        channel_id: int,
        mode: int,
        is_public: bool,
        content: MsgContent,
        mentions: Iterable[object] | None = None,
        attachments: Iterable[object] | None = None,
        references: object = None,
        anonymous_message: bool | None = None,
        mention_everyone: bool | None = None,
        avatar: str | None = None,
        code: int | None = None,
        topic_id: int | None = None,
    ) -> ChannelMessageAck:
        """``client.send_message`` under the official socket-manager name.

        Cancellation and Raises: as :meth:`MezonClient.send_message`.
        """
        answer = await services_of(self._client).messaging.send_message(
            clan_id,
            channel_id,
            mode,
            is_public,
            content,
            mentions,  # the official shapes (Api* models, mappings) are accepted here
            attachments,
            references,
            anonymous_message=bool(anonymous_message),
            mention_everyone=bool(mention_everyone),
            avatar=avatar or "",
            code=code or 0,
            topic_id=topic_id or 0,
        )
        return to_official_ack(answer)

    async def update_chat_message(
        self,
        clan_id: int,
        channel_id: int,
        mode: int,
        is_public: bool,
        message_id: int,
        content: MsgContent,
        mentions: Iterable[object] | None = None,
        attachments: Iterable[object] | None = None,
        hide_editted: bool = False,
        topic_id: int | None = None,
        is_update_msg_topic: bool | None = None,
    ) -> ChannelMessageAck:
        """``client.update_message`` (``is_update_msg_topic`` is always ``topic_id != 0``).

        Cancellation and Raises: as :meth:`MezonClient.update_message`.
        """
        answer = await self._messaging.update_message(
            clan_id,
            channel_id,
            mode,
            is_public,
            message_id,
            content,
            mentions,
            attachments,
            hide_editted=hide_editted,
            topic_id=topic_id or 0,
        )
        return to_official_ack(answer)

    async def remove_chat_message(
        self,
        clan_id: int,
        channel_id: int,
        mode: int,
        is_public: bool,
        message_id: int,
        topic_id: int | None = None,
    ) -> ChannelMessageAck:
        """``client.delete_message``.

        Cancellation and Raises: as :meth:`MezonClient.delete_message`.
        """
        answer = await self._messaging.delete_message(
            clan_id, channel_id, mode, is_public, message_id, topic_id=topic_id or 0
        )
        return to_official_ack(answer)

    async def write_message_reaction(
        self,
        id: int,
        clan_id: int,
        channel_id: int,
        mode: int,
        is_public: bool,
        message_id: int,
        emoji_id: int,
        emoji: str,
        count: int,
        message_sender_id: int,
        action_delete: bool = False,
    ) -> ApiMessageReaction:
        """``client.react_message``.

        Cancellation and Raises: as :meth:`MezonClient.react_message`.
        """
        answer = await self._messaging.react_message(
            clan_id,
            channel_id,
            mode,
            is_public,
            message_id,
            emoji,
            emoji_id=emoji_id,
            remove=action_delete,
            message_sender_id=message_sender_id,
            count=count,
            reaction_id=id,
        )
        return to_official_reaction(answer)

    async def write_ephemeral_message(
        self,
        receiver_ids: int | Sequence[int],
        clan_id: int,
        channel_id: int,
        mode: int,
        is_public: bool,
        content: MsgContent,
        mentions: Iterable[object] | None = None,
        attachments: Iterable[object] | None = None,
        references: object = None,
        anonymous_message: bool | None = None,
        mention_everyone: bool | None = None,
        avatar: str | None = None,
        code: int | None = None,
        topic_id: int | None = None,
        message_id: int | None = None,
    ) -> ChannelMessageAck:
        """``client.send_ephemeral``.

        Cancellation and Raises: as :meth:`MezonClient.send_ephemeral`.
        """
        answer = await self._messaging.send_ephemeral(
            clan_id,
            channel_id,
            mode,
            is_public,
            receiver_ids,
            content,
            mentions,  # the official shapes (Api* models, mappings) are accepted here
            attachments,
            references,
            anonymous_message=bool(anonymous_message),
            mention_everyone=bool(mention_everyone),
            avatar=avatar or "",
            code=code or 12,
            topic_id=topic_id or 0,
            message_id=message_id or 0,
        )
        return to_official_ack(answer)

    @property
    def _messaging(self) -> MessagingService:
        return services_of(self._client).messaging

    async def _join(self, envelope: rt.Envelope) -> None:
        await self._messaging.join(envelope)

    async def join_clan_chat(self, clan_id: int) -> None:
        """``clan_join`` (remembered and repeated after reconnects).

        Cancellation: if cancelled after the frame was written, the join may still happen.

        Raises:
            NotFound: unknown clan; APIError; RequestTimeout, ConnectionLost, ClientClosed.
        """
        await self._join(rt.Envelope(clan_join=rt.ClanJoin(clan_id=clan_id)))

    async def join_chat(
        self, clan_id: int, channel_id: int, channel_type: int, is_public: bool = True
    ) -> None:
        """``channel_join`` (remembered and repeated after reconnects).

        Cancellation: if cancelled after the frame was written, the join may still happen.

        Raises:
            NotFound, Forbidden: refused; RequestTimeout, ConnectionLost, ClientClosed.
        """
        join = rt.ChannelJoin(
            clan_id=clan_id, channel_id=channel_id, channel_type=channel_type, is_public=is_public
        )
        await self._join(rt.Envelope(channel_join=join))

    async def leave_chat(
        self, clan_id: int, channel_id: int, channel_type: int, is_public: bool = True
    ) -> None:
        """``channel_leave``.

        Cancellation: if cancelled after the frame was written, the leave may still happen.

        Raises:
            APIError; RequestTimeout, ConnectionLost, ClientClosed.
        """
        leave = rt.ChannelLeave(
            clan_id=clan_id, channel_id=channel_id, channel_type=channel_type, is_public=is_public
        )
        await self._join(rt.Envelope(channel_leave=leave))


@final
class ChannelManagerView:
    """``client.channel_manager``: DM channels."""

    __slots__ = ("_client",)

    def __init__(self, client: MezonClient) -> None:
        self._client = client

    def get_all_dm_channels(self) -> dict[int, int]:
        """DM channel id by partner user id (listed at login, learned from DMs, or opened)."""
        return self._client.dm_channels

    async def create_dm_channel(self, user_id: int) -> ApiChannelDescription:
        """Open (or find) the DM channel with *user_id*; see :meth:`MezonClient.create_dm_channel`.

        Cancellation and Raises: as :meth:`MezonClient.create_dm_channel`.
        """
        channel = await self._client.create_dm_channel(user_id)
        if channel.description is not None:
            return to_official_channel(channel.description)
        return ApiChannelDescription(
            channel_id=channel.id, type=ChannelType.CHANNEL_TYPE_DM, user_ids=(user_id,), private=True
        )


@final
class EventManagerView:
    """``client.event_manager``: handler registration (onto the client's event hub)."""

    __slots__ = ("_client",)

    def __init__(self, client: MezonClient) -> None:
        self._client = client

    def on(self, event_name: str, handler: Callable[[Any], Any | Awaitable[Any]]) -> None:
        """Same as ``client.on(event_name, handler)``.

        Raises:
            ConfigurationError: unknown event name.
        """
        self._client.on(event_name, handler)

    def off(self, event_name: str, handler: Callable[..., Any] | None = None) -> None:
        """Same as ``client.off(event_name, handler)``."""
        self._client.off(event_name, handler)

    def has_listeners(self, event_name: str) -> bool:
        """Whether a handler or subscription receives *event_name*."""
        return self._client.raw.has_listeners(str(event_name))


@final
class ApiClientView:
    """``client.api_client``: the official ``MezonApi`` calls, onto ``client.rpc`` (per-client limiter)."""

    __slots__ = ("_client",)

    def __init__(self, client: MezonClient) -> None:
        self._client = client

    def _clan(self, clan_id: int) -> Clan:
        return services_of(self._client).directory.clan_for(clan_id)

    async def list_clans_descs(self) -> tuple[ApiClanDesc, ...]:
        """``ListClanDescs``.  Cancellation: safe.  Raises: APIError, RequestTimeout, TransportError."""
        answer = await self._client.raw.rpc("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList)
        return tuple(to_official_clan(clan_info_from_proto(c)) for c in answer.clandesc)

    async def list_channel_descs(
        self, channel_type: int | None = None, clan_id: int | None = None
    ) -> tuple[ApiChannelDescription, ...]:
        """``ListChannelDescs``.  Cancellation: safe.  Raises: APIError, RequestTimeout, TransportError."""
        request = api.ListChannelDescsRequest(channel_type=channel_type or 0, clan_id=clan_id or 0)
        answer = await self._client.raw.rpc("ListChannelDescs", request, api.ChannelDescList)
        return tuple(to_official_channel(channel_info_from_proto(c)) for c in answer.channeldesc)

    async def get_channel_detail(self, channel_id: int) -> ApiChannelDescription:
        """``ListChannelDetail``.

        Cancellation: safe.  Raises: NotFound, APIError, RequestTimeout, TransportError.
        """
        request = api.ListChannelDetailRequest(channel_id=channel_id)
        answer = await self._client.raw.rpc("ListChannelDetail", request, api.ChannelDescription)
        return to_official_channel(channel_info_from_proto(answer))

    async def list_channel_voice_users(
        self, clan_id: int, channel_id: int = 0, channel_type: int | None = None, limit: int = 500
    ) -> ApiVoiceChannelUserList:
        """``Clan.list_channel_voice_users``.  Cancellation: safe.  Raises: as there."""
        clan = self._clan(clan_id)
        return await clan.list_channel_voice_users(channel_id, channel_type, limit)

    async def list_roles(
        self, clan_id: int, limit: int | None = None, state: int | None = None, cursor: str | None = None
    ) -> ApiRoleListEventResponse:
        """``Clan.list_roles``.  Cancellation: safe.  Raises: as there."""
        return to_official_role_page(await self._clan(clan_id).list_roles(limit, state, cursor))

    async def update_role(self, clan_id: int, role_id: int, request: Mapping[str, Any]) -> bool:
        """``Clan.update_role``.  Cancellation and Raises: as there."""
        return await self._clan(clan_id).update_role(role_id, request)

    async def list_quick_menu_access(
        self, bot_id: int | None = None, channel_id: int | None = None, menu_type: int | None = None
    ) -> tuple[ApiQuickMenuAccess, ...]:
        """``client.quick_menus.entries``.  Cancellation and Raises: as there."""
        return await self._client.quick_menus.entries(bot_id, channel_id, menu_type)
