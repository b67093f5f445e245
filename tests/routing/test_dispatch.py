"""CommandRouter against the sandbox: replies, errors, error events, self-messages, both run modes."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from mezon_trio import Events, MezonClient
from mezon_trio.bot import CommandContext, CommandRouter, Greedy, MentionedUser, from_users, in_channels
from mezon_trio.errors import BadArgument, UnknownCommand
from mezon_trio.events import HandlerError
from mezon_trio.models import Message
from mezon_trio.testing import open_sandbox

from ..client._helpers import client_kwargs
from ._sandbox import bot_texts, wait_bot_texts


def make_router(**kwargs: Any) -> CommandRouter:
    router = CommandRouter(**kwargs)

    @router.command(aliases=["sum"])
    async def add(ctx: CommandContext, a: int, b: int = 1) -> None:
        """Add numbers."""
        await ctx.reply(f"{a + b}")

    @router.command()
    def shout(ctx: CommandContext, text: Greedy) -> Any:  # a sync handler returning an awaitable
        return ctx.reply(text.upper())

    @router.command()
    async def boom(ctx: CommandContext) -> None:
        raise RuntimeError("kaboom")

    @router.command()
    async def who(ctx: CommandContext, user: MentionedUser) -> None:
        await ctx.send(f"{user.username}={user.id}")

    return router


async def test_attached_router_answers_commands_and_errors() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            router = make_router()
            router.attach(client, concurrency=1)  # one at a time: replies in order
            errors = client.stream(Events.HANDLER_ERROR)
            alice, bob = sb.human.id, sb.user("bob").id
            for text in ("!add 2 3", "!SUM 4", "!shout hello  world", "!add x", "!ad 1", "hello", "!boom"):
                await sb.post_message(alice, sb.channel_id, text)
            await sb.post_message(alice, sb.channel_id, "!who @bob", mentions=[bob])
            texts = await wait_bot_texts(sb, 7)
            assert texts == [
                "5",
                "5",
                "HELLO  WORLD",
                "bad value 'x' for a: expected int\nUsage: !add <a:int> [b:int]",
                "Unknown command 'ad'. Did you mean !add? Type !help for the list.",
                "Sorry, !boom failed.",
                f"bob={bob}",
            ]
            failure = await errors.__anext__()
            assert isinstance(failure, HandlerError)
            assert failure.handler_name == "boom" or failure.handler_name.endswith(".boom")
            assert isinstance(failure.event, Message)  # the message the command failed on
            assert failure.kind == "MessageCreated"
            assert isinstance(failure.error, RuntimeError)
            # replies quote the command message
            sends = [r for r in sb.received if r.user_id == sb.bot.id and r.kind == "channel_message_send"]
            assert sends[0].payload.references[0].message_ref_id != 0


async def test_help_and_mention_trigger() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            make_router().attach(client, concurrency=1)
            bot = sb.bot
            await sb.post_message(sb.human.id, sb.channel_id, f"@{bot.username} add 1 1", mentions=[bot.id])
            await sb.post_message(sb.human.id, sb.channel_id, "!help add")
            await sb.post_message(sb.human.id, sb.channel_id, f"@{bot.username}", mentions=[bot.id])
            texts = await wait_bot_texts(sb, 3)
            assert texts[0] == "2"
            assert texts[1] == "!add <a:int> [b:int]\nAdd numbers.\nAliases: !sum"
            assert texts[2].startswith("Commands:\n  !help [command]")


async def test_error_handler_replaces_default_replies() -> None:
    seen: list[Exception] = []
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            router = make_router()

            @router.error_handler
            async def on_error(ctx: CommandContext, error: Exception) -> None:
                seen.append(error)
                if isinstance(error, RuntimeError):
                    raise ValueError("the error handler fails too")  # logged, bot survives
                await ctx.reply(f"custom: {type(error).__name__}")

            router.attach(client, concurrency=1)
            for text in ("!nope", "!add", "!boom", "!add 1 1"):
                await sb.post_message(sb.human.id, sb.channel_id, text)
            texts = await wait_bot_texts(sb, 3)
            assert texts == ["custom: UnknownCommand", "custom: BadArgument", "2"]
            assert [type(e) for e in seen] == [UnknownCommand, BadArgument, RuntimeError]
            assert seen[0].name == "nope"  # type: ignore[attr-defined]


async def test_own_messages_ignored_even_when_echoed() -> None:
    with trio.fail_after(30):
        async with (
            open_sandbox(echo_own_messages=True) as sb,
            # the client's own filter is off here, so the router's ignore_self is what is tested
            MezonClient(**client_kwargs(sb), ignore_own_messages=False) as client,
        ):
            make_router().attach(client)
            # the bot's own "!add" (echoed back by this server) must not trigger a loop
            await client.send_message(sb.clan_id, sb.channel_id, 2, True, "!add 40 2")
            await sb.post_message(sb.human.id, sb.channel_id, "!add 1 2")
            assert await wait_bot_texts(sb, 2) == ["!add 40 2", "3"]
            await trio.sleep(0.3)
            assert bot_texts(sb) == ["!add 40 2", "3"]


async def test_router_filter_and_command_filter() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            router = CommandRouter(filter=in_channels(sb.channel_id))

            @router.command(filter=from_users(sb.human.id))
            async def admin(ctx: CommandContext) -> None:
                await ctx.reply("ok admin")

            @router.command()
            async def hi(ctx: CommandContext) -> None:
                await ctx.reply("hi")

            router.attach(client, concurrency=1)
            other_channel = sb.channel_ids["random"]
            await sb.post_message(sb.human.id, other_channel, "!hi")  # not an allowed channel
            await sb.post_message(sb.user("bob").id, sb.channel_id, "!admin")  # filtered command
            await sb.post_message(sb.human.id, sb.channel_id, "!admin")
            await sb.post_message(sb.user("bob").id, sb.channel_id, "!hi")
            assert await wait_bot_texts(sb, 2) == ["ok admin", "hi"]
            await trio.sleep(0.3)
            assert len(bot_texts(sb)) == 2


async def test_run_in_callers_nursery_and_detach() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            router = make_router()
            async with trio.open_nursery() as nursery:
                await nursery.start(router.run, client)
                await sb.post_message(sb.human.id, sb.channel_id, "!add 20 22")
                assert await wait_bot_texts(sb, 1) == ["42"]
                nursery.cancel_scope.cancel()
            # attach + detach: no more answers
            router.attach(client)
            router.detach(client)
            await sb.post_message(sb.human.id, sb.channel_id, "!add 1 1")
            await trio.sleep(0.3)
            assert bot_texts(sb) == ["42"]


async def test_concurrent_commands() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            router = CommandRouter()
            release = trio.Event()
            running = 0
            peak = 0

            @router.command()
            async def slow(ctx: CommandContext, n: int) -> None:
                nonlocal running, peak
                running += 1
                peak = max(peak, running)
                await release.wait()
                running -= 1
                await ctx.reply(str(n))

            async with trio.open_nursery() as nursery:
                await nursery.start(
                    lambda task_status: router.run(client, concurrency=3, task_status=task_status)
                )
                for i in range(5):
                    await sb.post_message(sb.human.id, sb.channel_id, f"!slow {i}")
                with trio.fail_after(10):
                    while peak < 3:  # noqa: ASYNC110 - counter set by the handlers
                        await trio.sleep(0.01)
                await trio.sleep(0.2)
                assert peak == 3  # bounded by concurrency
                release.set()
                assert sorted(await wait_bot_texts(sb, 5)) == ["0", "1", "2", "3", "4"]
                nursery.cancel_scope.cancel()


def test_bad_run_arguments() -> None:
    router = CommandRouter()
    with pytest.raises(Exception, match="concurrency"):
        router.attach(object(), concurrency=0)  # type: ignore[arg-type]
