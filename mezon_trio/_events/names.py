"""Event names (the official SDK's ``Events``), records and statistics shared by the hub and its users.

Re-exported by :mod:`mezon_trio.events`; kept here so that the hub's modules need not import the
public module (which imports them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Generic, Literal, NamedTuple, TypeAlias, TypeVar, final

from .._proto.hotcodec import ENVELOPE_VARIANT_NUMBERS

__all__ = [
    "LIFECYCLE_EVENTS",
    "VARIANT_FIELD_NUMBERS",
    "Event",
    "Events",
    "HubStatistics",
    "Overflow",
    "SubscriptionStatistics",
]

T_co = TypeVar("T_co", covariant=True)

#: What a subscriber's full buffer does with a new event (see the module docstring).
Overflow: TypeAlias = Literal["close", "drop_oldest", "drop_newest", "refill"]
"""What a subscriber's full buffer does with a new event.

* ``"close"``: the stream yields what it buffered, then raises ``StreamOverflow``;
* ``"drop_oldest"``: the oldest buffered event is dropped to make room;
* ``"drop_newest"``: the new event is dropped (counted in the statistics);
* ``"refill"``: chat messages are recorded by id and fetched again from history once the
  subscriber catches up, in per-channel order (``caught_up``); other events are dropped and
  counted.  The default of ``channel_messages()`` and of chat-message handlers with catch-up on.
"""


class Events(StrEnum):
    """Every event name: the 99 ``Envelope`` variants, then lifecycle and error events.

    A member *is* its string value (``Events.CHANNEL_MESSAGE == "channel_message"``), so plain
    field names work wherever an ``Events`` member is accepted.  The number after each variant
    is its ``Envelope`` field number.
    """

    CHANNEL = "channel"  # 2
    CLAN_JOIN = "clan_join"  # 3
    CHANNEL_JOIN = "channel_join"  # 4
    CHANNEL_LEAVE = "channel_leave"  # 5
    CHANNEL_MESSAGE = "channel_message"  # 6
    CHANNEL_MESSAGE_ACK = "channel_message_ack"  # 7
    CHANNEL_MESSAGE_SEND = "channel_message_send"  # 8
    CHANNEL_MESSAGE_UPDATE = "channel_message_update"  # 9
    CHANNEL_MESSAGE_REMOVE = "channel_message_remove"  # 10
    CHANNEL_PRESENCE_EVENT = "channel_presence_event"  # 11
    ERROR = "error"  # 12
    NOTIFICATIONS = "notifications"  # 13
    RPC = "rpc"  # 14
    STATUS = "status"  # 15
    STATUS_FOLLOW = "status_follow"  # 16
    STATUS_PRESENCE_EVENT = "status_presence_event"  # 17
    STATUS_UNFOLLOW = "status_unfollow"  # 18
    STATUS_UPDATE = "status_update"  # 19
    STREAM_DATA = "stream_data"  # 20
    STREAM_PRESENCE_EVENT = "stream_presence_event"  # 21
    PING = "ping"  # 22
    PONG = "pong"  # 23
    MESSAGE_TYPING_EVENT = "message_typing_event"  # 24
    LAST_SEEN_MESSAGE_EVENT = "last_seen_message_event"  # 25
    MESSAGE_REACTION = "message_reaction_event"  # 26
    VOICE_JOINED_EVENT = "voice_joined_event"  # 27
    VOICE_LEAVED_EVENT = "voice_leaved_event"  # 28
    VOICE_STARTED_EVENT = "voice_started_event"  # 29
    VOICE_ENDED_EVENT = "voice_ended_event"  # 30
    CHANNEL_CREATED = "channel_created_event"  # 31
    CHANNEL_DELETED = "channel_deleted_event"  # 32
    CHANNEL_UPDATED = "channel_updated_event"  # 33
    LAST_PIN_MESSAGE_EVENT = "last_pin_message_event"  # 34
    CUSTOM_STATUS_EVENT = "custom_status_event"  # 35
    USER_CHANNEL_ADDED = "user_channel_added_event"  # 36
    USER_CHANNEL_REMOVED = "user_channel_removed_event"  # 37
    USER_CLAN_REMOVED = "user_clan_removed_event"  # 38
    CLAN_UPDATED_EVENT = "clan_updated_event"  # 39
    CLAN_PROFILE_UPDATED_EVENT = "clan_profile_updated_event"  # 40
    CHECK_NAME_EXISTED_EVENT = "check_name_existed_event"  # 41
    USER_PROFILE_UPDATED_EVENT = "user_profile_updated_event"  # 42
    ADD_CLAN_USER = "add_clan_user_event"  # 43
    CLAN_EVENT_CREATED = "clan_event_created"  # 44
    ROLE_ASSIGN = "role_assign_event"  # 45
    CLAN_DELETED_EVENT = "clan_deleted_event"  # 46
    GIVE_COFFEE = "give_coffee_event"  # 47
    STICKER_CREATE_EVENT = "sticker_create_event"  # 48
    STICKER_UPDATE_EVENT = "sticker_update_event"  # 49
    STICKER_DELETE_EVENT = "sticker_delete_event"  # 50
    ROLE_EVENT = "role_event"  # 51
    EVENT_EMOJI = "event_emoji"  # 52
    STREAMING_JOINED_EVENT = "streaming_joined_event"  # 53
    STREAMING_LEAVED_EVENT = "streaming_leaved_event"  # 54
    STREAMING_STARTED_EVENT = "streaming_started_event"  # 55
    STREAMING_ENDED_EVENT = "streaming_ended_event"  # 56
    PERMISSION_SET_EVENT = "permission_set_event"  # 57
    PERMISSION_CHANGED_EVENT = "permission_changed_event"  # 58
    TOKEN_SEND = "token_sent_event"  # 59
    MESSAGE_BUTTON_CLICKED = "message_button_clicked"  # 60
    UNMUTE_EVENT = "unmute_event"  # 61
    WEBRTC_SIGNALING_FWD = "webrtc_signaling_fwd"  # 62
    LIST_ACTIVITY = "list_activity"  # 63
    DROPDOWN_BOX_SELECTED = "dropdown_box_selected"  # 64
    INCOMING_CALL_PUSH = "incoming_call_push"  # 65
    SD_TOPIC_EVENT = "sd_topic_event"  # 66
    FOLLOW_EVENT = "follow_event"  # 67
    CHANNEL_APP_EVENT = "channel_app_event"  # 68
    USER_STATUS_EVENT = "user_status_event"  # 69
    REMOVE_FRIEND = "remove_friend"  # 70
    WEBHOOK_EVENT = "webhook_event"  # 71
    NOTI_USER_CHANNEL = "noti_user_channel"  # 72
    JOIN_CHANNEL_APP_DATA = "join_channel_app_data"  # 73
    CANVAS_EVENT = "canvas_event"  # 74
    UNPIN_MESSAGE_EVENT = "unpin_message_event"  # 75
    CATEGORY_EVENT = "category_event"  # 76
    HANDLE_PARTICIPANT_MEET_STATE_EVENT = "handle_participant_meet_state_event"  # 77
    DELETE_ACCOUNT_EVENT = "delete_account_event"  # 78
    EPHEMERAL_MESSAGE_SEND = "ephemeral_message_send"  # 79
    BLOCK_FRIEND = "block_friend"  # 80
    VOICE_REACTION_SEND = "voice_reaction_send"  # 81
    MARK_AS_READ = "mark_as_read"  # 82
    LIST_DATA_SOCKET = "list_data_socket"  # 83
    QUICK_MENU = "quick_menu_event"  # 84
    UN_BLOCK_FRIEND = "un_block_friend"  # 85
    MEET_PARTICIPANT_EVENT = "meet_participant_event"  # 86
    TRANSFER_OWNERSHIP_EVENT = "transfer_ownership_event"  # 87
    ADD_FRIEND = "add_friend"  # 88
    BAN_USER_EVENT = "ban_user_event"  # 89
    ACTIVE_ARCHIVED_THREAD = "active_archived_thread"  # 90
    ALLOW_ANONYMOUS_EVENT = "allow_anonymous_event"  # 91
    API_REQUEST_EVENT = "api_request_event"  # 92
    CLAN_CREATED_EVENT = "clan_created_event"  # 93
    AI_AGENT_ENABLE = "aiagent_enabled_event"  # 94
    LIST_CHANNEL_USERS_BANNED_EVENT = "list_channel_users_banned_event"  # 95
    REFRESH_SESSION_EVENT = "refresh_session_event"  # 96
    CHANNEL_ARCHIVE_EVENT = "channel_archive_event"  # 97
    TOPIC_IN_MESSAGE_EVENT = "topic_in_message_event"  # 98
    SCREEN_SHARE_EVENT = "screen_share_event"  # 99
    VOICE_INTERACTIVE_EVENT = "voice_interactive_event"  # 100

    # Lifecycle and error events, produced by the client itself.
    READY = "ready"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    RECONNECTING = "reconnecting"
    RECONNECTED = "reconnected"
    HANDLER_ERROR = "handler_error"
    PROTOCOL_ERROR = "protocol_error"

    # AI-agent events, from the agent event stream (``agent_event_url``), not the socket.
    AGENT_SESSION_STARTED = "session_started"
    AGENT_SESSION_ENDED = "session_ended"
    AGENT_ROOM_SUMMARY_DONE = "room_summary_done"


#: The events that are not ``Envelope`` variants.
LIFECYCLE_EVENTS: frozenset[Events] = frozenset(
    {
        Events.READY,
        Events.CONNECTED,
        Events.DISCONNECTED,
        Events.RECONNECTING,
        Events.RECONNECTED,
        Events.HANDLER_ERROR,
        Events.PROTOCOL_ERROR,
        Events.AGENT_SESSION_STARTED,
        Events.AGENT_SESSION_ENDED,
        Events.AGENT_ROOM_SUMMARY_DONE,
    }
)
"""The events that are not ``Envelope`` variants: connection lifecycle, handler and protocol errors."""


def _variant_field_numbers() -> dict[Events, int]:
    # From the generated table: betterproto2's metadata resolves every annotation (~0.3 s at import).
    return {Events(name): number for name, number in ENVELOPE_VARIANT_NUMBERS.items()}


#: ``Envelope`` field number of every variant event, in field-number order.
VARIANT_FIELD_NUMBERS: Mapping[Events, int] = MappingProxyType(_variant_field_numbers())
"""``Envelope`` field number of every variant event, in field-number order."""


@final
class Event(NamedTuple, Generic[T_co]):
    """One event as yielded by a multi-kind subscription: its name and its payload.

    ``kind`` is the :class:`Events` member when the name is known, else the plain string.
    A tuple, so ``kind, payload = event`` works.
    """

    kind: str
    payload: T_co


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class SubscriptionStatistics:
    """Counters of one subscription or handler queue.

    Attributes:
        kinds: the event names it receives.
        name: ``"subscription"`` or ``"handler:<qualified name>"``.
        overflow: its overflow policy.
        buffer_size: its capacity.
        buffered: events waiting to be read now.
        delivered: events handed to the consumer so far.
        dropped: events discarded by a ``drop_*`` policy (for ``close``: the one event that
            did not fit; later events are no longer routed to it).
        overflows: how many times the buffer was found full.
        closed: whether it no longer receives events.
    """

    kinds: tuple[str, ...]
    name: str
    overflow: Overflow
    buffer_size: int
    buffered: int
    delivered: int
    dropped: int
    overflows: int
    closed: bool


@final
@dataclass(frozen=True, kw_only=True, slots=True)
class HubStatistics:
    """A snapshot of an event hub.

    Attributes:
        published: events published since the hub was created.
        subscriptions: one record per live subscription and handler queue.
    """

    published: int
    subscriptions: tuple[SubscriptionStatistics, ...]

    @property
    def dropped(self) -> int:
        """Total events dropped by the live subscriptions."""
        return sum(s.dropped for s in self.subscriptions)

    @property
    def overflows(self) -> int:
        """Total overflows of the live subscriptions."""
        return sum(s.overflows for s in self.subscriptions)
