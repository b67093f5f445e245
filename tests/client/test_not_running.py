"""Every receiving call on a client that was never started fails at once with a clear error
(it used to wait forever); registering handlers before entering stays allowed."""

from __future__ import annotations

import pytest
import trio

from mezon_trio import Events, MezonClient
from mezon_trio.errors import ClientNotRunning, ConfigurationError


async def test_channel_messages_on_a_never_entered_client_raises_at_once() -> None:
    client = MezonClient(1, "k")
    with trio.fail_after(1), pytest.raises(ClientNotRunning, match=r"channel_messages\(\) needs a running"):
        async for _ in client.channel_messages():
            pass  # pragma: no cover


async def test_wait_for_and_expect_on_a_never_entered_client_raise_at_once() -> None:
    client = MezonClient(1, "k")
    with trio.fail_after(1):
        with pytest.raises(ClientNotRunning, match=r"wait_for\(\)"):
            await client.wait_for(Events.CHANNEL_MESSAGE)
        with pytest.raises(ClientNotRunning, match=r"expect\(\)"):
            client.expect(Events.CHANNEL_MESSAGE)


async def test_sending_on_a_never_entered_client_names_the_public_call() -> None:
    client = MezonClient(1, "k")
    with pytest.raises(ClientNotRunning, match=r"get_list_friends\(\)") as info:
        await client.get_list_friends()
    assert "rpc" not in str(info.value)
    assert isinstance(info.value, RuntimeError)
    assert isinstance(info.value, ConfigurationError)  # the family existing code catches
    with pytest.raises(ClientNotRunning, match=r"send_message\(\)"):
        await client.send_message(1, 2, 2, True, "x")


def test_handlers_may_be_registered_before_entering() -> None:
    client = MezonClient(1, "k")
    client.on(Events.CHANNEL_MESSAGE, lambda message: None)
    assert client.raw.has_listeners(Events.CHANNEL_MESSAGE)


def test_connect_mezon_takes_exactly_the_constructors_parameters() -> None:
    import inspect

    from mezon_trio import connect_mezon

    ours = list(inspect.signature(connect_mezon).parameters.values())[1:]  # after the nursery
    ctor = list(inspect.signature(MezonClient.__init__).parameters.values())[1:]  # after self
    assert [(p.name, p.kind, p.default, p.annotation) for p in ours] == [
        (p.name, p.kind, p.default, p.annotation) for p in ctor
    ]
