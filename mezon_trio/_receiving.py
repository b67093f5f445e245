"""The client's receiving API: streams, subscriptions, handlers and waiters.

Written as functions of a :class:`~mezon_trio.MezonClient` and bound as its methods in the
class body (``stream = _receiving.stream``), so the client module stays lifecycle plus
delegation; each function only uses the client's event hub.

Every method takes typed event classes (:mod:`mezon_trio.events`: ``MessageCreated``,
``ButtonClicked``...) or raw selectors (:func:`mezon_trio.raw.of`), and mypy infers the element
type from them.  The official SDK's event names (``Events.TOKEN_SEND``, ``"channel_message"``)
still work and give the untyped payloads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast, overload

from ._connection.core import ConnectionCore, State
from ._events.base import BaseEvent, HandlerDecorator, Selector, selector_of
from ._events.messages import NEW_MESSAGES
from ._models.message import Message
from ._streams import E1, E2, E3, E4, E, EventKey
from ._subscription import Subscription
from ._waiting import Waiter, check_timeout
from .events import Event, Events, Overflow

if TYPE_CHECKING:
    from ._client import MezonClient

__all__ = ["channel_messages", "expect", "off", "on", "stream", "subscribe", "wait_for"]


def _core(client: MezonClient) -> ConnectionCore:
    from ._client import services_of  # the client module binds these functions: import at call time

    return services_of(client).core


def _is_chat(event: object) -> bool:
    """Whether handlers of *event* receive chat messages (``channel_message``)."""
    selector = selector_of(event)
    kinds = selector.kinds if selector is not None else (str(event),)
    return Events.CHANNEL_MESSAGE.value in kinds


def _require_receiving(self: MezonClient, what: str) -> None:
    core = _core(self)
    if core.state is State.NEW:
        core.require_running(what)


@overload
def subscribe(
    self: MezonClient,
    a: EventKey[E1],
    /,
    *,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[E1], bool] | None = None,
) -> Subscription[E1]: ...
@overload
def subscribe(
    self: MezonClient,
    a: EventKey[E1],
    b: EventKey[E2],
    /,
    *,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[E1 | E2], bool] | None = None,
) -> Subscription[E1 | E2]: ...
@overload
def subscribe(
    self: MezonClient,
    a: EventKey[E1],
    b: EventKey[E2],
    c: EventKey[E3],
    /,
    *,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[E1 | E2 | E3], bool] | None = None,
) -> Subscription[E1 | E2 | E3]: ...
@overload
def subscribe(
    self: MezonClient,
    a: EventKey[E1],
    b: EventKey[E2],
    c: EventKey[E3],
    d: EventKey[E4],
    /,
    *,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[E1 | E2 | E3 | E4], bool] | None = None,
) -> Subscription[E1 | E2 | E3 | E4]: ...
@overload
def subscribe(
    self: MezonClient,
    *kinds: str | Events,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[Event[object]], bool] | None = None,
) -> Subscription[Event[object]]: ...
def subscribe(
    self: MezonClient,
    *kinds: Any,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[Any], bool] | None = None,
) -> Subscription[Any]:
    """Subscribe to several event types at once: ``async with client.subscribe(A, B) as sub``.

    With typed event classes the elements are their union (in arrival order); with event
    names, :class:`~mezon_trio.events.Event` records.  Each subscription has its own bounded
    buffer (overflow policies: :mod:`mezon_trio.events`); it ends when the client closes, and
    leaving its ``async with`` block unsubscribes.  *filter* runs in the receiving task.  May be
    called before the client is entered (to see ``Connected``/``Ready``); the other receiving
    calls need a started client.

    Raises:
        ClientClosed: the client is closed.
        InvalidArgument: unknown kind or bad buffer/overflow.
    """
    return _core(self).hub.subscribe(*kinds, buffer=buffer, overflow=overflow, filter=filter)


@overload
def stream(
    self: MezonClient,
    kind: EventKey[E],
    *,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[E], bool] | None = None,
) -> Subscription[E]: ...
@overload
def stream(
    self: MezonClient,
    kind: str | Events,
    *,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[object], bool] | None = None,
) -> Subscription[object]: ...
def stream(
    self: MezonClient,
    kind: Any,
    *,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[Any], bool] | None = None,
) -> Subscription[Any]:
    """Events of one type: ``async with client.stream(MessageCreated) as messages: ...``.

    Raises like :meth:`subscribe`.
    """
    return _core(self).hub.stream(kind, buffer=buffer, overflow=overflow, filter=filter)


def channel_messages(
    self: MezonClient,
    *,
    buffer: int = 256,
    overflow: Overflow | None = None,
    filter: Callable[[Message], bool] | None = None,
) -> Subscription[Message]:
    """New chat messages as :class:`~mezon_trio.models.Message` (edits and deletions are not).

    The messages of ``client.stream(MessageCreated)`` without the event around them.  With
    catch-up on (the default) the overflow policy is ``"refill"``: a loop that falls behind never
    stops and loses nothing; what did not fit in its buffer is fetched again from history once it
    has caught up, in per-channel order (``msg.caught_up``).  Otherwise ``"close"``.
    """
    _require_receiving(self, "channel_messages()")
    hub = _core(self).hub
    if overflow is None:
        overflow = "refill" if hub.can_refill else "close"
    return hub.stream(cast("Selector[Any]", NEW_MESSAGES), buffer=buffer, overflow=overflow, filter=filter)


@overload
def on(
    self: MezonClient,
    event: EventKey[E],
    handler: None = None,
    *,
    concurrency: int = 1,
    buffer: int = 1024,
    overflow: Overflow | None = None,
    to_thread: bool = False,
) -> HandlerDecorator[E]: ...
@overload
def on(
    self: MezonClient,
    event: EventKey[E],
    handler: Callable[[E], object],
    *,
    concurrency: int = 1,
    buffer: int = 1024,
    overflow: Overflow | None = None,
    to_thread: bool = False,
) -> Callable[[E], object]: ...
@overload
def on(
    self: MezonClient,
    event: str | Events,
    handler: Callable[[object], object],
    *,
    concurrency: int = 1,
    buffer: int = 1024,
    overflow: Overflow | None = None,
    to_thread: bool = False,
) -> None: ...
def on(
    self: MezonClient,
    event: Any,
    handler: Callable[[Any], object] | None = None,
    *,
    concurrency: int = 1,
    buffer: int = 1024,
    overflow: Overflow | None = None,
    to_thread: bool = False,
) -> Any:
    """Run ``handler(event)`` for each *event* event, in the client's nursery; a decorator without *handler*.

    ::

        @client.on(MessageCreated)
        async def greet(event: MessageCreated) -> None: ...

    Sync or async, bounded concurrency; a failing handler is logged and reported as a
    :class:`~mezon_trio.events.HandlerError` carrying the event and the handler.  May be called
    before the client is entered.  Default overflow: ``"refill"`` for chat messages with
    catch-up on (a slow handler misses nothing: what did not fit is fetched again from history),
    else ``"drop_newest"``.
    """
    hub = _core(self).hub
    if overflow is None:
        overflow = "refill" if hub.can_refill and _is_chat(event) else "drop_newest"
    return hub.on(
        event,
        handler,
        concurrency=concurrency,
        buffer=buffer,
        overflow=overflow,
        to_thread=to_thread,
    )


def off(
    self: MezonClient,
    event: type[BaseEvent] | Selector[BaseEvent] | str | Events,
    handler: Callable[..., object] | None = None,
) -> None:
    """Remove *handler* (all handlers of *event* when None)."""
    _core(self).hub.off(event, handler)


@overload
def expect(
    self: MezonClient,
    kind: EventKey[E],
    predicate: Callable[[E], bool] | None = None,
    *,
    buffer: int = 256,
) -> Waiter[E]: ...
@overload
def expect(
    self: MezonClient,
    kind: str | Events,
    predicate: Callable[[object], bool] | None = None,
    *,
    buffer: int = 256,
) -> Waiter[object]: ...
def expect(
    self: MezonClient,
    kind: Any,
    predicate: Callable[[Any], bool] | None = None,
    *,
    buffer: int = 256,
) -> Waiter[Any]:
    """A waiter for *kind* events matching *predicate*; enter it before the action you await.

    ::

        async with client.expect(ButtonClicked, lambda ev: ev.user_id == user) as waiter:
            ack = await channel.send(form)
            click = await waiter.wait(lambda ev: ev.message_id == ack.message_id, timeout=60)

    See :mod:`mezon_trio._waiting` for buffering.
    """
    _require_receiving(self, "expect()")
    return Waiter(_core(self).hub, kind, predicate, buffer)


@overload
async def wait_for(
    self: MezonClient,
    kind: EventKey[E],
    predicate: Callable[[E], bool] | None = None,
    *,
    timeout: float | None = None,  # noqa: ASYNC109
) -> E: ...
@overload
async def wait_for(
    self: MezonClient,
    kind: str | Events,
    predicate: Callable[[object], bool] | None = None,
    *,
    timeout: float | None = None,  # noqa: ASYNC109
) -> object: ...
async def wait_for(
    self: MezonClient,
    kind: Any,
    predicate: Callable[[Any], bool] | None = None,
    *,
    timeout: float | None = None,  # noqa: ASYNC109
) -> Any:
    """The next *kind* event matching *predicate*, from this call on (see :meth:`expect`).

    Raises:
        trio.TooSlowError: *timeout* expired.  ClientClosed: the client closed first.
        ClientNotRunning: the client was never started.
    """
    _require_receiving(self, "wait_for()")
    check_timeout(timeout)
    return await Waiter(_core(self).hub, kind, predicate, 256).wait_once(timeout)
