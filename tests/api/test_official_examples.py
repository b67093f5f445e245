"""The official SDK's seed examples (README quick start, the messaging and channels guides, the
minimal bot of /work/notes/official-sdk.md §8, tokens, friends), translated to trio and run as written
against the sandbox.

Translation rules, and nothing else changed: ``from mezon ...`` -> ``from mezon_trio.compat ...``;
``await client.login()`` + ``asyncio.Event().wait()`` + ``disconnect()`` -> ``async with
MezonClient(...) as client:``; ids are the sandbox's; the host/port/URLs are the sandbox's.
"""

from __future__ import annotations

from typing import Any

import trio

from mezon_trio.compat import (
    ApiMessageAttachment,
    ApiMessageMention,
    ApiSentTokenRequest,
    ChannelMessage,
    ChannelMessageContent,
    MezonClient,
)
from mezon_trio.testing import Sandbox, open_sandbox

from ._helpers import human, next_push


def _official_kwargs(sb: Sandbox) -> dict[str, Any]:
    """The official constructor's arguments (strings, as in its docs)."""
    return {
        "client_id": str(sb.bot.id),
        "api_key": sb.bot.api_key,
        "host": sb.host,
        "port": str(sb.port),
        "use_ssl": False,
        "mmn_api_url": sb.mmn_url,
        "zk_api_url": sb.zk_url,
    }


async def test_readme_quick_start() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, human(sb) as alice:
            client = MezonClient(**_official_kwargs(sb))

            async def handle_message(message: ChannelMessage) -> None:
                if message.sender_id == client.client_id:
                    return
                channel = await client.channels.fetch(message.channel_id)
                await channel.send(content=ChannelMessageContent(t="Hello!"))

            client.on_channel_message(handle_message)

            async with client:
                await sb.post_message(sb.human.id, sb.channel_id, "hi bot")
                answer = await next_push(alice, "channel_message", lambda m: m.sender_id == sb.bot.id)
                assert answer.content == '{"t":"Hello!"}'
                assert answer.channel_id == sb.channel_id


async def test_minimal_bot_handler() -> None:
    """official-sdk.md §8, step by step (edit/delete act on the bot's own message: a real server,
    like the sandbox, lets only the author edit)."""
    with trio.fail_after(30):
        async with open_sandbox() as sb, human(sb) as alice:
            client = MezonClient(**_official_kwargs(sb))
            done = trio.Event()

            async def handle(message: ChannelMessage) -> None:
                if message.sender_id == client.client_id:
                    return
                channel = await client.channels.fetch(message.channel_id)  # TextChannel
                msg = await channel.messages.fetch(message.message_id)  # Message (cached from the push)
                await msg.reply(ChannelMessageContent(t="pong"))
                sent = await channel.send(content=ChannelMessageContent(t="hi"))
                await msg.react(emoji_id=1, emoji="👍", count=1)
                own = channel.messages.get(sent.message_id)
                await own.update(ChannelMessageContent(t="edited"))
                await own.delete()
                await client.send_token(
                    ApiSentTokenRequest(receiver_id=message.sender_id, amount=5, note="tip")
                )
                user = await client.users.fetch(message.sender_id)
                await user.send_dm_message(ChannelMessageContent(t="dm"))
                done.set()

            client.on_channel_message(handle)  # or client.on(Events.CHANNEL_MESSAGE, handle)

            async with client:
                posted = await sb.post_message(sb.human.id, sb.channel_id, "hello bot")
                await done.wait()
            pong = await next_push(alice, "channel_message", lambda m: m.content == '{"t":"pong"}')
            assert pong.references  # a reply
            reaction = await next_push(alice, "message_reaction_event")
            assert (reaction.message_id, reaction.emoji) == (posted.message_id, "👍")
            edited = await next_push(alice, "channel_message", lambda m: m.code == 1)
            assert edited.content == '{"t":"edited"}'
            await next_push(alice, "channel_message", lambda m: m.code == 2)
            dm = await next_push(alice, "channel_message", lambda m: m.content == '{"t":"dm"}')
            assert dm.channel_id == sb.dm_channel_id
            assert sb.chain.transfers[-1].tx.amount == "5000000"


async def test_messaging_guide() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, human(sb) as alice, MezonClient(**_official_kwargs(sb)) as client:
            # Send a basic message
            channel = await client.channels.fetch(sb.channel_id)
            ack = await channel.send(content=ChannelMessageContent(t="Hello, world!"))
            assert ack.message_id
            # Message content: ``t`` or ``text``
            assert ChannelMessageContent(t="Hello!") == ChannelMessageContent(text="Hello!")
            # Mentions
            await channel.send(
                content=ChannelMessageContent(t="Hello @alice"),
                mentions=[ApiMessageMention(user_id=sb.human.id)],
            )
            # Attachments
            await channel.send(
                content=ChannelMessageContent(t="See attachment"),
                attachments=[
                    ApiMessageAttachment(
                        url="https://example.com/image.png",
                        filename="image.png",
                        filetype="image/png",
                        size=1024,
                    )
                ],
            )
            # Ephemeral messages (a list of receivers)
            await channel.send_ephemeral(
                receiver_ids=[sb.human.id],
                content=ChannelMessageContent(text="Only you can see this!"),
            )
            # Reply to a message
            async with client.channel_messages() as incoming:
                posted = await sb.post_message(sb.human.id, sb.channel_id, "context")
                await incoming.__anext__()
            message = await channel.messages.fetch(posted.message_id)
            await message.reply(content=ChannelMessageContent(t="Thanks for the context"))
            # Update a message
            sent = await channel.send(content=ChannelMessageContent(t="Original text"))
            message = channel.messages.get(sent.message_id)
            await message.update(content=ChannelMessageContent(t="Updated text (edited)"))
            # Adding reactions
            message = channel.messages.get(sent.message_id)
            await message.react(emoji_id=1, emoji="thumbsup", count=1)

            texts = [m.content for m in sb.messages(sb.channel_id) if m.sender_id == sb.bot.id]
            assert '{"t":"Updated text (edited)"}' in texts
            assert '{"t":"Thanks for the context"}' in texts
            attachment_push = await next_push(alice, "channel_message", lambda m: bool(m.attachments))
            assert attachment_push.content == '{"t":"See attachment"}'
            ephemeral = await next_push(alice, "channel_message", lambda m: m.code == 12)
            assert ephemeral.content == '{"t":"Only you can see this!"}'


async def test_channels_guide() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**_official_kwargs(sb)) as client:
            # From the global client cache
            channel = await client.channels.fetch(sb.channel_id)
            assert channel.name == "general"
            # From a clan
            clan = await client.clans.fetch(sb.clan_id)
            await clan.load_channels()
            channel = await clan.channels.fetch(sb.channel_id)
            assert (channel.id, channel.channel_type, channel.is_private, channel.category_id) == (
                sb.channel_id,
                1,
                False,
                0,
            )
            await channel.send(content=ChannelMessageContent(t="Hello"))
            # DM flows
            user = await client.users.fetch(sb.user("bob").id)
            await user.send_dm_message(content=ChannelMessageContent(t="Hello via DM"))
            dm_channel_id = client.channel_manager.get_all_dm_channels()[sb.user("bob").id]
            assert sb.messages(dm_channel_id)[-1].content == '{"t":"Hello via DM"}'


async def test_legacy_client_calls_send_message_tokens_friends() -> None:
    """The client-level calls of the older official docs: send_message, send_token, friends."""
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**_official_kwargs(sb)) as client:
            ack = await client.send_message(
                sb.clan_id, sb.channel_id, 2, True, ChannelMessageContent(t="legacy"), None, None, None
            )
            assert sb.find_message(ack.message_id) is not None
            result = await client.send_token(
                ApiSentTokenRequest(receiver_id=sb.human.id, amount=10, note="thanks")
            )
            assert result.ok
            assert result.tx_hash
            friends = await client.get_list_friends(100)  # a list, as the official docs show
            assert [f.username for f in friends] == ["carol"]
            assert await client.accept_friend(str(sb.user("carol").id), "carol") is None
            assert await client.add_friend("bob") is None
            states = {f.username: int(f.state) for f in await client.get_list_friends(100)}
            assert states == {"carol": 0, "bob": 1}
