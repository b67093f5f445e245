"""Reading what the bot sent, from the sandbox's record (no mocks)."""

from __future__ import annotations

import json
from typing import Any

import trio

SENDS = frozenset({"channel_message_send", "ephemeral_message_send", "UpdateChannelMessage"})


def _text(item: Any) -> str:
    payload = item.payload
    payload = getattr(payload, "message", None) or payload  # ephemeral sends wrap a ChannelMessageSend
    content = json.loads(payload.content or "{}")
    return str(content.get("t", ""))


def bot_outputs(sb: Any, kinds: frozenset[str] = SENDS) -> list[Any]:
    return [r for r in sb.received if r.user_id == sb.bot.id and r.kind in kinds]


async def wait_bot_texts(
    sb: Any, count: int, *, kinds: frozenset[str] = SENDS, within: float = 10
) -> list[str]:
    """The texts of the bot's first *count* sends (waiting for them)."""
    with trio.fail_after(within):
        items = await sb.wait_for(lambda r: r.user_id == sb.bot.id and r.kind in kinds, count=count)
    return [_text(r) for r in items]


def bot_texts(sb: Any, kinds: frozenset[str] = SENDS) -> list[str]:
    return [_text(r) for r in bot_outputs(sb, kinds)]
