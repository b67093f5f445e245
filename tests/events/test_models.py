"""Message: cheap construction, lazy and tolerant decoding (docs/protocol.md §6.1, §6.10)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mezon_trio._models.message import new_message
from mezon_trio._models.proto import mention_to_proto
from mezon_trio._proto.mezon import api
from mezon_trio.models import Mention, Message
from mezon_trio.raw import message_payload


def _raw(**kw: object) -> api.ChannelMessage:
    base: dict[str, object] = {
        "clan_id": 1840000000000000001,
        "channel_id": 1840000000000000002,
        "message_id": 1840000000000000003,
        "sender_id": 1840000000000000004,
        "username": "alice",
        "display_name": "Alice",
        "clan_nick": "ali",
        "avatar": "https://a/b.png",
        "content": '{"t": "hello"}',
        "mode": 2,
        "is_public": True,
        "topic_id": 9,
        "create_time_seconds": 100,
        "update_time_seconds": 101,
    }
    base.update(kw)
    return api.ChannelMessage(**base)  # type: ignore[arg-type]


def test_scalar_properties() -> None:
    raw = _raw(code=0)
    msg = new_message(raw)
    assert message_payload(msg) is raw
    assert msg.id == 1840000000000000003
    assert (msg.clan_id, msg.channel_id, msg.sender_id) == (
        1840000000000000001,
        1840000000000000002,
        1840000000000000004,
    )
    assert (msg.username, msg.display_name, msg.clan_nick, msg.avatar) == (
        "alice",
        "Alice",
        "ali",
        "https://a/b.png",
    )
    assert (msg.mode, msg.is_public, msg.topic_id, msg.code) == (2, True, 9, 0)
    assert (msg.create_time_seconds, msg.update_time_seconds) == (100, 101)
    assert not msg.is_edit
    assert not msg.is_delete
    assert new_message(_raw(code=1)).is_edit
    assert new_message(_raw(code=2)).is_delete
    assert msg._services is None


def test_message_is_slotted() -> None:
    msg = new_message(_raw())
    assert not hasattr(msg, "__dict__")


def test_construction_decodes_nothing() -> None:
    # Decoding is deferred: changing the raw fields after construction changes what is read.
    mentions = bytes(api.MessageMentionList(mentions=[api.MessageMention(user_id=7, username="bob")]))
    raw = _raw(content="not json at first")
    msg = new_message(raw)
    raw.content = '{"t": "later"}'
    raw.mentions = mentions
    assert msg.text == "later"
    assert [m.user_id for m in msg.mentions] == [7]
    # ... and cached once decoded.
    raw.content = '{"t": "even later"}'
    raw.mentions = b""
    assert msg.text == "later"
    assert msg.content is msg.content
    assert len(msg.mentions) == 1


def test_tolerant_content() -> None:
    assert new_message(_raw(content='{"t": "hi", "mk": []}')).content == {"t": "hi", "mk": []}
    assert new_message(_raw(content="{broken")).content == {"t": "{broken"}
    assert new_message(_raw(content="{broken")).text == "{broken"
    assert new_message(_raw(content='"just a string"')).content == {"t": '"just a string"'}
    assert new_message(_raw(content="[1, 2]")).content == {"t": "[1, 2]"}
    assert new_message(_raw(content="")).content == {}
    assert new_message(_raw(content="")).text == ""
    assert new_message(_raw(content='{"t": 5}')).text == ""
    assert new_message(_raw(content='{"t": "héllo 😀"}')).text == "héllo 😀"


def test_lists_from_protobuf() -> None:
    raw = _raw(
        mentions=bytes(
            api.MessageMentionList(
                mentions=[
                    api.MessageMention(user_id=1840000000000000300, username="alice", s=0, e=6),
                    api.MessageMention(role_id=5, rolename="mods"),
                ]
            )
        ),
        attachments=bytes(
            api.MessageAttachmentList(
                attachments=[api.MessageAttachment(filename="a.png", size=3, url="https://x/a.png", width=4)]
            )
        ),
        references=bytes(
            api.MessageRefList(refs=[api.MessageRef(message_ref_id=42, content='{"t":"orig"}', ref_type=0)])
        ),
        reactions=bytes(api.MessageReactionList(reactions=[api.MessageReaction(emoji="👍", sender_id=8)])),
    )
    msg = new_message(raw)
    assert [(m.user_id, m.username, m.e) for m in msg.mentions] == [
        (1840000000000000300, "alice", 6),
        (0, "", 0),
    ]
    assert msg.mentions[1].rolename == "mods"
    assert [(a.filename, a.size, a.width) for a in msg.attachments] == [("a.png", 3, 4)]
    assert [(r.message_ref_id, r.content) for r in msg.references] == [(42, '{"t":"orig"}')]
    assert [(r.emoji, r.sender_id) for r in msg.reactions] == [("👍", 8)]
    assert isinstance(msg.mentions, tuple)


def test_lists_from_json_fallback() -> None:
    raw = _raw(
        mentions=json.dumps([{"user_id": "1840000000000000300", "username": "alice", "e": 6}]).encode(),
        attachments=json.dumps(
            {"attachments": [{"filename": "f.txt", "url": "u", "filetype": "text/plain"}]}
        ).encode(),
        references=json.dumps([{"messageRefId": "42", "content": "c", "unknown_key": 1}]).encode(),
        reactions=json.dumps({"emoji": "x", "sender_id": 3}).encode(),  # one bare object
    )
    msg = new_message(raw)
    assert [(m.user_id, m.username, m.e) for m in msg.mentions] == [(1840000000000000300, "alice", 6)]
    assert [(a.filename, a.filetype) for a in msg.attachments] == [("f.txt", "text/plain")]
    assert [(r.message_ref_id, r.content) for r in msg.references] == [(42, "c")]
    assert [(r.emoji, r.sender_id) for r in msg.reactions] == [("x", 3)]


def test_lists_tolerate_garbage() -> None:
    msg = new_message(
        _raw(
            mentions=b"[not json",
            attachments=b"\xff\xff\xff\xff\xff",
            references=json.dumps([{"message_ref_id": "not a number"}, 3, {"message_ref_id": "5"}]).encode(),
            reactions=b"",
        )
    )
    assert msg.mentions == ()
    assert msg.attachments == ()
    assert [r.message_ref_id for r in msg.references] == [5]  # bad items skipped
    assert msg.reactions == ()


def test_repr_shows_ids_and_truncated_text() -> None:
    msg = new_message(_raw(content=json.dumps({"t": "x" * 500 + "SECRET-TAIL"})))
    text = repr(msg)
    assert "id=1840000000000000003" in text
    assert "channel_id=1840000000000000002" in text
    assert "SECRET-TAIL" not in text
    assert len(text) < 250


@given(
    st.lists(
        st.builds(
            api.MessageMention,
            user_id=st.integers(0, 2**63 - 1),
            username=st.text(max_size=20),
            s=st.integers(0, 2**31 - 1),
            e=st.integers(0, 2**31 - 1),
        ),
        max_size=5,
    )
)
def test_mentions_roundtrip(mentions: list[api.MessageMention]) -> None:
    raw = _raw(mentions=bytes(api.MessageMentionList(mentions=mentions)))
    got = new_message(raw).mentions
    assert all(isinstance(m, Mention) for m in got)  # the value model, not the generated class
    assert [mention_to_proto(m) for m in got] == mentions


@pytest.mark.parametrize("data", [bytes([0x08, 0x05]), bytes([0x0D, 1, 2, 3, 4]), bytes([0x0A, 0x02, 0x08])])
def test_byte_lists_with_wrong_wire_types_decode_to_nothing(data: bytes) -> None:
    """betterproto2 puts an int (or None) in a message list for a wrong wire type; found by the
    receive-path fuzz: such items are skipped, never handed out."""
    msg = new_message(_raw(mentions=data, attachments=data, references=data, reactions=data))
    assert (msg.mentions, msg.attachments, msg.references, msg.reactions) == ((), (), (), ())


def test_applications_do_not_build_messages() -> None:
    """The constructor is not public API (it would take a generated message): the client builds them."""
    with pytest.raises(TypeError, match="not built by applications"):
        Message()


def test_send_inputs_in_every_accepted_shape() -> None:
    """Mentions, attachments and references: value models, the official shapes, generated
    messages and mappings (official context keys dropped, ids as decimal strings)."""
    from mezon_trio._models.proto import attachment_protos, mention_protos, ref_protos
    from mezon_trio.compat import ApiMessageMention, ApiMessageRef
    from mezon_trio.errors import ContentError
    from mezon_trio.models import Attachment, MessageRef

    wire = api.MessageMention(user_id=1, s=0, e=2)
    got = mention_protos(
        [
            Mention(user_id=1, s=0, e=2),
            ApiMessageMention(user_id=1, s=0, e=2, channel_id=9),
            wire,
            {"user_id": "1", "s": 0, "e": 2, "channel_label": "general", "sender_id": 3},
        ]
    )
    assert got == [wire, wire, wire, wire]
    with pytest.raises(ContentError, match="mention: unknown field"):
        mention_protos([{"user_id": 1, "nope": 2}])
    with pytest.raises(ContentError, match="cannot use a int as a mention"):
        mention_protos([5])
    assert attachment_protos([{"filename": "f", "mode": 2}, Attachment("u")]) == [
        api.MessageAttachment(filename="f"),
        api.MessageAttachment(url="u"),
    ]
    with pytest.raises(ContentError, match="cannot use a str as an attachment"):
        attachment_protos(["u"])
    ref = api.MessageRef(message_ref_id=7, message_id=8)
    assert ref_protos(MessageRef(message_ref_id=7, message_id=8)) == [ref]
    assert ref_protos([ApiMessageRef(message_ref_id=7, message_id=8, channel_label="x")]) == [ref]
    assert ref_protos({"message_ref_id": "7", "message_id": 8, "channel_id": 1}) == [ref]
    assert ref_protos(None) == []
