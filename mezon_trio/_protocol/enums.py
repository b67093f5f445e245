"""Protocol enums (the official SDKs' ``mezon.constants``) and the routing rules that use them.

Every protocol fact about channel types and stream modes lives here, once
(docs/protocol.md §5.1, §5.12, §7.4).

The enums are *open*: a value the schema does not name (a newer server) still converts, to a
member named ``UNKNOWN_<n>`` that compares equal to its integer, so ``ChannelStreamMode(99)``
never raises and a field can be typed with the enum alone.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final, Self

__all__ = [
    "DELETE_CODES",
    "DM_CHANNEL_TYPE",
    "DM_MODE",
    "EDIT_CODES",
    "THREAD_CHANNEL_TYPE",
    "VOICE_CHANNEL_TYPE",
    "ChannelStreamMode",
    "ChannelType",
    "FriendState",
    "TypeMessage",
    "mode_for_type",
    "type_for_mode",
]


class _OpenIntEnum(IntEnum):
    """An ``IntEnum`` that turns unnamed integers into ``UNKNOWN_<n>`` members instead of raising."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if not isinstance(value, int) or isinstance(value, bool):
            return None
        member = int.__new__(cls, value)
        member._name_ = f"UNKNOWN_{value}"
        member._value_ = value
        # Remember it, so the same unknown value gives the same (identical) member.
        return cls._value2member_map_.setdefault(value, member)  # type: ignore[return-value]


class ChannelType(_OpenIntEnum):
    """``api.ChannelDescription.type`` (docs/protocol.md §5.1)."""

    CHANNEL_TYPE_CHANNEL = 1
    CHANNEL_TYPE_GROUP = 2
    CHANNEL_TYPE_DM = 3
    CHANNEL_TYPE_GMEET_VOICE = 4
    CHANNEL_TYPE_FORUM = 5
    CHANNEL_TYPE_STREAMING = 6
    CHANNEL_TYPE_THREAD = 7
    CHANNEL_TYPE_APP = 8
    CHANNEL_TYPE_ANNOUNCEMENT = 9
    CHANNEL_TYPE_MEZON_VOICE = 10


class ChannelStreamMode(_OpenIntEnum):
    """The ``mode`` routing field of socket operations (docs/protocol.md §5.1)."""

    STREAM_MODE_CHANNEL = 2
    STREAM_MODE_GROUP = 3
    STREAM_MODE_DM = 4
    STREAM_MODE_CLAN = 5
    STREAM_MODE_THREAD = 6


class TypeMessage(_OpenIntEnum):
    """Message type codes (``code``, docs/protocol.md §5.12)."""

    CHAT = 0
    CHAT_UPDATE = 1
    CHAT_REMOVE = 2
    TYPING = 3
    INDICATOR = 4
    WELCOME = 5
    CREATE_THREAD = 6
    CREATE_PIN = 7
    MESSAGE_BUZZ = 8
    TOPIC = 9
    AUDIT_LOG = 10
    SEND_TOKEN = 11
    EPHEMERAL = 12
    UPCOMING_EVENT = 13
    UPDATE_EPHEMERAL_MSG = 14
    DELETE_EPHEMERAL_MSG = 15
    CONTACT = 16
    LOCATION = 17
    POLL = 18


class FriendState(_OpenIntEnum):
    """``api.Friend.state`` (docs/protocol.md §7.4)."""

    FRIEND = 0
    INVITE_SENT = 1
    INVITE_RECEIVED = 2
    BLOCKED = 3


#: The stream mode of direct messages.
DM_MODE: Final = ChannelStreamMode.STREAM_MODE_DM
#: The channel type of a one-to-one DM channel.
DM_CHANNEL_TYPE: Final = ChannelType.CHANNEL_TYPE_DM
#: The channel type of threads (joined when a thread the bot is in opens, §4.3).
THREAD_CHANNEL_TYPE: Final = ChannelType.CHANNEL_TYPE_THREAD
#: The channel type ``ListChannelUsers`` asks for by default (voice rooms, §7.2).
VOICE_CHANNEL_TYPE: Final = ChannelType.CHANNEL_TYPE_GMEET_VOICE

#: Codes of a chat message push that edits an existing message (chat and ephemeral, §5.12).
EDIT_CODES: Final = frozenset({TypeMessage.CHAT_UPDATE.value, TypeMessage.UPDATE_EPHEMERAL_MSG.value})
#: Codes of a chat message push that deletes an existing message (chat and ephemeral, §5.12).
DELETE_CODES: Final = frozenset({TypeMessage.CHAT_REMOVE.value, TypeMessage.DELETE_EPHEMERAL_MSG.value})

# §5.1 client decision: 1, 5, 8, 9, 10 (and 4, 6) -> channel; 2 -> group; 3 -> DM; 7 -> thread.
_MODE_BY_TYPE: Final = {2: 3, 3: 4, 7: 6}
# §5.1, the inverse: 2 -> channel, 3 -> group, 4 -> DM, 6 -> thread.
_TYPE_BY_MODE: Final = {2: 1, 3: 2, 4: 3, 6: 7}


def mode_for_type(channel_type: int) -> ChannelStreamMode:
    """The stream mode for a channel type (docs/protocol.md §5.1, client decision)."""
    return ChannelStreamMode(_MODE_BY_TYPE.get(channel_type, 2))


def type_for_mode(mode: int, *, clan_id: int | None = None) -> ChannelType:
    """The channel type implied by a stream mode (used for joins and for channels seen in pushes).

    An unknown mode means a text channel, or a DM when *clan_id* is 0 (DMs have no clan).
    """
    known = _TYPE_BY_MODE.get(mode)
    if known is not None:
        return ChannelType(known)
    return ChannelType.CHANNEL_TYPE_DM if clan_id == 0 else ChannelType.CHANNEL_TYPE_CHANNEL
