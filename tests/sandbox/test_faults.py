"""Fault injection (sb.faults): delays, dropped and failed replies, forced statuses,
rate limits, malformed pushes, frame size."""

from __future__ import annotations

import httpx
import pytest
import trio
import trio.testing
import trio_websocket

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.frames import parse_raw_frame
from mezon_trio.testing import OpError, Sandbox, open_sandbox
from mezon_trio.testing import raw as sandbox_raw

from .raw import bot_session, raw_socket, rpc


async def test_reply_delay_does_not_block_the_connection(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(60):
        async with open_sandbox(in_memory=True) as sb:
            session = await bot_session(sb)
            async with raw_socket(sb, session.token) as bot:
                sb.faults.reply_delay = 5.0
                start = trio.current_time()
                first = await bot.send("ping", rt.Ping())
                await trio.sleep(1)
                second = await bot.send("ping", rt.Ping())
                assert (await bot.recv()).cid == first
                assert trio.current_time() - start == pytest.approx(5)
                assert (await bot.recv()).cid == second
                assert trio.current_time() - start == pytest.approx(6)  # processed meanwhile, not queued
                sb.faults.reply_delay = 0
                await bot.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
                # pushes are never delayed
                sb.faults.reply_delay = 30
                posted_at = trio.current_time()
                await sb.post_message(sb.human.id, sb.channel_id, "now")
                await bot.next_push("channel_message")
                assert trio.current_time() == posted_at


async def test_drop_replies_still_processes(sb: Sandbox, session: api.Session) -> None:
    sb.faults.drop_replies = {"clan_join"}
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            await bot.send("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            await bot.no_frame_within(0.3)
            await sb.post_message(sb.human.id, sb.channel_id, "still subscribed")
            env = await bot.recv()
            assert env.cid == 0
            assert env.channel_message is not None
            sb.faults.drop_replies = {"UpdateChannelMessage"}
            upd = rt.ChannelMessageUpdate(channel_id=sb.channel_id, message_id=1, content="{}")
            await bot.send(
                "api_request_event",
                rt.ApiRequestEvent(api_index=181, api_name="UpdateChannelMessage", body=bytes(upd)),
            )
            await bot.no_frame_within(0.3)


async def test_fail_ops_socket_http_bridge(
    sb: Sandbox, http: httpx.AsyncClient, session: api.Session
) -> None:
    must_join = OpError.for_code(3, "Must join channel before sending messages")
    sb.faults.fail_ops = {
        "channel_message_send": must_join,
        "ListClanDescs": OpError.for_code(3, "nope"),
    }
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            env = await bot.request(
                "channel_message_send", rt.ChannelMessageSend(channel_id=sb.channel_id, content="{}")
            )
            assert env.error == rt.Error(code=3, message=must_join.message)
            assert sb.messages(sb.channel_id)[-1].content != "{}"  # not processed
            r = await rpc(http, sb.http_url, session.token, "ListClanDescs")
            assert r.status_code == 400
            assert r.json() == {"code": 3, "message": "nope"}
            cid = await bot.send(
                "api_request_event", rt.ApiRequestEvent(api_index=2, api_name="ListClanDescs")
            )
            raw = await bot.recv_raw()
            assert isinstance(raw, bytes)
            frame = parse_raw_frame(raw)
            assert (frame.cid, frame.status, frame.fin) == (cid, 400, True)
            assert rt.Error.parse(frame.payload).message == "nope"


async def test_fail_ops_generated_error_is_deprecated(sb: Sandbox, session: api.Session) -> None:
    """``rt.Error`` values (the old, documented way) work for one release, with a DeprecationWarning."""
    with pytest.warns(DeprecationWarning, match=r"OpError\.for_code"):
        sb.faults.fail_ops = {"channel_message_send": rt.Error(code=3, message="old way")}
    with pytest.warns(DeprecationWarning, match=r"OpError\.for_code"):
        sb.faults.fail_ops["ListClanDescs"] = rt.Error(code=5, message="old too")
    assert sb.faults.fail_ops["ListClanDescs"].status == 403
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            env = await bot.request(
                "channel_message_send", rt.ChannelMessageSend(channel_id=sb.channel_id, content="{}")
            )
            assert env.error == rt.Error(code=3, message="old way")


async def test_rpc_status_and_retry_after(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    with trio.fail_after(10):
        sb.faults.rpc_status = {"ListClanDescs": (503, None)}
        r = await rpc(http, sb.http_url, session.token, "ListClanDescs")
        assert r.status_code == 503
        assert "retry-after" not in r.headers
        assert r.json()["code"] == 14
        sb.faults.rpc_status = {"ListClanDescs": (429, 2.0)}
        r = await rpc(http, sb.http_url, session.token, "ListClanDescs")
        assert (r.status_code, r.headers["retry-after"]) == (429, "2")
        async with raw_socket(sb, session.token) as bot:
            cid = await bot.send(
                "api_request_event", rt.ApiRequestEvent(api_index=2, api_name="ListClanDescs")
            )
            raw = await bot.recv_raw()
            assert isinstance(raw, bytes)
            assert parse_raw_frame(raw).status == 429
            assert parse_raw_frame(raw).cid == cid
            sb.faults.rpc_status = {}
            sb.faults.raw_status = {"ListClanDescs": 500}
            await bot.send("api_request_event", rt.ApiRequestEvent(api_index=2, api_name="ListClanDescs"))
            raw = await bot.recv_raw()
            assert isinstance(raw, bytes)
            assert parse_raw_frame(raw).status == 500
        # raw_status is for the bridge only
        r = await rpc(http, sb.http_url, session.token, "ListClanDescs")
        assert r.status_code == 200


async def test_rate_limits(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(60):
        async with open_sandbox(in_memory=True) as sb:
            sb.faults.rate_limits = True
            session = await bot_session(sb)
            async with raw_socket(sb, session.token) as bot:
                errors = 0
                for _ in range(100):
                    env = await bot.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
                    if env.error is not None:
                        assert (env.error.code, env.error.message) == (3, "rate limited")
                        errors += 1
                assert errors == 20  # burst of 80, no time passed
                assert (await bot.request("ping", rt.Ping())).pong is not None  # pings are exempt
                await trio.sleep(1)
                assert (await bot.request("clan_join", rt.ClanJoin(clan_id=0))).clan_join is not None
            async with httpx.AsyncClient(transport=sb.http_transport()) as http:
                statuses = [
                    (await rpc(http, sb.http_url, session.token, "ListClanDescs")).status_code
                    for _ in range(6)
                ]
                assert statuses == [200] * 5 + [429]
                r = await rpc(http, sb.http_url, session.token, "ListClanDescs")
                assert r.headers["retry-after"] == "1"
                await trio.sleep(1)
                assert (await rpc(http, sb.http_url, session.token, "ListClanDescs")).status_code == 200
                sb.faults.rate_limits = False
                statuses = [
                    (await rpc(http, sb.http_url, session.token, "ListClanDescs")).status_code
                    for _ in range(10)
                ]
                assert set(statuses) == {200}


async def test_push_bytes_and_push(sb: Sandbox, session: api.Session) -> None:
    garbage = b"\x0a\xff\xff\xff"
    unknown_variant = bytes.fromhex("aa0600")  # field 101: not in the schema
    oversized = bytes(rt.Envelope(channel_message=api.ChannelMessage(content="x" * (2 << 20))))
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            await sb.wait_connected(sb.bot.id)
            bot.ws._max_message_size = 4 << 20  # let this test client accept the oversized frame
            assert await sb.push_bytes(garbage, to=sb.bot.id) == 1
            assert await bot.recv_raw() == garbage
            await sb.push_bytes(unknown_variant)
            assert await bot.recv_raw() == unknown_variant
            await sb.push_bytes("a text frame")
            assert await bot.recv_raw() == "a text frame"
            await sb.push_bytes(oversized, to=sb.bot.id)
            assert await bot.recv_raw() == oversized
            assert await sb.push_bytes(b"x", to=sb.human.id) == 0  # alice is not connected
            event = rt.Envelope(
                token_sent_event=api.TokenSentEvent(sender_id=1, receiver_id=sb.bot.id, amount=5)
            )
            assert await sandbox_raw.push(sb, event, to=sb.bot.id) == 1
            assert await bot.recv() == event
            # the old method works for one release, with a DeprecationWarning naming the replacement
            with pytest.warns(DeprecationWarning, match=r"mezon_trio\.testing\.raw\.push"):
                assert await sb.push(event, to=sb.bot.id) == 1
            assert await bot.recv() == event


async def test_oversized_inbound_frame_closes_1009(sb: Sandbox, session: api.Session) -> None:
    sb.faults.max_frame_size = 1000
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            await bot.send(
                "channel_message_send", rt.ChannelMessageSend(channel_id=sb.channel_id, content="x" * 2000)
            )
            with pytest.raises(trio_websocket.ConnectionClosed) as info:
                await bot.recv()
            assert info.value.reason is not None
            assert info.value.reason.code == 1009
        assert not sb.internal_errors
