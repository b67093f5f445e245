"""Frame-rate limit vs heartbeats, frame size limits, auto-reconnect off, automatic joins, log hygiene."""

from __future__ import annotations

import itertools
import json
import logging

import pytest
import trio
import trio.testing

from mezon_trio import Events, MezonClient
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.errors import ConnectionLost, MezonError, ProtocolError
from mezon_trio.events import ProtocolErrorEvent
from mezon_trio.testing import open_sandbox
from mezon_trio.testing import raw as sandbox_raw

from ._helpers import client_kwargs


def _typing(sb: object) -> rt.Envelope:
    return rt.Envelope(
        message_typing_event=rt.MessageTypingEvent(
            clan_id=sb.clan_id,  # type: ignore[attr-defined]
            channel_id=sb.channel_id,  # type: ignore[attr-defined]
            mode=2,
        )
    )


async def test_heartbeat_is_not_queued_behind_user_traffic(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(600):
        async with open_sandbox(in_memory=True) as sb:
            kwargs = client_kwargs(sb, ws_rate_limit=1.0, timeout=120_000)
            async with MezonClient(**kwargs) as client:
                sent: list[float] = []

                async def typing() -> None:
                    await client.raw.request(_typing(sb))
                    sent.append(trio.current_time())

                start = trio.current_time()
                async with trio.open_nursery() as nursery:
                    for _ in range(40):  # 40 s worth of frames at 1 frame/s
                        nursery.start_soon(typing)
                assert trio.current_time() - start >= 39  # the limiter did hold user frames back
                stats = client.statistics()
                assert stats.gateway.heartbeat_timeouts == 0
                assert stats.reconnects == 0
                pings = [r.time for r in sb.received if r.kind == "ping" and r.time > start]
                assert len(pings) >= 3
                assert all(b - a < 12 for a, b in itertools.pairwise(pings))


async def test_outgoing_frame_over_the_limit_is_refused() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb, max_frame_size=4096)) as client:
            big = rt.ChannelMessageSend(
                clan_id=sb.clan_id, channel_id=sb.channel_id, content=json.dumps({"t": "x" * 5000})
            )
            with pytest.raises(ProtocolError, match="max_frame_size"):
                await client.raw.request(rt.Envelope(channel_message_send=big))
            assert client.statistics().gateway.pending_requests == 0
            assert client.is_ready


async def test_incoming_frame_over_the_limit_is_reported_and_survived() -> None:
    with trio.fail_after(20):
        async with (
            open_sandbox() as sb,
            MezonClient(**client_kwargs(sb, max_frame_size=4096)) as client,
        ):
            events = client.subscribe(Events.PROTOCOL_ERROR, Events.RECONNECTED)
            await sb.push_bytes(b"\x00" * 10_000, to=sb.bot.id)
            kinds = []
            async for ev in events:
                kinds.append(ev.kind)
                if ev.kind == Events.PROTOCOL_ERROR:
                    assert isinstance(ev.payload, ProtocolErrorEvent)
                if ev.kind == Events.RECONNECTED:
                    break
            assert kinds == [Events.PROTOCOL_ERROR, Events.RECONNECTED]
            async with client.channel_messages() as messages:
                await sb.post_message(sb.human.id, sb.channel_id, "after")
                assert (await messages.__anext__()).text == "after"


async def test_auto_reconnect_off(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(600):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            await client.login(enable_auto_reconnect=False)  # already ready: only sets the flag
            disconnected = client.stream(Events.DISCONNECTED)
            sb.drop_connections(sb.bot.id)
            ev = await disconnected.__anext__()
            assert not ev.intentional
            await trio.sleep(300)
            assert sb.connection_count(sb.bot.id) == 0
            with pytest.raises(ConnectionLost, match="auto-reconnect is off"):
                await client.raw.request(_typing(sb))
            await client.login()
            assert client.is_ready
            await client.raw.request(_typing(sb))


async def test_bot_added_to_a_clan_joins_it() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            new_clan = 1840000000000099999
            added = rt.AddClanUserEvent(clan_id=new_clan, user=rt.UserProfileRedis(user_id=sb.bot.id))
            await sandbox_raw.push(sb, rt.Envelope(add_clan_user_event=added), to=sb.bot.id)
            (join,) = await sb.wait_for(lambda r: r.kind == "clan_join" and r.payload.clan_id == new_clan)
            assert join.user_id == sb.bot.id
            assert new_clan in client.clan_ids
            # Someone else joining a clan does not make the bot join.
            other = rt.AddClanUserEvent(clan_id=new_clan + 1, user=rt.UserProfileRedis(user_id=sb.human.id))
            await sandbox_raw.push(sb, rt.Envelope(add_clan_user_event=other), to=sb.bot.id)
            await client.raw.request(_typing(sb))  # a round trip after the push
            assert not [r for r in sb.received if r.kind == "clan_join" and r.payload.clan_id == new_clan + 1]


async def test_no_secrets_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="mezon_trio")
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            async with MezonClient(**client_kwargs(sb)) as client:
                token = client.session.token
                refresh = client.session.refresh_token
                sb.drop_connections(sb.bot.id)
                await client.raw.request(_typing(sb))
                sb.revoke_sessions(token)
                with pytest.raises(MezonError):
                    async with MezonClient(**client_kwargs(sb, api_key="wrong")):
                        pass  # pragma: no cover
            text = "\n".join(f"{r.getMessage()} {r.exc_text or ''}" for r in caplog.records)
            assert "connecting to ws://" in text  # the logs are there...
            for secret in (sb.bot.api_key, "wrong", token, refresh, "token="):
                assert secret not in text  # ...without secrets


async def test_a_request_right_after_an_abrupt_drop_goes_out_on_the_next_socket() -> None:
    # drop_connections() resets a TCP socket before it returns, so the frame written next
    # fails to send and goes to the next socket, however the tasks are scheduled.
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            for attempt in range(3):
                assert sb.drop_connections(sb.bot.id) == 1
                await client.raw.request(_typing(sb))
                assert client.statistics().gateway.connections == attempt + 2
