"""kill -9 a bot process mid-run: after a restart with the same SQLite file nothing is lost
(messages of the last batch window may arrive twice: at-least-once across crashes)."""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
import trio

from mezon_trio.testing import Sandbox, open_sandbox

_SCRIPT = str(Path(__file__).with_name("_bot_process.py"))

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")


class _Proc:
    def __init__(self, sb: Sandbox, db: Path, mode: str) -> None:
        self.args = [
            sys.executable,
            _SCRIPT,
            sb.host,
            str(sb.port),
            str(sb.bot.id),
            sb.bot.api_key,
            str(db),
            mode,
        ]
        self.lines: list[tuple[int, int, bool]] = []
        self.ready = trio.Event()
        self.changed = trio.Event()

    async def run(self, *, task_status: trio.TaskStatus[trio.Process] = trio.TASK_STATUS_IGNORED) -> None:
        proc = await trio.lowlevel.open_process(self.args, stdout=subprocess.PIPE)
        try:
            task_status.started(proc)
            assert proc.stdout is not None
            buf = b""
            async for chunk in proc.stdout:
                buf += chunk
                *complete, buf = buf.split(b"\n")
                for line in complete:
                    if line == b"ready":
                        self.ready.set()
                    elif line:
                        channel, message, caught_up = line.split()
                        self.lines.append((int(channel), int(message), caught_up == b"1"))
                self.changed.set()
                self.changed = trio.Event()
        finally:
            with trio.CancelScope(shield=True):
                if proc.returncode is None:
                    proc.kill()
                await proc.wait()

    async def wait_count(self, n: int) -> None:
        while len(self.lines) < n:
            await self.changed.wait()

    async def wait_has(self, wanted: set[int]) -> None:
        while not wanted <= {m for _, m, _ in self.lines}:
            await self.changed.wait()


@pytest.mark.parametrize("mode", ["engine", "client"])
async def test_kill_9_mid_run_loses_nothing(tmp_path: Path, mode: str) -> None:
    db = tmp_path / "bot.db"
    posted: dict[int, list[int]] = collections.defaultdict(list)
    with trio.fail_after(60):
        async with open_sandbox() as sb, trio.open_nursery() as nursery:
            channels = (sb.channel_id, sb.channel_ids["random"])
            first = _Proc(sb, db, mode)
            proc = await nursery.start(first.run)
            with trio.fail_after(20):
                await first.ready.wait()
            done = trio.Event()

            async def poster() -> None:
                for i in range(300):
                    for c in channels:
                        posted[c].append((await sb.post_message(sb.human.id, c, f"p{i}")).message_id)
                    await trio.sleep(0.002)
                done.set()

            nursery.start_soon(poster)
            await first.wait_count(150)
            os.kill(proc.pid, signal.SIGKILL)  # mid-run, cursors written up to 0.1 s ago
            await proc.wait()
            assert proc.returncode == -signal.SIGKILL
            killed_at = len(first.lines)
            await sb.wait_disconnected(sb.bot.id)
            await done.wait()
            second = _Proc(sb, db, mode)
            await nursery.start(second.run)
            with trio.fail_after(20):
                await second.wait_has({posted[c][-1] for c in channels})
            nursery.cancel_scope.cancel()

    all_posted = {m for c in channels for m in posted[c]}
    got_first = [m for _, m, _ in first.lines]
    got_second = [m for _, m, _ in second.lines]
    assert set(got_first) | set(got_second) == all_posted  # nothing lost, nothing invented
    for run in (first, second):
        for c in channels:
            ids = [m for ch, m, _ in run.lines if ch == c]
            assert ids == sorted(set(ids))  # per channel: in order, once per process
    again = set(got_first) & set(got_second)
    # Only the tail of the first run (its last batch window) comes again.
    for c in channels:
        ids = [m for ch, m, _ in first.lines if ch == c]
        redone = [m for m in ids if m in again]
        assert redone == ids[len(ids) - len(redone) :]
    print(f"\nkill -9 after {killed_at} deliveries; {len(again)} delivered again after the restart")  # noqa: T201
