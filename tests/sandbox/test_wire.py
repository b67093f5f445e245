"""The sandbox's fast framing is byte-identical to betterproto2 (docs/protocol.md §3.2)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.snowflake import EPOCH_MS, SnowflakeGenerator
from mezon_trio.errors import ProtocolError
from mezon_trio.testing import _wire

i64 = st.integers(-(2**63), 2**63 - 1)
i32 = st.integers(-(2**31), 2**31 - 1)
u32 = st.integers(0, 2**32 - 1)
text = st.text(max_size=20)
blob = st.binary(max_size=20)

channel_messages = st.builds(
    api.ChannelMessage,
    clan_id=i64,
    channel_id=i64,
    message_id=i64,
    code=i32,
    sender_id=i64,
    username=text,
    avatar=text,
    content=text,
    channel_label=text,
    clan_logo=text,
    category_name=text,
    display_name=text,
    clan_nick=text,
    clan_avatar=text,
    reactions=blob,
    mentions=blob,
    attachments=blob,
    references=blob,
    referenced_message=blob,
    create_time_seconds=u32,
    update_time_seconds=u32,
    mode=i32,
    hide_editted=st.booleans(),
    is_public=st.booleans(),
    topic_id=i64,
)
acks = st.builds(
    rt.ChannelMessageAck,
    channel_id=i64,
    message_id=i64,
    code=i32,
    username=text,
    create_time_seconds=u32,
    update_time_seconds=u32,
    persistent=st.none() | st.booleans(),
    clan_logo=text,
    category_name=text,
)


@settings(max_examples=200)
@given(message=channel_messages, cid=i32)
def test_channel_message_frames_match(message: api.ChannelMessage, cid: int) -> None:
    assert _wire.encode("channel_message", message, cid) == bytes(
        rt.Envelope(cid=cid, channel_message=message)
    )


@settings(max_examples=200)
@given(ack=acks, cid=i32)
def test_ack_frames_match(ack: rt.ChannelMessageAck, cid: int) -> None:
    assert _wire.encode("channel_message_ack", ack, cid) == bytes(
        rt.Envelope(cid=cid, channel_message_ack=ack)
    )


@given(cid=i32, content=text)
def test_split_envelope_round_trip(cid: int, content: str) -> None:
    send = rt.ChannelMessageSend(channel_id=5, content=content)
    data = bytes(rt.Envelope(cid=cid, channel_message_send=send))
    got_cid, variant, inner = _wire.split_envelope(data)
    assert (got_cid, variant) == (cid, "channel_message_send")
    assert rt.ChannelMessageSend.parse(inner) == send


def test_split_envelope_edge_cases() -> None:
    assert _wire.split_envelope(b"") == (0, None, b"")
    assert _wire.split_envelope(bytes.fromhex("08021a00")) == (2, "clan_join", b"")
    # oneof: the later variant wins; unknown fields are skipped
    assert _wire.split_envelope(bytes.fromhex("b20100" + "ba0100" + "a80701"))[1] == "pong"
    for bad in (b"\x08", b"\x0a\x05ab", b"\x07", b"\x00\x00", b"\x08" + b"\xff" * 11):
        with pytest.raises(ProtocolError):
            _wire.split_envelope(bad)


def test_snowflakes_increase_and_look_like_production() -> None:
    gen = SnowflakeGenerator(datacenter=2, worker=3, clock=lambda: 1795971673.159)
    ids = [gen.next() for _ in range(10_000)]  # more than 4096 in one millisecond
    assert ids == sorted(set(ids))
    assert all(i > 2**53 for i in ids)
    assert (ids[0] >> 22) + EPOCH_MS == 1795971673159
    assert (ids[0] >> 17) & 0x1F == 2  # datacenter
    assert (ids[0] >> 12) & 0x1F == 3  # worker
