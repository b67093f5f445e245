"""EventHub subscriptions: ordering, fan-out, filters, overflow policies, cleanup, close."""

from __future__ import annotations

import gc
from typing import Any

import pytest
import trio
import trio.lowlevel
import trio.testing

from mezon_trio._models.message import new_message
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._streams import EventHub, Subscription
from mezon_trio._subscription import DRAIN_RUN
from mezon_trio.errors import ClientClosed, ConfigurationError, StreamOverflow
from mezon_trio.events import PAYLOAD_TYPES, VARIANT_FIELD_NUMBERS, Event, Events
from mezon_trio.models import Message
from mezon_trio.raw import message_payload

CM = Events.CHANNEL_MESSAGE
CLICK = Events.MESSAGE_BUTTON_CLICKED


async def drain(sub: Subscription[Any], n: int) -> list[Any]:
    out = []
    for _ in range(n):
        out.append(await sub.__anext__())
    return out


async def test_order_preserved() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        async with hub.stream(CM, buffer=1000) as sub:
            for i in range(1000):
                hub.publish(CM, i)
            assert await drain(sub, 1000) == list(range(1000))
            assert sub.statistics().delivered == 1000


async def test_order_preserved_with_concurrent_consumer() -> None:
    hub = EventHub()
    got: list[int] = []
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery, hub.stream(CM, buffer=8) as sub:

            async def consume() -> None:
                async for item in sub:
                    got.append(item)
                    if item == 499:
                        return

            nursery.start_soon(consume)
            for i in range(500):
                hub.publish(CM, i)
                if i % 5 == 4:
                    await trio.testing.wait_all_tasks_blocked()
    assert got == list(range(500))


async def test_every_subscriber_gets_every_event() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        subs = [hub.stream(CM) for _ in range(3)]
        multi = hub.subscribe(CM, CLICK)
        for i in range(10):
            hub.publish(CM, i)
        for sub in subs:
            assert await drain(sub, 10) == list(range(10))
        events = await drain(multi, 10)
        assert [e.payload for e in events] == list(range(10))
        assert all(e.kind is CM for e in events)
        # Multi-kind subscribers share one Event record per publish.
        other = hub.subscribe(CM)
        hub.publish(CM, "x")
        a, b = await multi.__anext__(), await other.__anext__()
        assert a is b


async def test_multi_kind_subscription_with_filter() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        seen: list[Event[Any]] = []

        def only_even_or_click(ev: Event[Any]) -> bool:
            seen.append(ev)
            return ev.kind is CLICK or ev.payload % 2 == 0

        async with hub.subscribe(CM, CLICK, filter=only_even_or_click) as sub:
            assert set(sub.kinds) == {"channel_message", "message_button_clicked"}
            click = rt.MessageButtonClicked(button_id="yes")
            hub.publish(CM, 1)
            hub.publish(CM, 2)
            hub.publish(CLICK, click)
            hub.publish(Events.CHANNEL_PRESENCE_EVENT, 3)  # not subscribed
            hub.publish(CM, 4)
            got = await drain(sub, 3)
            assert got == [Event(CM, 2), Event(CLICK, click), Event(CM, 4)]
            assert isinstance(got[0], Event)
            assert len(seen) == 4
            assert sub.statistics().buffered == 0


async def test_stream_filter_gets_payload() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        sub = hub.stream(CM, filter=lambda p: p > 1)
        for i in range(4):
            hub.publish(CM, i)
        assert await drain(sub, 2) == [2, 3]


async def test_filter_exception_ends_subscription_after_buffered() -> None:
    hub = EventHub()

    def bad(p: int) -> bool:
        if p == 2:
            raise ValueError("boom")
        return True

    with trio.fail_after(5):
        sub = hub.stream(CM, filter=bad)
        for i in range(4):
            hub.publish(CM, i)
        assert await drain(sub, 2) == [0, 1]
        with pytest.raises(ValueError, match="boom"):
            await sub.__anext__()
        assert not hub.has_subscribers(CM)


async def test_overflow_close_raises_after_buffered_items() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        sub = hub.stream(CM, buffer=3)  # "close" is the default
        other = hub.stream(CM, buffer=100)
        for i in range(6):
            hub.publish(CM, i)
        stats = sub.statistics()
        assert (stats.buffered, stats.overflows, stats.dropped, stats.closed) == (3, 1, 1, True)
        assert stats.overflow == "close"
        assert await drain(sub, 3) == [0, 1, 2]
        with pytest.raises(StreamOverflow) as info:
            await sub.__anext__()
        assert info.value.dropped == 1
        with pytest.raises(StreamOverflow):  # sticky
            await sub.__anext__()
        # The overflowed subscriber is off the routing table; the other one saw everything.
        assert await drain(other, 6) == list(range(6))
        await other.aclose()
        assert not hub.has_subscribers(CM)
        assert hub.statistics().overflows == 1


async def test_overflow_close_bare_async_for() -> None:
    hub = EventHub()
    got = []
    with trio.fail_after(5):
        sub = hub.stream(CM, buffer=2)
        for i in range(5):
            hub.publish(CM, i)

        async def loop() -> None:
            async for item in sub:
                got.append(item)

        with pytest.raises(StreamOverflow):
            await loop()
    assert got == [0, 1]


async def test_overflow_drop_oldest() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        sub = hub.stream(CM, buffer=3, overflow="drop_oldest")
        for i in range(10):
            hub.publish(CM, i)
        stats = sub.statistics()
        assert (stats.buffered, stats.dropped, stats.overflows, stats.closed) == (3, 7, 7, False)
        assert await drain(sub, 3) == [7, 8, 9]
        hub.publish(CM, 10)
        assert await drain(sub, 1) == [10]
        assert hub.statistics().dropped == 7


async def test_overflow_drop_newest() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        sub = hub.subscribe(CM, buffer=3, overflow="drop_newest")
        for i in range(10):
            hub.publish(CM, i)
        stats = sub.statistics()
        assert (stats.buffered, stats.dropped, stats.overflows, stats.overflow) == (3, 7, 7, "drop_newest")
        assert [e.payload for e in await drain(sub, 3)] == [0, 1, 2]
        hub.publish(CM, 10)
        assert [e.payload for e in await drain(sub, 1)] == [10]


class Payload:
    alive = 0

    def __init__(self, n: int) -> None:
        self.n = n
        Payload.alive += 1

    def __del__(self) -> None:
        Payload.alive -= 1


async def test_stalled_subscriber_blocks_nobody_and_stays_bounded() -> None:
    hub = EventHub()
    total = 100_000
    got = 0
    Payload.alive = 0
    with trio.fail_after(60):
        stalled_drop = hub.stream(CM, buffer=16, overflow="drop_oldest")
        stalled_close = hub.stream(CM, buffer=16)
        async with trio.open_nursery() as nursery, hub.stream(CM, buffer=1000) as reader:

            async def consume() -> None:
                nonlocal got
                async for p in reader:
                    assert p.n == got
                    got += 1
                    if got == total:
                        return

            nursery.start_soon(consume)
            peak = 0
            for i in range(total):
                hub.publish(CM, Payload(i))
                if i % 500 == 499:
                    peak = max(peak, Payload.alive)
                    await trio.testing.wait_all_tasks_blocked()
    assert got == total
    # Never more alive than the three buffers can hold (16 + 16-ish + 500 in flight to the reader).
    assert peak <= 16 + 16 + 500 + 1
    assert stalled_drop.statistics().buffered == 16
    assert stalled_drop.statistics().dropped == total - 16
    assert stalled_close.statistics().buffered == 16
    assert stalled_close.statistics().overflows == 1
    assert hub.statistics().published == total


async def test_scope_unsubscribes_deterministically() -> None:
    hub = EventHub()
    with trio.fail_after(5):

        async def first() -> Any:
            async with hub.stream(CM) as sub:
                async for item in sub:
                    return item
            return None

        async with trio.open_nursery() as nursery:
            nursery.start_soon(first)
            await trio.testing.wait_all_tasks_blocked()
            assert hub.has_subscribers(CM)
            hub.publish(CM, 1)
        # Left its scope: gone at once, without the garbage collector.
        assert not hub.has_subscribers(CM)
        assert hub.wanted_field_numbers() == frozenset()
        assert hub.statistics().subscriptions == ()


async def test_abandoned_bare_subscription_is_bounded_not_collected() -> None:
    hub = EventHub()
    hub.subscribe(CM, CLICK, buffer=4)  # dropped at once
    gc.collect()
    # No __del__ cleanup: still registered until it overflows ("close") or the hub closes...
    assert hub.has_subscribers(CLICK)
    for i in range(10):
        hub.publish(CM, i)
    # ...and its first overflow took it off the routing table, holding at most `buffer` events.
    assert not hub.has_subscribers(CM)
    (stats,) = hub.statistics().subscriptions
    assert (stats.buffered, stats.closed) == (4, True)
    hub.close()


async def test_receive_after_aclose_raises_closed_resource() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        sub = hub.stream(CM)
        assert isinstance(sub, trio.abc.ReceiveChannel)
        hub.publish(CM, 1)
        await sub.aclose()
        with pytest.raises(trio.ClosedResourceError):
            await sub.receive()
        with pytest.raises(trio.ClosedResourceError):
            sub.receive_nowait()
        hub.close()
        other = EventHub()
        live = other.stream(CM)
        other.publish(CM, "a")
        assert live.receive_nowait() == "a"
        with pytest.raises(trio.WouldBlock):
            live.receive_nowait()
        other.close()
        with pytest.raises(trio.EndOfChannel):
            await live.receive()


@pytest.mark.parametrize("form", ["scoped", "bare"])
async def test_hub_close_ends_iteration(form: str) -> None:
    hub = EventHub()
    got: list[int] = []
    done = trio.Event()
    with trio.fail_after(5):
        sub = hub.stream(CM)

        async def consume() -> None:
            if form == "scoped":
                async with sub:
                    async for item in sub:
                        got.append(item)
            else:
                async for item in sub:
                    got.append(item)
            done.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(consume)
            hub.publish(CM, 1)
            await trio.testing.wait_all_tasks_blocked()  # consumer parked on an empty buffer
            hub.publish(CM, 2)
            hub.publish(CM, 3)
            hub.close()  # buffered 2, 3 are still delivered
            hub.publish(CM, 4)  # ignored
        assert done.is_set()
        assert got == [1, 2, 3]
        with pytest.raises(ClientClosed):
            hub.subscribe(CM)
        # After the hub closed: the end of the channel; after the scope closed it: closed.
        expected = trio.ClosedResourceError if form == "scoped" else StopAsyncIteration
        with pytest.raises(expected):
            await sub.__anext__()


async def test_close_by_consumer_wakes_other_reader() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        sub = hub.stream(CM)
        ended = trio.Event()

        async def consume() -> None:
            with pytest.raises(trio.ClosedResourceError):  # trio: a channel closed under a receiver
                async for _ in sub:
                    pass
            ended.set()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(consume)
            await trio.testing.wait_all_tasks_blocked()
            hub.publish(CM, 1)
            await trio.testing.wait_all_tasks_blocked()
            hub.publish(CM, 2)
            await sub.aclose()
        assert ended.is_set()
        assert sub.closed
        assert not hub.has_subscribers(CM)
        assert sub.statistics().buffered == 0


async def test_cancelled_receive_loses_nothing() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        sub = hub.stream(CM)
        with trio.move_on_after(0.01):
            await sub.__anext__()
        hub.publish(CM, "kept")
        with trio.CancelScope() as scope:
            scope.cancel()
            with pytest.raises(trio.Cancelled):
                await sub.__anext__()  # a checkpoint even with an item ready
        assert await sub.__anext__() == "kept"


async def test_wanted_field_numbers_cached_and_invalidated() -> None:
    hub = EventHub()
    assert hub.wanted_field_numbers() == frozenset()
    a = hub.stream(CM)
    w1 = hub.wanted_field_numbers()
    assert w1 == {6}
    assert hub.wanted_field_numbers() is w1  # cached
    b = hub.subscribe(CLICK, Events.READY)  # lifecycle kinds have no field number
    assert hub.wanted_field_numbers() == {6, VARIANT_FIELD_NUMBERS[CLICK]}
    assert hub.has_subscribers("ready")
    await a.aclose()
    assert hub.wanted_field_numbers() == {60}
    assert not hub.has_subscribers(CM)
    await b.aclose()
    await b.aclose()  # idempotent
    assert hub.wanted_field_numbers() == frozenset()


async def test_publish_envelope() -> None:
    made: list[api.ChannelMessage] = []

    def factory(raw: api.ChannelMessage) -> Message:
        made.append(raw)
        return new_message(raw)

    hub = EventHub(message_factory=factory)
    with trio.fail_after(5):
        raw = api.ChannelMessage(message_id=5, content='{"t":"hi"}')
        hub.publish_envelope(rt.Envelope(channel_message=raw))
        assert made == []  # nobody listens: no Message built
        msgs = hub.stream(CM)
        clicks = hub.stream("message_button_clicked")
        hub.publish_envelope(rt.Envelope(channel_message=raw))
        click = rt.MessageButtonClicked(button_id="b")
        hub.publish_envelope(rt.Envelope(message_button_clicked=click))
        hub.publish_envelope(rt.Envelope(cid=3))  # no variant: ignored
        hub.publish_envelope(rt.Envelope(message_button_clicked=click), kind="message_button_clicked")
        msg = await msgs.__anext__()
        assert isinstance(msg, Message)
        assert message_payload(msg) is raw
        assert msg.text == "hi"
        assert msg._services is None
        assert await drain(clicks, 2) == [click, click]
        assert made == [raw]
        # Every variant is routed by its field name.
        for kind in VARIANT_FIELD_NUMBERS:
            if kind is CM:
                continue
            sub = hub.stream(kind)
            env = rt.Envelope.parse(bytes(rt.Envelope(**{kind.value: PAYLOAD_TYPES[kind]()})))
            hub.publish_envelope(env)
            assert (await sub.__anext__()) is getattr(env, kind.value), kind
            await sub.aclose()


async def test_bad_arguments() -> None:
    hub = EventHub()
    with pytest.raises(ConfigurationError):
        hub.subscribe()
    with pytest.raises(ConfigurationError, match="unknown event"):
        hub.subscribe("chanel_message")
    with pytest.raises(ConfigurationError):
        hub.stream(CM, buffer=0)
    with pytest.raises(ConfigurationError):
        hub.stream(CM, overflow="spill")  # type: ignore[arg-type]
    assert hub.statistics().subscriptions == ()


async def test_receive_is_a_schedule_point() -> None:
    # A consumer with a full buffer must still let other tasks (the reader, heartbeats) run:
    # it takes a burst in one turn (no scheduler round per item), but yields at least once
    # per DRAIN_RUN + 1 items.
    hub = EventHub()
    ticks = 0
    n = 10 * (DRAIN_RUN + 1)
    with trio.fail_after(5):
        sub = hub.stream(CM, buffer=n)
        for i in range(n):
            hub.publish(CM, i)
        async with trio.open_nursery() as nursery:

            async def ticker() -> None:
                nonlocal ticks
                while True:
                    ticks += 1
                    await trio.lowlevel.checkpoint()

            nursery.start_soon(ticker)
            await trio.lowlevel.checkpoint()
            before = ticks
            assert await drain(sub, n) == list(range(n))
            # 10 schedule points: the ticker ran between each two (trio runs every runnable
            # task once per round, in any order).
            assert 9 <= ticks - before <= 11
            nursery.cancel_scope.cancel()
