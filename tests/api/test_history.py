"""TextChannel.history: a lazy async iterator over ListChannelMessages pages; messages.fetch."""

from __future__ import annotations

import pytest
import trio

from mezon_trio.errors import ConfigurationError, NotFound
from mezon_trio.models import Message

from ._helpers import bot, received


async def _post(sb: object, count: int) -> list[int]:
    ids = []
    for i in range(count):
        posted = await sb.post_message(sb.human.id, sb.channel_ids["random"], f"m{i}")  # type: ignore[attr-defined]
        ids.append(posted.message_id)
    return ids


async def test_history_pages_newest_first_and_is_lazy() -> None:
    with trio.fail_after(30):
        async with bot() as (sb, client):
            ids = await _post(sb, 230)
            channel = await client.channels.fetch(sb.channel_ids["random"])
            history = channel.history(limit=None)
            assert not received(sb, "ListChannelMessages")  # nothing until iteration starts
            got = [m async for m in history]
            assert all(isinstance(m, Message) for m in got)
            assert [m.id for m in got] == ids[::-1]
            assert [m.text for m in got[:2]] == ["m229", "m228"]
            pages = received(sb, "ListChannelMessages")
            assert [(p.payload.limit, p.payload.direction) for p in pages] == [(100, 0)] * 3
            assert pages[0].payload.message_id == 0
            assert pages[1].payload.message_id == ids[130]  # anchor: the oldest of the previous page
            # Messages from history can act (they carry the client).
            await got[0].react("👀")


async def test_history_limit_before_and_after() -> None:
    with trio.fail_after(30):
        async with bot() as (sb, client):
            ids = await _post(sb, 30)
            channel = await client.channels.fetch(sb.channel_ids["random"])
            first = received(sb, "ListChannelMessages")
            assert [m.id async for m in channel.history(limit=5)] == ids[::-1][:5]
            (page,) = received(sb, "ListChannelMessages")[len(first) :]
            assert page.payload.limit == 5  # a small limit asks for a small page

            assert [m.id async for m in channel.history(limit=3, before=ids[10])] == [ids[9], ids[8], ids[7]]
            after = await channel.history(limit=4, after=ids[20]).collect()
            assert [m.id for m in after] == ids[21:25]  # oldest first
            between = await channel.history(limit=None, after=ids[2], before=ids[6]).collect()
            assert [m.id for m in between] == ids[3:6]
            assert await channel.history(limit=0).collect() == []
            with pytest.raises(ConfigurationError):
                channel.history(limit=-1)


async def test_history_of_an_unreadable_channel_fails_on_iteration() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            with pytest.raises(NotFound):
                await client.channels.fetch(sb.channel_ids["staff"])  # private: the bot cannot see it
            general = await client.channels.fetch(sb.channel_id)
            sb.state.channels.pop(sb.channel_id)  # the channel disappears server-side
            history = general.history()
            with pytest.raises(NotFound):
                await history.__anext__()


async def test_messages_fetch_reads_one_message_from_the_server() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            ids = await _post(sb, 3)
            channel = await client.channels.fetch(sb.channel_ids["random"])
            assert channel.messages.get(ids[1]) is None  # nobody subscribed: nothing cached
            message = await channel.messages.fetch(ids[1])
            assert message.id == ids[1]
            assert message.text == "m1"
            assert channel.messages.get(ids[1]) is message
            assert await channel.message_fetcher(ids[1]) is message
            with pytest.raises(NotFound):
                await channel.messages.fetch(ids[2] + 12345)
