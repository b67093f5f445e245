"""Login (docs/protocol.md §2) and the basic RPCs (§7.2) over real loopback HTTP."""

from __future__ import annotations

import base64
import json
import time

import httpx
import trio

from mezon_trio._proto.mezon import api
from mezon_trio.testing import Sandbox, open_sandbox

from .raw import login, rpc


def claims(jwt: str) -> dict[str, object]:
    payload = jwt.split(".")[1]
    result = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert isinstance(result, dict)
    return result


async def test_login_returns_protobuf_session(sb: Sandbox, http: httpx.AsyncClient) -> None:
    with trio.fail_after(10):
        r = await login(http, sb.http_url, sb.bot.id, sb.bot.api_key)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/proto"
    session = api.Session.parse(r.content)
    assert session.user_id == sb.bot.id
    assert session.api_url == f"http://127.0.0.1:{sb.port}"
    assert session.ws_url == f"ws://127.0.0.1:{sb.ws_port}"
    assert session.ws_url == sb.ws_url
    token = claims(session.token)
    assert token["uid"] == sb.bot.id
    assert token["vrs"] == {}
    assert isinstance(token["exp"], int)
    exp = token["exp"]
    assert isinstance(exp, int)
    assert 3500 < exp - time.time() <= 3601
    assert claims(session.refresh_token)["exp"]
    assert session.id_token


async def test_login_ignores_authorization_header_and_content_type(
    sb: Sandbox, http: httpx.AsyncClient
) -> None:
    body = json.dumps({"account": {"appid": str(sb.bot.id), "token": sb.bot.api_key}})
    with trio.fail_after(10):
        # PY sends `Basic b'...'` (a bytes repr); TS sends a different header; both must work.
        for headers in ({"Authorization": "Basic b'MTg0MDAw'"}, {"Content-Type": "text/plain"}, {}):
            r = await http.post(sb.http_url + "/v2/apps/authenticate/token", content=body, headers=headers)
            assert r.status_code == 200, headers
            # appid as a JSON number also works
        r = await http.post(
            sb.http_url + "/v2/apps/authenticate/token",
            content=json.dumps({"account": {"appid": sb.bot.id, "token": sb.bot.api_key}}),
        )
        assert r.status_code == 200


async def test_login_failures(sb: Sandbox, http: httpx.AsyncClient) -> None:
    with trio.fail_after(10):
        r = await login(http, sb.http_url, sb.bot.id, "wrong-key")
        assert (r.status_code, r.content) == (401, b"")
        r = await login(http, sb.http_url, 42, sb.bot.api_key)
        assert (r.status_code, r.content) == (401, b"")
        # humans have no API key: they cannot log in as an app
        r = await login(http, sb.http_url, sb.human.id, "")
        assert r.status_code == 401
        r = await http.post(sb.http_url + "/v2/apps/authenticate/token", content=b"\xff not json")
        assert r.status_code == 400
        assert r.json()["code"] == 3
        r = await http.get(sb.http_url + "/v2/apps/authenticate/token")
        assert r.status_code == 405


async def test_forced_auth_status(sb: Sandbox, http: httpx.AsyncClient) -> None:
    sb.faults.auth_status = 503
    with trio.fail_after(10):
        r = await login(http, sb.http_url, sb.bot.id, sb.bot.api_key)
        assert r.status_code == 503
        sb.faults.auth_status = None
        r = await login(http, sb.http_url, sb.bot.id, sb.bot.api_key)
        assert r.status_code == 200


async def test_bare_ws_url_option(http: httpx.AsyncClient) -> None:
    with trio.fail_after(10):
        async with open_sandbox(bare_ws_url=True) as sb:
            r = await login(http, sb.http_url, sb.bot.id, sb.bot.api_key)
            session = api.Session.parse(r.content)
            assert session.ws_url == f"127.0.0.1:{sb.ws_port}"
            assert session.api_url == sb.http_url


async def test_rpc_auth_and_unknown_method(
    sb: Sandbox, http: httpx.AsyncClient, session: api.Session
) -> None:
    with trio.fail_after(10):
        r = await rpc(http, sb.http_url, None, "ListClanDescs")
        assert r.status_code == 401
        r = await rpc(http, sb.http_url, "not.a.jwt", "ListClanDescs")
        assert r.status_code == 401
        r = await rpc(http, sb.http_url, session.refresh_token, "ListClanDescs")  # refresh token is no bearer
        assert r.status_code == 401
        r = await rpc(http, sb.http_url, session.token, "NoSuchMethod")
        assert r.status_code == 404
        assert r.json()["code"] == 12
        r = await http.get(sb.http_url + "/mezon.api.Mezon/ListClanDescs")
        assert r.status_code == 405


async def test_expired_token_is_refused(http: httpx.AsyncClient) -> None:
    with trio.fail_after(10):
        async with open_sandbox(token_ttl=1.0) as sb:
            r = await login(http, sb.http_url, sb.bot.id, sb.bot.api_key)
            session = api.Session.parse(r.content)
            r = await rpc(http, sb.http_url, session.token, "ListClanDescs")
            assert r.status_code == 200
            await trio.sleep(2.1)  # exp is whole seconds: wait past the next second boundary
            r = await rpc(http, sb.http_url, session.token, "ListClanDescs")
            assert r.status_code == 401


async def test_list_clans_and_channels(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    with trio.fail_after(10):
        r = await rpc(http, session.api_url, session.token, "ListClanDescs")  # empty body, as PY sends
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/proto"
        clans = api.ClanDescList.parse(r.content).clandesc
        assert {c.clan_id for c in clans} == set(sb.clan_ids)
        assert all(c.clan_name for c in clans)

        # DMs: `{channel_type: 3}` is the 2 bytes 28 03
        r = await rpc(http, session.api_url, session.token, "ListChannelDescs", b"\x28\x03")
        dms = api.ChannelDescList.parse(r.content).channeldesc
        assert [(d.channel_id, d.type, d.user_ids, d.clan_id) for d in dms] == [
            (sb.dm_channel_id, 3, [sb.human.id], 0)
        ]
        assert dms[0].usernames == ["alice"]

        req = api.ListChannelDescsRequest(clan_id=sb.clan_id, channel_type=1)
        r = await rpc(http, session.api_url, session.token, "ListChannelDescs", req)
        text = api.ChannelDescList.parse(r.content).channeldesc
        labels = {c.channel_label for c in text}
        assert labels == {"general", "random"}  # "staff" is private without the bot
        assert all(c.type == 1 and c.clan_id == sb.clan_id and c.channel_private == 0 for c in text)

        r = await rpc(
            http,
            session.api_url,
            session.token,
            "ListChannelDetail",
            api.ListChannelDetailRequest(sb.channel_id),
        )
        detail = api.ChannelDescription.parse(r.content)
        assert (detail.channel_id, detail.clan_id, detail.channel_label) == (
            sb.channel_id,
            sb.clan_id,
            "general",
        )
        assert detail.last_sent_message is not None

        staff = sb.channel_ids["staff"]
        r = await rpc(
            http, session.api_url, session.token, "ListChannelDetail", api.ListChannelDetailRequest(staff)
        )
        assert r.status_code == 404
        r = await rpc(
            http, session.api_url, session.token, "ListChannelDetail", api.ListChannelDetailRequest(7)
        )
        assert r.status_code == 404
        assert r.headers["content-type"] == "application/json"
        assert r.json()["code"] == 5
