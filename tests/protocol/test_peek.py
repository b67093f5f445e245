"""peek_envelope agrees with a full decode, and rejects garbage with ProtocolError."""

from __future__ import annotations

import contextlib

import betterproto2
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.peek import peek_envelope
from mezon_trio.errors import ProtocolError

FIELD_NUMBERS = {name: number for number, name in rt.Envelope._betterproto.field_name_by_number.items()}


def test_clan_join_bytes_from_the_spec() -> None:
    # docs/protocol.md §1.2: clan_join for clan 0 with cid 2 is 08 02 1a 00.
    assert peek_envelope(bytes.fromhex("08021a00")) == (2, 3)


def test_ping_pong_bytes_from_the_spec() -> None:
    assert peek_envelope(bytes.fromhex("0809b20100")) == (9, FIELD_NUMBERS["ping"])
    assert peek_envelope(bytes.fromhex("0809ba0100")) == (9, FIELD_NUMBERS["pong"])


def test_push_without_cid() -> None:
    env = rt.Envelope(channel_message=api.ChannelMessage(message_id=7000, content='{"t":"hi"}'))
    assert peek_envelope(bytes(env)) == (0, 6)


def test_empty_envelope() -> None:
    assert peek_envelope(b"") == (0, 0)


def test_negative_cid_is_sign_extended() -> None:
    env = rt.Envelope(cid=-5, pong=rt.Pong())
    assert peek_envelope(bytes(env)).cid == -5


def test_last_variant_wins() -> None:
    # Two variants in one frame (never sent by a sane peer): protobuf's "last one wins".
    data = bytes(rt.Envelope(cid=1, ping=rt.Ping())) + bytes(rt.Envelope(pong=rt.Pong()))
    assert peek_envelope(data) == (1, FIELD_NUMBERS["pong"])


@pytest.mark.parametrize(
    "data",
    [
        b"\x08",  # truncated varint
        b"\x08\x80",  # truncated varint continuation
        b"\x32\x05ab",  # length past the end
        b"\x0b",  # wire type 3 (start group)
        b"\x0f",  # wire type 7
        b"\x00\x00",  # field number 0
        b"\x09\x00",  # fixed64 truncated
        b"\x08" + b"\xff" * 11,  # over-long varint
    ],
)
def test_garbage_raises_protocol_error(data: bytes) -> None:
    with pytest.raises(ProtocolError):
        peek_envelope(data)


@given(
    cid=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    variant=st.sampled_from(sorted(n for n in FIELD_NUMBERS if n != "cid")),
)
def test_agrees_with_full_decode(cid: int, variant: str) -> None:
    env = rt.Envelope(cid=cid)
    cls = rt.Envelope._betterproto.cls_by_field[variant]
    setattr(env, variant, cls())
    data = bytes(env)
    decoded = rt.Envelope.parse(data)
    name, _ = betterproto2.which_one_of(decoded, "message")
    assert peek_envelope(data) == (decoded.cid, FIELD_NUMBERS[name])


@given(st.binary(max_size=64))
def test_arbitrary_bytes_never_crash_with_another_error(data: bytes) -> None:
    with contextlib.suppress(ProtocolError):
        peek_envelope(data)
