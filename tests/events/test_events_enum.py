"""The Events enum names every Envelope variant (derived from the generated Envelope here)."""

from __future__ import annotations

import dataclasses

import pytest

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.errors import ProtocolError
from mezon_trio.events import (
    LIFECYCLE_EVENTS,
    PAYLOAD_TYPES,
    VARIANT_FIELD_NUMBERS,
    Connected,
    Disconnected,
    Event,
    Events,
    HandlerError,
    ProtocolErrorEvent,
    Ready,
    Reconnected,
    Reconnecting,
)
from mezon_trio.models import Message


def _envelope_variants() -> dict[str, int]:
    out = {}
    for field in dataclasses.fields(rt.Envelope):
        meta = field.metadata["betterproto"]
        if meta.group == "message":
            out[field.name] = meta.number
    return out


def test_events_cover_every_envelope_variant() -> None:
    variants = _envelope_variants()
    assert len(variants) == 99
    variant_members = {m.value for m in Events} - {m.value for m in LIFECYCLE_EVENTS}
    assert variant_members == set(variants)
    assert {k.value: n for k, n in VARIANT_FIELD_NUMBERS.items()} == variants
    assert "cid" not in {m.value for m in Events}


# Official SDK 1.8.3 member names (official-sdk.md §3).
OFFICIAL = {
    "CHANNEL_MESSAGE": "channel_message",
    "MESSAGE_REACTION": "message_reaction_event",
    "USER_CHANNEL_REMOVED": "user_channel_removed_event",
    "USER_CLAN_REMOVED": "user_clan_removed_event",
    "USER_CHANNEL_ADDED": "user_channel_added_event",
    "CHANNEL_CREATED": "channel_created_event",
    "CHANNEL_DELETED": "channel_deleted_event",
    "CHANNEL_UPDATED": "channel_updated_event",
    "ROLE_EVENT": "role_event",
    "GIVE_COFFEE": "give_coffee_event",
    "ROLE_ASSIGN": "role_assign_event",
    "ADD_CLAN_USER": "add_clan_user_event",
    "TOKEN_SEND": "token_sent_event",
    "CLAN_EVENT_CREATED": "clan_event_created",
    "MESSAGE_BUTTON_CLICKED": "message_button_clicked",
    "STREAMING_JOINED_EVENT": "streaming_joined_event",
    "STREAMING_LEAVED_EVENT": "streaming_leaved_event",
    "DROPDOWN_BOX_SELECTED": "dropdown_box_selected",
    "WEBRTC_SIGNALING_FWD": "webrtc_signaling_fwd",
    "VOICE_STARTED_EVENT": "voice_started_event",
    "VOICE_ENDED_EVENT": "voice_ended_event",
    "VOICE_JOINED_EVENT": "voice_joined_event",
    "VOICE_LEAVED_EVENT": "voice_leaved_event",
    "NOTIFICATIONS": "notifications",
    "QUICK_MENU": "quick_menu_event",
    "AI_AGENT_ENABLE": "aiagent_enabled_event",
}


def test_official_member_names_and_others_upper_snake() -> None:
    for name, value in OFFICIAL.items():
        assert Events[name].value == value
    official_values = set(OFFICIAL.values())
    for member in Events:
        if member not in LIFECYCLE_EVENTS and member.value not in official_values:
            assert member.name == member.value.upper()


def test_lifecycle_names() -> None:
    assert {m.name: m.value for m in LIFECYCLE_EVENTS} == {
        "READY": "ready",
        "CONNECTED": "connected",
        "DISCONNECTED": "disconnected",
        "RECONNECTING": "reconnecting",
        "RECONNECTED": "reconnected",
        "HANDLER_ERROR": "handler_error",
        "PROTOCOL_ERROR": "protocol_error",
        "AGENT_SESSION_STARTED": "session_started",
        "AGENT_SESSION_ENDED": "session_ended",
        "AGENT_ROOM_SUMMARY_DONE": "room_summary_done",
    }


def test_members_are_their_strings() -> None:
    assert Events.CHANNEL_MESSAGE == "channel_message"
    assert str(Events.TOKEN_SEND) == "token_sent_event"
    assert {Events.QUICK_MENU: 1}["quick_menu_event"] == 1
    assert Events("channel_presence_event") is Events.CHANNEL_PRESENCE_EVENT


def test_payload_types() -> None:
    assert set(PAYLOAD_TYPES) == set(Events)
    assert PAYLOAD_TYPES[Events.CHANNEL_MESSAGE] is Message
    assert PAYLOAD_TYPES[Events.MESSAGE_BUTTON_CLICKED] is rt.MessageButtonClicked
    assert PAYLOAD_TYPES[Events.REFRESH_SESSION_EVENT] is api.Session
    assert PAYLOAD_TYPES[Events.HANDLER_ERROR] is HandlerError
    for kind, number in VARIANT_FIELD_NUMBERS.items():
        if kind is not Events.CHANNEL_MESSAGE:
            # Building an Envelope with an instance of the declared class round-trips.
            env = rt.Envelope(**{kind.value: PAYLOAD_TYPES[kind]()})
            assert rt.Envelope.parse(bytes(env)).__dict__[kind.value] is not None, number


def test_lifecycle_records_are_frozen_and_keyword_only() -> None:
    records = [
        Ready(user_id=1, clan_ids=(2, 3)),
        Connected(attempt=0),
        Disconnected(code=1006, reason="gone", error=None, intentional=False),
        Reconnecting(attempt=1, delay=0.5),
        Reconnected(attempt=1, downtime=1.5),
        HandlerError(event="channel_message", handler="h", error=ValueError("x")),
        ProtocolErrorEvent(error=ProtocolError("bad"), frame_size=3),
    ]
    for record in records:
        first = dataclasses.fields(record)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(record, first, 5)
    with pytest.raises(TypeError):
        Connected(0)  # type: ignore[misc]


def test_event_record() -> None:
    ev = Event(Events.CHANNEL_MESSAGE, 42)
    kind, payload = ev
    assert (kind, payload) == ("channel_message", 42)
    assert ev.kind is Events.CHANNEL_MESSAGE
