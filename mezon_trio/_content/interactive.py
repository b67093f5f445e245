"""Forms in embeds: the official SDK's ``InteractiveBuilder`` (docs/protocol.md §6.5).

Method names, argument names and the JSON produced follow ``mezon-sdk`` 1.8.3
(``mezon/structures/interactive_message.py``) with three deliberate differences:

* no ``null`` anywhere: an absent placeholder, pre-selected value, author icon...
  is omitted instead of written as ``null`` (docs/protocol.md §11 quirk 2);
* no hidden defaults: the official builder starts with a *random* color, the
  current time and a "Powered by Mezon" footer; ours starts empty (set them
  explicitly), so the same calls always build the same JSON;
* :meth:`InteractiveBuilder.build` returns a fresh copy, so building twice and
  changing one result does not change the other.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Self, TypeVar, cast, final

from .embed import color_str
from .enums import ButtonMessageStyle, MessageComponentType
from .shapes import (
    AnimationConfigDict,
    ComponentDict,
    DatePickerDict,
    EmbedAuthorDict,
    EmbedDict,
    EmbedFooterDict,
    InputDict,
    RadioOptionDict,
    SelectDict,
    SelectOptionDict,
)
from .wire import jsonable

__all__ = [
    "AnimationConfig",
    "InputFieldOption",
    "InteractiveBuilder",
    "RadioFieldOption",
    "SelectFieldOption",
]


@final
@dataclass(frozen=True, slots=True)
class SelectFieldOption:
    """One choice of a select field: ``{"label", "value"}``."""

    label: str
    value: str

    def to_dict(self) -> SelectOptionDict:
        """Render as the wire's JSON object."""
        return {"label": self.label, "value": self.value}


@final
@dataclass(frozen=True, slots=True)
class RadioFieldOption:
    """One choice of a radio field; ``name`` applies to multiple choice (``max_options``)."""

    label: str
    value: str
    name: str | None = None
    description: str | None = None
    style: ButtonMessageStyle | int | None = None
    disabled: bool | None = None

    def to_dict(self) -> RadioOptionDict:
        """Render as the wire's JSON object (absent keys omitted)."""
        out: RadioOptionDict = {"label": self.label, "value": self.value}
        if self.name is not None:
            out["name"] = self.name
        if self.description is not None:
            out["description"] = self.description
        if self.style is not None:
            out["style"] = int(self.style)
        if self.disabled is not None:
            out["disabled"] = self.disabled
        return out


@final
@dataclass(frozen=True, slots=True, init=False)
class InputFieldOption:
    """Settings of a text input: default value, HTML input type, multi-line, disabled.

    Accepts the official SDK's camelCase ``defaultValue=`` as well as
    ``default_value=``.
    """

    default_value: str | int | None
    type: str | None
    textarea: bool | None
    disabled: bool | None

    def __init__(
        self,
        *,
        default_value: str | int | None = None,
        type: str | None = None,  # the official SDK's name
        textarea: bool | None = None,
        disabled: bool | None = None,
        defaultValue: str | int | None = None,  # official SDK spelling
    ) -> None:
        if default_value is not None and defaultValue is not None:
            raise TypeError("pass default_value or defaultValue, not both")
        object.__setattr__(self, "default_value", default_value if defaultValue is None else defaultValue)
        object.__setattr__(self, "type", type)
        object.__setattr__(self, "textarea", textarea)
        object.__setattr__(self, "disabled", disabled)

    @property
    def defaultValue(self) -> str | int | None:  # official SDK spelling
        """Alias of :attr:`default_value` (the official SDK's name)."""
        return self.default_value


@final
@dataclass(frozen=True, slots=True)
class AnimationConfig:
    """An animation input: a sprite sheet (``url_image``), its frame map and a pool."""

    url_image: str
    url_position: str
    pool: Sequence[str]
    repeat: int | None = None
    duration: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "pool", tuple(self.pool))

    def to_dict(self) -> AnimationConfigDict:
        """Render as the wire's JSON object (absent keys omitted)."""
        out: AnimationConfigDict = {
            "url_image": self.url_image,
            "url_position": self.url_position,
            "pool": list(self.pool),
        }
        if self.repeat is not None:
            out["repeat"] = self.repeat
        if self.duration is not None:
            out["duration"] = self.duration
        return out


_D = TypeVar("_D", SelectOptionDict, RadioOptionDict, AnimationConfigDict)


def _option_dict(option: object, shape: type[_D], where: str) -> _D:
    # An option object renders itself; a mapping is copied (None dropped, enums as values).  The
    # keys are the caller's: a type checker holds a mapping to ``shape``, the run time does not.
    value = jsonable(option, where=where)
    if not isinstance(value, dict):
        raise TypeError(f"{where}: expected an option object or a mapping, got {type(option).__name__}")
    return cast(_D, value)


@final
class InteractiveBuilder:
    """Build one embed, possibly a form, with chainable setters.

    Examples:
        >>> form = (
        ...     InteractiveBuilder("Sign up")
        ...     .set_description("Tell us about you")
        ...     .add_input_field("name", "Full name", placeholder="Ada")
        ...     .add_select_field("lang", "Language", [SelectFieldOption("Python", "py")])
        ...     .build()
        ... )
        >>> form["fields"][0]["inputs"]["type"]
        3

    Pass the result (or the builder itself) in ``Content(embed=[...])``; add
    buttons with :class:`~mezon_trio.content.ButtonBuilder` to submit the form.
    """

    __slots__ = ("_embed",)

    def __init__(self, title: str | None = None) -> None:
        self._embed: EmbedDict = {}
        if title is not None:
            self._embed["title"] = title
        self._embed["fields"] = []

    def set_color(self, color: str | int) -> Self:
        """Set the side bar color: ``"#FF5733"`` or ``0xFF5733``."""
        self._embed["color"] = color_str(color)
        return self

    def set_title(self, title: str) -> Self:
        """Set the heading."""
        self._embed["title"] = title
        return self

    def set_url(self, url: str) -> Self:
        """Make the title a link."""
        self._embed["url"] = url
        return self

    def set_author(self, name: str, icon_url: str | None = None, url: str | None = None) -> Self:
        """Set ``author {name, icon_url?, url?}``."""
        author: EmbedAuthorDict = {"name": name}
        if icon_url:
            author["icon_url"] = icon_url
        if url:
            author["url"] = url
        self._embed["author"] = author
        return self

    def set_description(self, description: str) -> Self:
        """Set the body text."""
        self._embed["description"] = description
        return self

    def set_thumbnail(self, url: str) -> Self:
        """Set the small side image."""
        self._embed["thumbnail"] = {"url": url}
        return self

    def set_image(self, url: str, width: str | None = None, height: str | None = None) -> Self:
        """Set the large image; a missing size is written ``"auto"``."""
        self._embed["image"] = {"url": url, "width": width or "auto", "height": height or "auto"}
        return self

    def set_timestamp(self, timestamp: datetime | str) -> Self:
        """Set the timestamp (a ``datetime`` is written with ``isoformat()``)."""
        self._embed["timestamp"] = timestamp.isoformat() if isinstance(timestamp, datetime) else timestamp
        return self

    def set_footer(self, text: str, icon_url: str | None = None) -> Self:
        """Set ``footer {text, icon_url?}``."""
        footer: EmbedFooterDict = {"text": text}
        if icon_url:
            footer["icon_url"] = icon_url
        self._embed["footer"] = footer
        return self

    def add_field(self, name: str, value: str, inline: bool = False) -> Self:
        """Add a plain text field ``{name, value, inline}``."""
        self._embed["fields"].append({"name": name, "value": value, "inline": inline})
        return self

    def _add_input(
        self,
        field_id: str,
        name: str,
        description: str | None,
        kind: MessageComponentType,
        component: InputDict | SelectDict | DatePickerDict | list[RadioOptionDict] | AnimationConfigDict,
        max_options: int | None = None,
    ) -> Self:
        inputs: ComponentDict = {"id": field_id, "type": int(kind), "component": component}
        if max_options:
            inputs["max_options"] = max_options
        self._embed["fields"].append({"name": name, "value": description or "", "inputs": inputs})
        return self

    def add_input_field(
        self,
        field_id: str,
        name: str,
        placeholder: str | None = None,
        options: InputFieldOption | None = None,
        description: str | None = None,
    ) -> Self:
        """Add a text input (component type 3).

        The component's id is ``f"{field_id}-component"``; the value typed by the
        user comes back in the button click's ``extra_data``.
        """
        component: InputDict = {"id": f"{field_id}-component"}
        if placeholder is not None:
            component["placeholder"] = placeholder
        default = options.default_value if options is not None else None
        component["defaultValue"] = "" if default is None else default
        kind = options.type if options is not None else None
        component["type"] = kind or "text"
        component["textarea"] = bool(options.textarea) if options is not None else False
        if options is not None and options.disabled is not None:
            component["disabled"] = options.disabled
        return self._add_input(field_id, name, description, MessageComponentType.INPUT, component)

    def add_select_field(
        self,
        field_id: str,
        name: str,
        options: Sequence[SelectFieldOption | SelectOptionDict],
        value_selected: SelectFieldOption | SelectOptionDict | None = None,
        description: str | None = None,
    ) -> Self:
        """Add a drop-down select (component type 2); ``value_selected`` pre-selects one option.

        An option is a :class:`SelectFieldOption` or a :class:`SelectOptionDict` mapping; any
        other mapping is still accepted at run time and copied as it is (``None`` values
        dropped), but a type checker rejects it.
        """
        component: SelectDict = {
            "options": [_option_dict(option, SelectOptionDict, "select option") for option in options],
        }
        if value_selected is not None:
            component["valueSelected"] = _option_dict(value_selected, SelectOptionDict, "value_selected")
        return self._add_input(field_id, name, description, MessageComponentType.SELECT, component)

    def add_radio_field(
        self,
        field_id: str,
        name: str,
        options: Sequence[RadioFieldOption | RadioOptionDict],
        description: str | None = None,
        max_options: int | None = None,
    ) -> Self:
        """Add radio buttons (component type 5); ``max_options`` > 1 allows multiple choice.

        An option is a :class:`RadioFieldOption` or a :class:`RadioOptionDict` mapping; any
        other mapping is still accepted at run time and copied as it is (``None`` values
        dropped), but a type checker rejects it.
        """
        component = [_option_dict(option, RadioOptionDict, "radio option") for option in options]
        return self._add_input(
            field_id, name, description, MessageComponentType.RADIO, component, max_options
        )

    def add_datepicker_field(self, field_id: str, name: str, description: str | None = None) -> Self:
        """Add a date picker (component type 4)."""
        picker: DatePickerDict = {}
        return self._add_input(field_id, name, description, MessageComponentType.DATEPICKER, picker)

    def add_animation(
        self,
        field_id: str,
        config: AnimationConfig | AnimationConfigDict,
        name: str | None = None,
        description: str | None = None,
    ) -> Self:
        """Add an animation (component type 6).

        ``config`` is an :class:`AnimationConfig` or an :class:`AnimationConfigDict` mapping; any
        other mapping is still accepted at run time and copied as it is (``None`` values
        dropped), but a type checker rejects it.
        """
        component = _option_dict(config, AnimationConfigDict, "animation config")
        return self._add_input(field_id, name or "", description, MessageComponentType.ANIMATION, component)

    def build(self) -> EmbedDict:
        """Return the embed as a new dict (the builder can be reused)."""
        return copy.deepcopy(self._embed)

    def to_dict(self) -> EmbedDict:
        """Same as :meth:`build` (lets ``Content(embed=[builder])`` take the builder itself)."""
        return self.build()

    def __repr__(self) -> str:
        return f"InteractiveBuilder({self._embed!r})"
