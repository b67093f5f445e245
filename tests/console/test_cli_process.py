"""``python -m mezon_trio sandbox`` in its own process, driven through the control API from
this one: the banner (console URL, channel ids), a bot here answering a user posted over HTTP,
and a port already in use (one line, exit status 1)."""

from __future__ import annotations

import re
import subprocess
import sys
from functools import partial

import httpx
import trio

from mezon_trio import MezonClient
from mezon_trio._demo import run_demo_bot

CHANNEL_LINE = re.compile(r"^\s+(\d{10,})\s+Sandbox #general$", re.M)


async def _read_banner(proc: trio.Process) -> str:
    assert proc.stdout is not None
    out = b""
    while b"Press Ctrl-C" not in out:
        chunk = await proc.stdout.receive_some()
        assert chunk, f"the sandbox exited early: {out.decode()!r}"
        out += chunk
    return out.decode()


async def test_sandbox_process_driven_over_http_and_port_in_use() -> None:
    cmd = [sys.executable, "-m", "mezon_trio", "sandbox", "--port", "0"]
    with trio.fail_after(60):
        async with trio.open_nursery() as nursery:
            proc: trio.Process = await nursery.start(
                partial(trio.run_process, cmd, stdout=subprocess.PIPE, check=False)
            )
            try:
                banner = await _read_banner(proc)
                console = re.search(r"Web console:\s+(http://\S+)", banner)
                assert console is not None, banner
                general = CHANNEL_LINE.search(banner)
                assert general is not None, banner
                base = console.group(1).rstrip("/")
                port = int(base.rsplit(":", 1)[1])
                async with httpx.AsyncClient(base_url=base + "/_sandbox/v1") as http:
                    info = (await http.get("/info")).json()
                    bot = info["bot"]
                    creds = re.search(r"api_key\s+=\s+(\S+)", banner)
                    assert creds is not None
                    kwargs = {
                        "client_id": bot["id"],
                        "api_key": creds.group(1),
                        "host": "127.0.0.1",
                        "port": str(port),
                        "use_ssl": False,
                        "api_rate_limit": 100.0,
                        "api_burst": 100,
                    }
                    async with MezonClient(**kwargs) as client, trio.open_nursery() as bots:
                        await bots.start(run_demo_bot, client)
                        r = await http.post(
                            "/messages",
                            json={"as": "bob", "channel_id": general.group(1), "text": "!add 20 22"},
                        )
                        assert r.status_code == 200, r.text
                        answer = None
                        while answer is None:
                            log = (await http.get("/log", params={"kind": "channel_message_send"})).json()
                            answer = next(
                                (i for i in log["items"] if "20 + 22 = 42" in str(i["payload"])), None
                            )
                            await trio.sleep(0.05)
                        assert answer["user_id"] == bot["id"]
                        bots.cancel_scope.cancel()
                # the same port again: one clear line on stderr, exit status 1
                clash = await trio.run_process(
                    [sys.executable, "-m", "mezon_trio", "sandbox", "--port", str(port)],
                    capture_stdout=True,
                    capture_stderr=True,
                    check=False,
                )
                assert clash.returncode == 1
                lines = clash.stderr.decode().strip().splitlines()
                assert len(lines) == 1, lines
                assert "already in use" in lines[0]
            finally:
                proc.terminate()
