"""A rate budget for history calls: bounded concurrency, and a pause when the server says 429.

The client's API token bucket already spaces calls out; this budget bounds how many
history calls run at once (so a reconnect with hundreds of watched channels never
becomes a REST storm) and makes every caller wait out a ``Retry-After`` the server
sent to any of them.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar, final

import trio

from ..errors import ConfigurationError, RateLimited

__all__ = ["BudgetStatistics", "RateBudget"]

log = logging.getLogger("mezon_trio.catchup")

T = TypeVar("T")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class BudgetStatistics:
    calls: int
    in_flight: int
    rate_limited: int
    waited: float


@final
class RateBudget:
    """Runs calls with at most *concurrency* in flight; a ``RateLimited`` answer pauses all of them.

    A call refused with 429 is retried after the server's ``Retry-After`` (or a
    jittered backoff when it gave none), at most *max_attempts* times in all.

    Args:
        concurrency: history calls in flight at once.
        max_attempts: tries per call (the last ``RateLimited`` is raised).
        backoff: seconds to wait after a 429 without ``Retry-After`` or with ``Retry-After: 0``
            (doubled per try, jittered).
        max_wait: longest single pause honoured; a longer ``Retry-After`` is raised at once.
    """

    def __init__(
        self, *, concurrency: int = 2, max_attempts: int = 5, backoff: float = 1.0, max_wait: float = 120.0
    ) -> None:
        if concurrency < 1 or max_attempts < 1 or backoff < 0 or max_wait < 0:
            raise ConfigurationError("RateBudget needs concurrency >= 1, max_attempts >= 1, delays >= 0")
        self._limiter = trio.CapacityLimiter(concurrency)
        self._max_attempts = max_attempts
        self._backoff = backoff
        self._max_wait = max_wait
        self._open_at = 0.0  # trio time before which no call starts
        self._calls = 0
        self._rate_limited = 0
        self._waited = 0.0

    async def call(self, fn: Callable[[], Awaitable[T]]) -> T:
        """Run ``await fn()`` within the budget.

        Raises:
            RateLimited: still refused after *max_attempts*, or asked to wait longer than *max_wait*.
            Whatever *fn* raises otherwise.
        """
        attempt = 0
        async with self._limiter:
            while True:
                attempt += 1
                delay = self._open_at - trio.current_time()
                if delay > 0:
                    self._waited += delay
                    await trio.sleep(delay)
                self._calls += 1
                try:
                    return await fn()
                except RateLimited as exc:
                    self._rate_limited += 1
                    wait = exc.retry_after
                    if not wait:  # none given, or "0": back off anyway, or a storm of retries follows
                        wait = random.uniform(0.5, 1.0) * self._backoff * 2 ** (attempt - 1)
                    if attempt >= self._max_attempts or wait > self._max_wait:
                        raise
                    log.info("history call rate limited; pausing history calls for %.2f s", wait)
                    self._open_at = max(self._open_at, trio.current_time() + wait)

    def statistics(self) -> BudgetStatistics:
        return BudgetStatistics(
            calls=self._calls,
            in_flight=self._limiter.borrowed_tokens,
            rate_limited=self._rate_limited,
            waited=self._waited,
        )
