"""client.clans/channels/users caches, cache upkeep from inbound messages (no network on the
hot path), DM channels created once, Clan methods, quick menus and the official manager views."""

from __future__ import annotations

import warnings

import pytest
import trio

from mezon_trio import MezonClient
from mezon_trio._client import services_of
from mezon_trio.compat import (
    ApiClanDesc,
    ApiMessageReaction,
    ApiRole,
    ChannelMessageAck,
    ChannelMessageContent,
)
from mezon_trio.compat import MezonClient as CompatClient
from mezon_trio.errors import ConfigurationError, Forbidden, NotFound
from mezon_trio.models import ChannelInfo, ChannelType, QuickMenu, RolePage, VoiceChannelUserList
from mezon_trio.testing import open_sandbox

from ._helpers import bot, client_kwargs, human, next_push, received

_RPC_KINDS = ("ListChannelDetail", "ListChannelDescs", "ListClanDescs", "ListClanUsers", "CreateChannelDesc")


def _rpcs(sb: object) -> list[str]:
    return [r.kind for r in sb.received if r.transport == "http" and r.kind in _RPC_KINDS]  # type: ignore[attr-defined]


async def test_clans_are_known_after_login_and_fetch_misses_are_not_found() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            clan = client.clans.get(sb.clan_id)
            assert clan is not None
            assert clan.name == "Sandbox"
            assert clan.id == sb.clan_id
            assert clan.description is not None
            assert clan.description.clan_id == sb.clan_id
            assert sorted(c.id for c in client.clans.values()) == sorted(sb.clan_ids)
            assert await client.clans.fetch(sb.clan_id) is clan
            with pytest.raises(NotFound):
                await client.clans.fetch(999)


async def test_channel_fetch_is_shared_by_concurrent_callers() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            results = []

            async def fetch() -> None:
                results.append(await client.channels.fetch(sb.channel_id))

            before = _rpcs(sb).count("ListChannelDetail")
            async with trio.open_nursery() as nursery:
                for _ in range(5):
                    nursery.start_soon(fetch)
            assert _rpcs(sb).count("ListChannelDetail") == before + 1
            channel = results[0]
            assert all(r is channel for r in results)
            assert (channel.id, channel.clan_id, channel.name) == (sb.channel_id, sb.clan_id, "general")
            assert (channel.channel_type, channel.mode, channel.is_public) == (1, 2, True)
            assert channel.clan is client.clans.get(sb.clan_id)
            assert isinstance(channel.description, ChannelInfo)
            assert channel.description.label == "general"
            with pytest.warns(DeprecationWarning, match="use label"):
                assert channel.description.channel_label == "general"
            assert await client.channels.fetch(str(sb.channel_id)) is channel  # ids as str too


async def test_inbound_messages_update_caches_without_network_calls() -> None:
    with trio.fail_after(30):
        async with bot() as (sb, client):
            bob = sb.user("bob")
            assert client.users.get(bob.id) is None
            rpcs_before = _rpcs(sb)
            async with client.channel_messages(buffer=300) as messages:
                for i in range(200):
                    await sb.post_message(bob.id, sb.channel_ids["random"], f"burst {i}")
                await sb.post_message(sb.human.id, sb.thread_id, "in a thread")
                seen = 0
                async for message in messages:
                    seen += 1
                    if seen == 201:
                        break
                    assert message._content is None  # delivery never parses the content (lazy)
            assert _rpcs(sb) == rpcs_before  # no RPC per inbound message (quirk 22 / PERFORMANCE.md)
            user = client.users.get(bob.id)
            assert user is not None
            assert user.username == "bob"
            assert user.display_name
            random = client.channels.get(sb.channel_ids["random"])
            assert random is not None
            assert random.name == "random"
            assert random.mode == 2
            assert len(random.messages) == 200
            assert random.messages.get(message.id) is None
            thread = client.channels.get(sb.thread_id)
            assert thread is not None
            assert thread.mode == 6
            assert message.channel is thread
            assert thread.messages.get(message.id) is message

            # A new display name is picked up from the next message (quirk 15).
            sb.state.users[bob.id].display_name = "Robert"
            async with client.channel_messages() as messages:
                await sb.post_message(bob.id, sb.channel_id, "renamed")
                await messages.__anext__()
            assert client.users.get(bob.id).display_name == "Robert"  # type: ignore[union-attr]


async def test_users_fetch_lists_clan_members_once_and_never_opens_a_dm() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            bob = await client.users.fetch(sb.user("bob").id)
            assert bob.username == "bob"
            assert bob.dm_channel_id == 0
            carol = await client.users.fetch(str(sb.user("carol").id))  # second clan; id as str
            assert carol.username == "carol"
            listed = _rpcs(sb).count("ListClanUsers")
            assert listed == len(sb.clan_ids)
            await client.users.fetch(sb.user("bob").id)
            assert _rpcs(sb).count("ListClanUsers") == listed  # cached now
            stranger = sb.create_user("stranger")
            with pytest.raises(NotFound):
                await client.users.fetch(stranger.id)
            assert not received(sb, "CreateChannelDesc")  # quirk 14
            # DM partners listed at login are known users.
            alice = client.users.get(sb.human.id)
            assert alice is not None
            assert alice.username == "alice"
            assert alice.dm_channel_id == sb.dm_channel_id


async def test_dm_channel_is_created_once_and_reused() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb, sb.user("bob").id) as bob_socket:
            bob = await client.users.fetch(sb.user("bob").id)
            results = []

            async def open_dm() -> None:
                results.append(await bob.create_dm_channel())

            async with trio.open_nursery() as nursery:
                for _ in range(3):
                    nursery.start_soon(open_dm)
            assert len(received(sb, "CreateChannelDesc")) == 1
            channel = results[0]
            assert all(r is channel for r in results)
            assert (channel.clan_id, channel.channel_type, channel.mode, channel.is_public) == (
                0,
                3,
                4,
                False,
            )
            joins = received(sb, "channel_join")
            assert [(j.payload.channel_id, j.payload.channel_type, j.payload.is_public) for j in joins] == [
                (channel.id, 3, False)
            ]
            ack = await bob.send_dm("hello bob")
            await bob.send_dm_message(ChannelMessageContent(t="again"))
            assert (ack.clan_id, ack.channel_id, ack.mode) == (0, channel.id, 4)
            assert len(received(sb, "CreateChannelDesc")) == 1
            assert len(received(sb, "channel_join")) == 1
            pushed = await next_push(bob_socket, "channel_message")
            assert pushed.channel_id == channel.id
            assert pushed.content == '{"t":"hello bob"}'
            assert bob.dm_channel_id == channel.id
            assert client.dm_channels[bob.id] == channel.id

            # The seeded DM with alice is used as is (no creation, no join).
            await client.send_dm(sb.human.id, "hi alice")
            assert len(received(sb, "CreateChannelDesc")) == 1
            assert sb.messages(sb.dm_channel_id)[-1].content == '{"t":"hi alice"}'


async def test_dm_to_unknown_user_fails_cleanly() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            with pytest.raises(NotFound):
                await client.send_dm(424242, "anyone?")
            assert not received(sb, "channel_join")


async def test_clan_load_channels_once_all_types_shared() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            clan = client.clans.get(sb.clan_id)
            assert clan is not None
            assert not clan.channels_loaded
            async with trio.open_nursery() as nursery:
                for _ in range(4):
                    nursery.start_soon(clan.load_channels)
            await clan.load_channels()
            calls = [
                r for r in sb.received if r.kind == "ListChannelDescs" and r.payload.clan_id == sb.clan_id
            ]
            assert len(calls) == 1
            assert calls[0].payload.channel_type == 0  # no type filter (quirk 22)
            names = sorted(c.name for c in clan.channels.values())
            assert names == ["general", "general-thread", "lounge", "random"]
            lounge = clan.channels.get(sb.channel_ids["lounge"])
            assert lounge is not None
            assert lounge.channel_type == ChannelType.CHANNEL_TYPE_MEZON_VOICE
            assert client.channels.get(sb.thread_id) is clan.channels.get(sb.thread_id)
            assert await clan.channels.fetch(sb.channel_id) is client.channels.get(sb.channel_id)
            with pytest.raises(NotFound):
                await clan.channels.fetch(sb.channel_ids["lobby"])  # another clan's channel


async def test_clan_roles_and_voice_users() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), human(sb) as alice:
            clan = client.clans.get(sb.clan_id)
            assert clan is not None
            roles = await clan.list_roles()
            assert isinstance(roles, RolePage)
            assert roles.clan_id == sb.clan_id
            titles = {r.title: r for r in roles.roles.roles}
            member = titles["Member"]
            assert sb.bot.id in member.user_ids
            with pytest.warns(DeprecationWarning, match="use user_ids"):
                assert member.role_user_ids == member.user_ids
            assert await clan.update_role(
                member.id, {"title": "Members", "add_user_ids": [sb.user("bob").id]}
            )
            role = sb.state.roles[member.id]
            assert role.title == "Members"
            assert sb.user("bob").id in role.members
            assert (await next_push(alice, "role_event")).role.title == "Members"
            with pytest.raises(ConfigurationError):
                await clan.update_role(member.id, {"titel": "typo"})
            with pytest.raises(NotFound):
                await clan.update_role(31337, {"title": "x"})

            lounge = sb.state.channels[sb.channel_ids["lounge"]]
            lounge.voice_users.extend([sb.human.id, sb.user("bob").id])
            voice = await clan.list_channel_voice_users()
            assert isinstance(voice, VoiceChannelUserList)
            (entry,) = voice.voice_channel_users
            assert entry.channel_id == lounge.id
            assert entry.user_ids == (sb.human.id, sb.user("bob").id)
            with pytest.raises(ConfigurationError):
                await clan.list_channel_voice_users(limit=501)


async def test_roles_of_a_clan_the_bot_is_not_in_are_refused() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            sb.state.clans[sb.clan_id].members.pop(sb.bot.id)
            async with MezonClient(**client_kwargs(sb)) as client:
                assert client.clans.get(sb.clan_id) is None
                with pytest.raises(NotFound):
                    await client.clans.fetch(sb.clan_id)
                clan = services_of(client).directory.clan_for(sb.clan_id)  # as api_client reaches it
                with pytest.raises(Forbidden):
                    await clan.list_roles()


async def test_quick_menu_access_add_list_delete() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client):
            menu = await client.quick_menus.add(sb.channel_id, sb.clan_id, 1, "/help", "", "Help")
            assert isinstance(menu, QuickMenu)
            assert menu.id > 2**53
            assert menu.bot_id == sb.bot.id
            assert menu.menu_name == "Help"
            other = await client.quick_menus.add(sb.channel_id, sb.clan_id, 1, "/ping", "", "Ping")
            assert other.id != menu.id
            assert {m.menu_name for m in await client.quick_menus.entries()} == {"Help", "Ping"}
            assert [m.menu_name for m in await client.quick_menus.entries(menu_type=2)] == []
            await client.quick_menus.remove(id=menu.id)
            assert [m.menu_name for m in await client.quick_menus.entries(channel_id=sb.channel_id)] == [
                "Ping"
            ]
            assert set(sb.state.quick_menus) == {other.id}


async def test_official_manager_views() -> None:
    with trio.fail_after(20):
        async with bot(compat=True) as (sb, client), human(sb) as alice:
            assert isinstance(client, CompatClient)
            assert client.session_manager.get_session().user_id == sb.bot.id
            assert await client.socket_manager.is_connected() is True
            ack = await client.socket_manager.write_chat_message(
                sb.clan_id, sb.channel_id, 2, True, {"t": "sm"}
            )
            assert (await next_push(alice, "channel_message")).message_id == ack.message_id
            # The official surface returns the official shapes, whose official names do not warn.
            assert isinstance(ack, ChannelMessageAck)
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                assert ack.create_time == ack.create_time_seconds
            reaction = await client.socket_manager.write_message_reaction(
                0, sb.clan_id, sb.channel_id, 2, True, ack.message_id, 0, "✅", 1, sb.bot.id
            )
            assert reaction.emoji == "✅"
            assert isinstance(reaction, ApiMessageReaction)
            edit = await client.socket_manager.update_chat_message(
                sb.clan_id, sb.channel_id, 2, True, ack.message_id, "sm2"
            )
            assert edit.code == 1
            assert (
                await client.socket_manager.remove_chat_message(
                    sb.clan_id, sb.channel_id, 2, True, ack.message_id
                )
            ).code == 2
            await client.socket_manager.join_chat(sb.clan_id, sb.channel_id, 1, True)
            await client.socket_manager.leave_chat(sb.clan_id, sb.channel_id, 1, True)
            eph = await client.socket_manager.write_ephemeral_message(
                [sb.human.id], sb.clan_id, sb.channel_id, 2, True, "e"
            )
            assert eph.code == 12

            assert client.channel_manager.get_all_dm_channels() == {sb.human.id: sb.dm_channel_id}
            desc = await client.channel_manager.create_dm_channel(sb.user("bob").id)
            assert desc.type == 3
            assert desc.channel_id

            got: list[object] = []
            client.event_manager.on("channel_message", got.append)
            assert client.event_manager.has_listeners("channel_message")
            client.event_manager.off("channel_message")

            clans = await client.api_client.list_clans_descs()
            assert {c.clan_id for c in clans} == set(sb.clan_ids)
            assert all(isinstance(c, ApiClanDesc) for c in clans)
            dms = await client.api_client.list_channel_descs(channel_type=3)
            assert sb.dm_channel_id in {d.channel_id for d in dms}
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                assert (await client.api_client.get_channel_detail(sb.channel_id)).channel_label == "general"
                roles = (await client.api_client.list_roles(sb.clan_id)).roles.roles
                assert roles
                assert all(isinstance(r, ApiRole) for r in roles)
                assert roles[0].role_user_ids == roles[0].user_ids
