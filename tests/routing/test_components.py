"""ComponentRouter against the sandbox: exact/glob/regex routes, selects, extra_data, failures."""

from __future__ import annotations

import re

import pytest
import trio

from mezon_trio import Events, MezonClient
from mezon_trio.bot import ComponentContext, ComponentRouter, from_users, parse_extra_data
from mezon_trio.content import ButtonBuilder, Content
from mezon_trio.errors import ConfigurationError
from mezon_trio.events import ButtonClicked, HandlerError
from mezon_trio.testing import open_sandbox

from ..client._helpers import client_kwargs
from ._sandbox import bot_texts, wait_bot_texts


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"name": "Ann", "n": 2}', {"name": "Ann", "n": 2}),
        ("", {}),
        ("   ", {}),
        ("null", {}),
        ("not json", {}),
        ("[1, 2]", {"value": [1, 2]}),
        ("7", {"value": 7}),
    ],
)
def test_parse_extra_data_is_lenient(raw: str, expected: object) -> None:
    assert parse_extra_data(raw) == expected


def test_route_lookup_order() -> None:
    router = ComponentRouter()

    def a(ctx: ComponentContext) -> None: ...

    def b(ctx: ComponentContext) -> None: ...

    def c(ctx: ComponentContext) -> None: ...

    router.button("vote:*")(a)
    router.button(re.compile(r"vote:(?P<n>\d+)"))(b)
    router.button("vote:exact")(c)
    assert router.find("button", "vote:exact") == (c, None)  # exact first
    assert router.find("button", "vote:7") == (a, None)  # then registration order
    assert router.find("select", "vote:7") is None  # kinds are separate
    only_regex = ComponentRouter()
    only_regex.button(re.compile(r"vote:(?P<n>\d+)"))(b)
    found = only_regex.find("button", "vote:12")
    assert found is not None
    assert found[1] is not None
    assert found[1]["n"] == "12"
    assert only_regex.find("button", "vote:12x") is None  # fullmatch
    with pytest.raises(ConfigurationError):
        router.button("vote:exact")(a)
    with pytest.raises(ConfigurationError):
        router.button("")(a)


async def test_clicks_and_selects_are_routed() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            router = ComponentRouter()
            seen: list[ComponentContext] = []

            @router.button("form:submit")
            async def submit(ctx: ComponentContext) -> None:
                seen.append(ctx)
                await ctx.send(f"thanks {ctx.data.get('name', '?')}")

            @router.button(re.compile(r"vote:(?P<choice>\w+)"))
            async def vote(ctx: ComponentContext) -> None:
                seen.append(ctx)
                await ctx.update_message(Content(f"voted {ctx.groups['choice']}"))

            @router.button("eph:*", filter=from_users(sb.human.id))
            async def ephemeral(ctx: ComponentContext) -> None:
                await ctx.send_ephemeral("only you")

            @router.select("color")
            def color(ctx: ComponentContext) -> object:
                seen.append(ctx)
                return ctx.send("picked " + ",".join(ctx.values))

            router.attach(client, concurrency=1)
            ack = await client.send_message(
                sb.clan_id,
                sb.channel_id,
                2,
                True,
                Content("form", components=[ButtonBuilder().add_button("x", "X")]),
            )
            alice, bob = sb.human.id, sb.user("bob").id
            await sb.click_button(alice, ack.message_id, "form:submit", '{"name": "Ann"}')
            await sb.click_button(alice, ack.message_id, "form:submit", "garbage")
            await sb.click_button(alice, ack.message_id, "vote:blue")
            await sb.click_button(bob, ack.message_id, "eph:1")  # filtered out
            await sb.click_button(alice, ack.message_id, "unrouted")
            await sb.select_values(bob, ack.message_id, "color", ["red", "green"])
            await sb.click_button(alice, ack.message_id, "eph:2")
            texts = await wait_bot_texts(sb, 6)
            # clicks are handled in order; selects have their own queue (attach: one per event kind)
            assert [t for t in texts if t != "picked red,green"] == [
                "form",
                "thanks Ann",
                "thanks ?",
                "voted blue",
                "only you",
            ]
            assert "picked red,green" in texts
            ephemeral_sends = [r for r in sb.received if r.kind == "ephemeral_message_send"]
            assert [list(r.payload.receiver_ids) for r in ephemeral_sends] == [[alice]]
            selects = [c for c in seen if c.kind == "select"]
            seen = [c for c in seen if c.kind == "button"] + selects
            assert [c.user_id for c in seen] == [alice, alice, alice, bob]
            assert seen[0].kind == "button"
            assert seen[0].message_id == ack.message_id
            assert seen[0].sender_id == client.user_id
            assert seen[0].extra_data == '{"name": "Ann"}'
            assert seen[3].kind == "select"
            assert seen[3].values == ("red", "green")
            assert seen[3].data == {}
            # the edit really changed the stored message
            stored = {m.message_id: m for m in sb.messages(sb.channel_id)}
            assert "voted blue" in stored[ack.message_id].content


async def test_failing_handler_is_reported_and_bot_survives() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            router = ComponentRouter()
            handled: list[Exception] = []

            @router.button("bad")
            async def bad(ctx: ComponentContext) -> None:
                raise KeyError("oops")

            @router.button("good")
            async def good(ctx: ComponentContext) -> None:
                await ctx.send("good")

            @router.error_handler
            async def on_error(ctx: ComponentContext, error: Exception) -> None:
                handled.append(error)
                await ctx.send_ephemeral("that failed")

            errors = client.stream(Events.HANDLER_ERROR)
            async with trio.open_nursery() as nursery:
                await nursery.start(router.run, client)
                ack = await client.send_message(sb.clan_id, sb.channel_id, 2, True, "buttons")
                await sb.click_button(sb.human.id, ack.message_id, "bad")
                await sb.click_button(sb.human.id, ack.message_id, "good")
                assert await wait_bot_texts(sb, 3) == ["buttons", "that failed", "good"]
                failure = await errors.__anext__()
                assert isinstance(failure, HandlerError)
                assert isinstance(failure.event, ButtonClicked)  # the event the handler failed on
                assert failure.event.button_id == "bad"
                assert failure.handler_name.endswith("bad")
                assert isinstance(failure.error, KeyError)
                assert [type(e) for e in handled] == [KeyError]
                nursery.cancel_scope.cancel()
            assert bot_texts(sb) == ["buttons", "that failed", "good"]
