"""The scripting API speaks the project's types: what a test scripts is what the bot receives."""

from __future__ import annotations

import pytest
import trio

from mezon_trio import MezonClient
from mezon_trio.events import MessageCreated, Notification, ReactionAdded
from mezon_trio.models import Attachment, Mention, MessageRef
from mezon_trio.testing import StoredMessage, open_sandbox
from mezon_trio.testing import raw as sandbox_raw


async def test_scripted_values_are_what_the_bot_receives() -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**sb.client_kwargs()) as client:
            note = Notification(
                id=7,
                code=-2,
                subject="friend request",
                content='{"from":"alice"}',
                sender_id=sb.human.id,
                clan_id=sb.clan_id,
                create_time_seconds=1_700_000_000,
            )
            async with client.expect(Notification) as notified:
                await sb.send_notification(sb.bot.id, note)
                assert await notified.wait(timeout=10) == note

            async with client.expect(MessageCreated) as created:
                first = await sb.post_message(
                    sb.human.id, sb.channel_id, "hi 😀 @sandbox-bot", mentions=[sb.bot.id]
                )
                got = await created.wait(lambda ev: ev.message.id == first.message_id, timeout=10)
            assert isinstance(first, StoredMessage)
            assert first.text == "hi 😀 @sandbox-bot"
            (mention,) = first.mentions
            assert (mention.user_id, mention.s, mention.e) == (sb.bot.id, 6, 18)  # UTF-16 units
            assert got.message.mentions == first.mentions

            picture = Attachment("https://x/a.png", filename="a.png", filetype="image/png", width=4)
            role = Mention(role_id=5, rolename="mods", s=0, e=5)
            async with client.expect(MessageCreated) as created:
                reply = await sb.post_message(
                    sb.human.id,
                    sb.channel_id,
                    "@mods look",
                    mentions=[role],
                    references=[first.message_id],
                    attachments=[picture],
                )
                got = await created.wait(lambda ev: ev.message.id == reply.message_id, timeout=10)
            assert reply.attachments == (picture,) == got.message.attachments
            assert reply.mentions == (role,) == got.message.mentions
            (ref,) = reply.references
            assert isinstance(ref, MessageRef)
            assert (ref.message_ref_id, ref.message_sender_id, ref.content) == (
                first.message_id,
                sb.human.id,
                first.content,
            )
            assert got.message.references == reply.references
            assert sb.find_message(reply.message_id) == reply == sb.messages(sb.channel_id)[-1]
            assert sb.find_message(123) is None

            async with client.expect(ReactionAdded) as reacted:
                reaction = await sb.react(sb.human.id, reply.message_id, "👍")
                added = await reacted.wait(timeout=10)
            assert added.reaction == reaction
            stored = sb.find_message(reply.message_id)
            assert stored is not None
            assert [(r.emoji, r.sender_id) for r in stored.reactions] == [("👍", sb.human.id)]

            ack = await sb.edit_message(sb.human.id, reply.message_id, {"t": "edited"})
            assert (ack.message_id, ack.channel_id) == (reply.message_id, sb.channel_id)
            wire = sandbox_raw.stored_message(sb, reply.message_id)
            assert wire is not None
            assert wire.content == '{"t":"edited"}' == sb.messages(sb.channel_id)[-1].content

            session = sb.issue_session(sb.human.id)
            assert session.user_id == sb.human.id
            assert session.token not in repr(session)


async def test_the_state_methods_made_private_keep_their_old_names_for_one_release() -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb:
            posted = await sb.post_message(sb.human.id, sb.channel_id, "old names")
            state = sb.state
            with pytest.warns(DeprecationWarning, match=r"SandboxState\.find_message .*sb\.find_message"):
                stored = state.find_message(posted.message_id)
            assert stored is sandbox_raw.stored_message(sb, posted.message_id)
            with pytest.warns(DeprecationWarning, match=r"SandboxState\.header is deprecated"):
                header = state.header(stored)
            assert header is not None
            assert header.id == posted.message_id
            channel = state.channels[sb.channel_id]
            with pytest.warns(DeprecationWarning, match=r"SandboxState\.describe is deprecated"):
                assert state.describe(channel, sb.human.id).channel_id == sb.channel_id
            clan = state.clans[sb.clan_id]
            with pytest.warns(DeprecationWarning, match=r"SandboxState\.clan_desc is deprecated"):
                assert state.clan_desc(clan).clan_id == sb.clan_id
            with pytest.warns(DeprecationWarning, match=r"SandboxState\.remove_message .*sb\.delete_message"):
                assert state.remove_message(posted.message_id) is stored
            assert sb.find_message(posted.message_id) is None
            with pytest.warns(DeprecationWarning, match=r"SandboxState\.add_message .*sb\.post_message"):
                state.add_message(stored)
            assert sb.find_message(posted.message_id) == posted
            for name in ("role_proto", "add_message", "find_message"):
                message = getattr(type(state), name).__deprecated__
                assert message.startswith(f"SandboxState.{name} is deprecated")
