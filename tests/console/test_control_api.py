"""The control API over real HTTP: acting as users, the log, faults, reset, the event
stream, and the refusals that keep other web pages and hosts out."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import trio

from mezon_trio.testing import Sandbox, open_sandbox

from ..sandbox.raw import raw_socket, upgrade_status, ws_path
from ._bots import running_bot

JSON = {"content-type": "application/json"}


async def _wait_log(http: httpx.AsyncClient, sb: Sandbox, kind: str, text: str) -> dict[str, Any]:
    """Poll GET /log until the bot recorded *kind* whose payload mentions *text*."""
    while True:
        items = (await http.get("/log", params={"user": sb.bot.username, "kind": kind})).json()["items"]
        for item in items:
            if text in json.dumps(item["payload"], ensure_ascii=False):
                return item
        await trio.sleep(0.05)


async def test_post_as_user_reaches_the_bot_and_its_answer_is_in_the_log() -> None:
    with trio.fail_after(30):
        async with (
            open_sandbox() as sb,
            running_bot(sb),
            httpx.AsyncClient(base_url=sb.control_url) as http,
        ):
            info = (await http.get("/info")).json()
            assert info["bot"]["online"] is True
            assert str(sb.channel_id) in [c["id"] for c in info["channels"]]
            r = await http.post(
                "/messages", json={"as": "alice", "channel_id": str(sb.channel_id), "text": "!add 2 40"}
            )
            assert r.status_code == 200, r.text
            assert r.json()["message"]["content"] == {"t": "!add 2 40"}
            item = await _wait_log(http, sb, "channel_message_send", "2 + 40 = 42")
            assert item["user_id"] == str(sb.bot.id)
            messages = (await http.get("/messages", params={"channel_id": str(sb.channel_id)})).json()[
                "messages"
            ]
            assert messages[-1]["content"]["t"] == "2 + 40 = 42"
            assert messages[-1]["is_bot"] is True


async def test_click_select_react_transfer_membership_channels_and_push() -> None:
    with trio.fail_after(30):
        async with (
            open_sandbox() as sb,
            running_bot(sb),
            httpx.AsyncClient(base_url=sb.control_url) as http,
        ):
            channel = str(sb.channel_id)
            await http.post(
                "/messages", json={"as": "alice", "channel_id": channel, "text": '!poll "Tea?" yes no'}
            )
            await _wait_log(http, sb, "channel_message_send", "Tea?")
            poll = next(m for m in sb.messages(sb.channel_id) if m.sender_id == sb.bot.id)
            r = await http.post(
                "/click", json={"as": "bob", "message_id": str(poll.message_id), "button_id": "poll:1"}
            )
            assert r.status_code == 200, r.text
            assert r.json()["event"]["buttonId"] == "poll:1"
            await _wait_log(http, sb, "UpdateChannelMessage", "yes: 0 · no: 1")
            r = await http.post(
                "/select",
                json={"as": "bob", "message_id": str(poll.message_id), "select_id": "s", "values": ["a"]},
            )
            assert r.json()["event"]["values"] == ["a"]
            r = await http.post(
                "/react", json={"as": "alice", "message_id": str(poll.message_id), "emoji": "👍"}
            )
            assert r.json()["message"]["reactions"] == [
                {"emoji": "👍", "count": 1, "users": [str(sb.human.id)]}
            ]
            balances = (await http.get("/balances")).json()["balances"]
            r = await http.post("/transfer", json={"from": "alice", "amount": 3, "note": "hi"})
            assert len(r.json()["tx_hash"]) == 64
            after = (await http.get("/balances")).json()["balances"]
            assert after[str(sb.bot.id)] == balances[str(sb.bot.id)] + 3
            r = await http.post("/transfer", json={"from": "carol", "amount": 3})
            assert r.status_code == 400
            assert "insufficient" in r.json()["error"]
            r = await http.post("/channels", json={"as": "alice", "label": "new-room"})
            new_id = int(r.json()["channel_id"])
            assert sb.state.channels[new_id].label == "new-room"
            await http.post("/clan-members", json={"user": "carol", "clan_id": str(sb.clan_id)})
            assert sb.state.is_clan_member(sb.user("carol").id, sb.clan_id)
            await http.post("/channel-members", json={"users": ["carol"], "channel_id": str(sb.thread_id)})
            assert sb.user("carol").id in sb.state.channels[sb.thread_id].members
            r = await http.post(
                "/push",
                json={"to": "sandbox-bot", "variant": "custom_status_event", "message": {"status": "hi"}},
            )
            assert r.json()["written"] == 1
            r = await http.post(
                "/messages", json={"as": "carol", "channel_id": str(sb.dm_channel_id), "text": "x"}
            )
            assert r.status_code == 403


async def test_faults_fail_next_offline_drop_and_reset() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, httpx.AsyncClient(base_url=sb.control_url) as http:
            token = sb.issue_session(sb.bot.id).token
            rpc = f"{sb.http_url}/mezon.api.Mezon/ListClanDescs"
            auth = {"authorization": f"Bearer {token}", "content-type": "application/proto"}
            r = await http.post(
                "/faults/fail-next", json={"op": "ListClanDescs", "status": 429, "retry_after": 2}
            )
            assert r.json()["once"] == ["ListClanDescs"]
            first = await http.post(rpc, headers=auth, content=b"")
            second = await http.post(rpc, headers=auth, content=b"")
            assert (first.status_code, first.headers["retry-after"], second.status_code) == (429, "2", 200)
            await http.post("/faults", json={"rpc_status": {"ListClanDescs": [503]}})
            assert (await http.post(rpc, headers=auth, content=b"")).status_code == 503
            await http.post("/faults", json={"clear": True, "reply_delay": 0.25})
            assert sb.faults.reply_delay == 0.25
            assert (await http.post(rpc, headers=auth, content=b"")).status_code == 200
            r = await http.post("/faults/offline", json={"user": "sandbox-bot"})
            assert r.json()["offline"] == [str(sb.bot.id)]
            status, _ = await upgrade_status(sb, ws_path(token))
            assert status == 503
            await http.post("/faults/offline", json={"user": "sandbox-bot", "offline": False})
            async with raw_socket(sb, token):
                await sb.wait_connected(sb.bot.id)
                assert (await http.post("/faults/drop", json={"user": "sandbox-bot"})).json()["dropped"] == 1
                await sb.wait_disconnected(sb.bot.id)
            await http.post(
                "/messages", json={"as": "bob", "channel_id": str(sb.channel_id), "text": "gone soon"}
            )
            assert (await http.get("/log")).json()["items"]
            await http.post("/transfer", json={"from": "alice", "amount": 5})
            await http.post("/reset", json={})
            balances = (await http.get("/balances")).json()["balances"]
            assert (balances[str(sb.human.id)], balances[str(sb.bot.id)]) == (1_000_000, 1_000_000)
            assert [m.content for m in sb.messages(sb.channel_id)] == [
                '{"t":"hello everyone"}',
                '{"t":"hi alice"}',
            ]
            assert (await http.get("/log")).json()["items"] == []
            assert sb.faults.reply_delay == 0


async def test_event_stream_carries_messages_and_masked_frames() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, httpx.AsyncClient(base_url=sb.control_url) as http:
            seen: list[dict[str, Any]] = []
            # by hand: httpx's line iterators are async generators left unfinished by a break
            async with await trio.open_tcp_stream(sb.host, sb.port) as stream:
                head = f"GET /_sandbox/v1/events HTTP/1.1\r\nHost: {sb.host}:{sb.port}\r\n\r\n"
                await stream.send_all(head.encode())
                data = b""
                while b"event: hello" not in data:
                    data += await stream.receive_some()
                await http.post(
                    "/messages", json={"as": "bob", "channel_id": str(sb.channel_id), "text": "live!"}
                )
                while not any(e.get("type") == "message" for e in seen):
                    data += await stream.receive_some()
                    *events, _rest = data.split(b"\n\n")
                    seen = [json.loads(e.split(b"data: ", 1)[1]) for e in events if b"data: " in e]
            message = next(e for e in seen if e.get("type") == "message")["message"]
            assert message["content"] == {"t": "live!"}
            assert message["username"] == "bob"
            out = next(e for e in seen if e.get("type") == "frame" and e["name"] == "channel_message")
            assert (out["dir"], out["to"]) == ("out", [])  # pushed, but nobody was connected
            # a login: the API key is recorded masked, and the log shows it masked too
            await http.post(
                f"{sb.http_url}/v2/apps/authenticate/token",
                json={"account": {"appid": str(sb.bot.id), "token": sb.bot.api_key}},
            )
            log = (await http.get("/log", params={"kind": "authenticate"})).text
            assert sb.bot.api_key not in log
            assert "***" in log


async def test_event_stream_resumes_from_last_event_id_or_asks_to_resync() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            await sb.post_message(sb.human.id, sb.channel_id, "one")
            await sb.post_message(sb.human.id, sb.channel_id, "two")
            first = sb._core.feed.last_seq - 1  # the push of "one": resume right after it
            for last_id, expected in ((first, b'"t": "two"'), (10**9, b"event: resync")):
                async with await trio.open_tcp_stream(sb.host, sb.port) as stream:
                    head = (
                        f"GET /_sandbox/v1/events HTTP/1.1\r\nHost: {sb.host}:{sb.port}\r\n"
                        f"Last-Event-ID: {last_id}\r\n\r\n"
                    )
                    await stream.send_all(head.encode())
                    data = b""
                    while expected not in data:
                        data += await stream.receive_some()
                    assert b'"t": "one"' not in data


async def test_refusals_and_errors() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, httpx.AsyncClient(base_url=sb.control_url) as http:
            body = {"as": "alice", "channel_id": str(sb.channel_id), "text": "x"}
            r = await http.post("/messages", content=json.dumps(body), headers={"content-type": "text/plain"})
            assert r.status_code == 403
            r = await http.post("/messages", json=body, headers={"origin": "http://evil.example"})
            assert r.status_code == 403
            r = await http.get("/info", headers={"host": "attacker.example"})
            assert r.status_code == 403
            assert (
                await http.post("/messages", json={"as": "nobody", "channel_id": "1", "text": "x"})
            ).status_code == 404
            assert (await http.post("/messages", json={"as": "alice", "channel_id": "x"})).status_code == 400
            assert (await http.get("/nope")).status_code == 404
            assert (await http.get("/messages/edit")).status_code == 405
            page = await http.get(sb.console_url)
            assert page.status_code == 200
            assert "console.js" in page.text
            assert "default-src 'self'" in page.headers["content-security-policy"]
            assert sb.messages(sb.channel_id)[-1].content == '{"t":"hi alice"}'


async def test_non_loopback_bind_needs_allow_remote() -> None:
    with pytest.raises(ValueError, match="allow_remote"):
        async with open_sandbox(host="0.0.0.0"):
            pass
