"""Benchmark driver for the OFFICIAL ``mezon-sdk`` (asyncio, Python 3.13), one process per scenario.

Run by the interpreter of ``tests.interop.official_env.ensure_official_python()``,
never imported by the project (it imports ``mezon``, not ``mezon_trio``)::

    MEZON_BOT_API_KEY=... python bench/drive_official.py --sandbox '<json line of bench.sandbox_proc>'

Same stdin/stdout protocol as ``bench/drive_ours.py`` (``login``, ``expect N
[MARK ...]``, ``send COUNT CONCURRENCY CHANNEL_ID``, ``logout``, ``quit``).  The
SDK is driven through its documented API: ``MezonClient(...)``, ``login()``,
``on_channel_message(handler)`` (a plain function: the SDK calls it inline, the
cheapest form it offers), ``channels.fetch()`` + ``TextChannel.send()``,
``disconnect()``.  One deviation, applied after login and reported by the
benchmark: the socket adapter's 80 frames/s limiter is replaced by a no-op, as
mezon-trio's own limiter is switched off, so that the send scenario measures
the round trip rather than the throttle.
"""

import argparse
import asyncio
import contextlib
import json
import os
import sys
import tempfile
import time
from typing import Any

from _counter import Counter  # bench/ is this script's directory, hence on sys.path


def emit(**fields: Any) -> None:
    sys.stdout.write(json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def rss_kb() -> tuple[int, int]:
    """(current RSS, peak RSS) in KiB, from /proc (same as bench/memory.py)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            fields = dict(line.split(":", 1) for line in f if line.startswith(("VmRSS", "VmHWM")))
        return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])
    except (OSError, KeyError, ValueError):
        import resource

        return 0, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


class Driver:
    def __init__(self, sandbox: dict[str, Any], api_key: str) -> None:
        self.sandbox = sandbox
        self.api_key = api_key
        self.counter = Counter(emit, rss_kb)
        self.client: Any = None

    def on_message(self, message: Any) -> None:
        content = message.content
        text = content.get("t", "") if isinstance(content, dict) else ""
        self.counter.hit(len(text) if isinstance(text, str) else 0)

    async def login(self) -> float:
        from mezon import MezonClient  # type: ignore[import-not-found]

        sb = self.sandbox
        t0 = time.perf_counter()
        client = MezonClient(
            client_id=sb["bot_id"],
            api_key=self.api_key,
            host=sb["host"],
            port=str(sb["port"]),
            use_ssl=False,
            mmn_api_url=sb["mmn_url"],
            zk_api_url=sb["zk_url"],
        )
        client.on_channel_message(self.on_message)
        await client.login(enable_auto_reconnect=False)
        elapsed = time.perf_counter() - t0
        # See the module docstring: lift the 80 frames/s socket throttle (not the HTTP one).
        client.socket_manager.get_socket().adapter._rate_limiter = contextlib.nullcontext()
        self.client = client
        return elapsed

    async def send(self, count: int, concurrency: int, channel_id: int) -> list[float]:
        from mezon.models import ChannelMessageContent  # type: ignore[import-not-found]

        channel = await self.client.channels.fetch(channel_id)  # outside the timing (HTTP, throttled)
        lat: list[float] = []
        per_task = [count // concurrency + (1 if i < count % concurrency else 0) for i in range(concurrency)]

        async def worker(n: int) -> None:
            for _ in range(n):
                t0 = time.perf_counter()
                await channel.send(content=ChannelMessageContent(t="benchmark send"))
                lat.append(time.perf_counter() - t0)

        async with asyncio.TaskGroup() as tg:
            for n in per_task:
                tg.create_task(worker(n))
        return lat

    async def logout(self) -> None:
        if self.client is not None:
            client, self.client = self.client, None
            async with asyncio.timeout(15):
                await client.disconnect()

    async def main(self) -> None:
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=1 << 20)
        await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                words = raw.decode().split()
                if not words:
                    continue
                cmd, *rest = words
                if cmd == "quit":
                    break
                try:
                    if cmd == "login":
                        startup = await self.login()
                        emit(ok=True, ready=True, startup_s=startup)
                    elif cmd == "expect":
                        self.counter.arm(int(rest[0]), [int(m) for m in rest[1:]])
                        emit(ok=True, armed=True)
                    elif cmd == "send":
                        cpu0 = time.process_time()
                        lat = await self.send(int(rest[0]), int(rest[1]), int(rest[2]))
                        emit(ok=True, lat=lat, cpu_s=time.process_time() - cpu0)
                    elif cmd == "logout":
                        await self.logout()
                        emit(ok=True, closed=True)
                    else:
                        emit(ok=False, error=f"unknown command {cmd!r}")
                except Exception as exc:
                    emit(ok=False, error=f"{type(exc).__name__}: {exc}")
        finally:
            with contextlib.suppress(Exception):
                await self.logout()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sandbox", required=True, help="the JSON line printed by bench.sandbox_proc")
    args = parser.parse_args()
    driver = Driver(json.loads(args.sandbox), os.environ.get("MEZON_BOT_API_KEY", ""))
    # MezonClient() creates ./mezon-cache/ (sqlite) in the working directory.
    with tempfile.TemporaryDirectory(prefix="bench-official-") as workdir:
        os.chdir(workdir)
        asyncio.run(driver.main())


if __name__ == "__main__":
    main()
