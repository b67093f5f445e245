"""Lagging message subscribers lose nothing: record the gap, refill it from history.

A message subscription with a :class:`GapRefill` never overflows.  When a message
arrives and the subscriber's buffer is full, the refill records the message's id
(8 bytes, in an ``array``) instead of the message, and from then on records every
later message of that channel too, so the channel's order is kept.  When the
subscriber has drained its buffer to half, its own next receive fetches the oldest
recorded ids from history (``ListChannelMessages``, paged backwards from just above
the ids wanted) and puts those messages in its buffer, oldest first, marked
``caught_up``; once a channel's recorded ids are all delivered, its messages are
buffered normally again.

Memory stays bounded by the buffer plus one page plus 8 bytes per recorded id
(``max_recorded`` ids per subscription; beyond that the oldest gap of the channel is
given up, logged and counted).  The fetch runs in the consumer's task: a slow
consumer pays for its own lag, nothing runs in the background, and cancelling the
receive loses nothing (the ids stay recorded until their messages are buffered).

Pushes with no history of their own (edits, removals, ephemeral messages) are kept
as they are in the channel's record, in their place (they are rare; they count
against ``max_recorded`` like ids).  A refetched message carries its current (edited)
content; a deleted one is not refetched (counted in ``missing``).  Only items that
are not chat messages at all are dropped when the buffer is full (``unrecoverable``).

The hub calls this through two hooks: :meth:`GapRefill.offer` in ``publish`` (for
every item that passed the subscription's filter) and :meth:`GapRefill.fetch` in the
subscription's ``receive`` when :meth:`GapRefill.wants_fetch` says so.
"""

from __future__ import annotations

import logging
from array import array
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final, Generic, Protocol, TypeVar, final

import trio

from .._proto.mezon import api
from ..errors import MezonError
from ._budget import RateBudget
from ._history import PAGE_MAX, HistorySource, fetch_older, in_history

__all__ = ["GapRefill", "RefillHook", "RefillStatistics"]

log = logging.getLogger("mezon_trio.catchup")

T = TypeVar("T")

#: History pages read per fetch looking for the ids wanted (other messages may sit between them).
_MAX_PAGES_PER_FETCH: Final = 4


class RefillHook(Protocol):
    """What a subscription buffer calls (``mezon_trio._streams``); :class:`GapRefill` is one."""

    def offer(self, item: Any, *, room: bool) -> bool:
        """In ``publish``, for an item that passed the filter: True when taken (do not buffer it)."""
        ...

    def wants_fetch(self, buffered: int) -> bool:
        """In ``receive``, before taking an item from a buffer holding *buffered* items."""
        ...

    async def fetch(self, room: int) -> list[Any]:
        """In ``receive`` when :meth:`wants_fetch`: items to append to the buffer (at most *room*)."""
        ...


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RefillStatistics:
    recorded: int
    pending: int
    refilled: int
    missing: int
    unrecoverable: int
    given_up: int
    fetches: int
    fetch_failures: int


_KEPT: Final = 0  # in a gap's ids: the next kept item (message ids are never 0 in the history)


class _Gap(Generic[T]):
    __slots__ = ("clan_id", "ids", "kept", "start")

    def __init__(self, clan_id: int) -> None:
        self.clan_id = clan_id
        self.ids = array("Q")  # message ids to refetch, or _KEPT
        self.kept: deque[T] = deque()  # items kept as they are (no history of their own)
        self.start = 0  # ids[:start] are done (compacted now and then)

    def __len__(self) -> int:
        return len(self.ids) - self.start

    def head_kept(self) -> bool:
        return self.ids[self.start] == _KEPT

    def take(self, n: int) -> list[int]:
        """The leading message ids (up to *n*, stopping at a kept item)."""
        out: list[int] = []
        for message_id in self.ids[self.start : self.start + n]:
            if message_id == _KEPT:
                break
            out.append(message_id)
        return out

    def consume(self, n: int) -> None:
        self.start += n
        if self.start > 4096 and self.start * 2 > len(self.ids):
            del self.ids[: self.start]
            self.start = 0


@final
class GapRefill(Generic[T]):
    """The gap record and history refill of one message subscription.

    Args:
        source: calls ``ListChannelMessages`` (``MezonClient``).
        budget: history-call budget (share the client's).
        raw_of: the ``api.ChannelMessage`` inside an item (None for items that are not messages).
        make: builds the item delivered for a refetched message (marked caught up).
        capacity: the subscription's buffer size (a fetch starts when the buffer is at half).
        max_recorded: ids recorded at most; beyond, a channel's oldest gap is given up (logged).
        keep: the subscription's filter, applied to refetched items too (None: all).
        retry_delay: seconds a fetch waits after a failed history call before returning
            nothing (so a receive loop retrying at once does not hammer the server).
    """

    def __init__(
        self,
        source: HistorySource,
        budget: RateBudget,
        *,
        raw_of: Callable[[T], api.ChannelMessage | None],
        make: Callable[[api.ChannelMessage], T],
        capacity: int,
        max_recorded: int = 100_000,
        keep: Callable[[T], bool] | None = None,
        retry_delay: float = 1.0,
    ) -> None:
        self._source = source
        self._budget = budget
        self._raw_of = raw_of
        self._make = make
        self._low_water = capacity // 2
        self._max_recorded = max_recorded
        self._keep = keep
        self._retry_delay = retry_delay
        self._gaps: dict[int, _Gap[T]] = {}  # channel id -> gap, oldest gap first
        self._pending = 0
        self._recorded = 0
        self._refilled = 0
        self._missing = 0
        self._unrecoverable = 0
        self._given_up = 0
        self._fetches = 0
        self._fetch_failures = 0

    # ------------------------------------------------------------------ publisher side

    def offer(self, item: T, *, room: bool) -> bool:
        """Called by ``publish`` for an item that passed the filter.  True: the refill took it
        (recorded, or dropped and counted) and the hub must not buffer it; False: buffer it
        (*room* is whether the buffer has space)."""
        raw = self._raw_of(item)
        if raw is None:
            if room:
                return False
            self._unrecoverable += 1
            return True
        if room and raw.channel_id not in self._gaps:
            return False
        if self._pending >= self._max_recorded:
            self._give_up_oldest()
        gap = self._gaps.get(raw.channel_id)
        if gap is None:
            gap = self._gaps[raw.channel_id] = _Gap(raw.clan_id)
            log.info(
                "subscriber behind: recording channel %d from message %d", raw.channel_id, raw.message_id
            )
        if in_history(raw):
            gap.ids.append(raw.message_id)
            self._recorded += 1
        else:
            gap.ids.append(_KEPT)
            gap.kept.append(item)
        self._pending += 1
        return True

    def _give_up_oldest(self) -> None:
        channel_id, gap = next(iter(self._gaps.items()))
        lost = len(gap)
        del self._gaps[channel_id]
        self._pending -= lost
        self._given_up += lost
        log.warning(
            "subscriber too far behind: %d messages of channel %d not delivered (max_recorded=%d)",
            lost,
            channel_id,
            self._max_recorded,
        )

    # ------------------------------------------------------------------ consumer side

    @property
    def pending(self) -> int:
        """Recorded ids not yet refilled."""
        return self._pending

    def wants_fetch(self, buffered: int) -> bool:
        """Whether the consumer should :meth:`fetch` before taking from a buffer of *buffered* items."""
        return self._pending > 0 and buffered <= self._low_water

    async def fetch(self, room: int) -> list[T]:
        """Refetch up to *room* (at most one page) of the oldest recorded messages of the channel
        recorded first; return their items, oldest first, to append to the buffer.

        Called by the consumer's receive; if cancelled, nothing is lost.  A failed history
        call is logged and counted, and returns nothing after ``retry_delay`` (the next
        receive tries again); messages no longer in the history (deleted) are counted in
        ``missing``.
        """
        if not self._gaps or room < 1:
            return []
        channel_id, gap = next(iter(self._gaps.items()))
        if gap.head_kept():  # kept items first, as they came: no history call
            kept: list[T] = []
            while len(gap) and gap.head_kept() and len(kept) < room:
                kept.append(gap.kept.popleft())
                gap.consume(1)
            self._settle(channel_id, gap, len(kept))
            await trio.lowlevel.cancel_shielded_checkpoint()  # they are taken: a cancel must not lose them
            return kept
        wanted = gap.take(min(room, PAGE_MAX))
        want = set(wanted)
        oldest = wanted[0]
        found: dict[int, api.ChannelMessage] = {}
        before = max(wanted) + 1
        self._fetches += 1
        try:
            for _ in range(_MAX_PAGES_PER_FETCH):
                page = await fetch_older(
                    self._source, self._budget, clan_id=gap.clan_id, channel_id=channel_id, before=before
                )
                for message in page:
                    if message.message_id in want:
                        found[message.message_id] = message
                if len(page) < PAGE_MAX or len(found) == len(want):
                    break
                before = min(m.message_id for m in page)
                if before <= oldest:
                    break
        except MezonError as exc:
            self._fetch_failures += 1
            log.warning("could not refill channel %d from history: %s", channel_id, exc)
            await trio.sleep(self._retry_delay)
            return []
        # Synchronous from here on: the ids leave the record exactly when their items are returned.
        if self._gaps.get(channel_id) is not gap:  # given up meanwhile
            return []
        gap.consume(len(wanted))
        self._settle(channel_id, gap, len(wanted))
        items: list[T] = []
        keep = self._keep
        for message_id in wanted:
            raw = found.get(message_id)
            if raw is None:
                self._missing += 1
                continue
            item = self._make(raw)
            if keep is not None and not keep(item):
                continue
            items.append(item)
        self._refilled += len(items)
        return items

    def _settle(self, channel_id: int, gap: _Gap[T], done: int) -> None:
        self._pending -= done
        if not len(gap):
            del self._gaps[channel_id]

    def statistics(self) -> RefillStatistics:
        return RefillStatistics(
            recorded=self._recorded,
            pending=self._pending,
            refilled=self._refilled,
            missing=self._missing,
            unrecoverable=self._unrecoverable,
            given_up=self._given_up,
            fetches=self._fetches,
            fetch_failures=self._fetch_failures,
        )
