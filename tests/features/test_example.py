"""examples/media_and_polls_bot.py --sandbox runs offline and shows every feature."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "media_and_polls_bot.py"


def test_media_and_polls_bot_runs_offline() -> None:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE), "--sandbox"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=EXAMPLE.parent,
    )
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    for expected in (
        "bot: *posts a poll* Lunch? (pizza / sushi / salad)",
        "sushi: 2",
        "bot: here is the chart (64x32)",
        "sandbox: stored chart.png (image/png,",
        "bot: 🤖 AI session in lounge: started",
        "bot: ▶ playing theme.mp3 in room",
        "sandbox: playing https://cdn.example.org/music/theme.mp3 in room",
        "📊 Lunch? (closed)",
    ):
        assert expected in out, out
