"""The storm through MezonClient's own catch-up: forced drops and offline holds while three
users post into three channels; ``channel_messages()`` gets every message exactly once, in
per-channel order.  CI: 10 drops; ``nox -s stress``: 100."""

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

from ._harness import client_kwargs

_LONG = pytest.mark.skipif(os.environ.get("MEZON_STRESS") != "1", reason="long variant: nox -s stress")


@pytest.mark.parametrize(
    "drops", [pytest.param(10, id="ci"), pytest.param(100, id="long", marks=[pytest.mark.slow, _LONG])]
)
async def test_client_storm_delivers_every_message_once_in_order(drops: int) -> None:
    seed = int(os.environ.get("MEZON_STRESS_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    print(f"\nclient catch-up storm seed {seed}")  # noqa: T201
    with trio.fail_after(60 if drops <= 10 else 600):
        async with open_sandbox() as sb:
            sb.recording = False
            channels = [sb.channel_id, sb.channel_ids["random"], sb.channel_ids["lobby"]]
            policy = ReconnectPolicy(initial_delay=0.01, max_delay=0.05, reset_after=1.0)
            kwargs = client_kwargs(sb, reconnect=policy, catch_up=CatchUpConfig(max_pages=50))
            client = MezonClient(**kwargs)
            posted: dict[int, list[int]] = collections.defaultdict(list)
            got: dict[int, list[int]] = collections.defaultdict(list)
            changed = trio.Event()
            async with client, trio.open_nursery() as nursery:

                async def consume() -> None:
                    nonlocal changed
                    async for message in client.channel_messages():
                        got[message.channel_id].append(message.id)
                        changed.set()
                        changed = trio.Event()

                nursery.start_soon(consume)
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
                    for channel in channels:  # watched from its first message on
                        while not got[channel]:
                            await changed.wait()
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
                        while len(got[channel]) < len(posted[channel]):
                            await changed.wait()
                    await trio.sleep(0.2)  # nothing more may arrive
                stats = client.statistics()
                nursery.cancel_scope.cancel()

    first = {c: posted[c].index(got[c][0]) for c in channels}
    total = 0
    for channel in channels:
        assert got[channel] == posted[channel][first[channel] :], (
            f"channel {channel}: not exactly once in order"
        )
        total += len(got[channel])
    catch_up = stats.catch_up
    assert catch_up is not None
    assert catch_up.gaps == 0
    assert catch_up.failures == 0
    assert stats.reconnects == drops
    figures = {
        "drops": drops,
        "held_offline": held_offline,
        "messages": total,
        "caught_up": catch_up.caught_up,
        "arrived_both_ways": catch_up.arrived_both_ways,
        "duplicates_dropped": catch_up.duplicates_dropped,
        "held": catch_up.held,
        "history_pages": catch_up.pages,
        "storm_seconds": round(storm_time, 2),
    }
    print(f"client catch-up storm: {figures}")  # noqa: T201
