"""The generated betterproto2 bindings agree with Google's protobuf runtime on proto/.

Google's classes are built from the *same* proto/ tree during the session
(see ``_reference.py``).  For every one of the 99 ``Envelope.message`` variants
and for hand-written realistic values, encodings must be byte-identical and
cross-decoding must give equal values in both directions.

Map fields: Google's deterministic serializer writes map entries sorted by key,
betterproto2 writes them in dict insertion order.  Both orders are valid
protobuf, so the byte-for-byte comparisons insert map keys in sorted order and
``test_map_entry_order_only_changes_bytes`` checks the other order by
cross-decoding only.
"""

from __future__ import annotations

import random
from typing import Any

import betterproto2
import pytest

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt

from ._reference import (
    SNOWFLAKES,
    Reference,
    ValueGenerator,
    assert_conformant,
    bp_attr,
    bp_class,
    bp_meta,
    contains_map,
    google_bytes,
    is_map,
    is_wrapper,
    load_reference,
    to_bp,
    to_google,
    varint,
)

_ENVELOPE_META = rt.Envelope._betterproto  # type: ignore[attr-defined]
VARIANTS: list[str] = sorted(
    (f.name for f in _ENVELOPE_META.oneof_field_by_group["message"]),
    key=lambda name: _ENVELOPE_META.meta_by_field_name[name].number,
)

SF = SNOWFLAKES[0]  # 1840000000000000123 > 2**53

# protobuf FieldDescriptor.TYPE_* -> betterproto2 type names
_BP_TYPES = {
    1: "double",
    2: "float",
    3: "int64",
    4: "uint64",
    5: "int32",
    6: "fixed64",
    7: "fixed32",
    8: "bool",
    9: "string",
    11: "message",
    12: "bytes",
    13: "uint32",
    14: "enum",
    15: "sfixed32",
    16: "sfixed64",
    17: "sint32",
    18: "sint64",
}


# --- structure -------------------------------------------------------------------------------


def test_envelope_has_the_99_variants_in_both_implementations(reference: Reference) -> None:
    oneof = reference.descriptor("mezon.realtime.Envelope").oneofs_by_name["message"]
    google = {fd.name: fd.number for fd in oneof.fields}
    ours = {name: _ENVELOPE_META.meta_by_field_name[name].number for name in VARIANTS}
    assert len(google) == 99
    assert ours == google


def test_bindings_declare_every_field_as_proto_does(reference: Reference) -> None:
    """Every message of proto/: same fields, numbers, types, labels, maps, oneofs, wrappers."""
    problems: list[str] = []
    checked = 0
    for desc in reference.all_messages():
        if desc.GetOptions().map_entry:
            continue
        cls = bp_class(desc.full_name)
        declared = {bp_meta(cls, f).number for f in cls._betterproto.meta_by_field_name}  # type: ignore[attr-defined]
        if declared != {fd.number for fd in desc.fields}:
            problems.append(f"{desc.full_name}: field numbers {sorted(declared)} vs proto")
        for fd in desc.fields:
            checked += 1
            where = f"{desc.full_name}.{fd.name}"
            meta = bp_meta(cls, bp_attr(cls, fd.name))
            if meta.number != fd.number:
                problems.append(f"{where}: number {meta.number} != {fd.number}")
            oneof = fd.containing_oneof.name if fd.containing_oneof is not None else None
            if meta.group != oneof:
                problems.append(f"{where}: oneof {meta.group} != {oneof}")
            if is_map(fd):
                key_fd, value_fd = fd.message_type.fields
                expected: Any = ("map", _BP_TYPES[key_fd.type], _BP_TYPES[value_fd.type])
                got: Any = (meta.proto_type, *(m.proto_type for m in meta.map_meta or ()))
            else:
                expected = (_BP_TYPES[fd.type], fd.is_repeated, is_wrapper(fd))
                got = (meta.proto_type, bool(meta.repeated), meta.unwrap is not None)
            if got != expected:
                problems.append(f"{where}: (type, repeated, wrapper) {got} != {expected}")
    assert not problems, "\n".join(problems)
    assert checked > 2000


def test_bindings_declare_every_enum_value(reference: Reference) -> None:
    modules = {"mezon.api": api, "mezon.realtime": rt}
    seen = 0
    for name in ("api/api.proto", "rtapi/realtime.proto"):
        file_desc = reference.pool.FindFileByName(name)
        enums = list(file_desc.enum_types_by_name.values())
        for desc in file_desc.message_types_by_name.values():
            enums += desc.enum_types
        for enum in enums:
            local = enum.full_name.removeprefix(file_desc.package + ".").replace(".", "")
            bp_enum = getattr(modules[file_desc.package], local)
            assert {m.value for m in bp_enum} == {v.number for v in enum.values}, enum.full_name
            seen += 1
    assert seen == 10  # 5 top-level in api, Friend.State, ParticipantInfo x3, Error.Code


def test_fields_are_declared_in_number_order(reference: Reference) -> None:
    """betterproto2 writes fields in declaration order, Google in number order.

    Both are valid protobuf, but byte-identical frames (and these tests) need
    every message of proto/ to declare its fields in ascending number order.
    """
    unordered = [
        f"{desc.full_name}: {[fd.number for fd in desc.fields]}"
        for desc in reference.all_messages()
        if [fd.number for fd in desc.fields] != sorted(fd.number for fd in desc.fields)
    ]
    assert not unordered, "fields out of number order:\n" + "\n".join(unordered)


# --- every Envelope variant --------------------------------------------------------------------


def _envelope(reference: Reference, variant: str, case: str) -> Any:
    seed = _ENVELOPE_META.meta_by_field_name[variant].number
    rng = random.Random(seed)
    g = reference.google_class("mezon.realtime.Envelope")()
    if case != "empty":
        g.cid = rng.choice([1, 2, 9, 2147483647, -7])
    sub = getattr(g, variant)
    sub.SetInParent()  # "empty": a set but empty variant (e.g. ping {})
    if case == "full":
        ValueGenerator(rng).fill(sub)
    elif case == "sparse":
        ValueGenerator(rng, density=0.4, max_depth=2).fill(sub)
    return g


@pytest.mark.parametrize("case", ["full", "sparse", "empty"])
@pytest.mark.parametrize("variant", VARIANTS)
def test_envelope_variant_is_byte_identical_and_cross_decodes(
    reference: Reference, variant: str, case: str
) -> None:
    g = _envelope(reference, variant, case)
    bp_env = to_bp(g)
    assert isinstance(bp_env, rt.Envelope)
    name, value = betterproto2.which_one_of(bp_env, "message")
    assert name == variant
    assert value is not None
    assert_conformant(g, bp_env)


# Variants whose message reaches a map field (Error.context, Notifications, ...).
MAP_VARIANTS = [
    fd.name
    for fd in load_reference().descriptor("mezon.realtime.Envelope").oneofs_by_name["message"].fields
    if contains_map(fd.message_type)
]


@pytest.mark.parametrize("variant", MAP_VARIANTS)
def test_map_entry_order_only_changes_bytes(reference: Reference, variant: str) -> None:
    """Maps in non-sorted insertion order: bytes may differ, decoded values may not."""
    g = _envelope(reference, variant, "full")
    reordered = to_bp(g, map_order="reversed")
    assert reordered == to_bp(g)  # dict equality ignores order
    assert type(g).FromString(bytes(reordered)) == g
    assert rt.Envelope.parse(google_bytes(g)) == reordered


def test_some_variants_carry_maps() -> None:
    assert "error" in MAP_VARIANTS  # Error.context: map<string, string>


# --- every other message of proto/ -------------------------------------------------------------

ALL_MESSAGES = sorted(
    desc.full_name for desc in load_reference().all_messages() if not desc.GetOptions().map_entry
)


@pytest.mark.parametrize("full_name", ALL_MESSAGES)
def test_every_message_is_byte_identical_and_cross_decodes(reference: Reference, full_name: str) -> None:
    """Not only what an Envelope carries: API bodies too (e.g. map<int64, NotificationList>)."""
    g = reference.google_class(full_name)()
    ValueGenerator(random.Random(full_name), max_depth=2).fill(g)
    assert_conformant(g, to_bp(g))


def test_all_messages_are_covered() -> None:
    assert len(ALL_MESSAGES) > 450
    assert "mezon.api.NotificationBatchRequest" in ALL_MESSAGES  # the int64-keyed map


# --- hand-written realistic values -------------------------------------------------------------

ALICE = 1840000000000000123
BOB = 1840000000000004567
CLAN = 1779484504377790464
CHANNEL = 1779484504386179072
DM = 1830000000000000777
MESSAGE = 1840000000000009999


def _mentions() -> api.MessageMentionList:
    return api.MessageMentionList(
        mentions=[
            api.MessageMention(user_id=BOB, username="bob.nguyễn", s=0, e=11),
            api.MessageMention(role_id=1779484504377790999, rolename="mods 🛡️", s=12, e=19),
            api.MessageMention(),  # an empty entry must survive as an item
        ]
    )


def _attachments() -> api.MessageAttachmentList:
    return api.MessageAttachmentList(
        attachments=[
            api.MessageAttachment(
                filename="ảnh mèo 🐱.png",
                size=482133,
                url="https://cdn.mezon.ai/0/1840000000000000123/cat.png",
                filetype="image/png",
                width=1280,
                height=720,
            ),
            api.MessageAttachment(filename="clip.mp4", filetype="video/mp4", duration=12),
        ]
    )


def _references() -> api.MessageRefList:
    return api.MessageRefList(
        refs=[
            api.MessageRef(
                message_id=MESSAGE,
                message_ref_id=1840000000000008888,
                content='{"t":"xin chào 👋"}',
                has_attachment=True,
                message_sender_id=BOB,
                message_sender_username="bob.nguyễn",
                message_sender_display_name="Bob",
            )
        ]
    )


def _channel_message() -> api.ChannelMessage:
    return api.ChannelMessage(
        clan_id=CLAN,
        channel_id=CHANNEL,
        message_id=MESSAGE,
        code=0,
        sender_id=ALICE,
        username="alice",
        avatar="https://cdn.mezon.ai/avatars/alice.png",
        content='{"t":"@bob.nguyễn @mods 🛡️ look 🐱","mk":[{"type":"b","s":0,"e":4}]}',
        channel_label="général 💬",
        clan_logo="",
        display_name="Alice ✨",
        clan_nick="ali",
        reactions=bytes(
            api.MessageReactionList(
                reactions=[api.MessageReaction(emoji="👍", emoji_id=7, sender_id=BOB, count=2)]
            )
        ),
        mentions=bytes(_mentions()),
        attachments=bytes(_attachments()),
        references=bytes(_references()),
        create_time_seconds=1767225600,
        update_time_seconds=4294967295,
        mode=2,
        is_public=True,
        topic_id=0,
    )


def _channel_message_send() -> rt.ChannelMessageSend:
    return rt.ChannelMessageSend(
        clan_id=CLAN,
        channel_id=CHANNEL,
        content='{"t":"pong 🏓"}',
        mentions=_mentions().mentions,
        attachments=_attachments().attachments,
        references=[*_references().refs, api.MessageRef()],
        mode=2,
        is_public=True,
        code=-1,
        topic_id=1840000000000000001,
    )


def _session() -> api.Session:
    return api.Session(
        created=False,
        token="eyJhbGciOiJIUzI1NiJ9.eyJ1aWQiOiIxODQwMDAwMDAwMDAwMDAwMTIzIn0.c2lnbmF0dXJl",
        refresh_token="eyJhbGciOiJIUzI1NiJ9.cmVmcmVzaA.c2ln",
        user_id=ALICE,
        is_remember=True,
        api_url="https://api.mezon.ai",
        id_token="",
        ws_url="wss://sock.mezon.ai",
        session_id="b1e6d2a0-6c1f-4f57-9f0e-0c2d5a0e9a11",
        tcp_url="",
    )


def _clan_desc_list() -> api.ClanDescList:
    return api.ClanDescList(
        clandesc=[
            api.ClanDesc(
                creator_id=ALICE,
                clan_name="Komu 🤖",
                logo="https://cdn.mezon.ai/komu.png",
                clan_id=CLAN,
                status=1,
                badge_count=-1,
                welcome_channel_id=CHANNEL,
                is_community=True,
                short_url="komu",
                has_unread_message=True,
            ),
            api.ClanDesc(),  # clan 0 (DMs): every field default
            api.ClanDesc(clan_id=2**53 + 1, clan_name="日本語クラン"),
        ]
    )


def _channel_desc_list() -> api.ChannelDescList:
    return api.ChannelDescList(
        channeldesc=[
            api.ChannelDescription(
                clan_id=0,
                channel_id=DM,
                type=3,
                creator_id=ALICE,
                channel_private=1,
                avatars=["https://cdn.mezon.ai/bob.png", ""],
                user_ids=[BOB, 0, -1],
                usernames=["bob.nguyễn"],
                display_names=["Bob 🐝"],
                onlines=[True, False, True],
                last_sent_message=api.ChannelMessageHeader(
                    id=MESSAGE, timestamp_seconds=1767225600, sender_id=BOB, content='{"t":"hi"}'
                ),
                last_seen_message=api.ChannelMessageHeader(),  # present but empty
                count_mess_unread=3,
            ),
            api.ChannelDescription(
                clan_id=CLAN, parent_id=0, channel_id=CHANNEL, category_id=1, type=1, channel_label="général"
            ),
        ]
    )


def _wrapped() -> api.UpdateClanDescRequest:
    return api.UpdateClanDescRequest(
        clan_id=CLAN,
        logo="",  # present, empty StringValue (clears the logo)
        banner="https://cdn.mezon.ai/b.png",
        is_onboarding=False,  # present BoolValue(false), not "unchanged"
        is_community=True,
        description=None,  # absent: "unchanged"
    )


HAND_WRITTEN = {
    "channel_message": _channel_message,
    "channel_message_send": _channel_message_send,
    "session": _session,
    "clan_desc_list": _clan_desc_list,
    "channel_desc_list": _channel_desc_list,
    "wrappers": _wrapped,
    "mentions": _mentions,
    "attachments": _attachments,
    "references": _references,
    "envelope_push": lambda: rt.Envelope(channel_message=_channel_message()),
    "envelope_send": lambda: rt.Envelope(cid=3, channel_message_send=_channel_message_send()),
    "envelope_ack": lambda: rt.Envelope(
        cid=3,
        channel_message_ack=rt.ChannelMessageAck(
            channel_id=CHANNEL,
            message_id=MESSAGE,
            username="komu",
            create_time_seconds=1767225600,
            persistent=True,
        ),
    ),
}


@pytest.mark.parametrize("name", sorted(HAND_WRITTEN))
def test_hand_written_value_is_byte_identical_and_cross_decodes(reference: Reference, name: str) -> None:
    value = HAND_WRITTEN[name]()
    g = to_google(reference, value)
    assert to_bp(g) == value  # the bridge itself is lossless
    assert_conformant(g, value)


def test_channel_message_list_fields_decode_the_same_in_both(reference: Reference) -> None:
    """The serialized-list ``bytes`` fields of ChannelMessage hold the same lists for both."""
    g = reference.google_class("mezon.api.ChannelMessage").FromString(bytes(_channel_message()))
    pairs = [
        (g.mentions, _mentions()),
        (g.attachments, _attachments()),
        (g.references, _references()),
    ]
    for raw, expected in pairs:
        g_list = reference.google_class_for_bp(type(expected)).FromString(raw)
        assert g_list == to_google(reference, expected)
        assert type(expected).parse(raw) == expected
    assert len(g_list.refs) == 1
    assert g_list.refs[0].message_id == MESSAGE  # > 2**53 survives


def test_wrapper_presence_bytes() -> None:
    """Absent wrapper: nothing; empty wrapper: tag + 00 (UpdateClanDescRequest logo=3, is_onboarding=6)."""
    assert bytes(api.UpdateClanDescRequest(logo="", is_onboarding=False)) == bytes.fromhex("1a00 3200")
    parsed = api.UpdateClanDescRequest.parse(bytes.fromhex("1a00 3200"))
    assert (parsed.logo, parsed.is_onboarding, parsed.banner) == ("", False, None)


# --- docs/protocol.md byte examples, empty and unknown ----------------------------------------------

PROTOCOL_EXAMPLES = {
    # §1.2: clan_join for clan 0 with cid 2
    "clan_join": (rt.Envelope(cid=2, clan_join=rt.ClanJoin(clan_id=0)), "08 02 1a 00"),
    # §3.6: application ping / pong, cid 9
    "ping": (rt.Envelope(cid=9, ping=rt.Ping()), "08 09 b2 01 00"),
    "pong": (rt.Envelope(cid=9, pong=rt.Pong()), "08 09 ba 01 00"),
    # §4.1: ListChannelDescs body for DMs
    "list_dm_channels": (api.ListChannelDescsRequest(channel_type=3), "28 03"),
    # Assembled by hand from the schema facts (tag = number << 3 | wire type; int32 -1 takes 10 bytes)
    "channel_message": (
        api.ChannelMessage(
            clan_id=1, channel_id=2, message_id=3, code=-1, sender_id=5, content="hi", topic_id=9
        ),
        "08 01 10 02 18 03 20 ff ff ff ff ff ff ff ff ff 01 28 05 42 02 68 69 c8 01 09",
    ),
    "channel_message_send": (
        rt.ChannelMessageSend(
            clan_id=1, channel_id=2, content="hi", mentions=[api.MessageMention(user_id=7)]
        ),
        "08 01 10 02 1a 02 68 69 22 02 10 07",
    ),
    "channel_message_ack": (
        rt.ChannelMessageAck(message_id=SF, persistent=False),
        "10 fb 80 e0 95 85 c8 bf c4 19 3a 00",
    ),
}


@pytest.mark.parametrize("name", sorted(PROTOCOL_EXAMPLES))
def test_protocol_md_byte_examples(reference: Reference, name: str) -> None:
    value, hex_bytes = PROTOCOL_EXAMPLES[name]
    expected = bytes.fromhex(hex_bytes)
    assert bytes(value) == expected
    assert type(value).parse(expected) == value
    g = to_google(reference, value)
    assert google_bytes(g) == expected
    assert type(g).FromString(expected) == g


def test_empty_envelope(reference: Reference) -> None:
    assert bytes(rt.Envelope()) == b""
    assert google_bytes(reference.google_class("mezon.realtime.Envelope")()) == b""
    parsed = rt.Envelope.parse(b"")
    assert parsed == rt.Envelope()
    assert betterproto2.which_one_of(parsed, "message") == ("", None)


def _tag(number: int, wire_type: int) -> bytes:
    return varint(number << 3 | wire_type)


# A push from a newer server: cid 5 plus variant 150 (unknown here) and, for
# good measure, unknown varint / fixed64 / fixed32 fields 151-153.
UNKNOWN_PAYLOAD = bytes(api.ChannelMessage(message_id=MESSAGE, content="from the future 🚀"))
UNKNOWN_FRAME = (
    b"\x08\x05"
    + _tag(150, 2)
    + varint(len(UNKNOWN_PAYLOAD))
    + UNKNOWN_PAYLOAD
    + _tag(151, 0)
    + varint(SF)
    + _tag(152, 1)
    + b"\x01\x02\x03\x04\x05\x06\x07\x08"
    + _tag(153, 5)
    + b"\xff\xfe\xfd\xfc"
)


def test_unknown_envelope_variant_is_skipped(reference: Reference) -> None:
    parsed = rt.Envelope.parse(UNKNOWN_FRAME)
    assert parsed.cid == 5
    assert betterproto2.which_one_of(parsed, "message") == ("", None)
    assert bytes(parsed) == UNKNOWN_FRAME  # kept as unknown fields, re-emitted verbatim
    g = reference.google_class("mezon.realtime.Envelope").FromString(UNKNOWN_FRAME)
    assert g.cid == 5
    assert g.WhichOneof("message") is None
    assert g.SerializeToString() == UNKNOWN_FRAME


def test_unknown_field_inside_a_known_variant_is_skipped(reference: Reference) -> None:
    inner = bytes(api.ChannelMessage(message_id=MESSAGE)) + _tag(99, 2) + b"\x03abc"
    frame = _tag(6, 2) + varint(len(inner)) + inner
    parsed = rt.Envelope.parse(frame)
    assert parsed.channel_message is not None
    assert parsed.channel_message.message_id == MESSAGE
    g = reference.google_class("mezon.realtime.Envelope").FromString(frame)
    assert g.channel_message.message_id == MESSAGE
    assert bytes(parsed) == g.SerializeToString() == frame
