"""Persistent cursors: the SQLite store, and a restarted bot catching up from where it stopped."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import trio

from mezon_trio import MezonClient
from mezon_trio._catchup import CatchUpConfig, Cursor, CursorStore, MemoryCursorStore, SQLiteCursorStore
from mezon_trio.errors import ConfigurationError, MezonError
from mezon_trio.testing import open_sandbox

from ._harness import EngineBot, client_kwargs, until


async def test_sqlite_round_trip_keeps_the_largest_id(tmp_path: Path) -> None:
    path = tmp_path / "cursors.db"
    store = SQLiteCursorStore(path)
    assert isinstance(store, CursorStore)
    assert await store.load() == []
    big = (1 << 64) - 5  # uint64 ids beyond SQLite's signed range still fit
    await store.save([Cursor(1, 10, 100), Cursor(2, 10, 200), Cursor(3, 0, big)])
    await store.save([Cursor(1, 10, 150), Cursor(2, 10, 50)])  # 50 < 200: a cursor never goes back
    await store.aclose()
    reopened = SQLiteCursorStore(path)
    loaded = sorted(await reopened.load(), key=lambda c: c.channel_id)
    assert loaded == [Cursor(1, 10, 150), Cursor(2, 10, 200), Cursor(3, 0, big)]
    await reopened.aclose()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


async def test_sqlite_namespaces_are_separate(tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    a, b = SQLiteCursorStore(path, namespace="bot-a"), SQLiteCursorStore(path, namespace="bot-b")
    await a.save([Cursor(1, 0, 5)])
    await b.save([Cursor(1, 0, 9)])
    assert await a.load() == [Cursor(1, 0, 5)]
    assert await b.load() == [Cursor(1, 0, 9)]
    await a.aclose()
    await b.aclose()


async def test_sqlite_errors_are_mezon_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError):
        SQLiteCursorStore("")
    missing_dir = SQLiteCursorStore(tmp_path / "no" / "such" / "dir.db")
    with pytest.raises(MezonError, match="load failed"):
        await missing_dir.load()
    store = SQLiteCursorStore(tmp_path / "c.db")
    await store.aclose()
    await store.aclose()  # idempotent
    with pytest.raises(MezonError, match="closed"):
        await store.save([Cursor(1, 0, 1)])


async def test_cancelled_save_is_all_or_nothing(tmp_path: Path) -> None:
    store = SQLiteCursorStore(tmp_path / "c.db")
    batch = [Cursor(i, 0, i * 10) for i in range(1, 2001)]
    with trio.move_on_after(0) as scope:
        await store.save(batch)
    assert scope.cancelled_caught or store.saves == 1
    loaded = await store.load()
    assert len(loaded) in (0, 2000)
    await store.aclose()


async def test_engine_writes_in_batches_and_on_close(tmp_path: Path) -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            store = MemoryCursorStore()
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                bot = EngineBot(client, store=store, config=CatchUpConfig(flush_interval=0.2))
                await nursery.start(bot.run)
                for i in range(20):
                    await sb.post_message(sb.human.id, sb.channel_id, f"m{i}")
                await bot.wait_texts(sb.channel_id, 20)
                await until(lambda: store.saves >= 1)
                saves = store.saves
                assert saves < 20  # batched, not one write per message
                last = await sb.post_message(sb.human.id, sb.channel_id, "last")
                await bot.wait_texts(sb.channel_id, 21)
                nursery.cancel_scope.cancel()  # the writer's last flush runs shielded
            (cursor,) = await store.load()
            assert cursor == Cursor(sb.channel_id, sb.clan_id, last.message_id)


async def test_restart_delivers_what_was_posted_while_stopped_once(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            general, rand = sb.channel_id, sb.channel_ids["random"]
            # Run 1: the bot sees some messages, then stops cleanly.
            async with MezonClient(**client_kwargs(sb)) as client, trio.open_nursery() as nursery:
                bot1 = EngineBot(client, store=SQLiteCursorStore(path))
                await nursery.start(bot1.run)
                before = {
                    c: [(await sb.post_message(sb.human.id, c, "b")).message_id] for c in (general, rand)
                }
                for c in (general, rand):
                    await bot1.wait_texts(c, 1)
                nursery.cancel_scope.cancel()
            await bot1.engine.aclose()
            # Stopped: others keep posting.
            while_stopped = {c: [] for c in (general, rand)}  # type: dict[int, list[int]]
            for i in range(30):
                for c in (general, rand):
                    while_stopped[c].append((await sb.post_message(sb.human.id, c, f"s{i}")).message_id)
            # Run 2: a new process would do the same: load the cursors, connect, catch up.
            client = MezonClient(**client_kwargs(sb))
            bot2 = EngineBot(client, store=SQLiteCursorStore(path))
            assert await bot2.engine.load() == 2
            async with client, trio.open_nursery() as nursery:
                await nursery.start(bot2.run)
                await bot2.engine.catch_up()
                after = {
                    c: [(await sb.post_message(sb.human.id, c, "a")).message_id] for c in (general, rand)
                }
                for c in (general, rand):
                    await bot2.wait_texts(c, 31)
                nursery.cancel_scope.cancel()
            await bot2.engine.aclose()
            for c in (general, rand):
                assert [i for i, _ in bot1.delivered[c]] == before[c]
                assert bot2.delivered[c] == [(i, True) for i in while_stopped[c]] + [(after[c][0], False)]
