"""Build received messages and events as the client would deliver them (no I/O)."""

from __future__ import annotations

from mezon_trio._models.message import new_message
from mezon_trio._proto.mezon import api
from mezon_trio.content import TextBuilder
from mezon_trio.models import Message

BOT = 1840000000000000001
ALICE = 1840000000000000300
CLAN = 1840000000000000100
CHANNEL = 1840000000000000200


def msg(
    text: str,
    *,
    sender: int = ALICE,
    clan: int = CLAN,
    channel: int = CHANNEL,
    mode: int = 2,
    code: int = 0,
    mention_bot_first: bool = False,
    mentions: list[api.MessageMention] | None = None,
) -> Message:
    content = text
    mention_list = list(mentions or [])
    if mention_bot_first:
        built = TextBuilder().mention(BOT, "sandbox-bot").text(" " + text).build()
        content = built.text
        mention_list.insert(0, api.MessageMention(user_id=BOT, username="sandbox-bot", s=0, e=12))
    raw = api.ChannelMessage(
        message_id=99,
        clan_id=clan,
        channel_id=channel,
        sender_id=sender,
        mode=mode,
        code=code,
        content=TextBuilder().text(content).build().to_json(),
        mentions=bytes(api.MessageMentionList(mentions=mention_list)) if mention_list else b"",
    )
    return new_message(raw)
