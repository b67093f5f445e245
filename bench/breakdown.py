"""CPU µs per inbound chat message, layer by layer, in one process (no sandbox, no sockets).

The same frames as the inbound scenario go through each layer on its own:

* ``transport``: the WebSocket transport cutting frames out of 64 KiB reads
  (``WebSocket.receive`` over a stream that hands out pre-built chunks), without
  its per-message yield to the scheduler;
* ``yield``: those yields (one trio checkpoint per ``YIELD_EVERY`` messages);
* ``peek``: cid and variant of each frame (``peek_envelope``);
* ``decode``: the chat message decoder (``decode_channel_message_push``);
* ``client``: the rest of ``Gateway._on_frame`` for a push: the client's push
  handler (replay filter, caches, the ``Message``, publishing to one subscriber);
* ``consumer``: the subscriber's ``async for`` taking each message (one yield each).

    python -m bench.breakdown [--n 20000]     # prints one JSON line
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from typing import Any

import trio

from mezon_trio import MezonClient
from mezon_trio._client import services_of
from mezon_trio._protocol.hotpath import decode_channel_message_push
from mezon_trio._protocol.peek import peek_envelope
from mezon_trio._transport.websocket import YIELD_EVERY, WebSocket

from .frames import FrameFactory

_READ = 65536


def _ws_bytes(frame: bytes) -> bytes:
    n = len(frame)
    if n < 126:
        return bytes((0x82, n)) + frame
    if n < 65536:
        return b"\x82\x7e" + n.to_bytes(2, "big") + frame
    return b"\x82\x7f" + n.to_bytes(8, "big") + frame


class _ChunkStream(trio.abc.Stream):
    """Hands out pre-built chunks, then the end of the stream."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = iter(chunks)

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        await trio.lowlevel.checkpoint()
        return next(self._chunks, b"")

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await trio.lowlevel.checkpoint()

    async def wait_send_all_might_not_block(self) -> None:
        await trio.lowlevel.checkpoint()

    async def aclose(self) -> None:
        await trio.lowlevel.checkpoint()


def _cpu_per(n: int, fn: Callable[[], None]) -> float:
    t0 = time.process_time()
    fn()
    return (time.process_time() - t0) / n * 1e6


async def measure(n: int) -> dict[str, Any]:
    frames = FrameFactory().frames(n, [1840000000000000200])
    wire = b"".join(_ws_bytes(f) for f in frames)
    chunks = [wire[i : i + _READ] for i in range(0, len(wire), _READ)]
    from wsproto import ConnectionType
    from wsproto.connection import Connection

    async def transport(yield_every: int) -> float:
        got: list[bytes] = []
        ws = WebSocket(
            _ChunkStream(chunks),
            Connection(ConnectionType.CLIENT),
            subprotocol=None,
            max_frame_size=1 << 22,
            yield_every=yield_every,
        )
        t0 = time.process_time()
        await ws.receive(got.append, lambda _: None)
        cpu = (time.process_time() - t0) / n * 1e6
        assert got == frames
        return cpu

    cutting = await transport(n + 1)
    yielding = max(0.0, await transport(YIELD_EVERY) - cutting)

    peek = _cpu_per(n, lambda: [peek_envelope(f) for f in frames] and None)
    decode = _cpu_per(n, lambda: [decode_channel_message_push(f) for f in frames] and None)

    client = MezonClient(1840000000000000001, "bench-api-key", "127.0.0.1", "9", use_ssl=False)
    core = services_of(client).core  # white-box, as the reliability fuzz harness: no socket
    on_frame = core.gateway._on_frame
    sub = core.hub.stream("channel_message", buffer=n + 10)
    full = _cpu_per(n, lambda: [on_frame(f) for f in frames] and None)
    t0 = time.process_time()
    seen = 0
    async for _ in sub:
        seen += 1
        if seen == n:
            break
    consumer = (time.process_time() - t0) / n * 1e6
    await sub.aclose()
    return {
        "n": n,
        "transport": cutting,
        "yield": yielding,
        "peek": peek,
        "decode": decode,
        "client": max(0.0, full - peek - decode),
        "consumer": consumer,
        "total": cutting + yielding + full + consumer,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=20_000)
    args = parser.parse_args()
    print(json.dumps(trio.run(measure, args.n)), flush=True)


if __name__ == "__main__":
    main()
