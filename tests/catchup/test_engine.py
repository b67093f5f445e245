"""The catch-up engine against the sandbox: missed messages arrive once, in per-channel order."""

from __future__ import annotations

import logging
from typing import TypeVar

import betterproto2
import pytest
import trio

from mezon_trio import MezonClient, ReconnectPolicy
from mezon_trio._catchup import CatchUp, CatchUpConfig, RateBudget
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.errors import ConfigurationError
from mezon_trio.testing import Sandbox, open_sandbox
from mezon_trio.testing import raw as sandbox_raw

from ._harness import EngineBot, client_kwargs, until

M = TypeVar("M", bound=betterproto2.Message)

_FAST = ReconnectPolicy(initial_delay=0.02, max_delay=0.1)


def ids(sb: Sandbox, channel_id: int) -> list[int]:
    return [m.message_id for m in sb.messages(channel_id)]


async def post(sb: Sandbox, channel_id: int, n: int, prefix: str) -> list[int]:
    return [(await sb.post_message(sb.human.id, channel_id, f"{prefix}{i}")).message_id for i in range(n)]


async def test_reconnect_catches_up_each_channel_in_order_once() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            general, rand = sb.channel_id, sb.channel_ids["random"]
            client = MezonClient(**client_kwargs(sb, reconnect=_FAST))
            async with client, trio.open_nursery() as nursery:
                bot = EngineBot(client)
                await nursery.start(bot.run)
                live = {c: await post(sb, c, 3, "live") for c in (general, rand)}
                for c in (general, rand):
                    await bot.wait_texts(c, 3)
                with sb.offline(sb.bot.id):
                    await sb.wait_disconnected(sb.bot.id)
                    missed = {general: [], rand: []}  # type: dict[int, list[int]]
                    for i in range(40):  # interleaved: 40 per channel
                        for c in (general, rand):
                            missed[c] += await post(sb, c, 1, f"away{i}-")
                await bot.caught_up_done.wait()
                after = {c: await post(sb, c, 2, "after") for c in (general, rand)}
                for c in (general, rand):
                    await bot.wait_texts(c, 45)
                nursery.cancel_scope.cancel()
            for c in (general, rand):
                delivered = bot.delivered[c]
                assert [i for i, _ in delivered] == live[c] + missed[c] + after[c]
                assert [flag for _, flag in delivered] == [False] * 3 + [True] * 40 + [False] * 2
            stats = bot.engine.statistics()
            assert stats.caught_up == 80
            assert stats.gaps == 0
            assert stats.failures == 0
            assert stats.pages == 2  # one page of 100 per channel reaches the cursor
            assert stats.stale_channels == 0


async def test_message_both_live_and_from_history_is_delivered_once() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                bot = EngineBot(client)
                await nursery.start(bot.run)
                first = await post(sb, sb.channel_id, 1, "first")
                await bot.wait_texts(sb.channel_id, 1)
                bot.engine.disconnected()  # as if the socket had dropped: live pushes are held
                both = await post(sb, sb.channel_id, 10, "both")  # pushed live AND in the history
                await until(lambda: bot.engine.statistics().held == 10)
                assert len(bot.delivered[sb.channel_id]) == 1  # held, not delivered
                await bot.engine.catch_up()
                nursery.cancel_scope.cancel()
            assert [i for i, _ in bot.delivered[sb.channel_id]] == first + both
            assert not any(flag for _, flag in bot.delivered[sb.channel_id])  # pushed: not missed
            assert bot.engine.statistics().arrived_both_ways == 10
            assert bot.engine.statistics().duplicates_dropped == 0


async def test_held_pushes_overflow_is_fetched_from_history() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                bot = EngineBot(client, config=CatchUpConfig(max_held=3))
                await nursery.start(bot.run)
                first = await post(sb, sb.channel_id, 1, "first")
                await bot.wait_texts(sb.channel_id, 1)
                bot.engine.disconnected()
                rest = await post(sb, sb.channel_id, 10, "r")
                await until(lambda: bot.engine.statistics().held_overflows == 7)
                assert bot.engine.statistics().held == 3
                await bot.engine.catch_up()
                nursery.cancel_scope.cancel()
            assert [i for i, _ in bot.delivered[sb.channel_id]] == first + rest


async def test_too_far_behind_stops_with_a_counted_logged_gap(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="mezon_trio.catchup")
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb, reconnect=_FAST))
            async with client, trio.open_nursery() as nursery:
                bot = EngineBot(client, config=CatchUpConfig(max_pages=2, page_size=10))
                await nursery.start(bot.run)
                first = await post(sb, sb.channel_id, 1, "first")
                await bot.wait_texts(sb.channel_id, 1)
                with sb.offline(sb.bot.id):
                    await sb.wait_disconnected(sb.bot.id)
                    missed = await post(sb, sb.channel_id, 45, "m")
                await bot.caught_up_done.wait()
                nursery.cancel_scope.cancel()
            delivered = [i for i, _ in bot.delivered[sb.channel_id]]
            assert delivered == first + missed[-20:]  # the newest 2 pages of 10
            stats = bot.engine.statistics()
            assert stats.gaps == 1
            assert stats.pages == 2
            warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
            assert len(warnings) == 1
            assert str(sb.channel_id) in warnings[0]
            assert f"after id {first[0]} and before id {missed[-20]}" in warnings[0]


async def test_429_pauses_and_retries_history_calls() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                bot = EngineBot(client)
                await nursery.start(bot.run)
                first = await post(sb, sb.channel_id, 1, "first")
                await bot.wait_texts(sb.channel_id, 1)
                bot.engine.disconnected()
                rest = await post(sb, sb.channel_id, 5, "r")
                sb.faults.rpc_status["ListChannelMessages"] = (429, 0.0)  # "Retry-After: 0"

                async def lift() -> None:
                    await trio.sleep(0.8)
                    del sb.faults.rpc_status["ListChannelMessages"]

                nursery.start_soon(lift)
                start = trio.current_time()
                await bot.engine.catch_up()
                assert trio.current_time() - start >= 0.8
                nursery.cancel_scope.cancel()
            assert [i for i, _ in bot.delivered[sb.channel_id]] == first + rest
            budget = bot.engine.statistics().budget
            assert budget.rate_limited >= 1
            assert budget.waited > 0


async def test_429_beyond_the_attempts_is_a_counted_failure_and_releases_held() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                budget = RateBudget(max_attempts=2, backoff=0.05)
                bot = EngineBot(client)
                bot.engine = CatchUp(client.raw, bot._deliver, budget=budget)
                await nursery.start(bot.run)
                first = await post(sb, sb.channel_id, 1, "first")
                await bot.wait_texts(sb.channel_id, 1)
                bot.engine.disconnected()
                held = await post(sb, sb.channel_id, 3, "h")
                await until(lambda: bot.engine.statistics().held == 3)
                sb.faults.rpc_status["ListChannelMessages"] = (429, 0.0)
                await bot.engine.catch_up()
                nursery.cancel_scope.cancel()
            assert [i for i, _ in bot.delivered[sb.channel_id]] == first + held  # live, not caught up
            stats = bot.engine.statistics()
            assert stats.failures == 1
            assert stats.stale_channels == 0
            assert stats.budget.rate_limited == 2


class _Spy:
    """Wraps the real client to count history calls in flight."""

    def __init__(self, client: MezonClient) -> None:
        self.client = client
        self.in_flight = 0
        self.peak = 0

    async def rpc(self, method: str, request: betterproto2.Message, response_type: type[M]) -> M:
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await trio.sleep(0.02)
            return await self.client.raw.rpc(method, request, response_type)
        finally:
            self.in_flight -= 1


@pytest.mark.parametrize("concurrency", [1, 3])
async def test_concurrency_is_bounded(concurrency: int) -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            channels = [sb.channel_id, sb.channel_ids["random"], sb.channel_ids["lobby"]]
            client = MezonClient(**client_kwargs(sb))
            async with client:
                spy = _Spy(client)
                delivered: list[api.ChannelMessage] = []
                engine = CatchUp(
                    spy,
                    lambda m, caught_up: delivered.append(m),
                    config=CatchUpConfig(concurrency=concurrency, page_size=5, max_pages=50),
                )
                clans = {c: sb.state.channels[c].clan_id for c in channels}
                for c in channels:
                    engine.watch(clans[c], c)
                    for m in await post(sb, c, 1, "seed"):
                        engine.push(sandbox_raw.stored_message(sb, m) or api.ChannelMessage())
                engine.disconnected()
                missed = {c: await post(sb, c, 12, "m") for c in channels}
                await engine.catch_up()
            assert spy.peak == concurrency
            for c in channels:
                assert [m.message_id for m in delivered if m.channel_id == c][1:] == missed[c]


async def test_channel_watched_before_any_message_catches_up_from_the_watch_time() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            old = await post(sb, sb.channel_id, 3, "old")
            client = MezonClient(**client_kwargs(sb))
            async with client:
                delivered: list[int] = []
                watch_time = sb.find_message(old[-1]).create_time_seconds + 1  # type: ignore[union-attr]
                engine = CatchUp(
                    client.raw, lambda m, c: delivered.append(m.message_id), clock=lambda: watch_time
                )
                engine.watch(sb.clan_id, sb.channel_id)
                engine.disconnected()
                new = await post(sb, sb.channel_id, 4, "new")
                for mid in new:  # created "after" the watch time
                    message = sandbox_raw.stored_message(sb, mid)
                    assert message is not None
                    message.create_time_seconds = watch_time
                await engine.catch_up()
            assert delivered == new


async def test_max_channels_forgets_the_least_recently_active() -> None:
    with trio.fail_after(10):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client:
                delivered: list[int] = []
                engine = CatchUp(
                    client.raw,
                    lambda m, c: delivered.append(m.channel_id),
                    config=CatchUpConfig(max_channels=2),
                )
                a, b, c = sb.channel_id, sb.channel_ids["random"], sb.channel_ids["lobby"]
                for channel in (a, b, a, c):
                    mid = (await sb.post_message(sb.human.id, channel, "x")).message_id
                    engine.push(sandbox_raw.stored_message(sb, mid) or api.ChannelMessage())
                assert set(engine.watched) == {a, c}  # b was the least recently active
                assert engine.statistics().channels_forgotten == 1
                assert delivered == [a, b, a, c]


def test_config_is_checked() -> None:
    for bad in ({"page_size": 0}, {"page_size": 101}, {"max_pages": 0}, {"flush_interval": 0}):
        with pytest.raises(ConfigurationError):
            CatchUpConfig(**bad)  # type: ignore[arg-type]


async def test_disconnect_during_a_catch_up_keeps_the_channel_stale_for_the_next_one() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                spy = _Spy(client)  # history calls take 20 ms
                bot = EngineBot(client)
                bot.engine = CatchUp(spy, bot._deliver)
                await nursery.start(bot.run)
                first = await post(sb, sb.channel_id, 1, "first")
                await bot.wait_texts(sb.channel_id, 1)
                bot.engine.disconnected()  # drop 1
                one = await post(sb, sb.channel_id, 3, "one")  # held (epoch 1)
                await until(lambda: bot.engine.statistics().held == 3)
                done = trio.Event()

                async def run_catch_up() -> None:
                    await bot.engine.catch_up()
                    done.set()

                nursery.start_soon(run_catch_up)
                await until(lambda: spy.in_flight == 1)
                bot.engine.disconnected()  # drop 2, in the middle of the catch-up
                two = await post(sb, sb.channel_id, 2, "two")  # pushes of the next connection: held
                await until(lambda: bot.engine.statistics().held == 5)
                await done.wait()
                assert bot.engine.statistics().stale_channels == 1
                delivered = [i for i, _ in bot.delivered[sb.channel_id]]
                assert delivered[: 1 + 3] == first + one
                assert set(delivered) <= set(first + one + two)
                await bot.engine.catch_up()  # after the next reconnect
                nursery.cancel_scope.cancel()
            assert [i for i, _ in bot.delivered[sb.channel_id]] == first + one + two
            assert bot.engine.statistics().stale_channels == 0


async def test_pushes_after_the_reconnect_keep_their_order_behind_the_missed_ones() -> None:
    """Missed (history only) first, then the new socket's pushes as they came, edits included,
    even when the history page already holds the later messages."""
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb, reconnect=_FAST))
            async with client, trio.open_nursery() as nursery:
                spy = _Spy(client)  # the page is fetched 20 ms after the catch-up starts
                bot = EngineBot(client)
                bot.engine = CatchUp(spy, bot._deliver)
                await nursery.start(bot.run)
                first = await post(sb, sb.channel_id, 1, "first")
                await bot.wait_texts(sb.channel_id, 1)
                with sb.offline(sb.bot.id):
                    await sb.wait_disconnected(sb.bot.id)
                    missed = await post(sb, sb.channel_id, 2, "missed")
                await sb.wait_connected(sb.bot.id)
                await client.wait_ready()
                update = rt.ChannelMessageUpdate(
                    clan_id=sb.clan_id,
                    channel_id=sb.channel_id,
                    message_id=first[0],
                    content='{"t":"edited"}',
                )
                await sb._core.update_message(sb.human.id, update)
                later = await post(sb, sb.channel_id, 1, "later")
                await bot.wait_texts(sb.channel_id, 5)
                await trio.sleep(0.1)
                nursery.cancel_scope.cancel()
            assert bot.texts[sb.channel_id] == ["first0", "missed0", "missed1", "edited", "later0"]
            assert bot.delivered[sb.channel_id] == [
                (first[0], False),
                (missed[0], True),
                (missed[1], True),
                (first[0], False),
                (later[0], False),
            ]


async def test_a_catch_up_for_a_socket_that_already_dropped_keeps_the_channels_stale() -> None:
    """The socket became ready at epoch 1, then dropped (epoch 2) before the catch-up ran: the
    channel must stay stale (held pushes wait) until the catch-up of the next socket."""
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                bot = EngineBot(client)
                await nursery.start(bot.run)
                first = await post(sb, sb.channel_id, 1, "first")
                await bot.wait_texts(sb.channel_id, 1)
                bot.engine.disconnected()
                ready_epoch = bot.engine.epoch
                bot.engine.disconnected()  # dropped again before its catch-up ran
                more = await post(sb, sb.channel_id, 3, "more")
                await until(lambda: bot.engine.statistics().held == 3)
                await bot.engine.catch_up(epoch=ready_epoch)
                assert bot.engine.statistics().stale_channels == 1
                await bot.engine.catch_up()
                nursery.cancel_scope.cancel()
            assert [i for i, _ in bot.delivered[sb.channel_id]] == first + more
            assert bot.engine.statistics().stale_channels == 0


def _push(channel_id: int, message_id: int) -> api.ChannelMessage:
    return api.ChannelMessage(clan_id=1, channel_id=channel_id, message_id=message_id, content='{"t":"x"}')


async def test_only_channels_catching_up_remember_ids() -> None:
    """De-duplication memory is spent on the channels that fell behind, not on every watched one:
    a flood across many channels that never disconnect remembers no id (it used to fill
    ``dedup_window`` ids per channel: 100 bytes each, 50 MB at 1,000 channels), while a
    channel that caught up still drops a late push of a message it delivered from history."""
    window = 16
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                bot = EngineBot(client, config=CatchUpConfig(dedup_window=window))
                await nursery.start(bot.run)
                engine = bot.engine
                base = 10**15
                for i in range(3 * window):  # 200 channels, live only
                    for channel in range(1, 201):
                        engine.push(_push(channel, base + i * 1000 + channel))
                stats = engine.statistics()
                assert stats.channels == 200
                assert stats.remembered_ids == 0
                assert sum(len(v) for k, v in bot.delivered.items() if k <= 200) == 200 * 3 * window

                first = await post(sb, sb.channel_id, 1, "first")
                await bot.wait_texts(sb.channel_id, 1)
                engine.disconnected()
                missed = await post(sb, sb.channel_id, 5, "missed")
                await until(lambda: engine.statistics().held == 5)
                await engine.catch_up()
                # Only the channel that caught up remembers ids (the 200 flooded ones went stale
                # too, and caught up nothing: their history is empty).
                assert 5 <= engine.statistics().remembered_ids <= 5 + window
                late = sandbox_raw.stored_message(sb, missed[-1])
                assert late is not None
                engine.push(late)  # a push racing the history page: dropped
                assert engine.statistics().duplicates_dropped == 1
                after = await post(sb, sb.channel_id, window + 1, "after")
                await bot.wait_texts(sb.channel_id, 1 + 5 + window + 1)
                assert engine.statistics().remembered_ids == 0  # the tail is over
                nursery.cancel_scope.cancel()
            assert [i for i, _ in bot.delivered[sb.channel_id]] == first + missed + after
