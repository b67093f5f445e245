"""``cid`` allocation and the table of requests waiting for a reply (docs/protocol.md §3.3).

Sans-I/O: the table stores whatever waiter object the transport gives it (the
gateway stores a small one-shot waiter that parks the requesting task).  The transport MUST
call :meth:`Correlator.release` in a ``finally`` block, so a cancelled or timed
out request never leaves an entry behind that would swallow a later reply (the
aiomqtt bug STYLE.md §2 cites).

cids run 1..65535 and wrap back to 1, skipping values still pending, so every
cid fits the 16-bit cid field of raw 0xFF frames (§3.5, §11 #16).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final, Generic, TypeVar

from ..errors import MezonInternalError

__all__ = ["MAX_CID", "Correlator"]

MAX_CID: Final = 0xFFFF

W = TypeVar("W")


class Correlator(Generic[W]):
    """Allocates cids and maps pending cids to their waiters."""

    __slots__ = ("_last", "_pending")

    def __init__(self) -> None:
        self._last = 0
        self._pending: dict[int, W] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, cid: object) -> bool:
        return cid in self._pending

    @property
    def last_cid(self) -> int:
        """The most recently allocated cid (0 before the first)."""
        return self._last

    def register(self, waiter: W) -> int:
        """Allocate the next free cid and remember *waiter* under it.

        Raises:
            MezonInternalError: all 65535 cids are pending at once.
        """
        if len(self._pending) >= MAX_CID:
            raise MezonInternalError("65535 requests pending on one socket")
        cid = self._last
        while True:
            cid = cid + 1 if cid < MAX_CID else 1
            if cid not in self._pending:
                break
        self._last = cid
        self._pending[cid] = waiter
        return cid

    def get(self, cid: int) -> W | None:
        """The waiter for *cid*, left in the table (the requester releases it)."""
        return self._pending.get(cid)

    def release(self, cid: int) -> None:
        """Forget *cid* (idempotent); call from the requester's ``finally``."""
        self._pending.pop(cid, None)

    def waiters(self) -> Iterator[tuple[int, W]]:
        """Snapshot of the pending ``(cid, waiter)`` pairs, oldest first."""
        return iter(list(self._pending.items()))
