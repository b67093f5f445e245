"""The benchmark run: every scenario for the transport ceiling, mezon-trio and the official SDK.

Each measurement gets a fresh sandbox process (``bench.sandbox_proc``) and a
fresh driver process (``bench.drive_ours`` on this interpreter,
``bench/drive_official.py`` on the official SDK's Python 3.13), talking line
commands over pipes; nothing measured shares a process with the server.  The
send scenario has a fourth lane, "floor" (``bench.drive_floor``: no SDK, ready-made
frames over a blocking socket): the latency left when a client does nothing but its
socket calls.  See :mod:`bench.report` for the table, the targets and the JSON file.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import trio

from ._lines import Child, ChildFailed

ROOT = Path(__file__).resolve().parent.parent
SDKS = ("ours", "official", "ceiling", "floor")


@dataclass
class Config:
    """Sizes of every scenario (``quick()``: the CI smoke variant)."""

    reps: int = 5
    inbound_n: int = 30_000
    warmup_n: int = 500
    memory_n: int = 100_000
    memory_channels: int = 1_000
    memory_reps: int = 2
    send_sequential: int = 400
    send_concurrency: int = 16
    send_concurrent_total: int = 1_600
    send_reps: int = 3
    startup_reps: int = 5
    startup_clans: int = 20
    startup_channels: int = 10
    official: bool = True
    scenarios: tuple[str, ...] = ("inbound", "send", "startup", "memory", "imports", "scale", "breakdown")
    sdks: tuple[str, ...] = SDKS
    import_reps: int = 7
    scale_clans: tuple[int, ...] = (1, 100, 1_000)
    scale_login_reps: int = 2
    scale_cache: tuple[int, ...] = (10_000, 100_000)
    scale_bots: int = 50
    scale_bots_n: int = 2_000
    breakdown_n: int = 20_000

    @classmethod
    def quick(cls) -> Config:
        return cls(
            reps=2,
            inbound_n=300,
            warmup_n=20,
            memory_n=2_000,
            memory_channels=20,
            memory_reps=1,
            send_sequential=10,
            send_concurrent_total=32,
            send_reps=1,
            startup_reps=1,
            import_reps=1,
            scale_clans=(1, 10),
            scale_login_reps=1,
            scale_cache=(500, 1_000),
            scale_bots=3,
            scale_bots_n=100,
            breakdown_n=500,
        )


@dataclass
class Outcome:
    """What one SDK produced in one scenario: raw per-repetition data, or why it has none (or no more)."""

    reps: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


@dataclass
class Lane:
    """One SDK's processes in a scenario: its sandbox, its driver, the sandbox's JSON line."""

    sdk: str
    outcome: Outcome
    sb: Child = field(init=False)
    drv: Child = field(init=False)
    info: dict[str, Any] = field(init=False)


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median(values: list[float]) -> float:
    return statistics.median(values)


class Runner:
    def __init__(self, config: Config, *, log: Callable[[str], None]) -> None:
        self.config = config
        self.log = log
        self.official_python: str | None = None
        self.official_skip: str | None = None

    # ------------------------------------------------------------------ processes

    @asynccontextmanager
    async def sandbox(self) -> AsyncIterator[tuple[Child, dict[str, Any]]]:
        child = await Child.start("sandbox", [sys.executable, "-m", "bench.sandbox_proc"], cwd=str(ROOT))
        try:
            with trio.fail_after(60):
                info = await child.receive()
            yield child, info
        finally:
            await child.aclose()

    @asynccontextmanager
    async def driver(self, sdk: str, info: dict[str, Any]) -> AsyncIterator[Child]:
        public = {k: v for k, v in info.items() if k not in ("api_key", "ok")}
        env = {"MEZON_BOT_API_KEY": str(info["api_key"])}
        if sdk == "official":
            assert self.official_python is not None
            argv = [self.official_python, str(ROOT / "bench" / "drive_official.py")]
        elif sdk == "floor":
            argv = [sys.executable, "-m", "bench.drive_floor"]
        else:
            argv = [sys.executable, "-m", "bench.drive_ours"]
        child = await Child.start(
            f"{sdk} driver", [*argv, "--sandbox", json.dumps(public)], env=env, cwd=str(ROOT)
        )
        try:
            yield child
        finally:
            await child.aclose()

    async def connect(self, sdk: str, sb: Child, drv: Child, info: dict[str, Any]) -> dict[str, Any]:
        with trio.fail_after(120):
            if sdk in ("ceiling", "floor"):  # no SDK login: a session token, then a bare socket
                token = (await sb.request(f"session {info['bot_id']}"))["token"]
                answer = await drv.request(f"raw {token}")
            else:
                answer = await drv.request("login")
            await sb.request(f"wait_connected {info['bot_id']}")
        return answer

    async def flood(
        self,
        sb: Child,
        drv: Child,
        info: dict[str, Any],
        n: int,
        channels: int,
        marks: tuple[int, ...] = (),
        *,
        mode: str = "chunked",
        receivers: int = 1,
    ) -> dict[str, Any]:
        """Push *n* messages and wait until the driver saw them all (*receivers* clients each);
        one result record (rates and CPU per message count every client's copy)."""
        with trio.fail_after(30):
            await drv.request(" ".join(["expect", str(n * receivers), *map(str, marks)]))
        pushed: dict[str, Any] = {}
        seen: dict[str, Any] = {}
        mark_lines: list[dict[str, Any]] = []

        async def push() -> None:
            pushed.update(await sb.request(f"flood {info['bot_id']} {n} {channels} {mode}"))

        async def watch() -> None:
            while True:
                answer = await drv.receive()
                if "mark" in answer:
                    mark_lines.append(answer)
                else:
                    seen.update(answer)
                    return

        with trio.fail_after(60 + n * receivers / 1000):
            async with trio.open_nursery() as nursery:
                nursery.start_soon(push)
                nursery.start_soon(watch)
        elapsed = seen["t_last"] - pushed["t_start"]
        total = n * receivers
        return {
            "n": n,
            "seconds": elapsed,
            "msg_per_s": total / elapsed,
            "push_seconds": pushed["t_end"] - pushed["t_start"],
            "cpu_s": seen["cpu_s"],
            "cpu_us_per_msg": seen["cpu_s"] / total * 1e6,
            "rss_kb": seen["rss_kb"],
            "hwm_kb": seen["hwm_kb"],
            "marks": mark_lines,
        }

    # ------------------------------------------------------------------ scenarios

    def _skip_reason(self, sdk: str) -> str | None:
        if sdk == "official" and self.official_skip is not None:
            return f"skipped: {self.official_skip}"
        return None

    async def _attempt(self, lane: Lane, what: str, work: Coroutine[Any, Any, None]) -> None:
        """Run one step of *lane*; a failure ends that lane (recorded), not the scenario."""
        try:
            await work
        except ChildFailed as exc:
            lane.outcome.error = f"failed ({what}): {exc}"
        except trio.TooSlowError:
            lane.outcome.error = f"failed ({what}): timed out"
        if lane.outcome.error:
            self.log(f"  {lane.sdk}: {lane.outcome.error}")

    async def interleaved(
        self,
        sdks: tuple[str, ...],
        reps: int,
        setup: Callable[[Lane], Coroutine[Any, Any, None]],
        rep: Callable[[Lane], Coroutine[Any, Any, dict[str, Any]]],
    ) -> dict[str, Outcome]:
        """One sandbox + driver per SDK, all open at once; repetitions alternate between them.

        Load from other processes on a shared machine then hits every SDK alike, which keeps
        the ratios honest.  The order rotates each round.
        """
        outcomes: dict[str, Outcome] = {}
        async with AsyncExitStack() as stack:
            lanes: list[Lane] = []
            for sdk in sdks:
                outcome = outcomes[sdk] = Outcome(error=self._skip_reason(sdk))
                if outcome.error:
                    continue
                lane = Lane(sdk, outcome)

                async def open_lane(lane: Lane = lane) -> None:
                    lane.sb, lane.info = await stack.enter_async_context(self.sandbox())
                    lane.drv = await stack.enter_async_context(self.driver(lane.sdk, lane.info))
                    await setup(lane)

                await self._attempt(lane, "setup", open_lane())
                if not outcome.error:
                    lanes.append(lane)
            for r in range(reps):
                k = r % len(lanes) if lanes else 0
                for lane in lanes[k:] + lanes[:k]:
                    if lane.outcome.error:
                        continue

                    async def one(lane: Lane = lane) -> None:
                        lane.outcome.reps.append(await rep(lane))

                    await self._attempt(lane, f"repetition {r + 1}", one())
        return outcomes

    async def inbound(self, sdks: tuple[str, ...]) -> dict[str, Outcome]:
        cfg = self.config

        async def setup(lane: Lane) -> None:
            await self.connect(lane.sdk, lane.sb, lane.drv, lane.info)
            # Warm-up: one message first (the official SDK loads the clan's channel list on
            # its first message; a burst before that would queue one throttled HTTP call per
            # message), then a batch.
            await self.flood(lane.sb, lane.drv, lane.info, 1, 1)
            await self.flood(lane.sb, lane.drv, lane.info, cfg.warmup_n, 1)

        async def rep(lane: Lane) -> dict[str, Any]:
            return await self.flood(lane.sb, lane.drv, lane.info, cfg.inbound_n, 1)

        return await self.interleaved(sdks, cfg.reps, setup, rep)

    async def memory(self, sdks: tuple[str, ...]) -> dict[str, Outcome]:
        """Fresh processes for every repetition (peak RSS is per process); SDKs alternate."""
        cfg = self.config
        half = cfg.memory_n // 2
        outcomes = {sdk: Outcome(error=self._skip_reason(sdk)) for sdk in sdks}
        for r in range(cfg.memory_reps):
            order = list(sdks) if r % 2 == 0 else list(reversed(sdks))
            for sdk in order:
                lane = Lane(sdk, outcomes[sdk])
                if lane.outcome.error:
                    continue

                async def one(lane: Lane = lane) -> None:
                    async with self.sandbox() as (sb, info):
                        with trio.fail_after(30):
                            await sb.request(f"channels {cfg.memory_channels}")
                        async with self.driver(lane.sdk, info) as drv:
                            await self.connect(lane.sdk, sb, drv, info)
                            await self.flood(sb, drv, info, 1, 1)  # the clan's channel list (see inbound)
                            rec = await self.flood(sb, drv, info, cfg.memory_n, cfg.memory_channels, (half,))
                    mid = rec["marks"][0]["rss_kb"] if rec["marks"] else rec["rss_kb"]
                    rec["rss_half_kb"] = mid
                    rec["growth_pct"] = (rec["rss_kb"] - mid) / mid * 100 if mid else 0.0
                    lane.outcome.reps.append(rec)

                await self._attempt(lane, f"repetition {r + 1}", one())
        return outcomes

    async def send(self, sdks: tuple[str, ...]) -> dict[str, Outcome]:
        cfg = self.config

        async def setup(lane: Lane) -> None:
            with trio.fail_after(30):
                await lane.sb.request("rate_limits off")
            await self.connect(lane.sdk, lane.sb, lane.drv, lane.info)
            with trio.fail_after(120):  # warm-up (and the official SDK's throttled channel fetch)
                await lane.drv.request(f"send 20 1 {lane.info['channel_id']}")

        async def rep(lane: Lane) -> dict[str, Any]:
            channel = lane.info["channel_id"]
            total, tasks = cfg.send_concurrent_total, cfg.send_concurrency
            with trio.fail_after(300):
                seq = await lane.drv.request(f"send {cfg.send_sequential} 1 {channel}")
                conc = await lane.drv.request(f"send {total} {tasks} {channel}")

            def stats(answer: dict[str, Any], tasks: int) -> dict[str, Any]:
                lat = answer["lat"]
                return {
                    "n": len(lat),
                    "tasks": tasks,
                    "p50": percentile(lat, 50),
                    "p99": percentile(lat, 99),
                    "cpu_us_per_send": answer["cpu_s"] / len(lat) * 1e6,
                }

            return {"sequential": stats(seq, 1), "concurrent": stats(conc, tasks)}

        return await self.interleaved(sdks, cfg.send_reps, setup, rep)

    async def startup(self, sdks: tuple[str, ...]) -> dict[str, Outcome]:
        cfg = self.config

        async def setup(lane: Lane) -> None:
            with trio.fail_after(30):
                await lane.sb.request(f"seed_clans {cfg.startup_clans} {cfg.startup_channels}")

        async def rep(lane: Lane) -> dict[str, Any]:
            with trio.fail_after(180):
                answer = await lane.drv.request("login")
                await lane.drv.request("logout")
            return {"seconds": answer["startup_s"]}

        return await self.interleaved(sdks, cfg.startup_reps, setup, rep)

    async def imports(self, sdks: tuple[str, ...]) -> dict[str, Outcome]:
        """``import mezon_trio`` against its runtime dependencies, in one fresh process per repetition:
        the dependencies first (timed), then mezon_trio on top of them (timed)."""
        if "ours" not in sdks:
            return {}
        outcome = Outcome()
        code = (
            "import time\n"
            "t0 = time.perf_counter()\n"
            "import trio, httpx, betterproto2, wsproto\n"
            "from cryptography.hazmat.primitives.asymmetric import ed25519\n"
            "from cryptography.hazmat.primitives import serialization\n"
            "t1 = time.perf_counter()\n"
            "import mezon_trio\n"
            "t2 = time.perf_counter()\n"
            "print(t1 - t0, t2 - t1)\n"
        )
        for _ in range(self.config.import_reps):
            result = await trio.run_process(
                [sys.executable, "-c", code], capture_stdout=True, cwd=str(ROOT), check=False
            )
            if result.returncode != 0:
                outcome.error = f"failed: exit status {result.returncode}"
                break
            deps, ours = map(float, result.stdout.split())
            outcome.reps.append({"deps_s": deps, "ours_s": ours, "ratio": ours / deps})
        return {"ours": outcome}

    async def breakdown(self, sdks: tuple[str, ...]) -> dict[str, Outcome]:
        """CPU per inbound message by layer (``bench.breakdown``, one process, no sockets)."""
        if "ours" not in sdks:
            return {}
        outcome = Outcome()
        result = await trio.run_process(
            [sys.executable, "-m", "bench.breakdown", "--n", str(self.config.breakdown_n)],
            capture_stdout=True,
            cwd=str(ROOT),
            check=False,
        )
        if result.returncode != 0:
            outcome.error = f"failed: exit status {result.returncode}"
        else:
            outcome.reps.append(json.loads(result.stdout))
        return {"ours": outcome}

    async def scale(self, sdks: tuple[str, ...]) -> dict[str, Outcome]:
        """How mezon-trio's costs grow: login time with 1/100/1,000 clans; RSS with N messages from
        N distinct users cached; K bots in one trio process.  Fresh processes for every size."""
        if "ours" not in sdks:
            return {}
        cfg = self.config
        outcome = Outcome()
        lane = Lane("ours", outcome)
        record: dict[str, Any] = {"login": [], "cache": [], "bots": []}

        async def login_rows() -> None:
            for clans in cfg.scale_clans:
                times = []
                async with self.sandbox() as (sb, info):
                    with trio.fail_after(60):
                        await sb.request(f"seed_clans {clans} 1")
                    async with self.driver("ours", info) as drv:
                        for _ in range(cfg.scale_login_reps):
                            with trio.fail_after(300):
                                times.append((await drv.request("login"))["startup_s"])
                                await drv.request("logout")
                record["login"].append({"clans": clans, "seconds": median(times)})

        async def cache_rows() -> None:
            for n in cfg.scale_cache:
                async with self.sandbox() as (sb, info), self.driver("ours", info) as drv:
                    with trio.fail_after(60):
                        await sb.request("channels 100")
                    await self.connect("ours", sb, drv, info)
                    before = await self.flood(sb, drv, info, 1, 1)
                    after = await self.flood(sb, drv, info, n, 100, mode="users")
                record["cache"].append(
                    {
                        "n": n,
                        "rss_before_kb": before["rss_kb"],
                        "rss_after_kb": after["rss_kb"],
                        "growth_bytes_per_msg": (after["rss_kb"] - before["rss_kb"]) * 1024 / n,
                        "cpu_us_per_msg": after["cpu_us_per_msg"],
                    }
                )

        async def bots_rows() -> None:
            for k in (1, cfg.scale_bots):
                async with self.sandbox() as (sb, info), self.driver("ours", info) as drv:
                    with trio.fail_after(300):
                        await drv.request(f"login {k}")
                        await sb.request(f"wait_connected {info['bot_id']} {k}")
                    await self.flood(sb, drv, info, 1, 1, receivers=k)
                    rec = await self.flood(sb, drv, info, cfg.scale_bots_n, 1, receivers=k)
                record["bots"].append(
                    {
                        "bots": k,
                        "msg_per_s": rec["msg_per_s"],
                        "cpu_us_per_msg": rec["cpu_us_per_msg"],
                        "rss_kb": rec["rss_kb"],
                    }
                )

        await self._attempt(lane, "login", login_rows())
        await self._attempt(lane, "cache", cache_rows())
        await self._attempt(lane, "bots", bots_rows())
        outcome.reps.append(record)
        return {"ours": outcome}

    async def run(self) -> dict[str, Any]:
        cfg = self.config
        if cfg.official and "official" in cfg.sdks:
            await self.find_official()
        else:
            self.official_skip = "disabled (--no-official)"
        plan: dict[
            str, tuple[Callable[[tuple[str, ...]], Coroutine[Any, Any, dict[str, Outcome]]], tuple[str, ...]]
        ] = {
            "inbound": (self.inbound, ("ceiling", "ours", "official")),
            "send": (self.send, ("ours", "official", "floor")),
            "startup": (self.startup, ("ours", "official")),
            "memory": (self.memory, ("ours", "official")),
            "imports": (self.imports, ("ours",)),
            "scale": (self.scale, ("ours",)),
            "breakdown": (self.breakdown, ("ours",)),
        }
        results: dict[str, Any] = {}
        for name in cfg.scenarios:
            scenario, sdks = plan[name]
            t0 = time.perf_counter()
            self.log(f"{name} ...")
            outcomes = await scenario(tuple(s for s in sdks if s in cfg.sdks))
            self.log(f"{name}: done in {time.perf_counter() - t0:.1f} s")
            results[name] = {sdk: asdict(outcome) for sdk, outcome in outcomes.items()}
        return results

    async def find_official(self) -> None:
        sys.path.insert(0, str(ROOT))
        try:
            from tests.interop.official_env import OfficialSDKUnavailable, ensure_official_python
        except ImportError as exc:  # pragma: no cover - running outside the repository
            self.official_skip = f"tests/interop/official_env.py not importable: {exc}"
            return
        try:
            self.official_python = str(await trio.to_thread.run_sync(ensure_official_python))
        except OfficialSDKUnavailable as exc:
            self.official_skip = exc.reason


def environment(runner: Runner) -> dict[str, Any]:
    import platform

    return {
        "python": sys.version.split()[0],
        "official_python": runner.official_python,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
    }
