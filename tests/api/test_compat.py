"""``mezon_trio.compat`` carries the official names; on the core client they still work for one
release, each with a ``DeprecationWarning`` that names the replacement."""

from __future__ import annotations

import warnings

import pytest
import trio

from mezon_trio import Events, MezonClient
from mezon_trio._client import _DEPRECATED
from mezon_trio.compat import MezonClient as CompatClient
from mezon_trio.models import Message

from ._helpers import bot, received


def test_every_deprecated_name_exists_on_the_compat_client() -> None:
    assert len(_DEPRECATED) >= 40
    missing = [name for name in _DEPRECATED if not hasattr(CompatClient, name)]
    assert missing == []
    # ...and none of them shadows a trio-native name of the core client.
    assert not [name for name in _DEPRECATED if name in vars(MezonClient)]


def test_a_deprecated_name_warns_with_its_replacement_and_still_works() -> None:
    client = MezonClient(1, "k")
    got: list[Message] = []
    with pytest.warns(DeprecationWarning, match=r"on_channel_message is deprecated: use client\.on\("):
        client.on_channel_message(got.append)  # type: ignore[attr-defined]
    assert client.raw.has_listeners(Events.CHANNEL_MESSAGE)


def test_unknown_attributes_still_raise_attribute_error() -> None:
    client = MezonClient(1, "k")
    with pytest.raises(AttributeError, match="no attribute 'on_channel_mesage'"):
        client.on_channel_mesage  # type: ignore[attr-defined]  # noqa: B018


async def test_the_compat_client_uses_official_names_without_warnings() -> None:
    with trio.fail_after(30), warnings.catch_warnings():
        warnings.simplefilter("error")
        async with bot(compat=True) as (sb, client):
            assert isinstance(client, CompatClient)
            ack = await client.send_message(str(sb.clan_id), str(sb.channel_id), 2, True, "official")
            await client.update_message(sb.clan_id, sb.channel_id, 2, True, ack.message_id, "edited")
            assert received(sb, "UpdateChannelMessage")
            assert client.session_manager.get_session().user_id == sb.bot.id
            assert client.timeout_ms == client.config.timeout_ms
            assert isinstance(await client.get_list_friends(), list)


async def test_deprecated_calls_on_the_core_client_reach_the_server() -> None:
    with trio.fail_after(30):
        async with bot() as (sb, client):
            ack = await client.send_message(sb.clan_id, sb.channel_id, 2, True, "core")
            with pytest.warns(DeprecationWarning, match=r"use await message\.delete\(\)"):
                await client.delete_message(sb.clan_id, sb.channel_id, 2, True, ack.message_id)
            assert received(sb, "DeleteChannelMessage")


def test_removed_names_still_work_for_one_release() -> None:
    """Message.raw and Subscription.close() moved (issue 11): they warn, naming the replacement."""
    from mezon_trio._models.message import new_message
    from mezon_trio._proto.mezon import api
    from mezon_trio._streams import EventHub
    from mezon_trio.raw import message_payload

    message = new_message(api.ChannelMessage(message_id=7, channel_id=1))
    with pytest.warns(DeprecationWarning, match=r"message_payload\(message\)"):
        assert message.raw is message_payload(message)
    subscription = EventHub().subscribe(Events.READY)
    with pytest.warns(DeprecationWarning, match=r"aclose\(\)"):
        subscription.close()
    assert subscription.closed
