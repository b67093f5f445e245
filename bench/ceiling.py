"""The transport ceiling: raw trio-websocket frames/s, server in another process.

The server pushes N pre-encoded Envelope frames as fast as it can to the first
connection; the client receives them with trio-websocket and does nothing else
(no decoding).  Same loopback, same frames as the inbound scenario.

    python -m bench.ceiling serve --n N        # prints the port, serves one connection
    python -m bench.ceiling run --n N          # spawns the server, prints msg/s
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

import trio
import trio_websocket

from .frames import channel_message_frame


async def _serve(n: int) -> None:
    frames = [channel_message_frame(i) for i in range(n)]
    done = trio.Event()

    async def handler(request: trio_websocket.WebSocketRequest) -> None:
        ws = await request.accept()
        await ws.get_message()  # "go"
        for frame in frames:
            await ws.send_message(frame)
        await ws.get_message()  # wait for the client to say it saw everything
        done.set()

    async with trio.open_nursery() as nursery:
        server = await nursery.start(trio_websocket.serve_websocket, handler, "127.0.0.1", 0, None)
        print(server.port, flush=True)
        await done.wait()
        nursery.cancel_scope.cancel()


async def measure(port: int, n: int) -> float:
    """Receive *n* frames from the ceiling server on *port*; return frames per second."""
    async with trio_websocket.open_websocket_url(
        f"ws://127.0.0.1:{port}/", message_queue_size=1, receive_buffer_size=None
    ) as ws:
        await ws.send_message("go")
        start = time.perf_counter()
        for _ in range(n):
            await ws.get_message()
        elapsed = time.perf_counter() - start
        await ws.send_message("done")
    return n / elapsed


def run_once(n: int) -> float:
    """Spawn a ceiling server process, measure once, return frames/s."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.ceiling", "serve", "--n", str(n)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        return trio.run(measure, port, n)
    finally:
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("role", choices=["serve", "run"])
    parser.add_argument("--n", type=int, default=50_000)
    args = parser.parse_args()
    if args.role == "serve":
        trio.run(_serve, args.n)
    else:
        print(f"{run_once(args.n):,.0f} frames/s")


if __name__ == "__main__":
    main()
