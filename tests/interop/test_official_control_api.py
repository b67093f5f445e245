"""The official ``mezon-sdk`` bot driven through the sandbox's control API from another process.

Three processes: the sandbox (``python -m mezon_trio sandbox --port 0``), the official SDK's
bot (Python 3.13, :mod:`tests.interop.official_bot`) and this test, which acts as alice only
over HTTP (``POST /_sandbox/v1/messages``) and reads the bot's reply from the recorded log
(``GET /_sandbox/v1/log``). Skipped like the other interop tests when the official SDK is
unavailable.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
import trio

from .official_env import OfficialSDKUnavailable, ensure_official_python
from .test_official_sdk import BOT_SCRIPT, TRIGGER, BotProcess

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def official_python() -> Path:
    try:
        return ensure_official_python()
    except OfficialSDKUnavailable as exc:
        pytest.skip(f"official mezon-sdk unavailable: {exc.reason}")


async def _banner(proc: trio.Process) -> str:
    assert proc.stdout is not None
    out = b""
    while b"Press Ctrl-C" not in out:
        chunk = await proc.stdout.receive_some()
        assert chunk, f"the sandbox exited early: {out.decode()!r}"
        out += chunk
    return out.decode()


def _field(pattern: str, text: str) -> str:
    found = re.search(pattern, text, re.M)
    assert found is not None, f"{pattern!r} not in the banner:\n{text}"
    return found.group(1)


async def _bot_sends(http: httpx.AsyncClient, bot_id: str) -> list[dict[str, Any]]:
    log = (await http.get("/log", params={"user": bot_id, "kind": "channel_message_send"})).json()
    items: list[dict[str, Any]] = log["items"]
    return items


async def test_official_bot_driven_through_the_control_api_from_another_process(
    official_python: Path,
) -> None:
    sandbox_cmd = [sys.executable, "-m", "mezon_trio", "sandbox", "--port", "0"]
    with trio.fail_after(90):
        async with trio.open_nursery() as nursery:
            sandbox: trio.Process = await nursery.start(
                partial(trio.run_process, sandbox_cmd, stdout=subprocess.PIPE, check=False)
            )
            try:
                banner = await _banner(sandbox)
                base = _field(r"HTTP \(login, API\):\s+(\S+)", banner)
                general = _field(r"^\s+(\d+)\s+Sandbox #general$", banner)
                bot_id = _field(r"client_id = (\d+)", banner)
                env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
                env["MEZON_BOT_API_KEY"] = _field(r"api_key\s+= (\S+)", banner)
                env["PYTHONUNBUFFERED"] = "1"
                bot_cmd = [
                    str(official_python),
                    str(BOT_SCRIPT),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    base.rsplit(":", 1)[1],
                    "--bot-id",
                    bot_id,
                    "--mmn-url",
                    base + "/mmn-api/",
                    "--zk-url",
                    base + "/zk-api/",
                    "--trigger",
                    TRIGGER,
                    "--timeout",
                    "60",
                ]
                bot = BotProcess()
                proc: trio.Process = await nursery.start(
                    partial(
                        trio.run_process,
                        bot_cmd,
                        stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE,
                        env=env,
                        check=False,
                    )
                )
                assert proc.stdout is not None
                assert proc.stderr is not None
                nursery.start_soon(bot.read_stdout, proc.stdout)
                nursery.start_soon(bot.read_stderr, proc.stderr)
                async with httpx.AsyncClient(base_url=base + "/_sandbox/v1") as http:
                    with trio.fail_after(30):
                        login = await bot.wait_step("login")
                    assert login["ok"], bot.transcript()
                    while True:  # polled over HTTP: this process has no event to wait on
                        if (await http.get("/info")).json()["bot"]["online"]:
                            break
                        await trio.sleep(0.05)
                    r = await http.post(
                        "/messages", json={"as": "alice", "channel_id": general, "text": TRIGGER}
                    )
                    assert r.status_code == 200, r.text
                    with trio.fail_after(30):
                        received = await bot.wait_step("received")
                    assert received["ok"], bot.transcript()
                    with trio.fail_after(30):
                        while True:
                            if any("pong" in str(i["payload"]) for i in await _bot_sends(http, bot_id)):
                                break
                            await trio.sleep(0.05)
                    sends = await _bot_sends(http, bot_id)
                    reply = next(i for i in sends if "pong" in str(i["payload"]))
                    assert reply["payload"]["channel_id"] == general
                    assert reply["payload"]["references"], reply  # a reply quotes alice's message
                    messages = (await http.get("/messages", params={"channel_id": general})).json()[
                        "messages"
                    ]
                    assert any(m["content"].get("t") == "pong" and m["is_bot"] for m in messages)
                proc.terminate()
            finally:
                sandbox.terminate()
