"""Hypothesis round-trip properties between betterproto2 and Google's runtime.

Strategies are derived from the protoc descriptors of proto/ (see
``_reference.py``), so every field of the hot messages is drawn with its real
type: full-range int64/uint32/int32 (unknown enum-like codes such as
Friend.state 99 or Error.code 42 included), arbitrary unicode and bytes,
empty and nested sub-messages, repeated fields, maps (``{"": ""}`` included)
and, for real enum fields, values the schema does not define.
"""

from __future__ import annotations

import functools
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# Google's types via _reference, which skips this module cleanly without protobuf.
from ._reference import (
    SNOWFLAKES,
    Descriptor,
    FieldDescriptor,
    GMessage,
    assert_conformant,
    bp_class,
    google_bytes,
    is_map,
    load_reference,
    to_bp,
)

HOT_MESSAGES = [
    "mezon.realtime.Envelope",  # with channel_message (the push a bot lives on)
    "mezon.api.ChannelMessage",
    "mezon.realtime.ChannelMessageSend",
    "mezon.realtime.ChannelMessageAck",
    "mezon.api.MessageReaction",
    "mezon.api.Session",
    "mezon.realtime.Error",  # map<string, string> context
    "mezon.api.Friend",  # state: Friend.State as int32
    "mezon.api.ParticipantInfo",  # real enum fields
]
MAX_DEPTH = 2
PROPERTY_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

_INT32 = st.one_of(st.integers(-(2**31), 2**31 - 1), st.sampled_from([0, -1, 42, 99, 2**31 - 1]))
_INT64 = st.one_of(st.integers(-(2**63), 2**63 - 1), st.sampled_from([*SNOWFLAKES, 0, -1]))
_TEXT = st.one_of(st.text(max_size=24), st.sampled_from(["", "👋🏽 xin chào", "<@1840000000000000123>"]))


def _scalar(fd: FieldDescriptor) -> st.SearchStrategy[Any]:
    t = fd.type
    if t in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64):
        return _INT64
    if t in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
        return st.integers(0, 2**64 - 1)
    if t in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32):
        return _INT32
    if t in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
        return st.integers(0, 2**32 - 1)
    if t == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if t == FieldDescriptor.TYPE_STRING:
        return _TEXT
    if t == FieldDescriptor.TYPE_BYTES:
        return st.binary(max_size=24)
    if t == FieldDescriptor.TYPE_ENUM:
        known = sorted(v.number for v in fd.enum_type.values)
        return st.one_of(st.sampled_from(known), _INT32)  # open enums: unknown values must survive
    raise AssertionError(f"no strategy for {fd.full_name}")


def _field(fd: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if is_map(fd):
        key_fd, value_fd = fd.message_type.fields_by_name["key"], fd.message_type.fields_by_name["value"]
        entries = st.dictionaries(_scalar(key_fd), _single(value_fd, depth + 1), max_size=4)
        if key_fd.type == value_fd.type == FieldDescriptor.TYPE_STRING:
            entries = st.one_of(st.just({"": ""}), entries)
        return entries
    if fd.is_repeated:
        return st.lists(_single(fd, depth), max_size=3)
    return _single(fd, depth)


def _single(fd: FieldDescriptor, depth: int) -> st.SearchStrategy[Any]:
    if fd.type == FieldDescriptor.TYPE_MESSAGE:
        return messages(fd.message_type.full_name, depth + 1)
    return _scalar(fd)


@functools.cache
def messages(full_name: str, depth: int = 0) -> st.SearchStrategy[GMessage]:
    """Google messages of type *full_name*; sub-messages beyond MAX_DEPTH are present but empty."""
    desc: Descriptor = load_reference().descriptor(full_name)
    cls = load_reference().google_class(full_name)
    if depth > MAX_DEPTH:
        return st.builds(cls)
    if full_name == "mezon.realtime.Envelope":
        return st.builds(
            _make_envelope,
            st.just(cls),
            _INT32,
            st.one_of(st.none(), messages("mezon.api.ChannelMessage", depth + 1)),
        )
    # Recursion ends: every level is one deeper and MAX_DEPTH + 1 builds empty messages.
    optional = {fd.name: _field(fd, depth) for fd in desc.fields if fd.containing_oneof is None}
    return st.builds(functools.partial(_make, cls), st.fixed_dictionaries({}, optional=optional))


def _make_envelope(cls: type[GMessage], cid: int, channel_message: GMessage | None) -> GMessage:
    g = cls(cid=cid)
    if channel_message is not None:
        g.channel_message.SetInParent()
        g.channel_message.MergeFrom(channel_message)
    return g


def _make(cls: type[GMessage], values: dict[str, Any]) -> GMessage:
    g = cls()
    for name, value in values.items():
        fd = g.DESCRIPTOR.fields_by_name[name]
        target = getattr(g, name)
        if is_map(fd):
            for k, v in value.items():
                if isinstance(v, GMessage):
                    target[k].MergeFrom(v)
                else:
                    target[k] = v
        elif fd.is_repeated:
            for v in value:
                if isinstance(v, GMessage):
                    target.add().MergeFrom(v)
                else:
                    target.append(v)
        elif isinstance(value, GMessage):
            target.SetInParent()  # present even when empty
            target.MergeFrom(value)
        else:
            setattr(g, name, value)
    return g


@pytest.mark.parametrize("full_name", HOT_MESSAGES)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_betterproto_encoding_decodes_equal_in_google(full_name: str, data: Any) -> None:
    g = data.draw(messages(full_name), label=full_name)
    value = to_bp(g, map_order=data.draw(st.sampled_from(["sorted", "reversed"]), label="map order"))
    encoded = bytes(value)
    assert type(g).FromString(encoded) == g
    assert type(value).parse(encoded) == value


@pytest.mark.parametrize("full_name", HOT_MESSAGES)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_google_encoding_decodes_equal_in_betterproto(full_name: str, data: Any) -> None:
    g = data.draw(messages(full_name), label=full_name)
    cls = bp_class(full_name)
    assert cls.parse(g.SerializeToString()) == to_bp(g)
    assert_conformant(g, to_bp(g))  # and deterministic Google bytes == betterproto2 bytes


def test_strategies_reach_the_awkward_cases() -> None:
    """The strategies can produce what the module docstring promises (a cheap self-check)."""
    error = load_reference().google_class("mezon.realtime.Error")(code=42)
    error.context[""] = ""
    assert bp_class("mezon.realtime.Error").parse(google_bytes(error)).context == {"": ""}
    friend = load_reference().google_class("mezon.api.Friend")(state=99)
    friend.user.SetInParent()
    parsed = bp_class("mezon.api.Friend").parse(google_bytes(friend))
    assert (parsed.state, parsed.user) == (99, bp_class("mezon.api.User")())
