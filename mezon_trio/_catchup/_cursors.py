"""Where a bot keeps, per channel, the id of the last message it delivered.

:class:`CursorStore` is the whole interface a backend needs (load everything,
save a batch, close), so Redis or PostgreSQL can sit behind it later.  Saves
come in batches (see ``CatchUpConfig.flush_interval``): a store only has to make
each batch durable as a whole, and keep the larger id when asked to save a
smaller one (``save`` may race with nothing, but a cursor must never go back).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, final, runtime_checkable

__all__ = ["Cursor", "CursorStore", "MemoryCursorStore"]


@final
@dataclass(frozen=True, slots=True)
class Cursor:
    """The last message delivered in one channel."""

    channel_id: int
    clan_id: int
    message_id: int


@runtime_checkable
class CursorStore(Protocol):
    """Persistent per-channel cursors (opt-in; ``MezonClient(cursor_store=...)``)."""

    async def load(self) -> Sequence[Cursor]:
        """Every saved cursor (called once, before the first connect)."""
        ...

    async def save(self, cursors: Sequence[Cursor]) -> None:
        """Make this batch durable; per channel keep the largest ``message_id`` ever saved."""
        ...

    async def aclose(self) -> None:
        """Release the backend (called once, after the last save)."""
        ...


@final
class MemoryCursorStore:
    """A :class:`CursorStore` in a dict: survives reconnects, not restarts (tests, or sharing
    between two clients run one after the other in the same process)."""

    def __init__(self) -> None:
        self._cursors: dict[int, Cursor] = {}
        self.saves = 0

    async def load(self) -> Sequence[Cursor]:
        return list(self._cursors.values())

    async def save(self, cursors: Sequence[Cursor]) -> None:
        self.saves += 1
        for cursor in cursors:
            old = self._cursors.get(cursor.channel_id)
            if old is None or old.message_id < cursor.message_id:
                self._cursors[cursor.channel_id] = cursor

    async def aclose(self) -> None:
        return None
