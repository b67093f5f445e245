"""The sandbox's scripting of agent events and polls, bound as ``Sandbox`` methods."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from .._content.wire import JSONInput
from .._proto.mezon import api
from ._records import CreatedPoll, created_poll

__all__ = ["create_poll", "drop_agent_streams", "emit_agent_event", "vote_poll", "wait_agent_streams"]

if TYPE_CHECKING:
    from ._server import Sandbox


def emit_agent_event(
    self: Sandbox,
    event_type: str,
    *,
    room_id: str = "room-1",
    room_name: str = "",
    metadata: Mapping[str, JSONInput] | None = None,
    event_id: str | None = None,
) -> str:
    """Send an AI-agent event (``room_started``, ``room_ended``, ``room_summary_done``) to
    every open ``/api/sse/metadata`` stream; return its event id."""
    return self._core.features.agent.emit(
        event_type, room_id=room_id, room_name=room_name, metadata=metadata, event_id=event_id
    )


async def wait_agent_streams(self: Sandbox, count: int = 1) -> None:
    """Wait until at least *count* AI-agent event streams are open."""
    await self._core.features.agent.wait_streams(count)


async def create_poll(
    self: Sandbox,
    user_id: int,
    channel_id: int,
    question: str,
    answers: Sequence[str],
    *,
    multiple: bool = False,
) -> CreatedPoll:
    """*user_id* posts a poll in *channel_id* (``CreatePoll``, as over HTTP)."""
    from ._feature_rpcs import run_as

    request = api.CreatePollRequest(
        channel_id=channel_id,
        question=question,
        answers=list(answers),
        type=api.PollType.MULTIPLE if multiple else api.PollType.SINGLE,
    )
    return created_poll(await run_as(self._core, user_id, "CreatePoll", request, api.CreatePollResponse))


async def vote_poll(
    self: Sandbox, user_id: int, poll_id: int, answers: int | Sequence[int]
) -> tuple[int, ...]:
    """*user_id* votes in poll *poll_id* (``VotePoll``, as over HTTP); returns the recorded choice."""
    from ._feature_rpcs import run_as

    indices = [answers] if isinstance(answers, int) else list(answers)
    request = api.VotePollRequest(poll_id=poll_id, answer_indices=indices)
    answer = await run_as(self._core, user_id, "VotePoll", request, api.VotePollResponse)
    return tuple(answer.my_answer_indices)


def drop_agent_streams(self: Sandbox, *, abrupt: bool = False) -> int:
    """End every open agent stream (``abrupt``: reset the connection); return how many."""
    return self._core.features.agent.drop_all(abrupt=abrupt)
