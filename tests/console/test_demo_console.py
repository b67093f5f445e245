"""``python -m mezon_trio demo --console``: the demo's sandbox stays up and serves the console."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from functools import partial

import httpx
import trio


async def test_demo_console_keeps_running_and_serves_the_console() -> None:
    cmd = [sys.executable, "-m", "mezon_trio", "demo", "--console"]
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            proc: trio.Process = await nursery.start(
                partial(trio.run_process, cmd, stdout=subprocess.PIPE, check=False)
            )
            assert proc.stdout is not None
            out = b""
            while b"Web console:" not in out or not out.endswith(b"\n"):
                chunk = await proc.stdout.receive_some()
                assert chunk, out.decode()
                out += chunk
            found = re.search(r"Web console: (http://\S+)", out.decode())
            assert found is not None
            async with httpx.AsyncClient() as http:
                page = await http.get(found.group(1))
                assert page.status_code == 200
                assert "Mezon sandbox console" in page.text
                info = (await http.get(found.group(1) + "_sandbox/v1/info")).json()
                assert info["bot"]["online"] is True  # the demo bot is still connected
            proc.send_signal(signal.SIGINT)
            assert await proc.wait() == 0
