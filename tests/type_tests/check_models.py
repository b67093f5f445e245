"""Checked by mypy --strict (not run): the native API answers with the value models."""

from __future__ import annotations

from typing import assert_type

from mezon_trio import MezonClient
from mezon_trio.bot import CommandContext
from mezon_trio.content import JSONValue
from mezon_trio.models import (
    ChannelInfo,
    ClanInfo,
    Message,
    Reaction,
    RolePage,
    SendAck,
    TransferResult,
    VoiceChannelUserList,
)


async def message_actions(message: Message) -> None:
    assert_type(message.content, dict[str, JSONValue])
    assert_type(await message.reply("hi"), SendAck)
    assert_type(await message.update("edited"), SendAck)
    assert_type(await message.delete(), SendAck)
    assert_type(await message.react("👍"), Reaction)


async def entities(client: MezonClient, ctx: CommandContext) -> None:
    channel = await client.channels.fetch(1)
    assert_type(await channel.send("hi"), SendAck)
    assert_type(channel.description, ChannelInfo | None)
    assert_type(await ctx.reply("hi"), SendAck)
    assert_type(await client.send_message(1, 2, 2, True, "hi"), SendAck)
    assert_type(await client.send_token(5, 1, "tip"), TransferResult)
    clan = client.clans.get(1)
    if clan is not None:
        assert_type(clan.description, ClanInfo | None)
        assert_type(await clan.list_roles(), RolePage)
        assert_type(await clan.list_channel_voice_users(), VoiceChannelUserList)
