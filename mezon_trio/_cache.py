"""Bounded in-memory caches owned by one client (STYLE.md §1: never touches disk).

:class:`Cache` is the official SDK's ``CacheManager`` made safe for long-running
bots: it holds at most ``max_size`` entries (least recently used evicted first),
``get`` never does I/O, and ``fetch`` goes to the server on a miss, with
concurrent fetches of one key sharing a single call.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar, final

import trio

from ._protocol.ids import INT64_MAX, as_id
from .errors import ConfigurationError

__all__ = ["Cache", "CacheStatistics"]

K = TypeVar("K")
V = TypeVar("V")
R = TypeVar("R")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class CacheStatistics:
    """Counters of one cache since it was created."""

    size: int
    max_size: int
    hits: int
    misses: int
    fetches: int
    """Calls made to the fetcher (concurrent fetches of one key count once)."""
    evictions: int


class _Pending(Generic[V]):
    __slots__ = ("done", "error", "has_value", "value")

    def __init__(self) -> None:
        self.done = trio.Event()
        self.has_value = False
        self.value: V | None = None
        self.error: Exception | None = None


@final
class Cache(Generic[K, V]):
    """A bounded LRU cache with an optional async fetcher.

    Args:
        fetcher: ``await fetcher(key)`` loads a missing value from the server;
            None makes :meth:`fetch` raise ``KeyError`` on a miss.
        max_size: the most entries kept; the least recently used go first.
        name: shown in reprs and errors.
        id_keys: the keys are Mezon ids: lookups also take a decimal ``str`` (as the
            official SDKs pass ids) and refuse anything else with ``InvalidId`` naming
            this parameter name (e.g. ``"channel_id"``).

    Raises:
        ConfigurationError: ``max_size < 1``.
    """

    __slots__ = (
        "_data",
        "_evictions",
        "_fetcher",
        "_fetches",
        "_hits",
        "_id_keys",
        "_max",
        "_misses",
        "_name",
        "_pending",
    )

    def __init__(
        self,
        fetcher: Callable[[K], Awaitable[V]] | None = None,
        *,
        max_size: int = 10_000,
        name: str = "cache",
        id_keys: str | None = None,
    ) -> None:
        if max_size < 1:
            raise ConfigurationError(f"{name}: max_size must be >= 1")
        self._fetcher = fetcher
        self._max = max_size
        self._name = name
        self._id_keys = id_keys
        self._data: OrderedDict[K, V] = OrderedDict()
        self._pending: dict[K, _Pending[V]] = {}
        self._hits = self._misses = self._fetches = self._evictions = 0

    def __repr__(self) -> str:
        return f"<Cache {self._name} size={len(self._data)}/{self._max}>"

    # ------------------------------------------------------------------ sync access (no I/O)

    def _key(self, key: object) -> K:
        if self._id_keys is not None and not (type(key) is int and 0 <= key <= INT64_MAX):
            key = as_id(key, self._id_keys)
        return key  # type: ignore[return-value]

    def get(self, key: K | str) -> V | None:
        """The cached value, or None (never does I/O; marks the entry recently used)."""
        key = self._key(key)
        data = self._data
        value = data.get(key)
        if value is None:
            self._misses += 1
            return None
        self._hits += 1
        data.move_to_end(key)
        return value

    def peek(self, key: K | str) -> V | None:
        """Like :meth:`get` without touching the LRU order or the counters."""
        return self._data.get(self._key(key))

    def set(self, key: K, value: V) -> V:
        """Store *value* (evicting the least recently used entry when full) and return it."""
        data = self._data
        data[key] = value
        data.move_to_end(key)
        if len(data) > self._max:
            data.popitem(last=False)
            self._evictions += 1
        return value

    def delete(self, key: K | str) -> V | None:
        """Remove *key*; return the value it had (None if absent)."""
        return self._data.pop(self._key(key), None)

    def clear(self) -> None:
        """Remove every entry (fetches in flight still store their result)."""
        self._data.clear()

    def has(self, key: K | str) -> bool:
        """Whether *key* is cached (no I/O, no LRU change)."""
        return self._key(key) in self._data

    __contains__ = has

    @property
    def size(self) -> int:
        """Number of entries."""
        return len(self._data)

    @property
    def max_size(self) -> int:
        """The most entries kept."""
        return self._max

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[K]:
        return iter(list(self._data))

    def keys(self) -> list[K]:
        """A snapshot of the keys, least recently used first."""
        return list(self._data)

    def values(self) -> list[V]:
        """A snapshot of the values, least recently used first."""
        return list(self._data.values())

    def items(self) -> list[tuple[K, V]]:
        """A snapshot of the (key, value) pairs, least recently used first."""
        return list(self._data.items())

    def first(self) -> V | None:
        """The least recently used value, or None when empty."""
        for value in self._data.values():
            return value
        return None

    def filter(self, predicate: Callable[[V], bool]) -> list[V]:
        """Values for which *predicate* is true."""
        return [v for v in self._data.values() if predicate(v)]

    def map(self, fn: Callable[[V], R]) -> list[R]:
        """``fn(value)`` for every value."""
        return [fn(v) for v in self._data.values()]

    def statistics(self) -> CacheStatistics:
        """A snapshot of the counters."""
        return CacheStatistics(
            size=len(self._data),
            max_size=self._max,
            hits=self._hits,
            misses=self._misses,
            fetches=self._fetches,
            evictions=self._evictions,
        )

    # ------------------------------------------------------------------ fetch

    async def fetch(self, key: K | str) -> V:
        """The cached value, or load it with the fetcher and cache it.

        Concurrent calls for one key share a single fetcher call: the first
        caller runs it, the others wait for its result (or its exception).

        Cancellation: cancelling the caller that runs the fetcher abandons that
        call; a caller still waiting then runs the fetcher itself.  Cancelling a
        waiting caller affects nobody else.

        Raises:
            KeyError: a miss and no fetcher.
            Whatever the fetcher raises (e.g. ``NotFound``), to every caller
            waiting on that fetch.
        """
        key = self._key(key)
        value = self.get(key)
        if value is not None:
            return value
        fetcher = self._fetcher
        if fetcher is None:
            raise KeyError(f"{self._name}: {key!r} is not cached")
        while True:
            pending = self._pending.get(key)
            if pending is None:
                break
            await pending.done.wait()
            if pending.has_value:
                assert pending.value is not None
                return pending.value
            if pending.error is not None:
                raise pending.error
            # The fetching caller was cancelled: fetch ourselves (unless another waiter did).
            value = self._data.get(key)
            if value is not None:
                return value
        pending = _Pending[V]()
        self._pending[key] = pending
        self._fetches += 1
        try:
            value = await fetcher(key)
        except Exception as exc:
            pending.error = exc
            raise
        else:
            self.set(key, value)
            pending.value = value
            pending.has_value = True
            return value
        finally:
            del self._pending[key]
            pending.done.set()
