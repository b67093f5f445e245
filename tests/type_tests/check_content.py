"""Static checks of the typed content builders: mypy --strict must accept this file.

Never run, only type-checked: each ``assert_type`` pins the type mypy infers, and the calls are
the idioms users write (hand-written embeds and action rows, the official SDK's
``{"components": builder.build()}``, free-form ``extra``).  The misuse that must *fail* to
type-check is in ``test_type_errors.py``.
"""

from __future__ import annotations

from typing import assert_type

from mezon_trio.content import (
    ActionRowDict,
    AnimationConfig,
    ButtonBuilder,
    ButtonMessageStyle,
    ComponentDict,
    Content,
    ContentDict,
    Embed,
    EmbedDict,
    EmbedFieldDict,
    EmojiSpanDict,
    HashtagSpan,
    InteractiveBuilder,
    JSONObject,
    JSONValue,
    MarkdownSpan,
    MarkdownSpanDict,
    MarkdownType,
    MessageComponentType,
    MessageSelectType,
    RadioFieldOption,
    SelectFieldOption,
    SelectOptionDict,
    SpanDict,
)


def builders_return_the_wire_shapes() -> None:
    buttons = ButtonBuilder().add_button("yes", "Yes", ButtonMessageStyle.SUCCESS)
    assert_type(buttons.build(), list[ComponentDict])
    assert_type(buttons.build_row(), ActionRowDict)
    assert_type(buttons.to_dict(), ActionRowDict)
    form = InteractiveBuilder("Form").add_input_field("name", "Name")
    assert_type(form.build(), EmbedDict)
    assert_type(Embed(title="t").to_dict(), EmbedDict)
    assert_type(SelectFieldOption("a", "b").to_dict(), SelectOptionDict)
    assert_type(MarkdownSpan(MarkdownType.BOLD, 0, 1).to_dict(), MarkdownSpanDict)
    # Keys of a built shape are typed.
    built = form.build()
    assert_type(built["fields"], list[EmbedFieldDict])
    assert_type(buttons.build_row()["components"][0]["id"], str)


def hand_written_content() -> None:
    builder = ButtonBuilder().add_button("ok", "OK")
    Content("official idiom", components=[{"components": builder.build()}])
    Content("bare components: one row", components=builder.build())
    Content("the builder itself", components=[builder, builder.build_row()])
    select_row: ActionRowDict = {
        "components": [
            {
                "id": "colour",
                "type": MessageComponentType.SELECT,
                "component": {
                    "type": MessageSelectType.TEXT,
                    "placeholder": "Colour",
                    "options": [{"label": "Red", "value": "red"}],
                },
            }
        ]
    }
    Content(components=[select_row])
    embed: EmbedDict = {
        "title": "Hi",
        "color": "#ff0000",
        "fields": [{"name": "a", "value": "1", "inline": True}],
        "footer": {"text": "bye"},
    }
    Content(embed=[embed, Embed(title="x"), InteractiveBuilder("f"), {"description": "inline literal"}])
    mk: list[MarkdownSpanDict] = [{"type": "b", "s": 0, "e": 2}]
    ej: EmojiSpanDict = {"emojiid": "7", "s": 3, "e": 5}
    lk: SpanDict = {"s": 0, "e": 2}
    Content("hi :x:", mk=mk, ej=[ej], lk=[lk], hg=[HashtagSpan(1, 0, 2)])
    # extra: any JSON, read-only containers of narrower types included.
    nested = {"a": {"b": (1, 2.5, "c", None)}}
    Content("x", extra={"nested": nested, "flag": True, "kind": MarkdownType.BOLD})
    whole: ContentDict = {"t": "hi", "embed": [embed], "components": [select_row]}
    Content.from_dict(whole)
    form = (
        InteractiveBuilder("Poll")
        .add_select_field("s", "S", [{"label": "A", "value": "a"}, SelectFieldOption("B", "b")])
        .add_radio_field("r", "R", [RadioFieldOption("A", "a"), {"label": "B", "value": "b", "style": 2}])
        .add_animation("an", AnimationConfig("u", "p", ["x"]))
        .add_animation("an2", {"url_image": "u", "url_position": "p", "pool": ["x"], "repeat": 2})
    )
    assert_type(form, InteractiveBuilder)


def received_content_is_plain_json(content: Content) -> None:
    assert_type(content.raw, JSONObject)
    assert_type(content.raw, dict[str, JSONValue])
    assert_type(content.embed, list[JSONObject])
    assert_type(content.components, list[JSONObject])
    title = content.embed[0].get("title") if content.embed else None
    if isinstance(title, str):
        assert_type(title, str)
