"""Cancelling at any point leaves no task and no socket; the ExceptionGroup contract (STYLE.md §3)."""

from __future__ import annotations

import json

import pytest
import trio
import trio.testing

from mezon_trio import Events, MezonClient, connect_mezon
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.errors import AuthenticationError, ClientClosed, StreamOverflow
from mezon_trio.models import Message
from mezon_trio.testing import open_sandbox

from ._helpers import client_kwargs, client_tasks, wait_no_connections


def _send(sb: object) -> rt.Envelope:
    return rt.Envelope(
        channel_message_send=rt.ChannelMessageSend(
            clan_id=sb.clan_id,  # type: ignore[attr-defined]
            channel_id=sb.channel_id,  # type: ignore[attr-defined]
            content=json.dumps({"t": "x"}),
            mode=2,
            is_public=True,
        )
    )


@pytest.mark.parametrize("delay", [0.0, 0.001, 0.003, 0.01, 0.03, 0.1])
async def test_cancel_during_login(delay: float) -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            sb.faults.drop_replies.add("clan_join")  # login hangs in the clan joins if not cancelled before
            with trio.move_on_after(delay) as scope:
                async with MezonClient(**client_kwargs(sb)):
                    pytest.fail("login should not finish")  # pragma: no cover
            assert scope.cancelled_caught
            assert client_tasks() == []
            await wait_no_connections(sb)


async def test_cancel_during_a_request() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            with trio.move_on_after(10) as scope:
                async with MezonClient(**client_kwargs(sb)) as client:
                    sb.faults.drop_replies.add("channel_message_send")
                    async with trio.open_nursery() as nursery:
                        nursery.start_soon(client.raw.request, _send(sb))
                        await sb.wait_for(lambda r: r.kind == "channel_message_send")
                        assert client.statistics().gateway.pending_requests == 1
                        scope.cancel()
            assert scope.cancelled_caught
            assert client.statistics().gateway.pending_requests == 0
            assert client_tasks() == []
            await wait_no_connections(sb)


async def test_a_request_made_already_cancelled_sends_nothing() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            sent = client.statistics().gateway.frames_sent
            with trio.CancelScope() as scope:
                scope.cancel()
                await client.raw.request(_send(sb))
            assert scope.cancelled_caught
            assert client.statistics().gateway.frames_sent == sent
            assert client.statistics().gateway.pending_requests == 0
            await client.raw.request(_typing_after_cancel(sb))  # the socket is still usable
            assert client.statistics().gateway.frames_sent == sent + 1
            assert not [r for r in sb.received if r.kind == "channel_message_send"]


def _typing_after_cancel(sb: object) -> rt.Envelope:
    return rt.Envelope(
        message_typing_event=rt.MessageTypingEvent(
            clan_id=sb.clan_id,  # type: ignore[attr-defined]
            channel_id=sb.channel_id,  # type: ignore[attr-defined]
            mode=2,
        )
    )


async def test_cancel_while_iterating() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            got: list[str] = []
            with trio.CancelScope() as scope:
                async with MezonClient(**client_kwargs(sb)) as client:
                    await sb.post_message(sb.human.id, sb.channel_id, "one")
                    async for msg in client.channel_messages():
                        got.append(msg.text)
                        scope.cancel()
            assert got == ["one"]
            assert client_tasks() == []
            await wait_no_connections(sb)


async def test_iteration_ends_when_the_client_closes_and_late_use_fails_cleanly() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            async with trio.open_nursery() as nursery:
                client = await connect_mezon(nursery, **client_kwargs(sb))
                seen: list[Message] = []
                done = trio.Event()

                async def consume() -> None:
                    async for msg in client.channel_messages():
                        seen.append(msg)
                    done.set()  # StopAsyncIteration, not an error

                nursery.start_soon(consume)
                await sb.post_message(sb.human.id, sb.channel_id, "hi")
                with trio.fail_after(5):
                    while not seen:  # noqa: ASYNC110 - polling a list
                        await trio.sleep(0.01)
                await client.aclose()
                await done.wait()
            assert [m.text for m in seen] == ["hi"]
            assert client_tasks() == []
            await wait_no_connections(sb)
            with pytest.raises(ClientClosed):
                client.subscribe(Events.CHANNEL_MESSAGE)


async def test_connect_mezon_cancelled_with_its_nursery() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            async with trio.open_nursery() as nursery:
                client = await connect_mezon(nursery, **client_kwargs(sb))
                assert client.is_ready
                nursery.cancel_scope.cancel()
            assert client_tasks() == []
            await wait_no_connections(sb)


async def test_connect_mezon_login_failure_leaves_nothing() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            async with trio.open_nursery() as nursery:
                with pytest.raises(AuthenticationError):
                    await connect_mezon(nursery, **client_kwargs(sb, api_key="bad"))
            assert client_tasks() == []


# ---------------------------------------------------------------- the ExceptionGroup contract


async def test_body_exception_propagates_unchanged() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            error = ValueError("mine")
            with pytest.raises(ValueError, match="mine") as info:
                async with MezonClient(**client_kwargs(sb)):
                    raise error
            assert info.value is error
            assert client_tasks() == []


async def test_internal_failure_raises_one_mezon_error(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(100):
        async with open_sandbox(in_memory=True) as sb:
            client = MezonClient(**client_kwargs(sb))

            async def run() -> None:
                async with client:
                    sb.revoke_sessions(client.session.token)
                    sb.faults.auth_status = 401
                    sb.drop_connections(sb.bot.id)
                    await trio.sleep_forever()

            with pytest.raises(AuthenticationError) as info:
                await run()
            assert not isinstance(info.value, BaseExceptionGroup)


async def test_user_error_after_internal_failure_carries_it_as_context(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(100):
        async with open_sandbox(in_memory=True) as sb:
            client = MezonClient(**client_kwargs(sb))

            async def run() -> None:
                async with client:
                    sb.revoke_sessions(client.session.token)
                    sb.faults.auth_status = 401
                    sb.drop_connections(sb.bot.id)
                    try:
                        await trio.sleep_forever()
                    finally:
                        raise KeyError("cleanup failed")

            with pytest.raises(KeyError) as info:
                await run()
            context = info.value.__context__
            while context is not None and not isinstance(context, AuthenticationError):
                context = context.__context__
            assert isinstance(context, AuthenticationError)


async def test_internal_keyboard_interrupt_propagates() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))

            def handler(msg: Message) -> None:
                raise KeyboardInterrupt

            client.on(Events.CHANNEL_MESSAGE, handler)

            async def run() -> None:
                async with client:
                    await sb.post_message(sb.human.id, sb.channel_id, "boom")
                    await trio.sleep_forever()

            with pytest.raises(KeyboardInterrupt):
                await run()
            assert client_tasks() == []


async def test_double_cancellation_closes_within_the_bound(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(100):
        async with open_sandbox(in_memory=True) as sb:
            start = trio.current_time()
            with trio.move_on_after(5) as outer:
                async with MezonClient(**client_kwargs(sb, close_timeout=2.0)):
                    with trio.CancelScope() as inner:
                        inner.cancel()
                        await trio.sleep_forever()
                    await trio.sleep_forever()
            assert outer.cancelled_caught
            assert trio.current_time() - start <= 5 + 2.0 + 0.5
            assert client_tasks() == []


async def test_slow_subscriber_does_not_stop_heartbeats_or_others(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(300):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            slow = client.channel_messages(buffer=4, overflow="close")  # never read until the end
            fast = client.channel_messages(buffer=100)
            pings_before = len([r for r in sb.received if r.kind == "ping"])
            for i in range(50):
                await sb.post_message(sb.human.id, sb.channel_id, f"m{i}")
            texts = [(await fast.__anext__()).text for _ in range(50)]
            assert texts == [f"m{i}" for i in range(50)]
            await trio.sleep(35)
            assert len([r for r in sb.received if r.kind == "ping"]) >= pings_before + 3
            stats = client.statistics()
            assert stats.gateway.heartbeat_timeouts == 0
            assert stats.reconnects == 0
            assert slow.statistics().overflows == 1
            assert slow.closed
            # Documented policy ("close"): the buffered events first, then StreamOverflow.
            assert [(await slow.__anext__()).text for _ in range(4)] == ["m0", "m1", "m2", "m3"]
            with pytest.raises(StreamOverflow):
                await slow.__anext__()
