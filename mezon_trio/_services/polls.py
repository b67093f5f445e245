"""Polls: create, vote, close and read them (``CreatePoll``/``VotePoll``/``ClosePoll``/``GetPoll``),
and recognise the chat messages that carry them.

A poll lives in a chat message with ``code`` 18 (TypeMessage poll, docs/protocol.md §5.12).
No Envelope variant is dedicated to polls: a new poll arrives as a ``channel_message`` push
with code 18, and votes and the close arrive as edits of that message (``code`` 1) whose
content carries the counts. :func:`poll_event` turns such a message into a
:class:`PollEvent`; the poll content JSON is ``{"t": question, "poll": {poll_id, question,
answers, type, exp, is_closed, answer_counts, total_votes, creator_id}}`` with ids as
strings (docs/features.md, "Polls"; the layout of the sandbox).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from ..errors import ContentError
from .base import RpcCaller

__all__ = [
    "POLL_MESSAGE_CODE",
    "Poll",
    "PollAnswer",
    "PollEvent",
    "PollVoters",
    "Polls",
    "poll_event",
]

#: ``code`` of a chat message that is a poll (TypeMessage 18).
POLL_MESSAGE_CODE = 18


@dataclass(frozen=True, slots=True)
class PollAnswer:
    index: int
    label: str


@dataclass(frozen=True, slots=True)
class PollVoters:
    """The users who chose one answer (only :meth:`Polls.get` fills these)."""

    answer_index: int
    user_ids: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Poll:
    """A poll's state.

    Attributes:
        poll_id, message_id, channel_id: identify the poll (all three are sent to vote/close/get).
        counts: votes per answer, in answer order.
        expires_at: unix seconds.
        multiple: more than one answer may be chosen.
        total_votes: as counted by the server.
        voters: per answer, who chose it (:meth:`Polls.get` only; empty otherwise).
    """

    poll_id: int
    message_id: int
    channel_id: int
    question: str
    answers: tuple[PollAnswer, ...]
    counts: tuple[int, ...]
    expires_at: int
    is_closed: bool
    creator_id: int
    multiple: bool
    total_votes: int
    voters: tuple[PollVoters, ...] = ()


class PollRef(Protocol):
    """What ``vote``/``close``/``get`` need of a poll: a :class:`Poll` or a :class:`PollEvent`'s
    ``poll`` (anything with these three ids)."""

    @property
    def poll_id(self) -> int: ...
    @property
    def message_id(self) -> int: ...
    @property
    def channel_id(self) -> int: ...


@dataclass(frozen=True, slots=True)
class PollEvent:
    """A poll message was posted (``created``) or changed by a vote or the close (``updated``).

    ``poll`` is the state carried by the message (no ``voters``); ``sender_id`` is the poll
    message's author (the poll's creator).
    """

    kind: Literal["created", "updated"]
    poll: Poll
    clan_id: int
    sender_id: int


def _poll_from(answer: api.CreatePollResponse | api.GetPollResponse, channel_id: int) -> Poll:
    voters: tuple[PollVoters, ...] = ()
    if isinstance(answer, api.GetPollResponse):
        voters = tuple(PollVoters(v.answer_index, tuple(v.user_ids)) for v in answer.voter_details)
    return Poll(
        poll_id=answer.poll_id,
        message_id=answer.message_id,
        channel_id=channel_id,
        question=answer.question,
        answers=tuple(PollAnswer(a.index, a.label) for a in answer.answers),
        counts=tuple(answer.answer_counts),
        expires_at=answer.exp,
        is_closed=answer.is_closed,
        creator_id=answer.creator_id,
        multiple=answer.type == api.PollType.MULTIPLE,
        total_votes=answer.total_votes,
        voters=voters,
    )


class Polls:
    """Poll calls over the bot's RPC session.

    Args:
        rpc: ``MezonClient`` (or anything with its ``rpc`` method).
    """

    def __init__(self, rpc: RpcCaller) -> None:
        self._rpc = rpc

    async def create(
        self,
        channel_id: int,
        question: str,
        answers: Sequence[str],
        *,
        clan_id: int = 0,
        expire_hours: int = 24,
        multiple: bool = False,
    ) -> Poll:
        """Post a poll in *channel_id* (a chat message with code 18).

        Raises:
            ContentError: no question, fewer than 2 answers, or an empty answer.
            APIError subclass: refused by the server (no access, bad limits...).
        """
        if not question.strip():
            raise ContentError("a poll needs a question")
        if isinstance(answers, str) or len(answers) < 2 or not all(a.strip() for a in answers):
            raise ContentError("a poll needs at least two non-empty answers")
        request = api.CreatePollRequest(
            channel_id=channel_id,
            clan_id=clan_id,
            question=question,
            answers=list(answers),
            expire_hours=expire_hours,
            type=api.PollType.MULTIPLE if multiple else api.PollType.SINGLE,
        )
        answer = await self._rpc.rpc("CreatePoll", request, api.CreatePollResponse)
        return _poll_from(answer, channel_id)

    async def vote(self, poll: PollRef, answers: int | Sequence[int]) -> tuple[int, ...]:
        """Choose *answers* (indices; an empty list withdraws the vote); return the bot's choice.

        Raises:
            APIError subclass: unknown poll (NotFound), closed or expired, bad indices.
        """
        indices = [answers] if isinstance(answers, int) else list(answers)
        request = api.VotePollRequest(
            poll_id=poll.poll_id,
            message_id=poll.message_id,
            channel_id=poll.channel_id,
            answer_indices=indices,
        )
        answer = await self._rpc.rpc("VotePoll", request, api.VotePollResponse)
        return tuple(answer.my_answer_indices)

    async def close(self, poll: PollRef) -> None:
        """Close the poll (its creator only).

        Raises:
            APIError subclass: unknown poll (NotFound), not the creator (Forbidden).
        """
        request = api.ClosePollRequest(
            poll_id=poll.poll_id, message_id=poll.message_id, channel_id=poll.channel_id
        )
        await self._rpc.rpc("ClosePoll", request, rt.Pong)  # the answer is not decoded (Appendix A)

    async def get(self, poll: PollRef) -> Poll:
        """The poll's current state, with its voters.

        Raises:
            APIError subclass: unknown poll (NotFound), no access (Forbidden).
        """
        request = api.GetPollRequest(
            poll_id=poll.poll_id, message_id=poll.message_id, channel_id=poll.channel_id
        )
        answer = await self._rpc.rpc("GetPoll", request, api.GetPollResponse, idempotent=True)
        return _poll_from(answer, poll.channel_id)


def poll_event(message: api.ChannelMessage) -> PollEvent | None:
    """The :class:`PollEvent` a pushed chat message carries, or None (not a poll message).

    A message with code 18 is a new poll; an edit (code 1) whose content has a ``poll``
    object is an update. Malformed poll content gives None.
    """
    if message.code not in (POLL_MESSAGE_CODE, 1):
        return None
    try:
        content = json.loads(message.content) if message.content else None
    except ValueError:
        return None
    data = content.get("poll") if isinstance(content, dict) else None
    if not isinstance(data, dict):
        return None
    try:
        poll = _poll_from_json(data, message)
    except (TypeError, ValueError, KeyError):
        return None
    kind: Literal["created", "updated"] = "created" if message.code == POLL_MESSAGE_CODE else "updated"
    return PollEvent(kind=kind, poll=poll, clan_id=message.clan_id, sender_id=message.sender_id)


def _poll_from_json(data: dict[str, Any], message: api.ChannelMessage) -> Poll:
    labels = data["answers"]
    counts = data.get("answer_counts") or [0] * len(labels)
    if not isinstance(labels, list) or not isinstance(counts, list) or len(counts) != len(labels):
        raise ValueError("answers and counts differ")
    return Poll(
        poll_id=int(data["poll_id"]),
        message_id=message.message_id,
        channel_id=message.channel_id,
        question=str(data.get("question", "")),
        answers=tuple(PollAnswer(i, str(label)) for i, label in enumerate(labels)),
        counts=tuple(int(c) for c in counts),
        expires_at=int(data.get("exp", 0)),
        is_closed=bool(data.get("is_closed", False)),
        creator_id=int(data.get("creator_id", message.sender_id)),
        multiple=int(data.get("type", 0)) == 1,
        total_votes=int(data.get("total_votes", 0)),
    )
