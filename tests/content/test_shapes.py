"""The content TypedDicts describe what the builders really write, and the JSON aliases resolve.

The shapes are only types: nothing checks them at run time.  So the builders' output (through
their own return annotations) is checked here against the declared shape, key by key and value
by value, and the inputs a type checker now rejects but the run time always accepted are shown
to still work, with the same JSON as before.
"""

from __future__ import annotations

import types
import typing
from datetime import UTC, datetime

import pytest

from mezon_trio import content as c
from mezon_trio.content import (
    AnimationConfig,
    ButtonBuilder,
    ButtonMessageStyle,
    Content,
    ContentDict,
    Embed,
    EmbedAuthor,
    EmbedField,
    EmbedFooter,
    EmbedImage,
    EmojiSpan,
    HashtagSpan,
    InputFieldOption,
    InteractiveBuilder,
    MarkdownSpan,
    MarkdownType,
    RadioFieldOption,
    SelectFieldOption,
    Span,
    TextBuilder,
)
from mezon_trio.errors import ContentError


def _problems(value: object, tp: object, where: str = "$") -> list[str]:
    """Where ``value`` does not have type ``tp`` (TypedDicts, lists, unions, plain classes)."""
    if typing.is_typeddict(tp):
        assert isinstance(tp, type)
        if not isinstance(value, dict):
            return [f"{where}: {type(value).__name__}, expected {tp.__name__}"]
        hints = typing.get_type_hints(tp)
        found = [f"{where}: missing key {k!r}" for k in tp.__required_keys__ if k not in value]  # type: ignore[attr-defined]
        for key, item in value.items():
            if key not in hints:
                found.append(f"{where}: key {key!r} not in {tp.__name__}")
            else:
                found += _problems(item, hints[key], f"{where}.{key}")
        return found
    origin = typing.get_origin(tp)
    if origin in (types.UnionType, typing.Union):
        options = [_problems(value, arg, where) for arg in typing.get_args(tp)]
        return [] if any(not o for o in options) else [f"{where}: {value!r} fits none of {tp}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: {type(value).__name__}, expected a list"]
        (item_type,) = typing.get_args(tp)
        return [p for i, item in enumerate(value) for p in _problems(item, item_type, f"{where}[{i}]")]
    assert isinstance(tp, type), f"{where}: the checker does not know {tp!r}"
    if isinstance(value, bool) and tp is not bool:
        return [f"{where}: bool, expected {tp.__name__}"]
    return [] if isinstance(value, tp) else [f"{where}: {type(value).__name__}, expected {tp.__name__}"]


def _returns(method: object) -> object:
    return typing.get_type_hints(method)["return"]


def _full_form() -> InteractiveBuilder:
    name_options = InputFieldOption(defaultValue=3, textarea=True)
    radio = RadioFieldOption(
        "S", "s", name="n", description="d", style=ButtonMessageStyle.DANGER, disabled=False
    )
    animation = AnimationConfig("https://i/s.png", "https://i/p.json", ["a"], repeat=1, duration=2)
    return (
        InteractiveBuilder("Sign up")
        .set_color(0xFF5733)
        .set_url("https://example.org")
        .set_author("Bot", icon_url="https://i/a.png", url="https://a")
        .set_description("Tell us")
        .set_thumbnail("https://i/t.png")
        .set_image("https://i/i.png", width="100")
        .set_timestamp(datetime(2026, 1, 2, tzinfo=UTC))
        .set_footer("bye", icon_url="https://i/f.png")
        .add_field("plain", "text", inline=True)
        .add_input_field("name", "Name", placeholder="Ada", options=name_options)
        .add_input_field("bio", "Bio", options=InputFieldOption(type="email", disabled=True))
        .add_select_field(
            "lang",
            "Language",
            [SelectFieldOption("Python", "py"), {"label": "Go", "value": "go"}],
            value_selected=SelectFieldOption("Python", "py"),
        )
        .add_radio_field("size", "Size", [radio], max_options=2)
        .add_datepicker_field("when", "When")
        .add_animation("anim", animation)
    )


def _full_embed() -> Embed:
    return Embed(
        title="t",
        url="https://u",
        color="#ffffff",
        author=EmbedAuthor("a", icon_url="https://i", url="https://a"),
        description="d",
        thumbnail="https://th",
        fields=[EmbedField("f", "v", inline=True), {"name": "g", "value": "w"}],
        image=EmbedImage("https://im", width=10),
        timestamp="2026-01-01T00:00:00Z",
        footer=EmbedFooter("f", icon_url="https://fi"),
    )


def test_every_builder_writes_the_shape_its_annotation_declares() -> None:
    buttons = (
        ButtonBuilder().add_button("y", "Yes").add_button("d", "Docs", 5, url="https://d", disabled=True)
    )
    cases: list[tuple[str, object, object]] = [
        ("InteractiveBuilder.build", _full_form().build(), _returns(InteractiveBuilder.build)),
        ("InteractiveBuilder.to_dict", _full_form().to_dict(), _returns(InteractiveBuilder.to_dict)),
        ("Embed.to_dict", _full_embed().to_dict(), _returns(Embed.to_dict)),
        ("Embed(image=str)", Embed(image="https://i", footer="f").to_dict(), _returns(Embed.to_dict)),
        ("ButtonBuilder.build", buttons.build(), _returns(ButtonBuilder.build)),
        ("ButtonBuilder.build_row", buttons.build_row(), _returns(ButtonBuilder.build_row)),
        ("Span", Span(0, 1).to_dict(), _returns(Span.to_dict)),
        ("MarkdownSpan", MarkdownSpan(MarkdownType.BOLD, 0, 1).to_dict(), _returns(MarkdownSpan.to_dict)),
        ("HashtagSpan", HashtagSpan(2**62, 0, 1).to_dict(), _returns(HashtagSpan.to_dict)),
        ("EmojiSpan", EmojiSpan(7, 0, 1).to_dict(), _returns(EmojiSpan.to_dict)),
        (
            "RadioFieldOption",
            RadioFieldOption("a", "b", style=2).to_dict(),
            _returns(RadioFieldOption.to_dict),
        ),
        ("AnimationConfig", AnimationConfig("u", "p", ("x",)).to_dict(), _returns(AnimationConfig.to_dict)),
    ]
    built = (
        TextBuilder()
        .bold("hi")
        .text(" ")
        .mention(1, "al")
        .hashtag(2, "general")
        .emoji(3, "smile")
        .link("https://x")
        .voice_link("https://v")
        .build(content_thread="thread", embed=[_full_embed(), _full_form()], components=[buttons])
    )
    cases.append(("Content built from the builders", built.raw, ContentDict))
    for name, value, declared in cases:
        assert _problems(value, declared) == [], name


def test_the_shape_checker_itself_sees_a_wrong_key_and_a_wrong_value() -> None:
    declared = _returns(Embed.to_dict)
    assert _problems({"title": "t"}, declared) == []
    assert _problems({"titel": "t"}, declared) == ["$: key 'titel' not in EmbedDict"]
    assert _problems({"fields": [{"name": "a", "value": 1}]}, declared) == [
        "$.fields[0].value: int, expected str"
    ]
    assert _problems({"author": {}}, declared) == ["$.author: missing key 'name'"]


def test_the_json_aliases_resolve_from_any_namespace() -> None:
    """An annotation naming ``content.JSONValue`` (qualified, its name not in scope) resolves."""
    namespace: dict[str, object] = {}
    exec(  # a module of a user's that imported only the module
        "from __future__ import annotations\n"
        "from mezon_trio import content\n"
        "def f(x: content.JSONInput) -> content.JSONObject: ...\n",
        namespace,
    )
    hints = typing.get_type_hints(namespace["f"])  # type: ignore[arg-type]
    assert typing.get_origin(hints["return"]) is dict
    key, value = typing.get_args(hints["return"])
    assert key is str
    assert {str, int, float, bool, type(None)} <= set(typing.get_args(value))
    nested = [a for a in typing.get_args(value) if typing.get_origin(a) is list]
    assert nested  # expanded one level, then it recurs through a ForwardRef
    assert type(None) in typing.get_args(hints["x"])
    assert c.JSONObject == dict[str, c.JSONValue]


# What a type checker now rejects but the run time accepted before these types, and still does.
STILL_ACCEPTED = {
    "hashtag and emoji ids as ints": (
        lambda: Content(
            "#g :e:", hg=[{"channelid": 12, "s": 0, "e": 2}], ej=[{"emojiId": 5, "s": 3, "e": 6}]
        ),  # type: ignore[list-item,typeddict-item]
        '{"t":"#g :e:","hg":[{"channelid":"12","s":0,"e":2}],"ej":[{"emojiId":"5","s":3,"e":6}]}',
    ),
    "a range without s": (
        lambda: Content("ab", lk=[{"e": 2}]),  # type: ignore[typeddict-item]
        '{"t":"ab","lk":[{"e":2}]}',
    ),
    "extra values that are objects with to_dict, dates as strings, nested tuples": (
        lambda: Content("x", extra={"card": Embed(title="t"), "when": ("a", (1, None))}),  # type: ignore[dict-item]
        '{"t":"x","card":{"title":"t"},"when":["a",[1]]}',
    ),
    "embed mapping with unknown keys and None values": (
        lambda: Content(embed=[{"title": "t", "custom": {"a": None}, "url": None}]),  # type: ignore[typeddict-unknown-key]
        '{"embed":[{"title":"t","custom":{}}]}',
    ),
    "embed field mapping with unknown keys": (
        lambda: Content(embed=[Embed(fields=[{"name": "a", "value": "b", "button": [], "x": None}])]),  # type: ignore[typeddict-unknown-key]
        '{"embed":[{"fields":[{"name":"a","value":"b","button":[]}]}]}',
    ),
    "select options as any mapping": (
        lambda: Content(
            embed=[
                InteractiveBuilder().add_select_field(
                    "s", "S", [{"label": "A", "value": "a", "emoji": None, "k": 1}]
                )
            ]  # type: ignore[typeddict-unknown-key]
        ),
        '{"embed":[{"fields":[{"name":"S","value":"","inputs":{"id":"s","type":2,'
        '"component":{"options":[{"label":"A","value":"a","k":1}]}}}]}]}',
    ),
    "radio options and an animation config as any mapping": (
        lambda: Content(
            embed=[
                InteractiveBuilder()
                .add_radio_field("r", "R", [{"label": "A", "value": "a", "extra": True}])  # type: ignore[typeddict-unknown-key]
                .add_animation("an", {"url_image": "u", "url_position": "p", "pool": ("x",), "fps": 3})  # type: ignore[typeddict-item,typeddict-unknown-key]
            ]
        ),
        '{"embed":[{"fields":[{"name":"R","value":"","inputs":{"id":"r","type":5,'
        '"component":[{"label":"A","value":"a","extra":true}]}},{"name":"","value":"","inputs":'
        '{"id":"an","type":6,"component":{"url_image":"u","url_position":"p","pool":["x"],"fps":3}}}]}]}',
    ),
    "a component of an unknown kind in a row": (
        lambda: Content(components=[{"components": [{"id": 9, "type": 7, "component": {"grid": [[1]]}}]}]),  # type: ignore[typeddict-item]
        '{"components":[{"components":[{"id":"9","type":7,"component":{"grid":[[1]]}}]}]}',
    ),
}


@pytest.mark.parametrize("name", sorted(STILL_ACCEPTED))
def test_the_run_time_still_accepts_what_the_types_reject(name: str) -> None:
    build, expected = STILL_ACCEPTED[name]
    assert build().to_json() == expected


def test_a_value_without_a_json_form_is_still_refused_at_run_time() -> None:
    with pytest.raises(ContentError, match="has no JSON form"):
        Content("x", extra={"when": datetime(2026, 1, 1, tzinfo=UTC)})  # type: ignore[dict-item]
