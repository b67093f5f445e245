"""Cache: bounded LRU, no I/O in get, one fetcher call for concurrent fetches (pure trio)."""

from __future__ import annotations

import pytest
import trio
import trio.testing

from mezon_trio._cache import Cache
from mezon_trio.errors import ConfigurationError, NotFound


def test_size_limit_and_lru_order() -> None:
    cache: Cache[int, str] = Cache(max_size=3)
    for i in range(3):
        cache.set(i, str(i))
    assert cache.get(0) == "0"  # 0 is now the most recently used
    cache.set(3, "3")
    assert cache.size == 3
    assert len(cache) == 3
    assert 1 not in cache
    assert cache.has(0)
    assert cache.keys() == [2, 0, 3]
    assert cache.peek(2) == "2"
    assert cache.keys() == [2, 0, 3]
    for i in range(100):
        cache.set(100 + i, "x")
    stats = cache.statistics()
    assert stats.size == 3
    assert stats.max_size == 3
    assert stats.evictions == 101
    assert cache.first() == "x"
    assert cache.filter(lambda v: v == "x") == ["x"] * 3
    assert cache.map(len) == [1, 1, 1]
    assert cache.delete(199) == "x"
    assert cache.delete(199) is None
    cache.clear()
    assert cache.values() == []
    assert cache.first() is None
    with pytest.raises(ConfigurationError):
        Cache(max_size=0)


async def test_fetch_without_fetcher_is_a_key_error() -> None:
    cache: Cache[int, str] = Cache()
    with pytest.raises(KeyError):
        await cache.fetch(1)


async def test_concurrent_fetches_share_one_call() -> None:
    calls: list[int] = []
    release = trio.Event()

    async def fetcher(key: int) -> str:
        calls.append(key)
        await release.wait()
        return f"v{key}"

    cache: Cache[int, str] = Cache(fetcher, max_size=10)
    results: list[str] = []

    async def fetch(key: int) -> None:
        results.append(await cache.fetch(key))

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            for _ in range(5):
                nursery.start_soon(fetch, 1)
            nursery.start_soon(fetch, 2)
            await trio.testing.wait_all_tasks_blocked()
            release.set()
    assert sorted(calls) == [1, 2]
    assert sorted(results) == ["v1"] * 5 + ["v2"]
    assert cache.get(1) == "v1"
    assert await cache.fetch(1) == "v1"
    assert len(calls) == 2  # a hit calls nothing
    assert cache.statistics().fetches == 2


async def test_fetch_error_reaches_every_waiter_and_is_not_cached() -> None:
    calls = 0
    release = trio.Event()

    async def fetcher(key: int) -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        raise NotFound(f"no {key}")

    cache: Cache[int, str] = Cache(fetcher)
    errors: list[BaseException] = []

    async def fetch() -> None:
        try:
            await cache.fetch(7)
        except NotFound as exc:
            errors.append(exc)

    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            for _ in range(3):
                nursery.start_soon(fetch)
            await trio.testing.wait_all_tasks_blocked()
            release.set()
    assert calls == 1
    assert len(errors) == 3
    assert 7 not in cache
    with pytest.raises(NotFound):
        await cache.fetch(7)  # tried again
    assert calls == 2


async def test_cancelled_fetcher_hands_over_to_a_waiter() -> None:
    calls = 0
    release = trio.Event()

    async def fetcher(key: int) -> str:
        nonlocal calls
        calls += 1
        await release.wait()
        return "ok"

    cache: Cache[int, str] = Cache(fetcher)
    got: list[str] = []
    with trio.fail_after(5):
        async with trio.open_nursery() as nursery:
            leader = trio.CancelScope()

            async def lead() -> None:
                with leader:
                    await cache.fetch(1)

            async def follow() -> None:
                got.append(await cache.fetch(1))

            nursery.start_soon(lead)
            await trio.testing.wait_all_tasks_blocked()
            nursery.start_soon(follow)
            await trio.testing.wait_all_tasks_blocked()
            leader.cancel()
            await trio.testing.wait_all_tasks_blocked()
            assert calls == 2  # the waiter took over
            release.set()
    assert got == ["ok"]
    assert cache.get(1) == "ok"
