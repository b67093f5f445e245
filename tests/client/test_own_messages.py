"""The bot's own chat messages, echoed back by a server, are dropped by default (docs/protocol.md §12 Q3)."""

from __future__ import annotations

import trio

from mezon_trio import MezonClient
from mezon_trio.testing import open_sandbox

from ._helpers import client_kwargs


async def _collect_texts(client: MezonClient, sb: object, *, own: str, other: str) -> list[str]:
    """Send *own* as the bot, post *other* as the human; return what the iterator yields until *other*."""
    seen: list[str] = []
    async with client.channel_messages() as messages:
        await client.send_message(sb.clan_id, sb.channel_id, 2, True, own)  # type: ignore[attr-defined]
        await sb.post_message(sb.human.id, sb.channel_id, other)  # type: ignore[attr-defined]
        async for msg in messages:
            seen.append(msg.text)
            if msg.text == other:
                break
    return seen


async def test_own_echoes_dropped_by_default() -> None:
    with trio.fail_after(20):
        async with open_sandbox(echo_own_messages=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            assert await _collect_texts(client, sb, own="from the bot", other="from alice") == ["from alice"]
            assert client.statistics().own_messages_dropped == 1


async def test_own_echoes_delivered_when_asked() -> None:
    with trio.fail_after(20):
        async with (
            open_sandbox(echo_own_messages=True) as sb,
            MezonClient(**client_kwargs(sb), ignore_own_messages=False) as client,
        ):
            texts = await _collect_texts(client, sb, own="from the bot", other="from alice")
            assert texts == ["from the bot", "from alice"]
            assert client.statistics().own_messages_dropped == 0
