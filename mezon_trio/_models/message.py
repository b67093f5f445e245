"""``Message``: a chat message pushed by the server, with its actions (docs/protocol.md §6.10).

It is built for every inbound chat message, so constructing one does nothing but store two
references: the ``content`` JSON and the ``mentions``/``attachments``/``references``/``reactions``
byte lists are decoded on first access and cached.  Its methods (``reply``, ``update``,
``delete``, ``react``) act through the messaging service of the client that received it.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Final, TypeVar, final

import betterproto2

from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._content.wire import JSONObject, JSONValue
from .._models.deprecation import deprecated_getter
from .._models.proto import attachment_from_proto, mention_from_proto, reaction_from_proto, ref_from_proto
from .._models.values import MessageRef, Reaction, SendAck
from .._proto.mezon import api
from .._protocol.enums import ChannelStreamMode, TypeMessage
from .._protocol.ids import Id, as_id
from .._protocol.typecheck import check_message
from ..errors import ClientNotRunning, InvalidArgument, ProtocolError

if TYPE_CHECKING:
    from .._content.message import Content
    from .._services.context import Services
    from .._services.messaging import MessagingService
    from .._structures.channel import TextChannel

__all__ = ["Message", "new_message", "wire_message"]

log = logging.getLogger("mezon_trio.protocol")

_ItemT = TypeVar("_ItemT", bound=betterproto2.Message)

# First byte of a JSON list/object. Neither can start one of the *List protobuf messages, whose
# first byte is the tag of field 1 (0x0A): 0x5B and 0x7B would be fields 11 and 15 with the
# deprecated "start group" wire type.
_JSON_OPENERS: Final = frozenset(b"[{")

_REPR_TEXT = 40


def _decode_list(
    data: bytes, list_cls: type[betterproto2.Message], attr: str, item_cls: type[_ItemT]
) -> tuple[_ItemT, ...]:
    """Decode a ``*List`` bytes field: protobuf, or JSON when it starts with ``[``/``{`` (old servers).

    Tolerant: undecodable data gives an empty tuple; undecodable items, and items of the wrong
    type (betterproto2 puts e.g. an int in a message list for a wrong wire type), are skipped
    (logged at DEBUG).
    """
    if not data:
        return ()
    if data[0] in _JSON_OPENERS:
        return _decode_json_list(data, attr, item_cls)
    try:
        items: list[object] = getattr(list_cls.parse(data), attr)
    except Exception as exc:  # betterproto2 raises assorted errors on garbage
        log.debug("undecodable %s bytes (%d bytes): %r", list_cls.__name__, len(data), exc)
        return ()
    out: list[_ItemT] = []
    for item in items:
        try:
            if not isinstance(item, item_cls):
                raise ProtocolError(f"not a {item_cls.__name__}: {type(item).__name__}")
            check_message(item)
        except ProtocolError as exc:
            log.debug("skipping an undecodable %s item: %s", attr, exc)
            continue
        out.append(item)
    return tuple(out)


def _decode_json_list(data: bytes, attr: str, item_cls: type[_ItemT]) -> tuple[_ItemT, ...]:
    try:
        value: Any = json.loads(data)
    except (ValueError, RecursionError) as exc:  # RecursionError: nested past the interpreter's limit
        log.debug("undecodable JSON %s (%d bytes): %r", attr, len(data), exc)
        return ()
    if isinstance(value, dict):
        # Either the list message itself ({"mentions": [...]}) or one bare item.
        inner = value.get(attr)
        value = inner if isinstance(inner, list) else [value]
    if not isinstance(value, list):
        return ()
    out: list[_ItemT] = []
    for item in value:
        if not isinstance(item, dict):
            continue
        try:
            out.append(item_cls.from_dict(item, ignore_unknown_fields=True))
        except (ValueError, TypeError, KeyError) as exc:
            log.debug("skipping undecodable JSON %s item: %r", attr, exc)
    return tuple(out)


# ``json.loads(s)`` is ``scan_once(s, 0)`` plus checks that matter only when ``s`` does not start
# with ``{`` or has something after the object (``json.decoder.JSONDecoder.decode``); calling the
# C scanner directly saves about 1 µs per message on the inbound path.
_scan_json: Callable[[str, int], tuple[JSONValue, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _parse_content(raw: str) -> JSONObject:
    """The content JSON object; tolerant (docs/protocol.md §6.1): anything but an object is ``{"t": raw}``."""
    if not raw:
        return {}
    try:
        if raw[0] == "{":
            value, end = _scan_json(raw, 0)
            if end != len(raw):  # trailing whitespace or extra data: the full decoder decides
                value = json.loads(raw)
        else:
            value = json.loads(raw)
    except (ValueError, RecursionError, StopIteration):  # RecursionError: "[[[[..." nested too deep
        return {"t": raw}
    if isinstance(value, dict):
        return value
    return {"t": raw}


@final
class Message:
    """A chat message pushed by the server (``channel_message``), read-only.

    The client builds them (applications never do); construction is cheap: ``content`` and the
    byte lists are decoded lazily, once.  Ids are ``int``; mentions, attachments, references and
    reactions are the value models of :mod:`mezon_trio.models`.
    :func:`mezon_trio.raw.message_payload` gives the generated message for wire fields not
    wrapped here.
    """

    __slots__ = (
        "_attachments",
        "_caught_up",
        "_content",
        "_mentions",
        "_raw",
        "_reactions",
        "_references",
        "_services",
    )
    _raw: api.ChannelMessage
    _services: Services | None
    _caught_up: bool
    _content: JSONObject | None
    _mentions: tuple[Mention, ...] | None
    _attachments: tuple[Attachment, ...] | None
    _references: tuple[MessageRef, ...] | None
    _reactions: tuple[Reaction, ...] | None

    def __init__(self) -> None:
        raise TypeError("Message is not built by applications: the client hands them out")

    def __repr__(self) -> str:
        text = self.text
        if len(text) > _REPR_TEXT:
            text = text[: _REPR_TEXT - 1] + "…"
        raw = self._raw
        return (
            f"<Message id={raw.message_id} clan_id={raw.clan_id} channel_id={raw.channel_id} "
            f"sender_id={raw.sender_id} code={raw.code} text={text!r}>"
        )

    if not TYPE_CHECKING:  # deprecated for one release: off the typed surface

        @property
        @deprecated_getter("Message.raw is deprecated: use mezon_trio.raw.message_payload(message)")
        def raw(self) -> api.ChannelMessage:
            """Deprecated: :func:`mezon_trio.raw.message_payload`; kept for one release."""
            return self._raw

    @property
    def caught_up(self) -> bool:
        """True when the client fetched it from the channel's history instead of receiving it
        pushed: it was posted while the bot was disconnected or stopped, or while this
        subscriber was too far behind (its buffer full)."""
        return self._caught_up

    @property
    def id(self) -> int:
        """The message id (``message_id``)."""
        return self._raw.message_id

    @property
    def message_id(self) -> int:
        """Same as :attr:`id` (the official ``ChannelMessage.message_id``)."""
        return self._raw.message_id

    @property
    def clan_id(self) -> int:
        """Clan id; 0 for direct messages."""
        return self._raw.clan_id

    @property
    def channel_id(self) -> int:
        return self._raw.channel_id

    @property
    def sender_id(self) -> int:
        return self._raw.sender_id

    @property
    def username(self) -> str:
        return self._raw.username

    @property
    def display_name(self) -> str:
        return self._raw.display_name

    @property
    def clan_nick(self) -> str:
        return self._raw.clan_nick

    @property
    def avatar(self) -> str:
        return self._raw.avatar

    @property
    def clan_avatar(self) -> str:
        return self._raw.clan_avatar

    @property
    def channel_label(self) -> str:
        return self._raw.channel_label

    @property
    def code(self) -> TypeMessage:
        """Message type code (docs/protocol.md §5.12): chat, edit, delete, ephemeral, poll..."""
        return TypeMessage(self._raw.code)

    @property
    def mode(self) -> ChannelStreamMode:
        """Stream mode (channel, group, DM, thread); ``UNKNOWN_0`` when the push has none."""
        return ChannelStreamMode(self._raw.mode)

    @property
    def is_public(self) -> bool:
        return self._raw.is_public

    @property
    def topic_id(self) -> int:
        """Topic (reply thread) id; 0 when none."""
        return self._raw.topic_id

    @property
    def create_time_seconds(self) -> int:
        return self._raw.create_time_seconds

    @property
    def update_time_seconds(self) -> int:
        return self._raw.update_time_seconds

    @property
    def is_edit(self) -> bool:
        """The push reports an edit (code 1)."""
        return self._raw.code == 1

    @property
    def is_delete(self) -> bool:
        """The push reports a deletion (code 2)."""
        return self._raw.code == 2

    @property
    def content(self) -> JSONObject:
        """The content JSON object (docs/protocol.md §6.1), parsed on first access and shared.

        Tolerant: invalid JSON, or JSON that is not an object, reads as ``{"t": <raw string>}``;
        empty content as ``{}``.  Treat the dict as read-only.  Values are what ``json.loads``
        gives (:data:`mezon_trio.content.JSONValue`): narrow them with ``isinstance``, or use
        :meth:`mezon_trio.content.Content.from_dict` for typed access.
        """
        content = self._content
        if content is None:
            content = self._content = _parse_content(self._raw.content)
        return content

    @property
    def text(self) -> str:
        """The plain text (``content["t"]``), or ``""``."""
        t = self.content.get("t")
        return t if isinstance(t, str) else ""

    @property
    def mentions(self) -> tuple[Mention, ...]:
        """Decoded on first access from protobuf (or JSON from old servers); ``()`` if undecodable."""
        mentions = self._mentions
        if mentions is None:
            wire = _decode_list(self._raw.mentions, api.MessageMentionList, "mentions", api.MessageMention)
            mentions = self._mentions = tuple(mention_from_proto(m) for m in wire)
        return mentions

    @property
    def attachments(self) -> tuple[Attachment, ...]:
        """Decoded on first access from protobuf (or JSON from old servers); ``()`` if undecodable."""
        attachments = self._attachments
        if attachments is None:
            wire = _decode_list(
                self._raw.attachments, api.MessageAttachmentList, "attachments", api.MessageAttachment
            )
            attachments = self._attachments = tuple(attachment_from_proto(a) for a in wire)
        return attachments

    @property
    def references(self) -> tuple[MessageRef, ...]:
        """Replied-to messages, decoded on first access; ``()`` if none or undecodable."""
        references = self._references
        if references is None:
            wire = _decode_list(self._raw.references, api.MessageRefList, "refs", api.MessageRef)
            references = self._references = tuple(ref_from_proto(r) for r in wire)
        return references

    @property
    def reactions(self) -> tuple[Reaction, ...]:
        """Decoded on first access; ``()`` if none or undecodable."""
        reactions = self._reactions
        if reactions is None:
            wire = _decode_list(
                self._raw.reactions, api.MessageReactionList, "reactions", api.MessageReaction
            )
            reactions = self._reactions = tuple(reaction_from_proto(r) for r in wire)
        return reactions

    # ------------------------------------------------------------------ actions (through the client)

    @property
    def channel(self) -> TextChannel | None:
        """The message's channel from the client's cache (no I/O); None if detached or unknown."""
        services = self._services
        if services is None:
            return None
        return services.directory.channels.peek(self._raw.channel_id)

    def _messaging(self, what: str) -> MessagingService:
        services = self._services
        if services is None:
            raise ClientNotRunning(f"Message.{what}() needs the client that received the message")
        return services.messaging

    async def reply(
        self,
        content: str | Mapping[str, object] | Content,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
        mention_everyone: bool | None = None,
        anonymous_message: bool | None = None,
        topic_id: Id | None = None,
        code: int | None = None,
    ) -> SendAck:
        """Answer this message in its channel, quoting it (one reference, docs/protocol.md §6.9).

        The reference carries the quoted message's id, content, attachment flag and the
        sender's id, name, avatar, clan nick and display name.  ``topic_id`` defaults to
        this message's topic.  A reply never opens a DM (quirk 14).

        Cancellation: if cancelled after the frame was written, the reply may still be posted.

        Raises:
            ContentError: invalid content or longer than 4000 UTF-16 units.
            Forbidden, NotFound: the server refused; RequestTimeout, ConnectionLost, ClientClosed.
            ConfigurationError: a detached message (no client).
        """
        return await self._messaging("reply").reply_to(
            self,
            content,
            mentions,
            attachments,
            mention_everyone=bool(mention_everyone),
            anonymous_message=bool(anonymous_message),
            topic_id=None if topic_id is None else as_id(topic_id, "topic_id"),
            code=code or 0,
        )

    async def update(
        self,
        content: str | Mapping[str, object] | Content,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
        *,
        hide_editted: bool = False,
    ) -> SendAck:
        """Edit this message (the bot's own) through the API bridge (§5.4); ``ack.code`` is 1.

        Cancellation: if cancelled after the request was written, the edit may still happen.

        Raises:
            ContentError: invalid or too long content.
            NotFound: the message is gone; Forbidden: not the bot's message.
            RequestTimeout, ConnectionLost, ClientClosed; ConfigurationError: detached.
        """
        return await self._messaging("update").edit(
            self, content, mentions, attachments, hide_editted=hide_editted
        )

    async def delete(self) -> SendAck:
        """Delete this message through the API bridge (§5.5); ``ack.code`` is 2.

        Cancellation: if cancelled after the request was written, it may still be deleted.

        Raises:
            NotFound: already gone; Forbidden: the bot may not delete it.
            RequestTimeout, ConnectionLost, ClientClosed; ConfigurationError: detached.
        """
        return await self._messaging("delete").delete(self)

    async def react(
        self,
        emoji: str = "",
        *,
        emoji_id: Id = 0,
        remove: bool = False,
        count: int = 1,
        id: Id = 0,
        action_delete: bool | None = None,
    ) -> Reaction:
        """Add (or with ``remove=True`` take back) a reaction; returns the server's echo.

        ``emoji`` is the emoji text or short name; ``emoji_id`` a custom emoji's id.  The
        official keywords work too: ``react(emoji_id=1, emoji="👍", count=1,
        action_delete=True)``.

        Cancellation: if cancelled after the frame was written, the reaction may still apply.

        Raises:
            ConfigurationError: neither ``emoji`` nor ``emoji_id``, or a detached message.
            NotFound: the message is gone; Forbidden; RequestTimeout, ConnectionLost, ClientClosed.
        """
        if not emoji and not emoji_id:
            raise InvalidArgument("react() needs an emoji (or an emoji_id)")
        return await self._messaging("react").react(
            self,
            emoji,
            emoji_id=as_id(emoji_id, "emoji_id"),
            remove=remove if action_delete is None else action_delete,
            count=count,
            reaction_id=as_id(id, "id"),
        )


def new_message(
    raw: api.ChannelMessage, *, services: Services | None = None, caught_up: bool = False
) -> Message:
    """The :class:`Message` of the pushed (or fetched) *raw* (the client's one way to build one).

    *services* are those of the client that received it, used by ``reply``/``update``/``delete``/
    ``react`` (``None``: a detached message); *caught_up*: it came from the channel's history.
    """
    message = object.__new__(Message)
    message._raw = raw
    message._services = services
    message._caught_up = caught_up
    message._content = None
    message._mentions = None
    message._attachments = None
    message._references = None
    message._reactions = None
    return message


def wire_message(message: Message) -> api.ChannelMessage:
    """The generated ``ChannelMessage`` under *message* (for the wire layer; do not mutate it)."""
    return message._raw
