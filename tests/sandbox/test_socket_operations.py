"""Socket operations of docs/protocol.md §5.2 beyond send: edits, reactions, ephemeral,
typing, read marks, pins, statuses, errors."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import trio

from mezon_trio._models.proto import reaction_to_proto
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.testing import Sandbox

from .raw import RawSocket, raw_socket, which


@asynccontextmanager
async def trio_of_sockets(
    sb: Sandbox, bot_token: str
) -> AsyncIterator[tuple[RawSocket, RawSocket, RawSocket]]:
    """bot, alice and bob, all joined to the Sandbox clan and to clan 0."""
    async with (
        raw_socket(sb, bot_token) as bot,
        raw_socket(sb, sb.issue_session(sb.human.id).token) as alice,
        raw_socket(sb, sb.issue_session(sb.user("bob").id).token) as bob,
    ):
        for sock in (bot, alice, bob):
            await sock.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            await sock.request("clan_join", rt.ClanJoin(clan_id=0))
        yield bot, alice, bob


async def send(sock: RawSocket, sb: Sandbox, text: str) -> int:
    env = await sock.request(
        "channel_message_send",
        rt.ChannelMessageSend(channel_id=sb.channel_id, content=json.dumps({"t": text})),
    )
    assert env.channel_message_ack is not None
    return env.channel_message_ack.message_id


async def test_legacy_update_and_remove(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with trio_of_sockets(sb, session.token) as (bot, alice, _):
            message_id = await send(bot, sb, "one")
            await alice.next_push("channel_message")
            env = await bot.request(
                "channel_message_update",
                rt.ChannelMessageUpdate(
                    channel_id=sb.channel_id, message_id=message_id, content='{"t":"two"}'
                ),
            )
            ack = env.channel_message_ack
            assert ack is not None
            assert (ack.message_id, ack.code) == (message_id, 1)
            push = (await alice.next_push("channel_message")).channel_message
            assert push is not None
            assert (push.code, json.loads(push.content)) == (1, {"t": "two"})
            assert push.update_time_seconds >= push.create_time_seconds
            env = await bot.request(
                "channel_message_remove",
                rt.ChannelMessageRemove(channel_id=sb.channel_id, message_id=message_id),
            )
            assert env.channel_message_ack is not None
            assert env.channel_message_ack.code == 2
            push = (await alice.next_push("channel_message")).channel_message
            assert push is not None
            assert push.code == 2
            env = await bot.request(
                "channel_message_remove",
                rt.ChannelMessageRemove(channel_id=sb.channel_id, message_id=message_id),
            )
            assert env.error is not None
            assert env.error.code == 3


async def test_reactions(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with trio_of_sockets(sb, session.token) as (bot, alice, bob):
            target = await sb.post_message(sb.human.id, sb.channel_id, "react to me")
            await bot.next_push("channel_message")
            await bob.next_push("channel_message")
            reaction = api.MessageReaction(
                emoji_id=1,
                emoji="👍",
                count=1,
                channel_id=sb.channel_id,
                message_id=target.message_id,
                clan_id=sb.clan_id,
            )
            env = await bot.request("message_reaction_event", reaction)
            echo = env.message_reaction_event
            assert echo is not None
            assert echo.id > 0
            assert (echo.sender_id, echo.sender_name, echo.message_sender_id) == (
                sb.bot.id,
                "sandbox-bot",
                sb.human.id,
            )
            for sock in (alice, bob):
                push = (await sock.next_push("message_reaction_event")).message_reaction_event
                assert push == echo
            stored = sb.find_message(target.message_id)
            assert stored is not None
            assert [r.emoji for r in stored.reactions] == ["👍"]
            removal = await sb.react(sb.human.id, target.message_id, "🔥")
            assert (
                await bot.next_push("message_reaction_event")
            ).message_reaction_event == reaction_to_proto(removal)
            env = await bot.request(
                "message_reaction_event",
                api.MessageReaction(id=echo.id, emoji="👍", message_id=target.message_id, action=True),
            )
            assert env.message_reaction_event is not None
            assert env.message_reaction_event.action is True
            stored = sb.find_message(target.message_id)
            assert stored is not None
            assert [r.emoji for r in stored.reactions] == ["🔥"]


async def test_ephemeral_only_to_receivers(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with trio_of_sockets(sb, session.token) as (bot, alice, bob):
            inner = rt.ChannelMessageSend(channel_id=sb.channel_id, content='{"t":"psst"}', code=12, mode=2)
            env = await bot.request(
                "ephemeral_message_send", rt.EphemeralMessageSend(message=inner, receiver_ids=[sb.human.id])
            )
            reply = env.channel_message
            assert reply is not None
            assert (reply.code, reply.sender_id, reply.content) == (12, sb.bot.id, '{"t":"psst"}')
            assert reply.message_id > 0
            push = (await alice.next_push("channel_message")).channel_message
            assert push == reply
            await bob.no_frame_within(0.2)
            assert sb.find_message(reply.message_id) is None  # ephemeral: not stored
            update = rt.ChannelMessageSend(
                channel_id=sb.channel_id, content='{"t":"psst2"}', code=14, id=reply.message_id
            )
            env = await bot.request("ephemeral_message_send", rt.EphemeralMessageSend(message=update))
            assert env.channel_message is not None
            assert (env.channel_message.code, env.channel_message.message_id) == (14, reply.message_id)
            push = (await alice.next_push("channel_message")).channel_message
            assert push is not None
            assert push.code == 14


async def test_typing_seen_pin_status(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with trio_of_sockets(sb, session.token) as (bot, alice, _):
            env = await bot.request(
                "message_typing_event", rt.MessageTypingEvent(channel_id=sb.channel_id, mode=2)
            )
            typing = env.message_typing_event
            assert typing is not None
            assert (typing.sender_id, typing.sender_username, typing.clan_id) == (
                sb.bot.id,
                "sandbox-bot",
                sb.clan_id,
            )
            assert (await alice.next_push("message_typing_event")).message_typing_event == typing

            target = sb.messages(sb.channel_id)[0]
            env = await bot.request(
                "last_seen_message_event",
                rt.LastSeenMessageEvent(channel_id=sb.channel_id, message_id=target.message_id, mode=2),
            )
            assert env.last_seen_message_event is not None
            assert sb.state.channels[sb.channel_id].last_seen[sb.bot.id] == target.message_id
            await alice.next_push("last_seen_message_event")

            env = await bot.request(
                "last_pin_message_event",
                rt.LastPinMessageEvent(channel_id=sb.channel_id, message_id=target.message_id, operation=1),
            )
            pin = env.last_pin_message_event
            assert pin is not None
            assert (pin.user_id, pin.message_sender_id, pin.message_content) == (
                sb.bot.id,
                str(target.sender_id),
                target.content,
            )
            assert sb.state.channels[sb.channel_id].pins == [target.message_id]
            assert (await alice.next_push("last_pin_message_event")).last_pin_message_event == pin

            env = await bot.request(
                "custom_status_event", rt.CustomStatusEvent(clan_id=sb.clan_id, status="busy")
            )
            status = env.custom_status_event
            assert status is not None
            assert (status.user_id, status.username, status.status) == (sb.bot.id, "sandbox-bot", "busy")
            assert (await alice.next_push("custom_status_event")).custom_status_event == status

            env = await bot.request("status_update", rt.StatusUpdate(status="online"))
            assert env.status_update == rt.StatusUpdate(status="online")
            env = await alice.request("status_follow", rt.StatusFollow(user_ids=[sb.bot.id]))
            assert env.status is not None
            assert [p.user_id for p in env.status.presences] == [sb.bot.id]


async def test_voice_check_name_and_interactions(sb: Sandbox, session: api.Session) -> None:
    voice = sb.channel_ids["lounge"]
    with trio.fail_after(10):
        async with trio_of_sockets(sb, session.token) as (bot, alice, _):
            env = await alice.request(
                "voice_joined_event",
                rt.VoiceJoinedEvent(clan_id=sb.clan_id, voice_channel_id=voice, participant="alice"),
            )
            assert env.voice_joined_event is not None
            assert env.voice_joined_event.user_id == sb.human.id
            push = (await bot.next_push("voice_joined_event")).voice_joined_event
            assert push is not None
            assert push.voice_channel_id == voice
            assert sb.state.channels[voice].voice_users == [sb.human.id]
            await alice.request(
                "voice_leaved_event", rt.VoiceLeavedEvent(clan_id=sb.clan_id, voice_channel_id=voice)
            )
            assert sb.state.channels[voice].voice_users == []

            env = await bot.request(
                "check_name_existed_event", rt.CheckNameExistedEvent(name="general", clan_id=sb.clan_id)
            )
            assert env.check_name_existed_event is not None
            assert env.check_name_existed_event.exist is True
            env = await bot.request(
                "check_name_existed_event", rt.CheckNameExistedEvent(name="nope", clan_id=sb.clan_id)
            )
            assert env.check_name_existed_event is not None
            assert env.check_name_existed_event.exist is False

            mine = await send(bot, sb, "press a button")
            await alice.next_push("channel_message")
            env = await alice.request(
                "message_button_clicked",
                rt.MessageButtonClicked(message_id=mine, button_id="yes", extra_data="{}"),
            )
            assert env.message_button_clicked is not None
            clicked = (await bot.next_push("message_button_clicked")).message_button_clicked
            assert clicked is not None
            assert (
                clicked.message_id,
                clicked.button_id,
                clicked.user_id,
                clicked.sender_id,
                clicked.channel_id,
            ) == (
                mine,
                "yes",
                sb.human.id,
                sb.bot.id,
                sb.channel_id,
            )


async def test_socket_errors(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with trio_of_sockets(sb, session.token) as (bot, _alice, _):
            # content over 4000 UTF-16 units: 2000 emoji = 4000 units + the JSON wrapper
            too_long = json.dumps({"t": "😀" * 2000}, ensure_ascii=False)
            env = await bot.request(
                "channel_message_send", rt.ChannelMessageSend(channel_id=sb.channel_id, content=too_long)
            )
            assert env.error is not None
            assert env.error.code == 3
            just_fits = json.dumps({"t": "x" * (4000 - 9)})
            assert len(just_fits) == 4000
            env = await bot.request(
                "channel_message_send", rt.ChannelMessageSend(channel_id=sb.channel_id, content=just_fits)
            )
            assert env.channel_message_ack is not None
            env = await bot.request(
                "channel_message_send", rt.ChannelMessageSend(channel_id=sb.channel_id, content="plain")
            )
            assert env.error is not None
            assert env.error.code == 3
            # no access to a private channel
            env = await bot.request(
                "channel_message_send",
                rt.ChannelMessageSend(channel_id=sb.channel_ids["staff"], content="{}"),
            )
            assert env.error is not None
            assert env.error.message == "Must join channel before sending messages"
            # a variant that is not a request (a push) and an unknown variant number
            env = await bot.request("notifications", rt.Notifications())
            assert env.error is not None
            assert env.error.code == 1
            await bot.ws.send_message(
                bytes.fromhex("0807") + bytes.fromhex("a206") + b"\x00"
            )  # cid 7, field 100 empty
            env = await bot.recv()
            assert env.cid == 7
            assert env.error is not None
            assert env.error.code == 1
            await bot.ws.send_message(
                bytes.fromhex("0808") + bytes.fromhex("aa06") + b"\x00"
            )  # cid 8, field 101
            env = await bot.recv()
            assert (env.cid, which(env)[0]) == (8, "error")
            assert env.error is not None
            assert env.error.message == "unrecognized payload"
