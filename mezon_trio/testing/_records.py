"""The plain records the sandbox's scripting API returns (no generated class on the surface).

:class:`StoredMessage` is a message as the sandbox stores it, with the wire message's field names
(``message_id``, ``channel_id``, ``content``...) and the lists decoded to the value models of
:mod:`mezon_trio.models`; :class:`CreatedPoll` is a poll a user created; :class:`ClientKwargs` is
what :meth:`Sandbox.client_kwargs <mezon_trio.testing.Sandbox.client_kwargs>` returns, typed so
``MezonClient(**sb.client_kwargs())`` type-checks.
"""

# No postponed annotations: on 3.11 a string ``NotRequired`` key of a TypedDict counts as required
# at run time.
import json
from dataclasses import dataclass
from typing import NotRequired, TypedDict, final

import httpx

from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._content.wire import JSONObject
from .._models.message import new_message
from .._models.values import MessageRef, Reaction
from .._proto.mezon import api
from .._protocol.enums import ChannelStreamMode, TypeMessage
from .._transport.gateway import WsConnect

__all__ = ["ClientKwargs", "CreatedPoll", "StoredMessage", "stored_message"]


class ClientKwargs(TypedDict):
    """The keyword arguments of ``MezonClient`` that log in to a sandbox as its seeded bot.

    ``http_transport`` and ``ws_connect`` are present for an in-memory sandbox only.
    """

    client_id: int
    api_key: str
    host: str
    port: int
    use_ssl: bool
    mmn_api_url: str
    zk_api_url: str
    http_transport: NotRequired[httpx.AsyncBaseTransport]
    ws_connect: NotRequired[WsConnect]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class StoredMessage:
    """A message as the sandbox stores it (a snapshot: later edits and reactions are not seen).

    The fields keep the names of the wire message (``api.ChannelMessage``); ``content`` is the
    content JSON text as stored (see :attr:`content_json` and :attr:`text`), the lists are
    decoded to the value models.
    """

    message_id: int
    channel_id: int
    clan_id: int = 0
    sender_id: int = 0
    username: str = ""
    display_name: str = ""
    clan_nick: str = ""
    avatar: str = ""
    clan_avatar: str = ""
    channel_label: str = ""
    content: str = ""
    code: TypeMessage | int = TypeMessage.CHAT
    mode: ChannelStreamMode | int = ChannelStreamMode.STREAM_MODE_CHANNEL
    is_public: bool = False
    topic_id: int = 0
    create_time_seconds: int = 0
    update_time_seconds: int = 0
    hide_editted: bool = False
    mentions: tuple[Mention, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    references: tuple[MessageRef, ...] = ()
    reactions: tuple[Reaction, ...] = ()

    @property
    def content_json(self) -> JSONObject:
        """``content`` decoded (``{}`` when it is not a JSON object)."""
        try:
            value = json.loads(self.content) if self.content else {}
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    @property
    def text(self) -> str:
        """The ``t`` field of the content (the message's text)."""
        value = self.content_json.get("t", "")
        return value if isinstance(value, str) else ""


def stored_message(message: api.ChannelMessage) -> StoredMessage:
    """The record of a stored wire message (its lists decoded as the client decodes them)."""
    decoded = new_message(message)
    return StoredMessage(
        message_id=message.message_id,
        channel_id=message.channel_id,
        clan_id=message.clan_id,
        sender_id=message.sender_id,
        username=message.username,
        display_name=message.display_name,
        clan_nick=message.clan_nick,
        avatar=message.avatar,
        clan_avatar=message.clan_avatar,
        channel_label=message.channel_label,
        content=message.content,
        code=decoded.code,
        mode=decoded.mode,
        is_public=message.is_public,
        topic_id=message.topic_id,
        create_time_seconds=message.create_time_seconds,
        update_time_seconds=message.update_time_seconds,
        hide_editted=message.hide_editted,
        mentions=decoded.mentions,
        attachments=decoded.attachments,
        references=decoded.references,
        reactions=decoded.reactions,
    )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedPoll:
    """A poll a user created through :meth:`Sandbox.create_poll <mezon_trio.testing.Sandbox.create_poll>`."""

    poll_id: int
    message_id: int
    question: str
    answers: tuple[str, ...]
    creator_id: int
    multiple: bool = False
    exp: int = 0
    answer_counts: tuple[int, ...] = ()
    total_votes: int = 0
    is_closed: bool = False


def created_poll(answer: api.CreatePollResponse) -> CreatedPoll:
    return CreatedPoll(
        poll_id=answer.poll_id,
        message_id=answer.message_id,
        question=answer.question,
        answers=tuple(a.label for a in answer.answers),
        creator_id=answer.creator_id,
        multiple=answer.type == api.PollType.MULTIPLE,
        exp=answer.exp,
        answer_counts=tuple(answer.answer_counts),
        total_votes=answer.total_votes,
        is_closed=answer.is_closed,
    )
