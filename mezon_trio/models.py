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
:class:`FriendPage`, :class:`MessageHeader`, :class:`RoleList`, :class:`RolePage`,
:class:`VoiceChannelUserList`, :class:`TransferResult`; and the enums :class:`ChannelType`,
:class:`ChannelStreamMode`, :class:`TypeMessage`, :class:`FriendState`.

The official SDK's model names (``ApiMessageMention``, ``ChannelMessageAck``, ``ApiClanDesc``,
``FriendList``, ...) are in :mod:`mezon_trio.compat`, as aliases of or thin adapters over these.
Importing them from here still works for one release, with a ``DeprecationWarning`` naming
``mezon_trio.compat.<Name>``.
"""

from __future__ import annotations

import warnings

from ._content.attachments import Attachment as Attachment
from ._content.mentions import Mention as Mention
from ._models.message import Message as Message
from ._models.values import ChannelInfo as ChannelInfo
from ._models.values import ClanInfo as ClanInfo
from ._models.values import Friend as Friend
from ._models.values import FriendPage as FriendPage
from ._models.values import MessageHeader as MessageHeader
from ._models.values import MessageRef as MessageRef
from ._models.values import QuickMenu as QuickMenu
from ._models.values import Reaction as Reaction
from ._models.values import Role as Role
from ._models.values import RoleList as RoleList
from ._models.values import RolePage as RolePage
from ._models.values import SendAck as SendAck
from ._models.values import TransferResult as TransferResult
from ._models.values import UserProfile as UserProfile
from ._models.values import VoiceChannelUserList as VoiceChannelUserList
from ._models.values import VoiceChannelUsers as VoiceChannelUsers
from ._protocol.enums import ChannelStreamMode as ChannelStreamMode
from ._protocol.enums import ChannelType as ChannelType
from ._protocol.enums import FriendState as FriendState
from ._protocol.enums import TypeMessage as TypeMessage

__all__ = [
    "Attachment",
    "ChannelInfo",
    "ChannelStreamMode",
    "ChannelType",
    "ClanInfo",
    "Friend",
    "FriendPage",
    "FriendState",
    "Mention",
    "Message",
    "MessageHeader",
    "MessageRef",
    "QuickMenu",
    "Reaction",
    "Role",
    "RoleList",
    "RolePage",
    "SendAck",
    "TransferResult",
    "TypeMessage",
    "UserProfile",
    "VoiceChannelUserList",
    "VoiceChannelUsers",
]


def __getattr__(name: str) -> object:
    """The official names, deprecated here for one release (``mezon_trio.compat`` has them)."""
    from ._official import models as official  # imported on demand: the official layer sits above

    if name in official.__all__:
        warnings.warn(
            f"mezon_trio.models.{name} is deprecated: use mezon_trio.compat.{name}",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(official, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
