"""The catch-up engine: deliver, after a reconnect or a restart, the messages a bot missed.

Mezon has no resume: a message posted while the bot's socket is down is never pushed
to it.  The engine keeps, for each watched channel (bounded, least recently active
forgotten first), the id of the last message it delivered.  When the socket drops,
every watched channel becomes *stale*: live pushes for it are held back (bounded).
After the next connect (once the channels are joined again, so nothing falls between
history and live pushes) :meth:`CatchUp.catch_up` pages ``ListChannelMessages``
backwards from the newest message down to that id, delivers the missed messages
oldest first marked ``caught_up``, then releases the held pushes.  Messages are
de-duplicated per channel, so one that arrives both live and from history is
delivered once: a channel remembers the ids it delivered only while it catches up
and for its next ``dedup_window`` live messages (a push racing the history page
that also held it); a channel that never fell behind remembers none (repeated
pushes outside a catch-up are the inbound path's replay window's).  Past
``max_pages`` pages the engine stops, delivers the newest pages, and logs and counts
the gap (channel and ids).

Delivery is a synchronous callback (the client's hub never blocks), so a channel's
missed messages, then its held pushes, reach the streams in one step, in order.

Guarantees, per channel: messages are delivered in id order, each at most once per
process; with a :class:`CursorStore` also across restarts, except that a crash
(``kill -9``) loses the cursors written since the last batch (``flush_interval``),
so those messages are delivered again after the restart: at-least-once across
crashes, exactly-once otherwise.  A cursor moves when its message is handed to the
streams, not when a consumer has processed it: messages still buffered in a
subscription when the process is killed are not delivered again once their cursor is
written (keep buffers small, or acknowledge in the store yourself, for stricter needs).
Edits and deletions made while disconnected are not in the history and are not
replayed (the history holds the edited text).
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, final

import trio

from .._proto.mezon import api
from ..errors import ConfigurationError, Forbidden, MezonError, NotFound
from ._budget import BudgetStatistics, RateBudget
from ._cursors import Cursor, CursorStore
from ._history import PAGE_MAX, HistorySource, fetch_older, in_history

__all__ = ["CatchUp", "CatchUpConfig", "CatchUpStatistics", "Deliver"]

log = logging.getLogger("mezon_trio.catchup")

#: ``deliver(message, caught_up)``: hand one message to the streams; must not block.
Deliver = Callable[["api.ChannelMessage", bool], None]

_MAX_PASSES: Final = 4


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class CatchUpConfig:
    """How the client catches up (``MezonClient(catch_up=CatchUpConfig(...))``).

    Attributes:
        max_channels: channels watched at once; the least recently active is forgotten
            beyond this (counted in ``channels_forgotten``).
        max_pages: history pages fetched per channel and catch-up; a channel further
            behind gets its newest ``max_pages * page_size`` messages and a logged,
            counted gap.
        page_size: messages per ``ListChannelMessages`` call (1-100).
        concurrency: history calls in flight at once (the API token bucket still applies).
        max_held: live pushes held per stale channel while it catches up; more are left
            to the history (another pass fetches them).
        dedup_window: message ids remembered per channel to drop one arriving twice (a push
            with an older id than the newest delivered is still delivered: out of order, not
            a duplicate).  Only a channel catching up remembers ids, from the moment it goes
            stale until this many live messages after its catch-up; the others remember
            none, so this costs memory only for the channels that fell behind.
        flush_interval: seconds between cursor-store writes (the crash window).
        flush_batch: write sooner when this many channels have new cursors.
    """

    max_channels: int = 1000
    max_pages: int = 10
    page_size: int = PAGE_MAX
    concurrency: int = 2
    max_held: int = 2048
    dedup_window: int = 512
    flush_interval: float = 1.0
    flush_batch: int = 512

    def __post_init__(self) -> None:
        if not 1 <= self.page_size <= PAGE_MAX:
            raise ConfigurationError(f"CatchUpConfig.page_size must be 1-{PAGE_MAX}")
        for name in ("max_channels", "max_pages", "concurrency", "max_held", "dedup_window", "flush_batch"):
            if getattr(self, name) < 1:
                raise ConfigurationError(f"CatchUpConfig.{name} must be >= 1")
        if not self.flush_interval > 0:
            raise ConfigurationError("CatchUpConfig.flush_interval must be positive")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class CatchUpStatistics:
    """A snapshot of the catch-up engine's counters (``client.statistics().catch_up``).

    Attributes:
        channels, stale_channels: channels watched, and those waiting for a catch-up.
        channels_forgotten: channels no longer watched (``max_channels``).
        runs, pages: catch-up runs, and history pages fetched.
        caught_up: messages delivered from history (missed while disconnected or stopped).
        duplicates_dropped: pushes of a message already delivered, dropped.
        arrived_both_ways: messages both pushed and in the history, delivered once.
        held, held_overflows: pushes held while their channel caught up, and pushes left to
            the history because the channel's hold was full.
        gaps: catch-ups stopped at ``max_pages`` (logged with the channel and the ids).
        failures: channels whose history could not be read (logged).
        cursor_writes, cursor_write_failures: batches written to the cursor store.
        budget: the history-call budget's counters.
        remembered_ids: message ids remembered to drop duplicates (only channels catching up,
            or caught up less than ``dedup_window`` live messages ago, remember any).
    """

    channels: int
    stale_channels: int
    channels_forgotten: int
    runs: int
    pages: int
    caught_up: int
    duplicates_dropped: int
    arrived_both_ways: int
    held: int
    held_overflows: int
    gaps: int
    failures: int
    cursor_writes: int
    cursor_write_failures: int
    budget: BudgetStatistics
    remembered_ids: int = 0


class _Channel:
    __slots__ = (
        "channel_id",
        "clan_id",
        "held",
        "held_overflow",
        "last_id",
        "recent",
        "since",
        "stale",
        "tail",
    )

    def __init__(self, clan_id: int, channel_id: int, *, last_id: int = 0, since: float = 0.0) -> None:
        self.clan_id = clan_id
        self.channel_id = channel_id
        self.last_id = last_id  # the largest id delivered (the cursor); 0: none yet
        self.since = since  # with no cursor: messages created before this (s) were not missed
        # The last ids delivered, while the channel catches up and for ``tail`` more live
        # messages after it (None otherwise): a message arriving twice is dropped.  Not "every
        # id below the cursor": a push that arrives out of id order is delivered.
        self.recent: OrderedDict[int, None] | None = None
        self.tail = 0  # live messages still remembered after the last catch-up
        self.stale = False  # disconnected since the last catch-up: hold live pushes
        self.held: deque[tuple[int, api.ChannelMessage]] = deque()  # (epoch, push)
        self.held_overflow = False

    def go_stale(self) -> None:
        self.stale = True
        if self.recent is None:
            self.recent = OrderedDict()

    def mark(self, message_id: int, window: int) -> None:
        if message_id > self.last_id:
            self.last_id = message_id
        recent = self.recent
        if recent is None:
            return
        if not self.stale:
            if self.tail <= 0:  # caught up long enough ago: a live push racing it is past
                self.recent = None
                return
            self.tail -= 1
        recent[message_id] = None
        if len(recent) > window:
            recent.popitem(last=False)


@final
class CatchUp:
    """Per-channel cursors, de-duplication and history catch-up (see the module docstring).

    Args:
        source: calls ``ListChannelMessages`` (``MezonClient`` satisfies :class:`HistorySource`).
        deliver: ``deliver(message, caught_up)``, synchronous, never blocking.
        config: limits (see :class:`CatchUpConfig`).
        store: persistent cursors (None: cursors live in memory only).
        budget: history-call budget (default: ``config.concurrency`` in flight).
        clock: wall clock in seconds (for channels watched before any message).
    """

    def __init__(
        self,
        source: HistorySource,
        deliver: Deliver,
        *,
        config: CatchUpConfig | None = None,
        store: CursorStore | None = None,
        budget: RateBudget | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._source = source
        self._deliver = deliver
        self._config = config = config or CatchUpConfig()
        self._store = store
        self._budget = budget or RateBudget(concurrency=config.concurrency)
        self._clock = clock
        self._channels: OrderedDict[int, _Channel] = OrderedDict()
        self._dirty: dict[int, _Channel] = {}
        self._batch_full = trio.Event()
        self._lock = trio.Lock()  # one catch-up run at a time
        self._closed = False  # the store was closed
        self._epoch = 0  # disconnects so far; held pushes are tagged with it
        self._forgotten = 0
        self._runs = 0
        self._pages = 0
        self._caught_up = 0
        self._duplicates = 0  # pushes (or history copies) of a message already delivered
        self._both_ways = 0  # pushed on the new socket and in the history: delivered once
        self._held = 0
        self._held_overflows = 0
        self._gaps = 0
        self._failures = 0
        self._writes = 0
        self._write_failures = 0

    # ------------------------------------------------------------------ inbound (synchronous)

    def push(self, message: api.ChannelMessage) -> None:
        """A live ``channel_message`` push: deliver it now, hold it (its channel is catching up),
        or drop it (already delivered).  Never blocks."""
        ch = self._channels.get(message.channel_id)
        if not in_history(message):  # an edit, removal or ephemeral: no cursor, no de-duplication
            if ch is not None and ch.stale:
                self._hold(ch, message)
            else:
                self._deliver(message, False)
            return
        if ch is None:
            ch = self._add(message.clan_id, message.channel_id)
        else:
            self._channels.move_to_end(message.channel_id)
        if ch.stale:
            self._hold(ch, message)
            return
        self._deliver_one(ch, message, caught_up=False)

    def watch(self, clan_id: int, channel_id: int) -> None:
        """Watch a channel no message arrived in yet (e.g. one the bot joined)."""
        ch = self._channels.get(channel_id)
        if ch is None:
            self._add(clan_id, channel_id)
        else:
            if clan_id and not ch.clan_id:
                ch.clan_id = clan_id
            self._channels.move_to_end(channel_id)

    def forget(self, channel_id: int) -> None:
        """Stop watching a channel (e.g. the bot left it); its held pushes are delivered."""
        ch = self._channels.pop(channel_id, None)
        if ch is not None:
            self._release(ch)

    def disconnected(self) -> None:
        """The socket dropped: every watched channel holds its live pushes until caught up."""
        self._epoch += 1
        for ch in self._channels.values():
            ch.go_stale()

    def cursor(self, channel_id: int) -> int | None:
        """The id of the last message delivered in a watched channel (None: not watched)."""
        ch = self._channels.get(channel_id)
        return None if ch is None else ch.last_id

    @property
    def watched(self) -> tuple[int, ...]:
        """Watched channel ids, least recently active first."""
        return tuple(self._channels)

    @property
    def stale(self) -> bool:
        """Whether some channel waits for a catch-up."""
        return any(ch.stale for ch in self._channels.values())

    # ------------------------------------------------------------------ catch-up

    @property
    def epoch(self) -> int:
        """How many times :meth:`disconnected` was called (pass it to :meth:`catch_up`)."""
        return self._epoch

    async def catch_up(self, *, epoch: int | None = None) -> None:
        """Catch up every stale channel (concurrently, within the budget); returns when done.

        *epoch*: :attr:`epoch` when the socket this catch-up is for became ready (default: now).
        If the socket dropped since (the epoch moved on), the channels stay stale for the next
        call, so a catch-up that started late never releases a channel while its socket is down.

        Call it once the channels are joined again.  Failures are logged and counted, never
        raised: a channel whose history cannot be read releases its held pushes and goes on.
        Cancelling it leaves the unfinished channels stale (the next call resumes them).
        Calls run one after the other.  A channel whose socket dropped again during its
        catch-up delivers what it fetched and the pushes of the connection that ended, and
        stays stale for the next call (made after the next reconnect).
        """
        async with self._lock:
            stale = [ch for ch in self._channels.values() if ch.stale]
            if not stale:
                return
            self._runs += 1
            if epoch is None:
                epoch = self._epoch
            async with trio.open_nursery() as nursery:
                for ch in stale:
                    nursery.start_soon(
                        self._catch_up_channel, ch, epoch, name=f"mezon-catch-up:{ch.channel_id}"
                    )

    async def _catch_up_channel(self, ch: _Channel, epoch: int) -> None:
        for _ in range(_MAX_PASSES):
            ch.held_overflow = False
            try:
                await self._page(ch)
            except (NotFound, Forbidden) as exc:
                self._failures += 1
                log.warning("catch-up: channel %d is gone (%s); no longer watched", ch.channel_id, exc)
                if self._channels.get(ch.channel_id) is ch:
                    del self._channels[ch.channel_id]
                self._release(ch)
                return
            except MezonError as exc:
                self._failures += 1
                log.warning(
                    "catch-up of channel %d failed (%s): messages after id %d may be missing",
                    ch.channel_id,
                    exc,
                    ch.last_id,
                )
                break
            if not ch.held_overflow:
                break
        if self._epoch == epoch:
            self._release(ch)
        else:  # disconnected meanwhile: only the pushes of the connections that ended are due
            self._release(ch, before_epoch=self._epoch)

    async def _page(self, ch: _Channel) -> None:
        """Fetch what *ch* missed (newest first, down to its cursor) and deliver it oldest first."""
        config = self._config
        cursor = ch.last_id
        collected: list[api.ChannelMessage] = []
        before = 0
        complete = False
        for _ in range(config.max_pages):
            page = await fetch_older(
                self._source,
                self._budget,
                clan_id=ch.clan_id,
                channel_id=ch.channel_id,
                before=before,
                limit=config.page_size,
            )
            self._pages += 1
            for message in page:
                if cursor:
                    if message.message_id <= cursor:
                        complete = True
                        break
                elif message.create_time_seconds < ch.since:
                    complete = True
                    break
                collected.append(message)
            if complete or len(page) < config.page_size:
                complete = True
                break
            before = min(m.message_id for m in page)
        collected.sort(key=lambda m: m.message_id)
        if not complete:
            self._gaps += 1
            log.warning(
                "catch-up of channel %d stopped after %d pages: messages after id %d and before id %d "
                "were not delivered (raise CatchUpConfig.max_pages to fetch further)",
                ch.channel_id,
                config.max_pages,
                cursor,
                collected[0].message_id if collected else 0,
            )
        # Synchronous from here: one step, in order.  A message also pushed on the new socket
        # (held) is not missed: it is delivered from the held pushes, after those that came
        # before it (edits, removals), not marked caught up.
        held = ch.held
        pushed = {m.message_id for _, m in held if in_history(m)}
        for message in collected:
            if message.channel_id != ch.channel_id or not in_history(message):
                continue
            if message.message_id not in pushed:
                self._deliver_one(ch, message, caught_up=True)
                continue
            self._both_ways += 1  # the pushed copy is delivered, in its place
            while held:
                _, push = held.popleft()
                self._deliver_push(ch, push)
                if push.message_id == message.message_id and in_history(push):
                    break

    def _release(self, ch: _Channel, *, before_epoch: int | None = None) -> None:
        """End the catch-up of *ch*: deliver its held pushes in arrival order.  With
        *before_epoch*, only those that arrived before that disconnect, and *ch* stays stale."""
        held, ch.held = ch.held, deque()
        if before_epoch is None:
            ch.stale = False
            ch.tail = self._config.dedup_window + len(held)
        else:
            while held and held[-1][0] >= before_epoch:
                ch.held.appendleft(held.pop())
        for _, message in held:
            self._deliver_push(ch, message)

    def _deliver_push(self, ch: _Channel, message: api.ChannelMessage) -> None:
        if in_history(message):
            self._deliver_one(ch, message, caught_up=False)
        else:
            self._deliver(message, False)

    # ------------------------------------------------------------------ helpers

    def _deliver_one(self, ch: _Channel, message: api.ChannelMessage, *, caught_up: bool) -> None:
        message_id = message.message_id
        recent = ch.recent  # None in the common case: not catching up, nothing remembered
        if recent is not None and message_id in recent:
            self._duplicates += 1
            return
        ch.mark(message_id, self._config.dedup_window)
        if caught_up:
            self._caught_up += 1
        if self._store is not None:
            self._dirty[ch.channel_id] = ch
            if len(self._dirty) >= self._config.flush_batch:
                self._batch_full.set()
        self._deliver(message, caught_up)

    def _hold(self, ch: _Channel, message: api.ChannelMessage) -> None:
        if len(ch.held) < self._config.max_held:
            ch.held.append((self._epoch, message))
            self._held += 1
        else:
            ch.held_overflow = True  # in the history: the next pass fetches it
            self._held_overflows += 1

    def _add(self, clan_id: int, channel_id: int, *, last_id: int = 0) -> _Channel:
        channels = self._channels
        if len(channels) >= self._config.max_channels:
            self._evict()
        # Whole seconds, like create_time_seconds: a message of the same second counts as missed.
        since = float(int(self._clock()))
        ch = channels[channel_id] = _Channel(clan_id, channel_id, last_id=last_id, since=since)
        return ch

    def _evict(self) -> None:
        channels = self._channels
        victim = next((c for c in channels.values() if not c.stale), None)
        if victim is None:
            victim = next(iter(channels.values()))
        del channels[victim.channel_id]
        self._forgotten += 1
        log.info("catch-up: no longer watching channel %d (max_channels reached)", victim.channel_id)
        self._release(victim)

    # ------------------------------------------------------------------ cursor store

    async def load(self) -> int:
        """Load the stored cursors (before the first connect); their channels catch up at the
        first :meth:`catch_up`.  Returns how many were loaded.

        Raises:
            MezonError: the store could not be read.
        """
        if self._store is None:
            return 0
        cursors = await self._store.load()
        for cursor in cursors:
            ch = self._channels.get(cursor.channel_id)
            if ch is None:
                ch = self._add(cursor.clan_id, cursor.channel_id, last_id=cursor.message_id)
            elif cursor.message_id > ch.last_id:
                ch.last_id = cursor.message_id
            ch.go_stale()
        return len(cursors)

    async def flush(self) -> None:
        """Write the cursors that moved since the last write (one batch).  Failures are logged
        and counted; the cursors are written with the next batch."""
        store = self._store
        if store is None or not self._dirty or self._closed:
            return
        dirty, self._dirty = self._dirty, {}
        self._batch_full = trio.Event()
        batch = [Cursor(ch.channel_id, ch.clan_id, ch.last_id) for ch in dirty.values()]
        try:
            await store.save(batch)
        except MezonError as exc:
            self._write_failures += 1
            log.warning("could not write %d message cursors: %s", len(batch), exc)
            self._dirty = {**dirty, **self._dirty}
        except BaseException:
            self._dirty = {**dirty, **self._dirty}
            raise
        else:
            self._writes += 1

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Write cursors in batches until cancelled; then write the last ones and close the
        store (:meth:`aclose`: shielded, bounded).

        Runs in the client's nursery; returns at once without a store.
        """
        task_status.started()
        if self._store is None:
            return
        try:
            while True:
                with trio.move_on_after(self._config.flush_interval):
                    await self._batch_full.wait()
                await self.flush()
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Write the last cursors and close the store (shielded, bounded)."""
        if self._store is None or self._closed:
            return
        with trio.CancelScope(shield=True), trio.move_on_after(5.0):
            await self.flush()
            self._closed = True
            await self._store.aclose()

    def statistics(self) -> CatchUpStatistics:
        return CatchUpStatistics(
            channels=len(self._channels),
            stale_channels=sum(1 for c in self._channels.values() if c.stale),
            channels_forgotten=self._forgotten,
            runs=self._runs,
            pages=self._pages,
            caught_up=self._caught_up,
            duplicates_dropped=self._duplicates,
            arrived_both_ways=self._both_ways,
            held=self._held,
            held_overflows=self._held_overflows,
            gaps=self._gaps,
            failures=self._failures,
            cursor_writes=self._writes,
            cursor_write_failures=self._write_failures,
            budget=self._budget.statistics(),
            remembered_ids=sum(len(c.recent) for c in self._channels.values() if c.recent is not None),
        )
