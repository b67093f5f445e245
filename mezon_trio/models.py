"""Friendly value types handed to applications.

:class:`Message` wraps the pushed ``api.ChannelMessage`` (docs/protocol.md §6.10).  It is built for every
inbound chat message, so constructing one does nothing but store two references: the ``content`` JSON
and the ``mentions``/``attachments``/``references``/``reactions`` byte lists are decoded on first
access and cached.  Its methods (``reply``, ``update``, ``delete``, ``react``) act through the client
that received it.

The value models -- one class per concept, used by the content builders, returned by entities and
events, accepted by the send methods: :class:`Mention`, :class:`Attachment`, :class:`Reaction`,
:class:`MessageRef`, :class:`SendAck`, :class:`ChannelInfo`, :class:`ClanInfo`, :class:`Role`,
:class:`QuickMenu`, :class:`VoiceChannelUsers`, :class:`UserProfile`, :class:`Friend`,
:class:`FriendPage`, :class:`MessageHeader`.

The other names are the official SDK's models (``mezon.models``, ``mezon.constants``), as frozen,
keyword-only dataclasses whose fields follow the protobuf schema:

=============================  ==========================================================
``ApiMessageMention``          a mention (:class:`mezon_trio.content.Mention` works too)
``ApiMessageAttachment``       an attachment (:class:`mezon_trio.content.Attachment` works too)
``ApiMessageRef``              a reference to a replied-to message
``ApiMessageReaction``         a reaction (returned by ``Message.react``)
``ChannelMessageAck``          the answer to send/reply/update/delete (all schema fields)
``ChannelMessageContent``      builds a :class:`mezon_trio.content.Content` (official keywords)
``ApiSentTokenRequest``        the argument of ``client.send_token``
``AddTxResponse``              its answer
``ApiChannelDescription``      a channel as the server describes it
``ApiClanDesc``                a clan as the server describes it
``ApiQuickMenuAccess``         a quick-menu entry
``ApiRole``, ``ApiRoleList``, ``ApiRoleListEventResponse``  clan roles
``ApiVoiceChannelUser``, ``ApiVoiceChannelUserList``         voice channel members
``Friend``, ``FriendList``     the bot's friends (``client.get_list_friends``)
``ChannelType``, ``ChannelStreamMode``, ``TypeMessage``, ``FriendState``   IntEnums
=============================  ==========================================================

Mentions and attachments: the content module's :class:`~mezon_trio.content.Mention` and
:class:`~mezon_trio.content.Attachment` are the builders' types; ``ApiMessageMention`` and
``ApiMessageAttachment`` carry every schema field (mention ``id``, ``create_time_seconds``) plus the
official SDK's context fields.  Every method taking mentions/attachments accepts either (or mappings
with the same keys).
"""

from __future__ import annotations

from ._content.attachments import Attachment as Attachment
from ._content.mentions import Mention as Mention
from ._models.message import Message as Message
from ._models.official import AddTxResponse as AddTxResponse
from ._models.official import ApiChannelDescription as ApiChannelDescription
from ._models.official import ApiChannelMessageHeader as ApiChannelMessageHeader
from ._models.official import ApiClanDesc as ApiClanDesc
from ._models.official import ApiMessageAttachment as ApiMessageAttachment
from ._models.official import ApiMessageMention as ApiMessageMention
from ._models.official import ApiMessageReaction as ApiMessageReaction
from ._models.official import ApiMessageRef as ApiMessageRef
from ._models.official import ApiQuickMenuAccess as ApiQuickMenuAccess
from ._models.official import ApiRole as ApiRole
from ._models.official import ApiRoleList as ApiRoleList
from ._models.official import ApiRoleListEventResponse as ApiRoleListEventResponse
from ._models.official import ApiSentTokenRequest as ApiSentTokenRequest
from ._models.official import ApiVoiceChannelUser as ApiVoiceChannelUser
from ._models.official import ApiVoiceChannelUserList as ApiVoiceChannelUserList
from ._models.official import ChannelMessageAck as ChannelMessageAck
from ._models.official import ChannelMessageContent as ChannelMessageContent
from ._models.official import Friend as Friend
from ._models.official import FriendList as FriendList
from ._models.values import ChannelInfo as ChannelInfo
from ._models.values import ClanInfo as ClanInfo
from ._models.values import FriendPage as FriendPage
from ._models.values import MessageHeader as MessageHeader
from ._models.values import MessageRef as MessageRef
from ._models.values import QuickMenu as QuickMenu
from ._models.values import Reaction as Reaction
from ._models.values import Role as Role
from ._models.values import SendAck as SendAck
from ._models.values import UserProfile as UserProfile
from ._models.values import VoiceChannelUsers as VoiceChannelUsers
from ._protocol.enums import ChannelStreamMode as ChannelStreamMode
from ._protocol.enums import ChannelType as ChannelType
from ._protocol.enums import FriendState as FriendState
from ._protocol.enums import TypeMessage as TypeMessage

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
    "Attachment",
    "ChannelInfo",
    "ChannelMessageAck",
    "ChannelMessageContent",
    "ChannelStreamMode",
    "ChannelType",
    "ClanInfo",
    "Friend",
    "FriendList",
    "FriendPage",
    "FriendState",
    "Mention",
    "Message",
    "MessageHeader",
    "MessageRef",
    "QuickMenu",
    "Reaction",
    "Role",
    "SendAck",
    "TypeMessage",
    "UserProfile",
    "VoiceChannelUsers",
]
