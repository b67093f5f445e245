"""Snowflake ids with the production layout (docs/protocol.md §10.4).

``(ms since 2020-01-01 UTC) << 22 | datacenter << 17 | worker << 12 | sequence``.
The one generator of the project: clients draw ids (quick-menu entries) as
datacenter ``1``, worker ``1``, like the official SDKs; the sandbox uses its own
numbers (``2``/``3``) so its ids never collide with ids a client generates.  Ids
are strictly increasing even when thousands are drawn in one millisecond (the
clock is advanced logically).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

__all__ = ["EPOCH_MS", "SnowflakeGenerator"]

EPOCH_MS: Final = 1577836800000
_SEQ_BITS: Final = 12
_SEQ_MASK: Final = (1 << _SEQ_BITS) - 1


class SnowflakeGenerator:
    """Strictly increasing snowflake ids (not thread-safe; one trio thread)."""

    def __init__(
        self, *, datacenter: int = 1, worker: int = 1, clock: Callable[[], float] = time.time
    ) -> None:
        if not (0 <= datacenter < 32 and 0 <= worker < 32):
            raise ValueError("datacenter and worker must be in 0..31")
        self._node = (datacenter << 17) | (worker << 12)
        self._clock = clock
        self._last_ms = 0
        self._seq = 0

    def next(self) -> int:
        """Return a fresh id, larger than every id returned before."""
        now_ms = int(self._clock() * 1000) - EPOCH_MS
        if now_ms > self._last_ms:
            self._last_ms = now_ms
            self._seq = 0
        else:
            self._seq += 1
            if self._seq > _SEQ_MASK:
                self._last_ms += 1
                self._seq = 0
        return (self._last_ms << 22) | self._node | self._seq

    def __call__(self) -> int:
        return self.next()
