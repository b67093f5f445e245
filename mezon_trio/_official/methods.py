"""The official SDK's names, implemented over the trio-native client (its public API only).

Ids are checked (int or decimal str) by the services and caches these functions call.

:mod:`mezon_trio.compat` exposes them as methods of its ``MezonClient``; the core
``MezonClient`` still answers to them for one release, with a ``DeprecationWarning``
naming the replacement (registered here with :func:`~mezon_trio._client.register_deprecated`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import betterproto2

from .._client import MezonClient, register_deprecated, services_of
from .._models.message import Message
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.ids import Id
from .._services.sending_wire import MsgContent
from .._streams import Subscription
from .._structures.channel import TextChannel
from .._structures.user import User
from ..events import Event, Events, Overflow
from .managers import (
    ApiClientView,
    ChannelManagerView,
    EventManagerView,
    SessionManagerView,
    SocketManagerView,
)
from .models import (
    ApiMessageReaction,
    ApiQuickMenuAccess,
    ChannelMessageAck,
    to_official_ack,
    to_official_reaction,
)

M = TypeVar("M", bound=betterproto2.Message)

# ---------------------------------------------------------------------------- on_* handlers


def _on(client: MezonClient, kind: Events, handler: Callable[[Any], Any]) -> None:
    """Register an official-style handler of the generated payload of *kind* (untyped by design)."""
    services_of(client).core.hub.on(kind, handler)


def on_channel_message(self: MezonClient, handler: Callable[[Message], Any]) -> None:
    """``client.on(Events.CHANNEL_MESSAGE, handler)``."""
    _on(self, Events.CHANNEL_MESSAGE, handler)


def on_channel_created(self: MezonClient, handler: Callable[[rt.ChannelCreatedEvent], Any]) -> None:
    """``client.on(Events.CHANNEL_CREATED, handler)``."""
    _on(self, Events.CHANNEL_CREATED, handler)


def on_channel_updated(self: MezonClient, handler: Callable[[rt.ChannelUpdatedEvent], Any]) -> None:
    """``client.on(Events.CHANNEL_UPDATED, handler)``."""
    _on(self, Events.CHANNEL_UPDATED, handler)


def on_channel_deleted(self: MezonClient, handler: Callable[[rt.ChannelDeletedEvent], Any]) -> None:
    """``client.on(Events.CHANNEL_DELETED, handler)``."""
    _on(self, Events.CHANNEL_DELETED, handler)


def on_token_send(self: MezonClient, handler: Callable[[api.TokenSentEvent], Any]) -> None:
    """``client.on(Events.TOKEN_SEND, handler)``."""
    _on(self, Events.TOKEN_SEND, handler)


def on_message_reaction(self: MezonClient, handler: Callable[[api.MessageReaction], Any]) -> None:
    """``client.on(Events.MESSAGE_REACTION, handler)``."""
    _on(self, Events.MESSAGE_REACTION, handler)


def on_channel_user_removed(self: MezonClient, handler: Callable[[rt.UserChannelRemoved], Any]) -> None:
    """``client.on(Events.USER_CHANNEL_REMOVED, handler)``."""
    _on(self, Events.USER_CHANNEL_REMOVED, handler)


def on_user_channel_removed(self: MezonClient, handler: Callable[[rt.UserChannelRemoved], Any]) -> None:
    """``client.on(Events.USER_CHANNEL_REMOVED, handler)``."""
    _on(self, Events.USER_CHANNEL_REMOVED, handler)


def on_user_clan_removed(self: MezonClient, handler: Callable[[rt.UserClanRemoved], Any]) -> None:
    """``client.on(Events.USER_CLAN_REMOVED, handler)``."""
    _on(self, Events.USER_CLAN_REMOVED, handler)


def on_user_channel_added(self: MezonClient, handler: Callable[[rt.UserChannelAdded], Any]) -> None:
    """``client.on(Events.USER_CHANNEL_ADDED, handler)``."""
    _on(self, Events.USER_CHANNEL_ADDED, handler)


def on_give_coffee(self: MezonClient, handler: Callable[[api.GiveCoffeeEvent], Any]) -> None:
    """``client.on(Events.GIVE_COFFEE, handler)``."""
    _on(self, Events.GIVE_COFFEE, handler)


def on_role_event(self: MezonClient, handler: Callable[[rt.RoleEvent], Any]) -> None:
    """``client.on(Events.ROLE_EVENT, handler)``."""
    _on(self, Events.ROLE_EVENT, handler)


def on_role_assign(self: MezonClient, handler: Callable[[rt.RoleAssignedEvent], Any]) -> None:
    """``client.on(Events.ROLE_ASSIGN, handler)``."""
    _on(self, Events.ROLE_ASSIGN, handler)


def on_clan_event_created(self: MezonClient, handler: Callable[[Any], Any]) -> None:
    """``client.on(Events.CLAN_EVENT_CREATED, handler)``."""
    _on(self, Events.CLAN_EVENT_CREATED, handler)


def on_message_button_clicked(self: MezonClient, handler: Callable[[rt.MessageButtonClicked], Any]) -> None:
    """``client.on(Events.MESSAGE_BUTTON_CLICKED, handler)``."""
    _on(self, Events.MESSAGE_BUTTON_CLICKED, handler)


def on_streaming_joined_event(self: MezonClient, handler: Callable[[rt.StreamingJoinedEvent], Any]) -> None:
    """``client.on(Events.STREAMING_JOINED_EVENT, handler)``."""
    _on(self, Events.STREAMING_JOINED_EVENT, handler)


def on_streaming_leaved_event(self: MezonClient, handler: Callable[[rt.StreamingLeavedEvent], Any]) -> None:
    """``client.on(Events.STREAMING_LEAVED_EVENT, handler)``."""
    _on(self, Events.STREAMING_LEAVED_EVENT, handler)


def on_dropdown_box_selected(self: MezonClient, handler: Callable[[rt.DropdownBoxSelected], Any]) -> None:
    """``client.on(Events.DROPDOWN_BOX_SELECTED, handler)``."""
    _on(self, Events.DROPDOWN_BOX_SELECTED, handler)


def on_webrtc_signaling_fwd(self: MezonClient, handler: Callable[[rt.WebrtcSignalingFwd], Any]) -> None:
    """``client.on(Events.WEBRTC_SIGNALING_FWD, handler)``."""
    _on(self, Events.WEBRTC_SIGNALING_FWD, handler)


def on_voice_started_event(self: MezonClient, handler: Callable[[rt.VoiceStartedEvent], Any]) -> None:
    """``client.on(Events.VOICE_STARTED_EVENT, handler)``."""
    _on(self, Events.VOICE_STARTED_EVENT, handler)


def on_voice_ended_event(self: MezonClient, handler: Callable[[rt.VoiceEndedEvent], Any]) -> None:
    """``client.on(Events.VOICE_ENDED_EVENT, handler)``."""
    _on(self, Events.VOICE_ENDED_EVENT, handler)


def on_voice_joined_event(self: MezonClient, handler: Callable[[rt.VoiceJoinedEvent], Any]) -> None:
    """``client.on(Events.VOICE_JOINED_EVENT, handler)``."""
    _on(self, Events.VOICE_JOINED_EVENT, handler)


def on_voice_leaved_event(self: MezonClient, handler: Callable[[rt.VoiceLeavedEvent], Any]) -> None:
    """``client.on(Events.VOICE_LEAVED_EVENT, handler)``."""
    _on(self, Events.VOICE_LEAVED_EVENT, handler)


def on_quick_menu_event(self: MezonClient, handler: Callable[[rt.QuickMenuDataEvent], Any]) -> None:
    """``client.on(Events.QUICK_MENU, handler)``."""
    _on(self, Events.QUICK_MENU, handler)


def on_ai_agent_enabled_event(self: MezonClient, handler: Callable[[rt.AiAgentEnabledEvent], Any]) -> None:
    """``client.on(Events.AI_AGENT_ENABLE, handler)``."""
    _on(self, Events.AI_AGENT_ENABLE, handler)


def on_notification(self: MezonClient, handler: Callable[[rt.Notifications], Any]) -> None:
    """``client.on(Events.NOTIFICATIONS, handler)``."""
    _on(self, Events.NOTIFICATIONS, handler)


def on_add_clan_user(self: MezonClient, handler: Callable[[rt.AddClanUserEvent], Any]) -> None:
    """``client.on(Events.ADD_CLAN_USER, handler)``."""
    _on(self, Events.ADD_CLAN_USER, handler)


# ---------------------------------------------------------------------------- other official names


def events(
    self: MezonClient,
    *kinds: str | Events,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[Event[Any]], bool] | None = None,
) -> Subscription[Event[Any]]:
    """``client.subscribe(...)``."""
    return self.subscribe(*kinds, buffer=buffer, overflow=overflow, filter=filter)


async def get_channel_from_id(self: MezonClient, channel_id: Id) -> TextChannel:
    """``await client.channels.fetch(channel_id)``."""
    return await self.channels.fetch(channel_id)


async def get_user_from_id(self: MezonClient, user_id: Id) -> User:
    """``await client.users.fetch(user_id)`` (without the official SDK's DM side effect)."""
    return await self.users.fetch(user_id)


async def disconnect(self: MezonClient) -> None:
    """``await client.aclose()``."""
    await self.aclose()


async def rpc(
    self: MezonClient,
    method: str,
    request: betterproto2.Message,
    response_type: type[M],
    *,
    idempotent: bool | None = None,
) -> M:
    """``await client.raw.rpc(...)``."""
    return await self.raw.rpc(method, request, response_type, idempotent=idempotent)


async def api_bridge(
    self: MezonClient, method: str, request: betterproto2.Message, response_type: type[M]
) -> M:
    """``await client.raw.api_bridge(...)``."""
    return await self.raw.api_bridge(method, request, response_type)


async def update_message(
    self: MezonClient,
    clan_id: Id,
    channel_id: Id,
    mode: int,
    is_public: bool,
    message_id: Id,
    msg: MsgContent,
    mentions: Iterable[object] | None = None,
    attachments: Iterable[object] | None = None,
    *,
    hide_editted: bool = False,
    topic_id: Id = 0,
    create_time_seconds: int = 0,
) -> ChannelMessageAck:
    """Edit a message (``UpdateChannelMessage`` over the socket bridge); ack ``code`` 1.

    Trio-native: ``await message.update(...)`` or ``await channel.update_message(...)``.
    """
    answer = await services_of(self).messaging.update_message(
        clan_id,
        channel_id,
        mode,
        is_public,
        message_id,
        msg,
        mentions,
        attachments,
        hide_editted=hide_editted,
        topic_id=topic_id,
        create_time_seconds=create_time_seconds,
    )
    return to_official_ack(answer)


async def delete_message(
    self: MezonClient,
    clan_id: Id,
    channel_id: Id,
    mode: int,
    is_public: bool,
    message_id: Id,
    *,
    topic_id: Id = 0,
    has_attachment: bool = False,
) -> ChannelMessageAck:
    """Delete a message (``DeleteChannelMessage`` over the socket bridge); ack ``code`` 2.

    Trio-native: ``await message.delete()`` or ``await channel.delete_message(id)``.
    """
    answer = await services_of(self).messaging.delete_message(
        clan_id,
        channel_id,
        mode,
        is_public,
        message_id,
        topic_id=topic_id,
        has_attachment=has_attachment,
    )
    return to_official_ack(answer)


async def react_message(
    self: MezonClient,
    clan_id: Id,
    channel_id: Id,
    mode: int,
    is_public: bool,
    message_id: Id,
    emoji: str,
    *,
    emoji_id: Id = 0,
    remove: bool = False,
    message_sender_id: Id = 0,
    count: int = 1,
    reaction_id: Id = 0,
    topic_id: Id = 0,
) -> ApiMessageReaction:
    """Add or remove a reaction.  Trio-native: ``await message.react(emoji)``."""
    answer = await services_of(self).messaging.react_message(
        clan_id,
        channel_id,
        mode,
        is_public,
        message_id,
        emoji,
        emoji_id=emoji_id,
        remove=remove,
        message_sender_id=message_sender_id,
        count=count,
        reaction_id=reaction_id,
        topic_id=topic_id,
    )
    return to_official_reaction(answer)


async def send_ephemeral(
    self: MezonClient,
    clan_id: Id,
    channel_id: Id,
    mode: int,
    is_public: bool,
    receiver_ids: Id | Sequence[Id],
    msg: MsgContent,
    mentions: Iterable[object] | None = None,
    attachments: Iterable[object] | None = None,
    ref: object = None,
    *,
    anonymous_message: bool = False,
    mention_everyone: bool = False,
    avatar: str = "",
    code: int = 12,
    topic_id: Id = 0,
    message_id: Id = 0,
) -> ChannelMessageAck:
    """Send (code 12), update (14) or delete (15) a message only *receiver_ids* see.

    Trio-native: ``await channel.send_ephemeral(receiver_ids, ...)``.
    """
    answer = await services_of(self).messaging.send_ephemeral(
        clan_id,
        channel_id,
        mode,
        is_public,
        receiver_ids,
        msg,
        mentions,
        attachments,
        ref,
        anonymous_message=anonymous_message,
        mention_everyone=mention_everyone,
        avatar=avatar,
        code=code,
        topic_id=topic_id,
        message_id=message_id,
    )
    return to_official_ack(answer)


def session_manager(self: MezonClient) -> SessionManagerView:
    """Official ``client.session_manager`` (``get_session()``)."""
    return SessionManagerView(self)


def socket_manager(self: MezonClient) -> SocketManagerView:
    """Official ``client.socket_manager`` (socket operations under their official names)."""
    return SocketManagerView(self)


def channel_manager(self: MezonClient) -> ChannelManagerView:
    """Official ``client.channel_manager`` (DM channels)."""
    return ChannelManagerView(self)


def event_manager(self: MezonClient) -> EventManagerView:
    """Official ``client.event_manager`` (``on``/``off``/``has_listeners``)."""
    return EventManagerView(self)


def api_client(self: MezonClient) -> ApiClientView:
    """Official ``client.api_client`` (RPC calls returning friendly models)."""
    return ApiClientView(self)


async def add_quick_menu_access(
    self: MezonClient,
    channel_id: Id,
    clan_id: Id,
    menu_type: int,
    action_msg: str,
    background: str,
    menu_name: str,
) -> ApiQuickMenuAccess:
    """``await client.quick_menus.add(...)``."""
    return await self.quick_menus.add(channel_id, clan_id, menu_type, action_msg, background, menu_name)


async def delete_quick_menu_access(
    self: MezonClient,
    id: Id | None = None,
    clan_id: Id | None = None,
    bot_id: Id | None = None,
    menu_name: str | None = None,
    background: str | None = None,
    action_msg: str | None = None,
) -> None:
    """``await client.quick_menus.remove(...)``."""
    await self.quick_menus.remove(id, clan_id, bot_id, menu_name, background, action_msg)


async def list_quick_menu_access(
    self: MezonClient, bot_id: Id | None = None, channel_id: Id | None = None, menu_type: int | None = None
) -> tuple[ApiQuickMenuAccess, ...]:
    """``await client.quick_menus.entries(...)``."""
    return await self.quick_menus.entries(bot_id, channel_id, menu_type)


def use_ssl(self: MezonClient) -> bool:
    """``client.config.use_ssl``."""
    return self.config.use_ssl


def login_url(self: MezonClient) -> str:
    """``client.config.login_url``."""
    return self.config.login_url


def timeout_ms(self: MezonClient) -> int:
    """``client.config.timeout_ms``."""
    return self.config.timeout_ms


def mmn_api_url(self: MezonClient) -> str:
    """``client.config.mmn_api_url``."""
    return self.config.mmn_api_url


def zk_api_url(self: MezonClient) -> str:
    """``client.config.zk_api_url``."""
    return self.config.zk_api_url


_REPLACEMENTS: dict[str, str] = {
    "on_channel_message": "client.on(Events.CHANNEL_MESSAGE, handler)",
    "on_channel_created": "client.on(Events.CHANNEL_CREATED, handler)",
    "on_channel_updated": "client.on(Events.CHANNEL_UPDATED, handler)",
    "on_channel_deleted": "client.on(Events.CHANNEL_DELETED, handler)",
    "on_token_send": "client.on(Events.TOKEN_SEND, handler)",
    "on_message_reaction": "client.on(Events.MESSAGE_REACTION, handler)",
    "on_channel_user_removed": "client.on(Events.USER_CHANNEL_REMOVED, handler)",
    "on_user_channel_removed": "client.on(Events.USER_CHANNEL_REMOVED, handler)",
    "on_user_clan_removed": "client.on(Events.USER_CLAN_REMOVED, handler)",
    "on_user_channel_added": "client.on(Events.USER_CHANNEL_ADDED, handler)",
    "on_give_coffee": "client.on(Events.GIVE_COFFEE, handler)",
    "on_role_event": "client.on(Events.ROLE_EVENT, handler)",
    "on_role_assign": "client.on(Events.ROLE_ASSIGN, handler)",
    "on_clan_event_created": "client.on(Events.CLAN_EVENT_CREATED, handler)",
    "on_message_button_clicked": "client.on(Events.MESSAGE_BUTTON_CLICKED, handler)",
    "on_streaming_joined_event": "client.on(Events.STREAMING_JOINED_EVENT, handler)",
    "on_streaming_leaved_event": "client.on(Events.STREAMING_LEAVED_EVENT, handler)",
    "on_dropdown_box_selected": "client.on(Events.DROPDOWN_BOX_SELECTED, handler)",
    "on_webrtc_signaling_fwd": "client.on(Events.WEBRTC_SIGNALING_FWD, handler)",
    "on_voice_started_event": "client.on(Events.VOICE_STARTED_EVENT, handler)",
    "on_voice_ended_event": "client.on(Events.VOICE_ENDED_EVENT, handler)",
    "on_voice_joined_event": "client.on(Events.VOICE_JOINED_EVENT, handler)",
    "on_voice_leaved_event": "client.on(Events.VOICE_LEAVED_EVENT, handler)",
    "on_quick_menu_event": "client.on(Events.QUICK_MENU, handler)",
    "on_ai_agent_enabled_event": "client.on(Events.AI_AGENT_ENABLE, handler)",
    "on_notification": "client.on(Events.NOTIFICATIONS, handler)",
    "on_add_clan_user": "client.on(Events.ADD_CLAN_USER, handler)",
    "events": "client.subscribe(...)",
    "get_channel_from_id": "await client.channels.fetch(channel_id)",
    "get_user_from_id": "await client.users.fetch(user_id)",
    "disconnect": "await client.aclose()",
    "rpc": "await client.raw.rpc(...)",
    "api_bridge": "await client.raw.api_bridge(...)",
    "update_message": "await message.update(...) or await channel.update_message(...)",
    "delete_message": "await message.delete() or await channel.delete_message(message_id)",
    "react_message": "await message.react(emoji)",
    "send_ephemeral": "await channel.send_ephemeral(receiver_ids, ...)",
    "add_quick_menu_access": "await client.quick_menus.add(...)",
    "delete_quick_menu_access": "await client.quick_menus.remove(...)",
    "list_quick_menu_access": "await client.quick_menus.entries(...)",
}
_PROPERTIES: dict[str, str] = {
    "session_manager": "client.session",
    "socket_manager": "the client's methods (send_message, channels, client.raw)",
    "channel_manager": "client.dm_channels / client.create_dm_channel(user_id)",
    "event_manager": "client.on(...) / client.off(...)",
    "api_client": "client.clans / client.channels / client.raw.rpc(...)",
    "use_ssl": "client.config.use_ssl",
    "login_url": "client.config.login_url",
    "timeout_ms": "client.config.timeout_ms",
    "mmn_api_url": "client.config.mmn_api_url",
    "zk_api_url": "client.config.zk_api_url",
}

for _name, _replacement in _REPLACEMENTS.items():
    register_deprecated(_name, globals()[_name], _replacement, is_property=False)
for _name, _replacement in _PROPERTIES.items():
    register_deprecated(_name, globals()[_name], _replacement, is_property=True)
