"""The event hub: fan-out of inbound events to scoped subscriptions and ``on()`` handlers.

The client's reader task calls :meth:`EventHub.publish` (or :meth:`EventHub.publish_envelope`) for
every event.  Publishing is synchronous and never waits: each subscriber owns a bounded buffer
(a ``deque``) and a :class:`trio.lowlevel.ParkingLot` its reader parks on, so one stuck consumer
cannot stall heartbeats or the other subscribers.  No task is started per event, and no
application code runs in the reader: typed conversion (:mod:`mezon_trio.events`) and the
``filter`` callables run in the subscriber's task, when it receives.  A subscriber's buffer
therefore also holds the events its conversion or filter will skip (an edit, for a
``MessageCreated`` stream): size ``buffer`` for the whole event name.

Overflow policies, per subscriber, chosen at subscription time and visible in :meth:`EventHub.statistics`:

``"close"`` (default of :meth:`EventHub.subscribe` / :meth:`EventHub.stream`)
    When an event arrives and the buffer is full, the subscription stops receiving.  It still
    yields every buffered event, then raises :class:`~mezon_trio.errors.StreamOverflow`
    (again on every further call).  Nothing is dropped silently.
``"drop_oldest"``
    The oldest buffered event is discarded to make room.  Counted in ``dropped`` and ``overflows``.
``"drop_newest"``
    The arriving event is discarded.  Counted likewise.  Default of :meth:`EventHub.on` handlers,
    which additionally log a warning (logger ``mezon_trio.client``, once per burst) and publish a
    ``handler_error`` event carrying a :class:`~mezon_trio.errors.StreamOverflow` with the number of
    events the handler missed.

Events are delivered in the order they were published.  A subscription starts receiving when
:meth:`~EventHub.subscribe` returns (not at the first ``receive``), so nothing published in
between is lost.  A :class:`Subscription` is a :class:`trio.abc.ReceiveChannel`: it is closed
deterministically by its scope (``async with``) or by ``aclose()``, never by the garbage
collector.  A bare ``async for`` over a subscription that is never closed keeps it registered
until the hub closes; with the default ``"close"`` policy it then holds at most ``buffer``
events and stops receiving at its first overflow.

Measured on the project machine (2 cores, Python 3.11, trio 0.35; /tmp micro-benchmark, best of 3):
``publish()`` costs ~0.11 µs when nobody listens, ~0.36 µs for one subscriber (buffer full,
drop_oldest); publish plus consumption by an ``async for`` costs ~4.6 µs per event for one
subscriber and ~12.7 µs for four, the same as ``trio`` memory channels (4.5 / 12.9 µs): the
consumer's checkpoint dominates.  The deque is kept because it allows ``drop_oldest`` and counting.
So a subscriber takes the events buffered in one turn (a schedule point at least every
``DRAIN_RUN`` events, :mod:`mezon_trio._subscription`): ~1.3 µs per event in
``bench.breakdown``'s consumer row, against ~6 µs with a schedule point per event; and the
reader, which delivers several pushes per wake-up, yields after a push that left a subscriber
with ``_BEHIND_AT`` events or a quarter of its buffer (:meth:`EventHub.take_behind`).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar, cast, final, overload

import betterproto2
import trio

from ._events.base import BaseEvent, HandlerDecorator, Selector, selector_of
from ._events.lifecycle import HandlerError, callable_name
from ._events.names import VARIANT_FIELD_NUMBERS, Event, Events, HubStatistics, Overflow
from ._models.message import Message, new_message
from ._proto.mezon import api
from ._proto.mezon import realtime as rt
from ._subscription import (
    _MEMBERS,
    _POLICIES,
    Subscription,
    _check_kind,
    _check_size,
    _Queue,
    _selectors,
    _Typed,
)
from .errors import ClientClosed, ConfigurationError, StreamOverflow

if TYPE_CHECKING:
    from ._catchup import RefillHook

__all__ = ["EventHub", "Subscription"]

log = logging.getLogger("mezon_trio.client")

E = TypeVar("E", bound=BaseEvent)
E1 = TypeVar("E1", bound=BaseEvent)
E2 = TypeVar("E2", bound=BaseEvent)
E3 = TypeVar("E3", bound=BaseEvent)
E4 = TypeVar("E4", bound=BaseEvent)

#: ``refill_factory(capacity, filter, unwrap)``: the refill hook of a new "refill" subscription.
RefillFactory = Callable[[int, "Callable[[Any], bool] | None", bool], "RefillHook"]

#: A typed event class or a selector (``mezon_trio.raw.of(...)``).
EventKey = type[E] | Selector[E]

# Variant names in field-number order; channel_message (6) is near the front, which keeps the scan short.
_VARIANT_NAMES: Final[tuple[str, ...]] = tuple(k.value for k in VARIANT_FIELD_NUMBERS)
_FIELD_NUMBERS: Final[dict[str, int]] = {k.value: n for k, n in VARIANT_FIELD_NUMBERS.items()}
_HANDLER_ERROR: Final = Events.HANDLER_ERROR.value


class _Handler:
    __slots__ = ("concurrency", "convert", "func", "kind", "name", "queue", "reported", "to_thread")

    def __init__(
        self,
        kind: str,
        func: Callable[[Any], object],
        queue: _Queue,
        convert: _Typed | None,
        *,
        concurrency: int,
        to_thread: bool,
    ) -> None:
        self.kind = kind
        self.func = func
        self.name = callable_name(func)
        self.queue = queue
        self.convert = convert
        self.concurrency = concurrency
        self.to_thread = to_thread
        self.reported = 0  # `queue.dropped` already reported as handler_error


@final
class EventHub:
    """Fans published events out to subscriptions and handlers.  Pure trio, no I/O.

    Every subscribing method takes either typed event classes (``MessageCreated``,
    ``ButtonClicked``...: :mod:`mezon_trio.events`) or selectors (``mezon_trio.raw.of(...)``),
    which give typed elements; or event names (``Events`` members, ``Envelope`` field names),
    which give the published payloads (the official SDK's way, kept for compat).

    Args:
        message_factory: turns a pushed ``api.ChannelMessage`` into the :class:`Message` delivered
            for ``channel_message`` (the client passes one bound to itself).  Only called when
            someone listens to ``channel_message``.
    """

    def __init__(
        self,
        *,
        message_factory: Callable[[api.ChannelMessage], Message] = new_message,
        refill_factory: RefillFactory | None = None,
    ) -> None:
        self._message_factory = message_factory
        self._refill_factory = refill_factory
        # kind -> queues listening to it; only non-empty entries; tuples replaced, never mutated,
        # so publish() can iterate one while a subscription is added or removed.
        self._routes: dict[str, tuple[_Queue, ...]] = {}
        self._queues: dict[_Queue, None] = {}  # live queues (ordered set), for statistics()
        self._wanted: frozenset[int] | None = None
        self._published = 0
        self._closed = False
        self._closed_event = trio.Event()
        self._handlers: list[_Handler] = []
        self._handler_nursery: trio.Nursery | None = None
        #: Set by :meth:`publish` when a subscriber's buffer holds ``_Queue.high`` items or more:
        #: the reader yields after this push (see :meth:`take_behind`).
        self.behind = False

    # ----------------------------------------------------------------- reader side

    def has_subscribers(self, kind: str) -> bool:
        """Whether anyone (subscription or handler) receives ``kind``.  O(1)."""
        return kind in self._routes

    def wanted_field_numbers(self) -> frozenset[int]:
        """``Envelope`` field numbers of the variants someone listens to.

        Cached; recomputed only after a subscription or handler is added or removed.  The reader
        can skip decoding frames whose variant is not in this set.
        """
        wanted = self._wanted
        if wanted is None:
            numbers = _FIELD_NUMBERS
            wanted = self._wanted = frozenset(numbers[k] for k in self._routes if k in numbers)
        return wanted

    def publish(self, kind: str, payload: object) -> None:
        """Hand ``payload`` to every subscriber of ``kind``; never blocks, never raises.

        Each subscriber's overflow policy applies when its buffer is full.  No conversion or
        filter runs here (they run in the subscribers' tasks).
        """
        self._published += 1
        queues = self._routes.get(kind)
        if queues is None:
            return
        event: Event[object] | None = None
        for q in queues:
            if q.unwrap:
                item: object = payload
            else:
                if event is None:
                    event = Event(_MEMBERS.get(kind, kind), payload)
                item = event
            buf = q.buf
            refill = q.refill
            if refill is not None and refill.offer(item, room=len(buf) < q.capacity):
                pass  # recorded by the refill hook (fetched again from history)
            elif len(buf) < q.capacity:
                buf.append(item)
                if len(buf) >= q.high:
                    self.behind = True
            elif q.overflow(item):  # "close": off the routing table
                self._unroute(q)
            if q.lot:
                q.lot.unpark()

    def take_behind(self) -> bool:
        """Whether a subscriber fell behind since the last call (then the reader should yield
        now, so that it catches up); clears the flag."""
        if self.behind:
            self.behind = False
            return True
        return False

    def publish_envelope(self, env: rt.Envelope, *, kind: str | None = None) -> None:
        """Publish the variant set in ``env`` (``channel_message`` through ``message_factory``).

        Args:
            env: a decoded push.
            kind: the variant's field name when the caller already knows it (skips the scan of
                the 99 oneof fields).

        Does nothing when nobody listens to that variant, or when no variant is set.
        """
        if kind is None:
            kind = _variant_name(env)
            if kind is None:
                return
        if kind not in self._routes:
            return
        payload = getattr(env, kind)
        if payload is None:
            return
        if kind == "channel_message":
            payload = self._message_factory(payload)
        self.publish(kind, payload)

    # ------------------------------------------------------------- subscriber side

    @overload
    def subscribe(
        self,
        a: EventKey[E1],
        /,
        *,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[E1], bool] | None = None,
    ) -> Subscription[E1]: ...
    @overload
    def subscribe(
        self,
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
        self,
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
        self,
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
        self,
        *kinds: str | Events,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Event[Any]], bool] | None = None,
    ) -> Subscription[Event[Any]]: ...
    def subscribe(
        self,
        *kinds: object,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription[Any]:
        """Subscribe to several event types at once; the elements are their union.

        With typed event classes / selectors, yields the typed events (in arrival order).  With
        event names, yields :class:`Event` records ``(kind, payload)``.

        Args:
            kinds: typed event classes or selectors; or event names (not both).
            buffer: events held for this subscriber before ``overflow`` applies.
            overflow: see the module docstring.
            filter: called in the receiving task with each event; only events for which it
                returns true are delivered.  If it raises, the subscription closes and the
                exception propagates from ``receive``.

        Raises:
            ConfigurationError: no kind, an unknown kind, typed and named kinds mixed, a bad
                ``buffer`` or ``overflow``.
            ClientClosed: the hub is closed.
        """
        return self._subscribe(kinds, buffer, overflow, filter, single=False)

    @overload
    def stream(
        self,
        kind: EventKey[E],
        *,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[E], bool] | None = None,
    ) -> Subscription[E]: ...
    @overload
    def stream(
        self,
        kind: str | Events,
        *,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription[Any]: ...
    def stream(
        self,
        kind: object,
        *,
        buffer: int = 256,
        overflow: Overflow = "close",
        filter: Callable[[Any], bool] | None = None,
    ) -> Subscription[Any]:
        """Subscribe to one event type: ``async with hub.stream(MessageCreated) as messages: ...``.

        A typed event class or selector yields typed events; an event name yields its payloads.
        Same arguments and errors as :meth:`subscribe`.
        """
        return self._subscribe((kind,), buffer, overflow, filter, single=True)

    def _subscribe(
        self,
        keys: tuple[object, ...],
        buffer: int,
        overflow: Overflow,
        filter: Callable[[Any], bool] | None,
        *,
        single: bool,
    ) -> Subscription[Any]:
        if not keys:
            raise ConfigurationError("subscribe() needs at least one event kind")
        selectors = _selectors(keys)
        convert: _Typed | None = None
        if selectors is None:
            names = tuple(dict.fromkeys(_check_kind(cast("str | Events", k)) for k in keys))
            unwrap = single
        else:
            convert = _Typed(selectors)
            names = tuple(dict.fromkeys(_check_kind(k) for sel in selectors for k in sel.kinds))
            unwrap = convert.single is not None
        _check_size("buffer", buffer)
        if overflow not in _POLICIES:
            raise ConfigurationError(f"overflow must be one of {sorted(_POLICIES)}, got {overflow!r}")
        if filter is not None and not callable(filter):
            raise ConfigurationError(f"filter must be callable, got {filter!r}")
        if self._closed:
            raise ClientClosed("the client is closed")
        queue = _Queue(names, name="subscription", capacity=buffer, policy_name=overflow, unwrap=unwrap)
        if overflow == "refill":
            queue.refill = self._make_refill(names, buffer, unwrap)
        self._attach(queue)
        return Subscription(self, queue, convert, filter)

    @property
    def can_refill(self) -> bool:
        """Whether ``channel_message`` subscriptions may use overflow ``"refill"`` (catch-up on)."""
        return self._refill_factory is not None

    def _make_refill(self, kinds: tuple[str, ...], buffer: int, unwrap: bool) -> RefillHook:
        if self._refill_factory is None or "channel_message" not in kinds:
            raise ConfigurationError("overflow='refill' needs a client with catch_up and channel_message")
        # Filters run in the subscriber's task, after the buffer: the hook records every message.
        return self._refill_factory(buffer, None, unwrap)

    def close(self) -> None:
        """Close the hub: every subscription ends after its buffered events (``EndOfChannel``).

        ``run_handlers`` returns once its handlers have processed what they had buffered.
        Further ``subscribe``/``on`` calls raise :class:`~mezon_trio.errors.ClientClosed`; later
        publishes are ignored.  Idempotent.
        """
        if self._closed:
            return
        self._closed = True
        self._routes = {}
        self._wanted = None
        for q in self._queues:
            q.closed = True
            q.lot.unpark_all()
        self._closed_event.set()

    @property
    def closed(self) -> bool:
        return self._closed

    def statistics(self) -> HubStatistics:
        """A snapshot: events published and the counters of every live subscription and handler."""
        return HubStatistics(
            published=self._published, subscriptions=tuple(q.statistics() for q in self._queues)
        )

    # -------------------------------------------------------------------- handlers

    @overload
    def on(
        self,
        kind: EventKey[E],
        handler: None = None,
        *,
        concurrency: int = 1,
        buffer: int = 1024,
        overflow: Overflow = "drop_newest",
        to_thread: bool = False,
    ) -> HandlerDecorator[E]: ...
    @overload
    def on(
        self,
        kind: EventKey[E],
        handler: Callable[[E], object],
        *,
        concurrency: int = 1,
        buffer: int = 1024,
        overflow: Overflow = "drop_newest",
        to_thread: bool = False,
    ) -> Callable[[E], object]: ...
    @overload
    def on(
        self,
        kind: str | Events,
        handler: Callable[[Any], Any | Awaitable[Any]],
        *,
        concurrency: int = 1,
        buffer: int = 1024,
        overflow: Overflow = "drop_newest",
        to_thread: bool = False,
    ) -> None: ...
    def on(
        self,
        kind: object,
        handler: Callable[[Any], object] | None = None,
        *,
        concurrency: int = 1,
        buffer: int = 1024,
        overflow: Overflow = "drop_newest",
        to_thread: bool = False,
    ) -> Any:
        """Call ``handler(event)`` for every *kind* event; without *handler*, a decorator.

        ::

            @hub.on(MessageCreated)
            async def greet(event: MessageCreated) -> None: ...

        Handlers run in the task of :meth:`run_handlers` (the client's nursery), never in the
        reader; typed conversion runs there too.  ``concurrency`` workers share one bounded
        queue: with 1 (the default) calls are sequential, in arrival order; with N at most N
        calls run at once.  A sync handler runs inline in its worker, so keep it short, or pass
        ``to_thread=True`` to run it with :func:`trio.to_thread.run_sync`.  A handler that
        returns an awaitable (async function) is awaited.  Exceptions are logged
        (``mezon_trio.client``) and published as :class:`~mezon_trio.events.HandlerError`
        (carrying the event and the handler); they never stop the client or other handlers.
        Events arriving while the queue (``buffer``) is full follow ``overflow``
        (``"drop_newest"`` or ``"drop_oldest"``), with a warning and a ``HandlerError``.  Events
        are queued from this call on, even before ``run_handlers`` starts.

        Returns:
            the handler (typed form), or a decorator registering its argument.

        Raises:
            ConfigurationError: unknown kind, bad sizes, ``overflow="close"``, or ``to_thread`` with
                an async function.
            ClientClosed: the hub is closed.
        """
        if handler is None:
            if selector_of(kind) is None:
                raise ConfigurationError(
                    "on(kind) without a handler (decorator form) needs a typed event class"
                )

            def decorator(func: Callable[[Any], object]) -> Callable[[Any], object]:
                self._on(kind, func, concurrency, buffer, overflow, to_thread)
                return func

            return decorator
        self._on(kind, handler, concurrency, buffer, overflow, to_thread)
        return handler if selector_of(kind) is not None else None

    def _on(
        self,
        kind: object,
        handler: Callable[[Any], object],
        concurrency: int,
        buffer: int,
        overflow: Overflow,
        to_thread: bool,
    ) -> None:
        selectors = _selectors((kind,))
        convert: _Typed | None = None
        if selectors is None:
            names: tuple[str, ...] = (_check_kind(cast("str | Events", kind)),)
            label = names[0]
        else:
            convert = _Typed(selectors)
            names = tuple(dict.fromkeys(_check_kind(k) for k in selectors[0].kinds))
            label = selectors[0].name
        if not callable(handler):
            raise ConfigurationError(f"handler must be callable, got {handler!r}")
        _check_size("concurrency", concurrency)
        _check_size("buffer", buffer)
        if overflow not in ("drop_newest", "drop_oldest", "refill"):
            raise ConfigurationError(
                f"handler overflow must be 'drop_newest', 'drop_oldest' or 'refill', got {overflow!r}"
            )
        if to_thread and inspect.iscoroutinefunction(handler):
            raise ConfigurationError("to_thread=True needs a sync handler")
        if self._closed:
            raise ClientClosed("the client is closed")
        queue = _Queue(
            names,
            name=f"handler:{callable_name(handler)}",
            capacity=buffer,
            policy_name=overflow,
            unwrap=convert is None or convert.single is not None,
            warn=True,
        )
        if overflow == "refill":
            queue.refill = self._make_refill(names, buffer, queue.unwrap)
        entry = _Handler(label, handler, queue, convert, concurrency=concurrency, to_thread=to_thread)
        self._handlers.append(entry)
        self._attach(queue)
        if self._handler_nursery is not None:
            self._start_workers(self._handler_nursery, entry)

    def off(self, kind: object, handler: Callable[..., object] | None = None) -> None:
        """Remove ``handler`` (every handler when ``None``) of ``kind``; their queued events are discarded.

        Calls already running finish.  Removing a handler that is not registered does nothing.
        """
        selectors = _selectors((kind,))
        name = _check_kind(cast("str | Events", kind)) if selectors is None else selectors[0].name
        keep: list[_Handler] = []
        for entry in self._handlers:
            if entry.kind == name and (handler is None or entry.func == handler):
                self._detach(entry.queue)
            else:
                keep.append(entry)
        self._handlers = keep

    async def run_handlers(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Run the registered handlers until cancelled or until the hub closes.

        Start it in the client's nursery (``await nursery.start(hub.run_handlers)``).  Handlers
        registered later are started here too.  After :meth:`close` it returns once every
        handler has drained its queue; cancel it to stop at once (running calls are cancelled,
        queued events stay queued for a later ``run_handlers``).

        Raises:
            ConfigurationError: it is already running.
        """
        if self._handler_nursery is not None:
            raise ConfigurationError("run_handlers() is already running")
        try:
            async with trio.open_nursery() as nursery:
                self._handler_nursery = nursery
                for entry in self._handlers:
                    self._start_workers(nursery, entry)
                task_status.started()
                await self._closed_event.wait()
                # Closed: the workers drain their queues and return on their own.
        finally:
            self._handler_nursery = None

    def _start_workers(self, nursery: trio.Nursery, entry: _Handler) -> None:
        for _ in range(entry.concurrency):
            nursery.start_soon(self._handler_worker, entry, name=f"mezon-handler:{entry.kind}:{entry.name}")

    async def _handler_worker(self, entry: _Handler) -> None:
        queue = entry.queue
        convert = entry.convert
        while True:
            try:
                item = await queue.receive()
            except StopAsyncIteration:
                return
            if queue.dropped != entry.reported:
                self._report_drops(entry)
            if convert is None:
                await self._call(entry, item)
                continue
            converted = convert(item)
            if converted is None:
                continue
            for event in converted if type(converted) is tuple else (converted,):
                await self._call(entry, event)

    async def _call(self, entry: _Handler, event: object) -> None:
        func = entry.func
        try:
            if entry.to_thread:
                result = await trio.to_thread.run_sync(func, event)
            else:
                result = func(event)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            log.error("handler %s for %s failed", entry.name, entry.kind, exc_info=exc)
            if entry.kind != _HANDLER_ERROR and entry.kind != "HandlerError":
                # never feed a failing error handler its own errors
                self.publish(
                    _HANDLER_ERROR, HandlerError(event=event, handler=func, error=exc, kind=entry.kind)
                )

    def _report_drops(self, entry: _Handler) -> None:
        dropped = entry.queue.dropped - entry.reported
        entry.reported = entry.queue.dropped
        entry.queue.warned = False
        if entry.kind in (_HANDLER_ERROR, "HandlerError"):
            return
        error = StreamOverflow(
            f"handler {entry.name} for {entry.kind} fell behind: {dropped} events dropped", dropped=dropped
        )
        self.publish(
            _HANDLER_ERROR, HandlerError(event=None, handler=entry.func, error=error, kind=entry.kind)
        )

    # -------------------------------------------------------------------- internals

    def _attach(self, queue: _Queue) -> None:
        routes = self._routes
        for kind in queue.kinds:
            routes[kind] = (*routes.get(kind, ()), queue)
        self._queues[queue] = None
        self._wanted = None

    def _unroute(self, queue: _Queue) -> None:
        """Stop delivering to ``queue`` (its buffer and statistics remain)."""
        queue.closed = True
        routes = self._routes
        for kind in queue.kinds:
            current = routes.get(kind)
            if current is None:
                continue
            rest = tuple(q for q in current if q is not queue)
            if rest:
                routes[kind] = rest
            else:
                del routes[kind]
        self._wanted = None
        queue.lot.unpark_all()

    def _detach(self, queue: _Queue) -> None:
        """Remove ``queue`` for good and discard its buffer (its owner closed it)."""
        if queue.detached:
            return
        queue.detached = True
        self._unroute(queue)
        queue.buf.clear()
        queue.error = None
        self._queues.pop(queue, None)


def _variant_name(env: rt.Envelope) -> str | None:
    """Field name of the oneof variant set in ``env``.

    betterproto2's ``which_one_of`` walks an unordered set of 99 fields with ``getattr`` (~4 µs);
    reading the instance dict in field-number order finds ``channel_message`` in ~0.2 µs.
    """
    try:
        values = vars(env)
        for name in _VARIANT_NAMES:
            if values[name] is not None:
                return name
    except (TypeError, KeyError):  # a betterproto2 without a plain instance dict
        name, value = betterproto2.which_one_of(env, "message")
        return name if value is not None else None
    return None
