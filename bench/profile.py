"""Where mezon-trio's time goes: sample the driver with py-spy during an inbound flood or a send loop.

    pip install py-spy                                  # once (not a project dependency)
    python -m bench.profile inbound [--n 40000]         # channel messages pushed as fast as possible
    python -m bench.profile send [--n 2000]             # sequential sends, each waiting for its ack

The sandbox runs in its own process (``bench.sandbox_proc``) and only the
driver (``bench.drive_ours``) is sampled.  Prints the functions holding the most
samples (self time) and the call paths through them (inclusive time), counting
only samples taken inside the trio run loop, not the imports or the login.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import sys
import tempfile
from pathlib import Path

import trio

from ._lines import Child

ROOT = Path(__file__).resolve().parent.parent


def summarize(raw_file: Path, top: int) -> str:
    """Self and inclusive shares from py-spy's ``--format raw`` output (collapsed stacks)."""
    self_time: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw_file.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if "unrolled_run" not in stack or "_lifecycle" in stack or "importlib" in stack:
            continue
        n = int(count)
        total += n
        frames = [f.split(" (")[0] for f in stack.split(";")]
        self_time[frames[-1]] += n
        for name in set(frames):
            inclusive[name] += n
    if not total:
        return "no samples inside the run loop"
    out = [f"{total} samples", "-- self"]
    out += [f"{100 * v / total:5.1f}%  {k}" for k, v in self_time.most_common(top)]
    out.append("-- inclusive")
    out += [f"{100 * v / total:5.1f}%  {k}" for k, v in inclusive.most_common(top + 15)]
    return "\n".join(out)


async def run(what: str, n: int, py_spy: str, out: Path) -> None:
    sb = await Child.start("sandbox", [sys.executable, "-m", "bench.sandbox_proc"], cwd=str(ROOT))
    try:
        info = await sb.receive()
        public = {k: v for k, v in info.items() if k not in ("api_key", "ok")}
        argv = [py_spy, "record", "-r", "500", "-o", str(out), "--format", "raw", "--"]
        argv += [sys.executable, "-m", "bench.drive_ours", "--sandbox", json.dumps(public)]
        drv = await Child.start(
            "driver", argv, env={"MEZON_BOT_API_KEY": str(info["api_key"])}, cwd=str(ROOT)
        )
        try:
            with trio.fail_after(120):
                await drv.request("login")
                await sb.request(f"wait_connected {info['bot_id']}")
            with trio.fail_after(120 + n / 500):
                if what == "inbound":
                    await drv.request(f"expect {n}")
                    pushed = await sb.request(f"flood {info['bot_id']} {n} 1")
                    seen = await drv.receive()
                    rate = n / (seen["t_last"] - pushed["t_start"])
                    print(f"{n} messages, {rate:,.0f} msg/s, {seen['cpu_s'] / n * 1e6:.1f} us CPU/msg")
                else:
                    answer = await drv.request(f"send {n} 1 {info['channel_id']}")
                    lat = sorted(answer["lat"])
                    print(
                        f"{n} sends, p50 {lat[len(lat) // 2] * 1e3:.2f} ms, "
                        f"{answer['cpu_s'] / n * 1e6:.0f} us CPU/send"
                    )
        finally:
            await drv.aclose()
    finally:
        await sb.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("what", choices=["inbound", "send"])
    parser.add_argument("--n", type=int, help="messages (inbound, default 40000) or sends (default 2000)")
    parser.add_argument("--top", type=int, default=30)
    args = parser.parse_args()
    py_spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(py_spy).exists():
        sys.exit("py-spy not found: pip install py-spy")
    n = args.n or (40_000 if args.what == "inbound" else 2_000)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "profile.txt"
        trio.run(run, args.what, n, py_spy, out)
        print(summarize(out, args.top))


if __name__ == "__main__":
    main()
