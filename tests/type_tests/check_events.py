"""Static checks of the typed event API: mypy --strict must accept this file (``nox -s typecheck``).

Never run, only type-checked: each ``assert_type`` pins the type mypy infers.  The cases that must
*fail* to type-check are in ``test_type_errors.py``, which runs mypy on them and expects the errors.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, assert_type

import trio

from mezon_trio import MezonClient, connect_mezon, raw
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._streams import EventHub, Subscription
from mezon_trio._waiting import Waiter
from mezon_trio.events import (
    ButtonClicked,
    Event,
    Events,
    FormSubmitted,
    HandlerError,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    ReactionAdded,
    TokensReceived,
)
from mezon_trio.models import Message


async def connecting(nursery: trio.Nursery) -> None:
    client = await connect_mezon(nursery, 1840000000000000001, "api-key", use_ssl=False)
    assert_type(client, MezonClient)


async def client_api(client: MezonClient) -> None:
    async with client.stream(MessageCreated) as messages:
        assert_type(messages, Subscription[MessageCreated])
        async for event in messages:
            assert_type(event, MessageCreated)
    async with client.subscribe(MessageEdited, MessageDeleted) as changes:
        assert_type(await changes.receive(), MessageEdited | MessageDeleted)
    async with client.channel_messages() as plain:
        assert_type(await plain.receive(), Message)

    @client.on(ButtonClicked)
    async def clicked(event: ButtonClicked) -> None:
        assert_type(event.button_id, str)

    client.off(ButtonClicked, clicked)
    async with client.stream(raw.of(rt.MessageTypingEvent)) as typing:
        assert_type((await typing.receive()).payload, rt.MessageTypingEvent)


async def streams(hub: EventHub) -> None:
    async with hub.stream(MessageCreated) as messages:
        assert_type(messages, Subscription[MessageCreated])
        async for event in messages:
            assert_type(event, MessageCreated)
            assert_type(event.message, Message)
            assert_type(event.message.text, str)
            assert_type(event.caught_up, bool)
        assert_type(await messages.receive(), MessageCreated)

    filtered = hub.stream(ButtonClicked, filter=lambda ev: ev.button_id == "ok")
    assert_type(filtered, Subscription[ButtonClicked])
    await filtered.aclose()


async def unions(hub: EventHub) -> None:
    async with hub.subscribe(MessageCreated, MessageEdited, MessageDeleted) as changes:
        async for change in changes:
            assert_type(change, MessageCreated | MessageEdited | MessageDeleted)
            if isinstance(change, MessageDeleted):
                assert_type(change.message_id, int)
    both = hub.subscribe(ReactionAdded, FormSubmitted)
    assert_type(both, Subscription[ReactionAdded | FormSubmitted])


async def raw_events(hub: EventHub) -> None:
    async with hub.stream(raw.of(rt.MessageTypingEvent)) as typing:
        async for ev in typing:
            assert_type(ev, raw.RawEvent[rt.MessageTypingEvent])
            assert_type(ev.payload.sender_id, int)


def handlers(hub: EventHub) -> None:
    @hub.on(TokensReceived)
    async def on_tokens(event: TokensReceived) -> None:
        assert_type(event.amount, int)

    # The decorator keeps the handler's own return type.
    @hub.on(ButtonClicked)
    def on_click(event: ButtonClicked) -> str:
        return event.button_id

    assert_type(on_click(ButtonClicked(button_id="b", message_id=1, channel_id=2, user_id=3)), str)

    def on_error(event: HandlerError) -> None:
        assert_type(event.error, Exception)
        assert_type(event.handler_name, str)

    assert_type(hub.on(HandlerError, on_error), Callable[[HandlerError], object])
    hub.on(MessageCreated, lambda ev: ev.message.text.upper())


async def waiting(client: MezonClient, hub: EventHub) -> None:
    click = await client.wait_for(ButtonClicked, lambda ev: ev.user_id == 1, timeout=5)
    assert_type(click, ButtonClicked)
    async with client.expect(MessageCreated) as waiter:
        assert_type(waiter, Waiter[MessageCreated])
        assert_type(await waiter.wait(lambda ev: ev.message.channel_id == 2), MessageCreated)
    assert_type(await client.wait_for(FormSubmitted), FormSubmitted)


async def compat_names(hub: EventHub) -> None:
    # The official string names keep working (untyped payloads).
    async with hub.subscribe(Events.CHANNEL_MESSAGE, "message_button_clicked") as sub:
        async for record in sub:
            assert_type(record, Event[Any])
