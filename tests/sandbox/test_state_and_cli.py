"""JSON state file round trip, and the standalone ``python -m mezon_trio sandbox``."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import trio

from mezon_trio._proto.mezon import api
from mezon_trio.testing import SandboxState, open_sandbox

from .raw import login, rpc


async def test_state_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with trio.fail_after(20):
        async with open_sandbox(state_file=path) as sb:
            posted = await sb.post_message(sb.human.id, sb.channel_id, "remember me", mentions=[sb.bot.id])
            newcomer = sb.create_user("dave")
            await sb.add_to_clan(newcomer.id, sb.clan_id)
            await sb.request_friend(newcomer.id, sb.bot.id)
            await sb.transfer_tokens(sb.human.id, newcomer.id, 7)
            channel_id = await sb.create_channel(sb.human.id, sb.clan_id, "persisted")
        assert path.exists()
        data = json.loads(path.read_text())
        assert data["version"] == 1
        assert all(isinstance(u["id"], str) for u in data["users"])  # ids as decimal strings
        async with open_sandbox(state_file=path) as sb2:
            stored = sb2.find_message(posted.message_id)
            assert stored == posted
            assert sb2.user("dave").id == newcomer.id
            assert sb2.state.is_clan_member(newcomer.id, sb2.clan_id)
            assert sb2.state.friends[sb2.bot.id][newcomer.id].state == 2
            assert sb2.chain.balance_of(newcomer.id) == 7 * 10**6
            assert sb2.state.channels[channel_id].label == "persisted"
            assert sb2.state.balances[newcomer.id] == 7
            # new ids are still increasing after a reload
            again = await sb2.post_message(sb2.human.id, sb2.channel_id, "later")
            assert again.message_id > posted.message_id


def test_state_file_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 99}')
    with pytest.raises(ValueError, match="unsupported"):
        SandboxState.load(bad)
    bad.write_text('{"version": 1, "users": [{"username": "no id"}]}')
    with pytest.raises(ValueError, match="malformed"):
        SandboxState.load(bad)


async def test_standalone_cli(tmp_path: Path) -> None:
    state = tmp_path / "cli-state.json"
    cmd = [sys.executable, "-m", "mezon_trio", "sandbox", "--port", "0", "--state", str(state)]
    with trio.fail_after(60):
        process = await trio.lowlevel.open_process(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            assert process.stdout is not None
            output = b""
            while b"Press Ctrl-C" not in output:
                chunk = await process.stdout.receive_some()
                assert chunk, output.decode()
                output += chunk
            text = output.decode()
            http_url = text.split("HTTP (login, API):")[1].split()[0]
            api_key = text.split("api_key   = ")[1].split()[0]
            client_id = text.split("client_id = ")[1].split()[0]
            assert text.split("WebSocket:")[1].split()[0].startswith("ws://127.0.0.1:")
            async with httpx.AsyncClient() as http:
                r = await login(http, http_url, client_id, api_key)
                assert r.status_code == 200
                session = api.Session.parse(r.content)
                r = await rpc(http, session.api_url, session.token, "ListClanDescs")
                assert len(api.ClanDescList.parse(r.content).clandesc) == 2
            process.send_signal(signal.SIGINT)
            assert await process.wait() == 0
            rest = await process.stdout.receive_some()
            while chunk := await process.stdout.receive_some():
                rest += chunk
            assert b"state saved" in rest
            assert json.loads(state.read_text())["version"] == 1
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
            if process.stdout is not None:
                await process.stdout.aclose()
