# ruff: noqa: E501
"""Ids everywhere: an ``int`` or a decimal ``str``; anything else is ``InvalidId`` naming the
parameter, raised before any I/O (never a TypeError from the codec, never a NotFound)."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
import trio
from hypothesis import given
from hypothesis import strategies as st

from mezon_trio import Cache, Clan, MezonClient, TextChannel
from mezon_trio._protocol.ids import INT64_MAX, as_id
from mezon_trio._services.quickmenu import QuickMenus
from mezon_trio.errors import InvalidArgument, InvalidId, MezonError
from mezon_trio.models import Message
from mezon_trio.testing import Sandbox

from ._helpers import bot, received

_ID_PARAM = {"id", "key", "message"}


def _takes_ids(cls: type) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, fn in inspect.getmembers(cls, callable):
        if name.startswith("_"):
            continue
        try:
            params = inspect.signature(fn).parameters
        except (TypeError, ValueError):
            continue
        ids = [p for p in params if p in _ID_PARAM or p.endswith(("_id", "_ids"))]
        if ids:
            out[name] = ids
    return out


# Every public method taking an id, with a call that passes *bad* in one id parameter.
Call = Callable[[Sandbox, MezonClient, TextChannel, Clan, Message, object], Awaitable[object] | object]
SWEEP: dict[tuple[str, str, str], Call] = {
    ("MezonClient", "send_message", "clan_id"): lambda sb, c, ch, cl, m, bad: c.send_message(bad, sb.channel_id, 2, True, "x"),  # type: ignore[arg-type]
    ("MezonClient", "send_message", "channel_id"): lambda sb, c, ch, cl, m, bad: c.send_message(sb.clan_id, bad, 2, True, "x"),  # type: ignore[arg-type]
    ("MezonClient", "send_message", "topic_id"): lambda sb, c, ch, cl, m, bad: c.send_message(sb.clan_id, sb.channel_id, 2, True, "x", topic_id=bad),  # type: ignore[arg-type]
    ("MezonClient", "send_dm", "user_id"): lambda sb, c, ch, cl, m, bad: c.send_dm(bad, "x"),  # type: ignore[arg-type]
    ("MezonClient", "create_dm_channel", "user_id"): lambda sb, c, ch, cl, m, bad: c.create_dm_channel(bad),  # type: ignore[arg-type]
    ("MezonClient", "send_token", "receiver_id"): lambda sb, c, ch, cl, m, bad: c.send_token(bad, 1),  # type: ignore[arg-type]
    ("MezonClient", "add_friend", "user_id"): lambda sb, c, ch, cl, m, bad: c.add_friend(user_id=bad),  # type: ignore[arg-type]
    ("MezonClient", "accept_friend", "user_id"): lambda sb, c, ch, cl, m, bad: c.accept_friend(bad),  # type: ignore[arg-type]
    ("MezonClient", "remove_friend", "user_id"): lambda sb, c, ch, cl, m, bad: c.remove_friend(bad),  # type: ignore[arg-type]
    ("MezonClient", "block_friend", "user_id"): lambda sb, c, ch, cl, m, bad: c.block_friend(bad),  # type: ignore[arg-type]
    ("MezonClient", "unblock_friend", "user_id"): lambda sb, c, ch, cl, m, bad: c.unblock_friend(bad),  # type: ignore[arg-type]
    ("TextChannel", "send", "topic_id"): lambda sb, c, ch, cl, m, bad: ch.send("x", topic_id=bad),  # type: ignore[arg-type]
    ("TextChannel", "update_message", "message_id"): lambda sb, c, ch, cl, m, bad: ch.update_message(bad, "x"),  # type: ignore[arg-type]
    ("TextChannel", "update_message", "topic_id"): lambda sb, c, ch, cl, m, bad: ch.update_message(m.id, "x", topic_id=bad),  # type: ignore[arg-type]
    ("TextChannel", "delete_message", "message_id"): lambda sb, c, ch, cl, m, bad: ch.delete_message(bad),  # type: ignore[arg-type]
    ("TextChannel", "delete_message", "topic_id"): lambda sb, c, ch, cl, m, bad: ch.delete_message(m.id, topic_id=bad),  # type: ignore[arg-type]
    ("TextChannel", "send_ephemeral", "receiver_ids"): lambda sb, c, ch, cl, m, bad: ch.send_ephemeral(bad, "x"),  # type: ignore[arg-type]
    ("TextChannel", "send_ephemeral", "reference_message_id"): lambda sb, c, ch, cl, m, bad: ch.send_ephemeral(sb.human.id, "x", bad),  # type: ignore[arg-type]
    ("TextChannel", "send_ephemeral", "topic_id"): lambda sb, c, ch, cl, m, bad: ch.send_ephemeral(sb.human.id, "x", topic_id=bad),  # type: ignore[arg-type]
    ("TextChannel", "update_ephemeral", "message_id"): lambda sb, c, ch, cl, m, bad: ch.update_ephemeral(bad, sb.human.id, "x"),  # type: ignore[arg-type]
    ("TextChannel", "update_ephemeral", "receiver_ids"): lambda sb, c, ch, cl, m, bad: ch.update_ephemeral(m.id, [bad], "x"),  # type: ignore[list-item]
    ("TextChannel", "delete_ephemeral", "message_id"): lambda sb, c, ch, cl, m, bad: ch.delete_ephemeral(bad),  # type: ignore[arg-type]
    ("TextChannel", "delete_ephemeral", "receiver_ids"): lambda sb, c, ch, cl, m, bad: ch.delete_ephemeral(m.id, bad),  # type: ignore[arg-type]
    ("TextChannel", "mark_seen", "message"): lambda sb, c, ch, cl, m, bad: ch.mark_seen(bad),  # type: ignore[arg-type]
    ("TextChannel", "pin", "message"): lambda sb, c, ch, cl, m, bad: ch.pin(bad),  # type: ignore[arg-type]
    ("TextChannel", "unpin", "message"): lambda sb, c, ch, cl, m, bad: ch.unpin(bad),  # type: ignore[arg-type]
    ("TextChannel", "history", "topic_id"): lambda sb, c, ch, cl, m, bad: ch.history(topic_id=bad),  # type: ignore[arg-type]
    ("TextChannel", "message_fetcher", "message_id"): lambda sb, c, ch, cl, m, bad: ch.message_fetcher(bad),  # type: ignore[arg-type]
    ("Clan", "update_role", "role_id"): lambda sb, c, ch, cl, m, bad: cl.update_role(bad, {"title": "x"}),  # type: ignore[arg-type]
    ("Clan", "list_channel_voice_users", "channel_id"): lambda sb, c, ch, cl, m, bad: cl.list_channel_voice_users(channel_id=bad),  # type: ignore[arg-type]
    ("Message", "react", "emoji_id"): lambda sb, c, ch, cl, m, bad: m.react("👍", emoji_id=bad),  # type: ignore[arg-type]
    ("Message", "react", "id"): lambda sb, c, ch, cl, m, bad: m.react("👍", id=bad),  # type: ignore[arg-type]
    ("Message", "reply", "topic_id"): lambda sb, c, ch, cl, m, bad: m.reply("x", topic_id=bad),  # type: ignore[arg-type]
    ("QuickMenus", "add", "channel_id"): lambda sb, c, ch, cl, m, bad: c.quick_menus.add(bad, sb.clan_id, 1, "/x", "", "X"),  # type: ignore[arg-type]
    ("QuickMenus", "add", "clan_id"): lambda sb, c, ch, cl, m, bad: c.quick_menus.add(sb.channel_id, bad, 1, "/x", "", "X"),  # type: ignore[arg-type]
    ("QuickMenus", "remove", "id"): lambda sb, c, ch, cl, m, bad: c.quick_menus.remove(bad),  # type: ignore[arg-type]
    ("QuickMenus", "remove", "clan_id"): lambda sb, c, ch, cl, m, bad: c.quick_menus.remove(clan_id=bad),  # type: ignore[arg-type]
    ("QuickMenus", "remove", "bot_id"): lambda sb, c, ch, cl, m, bad: c.quick_menus.remove(bot_id=bad),  # type: ignore[arg-type]
    ("QuickMenus", "entries", "bot_id"): lambda sb, c, ch, cl, m, bad: c.quick_menus.entries(bot_id=bad),  # type: ignore[arg-type]
    ("QuickMenus", "entries", "channel_id"): lambda sb, c, ch, cl, m, bad: c.quick_menus.entries(channel_id=bad),  # type: ignore[arg-type]
    ("Cache", "get", "key"): lambda sb, c, ch, cl, m, bad: c.channels.get(bad),  # type: ignore[arg-type]
    ("Cache", "peek", "key"): lambda sb, c, ch, cl, m, bad: c.users.peek(bad),  # type: ignore[arg-type]
    ("Cache", "has", "key"): lambda sb, c, ch, cl, m, bad: c.clans.has(bad),  # type: ignore[arg-type]
    ("Cache", "delete", "key"): lambda sb, c, ch, cl, m, bad: ch.messages.delete(bad),  # type: ignore[arg-type]
    ("Cache", "fetch", "key"): lambda sb, c, ch, cl, m, bad: c.users.fetch(bad),  # type: ignore[arg-type]
}  # fmt: skip
# A cache names the id it is keyed by.
CACHE_KEY_NAMES = {
    ("Cache", "get", "key"): "channel_id",
    ("Cache", "peek", "key"): "user_id",
    ("Cache", "has", "key"): "clan_id",
    ("Cache", "delete", "key"): "message_id",
    ("Cache", "fetch", "key"): "user_id",
}
# ``Cache.set`` is the library's own write path (ids already checked).
NOT_SWEPT = {("Cache", "set", "key")}

# None is not here: it means "no id" where a parameter is optional (and is refused where required).
BAD_IDS: list[object] = ["12x", "-5", -5, 2**63, 1.5, True, "", "١٢", b"1", {"id": 1}]
PUBLIC_CLASSES = (MezonClient, TextChannel, Clan, Message, QuickMenus, Cache)


async def _invoke(call: Call, *args: Any) -> None:
    result = call(*args)
    if inspect.isawaitable(result):
        await result


def test_the_sweep_covers_every_public_method_taking_an_id() -> None:
    found = {(cls.__name__, m, p) for cls in PUBLIC_CLASSES for m, ps in _takes_ids(cls).items() for p in ps}
    assert found - NOT_SWEPT == set(SWEEP), "add the new id parameters to SWEEP"


@given(st.integers(min_value=0, max_value=INT64_MAX))
def test_ints_and_decimal_strings_are_the_same_id(value: int) -> None:
    assert as_id(value, "x") == as_id(str(value), "x") == value


@given(st.text(max_size=12).filter(lambda t: not (t.strip().isascii() and t.strip().isdecimal())))
def test_non_decimal_strings_are_refused_naming_the_parameter(text: str) -> None:
    with pytest.raises(InvalidId) as info:
        as_id(text, "channel_id")
    assert info.value.parameter == "channel_id"
    assert "channel_id" in str(info.value)


def test_invalid_id_is_a_value_error_and_a_mezon_error() -> None:
    with pytest.raises(InvalidId) as info:
        as_id(2**63, "user_id")
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, InvalidArgument)
    assert isinstance(info.value, MezonError)


async def test_every_id_parameter_refuses_bad_ids_before_any_io() -> None:
    with trio.fail_after(60):
        async with bot() as (sb, client):
            channel = await client.channels.fetch(sb.channel_id)
            clan = await client.clans.fetch(sb.clan_id)
            async with client.channel_messages() as messages:
                await sb.post_message(sb.human.id, sb.channel_id, "hello")
                message = await messages.__anext__()
            before = len(sb.received)
            wrong: list[tuple[str, str, str, object, str]] = []
            for (owner, method, param), call in SWEEP.items():
                for bad in BAD_IDS:
                    try:
                        await _invoke(call, sb, client, channel, clan, message, bad)
                    except InvalidId as exc:
                        if exc.parameter != CACHE_KEY_NAMES.get((owner, method, param), param):
                            wrong.append((owner, method, param, bad, f"named {exc.parameter}"))
                    except Exception as exc:
                        wrong.append((owner, method, param, bad, repr(exc)))
                    else:
                        wrong.append((owner, method, param, bad, "accepted"))
            assert wrong == [], "\n".join(map(str, wrong))
            assert len(sb.received) == before, "a bad id reached the server"


async def test_string_ids_work_end_to_end() -> None:
    with trio.fail_after(30):
        async with bot() as (sb, client):
            ack = await client.send_message(str(sb.clan_id), str(sb.channel_id), 2, True, "by string ids")
            assert ack.message_id
            channel = await client.channels.fetch(str(sb.channel_id))
            assert channel.id == sb.channel_id
            await channel.update_message(str(ack.message_id), "edited by a string id")
            assert (await client.users.fetch(str(sb.human.id))).id == sb.human.id
            dm = await client.send_dm(str(sb.human.id), "hi by string id")
            assert dm.channel_id == sb.dm_channel_id
            assert await client.add_friend(user_id=str(sb.user("bob").id))
            kinds = [r.kind for r in received(sb, "channel_message_send")]
            assert len(kinds) == 2
