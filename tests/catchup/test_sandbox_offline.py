"""The sandbox holds a bot offline while others post, and serves history pages faithfully."""

from __future__ import annotations

import trio

from mezon_trio import Events, MezonClient, ReconnectPolicy
from mezon_trio._proto.mezon import api
from mezon_trio.events import Reconnected
from mezon_trio.testing import open_sandbox

from ._harness import client_kwargs, text

_FAST = ReconnectPolicy(initial_delay=0.02, max_delay=0.1)


async def test_hold_offline_refuses_reconnects_until_released() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb, reconnect=_FAST))
            async with client, client.subscribe(Events.RECONNECTED) as reconnected:
                assert sb.hold_offline(sb.bot.id) == 1
                await sb.wait_disconnected(sb.bot.id)
                refused = await sb.wait_for(lambda r: r.kind == "connect_refused", count=3)
                assert {r.user_id for r in refused} == {sb.bot.id}
                assert sb.connection_count(sb.bot.id) == 0
                assert not client.is_ready
                # Others keep posting; the bot gets no push, the history grows.
                for i in range(5):
                    await sb.post_message(sb.human.id, sb.channel_id, f"while away {i}")
                assert [text(m) for m in sb.messages(sb.channel_id)][-5:] == [
                    f"while away {i}" for i in range(5)
                ]
                sb.release_offline(sb.bot.id)
                event = await reconnected.__anext__()
                assert isinstance(event.payload, Reconnected)
                assert client.is_ready


async def test_hold_offline_for_a_while_then_accepts() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb, reconnect=_FAST))
            async with client:
                start = trio.current_time()
                sb.hold_offline(sb.bot.id, seconds=0.5)
                await sb.wait_disconnected(sb.bot.id)
                await sb.wait_connected(sb.bot.id)
                assert trio.current_time() - start >= 0.5
                await client.wait_ready()


async def test_offline_context_manager_releases() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb, reconnect=_FAST))
            async with client:
                with sb.offline(sb.bot.id):
                    await sb.wait_disconnected(sb.bot.id)
                    await sb.wait_for(lambda r: r.kind == "connect_refused")
                await sb.wait_connected(sb.bot.id)


async def test_history_pages_backwards_without_gaps_or_overlap() -> None:
    """direction 0 anchored at the oldest id of the previous page walks the whole history,
    newest first, each message once (docs/protocol.md §7.3)."""
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            posted = [
                (await sb.post_message(sb.human.id, sb.channel_id, f"h{i}")).message_id for i in range(250)
            ]
            client = MezonClient(**client_kwargs(sb))
            async with client:
                seen: list[int] = []
                anchor = 0
                sizes = []
                while True:
                    request = api.ListChannelMessagesRequest(
                        clan_id=sb.clan_id, channel_id=sb.channel_id, message_id=anchor, limit=100
                    )
                    page = await client.raw.rpc("ListChannelMessages", request, api.ChannelMessageList)
                    ids = [m.message_id for m in page.messages]
                    sizes.append(len(ids))
                    assert ids == sorted(ids, reverse=True)  # newest first
                    assert all(i < anchor for i in ids) or not anchor  # strictly older than the anchor
                    seen.extend(ids)
                    if len(ids) < 100:
                        break
                    anchor = ids[-1]
                stored = [m.message_id for m in sb.messages(sb.channel_id)]
                assert seen == stored[::-1]
                assert set(posted) <= set(seen)
                assert sizes[:2] == [100, 100]
                # The anchor itself is excluded; a limit of 1 just above an id returns that id.
                one = api.ListChannelMessagesRequest(
                    channel_id=sb.channel_id, message_id=posted[10] + 1, limit=1
                )
                page = await client.raw.rpc("ListChannelMessages", one, api.ChannelMessageList)
                assert [m.message_id for m in page.messages] == [posted[10]]
                assert page.last_sent_message is not None
                assert page.last_sent_message.id == stored[-1]
