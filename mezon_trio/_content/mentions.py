"""User and role mentions (``api.MessageMention``, docs/protocol.md §6.3).

Mentions travel beside the content JSON, in the ``mentions`` field of
``ChannelMessageSend``/``ChannelMessageUpdate``, not inside it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Self, final

from .._proto.mezon import api
from ..errors import ContentError
from .utf16 import py_index
from .wire import check_id, check_int32

__all__ = ["Mention"]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """One mention: ``t[s:e]`` (UTF-16 offsets) is ``@username`` or ``@rolename``.

    A user mention sets ``user_id``/``username``; a role mention sets
    ``role_id``/``rolename``. ``@here``/everyone is not a mention but the
    message's ``mention_everyone`` flag.

    Raises:
        ContentError: an id is not a non-negative int64, or ``s``/``e`` is not a
            valid int32 range (``0 <= s <= e``).
    """

    user_id: int = 0
    username: str = ""
    role_id: int = 0
    rolename: str = ""
    s: int = 0
    e: int = 0

    def __post_init__(self) -> None:
        check_id(self.user_id, "user_id")
        check_id(self.role_id, "role_id")
        check_int32(self.s, "s")
        check_int32(self.e, "e")
        if not 0 <= self.s <= self.e:
            raise ContentError(f"mention range s={self.s} e={self.e} is not 0 <= s <= e")

    @property
    def is_role(self) -> bool:
        """True for a role mention."""
        return self.role_id != 0 and self.user_id == 0

    def slice(self, text: str) -> str:
        """Return the part of ``text`` this mention covers (``"@alice"``).

        Raises:
            ValueError: the range does not lie on code-point boundaries of ``text``.
        """
        return text[py_index(text, self.s) : py_index(text, self.e)]

    def to_proto(self) -> api.MessageMention:
        """Convert to the generated ``mezon.api.MessageMention``."""
        return api.MessageMention(
            user_id=self.user_id,
            username=self.username,
            role_id=self.role_id,
            rolename=self.rolename,
            s=self.s,
            e=self.e,
        )

    @classmethod
    def from_proto(cls, message: api.MessageMention) -> Self:
        """Build from a received ``mezon.api.MessageMention`` (``id`` and time are dropped).

        Raises:
            ContentError: the message holds an out-of-range value (a negative id or
                ``e < s``).
        """
        return cls(
            user_id=message.user_id,
            username=message.username,
            role_id=message.role_id,
            rolename=message.rolename,
            s=message.s,
            e=message.e,
        )
