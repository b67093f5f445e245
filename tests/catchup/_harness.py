"""Test wiring of the catch-up engine onto a running client, through its public API.

Until the client wires the engine itself, :class:`EngineBot` plays the inbound
path: one subscription (chat messages plus ``Disconnected``/``Reconnected``, in
the order the client published them) feeds :class:`CatchUp`; a disconnect makes
the watched channels stale, a reconnect starts a catch-up.
"""

from __future__ import annotations

import collections
import json
from collections.abc import Callable
from typing import Any

import trio

from mezon_trio import Events, MezonClient
from mezon_trio._catchup import CatchUp, CatchUpConfig, CursorStore
from mezon_trio._proto.mezon import api
from mezon_trio.raw import message_payload


def client_kwargs(sb: Any, **overrides: Any) -> dict[str, Any]:
    """The sandbox's kwargs for the seeded bot, without client-side rate limits, and without
    the client's own catch-up (the engine tests drive a :class:`CatchUp` themselves)."""
    kwargs: dict[str, Any] = sb.client_kwargs()
    kwargs.update(api_rate_limit=10_000.0, api_burst=10_000, ws_rate_limit=100_000.0, timeout=10_000)
    kwargs.update(catch_up=False)
    kwargs.update(overrides)
    return kwargs


def text(message: api.ChannelMessage) -> str:
    return str(json.loads(message.content).get("t", ""))


class EngineBot:
    """Records what the engine delivers: per channel, (message id, caught_up) in delivery order."""

    def __init__(
        self, client: MezonClient, *, config: CatchUpConfig | None = None, store: CursorStore | None = None
    ) -> None:
        self.client = client
        self.delivered: dict[int, list[tuple[int, bool]]] = collections.defaultdict(list)
        self.texts: dict[int, list[str]] = collections.defaultdict(list)
        self.engine = CatchUp(client.raw, self._deliver, config=config, store=store)
        self.catch_ups = 0
        self.caught_up_done = trio.Event()
        self._changed = trio.Event()

    def _deliver(self, message: api.ChannelMessage, caught_up: bool) -> None:
        self.delivered[message.channel_id].append((message.message_id, caught_up))
        self.texts[message.channel_id].append(text(message))
        self._changed.set()
        self._changed = trio.Event()

    async def _catch_up(self) -> None:
        await self.engine.catch_up()
        self.catch_ups += 1
        self.caught_up_done.set()
        self.caught_up_done = trio.Event()

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        kinds = (Events.CHANNEL_MESSAGE, Events.DISCONNECTED, Events.RECONNECTED)
        async with self.client.subscribe(*kinds, buffer=1_000_000) as sub, trio.open_nursery() as nursery:
            await nursery.start(self.engine.run)
            task_status.started()
            async for event in sub:
                if event.kind is Events.CHANNEL_MESSAGE:
                    self.engine.push(message_payload(event.payload))
                elif event.kind is Events.DISCONNECTED:
                    self.engine.disconnected()
                else:
                    nursery.start_soon(self._catch_up)

    async def wait_texts(self, channel_id: int, count: int) -> None:
        while len(self.texts[channel_id]) < count:
            await self._changed.wait()


async def until(predicate: Callable[[], bool]) -> None:
    """Poll *predicate* (a counter in the engine; nothing to wait on) until it holds."""
    while not predicate():  # noqa: ASYNC110
        await trio.sleep(0.005)
