"""Sandbox RPCs of the optional features: uploads and polls (docs/features.md).

Registered into :data:`._rpc.METHODS` when :mod:`._rpc` is imported. Sandbox decisions
(the server's behaviour is not public; the shapes follow the schema):

* ``UploadAttachmentFile`` (``api.UploadAttachmentRequest`` → ``api.UploadAttachment``):
  ``filename`` non-empty, ``0 < size``; answers a pre-signed PUT URL (:mod:`._uploads`).
* ``MultipartUploadAttachmentFileStart``: the same request with ``part_count`` 1..10000 →
  ``api.MultipartUploadAttachment{filename, urls, upload_id}``.
* ``MultipartUploadAttachmentFileFinish``: ``api.MultipartUploadAttachmentFinishRequest``
  → ``api.UploadAttachment{filename, url}`` (400 on missing parts, wrong ETags or size).
* ``CreatePoll``: posts a chat message with ``code`` 18 (poll) whose content JSON is
  ``{"t": question, "poll": {...}}`` and answers ``api.CreatePollResponse``; 2..10 answers,
  ``expire_hours`` 0 = 24, at most 720.
* ``VotePoll``: replaces the caller's choice (an empty list withdraws it); one index for
  single-choice polls; refused (400) once the poll is closed or expired.
  ``ClosePoll``: the creator only (403). Each vote and the close push the poll message
  again as an edit (``code`` 1) with the new counts to the channel.
* ``GetPoll`` → ``api.GetPollResponse`` with ``voter_details`` per answer.
"""

from __future__ import annotations

import dataclasses
import time
from typing import TypeVar

import betterproto2

from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from ._core import OpError, SandboxCore
from ._features import PollRecord
from ._rpc import Call, _rpc, invoke
from ._uploads import MAX_FILE_SIZE

__all__ = ["run_as"]

M = TypeVar("M", bound=betterproto2.Message)

_MAX_PARTS = 10_000
_MAX_ANSWERS = 10
_MAX_EXPIRE_HOURS = 720


# ---------------------------------------------------------------------- uploads


def _check_upload(req: api.UploadAttachmentRequest) -> None:
    if not req.filename or "/" in req.filename:
        raise OpError(400, "filename must be a non-empty name without '/'")
    if not 0 < req.size <= MAX_FILE_SIZE:
        raise OpError(400, "size must be positive")


@_rpc("UploadAttachmentFile", api.UploadAttachmentRequest)
async def _upload(call: Call, req: api.UploadAttachmentRequest) -> api.UploadAttachment:
    _check_upload(req)
    core = call.core
    _, urls = core.features.uploads.begin(core.http_url, call.user_id, req.filename, req.filetype, req.size)
    return api.UploadAttachment(filename=req.filename, url=urls[0])


@_rpc("MultipartUploadAttachmentFileStart", api.UploadAttachmentRequest)
async def _multipart_start(call: Call, req: api.UploadAttachmentRequest) -> api.MultipartUploadAttachment:
    _check_upload(req)
    if not 1 <= req.part_count <= _MAX_PARTS:
        raise OpError(400, f"part_count must be 1..{_MAX_PARTS}")
    core = call.core
    pending, urls = core.features.uploads.begin(
        core.http_url, call.user_id, req.filename, req.filetype, req.size, req.part_count
    )
    return api.MultipartUploadAttachment(filename=req.filename, urls=urls, upload_id=pending.upload_id)


@_rpc("MultipartUploadAttachmentFileFinish", api.MultipartUploadAttachmentFinishRequest)
async def _multipart_finish(
    call: Call, req: api.MultipartUploadAttachmentFinishRequest
) -> api.UploadAttachment:
    core = call.core
    etags: dict[int, str] = {}
    for part in req.parts:
        if part.part_number in etags:
            raise OpError(400, f"part {part.part_number} listed twice")
        etags[part.part_number] = part.e_tag
    try:
        stored = await core.features.uploads.finish(req.upload_id, call.user_id, etags)
    except LookupError:
        raise OpError(404, f"no multipart upload {req.upload_id!r}") from None
    except ValueError as exc:
        raise OpError(400, str(exc)) from None
    url = core.features.uploads.public_url(core.http_url, stored.key, stored.filename)
    return api.UploadAttachment(filename=stored.filename, url=url)


# ---------------------------------------------------------------------- polls


def _poll(call: Call, poll_id: int, message_id: int, channel_id: int) -> PollRecord:
    poll = call.core.features.polls.get(poll_id)
    if (
        poll is None
        or (message_id and message_id != poll.message_id)
        or (channel_id and channel_id != poll.channel_id)
    ):
        raise OpError(404, f"poll {poll_id} not found")
    call.core.accessible_channel(call.user_id, poll.channel_id)
    return poll


async def _push_poll(call: Call, poll: PollRecord) -> None:
    core = call.core
    message = core.state._find_message(poll.message_id)
    if message is None:  # the poll message was deleted: nothing to update
        return
    message.content = poll.content()
    message.update_time_seconds = int(time.time())
    channel = core.channel(poll.channel_id)
    await core.push(
        "channel_message",
        dataclasses.replace(message, code=1),
        core.channel_conns(channel, exclude_user=core._own_excluded(call.user_id)),
    )


@_rpc("CreatePoll", api.CreatePollRequest)
async def _create_poll(call: Call, req: api.CreatePollRequest) -> api.CreatePollResponse:
    core = call.core
    channel = core.accessible_channel(call.user_id, req.channel_id)
    if req.clan_id and req.clan_id != channel.clan_id:
        raise OpError(400, "clan_id does not match the channel")
    question = req.question.strip()
    answers = [a.strip() for a in req.answers]
    if not question:
        raise OpError(400, "a poll needs a question")
    if not 2 <= len(answers) <= _MAX_ANSWERS or not all(answers):
        raise OpError(400, f"a poll needs 2..{_MAX_ANSWERS} non-empty answers")
    if not 0 <= req.expire_hours <= _MAX_EXPIRE_HOURS:
        raise OpError(400, f"expire_hours must be 0..{_MAX_EXPIRE_HOURS}")
    poll_type = int(req.type)
    if poll_type not in (0, 1):
        raise OpError(400, "type must be SINGLE (0) or MULTIPLE (1)")
    exp = int(time.time()) + 3600 * (req.expire_hours or 24)
    poll = PollRecord(
        poll_id=core.ids.next(),
        message_id=0,
        channel_id=channel.id,
        clan_id=channel.clan_id,
        creator_id=call.user_id,
        question=question,
        answers=answers,
        type=poll_type,
        exp=exp,
    )
    message, _ = await core.send_message(
        call.user_id,
        rt.ChannelMessageSend(
            clan_id=channel.clan_id,
            channel_id=channel.id,
            mode=channel.mode,
            is_public=channel.is_public,
            content=poll.content(),
            code=18,
        ),
    )
    poll.message_id = message.message_id
    core.features.polls[poll.poll_id] = poll
    return api.CreatePollResponse(
        poll_id=poll.poll_id,
        message_id=poll.message_id,
        question=question,
        answers=[api.PollAnswer(index=i, label=a) for i, a in enumerate(answers)],
        answer_counts=poll.counts(),
        exp=exp,
        is_closed=False,
        creator_id=call.user_id,
        type=api.PollType(poll_type),
        total_votes=0,
    )


@_rpc("VotePoll", api.VotePollRequest)
async def _vote_poll(call: Call, req: api.VotePollRequest) -> api.VotePollResponse:
    poll = _poll(call, req.poll_id, req.message_id, req.channel_id)
    if poll.closed:
        raise OpError(400, "the poll is closed")
    if poll.exp and time.time() >= poll.exp:
        raise OpError(400, "the poll has expired")
    chosen = tuple(sorted(set(req.answer_indices)))
    if len(chosen) != len(req.answer_indices) or any(not 0 <= i < len(poll.answers) for i in chosen):
        raise OpError(400, "answer_indices must be distinct indices of the poll's answers")
    if poll.type == 0 and len(chosen) > 1:
        raise OpError(400, "a single-choice poll takes one answer")
    if chosen:
        poll.votes[call.user_id] = chosen
    else:
        poll.votes.pop(call.user_id, None)
    await _push_poll(call, poll)
    return api.VotePollResponse(my_answer_indices=list(chosen))


@_rpc("ClosePoll", api.ClosePollRequest)
async def _close_poll(call: Call, req: api.ClosePollRequest) -> None:
    poll = _poll(call, req.poll_id, req.message_id, req.channel_id)
    if poll.creator_id != call.user_id:
        raise OpError(403, "only the poll's creator can close it")
    if not poll.closed:
        poll.closed = True
        await _push_poll(call, poll)


@_rpc("GetPoll", api.GetPollRequest)
async def _get_poll(call: Call, req: api.GetPollRequest) -> api.GetPollResponse:
    poll = _poll(call, req.poll_id, req.message_id, req.channel_id)
    voters: dict[int, list[int]] = {i: [] for i in range(len(poll.answers))}
    for user_id, chosen in sorted(poll.votes.items()):
        for index in chosen:
            voters[index].append(user_id)
    return api.GetPollResponse(
        poll_id=poll.poll_id,
        message_id=poll.message_id,
        question=poll.question,
        answers=[api.PollAnswer(index=i, label=a) for i, a in enumerate(poll.answers)],
        answer_counts=poll.counts(),
        exp=poll.exp,
        is_closed=poll.closed,
        creator_id=poll.creator_id,
        type=api.PollType(poll.type),
        total_votes=len(poll.votes),
        voter_details=[api.PollVoterDetail(answer_index=i, user_ids=u) for i, u in voters.items() if u],
    )


# ---------------------------------------------------------------------- scripting


async def run_as(
    core: SandboxCore, user_id: int, method: str, request: betterproto2.Message, response_type: type[M]
) -> M:
    """Run RPC *method* as *user_id* (sandbox scripting: a human votes, creates a poll...).

    Raises:
        OpError: the RPC failed (same checks as over HTTP).
    """
    outcome = await invoke(core, user_id, method, bytes(request), transport="http")
    if outcome.status != 200:
        raise OpError(outcome.status, outcome.error_rt().message)
    return response_type.parse(outcome.body)
