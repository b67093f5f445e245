"""Per-client token buckets for outgoing WebSocket frames and API calls (docs/protocol.md §10.1).

Each :class:`MezonClient` owns its own buckets (never process-wide, §11 #13).
Waiters are served first come, first served.  Time is ``trio.current_time()``,
so ``autojump_clock`` tests run instantly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import trio

__all__ = ["RateLimiterStatistics", "TokenBucket"]

# Float rounding can leave a refilled bucket at 0.9999999999; sleeping for the
# remaining 1e-16 s would then not advance the clock at all.
_ONE = 1.0 - 1e-9


@dataclass(frozen=True, slots=True)
class RateLimiterStatistics:
    """Counters of one bucket."""

    rate: float
    burst: float
    tokens: float
    acquired: int
    forced: int
    waited: int
    waiters: int


class TokenBucket:
    """Token bucket: *rate* tokens per second, holding at most *burst* tokens.

    ``rate=math.inf`` disables limiting.
    """

    __slots__ = (
        "_acquired",
        "_burst",
        "_forced",
        "_lock",
        "_rate",
        "_stamp",
        "_tokens",
        "_waited",
        "_waiters",
    )

    def __init__(self, rate: float, burst: float = 1.0) -> None:
        if not rate > 0:
            raise ValueError(f"rate must be positive, got {rate!r}")
        if not burst >= 1:
            raise ValueError(f"burst must be at least 1, got {burst!r}")
        self._rate = float(rate)
        self._burst = float(burst)
        self._tokens = float(burst)
        self._stamp: float | None = None
        self._lock = trio.Lock()
        self._acquired = 0
        self._forced = 0
        self._waited = 0
        self._waiters = 0

    @property
    def unlimited(self) -> bool:
        """True when the bucket never makes anyone wait."""
        return math.isinf(self._rate)

    def _refill(self) -> float:
        now = trio.current_time()
        if self._stamp is not None:
            self._tokens = min(self._burst, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now
        return now

    async def acquire(self) -> None:
        """Wait for one token, then take it.

        Cancellation takes no token.
        """
        if self.unlimited:
            self._acquired += 1
            await trio.lowlevel.checkpoint()
            return
        self._waiters += 1
        try:
            async with self._lock:
                self._refill()
                if self._tokens < _ONE:
                    self._waited += 1
                    while self._tokens < _ONE:
                        await trio.sleep((1.0 - self._tokens) / self._rate)
                        self._refill()
                self._tokens -= 1.0
                self._acquired += 1
        finally:
            self._waiters -= 1

    def try_acquire(self) -> bool:
        """Take a token if one is free and nobody waits for one; never blocks, never checkpoints."""
        if self.unlimited:
            self._acquired += 1
            return True
        if self._waiters:
            return False
        self._refill()
        if self._tokens < _ONE:
            return False
        self._tokens -= 1.0
        self._acquired += 1
        return True

    def force(self) -> None:
        """Take a token without waiting, going into debt if necessary.

        Used for heartbeats: they count against the server's budget but are
        never queued behind user traffic (§10.1).
        """
        self._forced += 1
        if self.unlimited:
            return
        self._refill()
        self._tokens -= 1.0

    def statistics(self) -> RateLimiterStatistics:
        """A snapshot of the counters."""
        if not self.unlimited and self._stamp is not None:
            self._refill()
        return RateLimiterStatistics(
            rate=self._rate,
            burst=self._burst,
            tokens=self._tokens,
            acquired=self._acquired,
            forced=self._forced,
            waited=self._waited,
            waiters=self._waiters,
        )
