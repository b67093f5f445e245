"""Sandbox state and HTTP routes of the optional features: uploads, AI-agent events,
voice media playback and polls (docs/features.md).

:class:`FeatureState` hangs off the core (``core.features``); :func:`route` serves

* ``PUT/GET/HEAD /uploads/...`` (:mod:`._uploads`),
* ``GET /api/sse/metadata`` (:mod:`._agent_sse`),
* ``POST /api/playmedia``: Bearer session token; JSON ``{room_name, participant_identity,
  participant_name, url, name}``; ``room_name`` must be the meeting code of a voice channel
  the caller can see (404), ``url`` an absolute http(s) URL (400); recorded in
  ``sb.features.media_plays`` and answered ``200 {"status": "playing", ...}``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from ._agent_sse import PATH as AGENT_PATH
from ._agent_sse import AgentStreamHub, serve_agent_stream
from ._uploads import PREFIX as UPLOAD_PREFIX
from ._uploads import UploadStore, serve_upload

if TYPE_CHECKING:
    from ._core import SandboxCore

__all__ = ["FeatureState", "MediaPlay", "PollRecord", "meeting_code", "route"]

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MEDIA_PATH: Final = "/api/playmedia"
_VOICE_TYPES: Final = frozenset({4, 10})  # GMEET_VOICE, MEZON_VOICE


@dataclass(frozen=True, slots=True)
class MediaPlay:
    """One accepted ``POST /api/playmedia``."""

    user_id: int
    channel_id: int
    room_name: str
    participant_identity: str
    participant_name: str
    url: str
    name: str


@dataclass
class PollRecord:
    """A poll as the sandbox keeps it; ``votes`` maps a user id to the chosen answer indices."""

    poll_id: int
    message_id: int
    channel_id: int
    clan_id: int
    creator_id: int
    question: str
    answers: list[str]
    type: int
    exp: int
    closed: bool = False
    votes: dict[int, tuple[int, ...]] = field(default_factory=dict)

    def counts(self) -> list[int]:
        counts = [0] * len(self.answers)
        for chosen in self.votes.values():
            for index in chosen:
                counts[index] += 1
        return counts

    def content(self) -> str:
        """The poll message's content JSON (ids as strings, docs/protocol.md §11 quirk 2)."""
        poll = {
            "poll_id": str(self.poll_id),
            "question": self.question,
            "answers": self.answers,
            "type": self.type,
            "exp": self.exp,
            "is_closed": self.closed,
            "answer_counts": self.counts(),
            "total_votes": len(self.votes),
            "creator_id": str(self.creator_id),
        }
        return json.dumps({"t": self.question, "poll": poll}, separators=(",", ":"), ensure_ascii=False)


class FeatureState:
    """Uploads, agent streams, media plays and polls of one sandbox."""

    def __init__(self) -> None:
        self.uploads = UploadStore()
        self.agent = AgentStreamHub()
        self.media_plays: list[MediaPlay] = []
        self.polls: dict[int, PollRecord] = {}

    def close(self) -> None:
        self.uploads.close()


def meeting_code(channel_id: int) -> str:
    """The sandbox's meeting code (voice room name) of a voice channel."""
    return str(channel_id)


def is_voice(channel_type: int) -> bool:
    return channel_type in _VOICE_TYPES


async def route(
    core: SandboxCore,
    method: str,
    path: str,
    headers: dict[str, str],
    query: dict[str, list[str]],
    receive: Receive,
    send: Send,
) -> bool:
    """Serve *path* if it belongs to a feature; False when it does not."""
    features = core.features
    if path.startswith(UPLOAD_PREFIX):
        core.recorder.add(0, "http", "upload_http", 0, {"method": method, "path": path})
        await serve_upload(features.uploads, method, path, query, headers, receive, send)
        return True
    if path == AGENT_PATH:
        app_text = query.get("appid", [""])[0]
        core.recorder.add(
            int(app_text) if app_text.isdigit() else 0,
            "http",
            "agent_sse",
            0,
            {"appid": app_text, "token": "***", "last_event_id": headers.get("last-event-id", "")},
        )
        if method != "GET":
            await _json(send, 405, {"code": 12, "message": "GET only"})
            return True

        def check_key(app_id: int, token: str) -> bool:
            return core.state.bot_by_app(app_id, token) is not None

        await serve_agent_stream(features.agent, check_key, query, headers, receive, send)
        return True
    if path == MEDIA_PATH:
        await _play_media(core, method, headers, receive, send)
        return True
    return False


async def _play_media(
    core: SandboxCore, method: str, headers: dict[str, str], receive: Receive, send: Send
) -> None:
    body = b""
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body += message.get("body", b"")
        if len(body) > 1 << 16:
            await _json(send, 413, {"code": 3, "message": "request body too large"})
            return
        if not message.get("more_body", False):
            break
    scheme, _, token = headers.get("authorization", "").partition(" ")
    user = core.user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    try:
        data = json.loads(body)
    except ValueError:
        data = None
    core.recorder.add(
        user.id if user else 0, "http", "playmedia", 0, data if isinstance(data, dict) else body
    )
    if method != "POST":
        await _json(send, 405, {"code": 12, "message": "POST only"})
        return
    if user is None:
        await _json(send, 401, {"code": 16, "message": "missing, invalid or expired bearer token"})
        return
    keys = ("room_name", "participant_identity", "participant_name", "url", "name")
    if not isinstance(data, dict) or not all(isinstance(data.get(k), str) and data[k] for k in keys):
        await _json(send, 400, {"code": 3, "message": f"expected JSON with non-empty {', '.join(keys)}"})
        return
    parts = urlsplit(data["url"])
    if parts.scheme not in ("http", "https") or not parts.netloc:
        await _json(send, 400, {"code": 3, "message": "url must be an absolute http(s) URL"})
        return
    visible = {c.id: c for c in core.state.visible_channels(user.id)}
    channel = next(
        (c for c in visible.values() if is_voice(c.type) and meeting_code(c.id) == data["room_name"]), None
    )
    if channel is None:
        await _json(send, 404, {"code": 5, "message": f"no voice room {data['room_name']!r}"})
        return
    play = MediaPlay(
        user.id,
        channel.id,
        data["room_name"],
        data["participant_identity"],
        data["participant_name"],
        data["url"],
        data["name"],
    )
    core.features.media_plays.append(play)
    await _json(send, 200, {"status": "playing", "room_name": play.room_name, "name": play.name})


async def _json(send: Send, status: int, data: Any) -> None:
    body = json.dumps(data).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})
