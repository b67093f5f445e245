"""CI smoke test of the benchmark harness (``python -m bench --quick``): correctness, not timing.

Checks that the harness runs every scenario end to end (sandbox in its own
process, drivers, ceiling), produces a row for each of the five scenarios with
figures for the SDKs that ran, computes ratios and verdicts from them, and writes
valid JSON.  The official SDK's part needs Python 3.13 with ``mezon-sdk`` (the
interop venv) and skips, with the reason, where that is unavailable.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench.frames import FrameFactory, channel_message_frame
from bench.report import NEW_SCENARIOS, SCENARIOS, build_rows, format_table, write_json
from bench.run import percentile

ROOT = Path(__file__).resolve().parents[1]
RUN_TIMEOUT = 420


def _run_bench(tmp_path: Path, *args: str) -> tuple[dict[str, Any], str]:
    result = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--output-dir", str(tmp_path), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, f"python -m bench failed:\n{result.stdout}\n{result.stderr[-4000:]}"
    latest = json.loads((tmp_path / "latest.json").read_text())
    stamped = [p for p in tmp_path.glob("*.json") if p.name != "latest.json"]
    assert len(stamped) == 1
    assert json.loads(stamped[0].read_text()) == latest
    return latest, result.stdout


def _rows_by_scenario(document: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    rows: dict[str, list[dict[str, Any]]] = {}
    for row in document["rows"]:
        rows.setdefault(row["scenario"], []).append(row)
    return rows


def _numbers(value: Any) -> list[float]:
    values = value if isinstance(value, list) else [value]
    assert all(isinstance(v, (int, float)) and math.isfinite(v) and v >= 0 for v in values), value
    return [float(v) for v in values]


def test_frame_factory_builds_the_reference_bytes() -> None:
    factory = FrameFactory()
    for i, channel in ((0, 1840000000000000200), (7, 1870000000000000001), (123_456, 5)):
        assert factory.frame(i, channel_id=channel) == channel_message_frame(i, channel_id=channel)
    frames = factory.frames(6, [11, 22, 33], first_id=1000)
    for i, frame in enumerate(frames):
        assert frame == channel_message_frame(i, channel_id=[11, 22, 33][i % 3], message_id=1000 + i)
    assert all(600 < len(f) < 800 for f in frames)


def test_percentile() -> None:
    assert percentile([3.0], 99) == 3.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile(list(map(float, range(101))), 99) == 99.0


def _synthetic_raw(*, ours_rate: float, official: bool) -> dict[str, Any]:
    def sdk(reps: list[dict[str, Any]]) -> dict[str, Any]:
        return {"reps": reps, "error": None}

    def send(p50: float, p99: float) -> dict[str, Any]:
        one = {"n": 10, "tasks": 1, "p50": p50, "p99": p99, "cpu_us_per_send": 100.0}
        return {"sequential": one, "concurrent": {**one, "tasks": 16}}

    raw: dict[str, Any] = {
        "inbound": {
            "ceiling": sdk([{"msg_per_s": 40_000.0, "cpu_us_per_msg": 20.0}]),
            "ours": sdk([{"msg_per_s": ours_rate, "cpu_us_per_msg": 30.0}] * 3),
        },
        "send": {"ours": sdk([send(0.0004, 0.0005)]), "floor": sdk([send(0.0002, 0.0007)])},
        "startup": {"ours": sdk([{"seconds": 0.05}])},
        "memory": {"ours": sdk([{"n": 100_000, "hwm_kb": 40_960, "growth_pct": 1.0}])},
    }
    if official:
        raw["inbound"]["official"] = sdk([{"msg_per_s": 6_000.0, "cpu_us_per_msg": 120.0}])
        raw["send"]["official"] = sdk([send(0.0006, 0.0012)])
        raw["startup"]["official"] = sdk([{"seconds": 1.3}])
        raw["memory"]["official"] = sdk([{"n": 100_000, "hwm_kb": 81_920, "growth_pct": 30.0}])
    else:
        for name in ("inbound", "send", "startup", "memory"):
            raw[name]["official"] = {"reps": [], "error": "skipped: no Python 3.13"}
    return raw


def test_rows_ratios_and_verdicts(tmp_path: Path) -> None:
    rows = build_rows(_synthetic_raw(ours_rate=25_000.0, official=True), rate_limits_note="limits off")
    assert [r["scenario"] for r in rows][:6] == ["inbound", "send", "send", "startup", "memory", "cpu"]
    assert [r["scenario"] for r in rows][6:] == ["accept"] * 3  # issue 14's targets, beside the old ones
    assert rows[6]["passed"] is False  # 25,000 msg/s: 0.625x the ceiling but only 4.2x official
    by = {(r["scenario"], r["metric"].split()[1] if r["scenario"] == "send" else ""): r for r in rows}
    inbound = by[("inbound", "")]
    assert inbound["ratios"] == {"ours/ceiling": 25_000 / 40_000, "ours/official": 25_000 / 6_000}
    assert inbound["passed"] is True
    assert by[("send", "sequential")]["passed"] is True  # 0.5 ms p99 <= 0.6 ms p50
    assert by[("send", "sequential")]["ours"] == pytest.approx([0.4, 0.5])
    assert by[("startup", "")]["ratios"]["official/ours"] == pytest.approx(26.0)
    assert by[("memory", "")]["passed"] is True
    assert by[("cpu", "")]["passed"] is True  # 30 <= 120 / 3
    assert "limits off" in by[("send", "sequential")]["notes"]
    assert by[("send", "sequential")]["ceiling"] == pytest.approx([0.2, 0.7])  # the no-SDK floor lane
    seq_accept = rows[7]
    assert seq_accept["ceiling"] == pytest.approx([0.2, 0.7])
    assert seq_accept["ratios"]["floor/official p99"] == pytest.approx(0.7 / 1.2)
    assert seq_accept["passed"] is True  # the verdict still compares ours with official only
    assert any("0.60 ms is below the floor's p99 (0.70 ms" in n for n in seq_accept["notes"])

    slow = build_rows(_synthetic_raw(ours_rate=15_000.0, official=True), rate_limits_note="")
    assert slow[0]["passed"] is False  # 0.375x the ceiling

    alone = build_rows(_synthetic_raw(ours_rate=25_000.0, official=False), rate_limits_note="")
    assert alone[0]["passed"] is None  # the ceiling part passes, the official part cannot be judged
    assert alone[0]["ratios"]["ours/official"] is None
    assert any("no Python 3.13" in note for note in alone[0]["notes"])

    table = format_table(rows)
    for scenario in SCENARIOS:
        assert f"\n{scenario} " in "\n" + table
    assert "PASS" in table
    path, latest = write_json({"rows": rows}, tmp_path, "stamp")
    assert json.loads(path.read_text()) == json.loads(latest.read_text()) == {"rows": rows}


def test_quick_run_without_the_official_sdk(tmp_path: Path) -> None:
    document, stdout = _run_bench(tmp_path, "--no-official")
    rows = _rows_by_scenario(document)
    assert set(rows) == set(SCENARIOS) | set(NEW_SCENARIOS)
    assert len(rows["scale"]) == 5  # login, RSS, RSS growth, bots msg/s, bots CPU
    assert len(rows["cpu"]) == 2  # per message, and by layer
    for scenario, scenario_rows in rows.items():
        for row in scenario_rows:
            assert row["ours"] is not None, (scenario, row)
            _numbers(row["ours"])
            assert row["official"] in (None, [None, None])
    _numbers(rows["inbound"][0]["ceiling"])
    _numbers(rows["cpu"][0]["ceiling"])
    assert rows["inbound"][0]["ratios"]["ours/ceiling"] > 0
    raw = document["raw"]
    assert len(raw["inbound"]["ours"]["reps"]) == document["config"]["reps"]
    assert raw["inbound"]["official"]["error"].startswith("skipped")
    assert all(rep["n"] == document["config"]["inbound_n"] for rep in raw["inbound"]["ceiling"]["reps"])
    memory = raw["memory"]["ours"]["reps"][0]
    assert memory["marks"]
    assert memory["marks"][0]["mark"] == document["config"]["memory_n"] // 2
    assert "rate limits disabled" in stdout  # the send scenario says so
    for row in rows["send"]:  # the no-SDK floor lane runs without the official SDK
        _numbers(row["ceiling"])
    assert "no SDK: pre-encoded frames" in stdout
    for scenario in SCENARIOS:
        assert f"\n{scenario} " in "\n" + stdout


@pytest.mark.interop
def test_quick_run_of_the_official_sdk(tmp_path: Path) -> None:
    from tests.interop.official_env import OfficialSDKUnavailable, ensure_official_python

    try:
        ensure_official_python()
    except OfficialSDKUnavailable as exc:
        pytest.skip(f"official mezon-sdk unavailable: {exc.reason}")
    document, _ = _run_bench(tmp_path, "--sdks", "official")
    assert document["official_skipped"] is None
    rows = _rows_by_scenario(document)
    assert set(rows) == {*SCENARIOS, "accept"}  # import, scale, cpu by layer: mezon-trio only
    for scenario_rows in rows.values():
        for row in scenario_rows:
            _numbers(row["official"])
    assert document["environment"]["official_python"]
