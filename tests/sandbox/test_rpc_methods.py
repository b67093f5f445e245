"""The RPC table over HTTP and over the socket bridge (docs/protocol.md §5.11, §7)."""

from __future__ import annotations

import json

import httpx
import trio

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.frames import parse_raw_frame
from mezon_trio.testing import Sandbox

from .raw import RawSocket, raw_socket, rpc


async def call(
    http: httpx.AsyncClient, sb: Sandbox, token: str | None, method: str, req: object = b""
) -> bytes:
    r = await rpc(http, sb.http_url, token, method, req)  # type: ignore[arg-type]
    assert r.status_code == 200, (method, r.status_code, r.text)
    assert r.headers["content-type"] == "application/proto"
    return r.content


async def bridge(sock: RawSocket, method: str, index: int, body: bytes) -> tuple[int, bytes]:
    """One api_request_event; returns (status, reassembled payload)."""
    cid = await sock.send(
        "api_request_event", rt.ApiRequestEvent(api_index=index, api_name=method, body=body)
    )
    payload = b""
    while True:
        data = await sock.recv_raw()
        assert isinstance(data, bytes)
        if data[:1] != b"\xff":
            continue
        frame = parse_raw_frame(data)
        assert frame.cid == cid
        payload += frame.payload
        if frame.fin:
            return frame.status, payload


async def test_create_dm_is_idempotent_and_notifies(
    sb: Sandbox, http: httpx.AsyncClient, session: api.Session
) -> None:
    carol = sb.user("carol")
    carol_token = sb.issue_session(carol.id).token
    req = api.CreateChannelDescRequest(type=3, user_ids=[carol.id], channel_private=1)
    with trio.fail_after(10):
        async with raw_socket(sb, carol_token) as carol_sock:
            first = api.ChannelDescription.parse(
                await call(http, sb, session.token, "CreateChannelDesc", req)
            )
            assert (first.type, first.clan_id, first.user_ids) == (3, 0, [carol.id])
            push = await carol_sock.next_push("user_channel_added_event")
            added = push.user_channel_added_event
            assert added is not None
            assert added.channel_desc is not None
            assert added.channel_desc.channel_id == first.channel_id
            assert added.channel_desc.user_ids == [sb.bot.id]  # each side sees the other participant
            assert {u.user_id for u in added.users} == {carol.id}
            again = api.ChannelDescription.parse(
                await call(http, sb, session.token, "CreateChannelDesc", req)
            )
            assert again.channel_id == first.channel_id
            await carol_sock.no_frame_within(0.2)
        # the seeded DM is found too
        req = api.CreateChannelDescRequest(type=3, user_ids=[sb.human.id], channel_private=1)
        dm = api.ChannelDescription.parse(await call(http, sb, session.token, "CreateChannelDesc", req))
        assert dm.channel_id == sb.dm_channel_id
        r = await rpc(
            http, sb.http_url, session.token, "CreateChannelDesc", api.CreateChannelDescRequest(type=3)
        )
        assert r.status_code == 400


async def test_create_clan_channel_pushes_channel_created(
    sb: Sandbox, http: httpx.AsyncClient, session: api.Session
) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, sb.issue_session(sb.human.id).token) as alice:
            await alice.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            req = api.CreateChannelDescRequest(clan_id=sb.clan_id, type=1, channel_label="bots")
            created = api.ChannelDescription.parse(
                await call(http, sb, session.token, "CreateChannelDesc", req)
            )
            push = (await alice.next_push("channel_created_event")).channel_created_event
            assert push is not None
            assert (push.channel_id, push.channel_label, push.clan_id) == (
                created.channel_id,
                "bots",
                sb.clan_id,
            )
            other = api.CreateChannelDescRequest(clan_id=sb.clan_ids[1] + 999, type=1, channel_label="x")
            r = await rpc(http, sb.http_url, session.token, "CreateChannelDesc", other)
            assert r.status_code == 404


async def test_history_directions(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    with trio.fail_after(10):
        channel = sb.channel_ids["random"]
        posted = [await sb.post_message(sb.human.id, channel, f"m{i}") for i in range(5)]
        ids = [m.message_id for m in posted]

        async def history(**kw: int) -> list[int]:
            req = api.ListChannelMessagesRequest(clan_id=sb.clan_id, channel_id=channel, **kw)
            body = await call(http, sb, session.token, "ListChannelMessages", req)
            return [m.message_id for m in api.ChannelMessageList.parse(body).messages]

        assert await history() == ids[::-1]
        assert await history(limit=2) == [ids[4], ids[3]]
        assert await history(message_id=ids[3], limit=2) == [ids[2], ids[1]]
        assert await history(message_id=ids[1], direction=1) == ids[2:]
        assert await history(message_id=ids[1], direction=1, limit=2) == ids[2:4]
        body = await call(
            http, sb, session.token, "ListChannelMessages", api.ListChannelMessagesRequest(channel_id=channel)
        )
        listing = api.ChannelMessageList.parse(body)
        assert listing.last_sent_message is not None
        assert listing.last_sent_message.id == ids[-1]
        assert json.loads(listing.messages[0].content) == {"t": "m4"}
        bad = api.ListChannelMessagesRequest(channel_id=channel, direction=7)
        assert (await rpc(http, sb.http_url, session.token, "ListChannelMessages", bad)).status_code == 400


async def test_clan_users_roles_voice(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    with trio.fail_after(10):
        body = await call(
            http, sb, session.token, "ListClanUsers", api.ListClanUsersRequest(clan_id=sb.clan_id)
        )
        users = api.ClanUserList.parse(body).clan_users
        assert {u.user.username for u in users if u.user} == {"sandbox-bot", "alice", "bob"}

        body = await call(http, sb, session.token, "ListRoles", api.RoleListEventRequest(clan_id=sb.clan_id))
        roles = api.RoleListEventResponse.parse(body)
        assert roles.clan_id == sb.clan_id
        assert roles.roles is not None
        by_title = {r.title: r for r in roles.roles.roles}
        assert set(by_title) == {"Admin", "Member"}
        admin = by_title["Admin"]

        async with raw_socket(sb, sb.issue_session(sb.human.id).token) as alice:
            await alice.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            update = api.UpdateRoleRequest(
                role_id=admin.id, title="Boss", add_user_ids=[sb.bot.id], clan_id=sb.clan_id
            )
            assert await call(http, sb, session.token, "UpdateRole", update) == b""
            event = (await alice.next_push("role_event")).role_event
            assert event is not None
            assert event.role is not None
            assert event.role.title == "Boss"
            assert event.user_add_ids == [sb.bot.id]
            assigned = (await alice.next_push("role_assign_event")).role_assign_event
            assert assigned is not None
            assert (assigned.clan_id, assigned.user_ids_assigned) == (str(sb.clan_id), [sb.bot.id])
        assert sb.bot.id in sb.state.roles[admin.id].members

        voice = sb.channel_ids["lounge"]
        sb.state.channels[voice].voice_users.append(sb.human.id)
        body = await call(
            http, sb, session.token, "ListChannelVoiceUsers", api.ListChannelUsersRequest(clan_id=sb.clan_id)
        )
        (entry,) = api.VoiceChannelUserList.parse(body).voice_channel_users
        assert (entry.channel_id, entry.user_ids) == (voice, [str(sb.human.id)])

        r = await rpc(http, sb.http_url, session.token, "ListRoles", api.RoleListEventRequest(clan_id=1))
        assert r.status_code == 404


async def test_quick_menus(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    with trio.fail_after(10):
        menu = api.QuickMenuAccess(
            clan_id=sb.clan_id, channel_id=sb.channel_id, menu_name="ping", action_msg="/ping"
        )
        added = api.QuickMenuAccess.parse(await call(http, sb, session.token, "AddQuickMenuAccess", menu))
        assert added.id > 0
        assert (added.bot_id, added.menu_type) == (sb.bot.id, 1)
        listing = api.QuickMenuAccessList.parse(
            await call(
                http,
                sb,
                session.token,
                "ListQuickMenuAccess",
                api.ListQuickMenuAccessRequest(bot_id=sb.bot.id),
            )
        )
        assert [m.menu_name for m in listing.list_menus] == ["ping"]
        await call(http, sb, session.token, "DeleteQuickMenuAccess", api.QuickMenuAccess(bot_id=sb.bot.id))
        listing = api.QuickMenuAccessList.parse(await call(http, sb, session.token, "ListQuickMenuAccess"))
        assert listing.list_menus == []


async def test_session_refresh_and_logout(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    with trio.fail_after(10):
        body = await call(
            http, sb, None, "SessionRefresh", api.SessionRefreshRequest(token=session.refresh_token)
        )
        fresh = api.Session.parse(body)
        assert fresh.token != session.token
        assert fresh.user_id == sb.bot.id
        # a refresh token is single-use
        r = await rpc(
            http, sb.http_url, None, "SessionRefresh", api.SessionRefreshRequest(token=session.refresh_token)
        )
        assert r.status_code == 401
        logout = api.SessionLogoutRequest(token=fresh.token, refresh_token=fresh.refresh_token)
        assert await call(http, sb, fresh.token, "SessionLogout", logout) == b""
        assert (await rpc(http, sb.http_url, fresh.token, "ListClanDescs")).status_code == 401
        assert (await rpc(http, sb.http_url, session.token, "ListClanDescs")).status_code == 200
        recorded = [r.payload for r in sb.received if r.kind in ("SessionRefresh", "SessionLogout")]
        assert all("ey" not in repr(p) for p in recorded)  # JWTs (base64 '{"') never recorded


async def test_friends_rpcs_and_pushes(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    carol = sb.user("carol")
    bob = sb.user("bob")
    with trio.fail_after(10):
        friends = api.FriendList.parse(await call(http, sb, session.token, "ListFriends"))
        assert [(f.user.username if f.user else "", f.state) for f in friends.friends] == [("carol", 2)]
        async with (
            raw_socket(sb, sb.issue_session(carol.id).token) as carol_sock,
            raw_socket(sb, sb.issue_session(bob.id).token) as bob_sock,
        ):
            # accepting carol's invitation
            body = await call(http, sb, session.token, "AddFriends", api.AddFriendsRequest(ids=[carol.id]))
            assert api.AddFriendsResponse.parse(body).ids == [carol.id]
            push = (await carol_sock.next_push("add_friend")).add_friend
            assert push is not None
            assert (push.user_id, push.username) == (sb.bot.id, "sandbox-bot")
            assert sb.state.friends[carol.id][sb.bot.id].state == 0
            # inviting bob by name: notification code -2 + add_friend
            await call(http, sb, session.token, "AddFriends", api.AddFriendsRequest(usernames=["bob"]))
            note = (await bob_sock.next_push("notifications")).notifications
            assert note is not None
            (item,) = note.notifications
            assert item.code == -2
            assert json.loads(item.content) == {"username": "sandbox-bot"}
            await bob_sock.next_push("add_friend")
            friends = api.FriendList.parse(await call(http, sb, session.token, "ListFriends"))
            assert {(f.user.username if f.user else "", f.state) for f in friends.friends} == {
                ("carol", 0),
                ("bob", 1),
            }
            await call(http, sb, session.token, "DeleteFriends", api.DeleteFriendsRequest(ids=[carol.id]))
            assert (await carol_sock.next_push("remove_friend")).remove_friend == rt.RemoveFriend(
                user_id=sb.bot.id
            )
            await call(http, sb, session.token, "BlockFriends", api.BlockFriendsRequest(ids=[bob.id]))
            assert (await bob_sock.next_push("block_friend")).block_friend == rt.BlockFriend(
                user_id=sb.bot.id
            )
            assert sb.state.friends[sb.bot.id][bob.id].state == 3
            await call(http, sb, session.token, "UnblockFriends", api.BlockFriendsRequest(ids=[bob.id]))
            unblocked = (await bob_sock.next_push("un_block_friend")).un_block_friend
            assert unblocked is not None
            assert unblocked.user_id == sb.bot.id
        r = await rpc(
            http, sb.http_url, session.token, "AddFriends", api.AddFriendsRequest(usernames=["nobody"])
        )
        assert r.status_code == 404


async def test_old_json_friend_gateway(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    headers = {"Authorization": "Bearer " + session.token, "Accept": "application/json"}
    with trio.fail_after(10):
        r = await http.get(sb.http_url + "/v2/friend", headers=headers)
        assert r.status_code == 200
        assert r.json()["friends"][0]["user"]["username"] == "carol"
        r = await http.post(sb.http_url + "/v2/friend", params={"usernames": "bob"}, headers=headers)
        assert r.status_code == 200
        assert sb.state.friends[sb.bot.id][sb.user("bob").id].state == 1
        r = await http.delete(
            sb.http_url + "/v2/friend", params={"ids": str(sb.user("bob").id)}, headers=headers
        )
        assert r.status_code == 200
        assert sb.user("bob").id not in sb.state.friends[sb.bot.id]
        r = await http.get(sb.http_url + "/v2/friend")
        assert r.status_code == 401


async def test_messages_over_http(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, sb.issue_session(sb.human.id).token) as alice:
            await alice.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            send = rt.ChannelMessageSend(channel_id=sb.channel_id, content='{"t":"via http"}', mode=2)
            ack = rt.ChannelMessageAck.parse(await call(http, sb, session.token, "SendChannelMessage", send))
            assert ack.message_id > 0
            push = (await alice.next_push("channel_message")).channel_message
            assert push is not None
            assert push.message_id == ack.message_id
            upd = rt.ChannelMessageUpdate(
                channel_id=sb.channel_id, message_id=ack.message_id, content='{"t":"v2"}'
            )
            assert (
                rt.ChannelMessageUpdate.parse(
                    await call(http, sb, session.token, "UpdateChannelMessage", upd)
                )
                == upd
            )
            push = (await alice.next_push("channel_message")).channel_message
            assert push is not None
            assert (push.code, push.content) == (1, '{"t":"v2"}')
            rm = rt.ChannelMessageRemove(channel_id=sb.channel_id, message_id=ack.message_id)
            await call(http, sb, session.token, "DeleteChannelMessage", rm)
            push = (await alice.next_push("channel_message")).channel_message
            assert push is not None
            assert (push.code, push.message_id) == (2, ack.message_id)
            assert sb.find_message(ack.message_id) is None


async def test_bridge_edit_delete_with_chunks(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with (
            raw_socket(sb, session.token) as bot,
            raw_socket(sb, sb.issue_session(sb.human.id).token) as alice,
        ):
            await alice.request("clan_join", rt.ClanJoin(clan_id=sb.clan_id))
            env = await bot.request(
                "channel_message_send", rt.ChannelMessageSend(channel_id=sb.channel_id, content='{"t":"a"}')
            )
            assert env.channel_message_ack is not None
            message_id = env.channel_message_ack.message_id
            await alice.next_push("channel_message")

            long_text = json.dumps({"t": "x" * 1000})
            upd = rt.ChannelMessageUpdate(
                clan_id=sb.clan_id, channel_id=sb.channel_id, message_id=message_id, content=long_text, mode=2
            )
            sb.faults.chunk_size = 100
            status, payload = await bridge(bot, "UpdateChannelMessage", 181, bytes(upd))
            assert status == 0
            assert rt.ChannelMessageUpdate.parse(payload) == upd
            chunks = [r for r in sb.received if r.kind == "UpdateChannelMessage"]
            assert chunks[-1].transport == "ws"
            push = (await alice.next_push("channel_message")).channel_message
            assert push is not None
            assert (push.code, push.content, push.message_id) == (1, long_text, message_id)
            sb.faults.chunk_size = None

            # not the author: raw status 403 with an rt.Error payload
            foreign = sb.messages(sb.channel_id)[0]
            bad = rt.ChannelMessageRemove(channel_id=sb.channel_id, message_id=foreign.message_id)
            status, payload = await bridge(bot, "DeleteChannelMessage", 182, bytes(bad))
            assert status == 403
            assert rt.Error.parse(payload).code == 3

            rm = rt.ChannelMessageRemove(clan_id=sb.clan_id, channel_id=sb.channel_id, message_id=message_id)
            status, payload = await bridge(bot, "DeleteChannelMessage", 182, bytes(rm))
            assert (status, rt.ChannelMessageRemove.parse(payload)) == (0, rm)
            push = (await alice.next_push("channel_message")).channel_message
            assert push is not None
            assert push.code == 2

            status, payload = await bridge(bot, "NoSuchMethod", 0, b"")
            assert status == 404
            assert rt.Error.parse(payload).code == 6
            # any RPC works over the bridge, dispatched by name (index 2 = ListClanDescs)
            status, payload = await bridge(bot, "ListClanDescs", 2, b"")
            assert status == 0
            assert len(api.ClanDescList.parse(payload).clandesc) == 2
            # a wrong index is only a warning: the name wins
            status, payload = await bridge(bot, "ListClanDescs", 5, b"")
            assert status == 0


async def test_json_rpc_and_content_types(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    auth = {"Authorization": "Bearer " + session.token}
    with trio.fail_after(10):
        r = await http.post(
            sb.http_url + "/mezon.api.Mezon/ListChannelDetail",
            json={"channel_id": str(sb.channel_id)},
            headers=auth,
        )
        assert r.status_code == 200
        assert r.headers["content-type"] == "application/json"
        assert r.json()["channel_label"] == "general"
        r = await http.post(
            sb.http_url + "/mezon.api.Mezon/ListClanDescs",
            content=b"<xml/>",
            headers={**auth, "Content-Type": "text/xml"},
        )
        assert r.status_code == 415
        r = await http.post(
            sb.http_url + "/mezon.api.Mezon/ListClanDescs",
            content=b"{not json",
            headers={**auth, "Content-Type": "application/json"},
        )
        assert r.status_code == 400
        r = await rpc(
            http, sb.http_url, session.token, "ListChannelDetail", b"\x0a\xff\xff"
        )  # truncated protobuf
        assert r.status_code == 400
        assert r.json()["code"] == 3
