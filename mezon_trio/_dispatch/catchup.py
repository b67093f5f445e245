"""Catch-up, wired into a client: the engine between the inbound path and the hub, its tasks,
and the refill of lagging ``channel_message`` subscribers.

* The inbound path hands every chat message push to :class:`~mezon_trio._catchup.CatchUp`
  (``Inbound.catchup``), which delivers it (``Inbound.deliver_message``), holds it while its
  channel catches up, or drops it as already delivered.
* The supervisor's hooks: when a socket that was up ends, the watched channels go stale
  (synchronously, before any push of a later socket); each time a socket is ready, the
  catch-up task wakes up, watches the joined channels and DMs, and catches up.
* Tasks in the client's nursery: ``mezon-catch-up`` (one run at a time) and, with a cursor
  store, ``mezon-cursor-writer`` (batched writes; the last batch and the store's close when
  the client closes).
* :func:`refill_factory`: the hook of ``overflow="refill"`` subscriptions (the default of
  ``channel_messages()`` and of ``channel_message`` handlers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final, final

import trio

from .._catchup import CatchUp, GapRefill, HistorySource, RateBudget
from .._connection.core import ConnectionCore
from .._models.message import Message, wire_message
from .._proto.mezon import api
from ..events import Event, Events

__all__ = ["CatchUpTasks", "refill_factory"]

_CHANNEL_MESSAGE: Final = Events.CHANNEL_MESSAGE.value
_LISTENER_POLL: Final = 0.05


@final
class CatchUpTasks:
    """The catch-up engine's hooks and tasks in one client (see the module docstring)."""

    def __init__(
        self, core: ConnectionCore, engine: CatchUp, dm_channels: Callable[[], dict[int, int]]
    ) -> None:
        self._core = core
        self._engine = engine
        self._dm_channels = dm_channels
        self._wake = trio.Event()
        self._ready_epoch = 0

    def on_socket_closed(self) -> None:
        self._engine.disconnected()

    def on_ready(self) -> None:
        # A socket that dropped during its after-connect sequence is reported ready after its
        # close hook ran: nothing to catch up for it (the next ready will).
        if self._core.gateway.ready:
            self._ready_epoch = self._engine.epoch
            self._wake.set()

    async def start(self, nursery: trio.Nursery) -> None:
        """Load the stored cursors (a failure fails the login), start the writer and the catch-up task."""
        await self._engine.load()
        await nursery.start(self._engine.run, name="mezon-cursor-writer")
        nursery.start_soon(self._run, name="mezon-catch-up")

    async def _run(self) -> None:
        engine = self._engine
        hub = self._core.hub
        while True:
            await self._wake.wait()
            self._wake = trio.Event()  # a socket ready during this run wakes the next one
            # Nobody listens yet (a loop subscribes once ``async with`` returns): what the
            # catch-up delivers now would be lost while its cursor moves on.  Wait for a listener.
            while not hub.has_subscribers(_CHANNEL_MESSAGE):  # noqa: ASYNC110 - the hub has no event for it
                await trio.sleep(_LISTENER_POLL)
            for join in list(self._core.gateway.joined_channels.values()):
                engine.watch(join.clan_id, join.channel_id)
            for channel_id in self._dm_channels().values():
                engine.watch(0, channel_id)
            await engine.catch_up(epoch=self._ready_epoch)


def refill_factory(
    source: HistorySource, budget: RateBudget, make_message: Callable[..., Message]
) -> Callable[[int, Callable[[Any], bool] | None, bool], GapRefill[Any]]:
    """``factory(capacity, filter, unwrap)`` for the event hub: the refill of one subscription
    (its items are :class:`Message` payloads when *unwrap*, else ``Event`` records)."""

    def factory(capacity: int, keep: Callable[[Any], bool] | None, unwrap: bool) -> GapRefill[Any]:
        def raw_of(item: Any) -> api.ChannelMessage | None:
            payload = item if unwrap else item.payload
            return wire_message(payload) if isinstance(payload, Message) else None

        def make(raw: api.ChannelMessage) -> Any:
            message = make_message(raw, caught_up=True)
            return message if unwrap else Event(Events.CHANNEL_MESSAGE, message)

        return GapRefill(source, budget, raw_of=raw_of, make=make, capacity=capacity, keep=keep)

    return factory
