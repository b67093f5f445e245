"""Issue 12 items 3, 4, 6, 7 and the first errors of the command line, asserted by their text."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest
import trio

from mezon_trio import MezonClient
from mezon_trio.errors import APIError, ClientNotRunning, HandshakeError, TokenTransferError
from mezon_trio.testing import open_sandbox

from .conftest import ROOT, CliSandbox


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], capture_output=True, text=True, timeout=60, cwd=ROOT, check=False
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once it is closed


# ------------------------------------------------------------------ item 3: API pacing


async def test_five_friends_calls_against_the_cli_sandbox_take_under_half_a_second(
    cli_sandbox: CliSandbox,
) -> None:
    kwargs = {"host": cli_sandbox.host, "port": str(cli_sandbox.port), "use_ssl": False}
    with trio.fail_after(30):
        async with MezonClient(cli_sandbox.client_id, cli_sandbox.api_key, **kwargs) as client:
            started = time.perf_counter()
            await client.get_list_friends()
            await client.add_friend(username="carol")
            await client.get_list_friends()
            await client.remove_friend(username="carol")
            await client.get_list_friends()
            took = time.perf_counter() - started
    assert took < 0.5, f"five calls took {took:.2f} s"


async def test_the_servers_budget_is_followed_without_errors(autojump_clock: trio.testing.MockClock) -> None:
    """The sandbox enforcing 1 call/s, burst 5 (429 + Retry-After): twelve calls all succeed."""
    with trio.fail_after(600):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**sb.client_kwargs()) as client:
            await trio.sleep(10)  # the server's bucket refills after the login's calls
            sb.faults.rate_limits = True
            started = trio.current_time()
            for _ in range(12):
                await client.get_list_friends()
            took = trio.current_time() - started
    assert 6.0 <= took <= 9.0, took  # 5 at once, then about one a second as the server allows


# ------------------------------------------------------------------ item 4: connection errors


async def test_refused_login_names_host_port_and_cause() -> None:
    port = _closed_port()
    with trio.fail_after(30), pytest.raises(HandshakeError) as info:
        async with MezonClient("1", "key", host="127.0.0.1", port=str(port), use_ssl=False):
            pass
    assert str(info.value) == (
        f"authenticate: cannot connect to 127.0.0.1:{port}: "
        "connection refused (nothing listens on that port: is the server running?)"
    )


def test_refused_login_traceback_is_short() -> None:
    port = _closed_port()
    code = (
        "import trio\nfrom mezon_trio import MezonClient\n"
        "async def main():\n"
        f"    async with MezonClient('1', 'key', host='127.0.0.1', port='{port}', use_ssl=False):\n"
        "        pass\n"
        "trio.run(main)\n"
    )
    proc = _run("-c", code)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[-1].startswith(
        f"mezon_trio.errors.HandshakeError: authenticate: cannot connect to 127.0.0.1:{port}"
    )
    assert len(lines) <= 25, proc.stderr  # was 95 lines through httpx, httpcore and our internals
    assert "httpcore" not in proc.stderr
    assert "_supervise" not in proc.stderr


async def test_unknown_host_is_named() -> None:
    with trio.fail_after(30), pytest.raises(HandshakeError, match=r"no-such-host\.invalid:443: unknown host"):
        async with MezonClient("1", "key", host="no-such-host.invalid", port="443"):
            pass


# ------------------------------------------------------------------ item 6: token units


async def test_token_errors_speak_tokens() -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**sb.client_kwargs()) as client:
            have = sb.chain.balance_of(sb.bot.id) // 10**6
            with pytest.raises(TokenTransferError) as info:
                await client.send_token(sb.human.id, 10**12, receipt=False)
    assert f"insufficient balance: have {have} tokens, need 1000000000000 tokens" in str(info.value)
    assert "transfer of 1000000000000 tokens" in str(info.value)


# ------------------------------------------------------------------ item 7: smaller ones


def test_unknown_command() -> None:
    proc = _run("-m", "mezon_trio", "bogus")
    assert proc.returncode == 2
    assert proc.stderr.startswith("python -m mezon_trio: unknown command 'bogus'")
    assert "usage: python -m mezon_trio {demo|sandbox}" in proc.stderr


HELP = {
    ("--help",): "usage: python -m mezon_trio {demo|sandbox}",
    ("demo", "--help"): "usage: python -m mezon_trio demo",
    ("sandbox", "--help"): "usage: python -m mezon_trio sandbox",
    ("--version",): "mezon-trio ",
}


def test_help_of_every_command() -> None:
    """Run side by side (each is a fresh interpreter importing mezon_trio)."""
    procs = {
        args: subprocess.Popen(
            [sys.executable, "-m", "mezon_trio", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for args in HELP
    }
    for args, proc in procs.items():
        out, err = proc.communicate(timeout=60)
        assert (proc.returncode, err) == (0, ""), args
        assert out.startswith(HELP[args]), (args, out)


async def test_closed_client_names_the_public_method() -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb:
            async with MezonClient(**sb.client_kwargs()) as client:
                pass
            with pytest.raises(ClientNotRunning) as info:
                await client.get_list_friends()
    assert str(info.value).startswith("get_list_friends() called on a client that is closed")
    assert "rpc" not in str(info.value)


@pytest.mark.parametrize("mode", [99, 1, 7, -1])
async def test_sandbox_refuses_an_invalid_stream_mode(mode: int) -> None:
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**sb.client_kwargs()) as client:
            with pytest.raises(APIError, match=f"invalid stream mode {mode} "):
                await client.send_message(sb.clan_id, sb.channel_id, mode, True, "hi")
            assert not sb.messages(sb.channel_id) or all(
                m.content != '{"t":"hi"}' for m in sb.messages(sb.channel_id)
            )


async def test_refused_websocket_names_url_and_cause() -> None:
    """Login answers (in memory), but nothing listens where its ws_url points."""
    port = _closed_port()
    with trio.fail_after(30):
        async with open_sandbox(in_memory=True, ws_port=port) as sb:
            kwargs = sb.client_kwargs()
            del kwargs["ws_connect"]  # a real WebSocket connect
            with pytest.raises(HandshakeError) as info:
                async with MezonClient(**kwargs):
                    pass
    text = str(info.value)
    assert text.startswith(f"cannot connect to ws://127.0.0.1:{port}/ws"), text
    assert text.endswith("connection refused (nothing listens on that port: is the server running?)"), text
    assert "token=" not in text  # the session token in the URL is never shown
