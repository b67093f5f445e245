"""The official SDK's surface (``mezon-sdk``), layered on the trio-native client.

For bots moving over: change ``from mezon import ...`` to ``from mezon_trio.compat import ...``
and ``asyncio.run`` to ``trio.run``.  :class:`MezonClient` here is the core
:class:`mezon_trio.MezonClient` plus the official names: the ``on_*`` helpers, the managers
(``session_manager``, ``socket_manager``, ``channel_manager``, ``event_manager``,
``api_client``), ``update_message``/``delete_message``/``react_message``/``send_ephemeral``
with the official positional arguments, ``get_channel_from_id``/``get_user_from_id``,
``rpc``/``api_bridge``, ``disconnect()``, and the official return shapes:
``send_token(ApiSentTokenRequest)``, ``get_list_friends()`` returning a list,
``add_friend``/``accept_friend`` returning None.  The ``Api*`` models and the enums keep
their official names.

Where trio forbids an official pattern, the closest safe equivalent is used: ``await
client.login()`` cannot start background work without a nursery, so the client runs in
``async with client:`` (which logs in), or ``client = await connect_mezon(nursery, ...)``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import final

from .._cache import Cache as CacheManager
from .._client import MezonClient as _CoreClient
from .._client import services_of as _services_of
from .._connect import connect_mezon as connect_mezon
from .._models.message import Message as ChannelMessage
from .._official import methods as _m
from .._official.managers import ApiClientView as MezonApi
from .._official.managers import ChannelManagerView as ChannelManager
from .._official.managers import EventManagerView as EventManager
from .._official.managers import SessionManagerView as SessionManager
from .._official.managers import SocketManagerView as SocketManager
from .._official.models import AddTxResponse as AddTxResponse
from .._official.models import ApiChannelDescription as ApiChannelDescription
from .._official.models import ApiChannelMessageHeader as ApiChannelMessageHeader
from .._official.models import ApiClanDesc as ApiClanDesc
from .._official.models import ApiMessageAttachment as ApiMessageAttachment
from .._official.models import ApiMessageMention as ApiMessageMention
from .._official.models import ApiMessageReaction as ApiMessageReaction
from .._official.models import ApiMessageRef as ApiMessageRef
from .._official.models import ApiQuickMenuAccess as ApiQuickMenuAccess
from .._official.models import ApiRole as ApiRole
from .._official.models import ApiRoleList as ApiRoleList
from .._official.models import ApiRoleListEventResponse as ApiRoleListEventResponse
from .._official.models import ApiSentTokenRequest as ApiSentTokenRequest
from .._official.models import ApiVoiceChannelUser as ApiVoiceChannelUser
from .._official.models import ApiVoiceChannelUserList as ApiVoiceChannelUserList
from .._official.models import ChannelMessageAck as ChannelMessageAck
from .._official.models import ChannelMessageContent as ChannelMessageContent
from .._official.models import Friend as Friend
from .._official.models import FriendList as FriendList
from .._official.models import to_official_ack as _to_official_ack
from .._protocol.enums import ChannelStreamMode as ChannelStreamMode
from .._protocol.enums import ChannelType as ChannelType
from .._protocol.enums import FriendState as FriendState
from .._protocol.enums import TypeMessage as TypeMessage
from .._protocol.ids import Id as _Id
from .._sending import send_token_request
from .._services.sending_wire import MsgContent as _MsgContent
from ..errors import InvalidArgument
from ..events import Events as Events

__all__ = [
    "AddTxResponse",
    "ApiChannelDescription",
    "ApiChannelMessageHeader",
    "ApiClanDesc",
    "ApiMessageAttachment",
    "ApiMessageMention",
    "ApiMessageReaction",
    "ApiMessageRef",
    "ApiQuickMenuAccess",
    "ApiRole",
    "ApiRoleList",
    "ApiRoleListEventResponse",
    "ApiSentTokenRequest",
    "ApiVoiceChannelUser",
    "ApiVoiceChannelUserList",
    "CacheManager",
    "ChannelManager",
    "ChannelMessage",
    "ChannelMessageAck",
    "ChannelMessageContent",
    "ChannelStreamMode",
    "ChannelType",
    "EventManager",
    "Events",
    "Friend",
    "FriendList",
    "FriendState",
    "MezonApi",
    "MezonClient",
    "SessionManager",
    "SocketManager",
    "TypeMessage",
    "connect_mezon",
]


@final
class MezonClient(_CoreClient):  # type: ignore[misc]  # the core class is final for users, not for compat
    """The official ``MezonClient``: the trio-native client plus the official SDK's names.

    Takes the official constructor's arguments (ids as strings work; ``timeout`` in ms).
    """

    on_channel_message = _m.on_channel_message
    on_channel_created = _m.on_channel_created
    on_channel_updated = _m.on_channel_updated
    on_channel_deleted = _m.on_channel_deleted
    on_token_send = _m.on_token_send
    on_message_reaction = _m.on_message_reaction
    on_channel_user_removed = _m.on_channel_user_removed
    on_user_channel_removed = _m.on_user_channel_removed
    on_user_clan_removed = _m.on_user_clan_removed
    on_user_channel_added = _m.on_user_channel_added
    on_give_coffee = _m.on_give_coffee
    on_role_event = _m.on_role_event
    on_role_assign = _m.on_role_assign
    on_clan_event_created = _m.on_clan_event_created
    on_message_button_clicked = _m.on_message_button_clicked
    on_streaming_joined_event = _m.on_streaming_joined_event
    on_streaming_leaved_event = _m.on_streaming_leaved_event
    on_dropdown_box_selected = _m.on_dropdown_box_selected
    on_webrtc_signaling_fwd = _m.on_webrtc_signaling_fwd
    on_voice_started_event = _m.on_voice_started_event
    on_voice_ended_event = _m.on_voice_ended_event
    on_voice_joined_event = _m.on_voice_joined_event
    on_voice_leaved_event = _m.on_voice_leaved_event
    on_quick_menu_event = _m.on_quick_menu_event
    on_ai_agent_enabled_event = _m.on_ai_agent_enabled_event
    on_notification = _m.on_notification
    on_add_clan_user = _m.on_add_clan_user
    events = _m.events
    get_channel_from_id = _m.get_channel_from_id
    get_user_from_id = _m.get_user_from_id
    disconnect = _m.disconnect
    rpc = _m.rpc
    api_bridge = _m.api_bridge
    update_message = _m.update_message
    delete_message = _m.delete_message
    react_message = _m.react_message
    send_ephemeral = _m.send_ephemeral
    session_manager = property(_m.session_manager)
    socket_manager = property(_m.socket_manager)
    channel_manager = property(_m.channel_manager)
    event_manager = property(_m.event_manager)
    api_client = property(_m.api_client)
    use_ssl = property(_m.use_ssl)
    login_url = property(_m.login_url)
    timeout_ms = property(_m.timeout_ms)
    mmn_api_url = property(_m.mmn_api_url)
    zk_api_url = property(_m.zk_api_url)
    add_quick_menu_access = _m.add_quick_menu_access
    delete_quick_menu_access = _m.delete_quick_menu_access
    list_quick_menu_access = _m.list_quick_menu_access

    async def send_message(
        self,
        clan_id: _Id,
        channel_id: _Id,
        mode: int,
        is_public: bool,
        msg: _MsgContent,
        mentions: Iterable[object] | None = None,
        attachments: Iterable[object] | None = None,
        ref: object = None,
        *,
        anonymous_message: bool = False,
        mention_everyone: bool = False,
        avatar: str = "",
        code: int = 0,
        topic_id: _Id = 0,
    ) -> ChannelMessageAck:
        """``send_message`` answering with the official ``ChannelMessageAck`` (the core client
        answers with :class:`~mezon_trio.models.SendAck`); mentions, attachments and references
        may be the official ``Api*`` shapes or mappings with their keys."""
        ack = await _services_of(self).messaging.send_message(
            clan_id,
            channel_id,
            mode,
            is_public,
            msg,
            mentions,  # the official shapes (Api* models, mappings) are accepted here
            attachments,
            ref,
            anonymous_message=anonymous_message,
            mention_everyone=mention_everyone,
            avatar=avatar,
            code=code,
            topic_id=topic_id,
        )
        return _to_official_ack(ack)

    async def send_token(  # type: ignore[override]
        self, token_event: ApiSentTokenRequest, *, receipt: bool = True
    ) -> AddTxResponse:
        """Official ``send_token(ApiSentTokenRequest(receiver_id, amount, note))``."""
        if not isinstance(token_event, ApiSentTokenRequest):
            raise InvalidArgument("send_token() takes an ApiSentTokenRequest")
        return await send_token_request(self, token_event, receipt=receipt)

    async def get_list_friends(  # type: ignore[override]
        self, limit: int = 100, state: int | None = None, cursor: str | None = None
    ) -> list[Friend]:
        """Official ``get_list_friends``: the friends of one page, as a list."""
        page = await super().get_list_friends(limit, state, cursor)
        return list(page.friends)

    async def add_friend(self, username: str = "", user_id: int | str | None = None) -> None:  # type: ignore[override]
        """Official ``add_friend``: returns None."""
        await super().add_friend(username, user_id)

    async def accept_friend(self, user_id: int | str, username: str = "") -> None:  # type: ignore[override]
        """Official ``accept_friend``: returns None."""
        await super().accept_friend(user_id, username)
