"""Bad input gets a protocol-correct error and never crashes the sandbox."""

from __future__ import annotations

import httpx
import pytest
import trio
import trio.testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.testing import Sandbox, SandboxInternalError, open_sandbox

from .raw import bot_session, raw_socket, rpc, upgrade_status, ws_path

FUZZ = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(frames=st.lists(st.binary(max_size=64) | st.text(max_size=16), min_size=1, max_size=12))
async def test_random_frames_never_crash(frames: list[bytes | str]) -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb:
            session = await bot_session(sb)
            async with raw_socket(sb, session.token) as bot:
                for frame in frames:
                    await bot.ws.send_message(frame)
                # the connection survives and still answers in order
                env = await bot.request("ping", rt.Ping())
                assert env.pong is not None
            assert not sb.internal_errors


async def test_garbage_frames_get_errors(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            for junk in (b"\xff\x00\x01", b"\x0a\x05ab", b"\x07", b"\x08"):
                await bot.ws.send_message(junk)
                env = await bot.recv()
                assert env.cid == 0
                assert env.error is not None
                assert env.error.code == 1
            await bot.ws.send_message("{}")  # a JSON text frame
            env = await bot.recv()
            assert env.error is not None
            assert "binary" in env.error.message
            # an empty Envelope with a cid: no variant
            await bot.ws.send_message(bytes.fromhex("0805"))
            env = await bot.recv()
            assert (env.cid, env.error is not None) == (5, True)
            # a known variant whose payload does not decode
            await bot.ws.send_message(bytes.fromhex("0806") + b"\x42\x03\x0a\xff\xff")
            env = await bot.recv()
            assert env.cid == 6
            assert env.error is not None
            assert env.error.code == 1
            assert (await bot.request("ping", rt.Ping())).pong is not None
        kinds = [r.kind for r in sb.received]
        assert kinds.count("garbage") == 5
        assert "text" in kinds
        assert not sb.internal_errors


@FUZZ
@given(
    method=st.sampled_from(
        [
            "ListClanDescs",
            "ListChannelDescs",
            "ListChannelDetail",
            "CreateChannelDesc",
            "ListChannelMessages",
            "AddFriends",
            "UpdateRole",
            "SendChannelMessage",
            "UpdateChannelMessage",
            "DeleteChannelMessage",
            "AddQuickMenuAccess",
            "DeleteQuickMenuAccess",
            "SessionRefresh",
            "ListRoles",
            "ListClanUsers",
        ]
    ),
    body=st.binary(max_size=80),
)
async def test_random_rpc_bodies_never_500(method: str, body: bytes) -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb:
            session = await bot_session(sb)
            async with httpx.AsyncClient(transport=sb.http_transport()) as http:
                r = await rpc(http, sb.http_url, session.token, method, body)
                assert r.status_code in (200, 400, 401, 403, 404), (r.status_code, r.text)
                if r.status_code != 200:
                    assert set(r.json()) == {"code", "message"}
                async with raw_socket(sb, session.token) as bot:
                    await bot.send("api_request_event", rt.ApiRequestEvent(api_name=method, body=body))
                    raw = await bot.recv_raw()
                    assert isinstance(raw, bytes)
                    assert raw[0] == 0xFF
            assert not sb.internal_errors


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"\x0b", id="group-tag-leaves-None"),
        pytest.param(b"\x0a\x01x", id="bytes-in-int-field"),
    ],
)
async def test_wrong_wire_type_in_a_request_is_400_not_500(body: bytes) -> None:
    """betterproto2 decodes a wrong wire type into an int field as None or a list; the sandbox
    must answer 400 (undecodable), not crash into a 500 (found by hypothesis: ``b"\x0b"``)."""
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb:
            session = await bot_session(sb)
            async with httpx.AsyncClient(transport=sb.http_transport()) as http:
                r = await rpc(http, sb.http_url, session.token, "ListChannelDescs", body)
                assert r.status_code == 400, (r.status_code, r.text)
            assert not sb.internal_errors


async def test_bad_http_requests(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    with trio.fail_after(20):
        r = await http.get(sb.http_url + "/nope")
        assert (r.status_code, r.json()["code"]) == (404, 5)
        r = await http.put(sb.http_url + "/mezon.api.Mezon/ListClanDescs", content=b"")
        assert r.status_code == 405
        r = await http.post(sb.http_url + "/mezon.api.Mezon/", content=b"")
        assert r.status_code == 404
        r = await http.post(sb.http_url + "/mmn-api", content=b"\x00 not json")
        assert r.status_code == 200  # JSON-RPC parse error -32700, as JSON-RPC prescribes
        assert r.json()["error"]["code"] == -32700
        r = await http.post(sb.http_url + "/zk-api/prove", content=b"[]")
        assert 400 <= r.status_code < 500
        r = await http.post(
            sb.http_url + "/mezon.api.Mezon/ListClanDescs",
            content=b"\x00" * (9 << 20),
            headers={"Authorization": "Bearer " + session.token},
        )
        assert r.status_code == 413
        r = await http.get(sb.http_url + "/healthcheck")
        assert r.status_code == 200
        # the server still works
        r = await rpc(http, sb.http_url, session.token, "ListClanDescs")
        assert r.status_code == 200
    assert not sb.internal_errors


async def test_non_websocket_bytes_on_the_socket_port(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        stream = await trio.open_tcp_stream(sb.host, sb.ws_port)
        async with stream:
            await stream.send_all(b"\x16\x03\x01\x02\x00garbage, not HTTP\r\n\r\n")
            with trio.move_on_after(2):
                while await stream.receive_some():
                    pass
        status, _ = await upgrade_status(sb, ws_path(session.token))
        assert status == 101
    assert not sb.internal_errors


async def test_internal_errors_are_raised_on_exit(autojump_clock: trio.testing.MockClock) -> None:
    """A sandbox bug answers error{code 0}, keeps serving, and fails the test on exit."""

    async def scenario() -> None:
        async with open_sandbox(in_memory=True) as sb:
            session = await bot_session(sb)
            sb.state.users[sb.bot.id].username = 12345  # type: ignore[assignment]  # corrupt: not a str
            async with raw_socket(sb, session.token) as bot:
                await bot.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
                env = await bot.request(
                    "channel_message_send", rt.ChannelMessageSend(channel_id=sb.channel_id, content="{}")
                )
                assert env.error is not None
                assert env.error.code == 0
                assert (await bot.request("ping", rt.Ping())).pong is not None
            assert len(sb.internal_errors) == 1

    with trio.fail_after(30), pytest.raises(SandboxInternalError) as info:
        await scenario()
    assert isinstance(info.value.exceptions[0], AttributeError)
