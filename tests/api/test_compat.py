"""``mezon_trio.compat`` carries the official names; on the core client they still work for one
release, each with a ``DeprecationWarning`` that names the replacement."""

from __future__ import annotations

import warnings

import pytest
import trio

from mezon_trio import Events, MezonClient
from mezon_trio._client import _DEPRECATED
from mezon_trio.compat import ChannelMessageAck
from mezon_trio.compat import MezonClient as CompatClient
from mezon_trio.errors import ContentError
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
            # the official ack type, its official spellings readable without a warning
            assert isinstance(ack, ChannelMessageAck)
            assert ack.create_time == ack.create_time_seconds > 0
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


OFFICIAL_MODEL_NAMES = (
    "AddTxResponse",
    "ApiChannelDescription",
    "ApiChannelMessageHeader",
    "ApiClanDesc",
    "ApiMessageAttachment",
    "ApiMessageMention",
    "ApiMessageReaction",
    "ApiMessageRef",
    "ApiQuickMenuAccess",
    "ApiRole",
    "ApiRoleList",
    "ApiRoleListEventResponse",
    "ApiSentTokenRequest",
    "ApiVoiceChannelUser",
    "ApiVoiceChannelUserList",
    "ChannelMessageAck",
    "ChannelMessageContent",
    "FriendList",
)


@pytest.mark.parametrize("name", OFFICIAL_MODEL_NAMES)
def test_official_model_names_moved_to_compat_and_still_import_from_models(name: str) -> None:
    """Issue 11: the official model names left mezon_trio.models for compat; one release of warning."""
    import mezon_trio.compat
    import mezon_trio.models

    assert name not in mezon_trio.models.__all__
    assert name in mezon_trio.compat.__all__
    with pytest.warns(DeprecationWarning, match=rf"use mezon_trio\.compat\.{name}$"):
        moved = getattr(mezon_trio.models, name)
    assert moved is getattr(mezon_trio.compat, name)


def test_from_models_import_of_an_official_name_warns() -> None:
    with pytest.warns(DeprecationWarning, match=r"mezon_trio\.compat\.ChannelMessageAck"):
        from mezon_trio.models import ChannelMessageAck  # noqa: F401
    with pytest.raises(ImportError, match="NoSuchModel"):
        from mezon_trio.models import NoSuchModel  # type: ignore[attr-defined]  # noqa: F401


def test_official_models_add_only_the_official_difference() -> None:
    """Each official model is the value model, or a subclass adding only the official fields."""
    import dataclasses

    from mezon_trio import compat, models

    def extra(official: type, value: type) -> set[str]:
        assert issubclass(official, value)
        return {f.name for f in dataclasses.fields(official)} - {f.name for f in dataclasses.fields(value)}

    assert extra(compat.ChannelMessageAck, models.SendAck) == set()
    assert extra(compat.ApiChannelDescription, models.ChannelInfo) == set()
    assert extra(compat.ApiClanDesc, models.ClanInfo) == set()
    assert extra(compat.ApiRole, models.Role) == set()
    assert extra(compat.ApiMessageRef, models.MessageRef) == {"channel_id", "mode", "channel_label"}
    assert extra(compat.ApiMessageReaction, models.Reaction) == {"channel_label"}
    assert compat.ApiChannelMessageHeader is models.MessageHeader
    assert compat.ApiQuickMenuAccess is models.QuickMenu
    assert compat.ApiVoiceChannelUser is models.VoiceChannelUsers
    assert compat.ApiVoiceChannelUserList is models.VoiceChannelUserList
    assert compat.ApiRoleList is models.RoleList
    assert compat.ApiRoleListEventResponse is models.RolePage
    assert compat.FriendList is models.FriendPage
    assert compat.Friend is models.Friend
    assert compat.AddTxResponse is models.TransferResult
    # The official mention and attachment build the one mention / attachment type.
    mention = compat.ApiMessageMention(user_id=5, username="a", s=0, e=2, channel_id=9, sender_id=1)
    assert mention == models.Mention(user_id=5, username="a", s=0, e=2)
    attachment = compat.ApiMessageAttachment(filename="f", message_id=3)
    assert attachment == models.Attachment("", filename="f")
    with pytest.raises(ContentError, match="ApiMessageMention"):
        compat.ApiMessageMention(user_idd=5)
