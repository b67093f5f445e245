"""In-memory mode: the same server over httpx.ASGITransport and memory streams,
so time-based behaviour runs under ``autojump_clock``."""

from __future__ import annotations

import httpx
import pytest
import trio
import trio.testing
import trio_websocket

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.testing import open_sandbox
from mezon_trio.testing._records import stored_message

from .raw import bot_session, raw_socket, rpc, ws_path


async def test_in_memory_login_rpc_socket(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb:
            kwargs = sb.client_kwargs()
            assert kwargs["client_id"] == sb.bot.id
            assert isinstance(kwargs["http_transport"], httpx.AsyncBaseTransport)
            assert kwargs["ws_connect"] == sb.frame_connect
            assert kwargs["use_ssl"] is False
            assert kwargs["mmn_api_url"] == sb.http_url + "/mmn-api/"
            session = await bot_session(sb)
            assert session.ws_url == sb.ws_url
            async with httpx.AsyncClient(transport=sb.http_transport()) as client:
                r = await rpc(client, session.api_url, session.token, "ListClanDescs")
                assert r.status_code == 200
                assert len(api.ClanDescList.parse(r.content).clandesc) == 2
            async with raw_socket(sb, session.token) as bot:
                assert bot.ws.subprotocol == "protobuf"
                env = await bot.request("ping", rt.Ping())
                assert env.pong is not None
                await bot.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
                posted = await sb.post_message(sb.human.id, sb.channel_id, "hi")
                push = await bot.next_push("channel_message")
                assert push.channel_message is not None
                assert stored_message(push.channel_message) == posted


async def test_idle_timeout_closes_after_60s(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(5000):
        async with open_sandbox(in_memory=True) as sb:
            session = await bot_session(sb)
            async with raw_socket(sb, session.token) as bot:
                start = trio.current_time()
                await trio.sleep(59)
                env = await bot.request("ping", rt.Ping())  # activity resets the idle timer
                assert env.pong is not None
                with pytest.raises(trio_websocket.ConnectionClosed) as info:
                    await bot.recv()
                assert info.value.reason is not None
                assert (info.value.reason.code, info.value.reason.reason) == (1000, "idle timeout")
                assert trio.current_time() - start == pytest.approx(119, abs=0.5)
            sb.faults.idle_timeout = None
            async with raw_socket(sb, session.token) as bot:
                await trio.sleep(3600)
                assert (await bot.request("ping", rt.Ping())).pong is not None


async def test_in_memory_bad_token_rejected(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb:
            with pytest.RaisesGroup(trio_websocket.ConnectionRejected, flatten_subgroups=True):
                async with trio.open_nursery() as nursery:
                    await sb.ws_connect(nursery, sb.ws_url + ws_path("forged"))
            assert sb.connection_count() == 0


async def test_in_memory_drops(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb:
            session = await bot_session(sb)
            async with raw_socket(sb, session.token) as first, raw_socket(sb, session.token) as second:
                await sb.wait_connected(sb.bot.id, count=2)
                assert sb.drop_connections(sb.bot.id) == 2
                for sock in (first, second):
                    with pytest.raises(trio_websocket.ConnectionClosed) as info:
                        await sock.recv()
                    assert info.value.reason is not None
                    assert info.value.reason.code == 1006
                await sb.wait_disconnected(sb.bot.id)
            async with raw_socket(sb, session.token) as again:
                await sb.wait_connected(sb.bot.id)
                sb.drop_connections(code=1012, reason="restart")
                with pytest.raises(trio_websocket.ConnectionClosed) as info:
                    await again.recv()
                assert info.value.reason is not None
                assert (info.value.reason.code, info.value.reason.reason) == (1012, "restart")
