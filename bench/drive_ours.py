"""Benchmark driver for mezon-trio (and the raw transport ceiling), one process per scenario.

    MEZON_BOT_API_KEY=... python -m bench.drive_ours --sandbox '<json line of bench.sandbox_proc>'

Commands on stdin, one JSON answer line each on stdout (same protocol as
``bench/drive_official.py``):

``login [K]`` (K clients of the bot in this process; default 1)
    construct a ``MezonClient`` and enter it; answers ``startup_s`` (constructor
    to ready) once ready.  A consumer task starts iterating
    ``client.channel_messages()`` at once, reading each message's ``text``.
``raw TOKEN``
    instead of a client: a bare trio-websocket connection with the session
    *TOKEN* (the ceiling: frames are received, nothing else).
``expect N [MARK ...]``
    reset the counters and answer ``armed``; then, once N more messages were
    seen, answer ``t_first``/``t_last`` (``time.monotonic()``), ``cpu_s``
    (process CPU time since arming), ``rss_kb``/``hwm_kb``; and at each MARK
    count on the way an extra ``{"mark": k, "rss_kb": ...}`` line.
``send COUNT CONCURRENCY CHANNEL_ID``
    COUNT sends split over CONCURRENCY tasks, each waiting for its ack;
    answers ``lat`` (seconds per send).
``logout``
    leave the client (answers ``closed``).
``quit``
    exit.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from contextlib import AsyncExitStack
from typing import Any

import trio
import trio_websocket

from mezon_trio import MezonClient
from mezon_trio.compat import ChannelMessageContent

from ._counter import Counter
from ._lines import emit, stdin_reader
from .memory import rss_kb


class Driver:
    def __init__(self, sandbox: dict[str, Any], api_key: str) -> None:
        self.sandbox = sandbox
        self.api_key = api_key
        self.counter = Counter(emit, rss_kb)
        self.client: MezonClient | None = None
        self._logout = trio.Event()
        self._closed = trio.Event()

    def client_kwargs(self) -> dict[str, Any]:
        sb = self.sandbox
        return {
            "client_id": sb["bot_id"],
            "api_key": self.api_key,
            "host": sb["host"],
            "port": str(sb["port"]),
            "use_ssl": False,
            "mmn_api_url": sb["mmn_url"],
            "zk_api_url": sb["zk_url"],
            # The benchmark measures the SDK, not our own 80 frames/s courtesy limit
            # (the official driver lifts its limiter too; the sandbox enforces none).
            "ws_rate_limit": math.inf,
        }

    async def run_client(self, count: int = 1, *, task_status: trio.TaskStatus[float]) -> None:
        """*count* clients of the bot in this process (the scale rows), each with a consumer."""
        kwargs = self.client_kwargs()
        t0 = time.perf_counter()
        async with AsyncExitStack() as stack:
            clients = []
            for _ in range(count):
                clients.append(await stack.enter_async_context(MezonClient(**kwargs)))
            elapsed = time.perf_counter() - t0
            self.client = clients[0]
            async with trio.open_nursery() as nursery:
                subs = [await stack.enter_async_context(client.channel_messages()) for client in clients]
                for sub in subs:
                    nursery.start_soon(self.consume, sub)
                task_status.started(elapsed)
                await self._logout.wait()
                nursery.cancel_scope.cancel()
        self.client = None
        self._closed.set()

    async def consume(self, messages: Any) -> None:
        hit = self.counter.hit
        async for m in messages:
            hit(len(m.text))

    async def run_raw(self, token: str, *, task_status: trio.TaskStatus[None]) -> None:
        url = f"{self.sandbox['ws_url']}/ws?lang=en&status=true&token={token}&format=protobuf"
        async with trio_websocket.open_websocket_url(
            url, subprotocols=["protobuf"], message_queue_size=1, receive_buffer_size=None
        ) as ws:
            task_status.started()
            hit = self.counter.hit
            while True:
                message = await ws.get_message()
                hit(len(message))

    async def send(self, count: int, concurrency: int, channel_id: int) -> list[float]:
        client = self.client
        assert client is not None
        channel = await client.channels.fetch(channel_id)  # outside the timing (as for the official SDK)
        lat: list[float] = []
        per_task = [count // concurrency + (1 if i < count % concurrency else 0) for i in range(concurrency)]

        async def worker(n: int) -> None:
            for _ in range(n):
                t0 = time.perf_counter()
                await channel.send(ChannelMessageContent(t="benchmark send"))
                lat.append(time.perf_counter() - t0)

        async with trio.open_nursery() as nursery:
            for n in per_task:
                nursery.start_soon(worker, n)
        return lat

    async def main(self) -> None:
        reader = stdin_reader()
        async with trio.open_nursery() as nursery:
            while True:
                line = await reader.readline()
                if line is None:
                    break
                words = line.split()
                if not words:
                    continue
                cmd, *rest = words
                if cmd == "quit":
                    break
                try:
                    if cmd == "login":
                        self._logout = trio.Event()
                        self._closed = trio.Event()
                        startup = await nursery.start(self.run_client, int(rest[0]) if rest else 1)
                        emit(ok=True, ready=True, startup_s=startup)
                    elif cmd == "raw":
                        await nursery.start(self.run_raw, rest[0])
                        emit(ok=True, ready=True)
                    elif cmd == "expect":
                        self.counter.arm(int(rest[0]), [int(m) for m in rest[1:]])
                        emit(ok=True, armed=True)
                    elif cmd == "send":
                        cpu0 = time.process_time()
                        lat = await self.send(int(rest[0]), int(rest[1]), int(rest[2]))
                        emit(ok=True, lat=lat, cpu_s=time.process_time() - cpu0)
                    elif cmd == "logout":
                        self._logout.set()
                        await self._closed.wait()
                        emit(ok=True, closed=True)
                    else:
                        emit(ok=False, error=f"unknown command {cmd!r}")
                except Exception as exc:
                    emit(ok=False, error=f"{type(exc).__name__}: {exc}")
            self._logout.set()
            nursery.cancel_scope.cancel()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sandbox", required=True, help="the JSON line printed by bench.sandbox_proc")
    args = parser.parse_args()
    driver = Driver(json.loads(args.sandbox), os.environ.get("MEZON_BOT_API_KEY", ""))
    trio.run(driver.main)


if __name__ == "__main__":
    main()
