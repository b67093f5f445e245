"""Content: wire JSON rules, tolerant parsing, coercion, the length limit."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mezon_trio.content import (
    MAX_CONTENT_UTF16,
    Content,
    EmojiSpan,
    HashtagSpan,
    MarkdownSpan,
    Mention,
    Span,
    utf16_len,
)
from mezon_trio.errors import ContentError, MezonError

BIG = 1840000000000000201  # > 2**53


def test_plain_text_exact() -> None:
    assert Content("pong").to_json() == '{"t":"pong"}'
    assert Content("").to_json() == '{"t":""}'
    assert Content().to_json() == "{}"


def test_literal_utf8_not_escapes() -> None:
    text = Content("héllo 👋 日本").to_json()
    assert text == '{"t":"héllo 👋 日本"}'
    assert "\\u" not in text


def test_escapes_that_json_requires() -> None:
    assert Content('a"b\\c\nd\x01').to_json() == '{"t":"a\\"b\\\\c\\nd\\u0001"}'


def test_never_null_and_empty_lists_omitted() -> None:
    content = Content("x", content_thread=None, mk=[], hg=(), embed=[], components=[])
    assert content.to_json() == '{"t":"x"}'
    # The official SDK sends every key, unset ones as null (docs/protocol.md §11 quirk 2).
    official = (
        '{"t": "pong", "contentThread": null, "hg": null, "ej": null, "lk": null,'
        ' "mk": null, "vk": null, "embed": null, "components": null}'
    )
    parsed = Content.from_json(official)
    assert parsed.to_json() == '{"t":"pong"}'
    nested = Content.from_dict({"t": "x", "embed": [{"title": None, "fields": [None, {"name": "a"}]}]})
    assert nested.to_json() == '{"t":"x","embed":[{"fields":[{"name":"a"}]}]}'


def test_typed_ranges_exact_json() -> None:
    content = Content(
        "hello #general :e: http://a",
        mk=[MarkdownSpan("b", 0, 5)],
        hg=[HashtagSpan(BIG, 6, 14)],
        ej=[EmojiSpan(2**64 - 1 >> 1, 15, 18)],
        lk=[Span(19, 27)],
        vk=[{"s": 19, "e": 27}],
    )
    assert content.to_json() == (
        '{"t":"hello #general :e: http://a","mk":[{"type":"b","s":0,"e":5}],'
        '"lk":[{"s":19,"e":27}],"hg":[{"channelid":"1840000000000000201","s":6,"e":14}],'
        '"ej":[{"emojiid":"9223372036854775807","s":15,"e":18}],"vk":[{"s":19,"e":27}]}'
    )
    content.check_ranges()


def test_ids_become_strings_from_mappings() -> None:
    content = Content.from_dict({"t": "#a", "hg": [{"channelid": BIG, "s": 0, "e": 2}]})
    assert '"channelid":"1840000000000000201"' in content.to_json()
    # Components ids chosen as ints by a careless bot are written as strings too.
    rows = Content.from_dict({"components": [{"components": [{"id": 5, "type": 1, "component": {}}]}]})
    assert rows.components[0]["components"][0]["id"] == "5"


def test_from_json_reads_numbers_and_strings_for_ids() -> None:
    received = (
        '{"t":"#a :b:","hg":[{"channelid":1840000000000000201,"s":0,"e":2}],'
        '"ej":[{"emojiId":"42","s":3,"e":6}]}'
    )
    content = Content.from_json(received)
    assert content.hashtags == (HashtagSpan(BIG, 0, 2),)  # exact: Python's json keeps big ints
    assert content.emojis == (EmojiSpan(42, 3, 6),)
    assert '"channelid":"1840000000000000201"' in content.to_json()


def test_from_json_zero_start_omitted_and_malformed_entries_skipped() -> None:
    content = Content.from_json(
        '{"t":"ab","mk":[{"type":"b","e":1},{"type":"b"},"junk",{"type":5,"s":0,"e":1}]}'
    )
    assert content.markdown == (MarkdownSpan("b", 0, 1),)
    # Malformed entries are kept in the JSON (lossless) but refused by check_ranges.
    assert content.raw["mk"][2] == "junk"
    with pytest.raises(ContentError, match=r"mk\[1\] is malformed"):
        content.check_ranges()


@pytest.mark.parametrize(
    "raw",
    ["not json", "", "[1, 2]", "42", '"a string"', "null", '{"t": NaN}', "{" * 100000, '{"t":"\\ud800"}'],
)
def test_from_json_tolerant(raw: str) -> None:
    content = Content.from_json(raw)
    assert content.text == raw
    assert content.to_json() == json.dumps({"t": raw}, ensure_ascii=False, separators=(",", ":"))


def test_from_json_keeps_unknown_keys_and_order() -> None:
    raw = '{"x":1,"t":"a","cvtt":{"k":"v"}}'
    content = Content.from_json(raw)
    assert content.to_json() == raw
    assert content.raw == {"x": 1, "t": "a", "cvtt": {"k": "v"}}


def test_raw_is_a_copy() -> None:
    content = Content("a", embed=[{"title": "t"}])
    raw = content.raw
    raw["t"] = "changed"
    raw["embed"][0]["title"] = "changed"
    content.embed[0]["title"] = "changed"
    assert content.to_json() == '{"t":"a","embed":[{"title":"t"}]}'


def test_coerce() -> None:
    assert Content.coerce("hi") == Content("hi")
    assert Content.coerce({"t": "hi", "mk": None}).to_json() == '{"t":"hi"}'
    same = Content("x")
    assert Content.coerce(same) is same
    with pytest.raises(ContentError, match="cannot use a int"):
        Content.coerce(5)  # type: ignore[arg-type]


def test_invalid_values_raise_content_error() -> None:
    with pytest.raises(ContentError):
        Content(5)  # type: ignore[arg-type]
    with pytest.raises(ContentError, match="has no JSON form"):
        Content.from_dict({"t": "x", "extra": object()})
    with pytest.raises(ContentError, match="not a JSON number"):
        Content.from_dict({"t": "x", "n": float("nan")})
    with pytest.raises(ContentError, match="keys must be strings"):
        Content.from_dict({"t": "x", "o": {1: 2}})
    with pytest.raises(ContentError, match="lone surrogate"):
        Content("\ud800")
    with pytest.raises(ContentError, match="parameter"):
        Content("x", extra={"t": "y"})
    with pytest.raises(ContentError, match="Mention"):
        Content("x", mentions=["@a"])  # type: ignore[list-item]
    assert issubclass(ContentError, MezonError)


def test_extra_keys_after_known_ones() -> None:
    assert Content("x", extra={"zz": [1, None]}).to_json() == '{"t":"x","zz":[1]}'


def test_value_semantics() -> None:
    a = Content("x", mk=[MarkdownSpan("b", 0, 1)], mentions=[Mention(user_id=1, s=0, e=1)])
    b = Content.from_dict(
        {"t": "x", "mk": [{"s": 0, "e": 1, "type": "b"}]}, mentions=[Mention(user_id=1, e=1)]
    )
    assert a == b
    assert hash(a) == hash(b)
    assert a.to_json() != b.to_json()  # ...but is preserved on the wire
    c = Content.from_json(a.to_json(), mentions=a.mentions)
    assert a == c
    assert hash(a) == hash(c)
    assert a != Content("x", mk=[MarkdownSpan("b", 0, 1)])  # mentions count
    assert {a, c} == {a}
    with pytest.raises(AttributeError):
        a.text = "y"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        a._raw = {}
    assert pickle.loads(pickle.dumps(a)) == a
    assert copy.deepcopy(a) == a
    assert "mentions=" in repr(a)
    assert repr(Content("q")) == 'Content({"t":"q"})'


def test_dict_key_order_does_not_change_equality_or_hash() -> None:
    a = Content.from_dict({"t": "x", "embed": [{"a": 1, "b": 2}]})
    b = Content.from_dict({"t": "x", "embed": [{"b": 2, "a": 1}]})
    assert a == b
    assert hash(a) == hash(b)


# -- the limit ----------------------------------------------------------------------


def _content_of_length(n: int) -> Content:
    return Content("a" * (n - len('{"t":""}')))


def test_limit_boundary() -> None:
    assert MAX_CONTENT_UTF16 == 4000
    at_limit = _content_of_length(4000)
    assert at_limit.utf16_length == 4000
    at_limit.check_length()
    over = _content_of_length(4001)
    with pytest.raises(ContentError) as info:
        over.check_length()
    message = str(info.value)
    assert "4001" in message
    assert "4000" in message
    assert "split_text" in message


def test_limit_counts_utf16_units_of_the_escaped_json() -> None:
    # 1996 emoji: 3992 UTF-16 units of text + 8 of JSON = 4000 (1996 code points only).
    Content("👋" * 1996).check_length()
    with pytest.raises(ContentError):
        Content("👋" * 1997).check_length()
    # A newline costs two units once escaped.
    with pytest.raises(ContentError):
        Content("\n" * 1997).check_length()
    Content("\n" * 1996).check_length()


def test_check_ranges_errors() -> None:
    with pytest.raises(ContentError, match="inside the surrogate pair"):
        Content("👋", mk=[MarkdownSpan("b", 0, 1)]).check_ranges()
    with pytest.raises(ContentError, match="beyond the end"):
        Content("ab", lk=[Span(0, 3)]).check_ranges()
    with pytest.raises(ContentError, match="not 0 <= s <= e"):
        Content("ab", lk=[Span(2, 1)]).check_ranges()
    with pytest.raises(ContentError, match="mentions"):
        Content("ab", mentions=[Mention(user_id=1, s=0, e=5)]).check_ranges()
    with pytest.raises(ContentError, match="must be a list"):
        Content.from_json('{"t":"a","hg":"x"}').check_ranges()
    with pytest.raises(ContentError):
        Mention(user_id=1, s=3, e=2)


json_leaf = st.one_of(
    st.text(),
    st.integers(-(2**70), 2**70),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False, allow_infinity=False),
)
json_values = st.recursive(
    json_leaf,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(["t", "mk", "hg", "ej", "embed", "components", "x"]), json_values))
def test_never_null_and_parse_is_stable(mapping: dict[str, Any]) -> None:
    try:
        content = Content.from_dict(mapping)
    except ContentError:
        # Only lone surrogates can make valid JSON values unsendable.
        assert "\\ud" in json.dumps(mapping).lower()
        return
    text = content.to_json()
    assert None not in _leaves(json.loads(text))
    again = Content.from_json(text)
    assert again == content
    assert again.to_json() == text
    assert content.utf16_length == utf16_len(text)


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves(item)]
    return [value]


@settings(max_examples=200, deadline=None)
@given(
    t=st.none() | st.text(),
    thread=st.none() | st.text(),
    empty=st.sampled_from([(), []]),
)
def test_plain_text_shortcut_equals_the_normalized_path(
    t: str | None, thread: str | None, empty: object
) -> None:
    # Content(t) takes a shortcut when every list is empty; from_dict always walks _normalize.
    try:
        expected = Content.from_dict({"t": t, "contentThread": thread})
    except ContentError:
        with pytest.raises(ContentError):
            Content(t, content_thread=thread, mk=empty, embed=empty, components=empty)
        return
    got = Content(t, content_thread=thread, mk=empty, embed=empty, components=empty)
    assert got == expected
    assert got.to_json() == expected.to_json()


def test_empty_mapping_as_embed_is_not_taken_for_no_embed() -> None:
    # A single mapping is one embed (wrapped in a list), even when empty: not the shortcut.
    assert Content("x", embed={}).to_json() == Content.from_dict({"t": "x", "embed": [{}]}).to_json()


@settings(max_examples=100, deadline=None)
@given(
    t=st.none() | st.text(max_size=5),
    text=st.none() | st.text(max_size=5),
    thread=st.none() | st.text(max_size=5),
    thread_alias=st.none() | st.text(max_size=5),
)
def test_official_content_text_shortcut(
    t: str | None, text: str | None, thread: str | None, thread_alias: str | None
) -> None:
    # ChannelMessageContent with text arguments only takes a shortcut; passing an empty
    # list too takes the generic path: both must agree, errors included.
    from mezon_trio.compat import ChannelMessageContent

    def build(**extra: Any) -> Content | str:
        try:
            return ChannelMessageContent(
                t, text=text, content_thread=thread, contentThread=thread_alias, **extra
            )
        except ContentError as exc:
            return str(exc)

    assert build() == build(hg=[])


@settings(max_examples=300, deadline=None)
@given(t=st.none() | st.text(), thread=st.none() | st.text())
def test_dumps_text_equals_dumps(t: str | None, thread: str | None) -> None:
    from mezon_trio._content.wire import dumps, dumps_text

    mapping = {key: value for key, value in (("t", t), ("contentThread", thread)) if value is not None}
    try:
        expected = dumps(mapping)
    except ContentError:
        with pytest.raises(ContentError):
            dumps_text(t, thread)
        return
    assert dumps_text(t, thread) == expected


def test_dumps_text_refuses_a_lone_surrogate() -> None:
    from mezon_trio._content.wire import dumps_text

    with pytest.raises(ContentError, match="lone surrogate"):
        dumps_text("a\ud800", None)
    with pytest.raises(ContentError, match="lone surrogate"):
        Content("a\ud800")
