"""Ctrl-C inside a bot, in process: whichever task it lands in, one plain KeyboardInterrupt leaves."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

import pytest
import trio
import trio.testing

from mezon_trio import MezonClient, ReconnectPolicy
from mezon_trio._surface import plain_keyboard_interrupt
from mezon_trio.bot import CommandContext, CommandRouter
from mezon_trio.errors import ConnectionLost
from mezon_trio.testing import open_sandbox


async def _bot_stopped_by_a_command() -> None:
    router = CommandRouter(prefix="!")

    @router.command()
    async def stop(ctx: CommandContext) -> None:
        raise KeyboardInterrupt  # what trio raises in the task SIGINT lands in

    async with (
        open_sandbox(in_memory=True) as sb,
        MezonClient(**sb.client_kwargs()) as client,
        trio.open_nursery() as nursery,
    ):
        await nursery.start(router.run, client)
        await sb.post_message(sb.human.id, sb.channel_id, "!stop")
        await trio.sleep_forever()


async def test_interrupt_in_a_command_handler_leaves_every_layer_plain() -> None:
    """Raised in a router worker, inside the user's nursery, the client and the sandbox."""
    with trio.fail_after(30), pytest.raises(KeyboardInterrupt) as info:
        await _bot_stopped_by_a_command()
    assert type(info.value) is KeyboardInterrupt
    assert info.value.__cause__ is None


async def _raise(exc: BaseException) -> None:
    raise exc


async def _nursery_of(*tasks: Callable[[], Coroutine[Any, Any, None]]) -> None:
    with plain_keyboard_interrupt():
        async with trio.open_nursery() as nursery:
            for task in tasks:
                nursery.start_soon(task)  # each raises before its first checkpoint


async def test_interrupt_with_other_errors_keeps_them_as_its_cause() -> None:
    with pytest.raises(KeyboardInterrupt) as info:
        await _nursery_of(lambda: _raise(ValueError("boom")), lambda: _raise(KeyboardInterrupt()))
    cause = info.value.__cause__
    assert isinstance(cause, BaseExceptionGroup)
    assert [type(e) for e in cause.exceptions] == [ValueError]


async def test_other_groups_pass_unchanged() -> None:
    with pytest.raises(ExceptionGroup):
        await _nursery_of(lambda: _raise(ValueError("boom")))


async def _bot_whose_connection_gives_up() -> None:
    async with open_sandbox(in_memory=True) as sb:
        kwargs = {**sb.client_kwargs(), "reconnect": ReconnectPolicy(max_attempts=1)}
        async with MezonClient(**kwargs), trio.open_nursery() as nursery:
            nursery.start_soon(trio.sleep_forever)  # the bot's own tasks, as in the examples
            sb.hold_offline(sb.bot.id)
            await trio.sleep_forever()


def test_the_clients_failure_leaves_not_a_group_of_cancelled() -> None:
    """A body cancelled (as a group) by the client's own failure lets that failure out.

    Run as a user runs a bot, in its own ``trio.run`` (virtual time: the reconnect backoff).
    """
    clock = trio.testing.MockClock(autojump_threshold=0)
    with pytest.raises(ConnectionLost, match="gave up reconnecting"):
        trio.run(_bot_whose_connection_gives_up, clock=clock)
