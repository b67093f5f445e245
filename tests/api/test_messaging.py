"""send_message, objects' send/reply/update/delete/react, ephemeral messages, join-and-retry,
typing/read marks/pins, against the sandbox over real sockets (the human side is a raw socket)."""

from __future__ import annotations

import json

import pytest
import trio

from mezon_trio import MezonClient
from mezon_trio._models.message import new_message
from mezon_trio._models.proto import mention_to_proto
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.compat import ApiMessageAttachment, ApiMessageMention, ApiMessageRef, ChannelMessageContent
from mezon_trio.content import MAX_CONTENT_UTF16, Attachment, Content, Mention, TextBuilder
from mezon_trio.errors import ConfigurationError, ContentError, Forbidden, NotFound
from mezon_trio.models import ChannelStreamMode, Message, Reaction, SendAck, TypeMessage
from mezon_trio.testing import open_sandbox

from ._helpers import bot, client_kwargs, human, next_push, received


async def test_send_message_string_mapping_and_content() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb) as alice:
            mode, public = ChannelStreamMode.STREAM_MODE_CHANNEL, True
            ack = await client.send_message(sb.clan_id, sb.channel_id, mode, public, "plain")
            assert isinstance(ack, SendAck)
            assert ack.channel_id == sb.channel_id
            assert ack.message_id > 0
            assert ack.code == 0
            assert ack.username == sb.bot.username
            # Every schema field of the ack is kept (quirk 6).
            assert ack.create_time_seconds > 0
            assert ack.update_time_seconds == ack.create_time_seconds
            assert ack.persistent is True
            # The official spellings still read, deprecated for one release (compat's
            # ChannelMessageAck has them without a warning).
            with pytest.warns(DeprecationWarning, match="use persistent"):
                assert ack.persistence is True
            with pytest.warns(DeprecationWarning, match="use create_time_seconds"):
                assert ack.create_time == ack.create_time_seconds
            with pytest.warns(DeprecationWarning, match="use update_time_seconds"):
                assert ack.update_time == ack.update_time_seconds
            assert (ack.clan_id, ack.mode, ack.is_public) == (sb.clan_id, 2, True)
            pushed = await next_push(alice, "channel_message")
            assert pushed.message_id == ack.message_id
            assert pushed.content == '{"t":"plain"}'

            await client.send_message(sb.clan_id, sb.channel_id, mode, public, {"t": "map", "x": None})
            await client.send_message(sb.clan_id, sb.channel_id, mode, public, ChannelMessageContent(t="cmc"))
            contents = [m.content for m in sb.messages(sb.channel_id)[-3:]]
            assert contents == ['{"t":"plain"}', '{"t":"map"}', '{"t":"cmc"}']


async def test_every_mention_attachment_and_reference_field_leaves_the_process() -> None:
    """Quirk 7: mention id/rolename, attachment thumbnail/duration, reference avatar/ref_type."""
    with trio.fail_after(20):
        async with bot() as (sb, client):
            mention = ApiMessageMention(id=7, user_id=sb.human.id, username="alice", rolename="r", s=0, e=6)
            attachment = ApiMessageAttachment(
                url="https://x/y.png",
                filename="y.png",
                filetype="image/png",
                size=10,
                width=2,
                height=3,
                thumbnail="https://x/t.png",
                duration=4,
            )
            ref = ApiMessageRef(
                message_ref_id=99,
                message_sender_id=sb.human.id,
                message_sender_avatar="https://a",
                ref_type=2,
                message_sender_username="alice",
                content='{"t":"q"}',
            )
            await client.send_message(
                sb.clan_id,
                sb.channel_id,
                2,
                True,
                "@alice hi",
                [mention],
                [attachment],
                ref,
                mention_everyone=True,
                anonymous_message=True,
                avatar="https://av",
                code=8,
                topic_id=5,
            )
            sent = received(sb, "channel_message_send")[-1].payload
            assert isinstance(sent, rt.ChannelMessageSend)
            assert sent.mentions == [mention_to_proto(mention)]
            assert sent.mentions[0].id == 7
            assert sent.mentions[0].rolename == "r"
            assert sent.attachments[0].thumbnail == "https://x/t.png"
            assert sent.attachments[0].duration == 4
            assert sent.references[0].message_sender_avatar == "https://a"
            assert sent.references[0].ref_type == 2
            assert (sent.mention_everyone, sent.anonymous_message, sent.avatar, sent.code, sent.topic_id) == (
                True,
                True,
                "https://av",
                8,
                5,
            )
            # Our content types and mappings work too; the Content's own mentions are the default.
            content = TextBuilder().mention(sb.human.id, "alice").text(" hey").build()
            await client.send_message(
                sb.clan_id,
                sb.channel_id,
                2,
                True,
                content,
                None,
                [Attachment("https://z", filename="z"), {"url": "https://m", "filename": "m"}],
            )
            sent = received(sb, "channel_message_send")[-1].payload
            assert [(m.user_id, m.s, m.e) for m in sent.mentions] == [(sb.human.id, 0, 6)]
            assert [a.url for a in sent.attachments] == ["https://z", "https://m"]
            with pytest.raises(ContentError):
                await client.send_message(sb.clan_id, sb.channel_id, 2, True, "x", [{"bogus": 1}])
            with pytest.raises(ContentError):
                await client.send_message(sb.clan_id, sb.channel_id, 2, True, "x", None, [object()])


async def test_content_too_long_is_refused_before_sending() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            channel = await client.channels.fetch(sb.channel_id)
            before = len(received(sb, "channel_message_send"))
            with pytest.raises(ContentError, match="4000"):
                await channel.send("x" * MAX_CONTENT_UTF16)
            with pytest.raises(ContentError):
                await client.send_message(
                    sb.clan_id, sb.channel_id, 2, True, "😀" * 2000
                )  # 4000 units + JSON
            with pytest.raises(ContentError):
                await (await client.channels.fetch(sb.channel_id)).update_message(1, "y" * 5000)
            with pytest.raises(ContentError):
                await client.send_message(sb.clan_id, sb.channel_id, 2, True, 12345)  # type: ignore[arg-type]
            assert len(received(sb, "channel_message_send")) == before
            assert not received(sb, "UpdateChannelMessage")


async def test_unknown_channel_is_not_found_and_private_channel_is_forbidden() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            with pytest.raises(NotFound):
                await client.send_message(sb.clan_id, 1234, 2, True, "hi")
            with pytest.raises(NotFound):
                await client.channels.fetch(1234)
            staff = sb.channel_ids["staff"]  # private: alice and bob only
            with pytest.raises(Forbidden) as info:
                await client.send_message(sb.clan_id, staff, 2, False, "let me in")
            assert "join" in str(info.value)
            # It tried to join once, and did not send a second time.
            assert [r.payload.channel_id for r in received(sb, "channel_join")] == [staff]
            sends = [r for r in received(sb, "channel_message_send") if r.payload.channel_id == staff]
            assert len(sends) == 1
            assert sb.messages(staff) == [] or all(m.sender_id != sb.bot.id for m in sb.messages(staff))


async def test_must_join_channel_joins_and_retries_once() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb) as alice:
            sb.fail_next("channel_message_send", code=3, message="Must join channel before sending messages")
            channel = await client.channels.fetch(sb.channel_id)
            ack = await channel.send("after join")
            joins = received(sb, "channel_join")
            assert [(j.payload.channel_id, j.payload.channel_type, j.payload.is_public) for j in joins] == [
                (sb.channel_id, 1, True)
            ]
            assert len(received(sb, "channel_message_send")) == 2
            assert [m.message_id for m in sb.messages(sb.channel_id)].count(ack.message_id) == 1
            assert (await next_push(alice, "channel_message")).message_id == ack.message_id
            # Code 3 with an empty message is read the same way (TS rule).
            sb.fail_next("channel_message_send", code=3, message="")
            await channel.send("again")
            assert len(received(sb, "channel_join")) == 2
            # Any other error is not retried.
            sb.fail_next("channel_message_send", code=3, message="rate limited")
            with pytest.raises(Exception, match="rate limited"):
                await channel.send("no retry")
            assert len(received(sb, "channel_join")) == 2


async def test_reply_fills_the_reference_from_the_replied_message() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb) as alice:
            async with client.channel_messages() as messages:
                posted = await sb.post_message(
                    sb.human.id,
                    sb.channel_id,
                    {"t": "question"},
                )
                msg = await messages.__anext__()
            assert msg.id == posted.message_id
            ack = await msg.reply(ChannelMessageContent(t="answer"))
            sent = received(sb, "channel_message_send")[-1].payload
            (ref,) = sent.references
            assert ref.message_ref_id == posted.message_id
            assert json.loads(ref.content) == {"t": "question"}
            assert ref.has_attachment is False
            assert ref.message_sender_id == sb.human.id
            assert ref.message_sender_username  # nick, display name or username (§6.9)
            assert ref.message_sender_display_name == posted.display_name
            assert ref.message_sender_clan_nick == posted.clan_nick
            assert ref.message_sender_avatar == (posted.clan_avatar or posted.avatar)
            assert (sent.clan_id, sent.channel_id, sent.mode, sent.is_public) == (
                sb.clan_id,
                sb.channel_id,
                2,
                True,
            )
            pushed = await next_push(alice, "channel_message", lambda m: m.message_id == ack.message_id)
            (stored_ref,) = api.MessageRefList.parse(pushed.references).refs
            assert stored_ref.message_ref_id == posted.message_id
            # No DM was opened to reply (quirk 14).
            assert not received(sb, "CreateChannelDesc")


async def test_update_delete_react_through_objects_reach_state_and_human() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb) as alice:
            channel = await client.channels.fetch(sb.channel_id)
            ack = await channel.send(content=ChannelMessageContent(t="original"))
            await next_push(alice, "channel_message", lambda m: m.message_id == ack.message_id)
            own = channel.messages.get(ack.message_id)  # cached from the ack, as the official docs use it
            assert isinstance(own, Message)
            assert own.text == "original"
            assert own.sender_id == sb.bot.id

            edit = await own.update(ChannelMessageContent(t="edited"))
            assert (edit.code, edit.message_id) == (1, ack.message_id)
            (call,) = received(sb, "UpdateChannelMessage")
            assert call.payload.is_update_msg_topic is False  # quirk 8: topic_id == 0
            assert call.payload.create_time_seconds == own.create_time_seconds
            assert sb.find_message(ack.message_id).content == '{"t":"edited"}'  # type: ignore[union-attr]
            pushed = await next_push(alice, "channel_message", lambda m: m.code == 1)
            assert pushed.content == '{"t":"edited"}'
            assert channel.messages.get(ack.message_id).text == "edited"  # cache refreshed

            reaction = await own.react("👍")
            assert isinstance(reaction, Reaction)
            assert reaction.id
            assert reaction.sender_id == sb.bot.id
            assert reaction.removed is False
            with pytest.warns(DeprecationWarning, match="use removed"):
                assert reaction.action is False
            assert reaction.message_sender_id == sb.bot.id
            stored = sb.find_message(ack.message_id).reactions  # type: ignore[union-attr]
            assert [r.emoji for r in stored] == ["👍"]
            pushed_reaction = await next_push(alice, "message_reaction_event")
            assert pushed_reaction.emoji == "👍"
            assert pushed_reaction.message_id == ack.message_id
            await own.react("👍", remove=True)
            assert sb.find_message(ack.message_id).reactions == ()  # type: ignore[union-attr]
            assert (await next_push(alice, "message_reaction_event")).action is True
            await own.react(emoji_id=1, emoji="🔥", count=1)  # the official keywords
            assert (await next_push(alice, "message_reaction_event")).emoji_id == 1
            await own.react(emoji_id=1, emoji="🔥", count=1, action_delete=True)
            assert sb.find_message(ack.message_id).reactions == ()  # type: ignore[union-attr]
            with pytest.raises(ConfigurationError):
                await own.react()

            deleted = await own.delete()
            assert (deleted.code, deleted.message_id) == (2, ack.message_id)
            assert sb.find_message(ack.message_id) is None
            assert (
                await next_push(alice, "channel_message", lambda m: m.code == 2)
            ).message_id == ack.message_id
            assert channel.messages.get(ack.message_id) is None
            with pytest.raises(NotFound):
                await own.delete()
            with pytest.raises(NotFound):
                await own.update("gone")


async def test_editing_someone_elses_message_is_forbidden_and_topic_flag_follows_topic() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            async with client.channel_messages() as messages:
                await sb.post_message(sb.human.id, sb.channel_id, "hers", topic_id=77)
                msg = await messages.__anext__()
            with pytest.raises(Forbidden):
                await msg.update("mine now")
            (call,) = received(sb, "UpdateChannelMessage")
            assert call.payload.topic_id == 77
            assert call.payload.is_update_msg_topic is True


async def test_ephemeral_send_update_delete_only_reach_the_receiver() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb) as alice, human(sb, sb.user("bob").id) as bob:
            channel = await client.channels.fetch(sb.channel_id)
            ack = await channel.send_ephemeral([sb.human.id], ChannelMessageContent(text="only you"))
            assert ack.message_id
            assert ack.code == TypeMessage.EPHEMERAL
            pushed = await next_push(alice, "channel_message")
            assert (pushed.message_id, pushed.code, pushed.content) == (
                ack.message_id,
                12,
                '{"t":"only you"}',
            )

            await channel.update_ephemeral(ack.message_id, [sb.human.id], "changed")
            pushed = await next_push(alice, "channel_message")
            assert (pushed.message_id, pushed.code, pushed.content) == (ack.message_id, 14, '{"t":"changed"}')

            await channel.delete_ephemeral(ack.message_id, sb.human.id)
            pushed = await next_push(alice, "channel_message")
            assert (pushed.message_id, pushed.code) == (ack.message_id, 15)
            assert json.loads(pushed.content) == {"t": "deleteEphemeral"}
            await bob.no_frame_within(0.3)

            # reference_message_id (quirk 20: the official SDK crashes here).
            referenced = await channel.send("visible")
            await next_push(alice, "channel_message", lambda m: m.message_id == referenced.message_id)
            await channel.send_ephemeral([sb.human.id], "re", reference_message_id=referenced.message_id)
            pushed = await next_push(alice, "channel_message", lambda m: m.code == 12)
            (ref,) = api.MessageRefList.parse(pushed.references).refs
            assert ref.message_ref_id == referenced.message_id
            assert ref.message_sender_id == sb.bot.id


async def test_mark_seen_and_pins_reach_the_state() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb) as alice:
            channel = await client.channels.fetch(sb.channel_id)
            ack = await channel.send("pin me")
            await channel.mark_seen(ack.message_id)
            assert sb.state.channels[sb.channel_id].last_seen[sb.bot.id] == ack.message_id
            await channel.pin(ack.message_id)
            assert ack.message_id in sb.state.channels[sb.channel_id].pins
            pin_push = await next_push(alice, "last_pin_message_event")
            assert pin_push.operation == 1
            assert pin_push.message_id == ack.message_id
            await channel.unpin(ack.message_id)
            assert ack.message_id not in sb.state.channels[sb.channel_id].pins
            with pytest.raises(NotFound):
                await channel.pin(424242)


async def test_typing_is_throttled_per_channel(autojump_clock: trio.abc.Clock) -> None:
    with trio.fail_after(60):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            general = await client.channels.fetch(sb.channel_id)
            random = await client.channels.fetch(sb.channel_ids["random"])
            assert await general.typing() is True
            assert await general.typing() is False  # within 5 s: nothing sent
            assert await random.typing() is True  # per channel
            await trio.sleep(4.9)
            assert await general.typing() is False
            await trio.sleep(0.2)
            assert await general.typing() is True
            sent = [r.payload.channel_id for r in received(sb, "message_typing_event")]
            assert sent == [sb.channel_id, sb.channel_ids["random"], sb.channel_id]


async def test_typing_tolerates_a_silent_server(autojump_clock: trio.abc.Clock) -> None:
    with trio.fail_after(60):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            channel = await client.channels.fetch(sb.channel_id)
            sb.faults.drop_replies = {"message_typing_event", "last_seen_message_event"}
            assert await channel.typing() is True  # the request times out: logged, not raised
            await channel.mark_seen(1)


async def test_detached_message_methods_say_what_is_missing() -> None:
    message = new_message(api.ChannelMessage(message_id=1, channel_id=2))
    assert message.channel is None
    with pytest.raises(ConfigurationError, match="client"):
        await message.reply("x")


async def test_mentions_from_content_module_are_accepted() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            content = Content("@alice", mentions=[Mention(user_id=sb.human.id, username="alice", e=6)])
            await client.send_message(sb.clan_id, sb.channel_id, 2, True, content)
            sent = received(sb, "channel_message_send")[-1].payload
            assert sent.mentions[0].user_id == sb.human.id
