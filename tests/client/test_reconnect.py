"""Reconnects: dropped sockets (real loopback), heartbeat loss and backoff (autojump, in-memory)."""

from __future__ import annotations

import json

import pytest
import trio
import trio.testing

from mezon_trio import Events, MezonClient, ReconnectPolicy
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.errors import AuthenticationError, ConnectionLost
from mezon_trio.events import Disconnected, Reconnected, Reconnecting
from mezon_trio.testing import open_sandbox

from ._helpers import client_kwargs, client_tasks, wait_no_connections


def _send(sb: object, text: str) -> rt.Envelope:
    return rt.Envelope(
        channel_message_send=rt.ChannelMessageSend(
            clan_id=sb.clan_id,  # type: ignore[attr-defined]
            channel_id=sb.channel_id,  # type: ignore[attr-defined]
            content=json.dumps({"t": text}),
            mode=2,
            is_public=True,
        )
    )


async def test_drop_mid_stream_reconnects_rejoins_and_keeps_delivering() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            kwargs = client_kwargs(sb, reconnect=ReconnectPolicy(initial_delay=0.2, max_delay=0.2))
            async with MezonClient(**kwargs) as client:
                lifecycle = client.subscribe(Events.DISCONNECTED, Events.RECONNECTING, Events.RECONNECTED)
                messages = client.channel_messages()
                # A channel joined explicitly before the drop must be joined again after it.
                join = rt.ChannelJoin(clan_id=0, channel_id=sb.dm_channel_id, channel_type=3, is_public=False)
                await client.raw.request(rt.Envelope(channel_join=join))
                await sb.post_message(sb.human.id, sb.channel_id, "before")
                assert (await messages.__anext__()).text == "before"
                clan_joins_before = len([r for r in sb.received if r.kind == "clan_join"])

                assert sb.drop_connections(sb.bot.id) == 1
                ev = await lifecycle.__anext__()
                assert ev.kind == Events.DISCONNECTED
                assert isinstance(ev.payload, Disconnected)
                assert not ev.payload.intentional
                assert isinstance(ev.payload.error, ConnectionLost)
                # A request made during the outage waits and completes after the reconnect.
                assert not client.is_ready
                reply = await client.raw.request(_send(sb, "during the outage"))
                assert reply.channel_message_ack is not None
                assert client.is_ready

                ev = await lifecycle.__anext__()
                assert ev.kind == Events.RECONNECTING
                assert isinstance(ev.payload, Reconnecting)
                assert ev.payload.attempt == 1
                assert 0 <= ev.payload.delay <= 0.2
                ev = await lifecycle.__anext__()
                assert ev.kind == Events.RECONNECTED
                assert isinstance(ev.payload, Reconnected)
                assert ev.payload.attempt == 1

                # The same iterator keeps delivering.
                await sb.post_message(sb.human.id, sb.channel_id, "after")
                assert (await messages.__anext__()).text == "after"

                clan_joins = [r for r in sb.received if r.kind == "clan_join"]
                rejoined = sorted(r.payload.clan_id for r in clan_joins[clan_joins_before:])
                assert rejoined == sorted([0, *sb.clan_ids])
                channel_joins = [r for r in sb.received if r.kind == "channel_join"]
                assert [r.payload.channel_id for r in channel_joins] == [sb.dm_channel_id] * 2
                assert len([r for r in sb.received if r.kind == "ListClanDescs"]) == 2
                # The session was reused: one login only.
                assert len([r for r in sb.received if r.kind == "authenticate"]) == 1
                assert client.statistics().reconnects == 1
            assert client_tasks() == []
            await wait_no_connections(sb)


async def test_request_in_flight_fails_with_outcome_unknown() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            kwargs = client_kwargs(sb, reconnect=ReconnectPolicy(initial_delay=0.1, max_delay=0.1))
            async with MezonClient(**kwargs) as client:
                sb.faults.drop_replies.add("channel_message_send")
                outcome: list[BaseException] = []

                async def send_one() -> None:
                    try:
                        await client.raw.request(_send(sb, "lost"))
                    except ConnectionLost as exc:
                        outcome.append(exc)

                async with trio.open_nursery() as nursery:
                    nursery.start_soon(send_one)
                    await sb.wait_for(lambda r: r.kind == "channel_message_send")
                    sb.drop_connections(sb.bot.id)
                (error,) = outcome
                # The send was written: the server may have posted it, so a blind retry could post twice.
                assert error.outcome_unknown
                assert not error.retriable
                assert client.statistics().gateway.pending_requests == 0
                sb.faults.drop_replies.clear()
                await client.wait_ready()
                reply = await client.raw.request(_send(sb, "next"))
                assert reply.channel_message_ack is not None


async def test_server_close_code_is_reported() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            kwargs = client_kwargs(sb, reconnect=ReconnectPolicy(initial_delay=0.1, max_delay=0.1))
            async with MezonClient(**kwargs) as client:
                events = client.stream(Events.DISCONNECTED)
                sb.drop_connections(sb.bot.id, code=4001, reason="go away")
                ev = await events.__anext__()
                assert (ev.code, ev.reason, ev.intentional) == (4001, "go away", False)
                await client.wait_ready()


async def test_heartbeat_loss_reconnects(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(300):
        async with open_sandbox(in_memory=True) as sb:
            async with MezonClient(**client_kwargs(sb)) as client:
                events = client.subscribe(Events.DISCONNECTED, Events.RECONNECTED)
                pings = len([r for r in sb.received if r.kind == "ping"])
                assert pings == 1  # the first ping right after connecting
                await trio.sleep(25)
                assert len([r for r in sb.received if r.kind == "ping"]) == 3  # 0, 10, 20 s
                sb.faults.answer_pings = False
                lost_at = trio.current_time()
                ev = await events.__anext__()
                assert ev.kind == Events.DISCONNECTED
                assert ev.payload.reason == "heartbeat timeout"
                # Next ping within 10 s, then a 10 s pong deadline.
                assert 10 <= trio.current_time() - lost_at <= 21
                sb.faults.answer_pings = True
                ev = await events.__anext__()
                assert ev.kind == Events.RECONNECTED
                assert client.statistics().gateway.heartbeat_timeouts == 1
                assert client.is_ready
            assert client_tasks() == []


async def test_backoff_grows_and_gives_up_after_max_attempts(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(600):
        async with open_sandbox(in_memory=True) as sb:
            policy = ReconnectPolicy(max_attempts=4, initial_delay=1.0, max_delay=4.0)
            client = MezonClient(**client_kwargs(sb, reconnect=policy))
            delays: list[float] = []

            async def run() -> None:
                async with client:
                    reconnecting = client.stream(Events.RECONNECTING)
                    # The login endpoint fails with 500 and the old token is refused: nothing works.
                    sb.faults.auth_status = 500
                    sb.revoke_sessions(client.session.token)
                    sb.drop_connections(sb.bot.id)
                    async for ev in reconnecting:
                        delays.append(ev.delay)

            with pytest.raises(ConnectionLost, match="gave up"):
                await run()
            assert len(delays) == 4
            caps = [1.0, 2.0, 4.0, 4.0]
            assert all(0 <= d <= cap for d, cap in zip(delays, caps, strict=True))
            assert client_tasks() == []


async def test_auth_failure_on_reconnect_stops_without_a_storm(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(600):
        async with open_sandbox(in_memory=True) as sb:
            client = MezonClient(**client_kwargs(sb))

            async def run() -> None:
                async with client:
                    sb.revoke_sessions(client.session.token)
                    sb.faults.auth_status = 401
                    sb.drop_connections(sb.bot.id)
                    await trio.sleep_forever()

            with pytest.raises(AuthenticationError):
                await run()
            logins = [r for r in sb.received if r.kind == "authenticate"]
            assert len(logins) == 2  # the first login, then exactly one refused attempt
            assert client_tasks() == []


async def test_close_socket_and_login(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(300):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            events = client.subscribe(Events.DISCONNECTED, Events.READY)
            await client.close_socket()
            ev = await events.__anext__()
            assert ev.kind == Events.DISCONNECTED
            assert ev.payload.intentional
            assert ev.payload.code == 1000
            assert not client.is_ready
            assert sb.connection_count(sb.bot.id) == 0
            with pytest.raises(ConnectionLost, match="login"):
                await client.raw.request(_send(sb, "nobody home"))
            await trio.sleep(120)  # no automatic reconnect after an intentional close
            assert sb.connection_count(sb.bot.id) == 0
            await client.login()
            assert client.is_ready
            assert sb.connection_count(sb.bot.id) == 1
            ev = await events.__anext__()
            assert ev.kind == Events.READY
            reply = await client.raw.request(_send(sb, "back"))
            assert reply.channel_message_ack is not None
