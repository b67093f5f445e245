"""``decode_channel_message_push`` = the chat message ``decode_envelope_fast`` would return, or None."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mezon_trio._proto.hotcodec import decode_envelope_fast
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.frames import encode_envelope
from mezon_trio._protocol.hotpath import decode_channel_message_push, envelope_with
from tests.protocol.test_hotcodec import SETTINGS, _mutate, _mutations, envelopes


def _same(data: bytes) -> None:
    env = decode_envelope_fast(data)
    want = env.channel_message if env is not None else None
    got = decode_channel_message_push(data)
    if want is None:
        assert got is None
    else:
        assert type(got) is api.ChannelMessage
        assert got.__dict__ == want.__dict__


@SETTINGS
@given(env=envelopes(), mutations=st.lists(_mutations(), max_size=3))
def test_same_message_as_the_envelope_fast_path(env: rt.Envelope, mutations: list[tuple[Any, ...]]) -> None:
    data = bytes(env)
    for mutation in mutations:
        data = _mutate(data, mutation)
    _same(data)


def test_examples() -> None:
    message = api.ChannelMessage(channel_id=2, message_id=3, sender_id=4, content='{"t":"hi"}')
    data = bytes(rt.Envelope(channel_message=message))
    assert decode_channel_message_push(data) == message
    ack = bytes(rt.Envelope(channel_message_ack=rt.ChannelMessageAck(message_id=3)))
    assert decode_channel_message_push(ack) is None
    assert decode_channel_message_push(b"") is None
    for frame in (data, ack):
        _same(frame)


_VARIANTS = [f.name for f in dataclasses.fields(rt.Envelope) if f.name != "cid"]


@pytest.mark.parametrize("name", _VARIANTS)
def test_envelope_with_equals_the_generated_constructor(name: str) -> None:
    declared = str(rt.Envelope.__dataclass_fields__[name].type).split(" |")[0]  # "_api__.Webhook", "Ping"
    module, _, cls_name = declared.rpartition(".")
    value = getattr(api if "api" in module else rt, cls_name)()
    want = rt.Envelope(**{name: value})
    got = envelope_with(name, value)
    assert got == want
    assert got.__dict__ == want.__dict__
    got.cid = 7
    want.cid = 7
    assert bytes(got) == bytes(want)
    assert encode_envelope(got) == encode_envelope(want)


def test_envelope_with_refuses_a_non_variant() -> None:
    for name in ("cid", "_unknown_fields", "no_such_field"):
        with pytest.raises(ValueError, match="no variant"):
            envelope_with(name, rt.Ping())
