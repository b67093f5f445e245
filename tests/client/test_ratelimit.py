"""TokenBucket: burst, steady rate, FIFO, forced tokens, cancellation takes nothing."""

from __future__ import annotations

import math

import pytest
import trio
import trio.testing

from mezon_trio._ratelimit import TokenBucket


async def test_burst_then_rate(autojump_clock: trio.testing.MockClock) -> None:
    bucket = TokenBucket(rate=1.0, burst=5)
    start = trio.current_time()
    times = []
    for _ in range(8):
        await bucket.acquire()
        times.append(trio.current_time() - start)
    assert times[:5] == [0, 0, 0, 0, 0]
    assert times[5:] == pytest.approx([1.0, 2.0, 3.0])
    stats = bucket.statistics()
    assert stats.acquired == 8
    assert stats.waited == 3


async def test_eighty_per_second(autojump_clock: trio.testing.MockClock) -> None:
    bucket = TokenBucket(rate=80.0, burst=80)
    start = trio.current_time()
    for _ in range(240):
        await bucket.acquire()
    # 80 immediately, then 160 more at 80/s.
    assert trio.current_time() - start == pytest.approx(2.0, abs=0.02)


async def test_fifo(autojump_clock: trio.testing.MockClock) -> None:
    bucket = TokenBucket(rate=10.0, burst=1)
    order: list[int] = []

    async def take(i: int) -> None:
        await bucket.acquire()
        order.append(i)

    async with trio.open_nursery() as nursery:
        for i in range(6):
            nursery.start_soon(take, i)
            await trio.testing.wait_all_tasks_blocked()
    assert order == list(range(6))


async def test_force_never_waits_but_counts(autojump_clock: trio.testing.MockClock) -> None:
    bucket = TokenBucket(rate=1.0, burst=1)
    await bucket.acquire()
    start = trio.current_time()
    bucket.force()  # in debt now: -1
    assert trio.current_time() == start
    await bucket.acquire()
    assert trio.current_time() - start == pytest.approx(2.0)
    assert bucket.statistics().forced == 1


async def test_cancelled_acquire_takes_no_token(autojump_clock: trio.testing.MockClock) -> None:
    bucket = TokenBucket(rate=1.0, burst=1)
    await bucket.acquire()
    with trio.move_on_after(0.5):
        await bucket.acquire()
    start = trio.current_time()
    await bucket.acquire()
    # Only the remaining 0.5 s, not another full second.
    assert trio.current_time() - start == pytest.approx(0.5)
    assert bucket.statistics().waiters == 0


async def test_unlimited() -> None:
    bucket = TokenBucket(rate=math.inf)
    with trio.fail_after(1):
        for _ in range(1000):
            await bucket.acquire()
    assert bucket.unlimited


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="rate"):
        TokenBucket(rate=0)
    with pytest.raises(ValueError, match="burst"):
        TokenBucket(rate=1, burst=0.5)
