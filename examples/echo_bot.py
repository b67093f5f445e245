"""Echo bot: repeats what you tell it, in DMs or when you mention it in a channel.

    MEZON_CLIENT_ID=... MEZON_API_KEY=... python examples/echo_bot.py   # real Mezon
    python examples/echo_bot.py --sandbox                                # offline demo

Shows the plain stream API: ``client.channel_messages()`` with composed filters, and
``Message.reply``.  No router: every matching message is answered in arrival order.
"""

from __future__ import annotations

import logging

import trio
from _common import Chat, main

from mezon_trio import MezonClient
from mezon_trio.bot import ignore_self, is_dm, mentions_bot
from mezon_trio.errors import MezonError

log = logging.getLogger("echo_bot")


async def run_bot(
    client: MezonClient, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """Echo until cancelled (or until the client closes)."""
    wanted = ignore_self(client) & (is_dm() | mentions_bot(client))
    # drop_oldest: a burst larger than the buffer loses old messages instead of ending the stream.
    async with client.channel_messages(filter=wanted, overflow="drop_oldest") as messages:
        task_status.started()
        async for message in messages:
            if not message.text.strip():
                continue  # channel_messages() gives new messages only; skip empty ones
            text = message.text
            for mention in message.mentions:  # drop the bot's own @name from the echo
                if mention.user_id == client.user_id and mention.username:
                    text = text.replace("@" + mention.username, "", 1)
            try:
                await message.reply(text.strip() or "🦜")
            except MezonError as exc:  # one failed reply must not stop the bot
                log.warning("could not reply to %d: %s", message.id, exc)


async def script(chat: Chat) -> None:
    """The --sandbox conversation."""
    sb = chat.sb
    await chat.say("alice", "hello there", channel_id=sb.dm_channel_id)
    await chat.bot_answers()
    await chat.say("alice", f"@{sb.bot.username} echo this 🎉", mentions=[sb.bot.id])
    await chat.bot_answers()
    await chat.say("bob", "just chatting, no mention")
    await chat.silence()


if __name__ == "__main__":
    main(run_bot, script, __doc__ or "")
