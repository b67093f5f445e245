"""The AI-agent events (delivered from the agent event stream, docs/features.md): typed values."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, ClassVar

__all__ = ["AgentEvent", "RoomSummaryDone", "SessionEnded", "SessionStarted"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentEvent:
    """An AI-agent event (base class; match on the subclasses).

    Attributes:
        event_id: the server's id of the event.
        event_type: the wire name (``room_started``...).
        timestamp: unix seconds (float) when the server sent a number or an ISO-8601 time
            (numbers above 10^11 are taken as milliseconds); None otherwise.
        room_id, room_name: the voice room.
        metadata: the event's ``metadata`` object (read-only).
    """

    name: ClassVar[str] = "agent_event"

    event_id: str
    event_type: str
    timestamp: float | None
    room_id: str
    room_name: str
    metadata: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionStarted(AgentEvent):
    """``room_started``: an AI-agent session started in a voice room."""

    name: ClassVar[str] = "session_started"


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionEnded(AgentEvent):
    """``room_ended``: the session ended."""

    name: ClassVar[str] = "session_ended"


@dataclass(frozen=True, slots=True, kw_only=True)
class RoomSummaryDone(AgentEvent):
    """``room_summary_done``: the room's summary is ready (see ``metadata``)."""

    name: ClassVar[str] = "room_summary_done"
