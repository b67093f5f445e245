"""Cases that must NOT type-check: mypy --strict runs on each snippet and must report the error.

Like trio's type tests: a typed API is only proven typed if misuse is rejected.  One mypy run
checks every snippet (each its own module), then each case asserts its expected error.
"""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

mypy_api = pytest.importorskip("mypy.api")

ROOT = Path(__file__).resolve().parents[2]

PRELUDE = """\
from mezon_trio import MezonClient, raw
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._streams import EventHub
from mezon_trio.content import ActionRowDict, Content, Embed, EmbedDict
from mezon_trio.events import ButtonClicked, MessageCreated, ReactionAdded, TokensReceived
from mezon_trio.models import Message
from mezon_trio.testing import Sandbox
"""

# name -> (snippet, regular expression the mypy error must match)
CASES: dict[str, tuple[str, str]] = {
    "wrong_attribute_on_streamed_event": (
        """
        async def f(hub: EventHub) -> None:
            async with hub.stream(MessageCreated) as messages:
                async for event in messages:
                    print(event.mesage)
        """,
        r'"MessageCreated" has no attribute "mesage"',
    ),
    "client_stream_wrong_attribute": (
        """
        async def f(client: MezonClient) -> None:
            async with client.stream(MessageCreated) as messages:
                async for event in messages:
                    print(event.text)
        """,
        r'"MessageCreated" has no attribute "text"',
    ),
    "client_handler_wrong_signature": (
        """
        def f(client: MezonClient) -> None:
            @client.on(ReactionAdded)
            def handler(event: TokensReceived) -> None: ...
        """,
        r'incompatible type "Callable\[\[TokensReceived\], None\]"',
    ),
    "connect_mezon_unknown_keyword": (
        """
        import trio
        from mezon_trio import connect_mezon

        async def f(nursery: trio.Nursery) -> None:
            await connect_mezon(nursery, client_idd=1, api_key="k")
        """,
        r'Unexpected keyword argument "client_idd"',
    ),
    "wrong_attribute_in_filter_lambda": (
        """
        def f(hub: EventHub) -> None:
            hub.stream(ButtonClicked, filter=lambda ev: ev.selectbox_id == "x")
        """,
        r'"ButtonClicked" has no attribute "selectbox_id"',
    ),
    "handler_for_another_event": (
        """
        def f(hub: EventHub) -> None:
            @hub.on(MessageCreated)
            async def handler(event: ButtonClicked) -> None: ...
        """,
        r'incompatible type "Callable\[\[ButtonClicked\], Coroutine.*expected "Callable\[\[MessageCreated\]',
    ),
    "handler_with_two_parameters": (
        """
        def f(hub: EventHub) -> None:
            def handler(event: TokensReceived, extra: int) -> None: ...
            hub.on(TokensReceived, handler)
        """,
        r"No overload variant of \"on\" of \"EventHub\" matches|incompatible type",
    ),
    "lambda_handler_attribute_typo": (
        """
        def f(hub: EventHub) -> None:
            hub.on(TokensReceived, lambda ev: print(ev.amont))
        """,
        r'"TokensReceived" has no attribute "amont"',
    ),
    "wait_for_result_is_the_event_type": (
        """
        async def f(client: MezonClient) -> None:
            reaction = await client.wait_for(ReactionAdded)
            text: str = reaction.message_id
        """,
        r'Incompatible types in assignment \(expression has type "int", variable has type "str"\)',
    ),
    "union_element_needs_narrowing": (
        """
        async def f(hub: EventHub) -> None:
            async with hub.subscribe(MessageCreated, ButtonClicked) as sub:
                async for ev in sub:
                    print(ev.button_id)
        """,
        r'Item "MessageCreated" of "MessageCreated \| ButtonClicked" has no attribute "button_id"',
    ),
    "raw_payload_is_the_generated_class": (
        """
        async def f(hub: EventHub) -> None:
            async with hub.stream(raw.of(rt.MessageTypingEvent)) as typing:
                async for ev in typing:
                    print(ev.payload.button_id)
        """,
        r'"MessageTypingEvent" has no attribute "button_id"',
    ),
    # The content builders' JSON shapes (TypedDicts): a misspelt key is caught before sending.
    "misspelt_key_in_an_embed_dict": (
        """
        embed: EmbedDict = {"title": "Hi", "foter": {"text": "bye"}}
        """,
        r'Extra key "foter" for TypedDict "EmbedDict"',
    ),
    "misspelt_embed_key_in_a_content_literal": (
        """
        Content(embed=[{"titel": "Hi"}])
        """,
        r'List item 0 has incompatible type.*expected "Embed \| InteractiveBuilder \| EmbedDict"',
    ),
    "misspelt_key_in_an_embed_field": (
        """
        Embed(title="Hi", fields=[{"name": "a", "valeu": "1"}])
        """,
        r'expected "EmbedField \| EmbedFieldDict"',
    ),
    "button_key_is_disable_not_disabled": (
        """
        row: ActionRowDict = {
            "components": [{"id": "a", "type": 1, "component": {"label": "A", "disabled": True}}]
        }
        """,
        r'TypedDict item "component" has type "ButtonDict \| SelectDict',
    ),
    "extra_value_without_a_json_form": (
        """
        import datetime

        Content("x", extra={"when": datetime.datetime.now()})
        """,
        r'Dict entry 0 has incompatible type "str": "datetime"',
    ),
    "received_content_json_needs_narrowing": (
        """
        def f(content: Content) -> None:
            print(content.raw["embed"][0])
        """,
        r"is not indexable",
    ),
    "deprecated_message_raw_is_off_the_typed_surface": (
        """
        def f(message: Message) -> None:
            print(message.raw)
        """,
        r'"Message" has no attribute "raw"',
    ),
    "official_ack_spelling_is_off_the_typed_surface": (
        """
        async def f(message: Message) -> None:
            print((await message.reply("x")).create_time)
        """,
        r'"SendAck" has no attribute "create_time"',
    ),
    "sandbox_client_kwargs_unknown_key": (
        """
        def f(sb: Sandbox) -> None:
            print(sb.client_kwargs()["client_idd"])
        """,
        r'TypedDict "ClientKwargs" has no key "client_idd"',
    ),
    "sandbox_client_kwargs_are_not_any": (
        """
        def make(**options: str) -> None: ...

        def f(sb: Sandbox) -> None:
            make(**sb.client_kwargs())
        """,
        r'Argument 1 to "make" has incompatible type "\*\*ClientKwargs"',
    ),
    "sandbox_stored_message_attribute_typo": (
        """
        async def f(sb: Sandbox) -> None:
            posted = await sb.post_message(sb.human.id, sb.channel_id, "hi")
            print(posted.mesage_id)
        """,
        r'"StoredMessage" has no attribute "mesage_id"',
    ),
}


# A correct use of the same API: must give no error at all (so the errors above are not spurious,
# e.g. from a broken import in the prelude).
CONTROL = """
async def f(hub: EventHub, client: MezonClient) -> None:
    async with hub.stream(MessageCreated) as messages:
        async for event in messages:
            print(event.message.text)
    reaction = await client.wait_for(ReactionAdded)
    print(reaction.emoji, reaction.reaction.emoji_id)
    embed: EmbedDict = {"title": "Hi", "footer": {"text": "bye"}, "fields": [{"name": "a", "value": "1"}]}
    row: ActionRowDict = {
        "components": [{"id": "a", "type": 1, "component": {"label": "A", "disable": True}}]
    }
    Content(embed=[embed, Embed(title="x")], components=[row], extra={"when": "2026-01-01"})


async def g(sb: Sandbox) -> None:
    async with MezonClient(**sb.client_kwargs()) as client:
        print(client)
    posted = await sb.post_message(sb.human.id, sb.channel_id, "hi")
    print(sb.client_kwargs()["client_id"], posted.message_id)
"""


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("type_cases")
    paths = []
    for name, (snippet, _) in CASES.items():
        path = folder / f"case_{name}.py"
        path.write_text(PRELUDE + textwrap.dedent(snippet))
        paths.append(str(path))
    control = folder / "case_control.py"
    control.write_text(PRELUDE + CONTROL)
    paths.append(str(control))
    stdout, stderr, _status = mypy_api.run(
        [
            "--strict",
            "--no-error-summary",
            "--hide-error-context",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            *paths,
        ]
    )
    assert not stderr, stderr
    errors: dict[str, str] = {name: "" for name in [*CASES, "control"]}
    for line in stdout.splitlines():
        m = re.search(r"case_(\w+)\.py:\d+: error: (.*)", line)
        if m:
            errors[m.group(1)] += m.group(2) + "\n"
    return errors


@pytest.mark.parametrize("name", sorted(CASES))
def test_misuse_is_rejected(name: str, mypy_errors: dict[str, str]) -> None:
    expected = CASES[name][1]
    assert re.search(expected, mypy_errors[name]), f"mypy said: {mypy_errors[name]!r}"


def test_control_snippet_is_clean(mypy_errors: dict[str, str]) -> None:
    assert mypy_errors["control"] == ""
