"""The client-wide bound on cached messages: memory stays flat however many channels a bot sees."""

from __future__ import annotations

import trio

from bench.frames import FrameFactory
from mezon_trio._services.directory import MAX_MESSAGES
from mezon_trio._structures.channel import MESSAGES_PER_CHANNEL

from ._helpers import bot

CHANNELS = 80


async def test_cached_messages_are_bounded_across_channels() -> None:
    extra = 300
    total = MAX_MESSAGES + extra
    assert total < CHANNELS * MESSAGES_PER_CHANNEL  # the per-channel bound alone would keep them all
    with trio.fail_after(120):
        async with bot() as (sb, client):
            channel_ids = [sb.channel_id + 10_000 + k for k in range(CHANNELS)]
            frames = FrameFactory().frames(total, channel_ids, first_id=1_900_000_000_000_000_000)
            seen = 0
            async with client.channel_messages(buffer=total) as messages:
                await sb.push_many(frames, to=sb.bot.id)
                async for _ in messages:
                    seen += 1
                    if seen == total:
                        break
            cached = {
                (cid, mid)
                for cid in channel_ids
                if (channel := client.channels.get(cid)) is not None
                for mid in channel.messages
            }
            assert len(cached) == MAX_MESSAGES
            # the oldest went first: exactly the last MAX_MESSAGES pushes are still there
            expected = {
                (channel_ids[i % CHANNELS], 1_900_000_000_000_000_000 + i) for i in range(extra, total)
            }
            assert cached == expected
            newest = client.channels.get(channel_ids[(total - 1) % CHANNELS])
            assert newest is not None
            last = newest.messages.get(1_900_000_000_000_000_000 + total - 1)
            assert last is not None
            assert last.text.startswith("@mezon-bot message number")
