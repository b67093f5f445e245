"""Composable event filters: ``ignore_self(client) & in_channels(c) & ~from_users(spammer)``.

A :class:`Filter` is a plain predicate (``filter(event) -> bool``), so it also works where the
client takes one (``client.channel_messages(filter=...)``, ``client.stream(kind, filter=...)``).
Filters look at the *actor* of an event: the sender of a :class:`~mezon_trio.models.Message`,
the user who clicked a button or picked a select value (``user_id``, not the message's author
``sender_id``), else an event's ``sender_id``/``user_id`` attribute.  An event that lacks the
attribute a filter needs (a button click has no ``clan_id``) does not match.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Never, Protocol, cast, final

from .._events.interactions import ButtonClicked, DropdownSelected
from .._models.message import Message
from .._proto.mezon import realtime as rt
from .._protocol.enums import DM_MODE

__all__ = [
    "Filter",
    "actor_id",
    "from_users",
    "ignore_self",
    "in_channels",
    "in_clans",
    "is_dm",
    "mentions_bot",
]

_DM_MODE = DM_MODE


class HasUserId(Protocol):
    """Anything with the bot's ``user_id`` (the client): read when the filter runs."""

    @property
    def user_id(self) -> int: ...


def actor_id(event: object) -> int | None:
    """The user behind *event*: message sender, clicking/selecting user, else ``sender_id``/``user_id``."""
    if isinstance(event, Message):
        return event.sender_id
    if isinstance(event, (ButtonClicked, DropdownSelected, rt.MessageButtonClicked, rt.DropdownBoxSelected)):
        return event.user_id
    message = getattr(event, "message", None)  # MessageCreated / MessageEdited / MessageDeleted
    if isinstance(message, Message):
        return message.sender_id
    inner = getattr(event, "event", None)  # a ComponentContext / CommandContext wraps the payload
    if inner is not None and inner is not event:
        return actor_id(inner)
    for attr in ("sender_id", "user_id"):
        value = getattr(event, attr, None)
        if isinstance(value, int):
            return value
    return None


def _attr(event: object, name: str) -> int | None:
    value = getattr(event, name, None)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    inner = getattr(event, "event", None)
    if inner is not None and inner is not event:
        return _attr(inner, name)
    return None


@final
class Filter:
    """A predicate over events, composable with ``&`` (and), ``|`` (or) and ``~`` (not).

    Args:
        predicate: ``predicate(event) -> bool``; it runs wherever the filter is used (for a
            client stream: in the receiving task, so keep it short and non-blocking).
        name: shown in ``repr`` (defaults to the predicate's name).
    """

    __slots__ = ("_name", "_predicate")

    def __init__(self, predicate: Callable[[Never], bool], name: str | None = None) -> None:
        if not callable(predicate):
            raise TypeError(f"a filter needs a callable, got {predicate!r}")
        self._predicate = predicate
        self._name = name or getattr(predicate, "__name__", None) or repr(predicate)

    def __call__(self, event: object) -> bool:
        # A predicate of some event type; the caller routes only events of that type to it.
        predicate: Callable[[object], bool] = cast(Any, self._predicate)
        return bool(predicate(event))

    def __repr__(self) -> str:
        return f"Filter({self._name})"

    def __and__(self, other: Callable[[Never], bool]) -> Filter:
        left, right = self, _as_filter(other)
        return Filter(lambda ev: left(ev) and right(ev), f"{left._name} & {right._name}")

    def __rand__(self, other: Callable[[Never], bool]) -> Filter:
        return _as_filter(other) & self

    def __or__(self, other: Callable[[Never], bool]) -> Filter:
        left, right = self, _as_filter(other)
        return Filter(lambda ev: left(ev) or right(ev), f"({left._name} | {right._name})")

    def __ror__(self, other: Callable[[Never], bool]) -> Filter:
        return _as_filter(other) | self

    def __invert__(self) -> Filter:
        inner = self
        return Filter(lambda ev: not inner(ev), f"~{inner._name}")


def _as_filter(value: Callable[[Never], bool]) -> Filter:
    if isinstance(value, Filter):
        return value
    if callable(value):
        return Filter(value)
    raise TypeError(f"cannot combine a Filter with {value!r}")


def _bot_id(bot: HasUserId | int) -> Callable[[], int]:
    if isinstance(bot, int):
        ident = bot
        return lambda: ident
    return lambda: bot.user_id  # read at call time: known once the client logged in


def ignore_self(bot: HasUserId | int) -> Filter:
    """Events not caused by the bot itself (*bot*: the client, or the bot's user id).

    The client does not drop the bot's own messages (a server may echo them: docs/protocol.md §12 Q3),
    so routers apply this filter by default.
    """
    me = _bot_id(bot)
    return Filter(lambda ev: actor_id(ev) != me(), "ignore_self")


def from_users(*user_ids: int) -> Filter:
    """Events whose actor (see the module docstring) is one of *user_ids*."""
    allowed = frozenset(user_ids)
    return Filter(lambda ev: actor_id(ev) in allowed, f"from_users{tuple(sorted(allowed))}")


def in_channels(*channel_ids: int) -> Filter:
    """Events in one of *channel_ids* (messages, clicks and selects carry ``channel_id``)."""
    allowed = frozenset(channel_ids)
    return Filter(lambda ev: _attr(ev, "channel_id") in allowed, f"in_channels{tuple(sorted(allowed))}")


def in_clans(*clan_ids: int) -> Filter:
    """Events in one of *clan_ids*; events without a ``clan_id`` (button clicks) never match."""
    allowed = frozenset(clan_ids)
    return Filter(lambda ev: _attr(ev, "clan_id") in allowed, f"in_clans{tuple(sorted(allowed))}")


def is_dm() -> Filter:
    """Direct messages (stream mode 4, or clan id 0)."""

    def check(ev: Any) -> bool:
        return _attr(ev, "mode") == _DM_MODE or _attr(ev, "clan_id") == 0

    return Filter(check, "is_dm")


def mentions_bot(bot: HasUserId | int) -> Filter:
    """Messages whose mention list contains the bot (*bot*: the client, or the bot's user id)."""
    me = _bot_id(bot)

    def check(ev: Any) -> bool:
        message = ev if isinstance(ev, Message) else getattr(ev, "message", None)
        if not isinstance(message, Message):
            return False
        ident = me()
        return any(m.user_id == ident for m in message.mentions)

    return Filter(check, "mentions_bot")
