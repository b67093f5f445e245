"""Chat message and reaction events.

A pushed chat message (``channel_message``) is a new message, an edit or a deletion, told apart
by its ``code`` (docs/protocol.md §5.12): codes 1 and 14 edit a message, 2 and 15 delete one,
every other code (chat, buzz, poll, ephemeral, welcome...) is a new message.  The reader builds
the lazy :class:`~mezon_trio.models.Message` once per push (its content and lists decode on first
access); the typed event around it is made in the subscriber's task.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from .._models.message import Message, wire_message
from .._models.proto import reaction_from_proto
from .._models.values import Reaction
from .._proto.mezon import api
from .._protocol.enums import DELETE_CODES, EDIT_CODES
from .base import BaseEvent, Selector, register

__all__ = ["MessageCreated", "MessageDeleted", "MessageEdited", "ReactionAdded", "ReactionRemoved"]

_NOT_NEW = EDIT_CODES | DELETE_CODES


@dataclass(frozen=True, slots=True, kw_only=True)
class _MessageEvent(BaseEvent):
    message: Message
    caught_up: bool = False

    @property
    def message_id(self) -> int:
        return self.message.id

    @property
    def channel_id(self) -> int:
        return self.message.channel_id


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MessageCreated(_MessageEvent):
    """A new message was posted (any code that neither edits nor deletes).

    Attributes:
        message: the message (``message.code`` tells chat from buzz, poll, ephemeral...).
        caught_up: True when it was fetched from history after a reconnect rather than pushed.
    """


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MessageEdited(_MessageEvent):
    """A message was edited; ``message`` is its new version (same id)."""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MessageDeleted(_MessageEvent):
    """A message was deleted; ``message`` carries its ids (its content is usually empty)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class _ReactionEvent(BaseEvent):
    reaction: Reaction

    @property
    def message_id(self) -> int:
        return self.reaction.message_id

    @property
    def channel_id(self) -> int:
        return self.reaction.channel_id

    @property
    def user_id(self) -> int:
        """Who reacted (or took the reaction back)."""
        return self.reaction.sender_id

    @property
    def emoji(self) -> str:
        return self.reaction.emoji


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(_ReactionEvent):
    """Someone reacted to a message (:attr:`user_id` is who)."""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionRemoved(_ReactionEvent):
    """Someone took a reaction back (:attr:`user_id` is who)."""


def _created(kind: str, payload: object) -> MessageCreated | None:
    if isinstance(payload, Message) and wire_message(payload).code not in _NOT_NEW:
        return MessageCreated(message=payload)
    return None


def _edited(kind: str, payload: object) -> MessageEdited | None:
    if isinstance(payload, Message) and wire_message(payload).code in EDIT_CODES:
        return MessageEdited(message=payload)
    return None


def _deleted(kind: str, payload: object) -> MessageDeleted | None:
    if isinstance(payload, Message) and wire_message(payload).code in DELETE_CODES:
        return MessageDeleted(message=payload)
    return None


def message_event(
    message: Message, *, caught_up: bool = False
) -> MessageCreated | MessageEdited | MessageDeleted:
    """The typed event of *message*, by its code (for history catch-up and tests)."""
    code = wire_message(message).code
    if code in EDIT_CODES:
        return MessageEdited(message=message, caught_up=caught_up)
    if code in DELETE_CODES:
        return MessageDeleted(message=message, caught_up=caught_up)
    return MessageCreated(message=message, caught_up=caught_up)


def _reaction_added(kind: str, payload: object) -> ReactionAdded | None:
    if isinstance(payload, api.MessageReaction) and not payload.action:
        return ReactionAdded(reaction=reaction_from_proto(payload))
    return None


def _reaction_removed(kind: str, payload: object) -> ReactionRemoved | None:
    if isinstance(payload, api.MessageReaction) and payload.action:
        return ReactionRemoved(reaction=reaction_from_proto(payload))
    return None


def _new_message(kind: str, payload: object) -> Message | None:
    if isinstance(payload, Message) and wire_message(payload).code not in _NOT_NEW:
        return payload
    return None


#: New chat messages as bare :class:`Message` objects (``client.channel_messages()``).
NEW_MESSAGES: Selector[BaseEvent] = Selector("channel_messages", ("channel_message",), _new_message)

register(MessageCreated, "channel_message", _created)
register(MessageEdited, "channel_message", _edited)
register(MessageDeleted, "channel_message", _deleted)
register(ReactionAdded, "message_reaction_event", _reaction_added)
register(ReactionRemoved, "message_reaction_event", _reaction_removed)
