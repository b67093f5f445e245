"""The realtime socket essentials (docs/protocol.md §3, §4.4, §5.3) over real loopback sockets."""

from __future__ import annotations

import json

import httpx
import pytest
import trio
import trio_websocket

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.models import Attachment
from mezon_trio.testing import Sandbox, open_sandbox
from mezon_trio.testing._records import stored_message

from .raw import bot_session, raw_socket, upgrade_status, which, ws_path


async def test_bad_token_is_rejected_with_401(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        status, data = await upgrade_status(sb, ws_path("forged"))
        assert status == 401
        assert b'"code":16' in data
        status, _ = await upgrade_status(sb, ws_path(session.refresh_token))
        assert status == 401
        status, _ = await upgrade_status(sb, "/elsewhere?token=" + session.token)
        assert status == 404
        status, data = await upgrade_status(sb, ws_path(session.token))
        assert status == 101
        assert sb.connection_count() <= 1
        rejected = [r for r in sb.received if r.kind == "connect_rejected"]
        assert len(rejected) == 3
        assert all(r.payload.get("token") in (None, "***") for r in rejected)  # never record the token


async def test_subprotocol_echoed_only_when_offered(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            assert bot.ws.subprotocol == "protobuf"
        async with raw_socket(sb, session.token, subprotocols=()) as bot:
            assert bot.ws.subprotocol is None
            env = await bot.request("ping", rt.Ping())
            assert which(env)[0] == "pong"


async def test_ping_clan_join_channel_join(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            await sb.wait_connected(sb.bot.id)
            assert sb.connection_count(sb.bot.id) == 1
            # the exact bytes of docs/protocol.md §3.6: cid 9 ping -> cid 9 pong
            await bot.ws.send_message(bytes.fromhex("0809b20100"))
            assert await bot.recv_raw() == bytes.fromhex("0809ba0100")
            # clan 0 with cid 2 is the 4 bytes 08 02 1a 00 and is echoed
            await bot.ws.send_message(bytes.fromhex("08021a00"))
            assert await bot.recv_raw() == bytes.fromhex("08021a00")
            env = await bot.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            assert env.clan_join == rt.ClanJoin(clan_id=sb.clan_id)
            env = await bot.request(
                "channel_join", rt.ChannelJoin(clan_id=0, channel_id=sb.dm_channel_id, channel_type=3)
            )
            assert env.channel is not None
            assert env.channel.id == sb.dm_channel_id
            assert env.channel.self is not None
            assert env.channel.self.user_id == sb.bot.id
            env = await bot.request("clan_join", rt.ClanJoin(clan_id=12345))
            assert env.error is not None
            assert env.error.code == 3
            staff = sb.channel_ids["staff"]
            env = await bot.request(
                "channel_join", rt.ChannelJoin(clan_id=sb.clan_id, channel_id=staff, channel_type=1)
            )
            assert env.error is not None
        with trio.fail_after(5):
            await sb.wait_for(lambda r: r.kind == "ping" and r.cid == 9)
        kinds = [r.kind for r in sb.received if r.user_id == sb.bot.id]
        assert kinds[:4] == ["authenticate", "connect", "ping", "clan_join"]


async def test_send_acks_and_pushes_to_other_members_only(sb: Sandbox, session: api.Session) -> None:
    alice_token = sb.issue_session(sb.human.id).token
    bob_token = sb.issue_session(sb.user("bob").id).token
    with trio.fail_after(10):
        async with (
            raw_socket(sb, session.token) as bot,
            raw_socket(sb, alice_token) as alice,
            raw_socket(sb, bob_token) as bob,
        ):
            for sock in (bot, alice, bob):
                await sock.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            content = json.dumps({"t": "pong"})
            env = await bot.request(
                "channel_message_send",
                rt.ChannelMessageSend(
                    clan_id=sb.clan_id,
                    channel_id=sb.channel_id,
                    content=content,
                    mode=2,
                    is_public=True,
                    mentions=[api.MessageMention(user_id=sb.human.id, username="alice", e=6)],
                ),
            )
            ack = env.channel_message_ack
            assert ack is not None
            assert ack.channel_id == sb.channel_id
            assert ack.message_id > 2**53
            assert ack.persistent is True
            assert ack.username == "sandbox-bot"
            assert ack.create_time_seconds == ack.update_time_seconds > 1.7e9
            for sock in (alice, bob):
                push = await sock.next_push("channel_message")
                assert push.cid == 0
                msg = push.channel_message
                assert msg is not None
                assert msg.message_id == ack.message_id
                assert (msg.sender_id, msg.username, msg.content) == (sb.bot.id, "sandbox-bot", content)
                assert (msg.clan_id, msg.channel_id, msg.mode, msg.is_public) == (
                    sb.clan_id,
                    sb.channel_id,
                    2,
                    True,
                )
                mentions = api.MessageMentionList.parse(msg.mentions).mentions
                assert [(m.user_id, m.username, m.e) for m in mentions] == [(sb.human.id, "alice", 6)]
                assert msg.create_time_seconds == ack.create_time_seconds
            await bot.no_frame_within(0.3)  # no self-echo
            assert sb.messages(sb.channel_id)[-1].message_id == ack.message_id


async def test_echo_own_messages() -> None:
    with trio.fail_after(10):
        async with open_sandbox(echo_own_messages=True) as sb:
            session = await bot_session(sb)
            async with raw_socket(sb, session.token) as bot:
                await bot.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
                cid = await bot.send(
                    "channel_message_send",
                    rt.ChannelMessageSend(channel_id=sb.channel_id, content='{"t":"x"}'),
                )
                frames = [await bot.recv(), await bot.recv()]
                kinds = sorted((which(f)[0], f.cid) for f in frames)
                assert kinds == [("channel_message", 0), ("channel_message_ack", cid)]


async def test_bot_gets_clan_messages_without_channel_join_but_needs_clan_join(
    sb: Sandbox, session: api.Session
) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            await sb.post_message(sb.human.id, sb.channel_id, "before clan_join")
            await bot.no_frame_within(0.2)
            await bot.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            posted = await sb.post_message(sb.human.id, sb.channel_id, "hello bot")
            push = await bot.next_push("channel_message")
            assert push.channel_message is not None
            assert stored_message(push.channel_message) == posted
            assert json.loads(posted.content) == {"t": "hello bot"}
            # DMs need clan_join(0)
            await sb.post_message(sb.human.id, sb.dm_channel_id, "dm before")
            await bot.no_frame_within(0.2)
            await bot.request("clan_join", rt.ClanJoin(clan_id=0))
            dm = await sb.post_message(sb.human.id, sb.dm_channel_id, "dm after")
            push = await bot.next_push("channel_message")
            assert push.channel_message is not None
            assert (
                push.channel_message.message_id,
                push.channel_message.clan_id,
                push.channel_message.mode,
            ) == (
                dm.message_id,
                0,
                4,
            )


async def test_post_message_mentions_and_references(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            await bot.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            first = await sb.post_message(
                sb.human.id, sb.channel_id, "😀 @sandbox-bot hi", mentions=[sb.bot.id]
            )
            reply = await sb.post_message(
                sb.human.id,
                sb.channel_id,
                "again",
                references=[first.message_id],
                attachments=[Attachment("https://x/a.png", filename="a.png", filetype="image/png")],
            )
            p1 = (await bot.next_push("channel_message")).channel_message
            p2 = (await bot.next_push("channel_message")).channel_message
            assert p1 is not None
            assert p2 is not None
            (mention,) = api.MessageMentionList.parse(p1.mentions).mentions
            assert (mention.user_id, mention.s, mention.e) == (
                sb.bot.id,
                3,
                15,
            )  # UTF-16: the emoji is 2 units
            (ref,) = api.MessageRefList.parse(p2.references).refs
            assert (ref.message_ref_id, ref.message_sender_id, ref.content) == (
                first.message_id,
                sb.human.id,
                first.content,
            )
            assert p2.message_id == reply.message_id > p1.message_id
            (attachment,) = api.MessageAttachmentList.parse(p2.attachments).attachments
            assert (attachment.filename, attachment.filetype) == ("a.png", "image/png")
            assert p1.attachments == p1.references == b""


async def test_drop_connections_abrupt_and_with_code(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            await sb.wait_connected(sb.bot.id)
            assert sb.drop_connections(sb.bot.id) == 1
            with pytest.raises(trio_websocket.ConnectionClosed) as info:
                await bot.recv()
            assert info.value.reason is not None
            assert info.value.reason.code == 1006  # no close frame: abnormal closure
        await sb.wait_disconnected()
        async with raw_socket(sb, session.token) as bot:
            await sb.wait_connected(sb.bot.id)
            sb.drop_connections(code=4001, reason="go away")
            with pytest.raises(trio_websocket.ConnectionClosed) as info:
                await bot.recv()
            assert info.value.reason is not None
            assert (info.value.reason.code, info.value.reason.reason) == (4001, "go away")


async def test_unanswered_pings(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            sb.faults.answer_pings = False
            await bot.send("ping", rt.Ping())
            await bot.no_frame_within(0.3)
            sb.faults.answer_pings = True
            env = await bot.request("ping", rt.Ping())
            assert env.pong is not None


async def test_wait_for_counts_earlier_items(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            for _ in range(3):
                await bot.request("ping", rt.Ping())
            got = await sb.wait_for(lambda r: r.kind == "ping", count=3)
            assert [r.cid for r in got] == [1, 2, 3]
            assert all(r.transport == "ws" and r.user_id == sb.bot.id for r in got)

            async def later() -> None:
                await trio.sleep(0.1)
                await bot.request("ping", rt.Ping())

            async with trio.open_nursery() as nursery:
                nursery.start_soon(later)
                got = await sb.wait_for(lambda r: r.kind == "ping", count=4)
            assert got[-1].cid == 4


async def test_body_exception_propagates_unchanged(http: httpx.AsyncClient) -> None:
    with trio.fail_after(10), pytest.raises(KeyError, match="boom"):
        async with open_sandbox():
            raise KeyError("boom")
