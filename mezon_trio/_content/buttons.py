"""Buttons: the official SDK's ``ButtonBuilder`` (docs/protocol.md §6.6).

The content's ``components`` key holds *action rows*, ``{"components": [...]}``.
As in ``mezon-sdk`` 1.8.3, :meth:`ButtonBuilder.build` returns the list of button
components of one row, so the official idiom
``components=[{"components": builder.build()}]`` keeps working;
:meth:`ButtonBuilder.build_row` returns the whole row, and
``Content(components=[builder])`` accepts the builder itself as one row.
"""

from __future__ import annotations

import copy
from typing import Self, final

from .enums import ButtonMessageStyle, MessageComponentType
from .shapes import ActionRowDict, ButtonDict, ComponentDict

__all__ = ["ButtonBuilder"]


@final
class ButtonBuilder:
    """Build one action row of buttons.

    Example:
        >>> ButtonBuilder().add_button("yes", "Yes", ButtonMessageStyle.SUCCESS).build_row()
        {'components': [{'id': 'yes', 'type': 1, 'component': {'label': 'Yes', 'style': 3}}]}

    Clicks come back as ``message_button_clicked`` events carrying the button id.
    """

    __slots__ = ("_components",)

    def __init__(self) -> None:
        self._components: list[ComponentDict] = []

    def add_button(
        self,
        component_id: str,
        label: str,
        style: ButtonMessageStyle | int = ButtonMessageStyle.PRIMARY,
        url: str | None = None,
        disabled: bool = False,
    ) -> Self:
        """Add a button.

        Args:
            component_id: the id reported back when the button is clicked.
            label: the text on the button.
            style: 1 primary .. 5 link (:class:`ButtonMessageStyle`).
            url: the target of a link-style button.
            disabled: written as the wire key ``disable`` (not ``disabled``).

        Raises:
            ValueError: ``style`` is not one of the five styles.
        """
        style = ButtonMessageStyle(style)
        button: ButtonDict = {"label": label, "style": int(style)}
        if url:
            button["url"] = url
        if disabled:
            button["disable"] = True
        self._components.append(
            {"id": str(component_id), "type": int(MessageComponentType.BUTTON), "component": button}
        )
        return self

    def build(self) -> list[ComponentDict]:
        """Return the button components of the row (a new list, as the official SDK's ``build``)."""
        return copy.deepcopy(self._components)

    def build_row(self) -> ActionRowDict:
        """Return the action row ``{"components": [...]}``."""
        return {"components": self.build()}

    def to_dict(self) -> ActionRowDict:
        """Same as :meth:`build_row` (lets ``Content(components=[builder])`` take the builder)."""
        return self.build_row()

    def clear(self) -> Self:
        """Remove every button."""
        self._components = []
        return self

    def __len__(self) -> int:
        return len(self._components)

    def __repr__(self) -> str:
        return f"ButtonBuilder({self._components!r})"
