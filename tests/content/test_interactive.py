"""Embeds, forms (InteractiveBuilder), buttons (ButtonBuilder) and attachments: exact JSON."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from mezon_trio._models.proto import attachment_from_proto, attachment_to_proto
from mezon_trio._proto.mezon import api
from mezon_trio.content import (
    AnimationConfig,
    Attachment,
    ButtonBuilder,
    ButtonMessageStyle,
    Content,
    Embed,
    EmbedAuthor,
    EmbedField,
    EmbedFooter,
    EmbedImage,
    InputFieldOption,
    InteractiveBuilder,
    MarkdownType,
    MessageComponentType,
    MessageSelectType,
    RadioFieldOption,
    SelectFieldOption,
)
from mezon_trio.errors import ContentError


def test_enum_values() -> None:
    assert [int(s) for s in ButtonMessageStyle] == [1, 2, 3, 4, 5]
    assert int(ButtonMessageStyle.PRIMARY) == 1
    assert int(ButtonMessageStyle.LINK) == 5
    assert [c.name for c in MessageComponentType] == [
        "BUTTON",
        "SELECT",
        "INPUT",
        "DATEPICKER",
        "RADIO",
        "ANIMATION",
        "GRID",
    ]
    assert int(MessageComponentType.GRID) == 7
    assert int(MessageSelectType.CHANNEL) == 4
    assert [m.value for m in MarkdownType] == ["t", "s", "pre", "c", "b", "lk", "vk", "lk_yt"]


def test_buttons_exact_protocol_example() -> None:
    buttons = ButtonBuilder().add_button("yes", "Yes", ButtonMessageStyle.SUCCESS).add_button("no", "No", 4)
    # docs/protocol.md §6.6 example, compact.
    expected = (
        '{"t":"Pick one","components":[{"components":['
        '{"id":"yes","type":1,"component":{"label":"Yes","style":3}},'
        '{"id":"no","type":1,"component":{"label":"No","style":4}}]}]}'
    )
    assert Content("Pick one", components=[buttons]).to_json() == expected
    # The official SDK's idiom: one row built by hand around build().
    assert Content("Pick one", components=[{"components": buttons.build()}]).to_json() == expected
    # Bare components (build() itself) are grouped into one row.
    assert Content("Pick one", components=buttons.build()).to_json() == expected
    assert buttons.build_row() == json.loads(expected)["components"][0]


def test_button_disable_key_and_url() -> None:
    row = (
        ButtonBuilder()
        .add_button("go", "Docs", ButtonMessageStyle.LINK, url="https://x", disabled=True)
        .build()
    )
    assert row == [
        {
            "id": "go",
            "type": 1,
            "component": {"label": "Docs", "style": 5, "url": "https://x", "disable": True},
        }
    ]
    assert "disabled" not in json.dumps(row)
    with pytest.raises(ValueError, match="6 is not a valid ButtonMessageStyle"):
        ButtonBuilder().add_button("x", "X", 6)


def test_button_builder_build_is_a_copy_and_clear() -> None:
    builder = ButtonBuilder().add_button("a", "A")
    built = builder.build()
    built[0]["id"] = "changed"
    assert builder.build()[0]["id"] == "a"
    assert len(builder) == 1
    assert len(builder.clear()) == 0


def test_two_rows_and_mixed_rows() -> None:
    first = ButtonBuilder().add_button("a", "A")
    second = ButtonBuilder().add_button("b", "B")
    content = Content(components=[first, second])
    assert [len(row["components"]) for row in content.components] == [1, 1]
    mixed = Content(components=[*first.build(), second.build_row(), *first.build()])
    assert [len(row["components"]) for row in mixed.components] == [1, 1, 1]


def test_interactive_builder_form_exact() -> None:
    embed = (
        InteractiveBuilder("Sign up")
        .set_color("#FF5733")
        .set_description("Fill the form")
        .set_url("https://mezon.ai")
        .set_author("Bot", icon_url="https://i/a.png")
        .set_thumbnail("https://i/t.png")
        .set_image("https://i/i.png")
        .set_timestamp(datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
        .set_footer("footer")
        .add_field("Plain", "value", inline=True)
        .add_input_field("name", "Name", placeholder="Ada", description="your name")
        .add_input_field(
            "bio",
            "Bio",
            options=InputFieldOption(defaultValue="hi", type="text", textarea=True, disabled=False),
        )
        .add_select_field(
            "lang",
            "Language",
            [SelectFieldOption("Python", "py"), {"label": "Go", "value": "go"}],
            value_selected=SelectFieldOption("Python", "py"),
        )
        .add_select_field("none", "No default", [SelectFieldOption("A", "a")])
        .add_radio_field(
            "size",
            "Size",
            [
                RadioFieldOption("S", "s"),
                RadioFieldOption("L", "l", name="size", style=ButtonMessageStyle.DANGER),
            ],
            max_options=2,
        )
        .add_datepicker_field("when", "When")
        .add_animation("anim", AnimationConfig("https://i/s.png", "https://i/p.json", ["a", "b"], repeat=3))
        .build()
    )
    assert embed == {
        "title": "Sign up",
        "fields": [
            {"name": "Plain", "value": "value", "inline": True},
            {
                "name": "Name",
                "value": "your name",
                "inputs": {
                    "id": "name",
                    "type": 3,
                    "component": {
                        "id": "name-component",
                        "placeholder": "Ada",
                        "defaultValue": "",
                        "type": "text",
                        "textarea": False,
                    },
                },
            },
            {
                "name": "Bio",
                "value": "",
                "inputs": {
                    "id": "bio",
                    "type": 3,
                    "component": {
                        "id": "bio-component",
                        "defaultValue": "hi",
                        "type": "text",
                        "textarea": True,
                        "disabled": False,
                    },
                },
            },
            {
                "name": "Language",
                "value": "",
                "inputs": {
                    "id": "lang",
                    "type": 2,
                    "component": {
                        "options": [{"label": "Python", "value": "py"}, {"label": "Go", "value": "go"}],
                        "valueSelected": {"label": "Python", "value": "py"},
                    },
                },
            },
            {
                "name": "No default",
                "value": "",
                "inputs": {"id": "none", "type": 2, "component": {"options": [{"label": "A", "value": "a"}]}},
            },
            {
                "name": "Size",
                "value": "",
                "inputs": {
                    "id": "size",
                    "type": 5,
                    "component": [
                        {"label": "S", "value": "s"},
                        {"label": "L", "value": "l", "name": "size", "style": 4},
                    ],
                    "max_options": 2,
                },
            },
            {"name": "When", "value": "", "inputs": {"id": "when", "type": 4, "component": {}}},
            {
                "name": "",
                "value": "",
                "inputs": {
                    "id": "anim",
                    "type": 6,
                    "component": {
                        "url_image": "https://i/s.png",
                        "url_position": "https://i/p.json",
                        "pool": ["a", "b"],
                        "repeat": 3,
                    },
                },
            },
        ],
        "color": "#FF5733",
        "description": "Fill the form",
        "url": "https://mezon.ai",
        "author": {"name": "Bot", "icon_url": "https://i/a.png"},
        "thumbnail": {"url": "https://i/t.png"},
        "image": {"url": "https://i/i.png", "width": "auto", "height": "auto"},
        "timestamp": "2026-01-02T03:04:05+00:00",
        "footer": {"text": "footer"},
    }


def test_interactive_builder_no_null_and_deterministic() -> None:
    builder = (
        InteractiveBuilder()
        .add_select_field("s", "S", [SelectFieldOption("a", "a")])
        .add_input_field("i", "I")
    )
    assert builder.build() == builder.build()
    content = Content("form", embed=[builder])
    text = content.to_json()
    assert "null" not in text
    assert text == (
        '{"t":"form","embed":[{"fields":['
        '{"name":"S","value":"","inputs":{"id":"s","type":2,"component":{"options":[{"label":"a","value":"a"}]}}},'
        '{"name":"I","value":"","inputs":{"id":"i","type":3,"component":'
        '{"id":"i-component","defaultValue":"","type":"text","textarea":false}}}]}]}'
    )
    built = builder.build()
    built["fields"].clear()
    assert len(builder.build()["fields"]) == 2


def test_color_as_int_and_bad_color() -> None:
    assert InteractiveBuilder().set_color(0x00FF7F).build()["color"] == "#00ff7f"
    with pytest.raises(ValueError, match="outside"):
        InteractiveBuilder().set_color(0x1000000)


def test_input_field_option_aliases() -> None:
    assert InputFieldOption(default_value="x").defaultValue == "x"
    assert InputFieldOption(defaultValue="y").default_value == "y"
    with pytest.raises(TypeError):
        InputFieldOption(default_value="x", defaultValue="y")


def test_embed_value_exact() -> None:
    embed = Embed(
        title="Title",
        url="https://t",
        color=0x112233,
        author=EmbedAuthor("A", url="https://a"),
        description="D",
        thumbnail="https://th",
        fields=[EmbedField("f", "v")],
        image=EmbedImage("https://img", width=300),
        timestamp="2026-01-01T00:00:00Z",
        footer=EmbedFooter("F", icon_url="https://f"),
    ).add_field("g", "w", inline=True)
    assert Content(embed=[embed]).to_json() == (
        '{"embed":[{"color":"#112233","title":"Title","url":"https://t","author":{"name":"A","url":"https://a"},'
        '"description":"D","thumbnail":{"url":"https://th"},'
        '"fields":[{"name":"f","value":"v","inline":false},{"name":"g","value":"w","inline":true}],'
        '"image":{"url":"https://img","width":300,"height":"auto"},"timestamp":"2026-01-01T00:00:00Z",'
        '"footer":{"text":"F","icon_url":"https://f"}}]}'
    )
    assert Embed(title="x", image="https://i", footer="f").to_dict() == {
        "title": "x",
        "image": {"url": "https://i", "width": "auto", "height": "auto"},
        "footer": {"text": "f"},
    }
    assert Embed().to_dict() == {}
    # A single embed (not in a list) is accepted too.
    assert Content(embed=Embed(title="one")).to_json() == '{"embed":[{"title":"one"}]}'  # type: ignore[arg-type]


def test_content_with_text_embed_and_buttons_round_trip() -> None:
    form = InteractiveBuilder("Q").add_radio_field("r", "R", [RadioFieldOption("a", "1")])
    content = Content("pick", embed=[form], components=[ButtonBuilder().add_button("submit", "Submit")])
    again = Content.from_json(content.to_json())
    assert again == content
    assert again.embed == [form.build()]
    assert again.components[0]["components"][0]["id"] == "submit"


def test_attachment_all_eight_fields() -> None:
    attachment = Attachment(
        "https://cdn/x.png",
        filename="x.png",
        filetype="image/png",
        size=1234,
        width=64,
        height=32,
        thumbnail="https://cdn/t.png",
        duration=7,
    )
    proto = attachment_to_proto(attachment)
    assert proto == api.MessageAttachment(
        filename="x.png",
        size=1234,
        url="https://cdn/x.png",
        filetype="image/png",
        width=64,
        height=32,
        thumbnail="https://cdn/t.png",
        duration=7,
    )
    assert attachment_from_proto(api.MessageAttachment.parse(bytes(proto))) == attachment
    assert Attachment("u") == attachment_from_proto(api.MessageAttachment(url="u"))
    with pytest.raises(ContentError, match="int32"):
        Attachment("u", size=2**31)
    with pytest.raises(AttributeError):
        attachment.url = "v"  # type: ignore[misc]
