"""A burst of frames is delivered several per wake-up, and a subscriber keeps pace with it.

The default transport over a memory stream (a scripted server writes the burst in one
go), its frames published to a real event hub, as the client's inbound path does
(``Inbound.on_push`` returns ``hub.take_behind()``, which the gateway hands back to
the transport).
"""

from __future__ import annotations

import trio

from mezon_trio._streams import EventHub
from mezon_trio._transport.websocket import YIELD_EVERY

from .test_websocket_transport import connected, frame

_KIND = "channel_message"


def _on_frame(hub: EventHub) -> object:
    def on_frame(data: bytes) -> bool:
        hub.publish(_KIND, data)
        return hub.take_behind()

    return on_frame


async def test_a_burst_takes_one_scheduler_round_per_several_frames() -> None:
    n = 2000
    hub = EventHub()
    rounds = 0
    with trio.fail_after(10):
        async with connected() as (ws, server), trio.open_nursery() as nursery:

            async def ticker() -> None:  # runs once per scheduler round
                nonlocal rounds
                while True:
                    rounds += 1
                    await trio.lowlevel.checkpoint()

            async with hub.stream(_KIND, buffer=256) as sub:
                nursery.start_soon(ticker)
                await server.stream.send_all(b"".join(frame(0x2, b"%d" % i) for i in range(n)))
                nursery.start_soon(ws.receive, _on_frame(hub), lambda _: None)
                start = rounds
                got = [await sub.receive() for _ in range(n)]
                used = rounds - start
                nursery.cancel_scope.cancel()
    assert got == [b"%d" % i for i in range(n)]
    # One round per frame before (the reader yielded after each); now one per YIELD_EVERY
    # frames, plus one per 64 KiB read.
    assert YIELD_EVERY >= 8
    assert used <= n // 4, used


async def test_a_consumer_taking_one_item_per_schedule_point_keeps_pace() -> None:
    """A pipeline (subscription -> unbuffered memory channel -> worker) takes one item per
    round; the reader then yields after each frame again instead of overflowing its buffer."""
    n = 3000
    hub = EventHub()
    with trio.fail_after(10):
        async with connected() as (ws, server), trio.open_nursery() as nursery:
            got: list[bytes] = []
            send, receive = trio.open_memory_channel[bytes](0)

            async def worker() -> None:
                async for item in receive:
                    got.append(item)

            sub = hub.stream(_KIND, buffer=64, overflow="close")

            async def forward() -> None:
                async with sub, send:
                    for _ in range(n):
                        await send.send(await sub.receive())

            nursery.start_soon(worker)
            nursery.start_soon(forward)
            await server.stream.send_all(b"".join(frame(0x2, b"%d" % i) for i in range(n)))
            nursery.start_soon(ws.receive, _on_frame(hub), lambda _: None)
            # An overflow raises StreamOverflow in forward(), and out of the nursery.
            while len(got) < n:  # noqa: ASYNC110 - the worker appends; nothing to wait on
                await trio.sleep(0.001)
            nursery.cancel_scope.cancel()
    assert got == [b"%d" % i for i in range(n)]
    assert hub.statistics().subscriptions == ()
