"""The generated fast decoders (mezon_trio/_proto/hotcodec.py) equal betterproto2's generic ones.

Equality is checked on the full instance state (every field and ``_unknown_fields``,
recursively) and, where the generic decoder raises, on the exception type.  Inputs:
every message hypothesis can build (full-range ints, arbitrary unicode and bytes,
the wrapped ``persistent`` bool unset/False/True), the same bytes mutated (truncated,
bytes flipped, fields duplicated, reordered, unknown fields appended, wrong wire
types), and arbitrary bytes.  Separate checks make sure canonical encodings really
take the fast path, so the equality is not won by always falling back.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import betterproto2
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from mezon_trio._proto import hotcodec
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.frames import decode_envelope
from mezon_trio._protocol.hotpath import decode_push, decode_reply
from mezon_trio._protocol.typecheck import check_envelope, check_payload

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_INT64 = st.one_of(
    st.integers(-(2**63), 2**63 - 1), st.sampled_from([0, -1, 1, 1840000000000000100, 2**63 - 1, -(2**63)])
)
_INT32 = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 1, 2**31 - 1, -(2**31)]))
_UINT32 = st.integers(0, 2**32 - 1)
_TEXT = st.one_of(st.text(max_size=40), st.sampled_from(["", "👋🏽 xin chào", '{"t":"hi"}', "\x00"]))
_BYTES = st.binary(max_size=40)


def _strategy_for(cls: type[betterproto2.Message]) -> st.SearchStrategy[Any]:
    kinds = {
        betterproto2.TYPE_INT64: _INT64,
        betterproto2.TYPE_INT32: _INT32,
        betterproto2.TYPE_UINT32: _UINT32,
        betterproto2.TYPE_BOOL: st.booleans(),
        betterproto2.TYPE_STRING: _TEXT,
        betterproto2.TYPE_BYTES: _BYTES,
    }
    fields: dict[str, st.SearchStrategy[Any]] = {}
    for name, meta in cls._betterproto.meta_by_field_name.items():
        if meta.repeated:  # ChannelMessageSend.mentions/attachments/references
            item_cls = cls._betterproto.cls_by_field[name]
            fields[name] = st.lists(_strategy_for(item_cls), max_size=3)
        elif meta.proto_type == betterproto2.TYPE_MESSAGE:  # ChannelMessageAck.persistent (BoolValue)
            fields[name] = st.one_of(st.none(), st.booleans())
        else:
            fields[name] = kinds[meta.proto_type]
    return st.builds(cls, **fields)


channel_messages = _strategy_for(api.ChannelMessage)
acks = _strategy_for(rt.ChannelMessageAck)
sends = _strategy_for(rt.ChannelMessageSend)


@st.composite
def envelopes(draw: st.DrawFn) -> rt.Envelope:
    cid = draw(_INT32)
    variant = draw(st.sampled_from(["channel_message", "channel_message_ack", "ping", "error", "none"]))
    if variant == "channel_message":
        return rt.Envelope(cid=cid, channel_message=draw(channel_messages))
    if variant == "channel_message_ack":
        return rt.Envelope(cid=cid, channel_message_ack=draw(acks))
    if variant == "ping":
        return rt.Envelope(cid=cid, ping=rt.Ping())
    if variant == "error":
        return rt.Envelope(cid=cid, error=rt.Error(code=draw(_INT32), message=draw(_TEXT)))
    return rt.Envelope(cid=cid)


def state(value: Any) -> Any:
    """Everything that defines a decoded value: type, every field, unknown bytes (recursively)."""
    if isinstance(value, betterproto2.Message):
        fields = {f.name: state(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return (type(value).__name__, fields, value._unknown_fields)
    if isinstance(value, list):
        return [state(v) for v in value]
    return (type(value).__name__, value)


def outcome(func: Any, data: bytes) -> Any:
    try:
        return ("ok", state(func(data)))
    except Exception as exc:
        return ("raised", type(exc).__name__)


def same_as_generic(data: bytes) -> None:
    assert outcome(hotcodec.decode_channel_message, data) == outcome(api.ChannelMessage.parse, data)
    assert outcome(hotcodec.decode_channel_message_ack, data) == outcome(rt.ChannelMessageAck.parse, data)
    assert outcome(hotcodec.decode_envelope, data) == outcome(rt.Envelope.parse, data)


# ---------------------------------------------------------------- canonical encodings


@SETTINGS
@given(msg=channel_messages)
def test_channel_message_fast_path_equals_generic(msg: api.ChannelMessage) -> None:
    data = bytes(msg)
    fast = hotcodec._channel_message_fields(data, 0)  # the fast path itself, no fallback
    assert fast == {**vars(api.ChannelMessage.parse(data))}
    assert state(hotcodec.decode_channel_message(data)) == state(api.ChannelMessage.parse(data))
    assert hotcodec.decode_channel_message(data) == msg


@SETTINGS
@given(ack=acks)
def test_ack_fast_path_equals_generic(ack: rt.ChannelMessageAck) -> None:
    data = bytes(ack)
    fast = hotcodec._channel_message_ack_fields(data, 0)
    assert fast == {**vars(rt.ChannelMessageAck.parse(data))}
    assert hotcodec.decode_channel_message_ack(data) == ack


@SETTINGS
@given(env=envelopes(), prefix=st.binary(max_size=8))
def test_envelope_equals_generic(env: rt.Envelope, prefix: bytes) -> None:
    data = bytes(env)
    assert state(hotcodec.decode_envelope(data)) == state(rt.Envelope.parse(data))
    assert state(decode_envelope(data)) == state(rt.Envelope.parse(data))
    # decoding from an offset reads the same bytes
    inner = bytes(env.channel_message) if env.channel_message is not None else b""
    assert state(hotcodec.decode_channel_message(prefix + inner, len(prefix))) == state(
        api.ChannelMessage.parse(inner)
    )


@SETTINGS
@given(env=envelopes())
def test_split_envelope_finds_the_variant(env: rt.Envelope) -> None:
    data = bytes(env)
    split = hotcodec.split_envelope(data)
    name, value = betterproto2.which_one_of(env, "message")
    if value is None:
        assert split is None
        return
    assert split is not None
    cid, number, pos = split
    assert cid == env.cid
    assert rt.Envelope._betterproto.field_name_by_number[number] == name
    assert type(value).parse(data[pos:]) == value


def test_hot_variants_are_the_envelope_fields() -> None:
    numbers = rt.Envelope._betterproto.field_name_by_number
    assert hotcodec.HOT_VARIANTS == {6: "channel_message", 7: "channel_message_ack"}
    assert all(numbers[n] == name for n, name in hotcodec.HOT_VARIANTS.items())


def test_results_are_the_generated_types() -> None:
    msg = api.ChannelMessage(channel_id=5, content='{"t":"x"}', is_public=True)
    decoded = hotcodec.decode_envelope(bytes(rt.Envelope(channel_message=msg)))
    assert type(decoded) is rt.Envelope
    assert type(decoded.channel_message) is api.ChannelMessage
    assert decoded.channel_message == msg
    assert bytes(decoded) == bytes(rt.Envelope(channel_message=msg))  # re-encodes like the original
    assert betterproto2.which_one_of(decoded, "message") == ("channel_message", msg)
    assert decoded.channel_message.to_dict() == msg.to_dict()


@pytest.mark.parametrize(
    ("persistent", "wire"),
    [(None, b""), (False, b"\x3a\x00"), (True, b"\x3a\x02\x08\x01"), (False, b"\x3a\x02\x08\x00")],
)
def test_ack_wrapped_bool(persistent: bool | None, wire: bytes) -> None:
    data = b"\x08\x05" + wire
    assert hotcodec._channel_message_ack_fields(data, 0)["persistent"] == persistent
    assert state(hotcodec.decode_channel_message_ack(data)) == state(rt.ChannelMessageAck.parse(data))


# ---------------------------------------------------------------- off the fast path


def _mutations() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.tuples(st.just("truncate"), st.integers(0, 2000)),
        st.tuples(st.just("flip"), st.integers(0, 2000), st.integers(1, 255)),
        st.tuples(st.just("insert"), st.integers(0, 2000), st.binary(min_size=1, max_size=12)),
        st.tuples(st.just("delete"), st.integers(0, 2000), st.integers(1, 4)),
        st.tuples(st.just("append"), st.binary(min_size=1, max_size=12)),
        st.tuples(st.just("double"), st.just(0)),
    )


def _mutate(data: bytes, mutation: tuple[Any, ...]) -> bytes:
    kind = mutation[0]
    n = max(len(data), 1)
    if kind == "truncate":
        return data[: mutation[1] % n]
    if kind == "flip":
        i = mutation[1] % n
        return data[:i] + bytes([(data[i] if i < len(data) else 0) ^ mutation[2]]) + data[i + 1 :]
    if kind == "insert":
        i = mutation[1] % n
        return data[:i] + mutation[2] + data[i:]
    if kind == "delete":
        i = mutation[1] % n
        return data[:i] + data[i + mutation[2] :]
    if kind == "append":
        return data + mutation[1]
    return data + data  # every field twice: the last one wins


@SETTINGS
@given(env=envelopes(), mutations=st.lists(_mutations(), min_size=1, max_size=3))
@example(env=rt.Envelope(channel_message=api.ChannelMessage(content="é")), mutations=[("truncate", 9)])
def test_mutated_bytes_give_the_generic_outcome(env: rt.Envelope, mutations: list[tuple[Any, ...]]) -> None:
    data = bytes(env)
    inner = bytes(env.channel_message or env.channel_message_ack or b"")
    for mutation in mutations:
        data = _mutate(data, mutation)
        inner = _mutate(inner, mutation)
    same_as_generic(data)
    same_as_generic(inner)


@SETTINGS
@given(data=st.binary(max_size=200))
@example(data=b"\x08" + b"\xff" * 10 + b"\x01")  # an 11-byte varint: ValueError in betterproto2
@example(data=b"\x42\x02\xc3\x28")  # invalid UTF-8 in a string field
@example(data=b"\x0a\x00")  # clan_id sent length-delimited (wire type mismatch)
@example(data=b"\x10\x01\x08\x02")  # fields out of order
@example(data=b"\xa8\x1f\x01")  # an unknown field number
@example(data=b"\x32\x05\x08\x01")  # Envelope variant longer than the frame
def test_arbitrary_bytes_give_the_generic_outcome(data: bytes) -> None:
    same_as_generic(data)


@SETTINGS
@given(msg=channel_messages, extra=st.binary(min_size=1, max_size=16))
def test_unknown_trailing_fields_are_kept(msg: api.ChannelMessage, extra: bytes) -> None:
    data = bytes(msg) + b"\xd0\x0f\x01" + extra  # field 250 varint, then anything
    same_as_generic(data)


@SETTINGS
@given(env=envelopes(), mutations=st.lists(_mutations(), max_size=2))
def test_fast_results_are_exactly_typed(env: rt.Envelope, mutations: list[tuple[Any, ...]]) -> None:
    data = bytes(env)
    for mutation in mutations:
        data = _mutate(data, mutation)
    fast = hotcodec.decode_envelope_fast(data)
    if fast is None:
        return
    check_envelope(fast)  # never raises for what the fast path produced
    assert state(fast) == state(rt.Envelope.parse(data))


def _checked_generic(data: bytes, kind: str | None) -> Any:
    try:
        env = decode_envelope(data)
        if kind is None:
            check_envelope(env)
        else:
            check_payload(env, kind)
        return ("ok", state(env))
    except Exception as exc:
        return ("raised", type(exc).__name__)


@SETTINGS
@given(env=envelopes(), mutations=st.lists(_mutations(), max_size=2))
@example(env=rt.Envelope(), mutations=[("append", b"\x32\x02\x08\x0a")])  # channel_message.clan_id as bytes
def test_receive_path_equals_generic_decode_and_check(
    env: rt.Envelope, mutations: list[tuple[Any, ...]]
) -> None:
    data = bytes(env)
    for mutation in mutations:
        data = _mutate(data, mutation)
    assert outcome(decode_reply, data) == _checked_generic(data, None)
    split = hotcodec.split_envelope(data)
    if split is not None and split[1] in rt.Envelope._betterproto.field_name_by_number:
        kind = rt.Envelope._betterproto.field_name_by_number[split[1]]
        assert outcome(lambda d: decode_push(d, kind), data) == _checked_generic(data, kind)


# ---------------------------------------------------------------- the encoder


def _encoded(env: Any) -> Any:
    try:
        return ("ok", bytes(env))
    except Exception as exc:
        return ("raised", type(exc).__name__)


def _fast_encoded(env: Any) -> Any:
    try:
        return ("ok", hotcodec.encode_envelope(env))
    except Exception as exc:
        return ("raised", type(exc).__name__)


@SETTINGS
@given(send=sends, cid=_INT32)
def test_send_encodes_like_betterproto(send: rt.ChannelMessageSend, cid: int) -> None:
    env = rt.Envelope(cid=cid, channel_message_send=send)
    fast = hotcodec.encode_envelope_fast(env)
    assert fast is not None  # a well-typed send always takes the fast path
    assert fast == bytes(env)
    assert rt.Envelope.parse(fast) == env


@SETTINGS
@given(send=sends, unknown=st.binary(min_size=1, max_size=8))
def test_unknown_fields_are_written_like_betterproto(send: rt.ChannelMessageSend, unknown: bytes) -> None:
    send._unknown_fields = unknown
    env = rt.Envelope(cid=3, channel_message_send=send)
    assert hotcodec.encode_envelope(env) == bytes(env)
    env._unknown_fields = unknown
    assert hotcodec.encode_envelope(env) == bytes(env)


@pytest.mark.parametrize(
    "change",
    [
        {"clan_id": True},  # a bool where an int64 goes
        {"clan_id": 1.0},
        {"clan_id": -(2**63) - 1},  # out of range: betterproto2 raises
        {"clan_id": 2**64 + 5},  # above range: betterproto2 writes a long varint
        {"content": b"bytes"},
        {"content": "\ud800"},  # lone surrogate: not encodable
        {"is_public": 1},
        {"mentions": (api.MessageMention(user_id=1),)},  # a tuple, not a list
        {"mentions": [api.MessageRef(message_id=1)]},  # another message type
        {"mentions": [{"user_id": 1}]},
    ],
)
def test_odd_values_give_the_betterproto_outcome(change: dict[str, Any]) -> None:
    send = rt.ChannelMessageSend(clan_id=5, channel_id=6, content='{"t":"x"}', is_public=True)
    for name, value in change.items():
        object.__setattr__(send, name, value)
    env = rt.Envelope(cid=9, channel_message_send=send)
    assert _fast_encoded(env) == _encoded(env)


def test_other_variants_use_betterproto() -> None:
    send = rt.ChannelMessageSend(channel_id=6, content="x")
    both = rt.Envelope(cid=1, channel_message_send=send, ping=rt.Ping())
    assert hotcodec.encode_envelope_fast(both) is None  # two variants: betterproto2 writes both
    assert hotcodec.encode_envelope(both) == bytes(both)
    ping = rt.Envelope(cid=2, ping=rt.Ping())
    assert hotcodec.encode_envelope_fast(ping) is None
    assert hotcodec.encode_envelope(ping) == bytes(ping)
    assert hotcodec.encode_envelope_fast(rt.Envelope()) is None


def test_envelope_variant_table_matches_betterproto2_metadata() -> None:
    """The generated table says what betterproto2's (slow to build) class metadata says."""
    meta: Any = getattr(rt.Envelope, "_betterproto")  # noqa: B009 - a classproperty mypy cannot follow
    expected = {
        name: (field.number, meta.cls_by_field[name])
        for name, field in meta.meta_by_field_name.items()
        if field.group == "message"
    }
    assert expected == hotcodec.ENVELOPE_VARIANTS
    assert list(hotcodec.ENVELOPE_VARIANTS) == [
        f.name for f in dataclasses.fields(rt.Envelope) if f.metadata["betterproto"].group == "message"
    ]
