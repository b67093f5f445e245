"""client.wait_for / client.expect against the sandbox (real sockets)."""

from __future__ import annotations

from typing import Any

import pytest
import trio

from mezon_trio import Events, MezonClient
from mezon_trio.errors import ClientClosed, ConfigurationError
from mezon_trio.models import Message
from mezon_trio.testing import open_sandbox

from ..client._helpers import client_kwargs

# Long enough for a push to cross loopback and the client's reader on a busy 2-core machine.
SETTLE = 0.3


async def test_expect_keeps_an_answer_that_arrives_before_wait() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            bob = sb.user("bob").id
            async with client.expect(Events.CHANNEL_MESSAGE, lambda m: m.sender_id == sb.human.id) as waiter:
                await sb.post_message(bob, sb.channel_id, "not this one")
                posted = await sb.post_message(sb.human.id, sb.channel_id, "this one")
                await trio.sleep(SETTLE)  # the push is in before anyone waits
                got = await waiter.wait(timeout=5)
            assert isinstance(got, Message)
            assert (got.id, got.text) == (posted.message_id, "this one")


async def test_wait_for_sees_only_later_events_and_times_out() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            await sb.post_message(sb.human.id, sb.channel_id, "too early")
            await trio.sleep(SETTLE)
            with pytest.raises(trio.TooSlowError):
                await client.wait_for(Events.CHANNEL_MESSAGE, timeout=SETTLE)

            async def post_later() -> None:
                await trio.sleep(SETTLE)
                await sb.post_message(sb.human.id, sb.channel_id, "later")

            async with trio.open_nursery() as nursery:
                nursery.start_soon(post_later)
                got = await client.wait_for("channel_message", lambda m: m.text == "later", timeout=10)
            assert got.text == "later"


async def test_wait_predicate_in_caller_and_successive_waits() -> None:
    with trio.fail_after(20):
        async with (
            open_sandbox() as sb,
            MezonClient(**client_kwargs(sb)) as client,
            client.expect(Events.CHANNEL_MESSAGE) as waiter,
        ):
            for text in ("a", "b", "c", "d"):
                await sb.post_message(sb.human.id, sb.channel_id, text)
            assert (await waiter.wait(lambda m: m.text == "b", timeout=5)).text == "b"  # "a" skipped
            assert (await waiter.wait(timeout=5)).text == "c"
            assert (await waiter.wait(timeout=5)).text == "d"


async def test_cancelled_wait_loses_nothing() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            async with client.expect(Events.MESSAGE_BUTTON_CLICKED) as waiter:
                with trio.move_on_after(SETTLE):
                    await waiter.wait()
                ack = await sb.post_message(client.user_id, sb.channel_id, "form")
                await sb.click_button(sb.human.id, ack.message_id, "ok", '{"x": 1}')
                click = await waiter.wait(timeout=5)
            assert (click.button_id, click.user_id, click.message_id) == ("ok", sb.human.id, ack.message_id)


async def test_client_closing_ends_the_wait() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            result: list[BaseException] = []

            async def waiter_task() -> None:
                try:
                    await client.wait_for(Events.TOKEN_SEND)
                except ClientClosed as exc:
                    result.append(exc)

            async with trio.open_nursery() as nursery:
                nursery.start_soon(waiter_task)
                await trio.sleep(SETTLE)
                await client.aclose()
            assert len(result) == 1
            assert "token_sent_event" in str(result[0])


async def test_predicate_error_reaches_the_waiter() -> None:
    def boom(_: Any) -> bool:
        raise ValueError("bad predicate")

    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            async with client.expect(Events.CHANNEL_MESSAGE, boom) as waiter:
                await sb.post_message(sb.human.id, sb.channel_id, "x")
                with pytest.raises(ValueError, match="bad predicate"):
                    await waiter.wait(timeout=5)
            # the client itself is unaffected
            async with client.expect(Events.CHANNEL_MESSAGE) as waiter:
                await sb.post_message(sb.human.id, sb.channel_id, "y")
                assert (await waiter.wait(timeout=5)).text == "y"


async def test_misuse() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            waiter = client.expect(Events.CHANNEL_MESSAGE)
            with pytest.raises(ConfigurationError, match="async with"):
                await waiter.wait()
            with pytest.raises(ConfigurationError):
                async with client.expect("no_such_event"):
                    pass
            with pytest.raises(ConfigurationError):
                await client.wait_for(Events.CHANNEL_MESSAGE, timeout=-1)
            async with waiter:
                with pytest.raises(ConfigurationError, match="once"):
                    await waiter.__aenter__()
