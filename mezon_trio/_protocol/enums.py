"""Integer codes of the wire protocol, and the one table between stream modes and channel types.

Every protocol fact about these codes lives here (docs/protocol.md §5.1, §5.12, §7.4); the value
models, entities and typed events import them from this module.

The enums are *open*: a value the schema does not name (a newer server) still converts, to a
member named ``UNKNOWN_<n>`` that compares equal to its integer, so ``StreamMode(99)`` never
raises and a field can be typed with the enum alone.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Final, Self

__all__ = [
    "ChannelType",
    "FriendState",
    "MessageCode",
    "StreamMode",
    "channel_type_for_mode",
    "stream_mode_for_type",
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
    """``ChannelDescription.type`` (docs/protocol.md §5.1)."""

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


class StreamMode(_OpenIntEnum):
    """The ``mode`` routing field of socket operations and pushes (docs/protocol.md §5.1)."""

    STREAM_MODE_CHANNEL = 2
    STREAM_MODE_GROUP = 3
    STREAM_MODE_DM = 4
    STREAM_MODE_CLAN = 5
    STREAM_MODE_THREAD = 6


class MessageCode(_OpenIntEnum):
    """A chat message's ``code`` (docs/protocol.md §5.12): new, edited, deleted, and special kinds."""

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
    """``Friend.state`` (docs/protocol.md §7.4)."""

    FRIEND = 0
    INVITE_SENT = 1
    INVITE_RECEIVED = 2
    BLOCKED = 3


#: Codes of a push that edits an existing message (chat and ephemeral).
EDIT_CODES: Final = frozenset({MessageCode.CHAT_UPDATE.value, MessageCode.UPDATE_EPHEMERAL_MSG.value})
#: Codes of a push that deletes an existing message (chat and ephemeral).
DELETE_CODES: Final = frozenset({MessageCode.CHAT_REMOVE.value, MessageCode.DELETE_EPHEMERAL_MSG.value})

# docs/protocol.md §5.1, the client's decision: group DM -> group mode, DM -> DM mode, thread ->
# thread mode; every other type (text, forum, app, announcement, both voice kinds, streaming)
# talks in channel mode.
_MODE_BY_TYPE: Final[dict[int, StreamMode]] = {
    ChannelType.CHANNEL_TYPE_GROUP: StreamMode.STREAM_MODE_GROUP,
    ChannelType.CHANNEL_TYPE_DM: StreamMode.STREAM_MODE_DM,
    ChannelType.CHANNEL_TYPE_THREAD: StreamMode.STREAM_MODE_THREAD,
}
# The converse, used to join a channel known only from a push: channel mode -> text channel,
# group -> group DM, DM -> DM, thread -> thread.
_TYPE_BY_MODE: Final[dict[int, ChannelType]] = {
    StreamMode.STREAM_MODE_CHANNEL: ChannelType.CHANNEL_TYPE_CHANNEL,
    StreamMode.STREAM_MODE_GROUP: ChannelType.CHANNEL_TYPE_GROUP,
    StreamMode.STREAM_MODE_DM: ChannelType.CHANNEL_TYPE_DM,
    StreamMode.STREAM_MODE_THREAD: ChannelType.CHANNEL_TYPE_THREAD,
}


def stream_mode_for_type(channel_type: int) -> StreamMode:
    """The stream mode used to talk in a channel of *channel_type* (docs/protocol.md §5.1)."""
    return _MODE_BY_TYPE.get(channel_type, StreamMode.STREAM_MODE_CHANNEL)


def channel_type_for_mode(mode: int, *, clan_id: int | None = None) -> ChannelType:
    """The channel type implied by a stream *mode* (docs/protocol.md §5.1).

    A mode that names no channel kind (0, clan mode, unknown) gives a DM when *clan_id* is 0
    (DMs belong to no clan) and a text channel otherwise.
    """
    found = _TYPE_BY_MODE.get(mode)
    if found is not None:
        return found
    return ChannelType.CHANNEL_TYPE_DM if clan_id == 0 else ChannelType.CHANNEL_TYPE_CHANNEL
