"""Forced disconnects while other users post continuously into several channels: every
message is delivered exactly once, in per-channel order (live, or caught up from history).

The CI variant runs 10 disconnects; the long one (``nox -s stress``: ``-m slow``,
``MEZON_STRESS=1``) runs 100.  Some disconnects are plain drops (the bot reconnects at
once), some hold the bot offline for a while (its reconnects are refused).
"""

from __future__ import annotations

import collections
import os
import random
import time

import pytest
import trio

from mezon_trio import Events, MezonClient, ReconnectPolicy
from mezon_trio._catchup import CatchUpConfig
from mezon_trio.testing import open_sandbox

from ._harness import EngineBot, client_kwargs

_LONG = pytest.mark.skipif(os.environ.get("MEZON_STRESS") != "1", reason="long variant: nox -s stress")


@pytest.mark.parametrize(
    "drops", [pytest.param(10, id="ci"), pytest.param(100, id="long", marks=[pytest.mark.slow, _LONG])]
)
async def test_disconnect_storm_delivers_every_message_once_in_order(drops: int) -> None:
    seed = int(os.environ.get("MEZON_STRESS_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    print(f"\ncatch-up storm seed {seed}")  # noqa: T201
    with trio.fail_after(60 if drops <= 10 else 600):
        async with open_sandbox() as sb:
            sb.recording = False
            channels = [sb.channel_id, sb.channel_ids["random"], sb.channel_ids["lobby"]]
            policy = ReconnectPolicy(initial_delay=0.01, max_delay=0.05, reset_after=1.0)
            client = MezonClient(**client_kwargs(sb, reconnect=policy))
            posted: dict[int, list[int]] = collections.defaultdict(list)
            async with client, trio.open_nursery() as nursery:
                bot = EngineBot(client, config=CatchUpConfig(max_pages=50))
                await nursery.start(bot.run)
                stop = trio.Event()

                async def poster(channel: int, sender: int) -> None:
                    i = 0
                    while not stop.is_set():
                        message = await sb.post_message(sender, channel, f"{channel}:{i}")
                        posted[channel].append(message.message_id)
                        i += 1
                        await trio.sleep(rng.uniform(0, 0.004))

                senders = [sb.human.id, sb.user("bob").id, sb.user("carol").id]
                async with trio.open_nursery() as posters:
                    for channel, sender in zip(channels, senders, strict=True):
                        posters.start_soon(poster, channel, sender)
                    for channel in channels:
                        await bot.wait_texts(channel, 1)  # watched
                    start = time.perf_counter()
                    held_offline = 0
                    async with client.subscribe(Events.RECONNECTED, buffer=1000) as reconnected:
                        for _ in range(drops):
                            await trio.sleep(rng.uniform(0.01, 0.08))
                            if rng.random() < 0.3:
                                held_offline += 1
                                sb.hold_offline(sb.bot.id, seconds=rng.uniform(0.05, 0.3))
                            else:
                                sb.drop_connections(sb.bot.id, code=rng.choice([None, 1001, 1011]))
                            await reconnected.__anext__()
                    await trio.sleep(0.1)
                    stop.set()
                storm_time = time.perf_counter() - start
                with trio.fail_after(30):
                    for channel in channels:
                        await bot.wait_texts(channel, len(posted[channel]))
                    await trio.sleep(0.2)  # nothing more may arrive
                nursery.cancel_scope.cancel()
            stored = {c: [m.message_id for m in sb.messages(c)] for c in channels}

    total = 0
    for channel in channels:
        delivered = [i for i, _ in bot.delivered[channel]]
        assert delivered == posted[channel], f"channel {channel}: not exactly once in order"
        assert posted[channel] == [m for m in stored[channel] if m in set(posted[channel])]
        total += len(delivered)
    stats = bot.engine.statistics()
    assert stats.gaps == 0
    assert stats.failures == 0
    assert stats.caught_up > 0
    figures = {
        "drops": drops,
        "held_offline": held_offline,
        "messages": total,
        "caught_up": stats.caught_up,
        "arrived_both_ways": stats.arrived_both_ways,
        "duplicates_dropped": stats.duplicates_dropped,
        "held": stats.held,
        "history_pages": stats.pages,
        "catch_up_runs": stats.runs,
        "storm_seconds": round(storm_time, 2),
    }
    print(f"catch-up storm: {figures}")  # noqa: T201
