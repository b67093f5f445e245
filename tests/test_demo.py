"""``python -m mezon_trio demo``: the README's main job."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import trio

from mezon_trio._demo import _run


async def test_demo_transcript_in_process() -> None:
    out, err = io.StringIO(), io.StringIO()
    with trio.fail_after(60):
        status = await _run(out, err, time.perf_counter)
    text = out.getvalue()
    assert status == 0, err.getvalue()
    assert err.getvalue() == ""
    for expected in (
        "alice: @sandbox-bot ping\nbot: pong",
        "bot: 2 + 40 = 42",
        "bot: bad value 'two' for a: expected int\n     Usage: !add <a:int> <b:int>",
        "Did you mean !poll?",
        "pizza: 0 · sushi: 2 · salad: 0",
        "(DM to bob) Funds Transferred: 25",
        "bot: Sent 25 tokens to @bob (tx ",
        "chain: bob's balance 1000 → 1025 tokens",
        "(DM to alice) Thanks for the 10 tokens, alice!",
        "11 user actions, 12 bot answers",
    ):
        assert expected in text, f"{expected!r} missing from the transcript:\n{text}"


def test_demo_command_line() -> None:
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "mezon_trio", "demo"], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert "bot: pong" in proc.stdout
    assert proc.stderr == ""
    assert time.monotonic() - started < 60
