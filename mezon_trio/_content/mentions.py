"""User and role mentions (docs/protocol.md §6.3).

Mentions travel beside the content JSON, in the ``mentions`` field of a send or an edit, not
inside it.  :class:`Mention` is the one mention type: the builders take it, received messages
give it, send methods accept it (re-exported by :mod:`mezon_trio.models`).  Its conversions to
the wire message are in :mod:`mezon_trio._models.proto`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from ..errors import ContentError
from .utf16 import py_index
from .wire import check_id, check_int32

__all__ = ["Mention"]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """A user or role mention: ``text[s:e]`` (UTF-16 offsets) is ``@username`` / ``@rolename``.

    A user mention sets ``user_id``/``username``; a role mention ``role_id``/``rolename``.
    ``@here`` is not a mention but the message's ``mention_everyone`` flag.  ``id`` and
    ``create_time_seconds`` are filled by the server on received mentions.

    Raises:
        ContentError: an id is not a non-negative int64, or ``s``/``e`` is not a valid int32
            range (``0 <= s <= e``).
    """

    user_id: int = 0
    username: str = ""
    role_id: int = 0
    rolename: str = ""
    s: int = 0
    e: int = 0
    id: int = 0
    create_time_seconds: int = 0

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
        """The part of *text* this mention covers (``"@alice"``).

        Raises:
            ValueError: the range does not lie on code-point boundaries of *text*.
        """
        return text[py_index(text, self.s) : py_index(text, self.e)]
