"""Tipping bot: send tokens with a command, confirm big tips with buttons, thank tippers.

    MEZON_CLIENT_ID=... MEZON_API_KEY=... python examples/tipping_bot.py   # real Mezon
    python examples/tipping_bot.py --sandbox                                # offline demo

``!tip @user 5 for the help`` sends 5 tokens (MMN transfer signed by the bot: ``send_token``).
Tips above ``CONFIRM_ABOVE`` ask the tipper to confirm with a button first, using
``client.expect`` so a quick click cannot be missed.  Tokens sent *to* the bot are thanked by
DM and counted; ``!top`` shows the best tippers.
"""

from __future__ import annotations

import logging
from collections import Counter

import trio
from _common import Chat, main

from mezon_trio import MezonClient
from mezon_trio.bot import CommandContext, CommandRouter, MentionedUser
from mezon_trio.content import ButtonBuilder, ButtonMessageStyle, Content, TextBuilder
from mezon_trio.errors import MezonError, TokenTransferError
from mezon_trio.events import ButtonClicked, TokensReceived

log = logging.getLogger("tipping_bot")

CONFIRM_ABOVE = 100
CONFIRM_WITHIN = 60.0  # seconds


def build_router(received: Counter[str]) -> CommandRouter:
    commands = CommandRouter(prefix="!")

    @commands.command()
    async def tip(ctx: CommandContext, to: MentionedUser, amount: int, *, note: str = "") -> None:
        """Send tokens to someone: !tip @user 10 thanks."""
        if amount <= 0:
            await ctx.reply("The amount must be a positive whole number.")
            return
        if to.id == ctx.client.user_id:
            await ctx.reply("I can't tip myself.")
            return
        if amount > CONFIRM_ABOVE and not await confirm(ctx, f"Send {amount} tokens to @{to.username}?"):
            return
        try:
            result = await ctx.client.send_token(to.id, amount, note)
        except TokenTransferError as exc:  # service down, insufficient balance, rejected transaction...
            await ctx.reply(f"Transfer failed: {exc}")
            return
        name = to.username or str(to.id)
        text = TextBuilder().text(f"💸 {amount} tokens sent to ").mention(to.id, name)
        await ctx.reply(text.text(f" (tx {result.tx_hash[:10]}…)").build())

    @commands.command()
    async def top(ctx: CommandContext, n: int = 3) -> None:
        """The people who tipped the bot the most."""
        if not received:
            await ctx.reply("Nobody tipped me yet.")
            return
        lines = [f"{i}. {who}: {total}" for i, (who, total) in enumerate(received.most_common(n), 1)]
        await ctx.reply("Top tippers:\n" + "\n".join(lines))

    return commands


async def edit(ctx: CommandContext, message_id: int, text: str) -> None:
    """Edit one of the bot's messages in the command's channel (here: the question, buttons gone)."""
    channel = await ctx.client.channels.fetch(ctx.message.channel_id)
    await channel.update_message(message_id, text)


async def confirm(ctx: CommandContext, question: str) -> bool:
    """Ask the command's author to confirm with a button; False on No or after CONFIRM_WITHIN s."""
    author = ctx.message.sender_id
    buttons = (
        ButtonBuilder()
        .add_button("confirm:yes", "Yes", ButtonMessageStyle.SUCCESS)
        .add_button("confirm:no", "No", ButtonMessageStyle.DANGER)
    )
    # Subscribe BEFORE sending the question, so a fast click cannot slip through.
    async with ctx.client.expect(ButtonClicked, lambda ev: ev.user_id == author) as waiter:
        ack = await ctx.reply(Content(question, components=[buttons]))
        try:
            click = await waiter.wait(lambda ev: ev.message_id == ack.message_id, timeout=CONFIRM_WITHIN)
        except trio.TooSlowError:
            await edit(ctx, ack.message_id, "⌛ Not confirmed in time: tip cancelled.")
            return False
    answer: bool = click.button_id == "confirm:yes"
    await edit(ctx, ack.message_id, f"{question} {'✅ confirmed' if answer else '❌ cancelled'}")
    return answer


async def thank_tippers(
    client: MezonClient,
    received: Counter[str],
    *,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    async with client.stream(TokensReceived, overflow="drop_oldest") as transfers:
        task_status.started()
        async for event in transfers:
            if event.receiver_id != client.user_id or event.sender_id == client.user_id:
                continue  # the bot's own transfers are pushed to it too
            received[event.sender_name or str(event.sender_id)] += event.amount
            try:
                await client.send_dm(event.sender_id, f"Thank you for the {event.amount} tokens! 🙏")
            except MezonError as exc:
                log.warning("could not thank %d: %s", event.sender_id, exc)


async def run_bot(
    client: MezonClient, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """Run until cancelled: the command router and the thank-you loop share this nursery."""
    received: Counter[str] = Counter()
    async with trio.open_nursery() as nursery:
        await nursery.start(build_router(received).run, client)
        await nursery.start(thank_tippers, client, received)
        task_status.started()


async def script(chat: Chat) -> None:
    """The --sandbox conversation."""
    sb = chat.sb
    bob = sb.user("bob")
    await chat.say("alice", "!tip @bob 5 for the review", mentions=[bob.id])
    await chat.bot_answers(2)  # the transfer receipt DM to bob, then the reply
    await chat.say("alice", "!tip @bob 250", mentions=[bob.id])
    await chat.bot_answers()  # the confirmation question
    question = chat.last_bot_message()
    await chat.click("alice", question.message_id, "confirm:yes")
    await chat.bot_answers(3)  # the question edited, the receipt DM, the reply
    await chat.say("alice", "!tip @bob 9999999", mentions=[bob.id])
    await chat.bot_answers()
    question = chat.last_bot_message()
    await chat.click("alice", question.message_id, "confirm:yes")
    await chat.bot_answers(2)  # the question edited, then the failure (more than the bot has)
    await chat.say("alice", "!tip @bob 500", mentions=[bob.id])
    await chat.bot_answers()
    question = chat.last_bot_message()
    await chat.click("alice", question.message_id, "confirm:no")
    await chat.bot_answers()
    chat.line("bob", "*sends the bot 7 tokens*")
    await sb.transfer_tokens(bob.id, sb.bot.id, 7)
    await chat.bot_answers()
    await chat.say("alice", "!top")
    await chat.bot_answers()


if __name__ == "__main__":
    main(run_bot, script, __doc__ or "")
