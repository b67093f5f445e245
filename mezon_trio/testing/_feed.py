"""The sandbox's live feed: what the console (and control-API clients) watch.

Every push the sandbox generates (:meth:`SandboxCore.push`, called even when no
socket is there to receive it), every item the recorder logs (what clients
sent) and every change of the connected sockets is noted here as a numbered
entry. Noting is cheap (a reference appended to a bounded deque); entries are
turned into JSON (:mod:`._views`) only when someone reads them.

Overflow policy: the feed keeps the last :data:`FEED_SIZE` entries and drops
the oldest; a reader that asks for entries older than that gets a ``resync``
event and reloads its state through the control API.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Final, Literal

import trio

__all__ = ["FEED_SIZE", "Feed", "FeedEntry"]

FEED_SIZE: Final = 2000

EntryKind = Literal["push", "in", "presence", "reset"]


@dataclass(frozen=True, slots=True)
class FeedEntry:
    seq: int
    kind: EntryKind
    name: str  # push variant, recorded kind, or ""
    user_id: int
    payload: Any
    time: float
    targets: tuple[int, ...] = ()  # pushes: the users whose sockets it was written to


class Feed:
    """Bounded, numbered log of sandbox activity with a condition to wait on."""

    def __init__(self, size: int = FEED_SIZE) -> None:
        self._entries: deque[FeedEntry] = deque(maxlen=size)
        self._seq = 0
        self._changed = trio.Event()
        self.closed = False
        self.enabled = True

    @property
    def last_seq(self) -> int:
        return self._seq

    @property
    def first_seq(self) -> int:
        """Sequence number of the oldest entry still kept (last_seq + 1 when empty)."""
        return self._entries[0].seq if self._entries else self._seq + 1

    def note(
        self,
        kind: EntryKind,
        name: str = "",
        user_id: int = 0,
        payload: Any = None,
        *,
        targets: tuple[int, ...] = (),
    ) -> None:
        if not self.enabled:
            return
        self._seq += 1
        now = trio.current_time()
        self._entries.append(FeedEntry(self._seq, kind, name, user_id, payload, now, targets))
        self._changed.set()
        self._changed = trio.Event()

    def note_received(self, item: Any) -> None:
        """Recorder listener: a client sent something (a :class:`Received`)."""
        self.note("in", item.kind, item.user_id, item)

    def since(self, seq: int) -> Iterator[FeedEntry]:
        """Entries with a sequence number above *seq*, oldest first."""
        for entry in self._entries:
            if entry.seq > seq:
                yield entry

    async def wait_after(self, seq: int) -> None:
        """Return once an entry above *seq* exists or the feed is closed."""
        while self._seq <= seq and not self.closed:
            await self._changed.wait()

    def close(self) -> None:
        """Wake every reader for good (the sandbox is shutting down)."""
        self.closed = True
        self._changed.set()
