"""The examples: as command lines (--sandbox) and bot by bot against a sandbox."""

from __future__ import annotations

import io
import subprocess
import sys
from collections import Counter
from pathlib import Path

import _common
import buttons_bot
import echo_bot
import pytest
import tipping_bot
import trio

from mezon_trio import MezonClient
from mezon_trio._protocol import mmn
from mezon_trio.testing import open_sandbox

from ..client._helpers import client_kwargs
from ..routing._sandbox import bot_texts, wait_bot_texts

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


@pytest.mark.parametrize(
    ("script", "expected"),
    [
        ("echo_bot.py", ["bot: (DM) hello there", "bot: echo this 🎉", "(no answer, as expected)"]),
        (
            "buttons_bot.py",
            [
                "(only alice sees) Thanks for the like!",
                "Nice choice: blue",
                "Thanks Alice! Rating 5/5: Lovely",
            ],
        ),
        (
            "tipping_bot.py",
            ["5 tokens sent to @bob", "✅ confirmed", "Transfer failed:", "❌ cancelled", "1. bob: 7"],
        ),
    ],
)
def test_example_runs_offline_with_sandbox_flag(script: str, expected: list[str]) -> None:
    proc = subprocess.run(
        [sys.executable, str(EXAMPLES / script), "--sandbox"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    for line in expected:
        assert line in proc.stdout, f"{line!r} missing:\n{proc.stdout}"


def test_real_mezon_needs_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MEZON_CLIENT_ID", raising=False)
    monkeypatch.delenv("MEZON_API_KEY", raising=False)
    with pytest.raises(SystemExit, match="MEZON_CLIENT_ID"):
        _common.client_from_env()
    monkeypatch.setenv("MEZON_CLIENT_ID", "123")
    monkeypatch.setenv("MEZON_API_KEY", "secret")
    assert _common.client_from_env().config.login_url == "https://gw.mezon.ai:443"
    monkeypatch.setenv("MEZON_HOST", "127.0.0.1")
    monkeypatch.setenv("MEZON_PORT", "7350")
    monkeypatch.setenv("MEZON_USE_SSL", "0")
    client = _common.client_from_env()
    assert client.client_id == 123
    assert client.config.login_url == "http://127.0.0.1:7350"


async def test_real_mode_runs_the_bot_with_env_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    # "Real Mezon" mode pointed at a sandbox through the same environment variables.
    out = io.StringIO()
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            monkeypatch.setenv("MEZON_CLIENT_ID", str(sb.bot.id))
            monkeypatch.setenv("MEZON_API_KEY", sb.bot.api_key)
            monkeypatch.setenv("MEZON_HOST", sb.host)
            monkeypatch.setenv("MEZON_PORT", str(sb.port))
            monkeypatch.setenv("MEZON_USE_SSL", "0")
            async with trio.open_nursery() as nursery:
                nursery.start_soon(_common.amain, echo_bot.run_bot, echo_bot.script, "echo", [], out)
                await sb.wait_connected(sb.bot.id)
                await trio.sleep(0.3)  # let the bot subscribe
                await sb.post_message(sb.human.id, sb.dm_channel_id, "via env")
                assert await wait_bot_texts(sb, 1) == ["via env"]
                nursery.cancel_scope.cancel()
    assert "logged in as" in out.getvalue()


async def test_echo_bot_only_answers_dms_and_mentions() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client, trio.open_nursery() as n:
            await n.start(echo_bot.run_bot, client)
            bot = sb.bot
            await sb.post_message(sb.human.id, sb.channel_id, "no mention")
            await sb.post_message(sb.human.id, sb.channel_id, f"@{bot.username} hi", mentions=[bot.id])
            await sb.post_message(sb.human.id, sb.dm_channel_id, "dm text")
            assert await wait_bot_texts(sb, 2) == ["hi", "dm text"]
            dm_reply = [r for r in sb.received if r.user_id == bot.id and r.kind == "channel_message_send"][1]
            assert dm_reply.payload.channel_id == sb.dm_channel_id
            await trio.sleep(0.3)
            assert len(bot_texts(sb)) == 2
            n.cancel_scope.cancel()


async def test_buttons_bot_form_and_cancel() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client, trio.open_nursery() as n:
            await n.start(buttons_bot.run_bot, client)
            await sb.post_message(sb.human.id, sb.channel_id, "!menu")
            await wait_bot_texts(sb, 1)
            menu = [m for m in sb.messages(sb.channel_id) if m.sender_id == sb.bot.id][-1]
            assert '"id":"colour"' in menu.content
            await sb.click_button(sb.human.id, menu.message_id, "form:open")
            await wait_bot_texts(sb, 2)
            form = [m for m in sb.messages(sb.channel_id) if m.sender_id == sb.bot.id][-1]
            assert '"title":"Feedback"' in form.content
            await sb.click_button(sb.human.id, form.message_id, "form:submit", "not json")  # lenient
            assert (await wait_bot_texts(sb, 3))[-1] == "Thanks someone! Rating ?/5:"
            await sb.click_button(sb.human.id, form.message_id, "form:cancel")
            assert (await wait_bot_texts(sb, 4))[-1] == "Feedback form cancelled."
            stored = {m.message_id: m for m in sb.messages(sb.channel_id)}
            assert "cancelled" in stored[form.message_id].content
            n.cancel_scope.cancel()


async def test_tipping_bot_moves_tokens_and_reports_failures() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client, trio.open_nursery() as n:
            await n.start(tipping_bot.run_bot, client)
            bob = sb.user("bob").id
            before = sb.chain.balance_of(bob)
            await sb.post_message(sb.human.id, sb.channel_id, "!tip @bob 12 thanks", mentions=[bob])
            texts = await wait_bot_texts(sb, 2)
            assert texts[0].startswith("Funds Transferred: 12")
            assert texts[1].startswith("💸 12 tokens sent to @bob (tx ")
            assert sb.chain.balance_of(bob) - before == 12 * 10**mmn.DECIMALS
            # the token service down: a clear reply, the bot keeps running
            sb.chain.chain_down = True
            await sb.post_message(sb.human.id, sb.channel_id, "!tip @bob 1", mentions=[bob])
            assert (await wait_bot_texts(sb, 3))[-1].startswith("Transfer failed:")
            sb.chain.chain_down = False
            # a transaction the node rejects
            sb.chain.fail_next_addtx = "tx pool full"
            await sb.post_message(sb.human.id, sb.channel_id, "!tip @bob 2", mentions=[bob])
            assert "tx pool full" in (await wait_bot_texts(sb, 4))[-1]
            assert sb.chain.balance_of(bob) - before == 12 * 10**mmn.DECIMALS
            await sb.post_message(sb.human.id, sb.channel_id, "!tip @bob 0", mentions=[bob])
            assert (await wait_bot_texts(sb, 5))[-1] == "The amount must be a positive whole number."
            await sb.post_message(sb.human.id, sb.channel_id, "!tip bob 5")
            assert (await wait_bot_texts(sb, 6))[-1].startswith("bad value 'bob' for to")
            n.cancel_scope.cancel()


async def test_tipping_bot_counts_tips_to_the_bot() -> None:
    received: Counter[str] = Counter()
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client, trio.open_nursery() as n:
            await n.start(tipping_bot.thank_tippers, client, received)
            await sb.transfer_tokens(sb.human.id, sb.bot.id, 3)
            await sb.transfer_tokens(sb.human.id, sb.bot.id, 4)
            assert await wait_bot_texts(sb, 2) == [
                "Thank you for the 3 tokens! 🙏",
                "Thank you for the 4 tokens! 🙏",
            ]
            assert received == Counter({"alice": 7})
            n.cancel_scope.cancel()
