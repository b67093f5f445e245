"""The client's receiving API: streams, subscriptions, handlers and waiters.

Written as functions of a :class:`~mezon_trio.MezonClient` and bound as its methods in the
class body (``stream = _receiving.stream``), so the client module stays lifecycle plus
delegation; each function only uses the client's event hub.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ._connection.core import ConnectionCore, State
from ._models.message import Message
from ._streams import Subscription
from ._waiting import Waiter, WaitingMixin
from .events import Event, Events, Overflow

if TYPE_CHECKING:
    from ._client import MezonClient

__all__ = ["channel_messages", "expect", "off", "on", "stream", "subscribe", "wait_for"]


def _core(client: MezonClient) -> ConnectionCore:
    from ._client import services_of  # the client module binds these functions: import at call time

    return services_of(client).core


def _require_receiving(self: MezonClient, what: str) -> None:
    core = _core(self)
    if core.state is State.NEW:
        core.require_running(what)


def subscribe(
    self: MezonClient,
    *kinds: str | Events,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[Event[Any]], bool] | None = None,
) -> Subscription[Event[Any]]:
    """Subscribe to event kinds; iterate :class:`~mezon_trio.events.Event` records.

    Each subscription has its own bounded buffer (overflow policies: :mod:`mezon_trio.events`);
    iteration ends when the client closes.  May be called before the client is entered (to
    see ``connected``/``ready``); the other receiving calls need a started client.

    Raises:
        ClientClosed: the client is closed.
        InvalidArgument: unknown kind or bad buffer/overflow.
    """
    return _core(self).hub.subscribe(*kinds, buffer=buffer, overflow=overflow, filter=filter)


def stream(
    self: MezonClient,
    kind: str | Events,
    *,
    buffer: int = 256,
    overflow: Overflow = "close",
    filter: Callable[[Any], bool] | None = None,
) -> Subscription[Any]:
    """Subscribe to one kind; iterate its payloads.  Raises like :meth:`subscribe`."""
    return _core(self).hub.stream(kind, buffer=buffer, overflow=overflow, filter=filter)


def channel_messages(
    self: MezonClient,
    *,
    buffer: int = 256,
    overflow: Overflow | None = None,
    filter: Callable[[Message], bool] | None = None,
) -> Subscription[Message]:
    """Chat messages as :class:`~mezon_trio.models.Message` (``async for msg in ...``).

    With catch-up on (the default) the overflow policy is ``"refill"``: a loop that falls
    behind never stops and loses nothing; what did not fit in its buffer is fetched again from
    history once it has caught up, in per-channel order (``msg.caught_up``).  Otherwise
    ``"close"``.
    """
    _require_receiving(self, "channel_messages()")
    hub = _core(self).hub
    if overflow is None:
        overflow = "refill" if hub.can_refill else "close"
    sub: Subscription[Message] = hub.stream(
        Events.CHANNEL_MESSAGE, buffer=buffer, overflow=overflow, filter=filter
    )
    return sub


def on(
    self: MezonClient,
    event_name: str | Events,
    handler: Callable[[Any], Any | Awaitable[Any]],
    *,
    concurrency: int = 1,
    buffer: int = 1024,
    overflow: Overflow | None = None,
    to_thread: bool = False,
) -> None:
    """Run ``handler(payload)`` for each *event_name* event, in the client's nursery.

    Sync or async, bounded concurrency; a failing handler is logged and reported as
    ``Events.HANDLER_ERROR``.  May be called before the client is entered.  Default overflow:
    ``"refill"`` for chat messages with catch-up on (a slow handler misses nothing), else
    ``"drop_newest"``.
    """
    hub = _core(self).hub
    if overflow is None:
        refill = hub.can_refill and event_name in (Events.CHANNEL_MESSAGE, Events.CHANNEL_MESSAGE.value)
        overflow = "refill" if refill else "drop_newest"
    hub.on(
        event_name,
        handler,
        concurrency=concurrency,
        buffer=buffer,
        overflow=overflow,
        to_thread=to_thread,
    )


def off(self: MezonClient, event_name: str | Events, handler: Callable[..., Any] | None = None) -> None:
    """Remove *handler* (all handlers of *event_name* when None)."""
    _core(self).hub.off(event_name, handler)


def expect(
    self: MezonClient, kind: str | Events, predicate: Callable[[Any], bool] | None = None, *, buffer: int = 16
) -> Waiter:
    """A waiter for *kind* events matching *predicate*; enter it before the action you await."""
    _require_receiving(self, "expect()")
    return Waiter(self, kind, predicate, buffer)


async def wait_for(
    self: MezonClient,
    kind: str | Events,
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
    return await WaitingMixin.wait_for(self, kind, predicate, timeout=timeout)
