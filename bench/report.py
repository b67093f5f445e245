"""Turn raw benchmark results into rows (medians, ratios, targets), a text table and JSON."""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["SCENARIOS", "build_rows", "format_table", "write_json"]

#: The five scenarios of issue 6, in table order (every row names one of them).
SCENARIOS = ("inbound", "send", "startup", "memory", "cpu")
#: Rows added by issue 14, after those: its acceptance targets, import time, how costs scale.
NEW_SCENARIOS = ("accept", "import", "scale")

_Raw = dict[str, dict[str, Any]]

#: What the ceiling column means in the send rows (the "floor" lane of ``bench.drive_floor``).
SEND_FLOOR_NOTE = (
    "send: ceiling = no SDK: pre-encoded frames over a blocking socket, same sandbox "
    "(bench/drive_floor.py; 16 concurrent = 16 requests kept in flight on one socket), "
    "what is left of the latency when a client does nothing but the socket calls"
)


def _median_of(raw: _Raw, scenario: str, sdk: str, pick: Callable[[dict[str, Any]], float]) -> float | None:
    outcome = raw.get(scenario, {}).get(sdk)
    if not outcome or not outcome.get("reps"):
        return None  # (repetitions completed before a failure still count; the failure is a note)
    return float(statistics.median(pick(rep) for rep in outcome["reps"]))


def _first(raw: _Raw, scenario: str, sdk: str, key: str, scale: float = 1.0) -> float | None:
    outcome = raw.get(scenario, {}).get(sdk)
    if not outcome or not outcome.get("reps"):
        return None
    return float(outcome["reps"][0][key]) * scale


def _error(raw: _Raw, scenario: str, sdk: str) -> str | None:
    outcome = raw.get(scenario, {}).get(sdk)
    if outcome is None:
        return "not run"
    err: str | None = outcome.get("error")
    return err


def _ms(value: float | None) -> float | None:
    return None if value is None else value * 1000.0


def _pick(mode: str, key: str) -> Callable[[dict[str, Any]], float]:
    def pick(rep: dict[str, Any]) -> float:
        return float(rep[mode][key])

    return pick


def _ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0:
        return None
    return a / b


def _all(*checks: bool | None) -> bool | None:
    """True if every check passed, False if one failed, None if one could not be evaluated."""
    if any(c is False for c in checks):
        return False
    if any(c is None for c in checks):
        return None
    return True


def build_rows(raw: _Raw, *, rate_limits_note: str) -> list[dict[str, Any]]:
    """One dict per table row: scenario, metric, unit, ours/official/ceiling, ratios, target, passed."""
    rows: list[dict[str, Any]] = []

    def notes(scenario: str, *sdks: str) -> list[str]:
        out = []
        for sdk in sdks:
            err = _error(raw, scenario, sdk)
            if err:
                out.append(f"{sdk}: {err}")
        return out

    # inbound
    ours = _median_of(raw, "inbound", "ours", lambda r: r["msg_per_s"])
    off = _median_of(raw, "inbound", "official", lambda r: r["msg_per_s"])
    ceil = _median_of(raw, "inbound", "ceiling", lambda r: r["msg_per_s"])
    vs_ceiling, vs_official = _ratio(ours, ceil), _ratio(ours, off)
    rows.append(
        {
            "scenario": "inbound",
            "metric": "channel messages/s",
            "unit": "msg/s",
            "ours": ours,
            "official": off,
            "ceiling": ceil,
            "ratios": {"ours/ceiling": vs_ceiling, "ours/official": vs_official},
            "target": ">= 0.5x ceiling and >= 3x official",
            "passed": _all(
                None if vs_ceiling is None else vs_ceiling >= 0.5,
                None if vs_official is None else vs_official >= 3.0,
            ),
            "notes": [
                *notes("inbound", "ours", "official", "ceiling"),
                "inbound: time from the sandbox's first push to the consumer reading the last text; "
                "ceiling = a bare trio-websocket client receiving the same frames from the same sandbox",
            ],
        }
    )

    # send latency
    for mode, label in (("sequential", "sequential"), ("concurrent", "16 concurrent senders")):
        o50 = _median_of(raw, "send", "ours", _pick(mode, "p50"))
        o99 = _median_of(raw, "send", "ours", _pick(mode, "p99"))
        f50 = _median_of(raw, "send", "official", _pick(mode, "p50"))
        f99 = _median_of(raw, "send", "official", _pick(mode, "p99"))
        floor = [_ms(_median_of(raw, "send", "floor", _pick(mode, q))) for q in ("p50", "p99")]
        rows.append(
            {
                "scenario": "send",
                "metric": f"send->ack {label} p50 / p99",
                "unit": "ms",
                "ours": [_ms(o50), _ms(o99)],
                "official": [_ms(f50), _ms(f99)],
                "ceiling": floor,
                "ratios": {"official p50 / ours p99": _ratio(f50, o99)},
                "target": "ours p99 <= official p50",
                "passed": None if o99 is None or f50 is None else o99 <= f50,
                "notes": [
                    *notes("send", "ours", "official", "floor"),
                    rate_limits_note,
                    SEND_FLOOR_NOTE,
                    f"send {label}: process CPU per send: mezon-trio "
                    f"{_fmt(_median_of(raw, 'send', 'ours', _pick(mode, 'cpu_us_per_send')))} us, official "
                    f"{_fmt(_median_of(raw, 'send', 'official', _pick(mode, 'cpu_us_per_send')))} us, "
                    f"no SDK {_fmt(_median_of(raw, 'send', 'floor', _pick(mode, 'cpu_us_per_send')))} us",
                ],
            }
        )

    # startup
    ours = _median_of(raw, "startup", "ours", lambda r: r["seconds"])
    off = _median_of(raw, "startup", "official", lambda r: r["seconds"])
    speedup = _ratio(off, ours)
    rows.append(
        {
            "scenario": "startup",
            "metric": "constructor to ready, 20 clans x 10 channels",
            "unit": "ms",
            "ours": None if ours is None else ours * 1000,
            "official": None if off is None else off * 1000,
            "ceiling": None,
            "ratios": {"official/ours": speedup},
            "target": ">= 10x faster than official",
            "passed": None if speedup is None else speedup >= 10.0,
            "notes": [
                *notes("startup", "ours", "official"),
                "startup: first (cold) start of each driver process: mezon-trio "
                f"{_fmt(_first(raw, 'startup', 'ours', 'seconds', 1000))} ms, official "
                f"{_fmt(_first(raw, 'startup', 'official', 'seconds', 1000))} ms "
                "(the median is over all starts)",
            ],
        }
    )

    # memory
    o_peak = _median_of(raw, "memory", "ours", lambda r: r["hwm_kb"] / 1024)
    f_peak = _median_of(raw, "memory", "official", lambda r: r["hwm_kb"] / 1024)
    o_growth = _median_of(raw, "memory", "ours", lambda r: r["growth_pct"])
    f_growth = _median_of(raw, "memory", "official", lambda r: r["growth_pct"])
    n_mem = _median_of(raw, "memory", "ours", lambda r: r["n"]) or _median_of(
        raw, "memory", "official", lambda r: r["n"]
    )
    label = f"{int(n_mem):,}" if n_mem else "N"
    rows.append(
        {
            "scenario": "memory",
            "metric": f"peak RSS after {label} msgs / RSS growth 2nd half",
            "unit": "MiB / %",
            "ours": [o_peak, o_growth],
            "official": [f_peak, f_growth],
            "ceiling": None,
            "ratios": {"official/ours peak": _ratio(f_peak, o_peak)},
            "target": "growth < 5% and peak below official",
            "passed": _all(
                None if o_growth is None else o_growth < 5.0,
                None if o_peak is None or f_peak is None else o_peak < f_peak,
            ),
            "notes": notes("memory", "ours", "official"),
        }
    )

    # cpu per inbound message (measured during the inbound repetitions)
    ours = _median_of(raw, "inbound", "ours", lambda r: r["cpu_us_per_msg"])
    off = _median_of(raw, "inbound", "official", lambda r: r["cpu_us_per_msg"])
    ceil = _median_of(raw, "inbound", "ceiling", lambda r: r["cpu_us_per_msg"])
    ratio = _ratio(off, ours)
    rows.append(
        {
            "scenario": "cpu",
            "metric": "process CPU per inbound message",
            "unit": "us/msg",
            "ours": ours,
            "official": off,
            "ceiling": ceil,
            "ratios": {"official/ours": ratio},
            "target": "<= 1/3 of official",
            "passed": None if ratio is None else ratio >= 3.0,
            "notes": notes("inbound", "ours", "official"),
        }
    )
    rows += _new_rows(raw, notes)
    return rows


def _new_rows(raw: _Raw, notes: Callable[..., list[str]]) -> list[dict[str, Any]]:
    """The rows of issue 14 (after the old ones, same run)."""
    rows: list[dict[str, Any]] = []

    def row(scenario: str, metric: str, unit: str, ours: Any, **extra: Any) -> None:
        base: dict[str, Any] = {
            "scenario": scenario,
            "metric": metric,
            "unit": unit,
            "ours": ours,
            "official": None,
            "ceiling": None,
            "ratios": {},
            "target": "",
            "passed": None,
            "notes": [],
        }
        base.update(extra)
        rows.append(base)

    # acceptance targets of issue 14, from the inbound and send figures above
    ours = _median_of(raw, "inbound", "ours", lambda r: r["msg_per_s"])
    off = _median_of(raw, "inbound", "official", lambda r: r["msg_per_s"])
    ceil = _median_of(raw, "inbound", "ceiling", lambda r: r["msg_per_s"])
    vs_ceiling, vs_official = _ratio(ours, ceil), _ratio(ours, off)
    row(
        "accept",
        "inbound channel messages/s",
        "msg/s",
        ours,
        official=off,
        ceiling=ceil,
        ratios={"ours/ceiling": vs_ceiling, "ours/official": vs_official},
        target=">= 0.6x ceiling and >= 5x official",
        passed=_all(
            None if vs_ceiling is None else vs_ceiling >= 0.6,
            None if vs_official is None else vs_official >= 5.0,
        ),
    )
    o50 = _median_of(raw, "send", "ours", _pick("sequential", "p50"))
    o99 = _median_of(raw, "send", "ours", _pick("sequential", "p99"))
    f50 = _median_of(raw, "send", "official", _pick("sequential", "p50"))
    f99 = _median_of(raw, "send", "official", _pick("sequential", "p99"))
    n50 = _median_of(raw, "send", "floor", _pick("sequential", "p50"))
    n99 = _median_of(raw, "send", "floor", _pick("sequential", "p99"))
    row(
        "accept",
        "send->ack sequential p50 / p99",
        "ms",
        [_ms(o50), _ms(o99)],
        official=[_ms(f50), _ms(f99)],
        ceiling=[_ms(n50), _ms(n99)],
        ratios={
            "ours/official p50": _ratio(o50, f50),
            "ours/official p99": _ratio(o99, f99),
            "floor/official p99": _ratio(n99, f99),
        },
        target="p50 <= official p50 and p99 <= 0.5x official p99",
        passed=_all(
            None if o50 is None or f50 is None else o50 <= f50,
            None if o99 is None or f99 is None else o99 <= 0.5 * f99,
        ),
        notes=[_floor_note(n99, f99)],
    )
    o99 = _median_of(raw, "send", "ours", _pick("concurrent", "p99"))
    f99 = _median_of(raw, "send", "official", _pick("concurrent", "p99"))
    row(
        "accept",
        "send->ack 16 concurrent senders p99",
        "ms",
        _ms(o99),
        official=_ms(f99),
        ceiling=_ms(_median_of(raw, "send", "floor", _pick("concurrent", "p99"))),
        ratios={"ours/official": _ratio(o99, f99)},
        target="p99 <= official p99",
        passed=None if o99 is None or f99 is None else o99 <= f99,
    )

    # CPU per inbound message, layer by layer (bench.breakdown)
    layers = ("transport", "yield", "peek", "decode", "client", "consumer")
    if raw.get("breakdown", {}).get("ours", {}).get("reps"):
        parts = [_median_of(raw, "breakdown", "ours", lambda r, k=k: r[k]) for k in layers]
        row(
            "cpu",
            "CPU per inbound msg by layer: " + " / ".join(layers),
            "us/msg",
            parts,
            notes=[
                "cpu by layer: bench.breakdown, one process, no sockets: transport = cutting frames "
                "out of 64 KiB reads; yield = the reader's checkpoint per message; peek = cid/variant; "
                "decode = the chat message decoder; client = the push handler up to publishing; "
                "consumer = the subscriber's async for"
            ],
        )

    # import time
    if raw.get("imports", {}).get("ours", {}).get("reps"):
        ours_s = _median_of(raw, "imports", "ours", lambda r: r["ours_s"])
        deps_s = _median_of(raw, "imports", "ours", lambda r: r["deps_s"])
        ratio = _median_of(raw, "imports", "ours", lambda r: r["ratio"])
        row(
            "import",
            "import mezon_trio on top of its deps / the deps",
            "ms",
            [_ms(ours_s), _ms(deps_s)],
            ratios={"ours/deps": ratio},
            target="<= 1x deps",
            passed=None if ratio is None else ratio <= 1.0,
            notes=[
                "import: fresh process per repetition; trio, httpx, betterproto2, wsproto and the "
                "cryptography modules imported first (timed), then mezon_trio (timed)"
            ],
        )

    # scale
    reps = raw.get("scale", {}).get("ours", {}).get("reps") or []
    scale = reps[0] if reps else {}
    if scale.get("login"):
        sizes = [r["clans"] for r in scale["login"]]
        row(
            "scale",
            "login, " + " / ".join(f"{c:,}" for c in sizes) + " clans",
            "ms",
            [r["seconds"] * 1000 for r in scale["login"]],
            notes=["scale login: constructor to ready (clans joined, one channel each), median of reps"],
        )
    if scale.get("cache"):
        sizes = [r["n"] for r in scale["cache"]]
        label = " / ".join(f"{n:,}" for n in sizes)
        row(
            "scale",
            f"RSS after {label} msgs from as many users",
            "MiB",
            [r["rss_after_kb"] / 1024 for r in scale["cache"]],
        )
        row(
            "scale",
            f"RSS growth per cached msg + user, {label}",
            "bytes",
            [r["growth_bytes_per_msg"] for r in scale["cache"]],
        )
    if scale.get("bots"):
        label = " / ".join(str(r["bots"]) for r in scale["bots"])
        row(
            "scale",
            f"bots in one process ({label}): inbound msg/s, all bots",
            "msg/s",
            [r["msg_per_s"] for r in scale["bots"]],
        )
        row(
            "scale",
            f"bots in one process ({label}): CPU per msg per bot",
            "us/msg",
            [r["cpu_us_per_msg"] for r in scale["bots"]],
            notes=["scale bots: K clients of the bot in one trio process, each consuming every message"],
        )
    for scenario in ("scale", "imports", "breakdown"):
        err = _error(raw, scenario, "ours")
        if err and err != "not run" and rows:
            rows[-1]["notes"].append(f"{scenario}: {err}")
    return rows


def _floor_note(floor_p99: float | None, official_p99: float | None) -> str:
    """Whether the sequential p99 target (0.5x official p99) lies below the floor's p99 in this run."""
    head = "accept send sequential: p99 target 0.5x official p99"
    if floor_p99 is None or official_p99 is None:
        return f"{head}: not compared with the floor (a lane did not run)"
    target, floor = _fmt(_ms(0.5 * official_p99)), _fmt(_ms(floor_p99))
    if floor_p99 > 0.5 * official_p99:
        return (
            f"{head} = {target} ms is below the floor's p99 ({floor} ms, no SDK): "
            "out of reach of any client of this sandbox in this run"
        )
    return (
        f"{head} = {target} ms is at or above the floor's p99 ({floor} ms, no SDK): within reach in this run"
    )


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, list):
        return " / ".join(_fmt(v) for v in value)
    if isinstance(value, float):
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        if abs(value) >= 100:
            return f"{value:.0f}"
        if abs(value) >= 10:
            return f"{value:.1f}"
        return f"{value:.2f}"
    return str(value)


def _fmt_ratios(ratios: dict[str, float | None]) -> str:
    return ", ".join(f"{k} {_fmt(v)}x" for k, v in ratios.items())


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table (one line per row, then the notes)."""
    header = ("scenario", "metric", "unit", "mezon-trio", "official", "ceiling", "ratios", "target", "result")
    lines = [
        (
            r["scenario"],
            r["metric"],
            r["unit"],
            _fmt(r["ours"]),
            _fmt(r["official"]),
            _fmt(r["ceiling"]),
            _fmt_ratios(r["ratios"]),
            r["target"],
            {True: "PASS", False: "FAIL", None: "n/a"}[r["passed"]],
        )
        for r in rows
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *lines, strict=True)]

    def line(cells: tuple[str, ...]) -> str:
        return " | ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()

    out = [line(header), "-+-".join("-" * w for w in widths)]
    out += [line(cells) for cells in lines]
    seen: set[str] = set()
    for r in rows:
        for note in r["notes"]:
            if note not in seen:
                seen.add(note)
                out.append(f"note ({r['scenario']}): {note}")
    return "\n".join(out)


def write_json(document: dict[str, Any], directory: Path, stamp: str) -> tuple[Path, Path]:
    """Write ``<stamp>.json`` and ``latest.json`` under *directory*; return both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    text = json.dumps(document, indent=2, sort_keys=False) + "\n"
    path = directory / f"{stamp}.json"
    latest = directory / "latest.json"
    path.write_text(text)
    latest.write_text(text)
    return path, latest
