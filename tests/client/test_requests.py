"""Pushes to iterators and handlers, socket requests, the 0xFF bridge, RPCs, bad frames."""

from __future__ import annotations

import json
import random

import pytest
import trio

from mezon_trio import Events, MezonClient
from mezon_trio._client import services_of
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._transport.gateway_types import _Expired
from mezon_trio.errors import APIError, NotFound, ProtocolError, RequestTimeout, ServerError
from mezon_trio.events import ProtocolErrorEvent
from mezon_trio.models import Message
from mezon_trio.testing import OpError, open_sandbox
from mezon_trio.testing import raw as sandbox_raw

from ._helpers import client_kwargs


async def test_pushed_message_reaches_iterator_and_handler() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            handled: list[Message] = []
            got_it = trio.Event()

            async def on_message(msg: Message) -> None:
                handled.append(msg)
                got_it.set()

            client.on(Events.CHANNEL_MESSAGE, on_message)
            async with client:
                messages = client.channel_messages()
                posted = await sb.post_message(sb.human.id, sb.channel_id, "hello bot")
                msg = await messages.__anext__()
                assert isinstance(msg, Message)
                assert msg.id == posted.message_id
                assert msg.text == "hello bot"
                assert msg.channel_id == sb.channel_id
                assert msg.sender_id == sb.human.id
                await got_it.wait()
                assert [m.id for m in handled] == [posted.message_id]


async def test_events_arrive_in_order() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            async with client.channel_messages(buffer=100) as messages:
                for i in range(30):
                    await sb.post_message(sb.human.id, sb.channel_id, f"m{i}")
                texts = []
                async for msg in messages:
                    texts.append(msg.text)
                    if len(texts) == 30:
                        break
            assert texts == [f"m{i}" for i in range(30)]


async def test_send_gets_its_ack_through_the_request_api() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            send = rt.ChannelMessageSend(
                clan_id=sb.clan_id,
                channel_id=sb.channel_id,
                content=json.dumps({"t": "pong"}),
                mode=2,
                is_public=True,
            )
            reply = await client.raw.request(rt.Envelope(channel_message_send=send))
            ack = reply.channel_message_ack
            assert ack is not None
            assert ack.channel_id == sb.channel_id
            assert ack.message_id != 0
            stored = sb.messages(sb.channel_id)
            assert stored[-1].message_id == ack.message_id
            assert stored[-1].content == '{"t": "pong"}'
            assert client.statistics().gateway.pending_requests == 0


async def test_error_reply_and_timeout() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb, timeout=300)) as client:
            sb.faults.fail_ops["message_typing_event"] = OpError.for_code(3, "nope", context={"k": "v"})
            typing = rt.MessageTypingEvent(clan_id=sb.clan_id, channel_id=sb.channel_id, mode=2)
            with pytest.raises(APIError) as info:
                await client.raw.request(rt.Envelope(message_typing_event=typing))
            assert info.value.code == 3
            assert info.value.message == "nope"
            assert dict(info.value.context) == {"k": "v"}
            assert info.value.operation == "message_typing_event"

            sb.faults.drop_replies.add("message_typing_event")
            start = trio.current_time()
            with pytest.raises(RequestTimeout):
                await client.raw.request(rt.Envelope(message_typing_event=typing))
            assert 0.25 < trio.current_time() - start < 2.0
            # A caller can narrow the deadline; cancellation leaves no pending entry.
            with trio.move_on_after(0.05):
                await client.raw.request(rt.Envelope(message_typing_event=typing))
            assert client.statistics().gateway.pending_requests == 0
            sb.faults.drop_replies.clear()
            sb.faults.fail_ops.clear()
            reply = await client.raw.request(rt.Envelope(message_typing_event=typing))
            assert reply.message_typing_event is not None


async def test_api_bridge_with_chunked_answers_and_statuses() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            request = api.ListChannelDescsRequest(clan_id=sb.clan_id, channel_type=1)
            whole = await client.raw.api_bridge("ListChannelDescs", request, api.ChannelDescList)
            assert whole.channeldesc
            sb.faults.chunk_size = 7
            chunked = await client.raw.api_bridge("ListChannelDescs", request, api.ChannelDescList)
            assert bytes(chunked) == bytes(whole)
            sb.faults.chunk_size = None
            sb.faults.raw_status["ListChannelDescs"] = 404
            with pytest.raises(NotFound) as info:
                await client.raw.api_bridge("ListChannelDescs", request, api.ChannelDescList)
            assert info.value.status == 404
            assert info.value.operation == "ListChannelDescs"
            sb.faults.raw_status["ListChannelDescs"] = 500
            with pytest.raises(ServerError):
                await client.raw.api_bridge("ListChannelDescs", request, api.ChannelDescList)
            assert client.statistics().gateway.partial_raw_answers == 0


async def test_rpc_over_http() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            clans = await client.raw.rpc("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList)
            assert {c.clan_id for c in clans.clandesc} == set(sb.clan_ids)
            detail = await client.raw.rpc(
                "ListChannelDetail",
                api.ListChannelDetailRequest(channel_id=sb.channel_id),
                api.ChannelDescription,
            )
            assert detail.channel_id == sb.channel_id


async def test_garbage_frames_are_reported_and_skipped() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            errors = client.stream(Events.PROTOCOL_ERROR)
            messages = client.channel_messages()
            await sb.push_bytes(b"\x0b\x0c\x0d", to=sb.bot.id)  # wire type 3: not an Envelope
            await sb.push_bytes(b"\xff\x00", to=sb.bot.id)  # truncated raw frame
            await sb.push_bytes("a text frame", to=sb.bot.id)  # ignored, not an error
            # A channel_message whose payload is not a ChannelMessage: decodes at the top, fails inside.
            await sb.push_bytes(b"\x32\x03\x08\xff\xff", to=sb.bot.id)
            await sb.post_message(sb.human.id, sb.channel_id, "still alive")
            msg = await messages.__anext__()
            assert msg.text == "still alive"
            seen = [await errors.__anext__() for _ in range(3)]
            assert all(isinstance(e, ProtocolErrorEvent) for e in seen)
            assert all(isinstance(e.error, ProtocolError) for e in seen)
            stats = client.statistics()
            assert stats.protocol_errors == 3
            assert stats.gateway.text_frames == 1
            assert client.is_ready


async def test_unwanted_pushes_are_skipped_without_decoding() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            before = client.statistics()
            typing = rt.MessageTypingEvent(
                clan_id=sb.clan_id, channel_id=sb.channel_id, sender_id=sb.human.id
            )
            await sandbox_raw.push(sb, rt.Envelope(message_typing_event=typing), to=sb.bot.id)
            while client.statistics().gateway.pushes == before.gateway.pushes:  # noqa: ASYNC110 - polling a counter
                await trio.sleep(0.01)
            async with client.stream(Events.MESSAGE_TYPING_EVENT) as typings:
                await sandbox_raw.push(sb, rt.Envelope(message_typing_event=typing), to=sb.bot.id)
                got = await typings.__anext__()
                assert got.sender_id == sb.human.id
            after = client.statistics()
            assert after.pushes_skipped == before.pushes_skipped + 1
            assert after.pushes_decoded == before.pushes_decoded + 1


async def test_bot_added_to_a_channel_joins_it() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            channel = sb.thread_id or sb.channel_id
            await sb.add_to_channel([sb.bot.id], channel)
            (join,) = await sb.wait_for(
                lambda r: r.kind == "channel_join" and r.payload.channel_id == channel
            )
            assert join.user_id == sb.bot.id
            with trio.fail_after(5):
                while channel not in client.raw.joined_channels:  # noqa: ASYNC110 - polling a counter
                    await trio.sleep(0.01)


async def test_cancelled_sends_leave_no_waiter_and_later_replies_stay_correlated() -> None:
    # Sends cancelled at random points (before the write, after it, while the reply is on
    # its way) must each remove their pending entry; the late replies of the cancelled ones
    # are dropped as strays, and every later reply still reaches its own request.
    with trio.fail_after(60):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            channel = await client.channels.fetch(sb.channel_id)
            sb.faults.reply_delay = 0.002
            rng = random.Random(14)
            cancelled = 0
            for i in range(150):
                with trio.move_on_after(rng.uniform(0.0, 0.004)) as scope:
                    await channel.send(f"cancelled {i}")
                cancelled += scope.cancelled_caught
                assert client.statistics().gateway.pending_requests == 0
            assert 0 < cancelled < 150
            sb.faults.reply_delay = 0.0

            async def send(i: int) -> None:
                ack = await channel.send(f"after {i}")
                stored = sb.find_message(ack.message_id)
                assert stored is not None
                assert json.loads(stored.content)["t"] == f"after {i}"

            async with trio.open_nursery() as nursery:
                for i in range(20):
                    nursery.start_soon(send, i)
            assert client.statistics().gateway.pending_requests == 0


async def test_a_later_request_with_an_earlier_deadline_times_out_on_time() -> None:
    # White-box: one task per socket fails requests at their deadline.  It sleeps until the
    # earliest one it knows; a request registered later with an earlier deadline (one that
    # waited for the socket, say) must move that wake-up forward.
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb, timeout=3000)) as client:
            gateway = services_of(client).core.gateway
            typing = rt.MessageTypingEvent(clan_id=sb.clan_id, channel_id=sb.channel_id, mode=2)
            sb.faults.drop_replies.add("message_typing_event")
            async with trio.open_nursery() as nursery:
                nursery.start_soon(client.raw.request, rt.Envelope(message_typing_event=typing))
                await sb.wait_for(lambda r: r.kind == "message_typing_event")
                conn = gateway._conn
                assert conn is not None
                start = trio.current_time()
                with pytest.raises(_Expired):
                    await gateway._roundtrip(
                        conn,
                        rt.Envelope(message_typing_event=typing),
                        raw=False,
                        priority=False,
                        deadline=start + 0.3,
                    )
                assert 0.25 < trio.current_time() - start < 1.5
                assert client.statistics().gateway.pending_requests == 1  # the first one waits on
                nursery.cancel_scope.cancel()
            assert client.statistics().gateway.pending_requests == 0


async def test_timeout_while_waiting_for_a_send_token() -> None:
    # One frame per 2 s: after the login's frames, requests wait for a token past their deadline.
    with trio.fail_after(20):
        async with open_sandbox() as sb:
            kwargs = client_kwargs(sb, timeout=300, ws_rate_limit=0.5)
            async with MezonClient(**kwargs) as client:
                typing = rt.MessageTypingEvent(clan_id=sb.clan_id, channel_id=sb.channel_id, mode=2)
                timed_out = 0
                for _ in range(2):
                    start = trio.current_time()
                    try:
                        await client.raw.request(rt.Envelope(message_typing_event=typing))
                    except RequestTimeout:
                        assert 0.25 < trio.current_time() - start < 1.0
                        timed_out += 1
                assert timed_out >= 1
                assert client.statistics().gateway.pending_requests == 0
