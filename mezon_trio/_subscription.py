"""Subscriptions of the event hub: bounded per-subscriber queues and the public :class:`Subscription`.

See :mod:`mezon_trio._streams` for the hub and the overflow policies.  The reader only appends
to a subscriber's queue; everything else a subscriber asks for (typed conversion, its
``filter``) runs here, in the receiving task.
"""

from __future__ import annotations

import logging
import warnings
from collections import deque
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, Protocol, TypeVar, cast, final, get_args

import trio

from ._events.base import BaseEvent, Selector, selector_of
from ._events.names import Event, Events, Overflow, SubscriptionStatistics
from .errors import ConfigurationError, StreamOverflow

if TYPE_CHECKING:
    from ._catchup import RefillHook

__all__ = ["Subscription"]

log = logging.getLogger("mezon_trio.client")

T = TypeVar("T")


_SKIP: Final = object()  # a buffered item that gives no event for this subscriber

#: Buffered items a subscriber takes in a row without a schedule point (each receive is still
#: a cancel point).  The reader delivers up to ``YIELD_EVERY`` pushes per wake-up; a subscriber
#: taking them all in its turn keeps pace (one taking one per schedule point would fall
#: behind by the rest every round).  At least one schedule point per this many items.
DRAIN_RUN: Final = 64
#: Buffered items at which a subscriber counts as behind: the hub then asks the reader to
#: yield after the push (:attr:`EventHub.behind`), so a consumer that yields per item
#: (a pipeline through a memory channel) gets a turn per push, as before.
_BEHIND_AT: Final = 32


class _Owner(Protocol):
    def _detach(self, queue: _Queue, /) -> None: ...


_CLOSE: Final = 0
_DROP_OLDEST: Final = 1
_DROP_NEWEST: Final = 2
_REFILL: Final = 3
_POLICIES: Final[dict[str, int]] = {
    "close": _CLOSE,
    "drop_oldest": _DROP_OLDEST,
    "drop_newest": _DROP_NEWEST,
    "refill": _REFILL,
}
assert set(_POLICIES) == set(get_args(Overflow))

# str -> Events member, to give Event.kind the enum member without calling Events(...) per event.
_MEMBERS: Final[dict[str, Events]] = {m.value: m for m in Events}

# Converts one buffered item into zero or more delivered items (runs in the subscriber's task).
_Convert = Callable[[object], tuple[object, ...] | object | None]


def _check_kind(kind: str | Events) -> str:
    if isinstance(kind, Events):
        return kind.value
    if not isinstance(kind, str) or kind not in _MEMBERS:
        raise ConfigurationError(
            f"unknown event name {kind!r}: use a typed event class, an Events member or an Envelope "
            "variant field name"
        )
    return kind


def _check_size(name: str, value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ConfigurationError(f"{name} must be a positive int, got {value!r}")


def _selectors(keys: tuple[object, ...]) -> tuple[Selector[BaseEvent], ...] | None:
    """The selectors of typed keys; None when every key is an event name; error when mixed."""
    found = [selector_of(k) for k in keys]
    if all(s is None for s in found):
        return None
    if any(s is None for s in found):
        bad = next(k for k, s in zip(keys, found, strict=True) if s is None)
        raise ConfigurationError(
            f"{bad!r} is not a typed event class or selector (event names and typed events cannot be mixed)"
        )
    return tuple(s for s in found if s is not None)


class _Typed:
    """The conversion of a typed subscription: buffered items -> typed events."""

    __slots__ = ("by_kind", "only", "single")

    def __init__(self, selectors: tuple[Selector[BaseEvent], ...]) -> None:
        by_kind: dict[str, list[Selector[BaseEvent]]] = {}
        for sel in selectors:
            for kind in sel.kinds:
                by_kind.setdefault(kind, []).append(sel)
        self.by_kind = {k: tuple(v) for k, v in by_kind.items()}
        # One kind: the buffer holds bare payloads; several: Event records (kind, payload).
        self.single = next(iter(self.by_kind)) if len(self.by_kind) == 1 else None
        # The common case (one selector of one kind, one event per push) skips the loop below.
        only = selectors[0]
        self.only = only if self.single is not None and len(selectors) == 1 and not only.many else None

    def __call__(self, item: object) -> tuple[object, ...] | object | None:
        only = self.only
        if only is not None:
            try:
                return only.convert(only.kinds[0], item)
            except Exception as exc:  # a payload the converter cannot read: skip it, loudly
                log.warning("could not convert a %s event to %s: %r", only.kinds[0], only.name, exc)
                return None
        if self.single is not None:
            kind, payload = self.single, item
        else:
            assert isinstance(item, Event)
            kind, payload = item.kind, item.payload
        for sel in self.by_kind[kind]:
            try:
                converted = sel.convert(kind, payload)
            except Exception as exc:  # a payload the converter cannot read: skip it, loudly
                log.warning("could not convert a %s event to %s: %r", kind, sel.name, exc)
                continue
            if sel.many:
                assert isinstance(converted, tuple)
                if converted:
                    return converted
            elif converted is not None:
                return converted
        return None


class _Queue:
    """State of one subscriber, owned by the hub."""

    __slots__ = (
        "buf",
        "capacity",
        "closed",
        "delivered",
        "detached",
        "dropped",
        "error",
        "high",
        "kinds",
        "lot",
        "name",
        "overflows",
        "policy",
        "policy_name",
        "refill",
        "run",
        "unwrap",
        "warn",
        "warned",
    )

    def __init__(
        self,
        kinds: tuple[str, ...],
        *,
        name: str,
        capacity: int,
        policy_name: Overflow,
        unwrap: bool,
        warn: bool = False,
    ) -> None:
        self.kinds = kinds
        self.name = name
        self.capacity = capacity
        self.high = max(1, min(_BEHIND_AT, capacity // 4))  # buffered items that mean "behind"
        self.run = 0  # items taken since the last schedule point
        self.policy_name = policy_name
        self.policy = _POLICIES[policy_name]
        self.unwrap = unwrap  # buffer payloads (one kind) rather than Event records
        self.buf: deque[Any] = deque()
        self.lot = trio.lowlevel.ParkingLot()
        self.delivered = 0
        self.dropped = 0
        self.overflows = 0
        self.warn = warn  # log a warning when a drop policy drops (handler queues)
        self.warned = False  # warned since the drops were last reported
        self.closed = False  # receives no more events (buffered ones may remain)
        self.detached = False  # gone from the hub for good (closed by its owner)
        self.error: BaseException | None = None  # raised once the buffer is drained
        self.refill: RefillHook | None = None  # policy "refill": records and refetches chat messages

    async def receive(self) -> Any:
        """Next item; raises StopAsyncIteration (or the stored error) once closed and drained."""
        await trio.lowlevel.checkpoint_if_cancelled()
        parked = False
        while True:
            buf = self.buf
            refill = self.refill
            if refill is not None and not self.closed and refill.wants_fetch(len(buf)):
                buf.extend(await refill.fetch(self.capacity - len(buf)))  # a checkpoint; loses nothing
                parked = True
                if not buf:
                    continue
            if buf:
                item = buf.popleft()
                self.delivered += 1
                if parked:
                    # The park was the schedule point (a blocked receive of a memory channel
                    # returns at once when woken, too): no second one.
                    self.run = 0
                elif self.run < DRAIN_RUN:
                    # A burst the reader delivered in one wake-up: take it in this turn (the
                    # cancel point above was the check; see DRAIN_RUN).
                    self.run += 1
                else:
                    # Like trio's memory channels: the item is ours, so do not let a cancel lose it.
                    self.run = 0
                    await trio.lowlevel.cancel_shielded_checkpoint()
                return item
            if self.closed:
                await trio.lowlevel.cancel_shielded_checkpoint()
                if self.error is not None:
                    raise self.error
                raise StopAsyncIteration
            await self.lot.park()
            parked = True

    def overflow(self, item: object) -> bool:
        """Apply the overflow policy to *item*, which found the buffer full; True: stop routing here."""
        self.overflows += 1
        self.dropped += 1
        policy = self.policy
        if policy == _CLOSE:
            self.error = StreamOverflow(
                f"subscriber to {', '.join(self.kinds)} fell behind: buffer of {self.capacity} events full",
                dropped=self.dropped,
            )
            return True
        if policy == _DROP_OLDEST:
            self.buf.popleft()
            self.buf.append(item)
        if self.warn and not self.warned:
            self.warned = True
            log.warning(
                "%s for %s is behind: dropping events (%s)", self.name, self.kinds[0], self.policy_name
            )
        return False

    def statistics(self) -> SubscriptionStatistics:
        return SubscriptionStatistics(
            kinds=self.kinds,
            name=self.name,
            overflow=self.policy_name,
            buffer_size=self.capacity,
            buffered=len(self.buf),
            delivered=self.delivered,
            dropped=self.dropped,
            overflows=self.overflows,
            closed=self.closed,
        )


@final
class Subscription(trio.abc.ReceiveChannel[T]):
    """A live subscription: a :class:`trio.abc.ReceiveChannel` of events.

    Returned by :meth:`EventHub.stream` / :meth:`EventHub.subscribe` (and the client's methods of
    the same names).  Use it scoped: ``async with hub.stream(MessageCreated) as sub: async for ev
    in sub: ...`` -- leaving the block unsubscribes.  :meth:`receive` returns the next event and
    raises :class:`trio.EndOfChannel` once the hub closed and the buffered events were
    delivered (``async for`` then ends), :class:`~mezon_trio.errors.StreamOverflow` after the
    buffered events if a ``"close"`` subscription overflowed, and
    :class:`trio.ClosedResourceError` after :meth:`aclose`.  Several tasks may receive from one
    subscription; each event goes to one of them.  ``receive`` is a cancel point, and a
    schedule point when it waits and at least once per ``DRAIN_RUN`` (64) events taken in a
    row (a burst the reader delivered in one wake-up is taken in one turn); cancelling it
    never loses an event.

    Typed conversion and the ``filter`` run here, in the receiving task.  A ``filter`` that
    raises closes the subscription and its exception propagates from :meth:`receive`.

    Not constructed directly.
    """

    __slots__ = ("_convert", "_filter", "_hub", "_pending", "_queue")

    def __init__(
        self,
        hub: _Owner,
        queue: _Queue,
        convert: _Typed | None,
        filter: Callable[[T], bool] | None,
        /,
    ) -> None:
        self._hub = hub
        self._queue = queue
        self._convert = convert
        self._filter = filter
        self._pending: deque[T] = deque()  # the rest of a push that made several events

    def __repr__(self) -> str:
        q = self._queue
        return f"<Subscription kinds={list(q.kinds)} buffered={len(q.buf)} closed={q.closed}>"

    @property
    def kinds(self) -> tuple[str, ...]:
        """The event names this subscription receives."""
        return self._queue.kinds

    @property
    def closed(self) -> bool:
        """True once it receives no more events (closed, hub closed, or overflowed)."""
        return self._queue.closed

    async def receive(self) -> T:
        """The next event (see the class docstring for the end-of-stream exceptions)."""
        queue = self._queue
        while True:
            if self._pending:
                await trio.lowlevel.checkpoint()
                item: object = self._pending.popleft()
            else:
                if queue.detached:
                    await trio.lowlevel.checkpoint()
                    raise trio.ClosedResourceError("this subscription was closed")
                try:
                    item = await queue.receive()
                except StopAsyncIteration:
                    if queue.detached:
                        raise trio.ClosedResourceError("this subscription was closed") from None
                    raise trio.EndOfChannel from None
                convert = self._convert
                if convert is not None:
                    # Inlined _converted() (this is the per-message path of typed streams).
                    converted = convert(item)
                    if converted is None:
                        continue
                    item = self._split(converted) if type(converted) is tuple else converted
            if self._filter is None or self._accepts(item):
                return cast(T, item)

    def receive_nowait(self) -> T:
        """The next buffered event without waiting (no checkpoint).

        Raises:
            trio.WouldBlock: nothing is buffered (or everything buffered was skipped).
            trio.EndOfChannel / trio.ClosedResourceError / StreamOverflow: as :meth:`receive`.
        """
        queue = self._queue
        while True:
            if self._pending:
                item: object = self._pending.popleft()
            else:
                if queue.detached:
                    raise trio.ClosedResourceError("this subscription was closed")
                if not queue.buf:
                    if not queue.closed:
                        raise trio.WouldBlock
                    if queue.error is not None:
                        raise queue.error
                    raise trio.EndOfChannel
                item = queue.buf.popleft()
                queue.delivered += 1
                if self._convert is not None:
                    item = self._converted(item)
            if item is not _SKIP and (self._filter is None or self._accepts(item)):
                return cast(T, item)

    def _converted(self, item: object) -> object:
        """The typed event of a buffered item (the rest of a multi-event push is kept); _SKIP if none."""
        assert self._convert is not None
        converted = self._convert(item)
        if converted is None:
            return _SKIP
        if type(converted) is tuple:
            return self._split(converted)
        return converted

    def _split(self, events: tuple[object, ...]) -> object:
        """The first of several events made from one push; the others are delivered next."""
        self._pending.extend(cast("tuple[T, ...]", events[1:]))
        return events[0]

    def _accepts(self, item: object) -> bool:
        """The user's filter (a filter that raises closes the subscription)."""
        check = self._filter
        if check is None:
            return True
        try:
            return check(cast(T, item))
        except BaseException:
            self._hub._detach(self._queue)
            raise

    def close(self) -> None:
        """Deprecated: ``await subscription.aclose()`` (or leave its ``async with``); kept for one release."""
        warnings.warn(
            "Subscription.close() is deprecated: use await subscription.aclose() or `async with`",
            DeprecationWarning,
            stacklevel=2,
        )
        self._unsubscribe()

    async def aclose(self) -> None:
        """Unsubscribe now and discard buffered events (idempotent).

        A task blocked in :meth:`receive` then gets :class:`trio.ClosedResourceError`.
        """
        self._unsubscribe()
        await trio.lowlevel.checkpoint()

    def _unsubscribe(self) -> None:
        self._hub._detach(self._queue)
        self._pending.clear()

    def statistics(self) -> SubscriptionStatistics:
        """Counters of this subscription (buffered, delivered, dropped, overflows)."""
        return self._queue.statistics()
