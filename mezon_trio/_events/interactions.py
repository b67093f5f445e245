"""Interaction events: components on the bot's messages, quick menus, token transfers."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import TypeAlias, final

from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import ChannelStreamMode
from .base import BaseEvent, register

__all__ = [
    "JSON",
    "ButtonClicked",
    "CoffeeGiven",
    "DropdownSelected",
    "FormSubmitted",
    "QuickMenuAction",
    "TokensReceived",
]

JSON: TypeAlias = "str | int | float | bool | list[JSON] | dict[str, JSON] | None"
"""A value decoded from JSON (a form's values, a click's ``extra_data``)."""


def _form_values(extra_data: str) -> dict[str, JSON] | None:
    """The form values of a click's ``extra_data``: a non-empty JSON object, else None.

    docs/protocol.md §6.6: ``extra_data`` is a JSON string with the current form values; a plain
    button click carries ``""`` or ``"{}"``.
    """
    if not extra_data or extra_data == "{}":
        return None
    try:
        value = json.loads(extra_data)
    except (ValueError, RecursionError):
        return None
    if isinstance(value, dict) and value:
        return value
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonClicked(BaseEvent):
    """A button on a message was clicked.

    A click that submits a form (its ``extra_data`` carries the form's values) is delivered as
    the subclass :class:`FormSubmitted`, so ``stream(ButtonClicked)`` sees every click and
    ``stream(FormSubmitted)`` only form submissions.

    Attributes:
        button_id: the id the bot gave the button.
        message_id: the message carrying it.
        channel_id: that message's channel.
        user_id: who clicked.
        sender_id: the author of the message (normally the bot).
        extra_data: the raw ``extra_data`` string.
    """

    button_id: str
    message_id: int
    channel_id: int
    user_id: int
    sender_id: int = 0
    extra_data: str = ""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class FormSubmitted(ButtonClicked):
    """A click on a form's button, with the values of the form's inputs (``values``)."""

    values: Mapping[str, JSON]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class DropdownSelected(BaseEvent):
    """A select box on a message changed; ``values`` are the selected option values."""

    selectbox_id: str
    message_id: int
    channel_id: int
    user_id: int
    values: tuple[str, ...] = ()
    sender_id: int = 0


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class QuickMenuAction(BaseEvent):
    """A user triggered one of the bot's quick-menu entries (docs/protocol.md §6.7).

    Attributes:
        menu_name: the entry's name.
        user_id: who triggered it.
        clan_id, channel_id, mode, is_public, topic_id: where.
        content: the content JSON text the entry produced.
        message_sender_id: the author of the message it was used on, if any.
    """

    menu_name: str
    user_id: int
    clan_id: int = 0
    channel_id: int = 0
    mode: ChannelStreamMode = ChannelStreamMode.STREAM_MODE_CHANNEL
    is_public: bool = False
    topic_id: int = 0
    content: str = ""
    message_sender_id: int = 0


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class TokensReceived(BaseEvent):
    """Tokens were transferred (docs/protocol.md §8.11); ``amount`` is in whole tokens."""

    sender_id: int
    receiver_id: int
    amount: int
    sender_name: str = ""
    note: str = ""
    extra_attribute: str = ""
    transaction_id: str = ""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class CoffeeGiven(BaseEvent):
    """A "coffee" tip was given on a message."""

    sender_id: int
    receiver_id: int
    token_count: int
    message_id: int = 0
    channel_id: int = 0
    clan_id: int = 0


def _click(payload: rt.MessageButtonClicked) -> ButtonClicked:
    values = _form_values(payload.extra_data)
    make: Callable[..., ButtonClicked] = (
        ButtonClicked if values is None else partial(FormSubmitted, values=values)
    )
    return make(
        button_id=payload.button_id,
        message_id=payload.message_id,
        channel_id=payload.channel_id,
        user_id=payload.user_id,
        sender_id=payload.sender_id,
        extra_data=payload.extra_data,
    )


def _button(kind: str, payload: object) -> ButtonClicked | None:
    return _click(payload) if isinstance(payload, rt.MessageButtonClicked) else None


def _form(kind: str, payload: object) -> FormSubmitted | None:
    if isinstance(payload, rt.MessageButtonClicked):
        event = _click(payload)
        if isinstance(event, FormSubmitted):
            return event
    return None


def _dropdown(kind: str, payload: object) -> DropdownSelected | None:
    if not isinstance(payload, rt.DropdownBoxSelected):
        return None
    return DropdownSelected(
        selectbox_id=payload.selectbox_id,
        message_id=payload.message_id,
        channel_id=payload.channel_id,
        user_id=payload.user_id,
        values=tuple(payload.values),
        sender_id=payload.sender_id,
    )


def _quick_menu(kind: str, payload: object) -> QuickMenuAction | None:
    if not isinstance(payload, rt.QuickMenuDataEvent):
        return None
    message = payload.message or rt.ChannelMessageSend()
    return QuickMenuAction(
        menu_name=payload.menu_name,
        user_id=payload.sender_id,
        clan_id=message.clan_id,
        channel_id=message.channel_id,
        mode=ChannelStreamMode(message.mode or ChannelStreamMode.STREAM_MODE_CHANNEL),
        is_public=message.is_public,
        topic_id=message.topic_id,
        content=message.content,
        message_sender_id=payload.message_sender_id,
    )


def _tokens(kind: str, payload: object) -> TokensReceived | None:
    if not isinstance(payload, api.TokenSentEvent):
        return None
    return TokensReceived(
        sender_id=payload.sender_id,
        receiver_id=payload.receiver_id,
        amount=payload.amount,
        sender_name=payload.sender_name,
        note=payload.note,
        extra_attribute=payload.extra_attribute,
        transaction_id=payload.transaction_id,
    )


def _coffee(kind: str, payload: object) -> CoffeeGiven | None:
    if not isinstance(payload, api.GiveCoffeeEvent):
        return None
    return CoffeeGiven(
        sender_id=payload.sender_id,
        receiver_id=payload.receiver_id,
        token_count=payload.token_count,
        message_id=payload.message_ref_id,
        channel_id=payload.channel_id,
        clan_id=payload.clan_id,
    )


register(ButtonClicked, "message_button_clicked", _button)
register(FormSubmitted, "message_button_clicked", _form)
register(DropdownSelected, "dropdown_box_selected", _dropdown)
register(QuickMenuAction, "quick_menu_event", _quick_menu)
register(TokensReceived, "token_sent_event", _tokens)
register(CoffeeGiven, "give_coffee_event", _coffee)
