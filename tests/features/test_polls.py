"""Polls end to end against the sandbox: create, vote, close, get; poll events from chat pushes."""

from __future__ import annotations

from typing import TypeVar

import betterproto2
import httpx
import pytest
import trio

from mezon_trio import raw
from mezon_trio._services.polls import POLL_MESSAGE_CODE, Poll, PollAnswer, Polls, poll_event
from mezon_trio._transport.rest import error_for_status
from mezon_trio.errors import APIError, ContentError, Forbidden, NotFound
from mezon_trio.events import MessageEdited
from mezon_trio.testing import OpError, Sandbox

from ..api._helpers import bot, human, next_push, received

M = TypeVar("M", bound=betterproto2.Message)


class HumanRpc:
    """A human user's RPC session over plain HTTP (an RpcCaller like MezonClient)."""

    def __init__(self, sb: Sandbox, http: httpx.AsyncClient, user_id: int) -> None:
        self._base = sb.http_url
        self._http = http
        self._token = sb.issue_session(user_id).token

    async def rpc(
        self,
        method: str,
        request: betterproto2.Message,
        response_type: type[M],
        *,
        idempotent: bool | None = None,
    ) -> M:
        response = await self._http.post(
            f"{self._base}/mezon.api.Mezon/{method}",
            content=bytes(request),
            headers={"Content-Type": "application/proto", "Authorization": f"Bearer {self._token}"},
        )
        if response.status_code != 200:
            raise error_for_status(response.status_code, operation=method, message=response.text)
        return response_type.parse(response.content)


async def test_create_vote_close_get_and_the_events_humans_see() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb) as alice_socket, httpx.AsyncClient() as http:
            polls = client.polls
            poll = await polls.create(
                sb.channel_id, "Lunch?", ["pizza", "sushi", "salad"], clan_id=sb.clan_id
            )
            assert isinstance(poll, Poll)
            assert poll.question == "Lunch?"
            assert poll.answers == (PollAnswer(0, "pizza"), PollAnswer(1, "sushi"), PollAnswer(2, "salad"))
            assert poll.counts == (0, 0, 0)
            assert (poll.channel_id, poll.creator_id, poll.multiple, poll.is_closed) == (
                sb.channel_id,
                sb.bot.id,
                False,
                False,
            )
            assert poll.poll_id > 0
            assert poll.message_id > 0
            # The poll is a chat message with code 18 in the channel.
            pushed = await next_push(
                alice_socket, "channel_message", lambda m: m.message_id == poll.message_id
            )
            assert pushed.code == POLL_MESSAGE_CODE
            created = poll_event(pushed)
            assert created is not None
            assert created.kind == "created"
            assert created.poll.poll_id == poll.poll_id
            assert [a.label for a in created.poll.answers] == ["pizza", "sushi", "salad"]

            # alice votes: the bot's view (GetPoll) and the pushed edit both show it
            alice = Polls(HumanRpc(sb, http, sb.human.id))
            assert await alice.vote(poll, 1) == (1,)
            got = await polls.get(poll)
            assert got.counts == (0, 1, 0)
            assert got.total_votes == 1
            assert [(v.answer_index, v.user_ids) for v in got.voters] == [(1, (sb.human.id,))]
            # alice changes her mind; a single-choice poll takes one answer
            assert await alice.vote(poll, [2]) == (2,)
            with pytest.raises(APIError, match="one answer"):
                await alice.vote(poll, [0, 1])
            assert (await polls.get(poll)).counts == (0, 0, 1)

            # only the creator closes it; then votes are refused
            with pytest.raises(Forbidden):
                await alice.close(poll)
            await polls.close(poll)
            closed = await polls.get(poll)
            assert closed.is_closed
            with pytest.raises(APIError, match="closed"):
                await alice.vote(poll, 0)
            update = await next_push(
                alice_socket,
                "channel_message",
                lambda m: m.message_id == poll.message_id and 'is_closed":true' in m.content,
            )
            event = poll_event(update)
            assert event is not None
            assert (event.kind, event.poll.is_closed, event.poll.counts) == ("updated", True, (0, 0, 1))
            assert [r.payload.poll_id for r in received(sb, "ClosePoll")] == [poll.poll_id]


async def test_the_bot_receives_poll_events_of_a_human_poll() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), httpx.AsyncClient() as http:
            alice = Polls(HumanRpc(sb, http, sb.human.id))
            async with client.channel_messages() as messages:
                poll = await alice.create(sb.channel_id, "Ship it?", ["yes", "no"], multiple=True)
                await client.polls.vote(poll, [0, 1])
                events = []
                async for message in messages:
                    event = poll_event(raw.message_payload(message))
                    if event is not None:
                        events.append(event)
                    if len(events) == 1:
                        break
            [created] = events
            assert created.kind == "created"
            assert created.sender_id == sb.human.id
            assert created.poll.multiple
            # the bot's own vote is answered, not pushed back to it; GetPoll shows it
            assert (await client.polls.get(poll)).counts == (1, 1)


async def test_bot_sees_votes_on_its_own_poll_when_own_messages_are_not_ignored() -> None:
    """Edits of the bot's poll message have the bot as sender: a client that drops its own
    messages (ignore_own_messages) must let poll updates through to see the votes."""
    with trio.fail_after(20):
        async with bot(ignore_own_messages=False) as (sb, client), httpx.AsyncClient() as http:
            poll = await client.polls.create(sb.channel_id, "Tea?", ["green", "black"])
            async with client.stream(MessageEdited) as edits:  # a vote edits the poll message
                await Polls(HumanRpc(sb, http, sb.human.id)).vote(poll, 0)
                async for edit in edits:
                    event = poll_event(raw.message_payload(edit.message))
                    if event is not None and event.kind == "updated":
                        break
            assert event is not None
            assert event.poll.counts == (1, 0)
            assert event.poll.total_votes == 1


async def test_validation_and_unknown_polls() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            polls = client.polls
            with pytest.raises(ContentError):
                await polls.create(sb.channel_id, " ", ["a", "b"])
            with pytest.raises(ContentError):
                await polls.create(sb.channel_id, "q", ["only one"])
            with pytest.raises(APIError, match=r"2\.\.10"):
                await polls.create(sb.channel_id, "q", [str(i) for i in range(11)])
            poll = await polls.create(sb.channel_id, "q", ["a", "b"])
            with pytest.raises(APIError, match="distinct indices"):
                await polls.vote(poll, 5)
            ghost = Poll(
                poll_id=1,
                message_id=2,
                channel_id=sb.channel_id,
                question="",
                answers=(),
                counts=(),
                expires_at=0,
                is_closed=False,
                creator_id=0,
                multiple=False,
                total_votes=0,
            )
            with pytest.raises(NotFound):
                await polls.get(ghost)
            assert poll_event(sb.messages(sb.channel_id)[-1]) is not None


async def test_sandbox_scripting_helpers() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            created = await sb.create_poll(sb.human.id, sb.channel_id, "Tabs?", ["tabs", "spaces"])
            assert created.creator_id == sb.human.id
            assert await sb.vote_poll(sb.user("bob").id, created.poll_id, 1) == (1,)
            ref = Poll(
                poll_id=created.poll_id,
                message_id=created.message_id,
                channel_id=sb.channel_id,
                question="",
                answers=(),
                counts=(),
                expires_at=0,
                is_closed=False,
                creator_id=0,
                multiple=False,
                total_votes=0,
            )
            got = await client.polls.get(ref)
            assert (got.question, got.counts, got.voters[0].user_ids) == (
                "Tabs?",
                (0, 1),
                (sb.user("bob").id,),
            )
            with pytest.raises(OpError):
                await sb.vote_poll(sb.human.id, created.poll_id, [0, 1])  # single choice
