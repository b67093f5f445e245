"""TextBuilder: exact JSON and ranges in UTF-16 code units."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mezon_trio._models.proto import mention_from_proto, mention_to_proto
from mezon_trio._proto.mezon import api
from mezon_trio.content import (
    Content,
    HashtagSpan,
    MarkdownSpan,
    MarkdownType,
    Mention,
    Span,
    TextBuilder,
)
from mezon_trio.errors import ContentError

ALICE = 1840000000000000300
BIG = 2**53 + 1  # not representable as a double: would be rounded by a JavaScript reader


def js_slice(text: str, s: int, e: int) -> str:
    """What JavaScript's ``text.substring(s, e)`` returns."""
    return text.encode("utf-16-le")[2 * s : 2 * e].decode("utf-16-le")


def test_mention_after_emoji() -> None:
    content = TextBuilder().text("héllo 👋 ").mention(ALICE, "alice").build()
    assert content.text == "héllo 👋 @alice"
    assert content.mentions == (Mention(user_id=ALICE, username="alice", s=9, e=15),)
    # The code-point offsets would have been 8..14: the UTF-16 ones slice "@alice".
    assert js_slice(content.text, 9, 15) == "@alice"
    assert content.mentions[0].slice(content.text) == "@alice"
    # Mentions are not part of the JSON.
    assert content.to_json() == '{"t":"héllo 👋 @alice"}'


def test_every_piece_exact_json() -> None:
    content = (
        TextBuilder()
        .text("👋 ")
        .mention(ALICE, "@alice")
        .text(" ")
        .role_mention(7, "mods")
        .text(" ")
        .hashtag(BIG, "general")
        .text(" ")
        .emoji(2**60, ":party:")
        .text(" ")
        .link("https://mezon.ai")
        .text(" ")
        .bold("B")
        .code("x=1")
        .code_block("print()")
        .voice_link("https://meet/abc")
        .build()
    )
    assert content.text == "👋 @alice @mods #general :party: https://mezon.ai Bx=1print()https://meet/abc"
    assert content.to_json() == (
        '{"t":"👋 @alice @mods #general :party: https://mezon.ai Bx=1print()https://meet/abc",'
        '"mk":[{"type":"lk","s":33,"e":49},{"type":"b","s":50,"e":51},{"type":"c","s":51,"e":54},'
        '{"type":"pre","s":54,"e":61}],'
        '"lk":[{"s":33,"e":49}],'
        '"hg":[{"channelid":"9007199254740993","s":16,"e":24}],'
        '"ej":[{"emojiid":"1152921504606846976","s":25,"e":32}],'
        '"vk":[{"s":61,"e":77}]}'
    )
    assert content.mentions == (
        Mention(user_id=ALICE, username="alice", s=3, e=9),
        Mention(role_id=7, rolename="mods", s=10, e=15),
    )
    text = content.text
    assert [js_slice(text, m.s, m.e) for m in content.mentions] == ["@alice", "@mods"]
    assert [js_slice(text, h.s, h.e) for h in content.hashtags] == ["#general"]
    assert [js_slice(text, x.s, x.e) for x in content.emojis] == [":party:"]
    assert [js_slice(text, x.s, x.e) for x in content.markdown] == [
        "https://mezon.ai",
        "B",
        "x=1",
        "print()",
    ]
    assert [x.slice(text) for x in content.voice_links] == ["https://meet/abc"]
    assert content.hashtags == (HashtagSpan(BIG, 16, 24),)
    assert content.markdown[0] == MarkdownSpan(MarkdownType.LINK, 33, 49)
    assert content.links == (Span(33, 49),)
    # The big id survives exactly: as a string in the JSON, back to the same int.
    assert json.loads(content.to_json())["hg"][0]["channelid"] == str(BIG)
    assert Content.from_json(content.to_json()).hashtags[0].channel_id == BIG
    assert "null" not in content.to_json()
    content.check_ranges()


def test_markdown_with_any_type_and_unknown_type() -> None:
    content = TextBuilder().markdown("```x```", MarkdownType.TRIPLE).markdown("q", "zz").build()
    assert content.to_json() == '{"t":"```x```q","mk":[{"type":"t","s":0,"e":7},{"type":"zz","s":7,"e":8}]}'


def test_mentions_to_proto() -> None:
    content = TextBuilder().text("🎉").mention(ALICE, "alice").role_mention(9, "ops").build()
    protos = [mention_to_proto(m) for m in content.mentions]
    assert protos[0] == api.MessageMention(user_id=ALICE, username="alice", s=2, e=8)
    assert protos[1] == api.MessageMention(role_id=9, rolename="ops", s=8, e=12)
    decoded = api.MessageMention.parse(bytes(protos[0]))
    assert mention_from_proto(decoded) == content.mentions[0]
    assert content.mentions[1].is_role
    assert not content.mentions[0].is_role


@pytest.mark.parametrize("bad", [-1, 2**63, True, "12"])
def test_bad_ids_rejected(bad: object) -> None:
    with pytest.raises(ContentError):
        TextBuilder().mention(bad, "x")  # type: ignore[arg-type]
    with pytest.raises(ContentError):
        TextBuilder().hashtag(bad, "x")  # type: ignore[arg-type]


def test_builder_keeps_going_and_extras() -> None:
    builder = TextBuilder().text("a")
    first = builder.build()
    second = builder.text("b").build(content_thread="thread")
    assert first.to_json() == '{"t":"a"}'
    assert second.to_json() == '{"t":"ab","contentThread":"thread"}'
    assert builder.utf16_length == 2
    assert isinstance(Content.builder(), TextBuilder)


pieces = st.one_of(
    st.tuples(st.just("text"), st.text(max_size=8)),
    st.tuples(st.just("mention"), st.text(min_size=1, max_size=8)),
    st.tuples(st.just("hashtag"), st.text(min_size=1, max_size=8)),
    st.tuples(st.just("bold"), st.text(min_size=1, max_size=8)),
    st.tuples(st.just("link"), st.text(min_size=1, max_size=8)),
)


def _has_null(value: object) -> bool:
    """True if a JSON null appears anywhere (user text may legitimately contain the word "null")."""
    if value is None:
        return True
    if isinstance(value, dict):
        return any(_has_null(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_null(v) for v in value)
    return False


@settings(max_examples=200, deadline=None)
@given(st.lists(pieces, max_size=12))
def test_ranges_slice_what_was_appended(plan: list[tuple[str, str]]) -> None:
    builder = TextBuilder()
    expected: list[tuple[str, str]] = []  # (kind, token) in order
    for kind, value in plan:
        if kind == "text":
            builder.text(value)
        elif kind == "mention":
            builder.mention(1, value)
            expected.append(("mention", "@" + value.removeprefix("@")))
        elif kind == "hashtag":
            builder.hashtag(2, value)
            expected.append(("hashtag", "#" + value.removeprefix("#")))
        elif kind == "bold":
            builder.bold(value)
            expected.append(("bold", value))
        else:
            builder.link(value)
            expected.append(("link", value))
    content = builder.build()
    text = content.text
    got = {
        "mention": [js_slice(text, m.s, m.e) for m in content.mentions],
        "hashtag": [js_slice(text, h.s, h.e) for h in content.hashtags],
        "bold": [js_slice(text, m.s, m.e) for m in content.markdown if m.type == "b"],
        "link": [js_slice(text, m.s, m.e) for m in content.links],
    }
    for kind in got:
        assert got[kind] == [token for k, token in expected if k == kind]
    content.check_ranges()
    assert not _has_null(json.loads(content.to_json()))
