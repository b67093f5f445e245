"""``python -m bench``: mezon-trio vs the official SDK vs the transport ceiling.

    python -m bench                   # full run (a few minutes), table + bench/results/<stamp>.json
    python -m bench --quick           # smoke variant: tiny sizes, one or two repetitions
    python -m bench --scenarios inbound,send --reps 3 --no-official

Every scenario runs against a sandbox in its own process.  The official SDK
runs in a cached Python 3.13 venv (``tests/interop/official_env.py``); when
that is unavailable its columns read ``-`` and the notes say why.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import asdict, replace
from pathlib import Path

import trio

from .report import build_rows, format_table, write_json
from .run import SDKS, Config, Runner, environment

RATE_LIMITS_NOTE = (
    "send: sandbox rate limits disabled; client-side socket throttles lifted on both sides "
    "(mezon-trio ws_rate_limit=inf, official adapter limiter replaced by a no-op)"
)


def _log(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (CI smoke run)")
    parser.add_argument("--reps", type=int, help="repetitions of the inbound scenario")
    parser.add_argument("--n", type=int, help="messages per inbound repetition")
    parser.add_argument("--scenarios", help="comma-separated subset of inbound,send,startup,memory")
    parser.add_argument("--sdks", help="comma-separated subset of ceiling,ours,official,floor")
    parser.add_argument("--no-official", action="store_true", help="skip the official SDK")
    parser.add_argument("--output-dir", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args(argv)

    config = Config.quick() if args.quick else Config()
    if args.reps:
        config = replace(config, reps=args.reps)
    if args.n:
        config = replace(config, inbound_n=args.n)
    if args.no_official:
        config = replace(config, official=False)
    if args.scenarios:
        wanted = tuple(s.strip() for s in args.scenarios.split(",") if s.strip())
        unknown = set(wanted) - set(Config().scenarios)
        if unknown:
            parser.error(f"unknown scenarios: {', '.join(sorted(unknown))}")
        config = replace(config, scenarios=wanted)

    if args.sdks:
        sdks = tuple(s.strip() for s in args.sdks.split(",") if s.strip())
        unknown = set(sdks) - set(SDKS)
        if unknown:
            parser.error(f"unknown SDKs: {', '.join(sorted(unknown))}")
        config = replace(config, sdks=sdks)

    runner = Runner(config, log=_log)
    started = time.time()
    raw = trio.run(runner.run)
    rows = build_rows(raw, rate_limits_note=RATE_LIMITS_NOTE)
    if args.quick:
        rows[0]["notes"].insert(0, "--quick: sizes too small for the verdicts to mean anything")
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
    document = {
        "timestamp": stamp,
        "quick": args.quick,
        "config": asdict(config),
        "environment": environment(runner),
        "official_skipped": runner.official_skip,
        "rows": rows,
        "raw": raw,
    }
    path, _ = write_json(document, args.output_dir, stamp)
    print(format_table(rows))
    print(f"\nresults: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
