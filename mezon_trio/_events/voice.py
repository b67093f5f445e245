"""Voice room events.  Room ids are strings (the wire mixes string and int64); channel ids ints."""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from .._proto.mezon import realtime as rt
from .._protocol.ids import wire_id
from .base import BaseEvent, register

__all__ = ["VoiceEnded", "VoiceJoined", "VoiceLeft", "VoiceStarted"]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceStarted(BaseEvent):
    """A voice room started in ``channel_id``."""

    id: str
    clan_id: int
    channel_id: int


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceEnded(BaseEvent):
    """A voice room ended in ``channel_id``."""

    id: str
    clan_id: int
    channel_id: int


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceJoined(BaseEvent):
    """``user_id`` joined the voice room of ``channel_id``."""

    id: str
    clan_id: int
    channel_id: int
    user_id: int
    participant: str = ""
    clan_name: str = ""
    channel_label: str = ""
    last_screenshot: str = ""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceLeft(BaseEvent):
    """``user_id`` left the voice room of ``channel_id``."""

    id: str
    clan_id: int
    channel_id: int
    user_id: int


def _started(kind: str, p: object) -> VoiceStarted | None:
    if not isinstance(p, rt.VoiceStartedEvent):
        return None
    return VoiceStarted(id=p.id, clan_id=p.clan_id, channel_id=p.voice_channel_id)


def _ended(kind: str, p: object) -> VoiceEnded | None:
    if not isinstance(p, rt.VoiceEndedEvent):
        return None
    return VoiceEnded(id=str(p.id), clan_id=p.clan_id, channel_id=wire_id(p.voice_channel_id))


def _joined(kind: str, p: object) -> VoiceJoined | None:
    if not isinstance(p, rt.VoiceJoinedEvent):
        return None
    return VoiceJoined(
        id=p.id,
        clan_id=p.clan_id,
        channel_id=p.voice_channel_id,
        user_id=p.user_id,
        participant=p.participant,
        clan_name=p.clan_name,
        channel_label=p.voice_channel_label,
        last_screenshot=p.last_screenshot,
    )


def _left(kind: str, p: object) -> VoiceLeft | None:
    if not isinstance(p, rt.VoiceLeavedEvent):
        return None
    return VoiceLeft(id=p.id, clan_id=p.clan_id, channel_id=p.voice_channel_id, user_id=p.voice_user_id)


register(VoiceStarted, "voice_started_event", _started)
register(VoiceEnded, "voice_ended_event", _ended)
register(VoiceJoined, "voice_joined_event", _joined)
register(VoiceLeft, "voice_leaved_event", _left)
