"""Acting as other users from tests: each helper produces the pushes a server would."""

from __future__ import annotations

import json
from functools import partial

import httpx
import trio

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol import mmn
from mezon_trio.events import FormSubmitted
from mezon_trio.testing import Sandbox
from mezon_trio.testing._records import stored_message

from .raw import RawSocket, raw_socket, rpc


async def joined_bot(bot: RawSocket, sb: Sandbox) -> None:
    for clan in (sb.clan_id, 0):
        await bot.request("clan_join", rt.ClanJoin(clan_id=clan))


async def test_buttons_and_selects_reach_the_author(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            await joined_bot(bot, sb)
            env = await bot.request(
                "channel_message_send",
                rt.ChannelMessageSend(channel_id=sb.channel_id, content='{"t":"pick"}'),
            )
            assert env.channel_message_ack is not None
            mid = env.channel_message_ack.message_id
            clicked = await sb.click_button(sb.human.id, mid, "yes", extra_data='{"name":"x"}')
            push = (await bot.next_push("message_button_clicked")).message_button_clicked
            assert push is not None
            # the scripting call returns the event the bot receives: a form submission here
            assert isinstance(clicked, FormSubmitted)
            assert clicked.values == {"name": "x"}
            assert (
                clicked.button_id,
                clicked.message_id,
                clicked.user_id,
                clicked.sender_id,
                clicked.channel_id,
                clicked.extra_data,
            ) == (
                push.button_id,
                push.message_id,
                push.user_id,
                push.sender_id,
                push.channel_id,
                push.extra_data,
            )
            assert (push.user_id, push.sender_id, push.channel_id, push.extra_data) == (
                sb.human.id,
                sb.bot.id,
                sb.channel_id,
                '{"name":"x"}',
            )
            selected = await sb.select_values(sb.human.id, mid, "menu", ["a", "b"])
            push2 = (await bot.next_push("dropdown_box_selected")).dropdown_box_selected
            assert push2 is not None
            assert (selected.selectbox_id, selected.message_id, selected.user_id, selected.sender_id) == (
                push2.selectbox_id,
                push2.message_id,
                push2.user_id,
                push2.sender_id,
            )
            assert (selected.channel_id, selected.values) == (push2.channel_id, ("a", "b"))
            assert push2.values == ["a", "b"]


async def test_membership_helpers(sb: Sandbox, session: api.Session) -> None:
    carol = sb.user("carol")
    staff = sb.channel_ids["staff"]
    with trio.fail_after(10):
        async with raw_socket(sb, session.token) as bot:
            await joined_bot(bot, sb)
            await sb.add_to_clan(carol.id, sb.clan_id, invitor=sb.human.id)
            added = (await bot.next_push("add_clan_user_event")).add_clan_user_event
            assert added is not None
            assert added.user is not None
            assert (added.clan_id, added.user.user_id, added.invitor) == (
                sb.clan_id,
                carol.id,
                str(sb.human.id),
            )
            assert sb.state.is_clan_member(carol.id, sb.clan_id)

            await sb.post_message(sb.human.id, staff, "secret")
            await bot.no_frame_within(0.2)  # not a member of the private channel
            await sb.add_to_channel(sb.bot.id, staff, caller=sb.human.id)
            push = (await bot.next_push("user_channel_added_event")).user_channel_added_event
            assert push is not None
            assert push.channel_desc is not None
            assert (push.channel_desc.channel_id, push.channel_desc.channel_private) == (staff, 1)
            assert [u.user_id for u in push.users] == [sb.bot.id]
            assert push.caller is not None
            assert push.caller.user_id == sb.human.id
            posted = await sb.post_message(sb.human.id, staff, "welcome")
            pushed = (await bot.next_push("channel_message")).channel_message
            assert pushed is not None
            assert stored_message(pushed) == posted

            await sb.remove_from_channel(sb.bot.id, staff)
            removed = (await bot.next_push("user_channel_removed_event")).user_channel_removed_event
            assert removed is not None
            assert (removed.channel_id, removed.user_ids) == (staff, [sb.bot.id])
            await sb.post_message(sb.human.id, staff, "gone")
            await bot.no_frame_within(0.2)

            await sb.remove_from_clan(sb.bot.id, sb.clan_ids[1])
            gone = (await bot.next_push("user_clan_removed_event")).user_clan_removed_event
            assert gone == rt.UserClanRemoved(clan_id=sb.clan_ids[1], user_ids=[sb.bot.id])

            thread = await sb.create_channel(
                sb.human.id, sb.clan_id, "new-thread", type=7, parent_id=sb.channel_id
            )
            created = (await bot.next_push("channel_created_event")).channel_created_event
            assert created is not None
            assert (created.channel_id, created.channel_type, created.parent_id, created.status) == (
                thread,
                7,
                sb.channel_id,
                1,
            )


async def test_tokens_and_sessions(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    with trio.fail_after(10):
        async with (
            raw_socket(sb, session.token) as bot,
            raw_socket(sb, sb.issue_session(sb.human.id).token) as alice,
        ):
            before = sb.chain.balance_of(sb.bot.id)
            tx = await sb.transfer_tokens(sb.human.id, sb.bot.id, 25, note="tip")
            for sock in (bot, alice):
                event = (await sock.next_push("token_sent_event")).token_sent_event
                assert event is not None
                assert (
                    event.sender_id,
                    event.receiver_id,
                    event.amount,
                    event.note,
                    event.transaction_id,
                ) == (
                    sb.human.id,
                    sb.bot.id,
                    25,
                    "tip",
                    tx,
                )
                assert event.sender_name == "alice"
            assert sb.chain.balance_of(sb.bot.id) == before + 25 * 10**6

            fresh = await sb.refresh_session(sb.bot.id)
            pushed = (await bot.next_push("refresh_session_event")).refresh_session_event
            assert pushed is not None
            assert (pushed.token, pushed.refresh_token, pushed.id_token) == (
                fresh.token,
                fresh.refresh_token,
                fresh.id_token,
            )
            assert fresh.user_id == sb.bot.id
            assert (await rpc(http, sb.http_url, fresh.token, "ListClanDescs")).status_code == 200
            await alice.no_frame_within(0.1)


async def test_chain_routes_end_to_end(sb: Sandbox, http: httpx.AsyncClient, session: api.Session) -> None:
    """ZK prove with the session's id_token, nonce, a signed tx.addtx, token_sent_event to both."""
    key = mmn.EphemeralKey.generate()
    address = mmn.address_for(sb.bot.id)
    with trio.fail_after(10):
        async with (
            raw_socket(sb, session.token) as bot,
            raw_socket(sb, sb.issue_session(sb.human.id).token) as alice,
        ):
            r = await http.post(
                sb.zk_url + "prove",
                json={
                    "user_id": sb.bot.id,
                    "ephemeral_pk": key.public_key_b58,
                    "jwt": session.id_token,
                    "address": address,
                    "client_type": "mezon",
                },
            )
            assert r.status_code == 200, r.text
            proof = r.json()["data"]
            r = await http.post(
                sb.mmn_url.rstrip("/"),
                json={
                    "jsonrpc": "2.0",
                    "method": "account.getcurrentnonce",
                    "params": {"address": address, "tag": "pending"},
                    "id": 1,
                },
            )
            nonce = r.json()["result"]["nonce"]
            tx = mmn.TxMsg(
                type=0,
                sender=address,
                recipient=mmn.address_for(sb.human.id),
                amount=mmn.scale_amount(5),
                timestamp=1795971673159,
                text_data="thanks",
                nonce=nonce + 1,
                extra_info=mmn.extra_info_json(sender_id=sb.bot.id, receiver_id=sb.human.id),
                zk_proof=proof["proof"],
                zk_pub=proof["public_input"],
            )
            body = {
                "jsonrpc": "2.0",
                "method": "tx.addtx",
                "params": {"tx_msg": tx.to_json_dict(), "signature": mmn.sign_transaction(key, tx)},
                "id": 2,
            }
            r = await http.post(sb.mmn_url, content=json.dumps(body))
            result = r.json()["result"]
            assert result["ok"] is True, result
            for sock in (bot, alice):
                event = (await sock.next_push("token_sent_event")).token_sent_event
                assert event is not None
                assert (event.sender_id, event.receiver_id, event.amount, event.transaction_id) == (
                    sb.bot.id,
                    sb.human.id,
                    5,
                    result["tx_hash"],
                )
            kinds = [x.kind for x in sb.received if x.transport == "http"]
            assert {"zk_prove", "mmn"} <= set(kinds)
            (prove,) = [x for x in sb.received if x.kind == "zk_prove"]
            assert (prove.user_id, prove.payload["jwt"]) == (sb.bot.id, "***")
        # an id_token the sandbox never issued is refused by the prover
        r = await http.post(sb.zk_url + "prove", json={"ephemeral_pk": key.public_key_b58, "jwt": "x.y.z"})
        assert r.status_code != 200


async def test_push_many_and_message_push(sb: Sandbox, session: api.Session) -> None:
    with trio.fail_after(20):
        async with raw_socket(sb, session.token) as bot:
            await sb.wait_connected(sb.bot.id)
            frames = [sb.message_push(sb.human.id, sb.channel_id, f"n{i}") for i in range(500)]
            async with trio.open_nursery() as nursery:
                nursery.start_soon(partial(sb.push_many, frames, to=sb.bot.id))
                got = [await bot.recv() for _ in range(500)]
            ids = [env.channel_message.message_id for env in got if env.channel_message]
            assert len(ids) == 500
            assert ids == sorted(ids)
            assert [json.loads(env.channel_message.content)["t"] for env in got if env.channel_message][
                :3
            ] == [
                "n0",
                "n1",
                "n2",
            ]


async def test_create_user_and_raw_login(sb: Sandbox, http: httpx.AsyncClient) -> None:
    with trio.fail_after(10):
        helper = sb.create_user("helper-bot", bot=True)
        assert helper.api_key
        assert "helper-bot" in [u.username for u in sb.users()]
        body = json.dumps({"account": {"appid": str(helper.id), "token": helper.api_key}})
        r = await http.post(sb.http_url + "/v2/apps/authenticate/token", content=body)
        assert r.status_code == 200
        assert api.Session.parse(r.content).user_id == helper.id
        assert repr(helper).count(helper.api_key) == 0  # never in reprs
