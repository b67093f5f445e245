"""What every typed event shares, and how the hub finds the wire variant and converter of one.

A typed event class (``MessageCreated``, ``ButtonClicked``...) is registered with a
:class:`Selector`: the event names (``Envelope`` variant field names, or the client's lifecycle
names) it comes from, and a converter from what the hub publishes for that name (the generated
payload; a :class:`~mezon_trio.models.Message` for ``channel_message``; the lifecycle record
itself) to the typed event, or ``None`` when the payload is not that event (an edit is not a
``MessageCreated``).  Converters run in the subscriber's task, never in the reader's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Generic, Protocol, TypeVar, final

__all__ = ["BaseEvent", "HandlerDecorator", "Selector", "register", "selector_of"]


class BaseEvent:
    """Base of every typed event class (frozen, slotted dataclasses with plain fields)."""

    __slots__ = ()


E = TypeVar("E", bound=BaseEvent)
E_co = TypeVar("E_co", bound=BaseEvent, covariant=True)
R = TypeVar("R")


class HandlerDecorator(Protocol[E]):
    """What ``on(EventType)`` returns: registers a handler of ``EventType`` and returns it unchanged."""

    def __call__(self, func: Callable[[E], R], /) -> Callable[[E], R]: ...


@final
class Selector(Generic[E_co]):
    """Which pushes make an event, and how: what :meth:`EventHub.stream` and friends accept.

    A typed event class stands for its registered selector; :func:`mezon_trio.raw.of` makes the
    selectors of the generic raw events.

    Attributes:
        kinds: the event names it listens to.
        name: shown in errors and statistics.
        convert: ``(kind, payload) -> event or None`` (None: not this event).
        many: when true, ``convert`` returns a tuple of events (one push, several events).
    """

    __slots__ = ("convert", "kinds", "many", "name")

    def __init__(
        self,
        name: str,
        kinds: tuple[str, ...],
        convert: Callable[[str, object], object],
        *,
        many: bool = False,
    ) -> None:
        self.name = name
        self.kinds = kinds
        self.convert = convert
        self.many = many

    def __repr__(self) -> str:
        return f"<Selector {self.name} kinds={list(self.kinds)}>"


_SELECTORS: Final[dict[type[BaseEvent], Selector[BaseEvent]]] = {}


def register(
    cls: type[E],
    kinds: str | tuple[str, ...],
    convert: Callable[[str, object], object],
    *,
    many: bool = False,
) -> None:
    """Register the selector of the typed event class *cls*."""
    names = (kinds,) if isinstance(kinds, str) else kinds
    _SELECTORS[cls] = Selector(cls.__name__, names, convert, many=many)


def selector_of(key: object) -> Selector[BaseEvent] | None:
    """The selector of a typed event class (or the selector itself); None when *key* is neither."""
    if isinstance(key, Selector):
        return key
    if isinstance(key, type):
        return _SELECTORS.get(key)
    return None


def registered() -> dict[type[BaseEvent], Selector[BaseEvent]]:
    """Every registered typed event class and its selector (a copy)."""
    return dict(_SELECTORS)
