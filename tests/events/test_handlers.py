"""on()/off()/run_handlers(): official-SDK style handlers inside the caller's nursery."""

from __future__ import annotations

import logging
import threading
from typing import Any

import pytest
import trio
import trio.lowlevel
import trio.testing

from mezon_trio._streams import EventHub
from mezon_trio.errors import ConfigurationError, StreamOverflow
from mezon_trio.events import Events, HandlerError

CM = Events.CHANNEL_MESSAGE


def _task_count() -> int:
    def walk(task: trio.lowlevel.Task) -> int:
        return 1 + sum(walk(child) for nursery in task.child_nurseries for child in nursery.child_tasks)

    return walk(trio.lowlevel.current_root_task())


async def test_sync_and_async_handlers() -> None:
    hub = EventHub()
    sync_got: list[int] = []
    async_got: list[int] = []

    async def async_handler(p: int) -> None:
        await trio.lowlevel.checkpoint()
        async_got.append(p)

    hub.on(CM, sync_got.append)
    hub.on("channel_message", async_handler)
    for i in range(3):
        hub.publish(CM, i)  # queued before run_handlers starts
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            for i in range(3, 6):
                hub.publish(CM, i)
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    assert sync_got == list(range(6))
    assert async_got == list(range(6))


async def test_concurrency_one_keeps_arrival_order(autojump_clock: trio.abc.Clock) -> None:
    hub = EventHub()
    got: list[int] = []
    in_flight = 0
    peak = 0
    all_done = trio.Event()

    async def handler(p: int) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await trio.sleep((7 * p) % 5 / 10)  # later events finish sooner if run concurrently
        in_flight -= 1
        got.append(p)
        if len(got) == 20:
            all_done.set()

    hub.on(CM, handler)
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            for i in range(20):
                hub.publish(CM, i)
            await all_done.wait()
            nursery.cancel_scope.cancel()
    assert got == list(range(20))
    assert peak == 1


@pytest.mark.parametrize("limit", [2, 5])
async def test_bounded_concurrency(autojump_clock: trio.abc.Clock, limit: int) -> None:
    hub = EventHub()
    in_flight = 0
    peak = 0
    done = 0
    all_done = trio.Event()

    async def handler(p: int) -> None:
        nonlocal in_flight, peak, done
        in_flight += 1
        peak = max(peak, in_flight)
        await trio.sleep(1)
        in_flight -= 1
        done += 1
        if done == 20:
            all_done.set()

    hub.on(CM, handler, concurrency=limit)
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            start = trio.current_time()
            for i in range(20):
                hub.publish(CM, i)
            await all_done.wait()
            elapsed = trio.current_time() - start
            nursery.cancel_scope.cancel()
    assert peak == limit
    assert elapsed == pytest.approx(-(-20 // limit), abs=0.1)  # ceil(20/limit) rounds of 1 s


async def test_failing_handler_reported_and_others_continue(caplog: pytest.LogCaptureFixture) -> None:
    hub = EventHub()
    good: list[int] = []
    bad_calls: list[int] = []

    def flaky(p: int) -> None:
        bad_calls.append(p)
        if p == 1:
            raise ValueError(f"bad payload {p}")

    hub.on(CM, flaky)
    hub.on(CM, good.append)
    errors = hub.stream(Events.HANDLER_ERROR)
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            for i in range(3):
                hub.publish(CM, i)
            report = await errors.__anext__()
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    assert isinstance(report, HandlerError)
    assert report.event == 1  # the event the handler failed on
    assert report.handler is flaky
    assert report.kind == "channel_message"
    assert "flaky" in report.handler_name
    assert isinstance(report.error, ValueError)
    assert bad_calls == [0, 1, 2]  # the failing handler keeps running
    assert good == [0, 1, 2]
    logged = [r for r in caplog.records if r.name == "mezon_trio.client" and r.levelno == logging.ERROR]
    assert len(logged) == 1
    assert logged[0].exc_info is not None
    assert logged[0].exc_info[1] is report.error


async def test_failing_error_handler_does_not_loop(caplog: pytest.LogCaptureFixture) -> None:
    hub = EventHub()
    calls = 0

    def broken(_: HandlerError) -> None:
        nonlocal calls
        calls += 1
        raise RuntimeError("error handler broken")

    def fails(_: int) -> None:
        raise ValueError("x")

    hub.on(Events.HANDLER_ERROR, broken)
    hub.on(CM, fails)
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            hub.publish(CM, 1)
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    assert calls == 1
    assert len([r for r in caplog.records if r.levelno == logging.ERROR]) == 2


async def test_cancelling_run_handlers_leaves_no_task() -> None:
    hub = EventHub()
    started = trio.Event()

    async def forever(_: int) -> None:
        started.set()
        await trio.sleep_forever()

    hub.on(CM, forever, concurrency=3)
    hub.on(Events.CHANNEL_CREATED, lambda _: None)
    before = _task_count()
    with trio.fail_after(5):
        with trio.CancelScope() as scope:
            async with trio.open_nursery() as nursery:
                await nursery.start(hub.run_handlers)
                assert _task_count() == before + 1 + 3 + 1  # run_handlers, its workers
                hub.publish(CM, 1)
                await started.wait()
                scope.cancel()
        assert _task_count() == before
        # It can be started again; queued events survive.
        hub.publish(CM, 2)
        restarted: list[int] = []
        hub.off(CM)
        hub.on(CM, restarted.append)
        hub.publish(CM, 3)
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    assert restarted == [3]


async def test_handlers_added_while_running_and_off() -> None:
    hub = EventHub()
    got: list[tuple[str, int]] = []

    def a(p: int) -> None:
        got.append(("a", p))

    def b(p: int) -> None:
        got.append(("b", p))

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            assert not hub.has_subscribers(CM)
            hub.on(CM, a)
            assert hub.wanted_field_numbers() == {6}
            hub.publish(CM, 1)
            await trio.testing.wait_all_tasks_blocked()
            hub.on(CM, b)
            hub.publish(CM, 2)
            await trio.testing.wait_all_tasks_blocked()
            hub.off(CM, a)
            hub.publish(CM, 3)
            await trio.testing.wait_all_tasks_blocked()
            hub.off(CM, a)  # not registered any more: no-op
            hub.off(CM)
            assert not hub.has_subscribers(CM)
            assert hub.wanted_field_numbers() == frozenset()
            hub.publish(CM, 4)
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    # Each handler runs in its own worker task: order is per handler, not across handlers.
    assert [p for h, p in got if h == "a"] == [1, 2]
    assert [p for h, p in got if h == "b"] == [2, 3]


async def test_handler_overflow_drops_newest_and_reports(caplog: pytest.LogCaptureFixture) -> None:
    hub = EventHub()
    got: list[int] = []
    hub.on(CM, got.append, buffer=2)
    errors = hub.stream(Events.HANDLER_ERROR)
    for i in range(5):
        hub.publish(CM, i)  # run_handlers not started yet: 2 queued, 3 dropped
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1  # once per burst, not once per event
    stats = hub.statistics().subscriptions
    handler_stats = next(s for s in stats if s.name.startswith("handler:"))
    assert (handler_stats.dropped, handler_stats.overflow, handler_stats.buffered) == (3, "drop_newest", 2)
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            report = await errors.__anext__()
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    assert got == [0, 1]
    assert isinstance(report.error, StreamOverflow)
    assert report.error.dropped == 3


async def test_close_lets_run_handlers_drain_and_return() -> None:
    hub = EventHub()
    got: list[int] = []

    async def slow(p: int) -> None:
        await trio.sleep(0.001)
        got.append(p)

    hub.on(CM, slow)
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            for i in range(10):
                hub.publish(CM, i)
            hub.close()
        # The nursery exited on its own: run_handlers returned after draining.
    assert got == list(range(10))


async def test_to_thread_handler() -> None:
    hub = EventHub()
    threads: list[int] = []
    ran = trio.Event()

    def in_thread(_: int) -> None:
        threads.append(threading.get_ident())
        trio.from_thread.run_sync(ran.set)

    hub.on(CM, in_thread, to_thread=True)
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            hub.publish(CM, 1)
            await ran.wait()
            nursery.cancel_scope.cancel()
    assert len(threads) == 1
    assert threads[0] != threading.get_ident()


async def test_handler_misuse() -> None:
    hub = EventHub()

    async def coro(_: Any) -> None:
        pass

    with pytest.raises(ConfigurationError):
        hub.on("no_such_event", lambda _: None)
    with pytest.raises(ConfigurationError):
        hub.on(CM, lambda _: None, concurrency=0)
    with pytest.raises(ConfigurationError):
        hub.on(CM, lambda _: None, overflow="close")
    with pytest.raises(ConfigurationError):
        hub.on(CM, coro, to_thread=True)
    with pytest.raises(ConfigurationError):
        hub.on(CM, "not callable")  # type: ignore[arg-type]
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            with pytest.raises(ConfigurationError):
                await hub.run_handlers()
            nursery.cancel_scope.cancel()
