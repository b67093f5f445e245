"""The official Python SDK (``mezon-sdk`` 1.8.3, Python 3.13, asyncio) against our sandbox.

Issue 3, item 6: the sandbox must be faithful enough that the official SDK logs
in, receives a pushed message, sends, replies, reacts, edits, deletes and sends
tokens. The bot runs in a separate Python 3.13 interpreter
(:mod:`tests.interop.official_bot`); this test drives it through the sandbox,
watches it with a raw protobuf socket logged in as the seeded human, and checks
both what the bot reports and what the sandbox recorded and stored.

Skipped, with the reason, when no Python 3.13 is available or the SDK cannot be
installed (see :mod:`tests.interop.official_env`).
"""

from __future__ import annotations

import json
import os
import subprocess
from functools import partial
from pathlib import Path
from typing import Any

import betterproto2
import pytest
import trio
import trio_websocket

from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.frames import decode_envelope, encode_envelope, is_raw_frame
from mezon_trio.testing import Sandbox, open_sandbox

from .official_env import OfficialSDKUnavailable, ensure_official_python

pytestmark = pytest.mark.interop

BOT_SCRIPT = Path(__file__).with_name("official_bot.py")
TRIGGER = "hello bot"
TOKENS = 5
DECIMALS = 6  # MMN amounts are whole tokens x 10^6 (docs/protocol.md §8.9)


@pytest.fixture(scope="module")
def official_python() -> Path:
    try:
        return ensure_official_python()
    except OfficialSDKUnavailable as exc:
        pytest.skip(f"official mezon-sdk unavailable: {exc.reason}")


class BotProcess:
    """The official-SDK bot's JSON lines (as they arrive) and its stderr."""

    def __init__(self) -> None:
        self.steps: dict[str, dict[str, Any]] = {}
        self.lines: list[str] = []
        self.stderr = bytearray()
        self._changed = trio.Event()

    async def read_stdout(self, stream: trio.abc.ReceiveStream) -> None:
        buf = b""
        async for chunk in stream:
            buf += chunk
            *complete, buf = buf.split(b"\n")
            for raw in complete:
                line = raw.decode("utf-8", "replace")
                self.lines.append(line)
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if isinstance(record, dict) and "step" in record:
                    self.steps.setdefault(record["step"], record)
            self._changed.set()
            self._changed = trio.Event()

    async def read_stderr(self, stream: trio.abc.ReceiveStream) -> None:
        async for chunk in stream:
            if len(self.stderr) < 200_000:
                self.stderr += chunk

    async def wait_step(self, *names: str) -> dict[str, Any]:
        """The first of *names* the bot reported (``done``/``timeout`` end the wait too)."""
        while True:
            for name in (*names, "timeout", "done"):
                if name in self.steps:
                    return self.steps[name]
            await self._changed.wait()

    def transcript(self) -> str:
        err = self.stderr.decode("utf-8", "replace")[-40000:]
        return "stdout:\n" + "\n".join(self.lines) + "\nstderr (tail):\n" + err


class HumanSocket:
    """A raw protobuf socket logged in as a seeded human; collects every push."""

    def __init__(self, ws: trio_websocket.WebSocketConnection) -> None:
        self.ws = ws
        self.pushes: list[tuple[str, Any]] = []
        self.replies: dict[int, rt.Envelope] = {}
        self._changed = trio.Event()
        self._cid = 0

    async def run(self) -> None:
        while True:
            try:
                data = await self.ws.get_message()
            except trio_websocket.ConnectionClosed:
                return
            if isinstance(data, str) or is_raw_frame(data):
                continue
            env = decode_envelope(data)
            if env.cid:
                self.replies[int(env.cid)] = env
            else:
                name, value = betterproto2.which_one_of(env, "message")
                self.pushes.append((name, value))
            self._changed.set()
            self._changed = trio.Event()

    async def request(self, env: rt.Envelope) -> rt.Envelope:
        self._cid += 1
        env.cid = self._cid
        await self.ws.send_message(encode_envelope(env))
        while self._cid not in self.replies:
            await self._changed.wait()
        return self.replies[self._cid]

    async def wait_push(self, kind: str, pred: Any = lambda _v: True) -> Any:
        while True:
            for name, value in self.pushes:
                if name == kind and pred(value):
                    return value
            await self._changed.wait()


def bot_command(python: Path, sb: Sandbox, *, timeout: float) -> list[str]:
    return [
        str(python),
        str(BOT_SCRIPT),
        "--host",
        sb.host,
        "--port",
        str(sb.port),
        "--bot-id",
        str(sb.bot.id),
        "--mmn-url",
        sb.mmn_url,
        "--zk-url",
        sb.zk_url,
        "--trigger",
        TRIGGER,
        "--timeout",
        str(timeout),
        "--verbose",  # TEMP
    ]


def bot_env(sb: Sandbox) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["MEZON_BOT_API_KEY"] = sb.bot.api_key
    env["PYTHONUNBUFFERED"] = "1"
    return env


def text_of(content: str) -> Any:
    return json.loads(content).get("t")


def sends_from(sb: Sandbox, user_id: int, text: str) -> list[rt.ChannelMessageSend]:
    return [
        r.payload
        for r in sb.received
        if r.user_id == user_id and r.kind == "channel_message_send" and text_of(r.payload.content) == text
    ]


@pytest.mark.parametrize(
    "sender",
    [
        pytest.param("alice", id="alice-seeded-dm"),  # the bot already has a DM with alice
        pytest.param("bob", id="bob-new-dm"),  # the DM is created on the fly (CreateChannelDesc)
    ],
)
async def test_official_sdk_against_sandbox(official_python: Path, sender: str) -> None:
    with trio.fail_after(55):
        async with open_sandbox() as sb:
            human_id = sb.user(sender).id
            # The human watches over a raw socket: its pushes prove the sandbox's fan-out.
            token = sb.issue_session(human_id).token
            url = f"{sb.ws_url}/ws?lang=en&status=true&token={token}&format=protobuf"
            async with (
                trio_websocket.open_websocket_url(url, subprotocols=["protobuf"]) as ws,
                trio.open_nursery() as nursery,
            ):
                human = HumanSocket(ws)
                nursery.start_soon(human.run)
                await _scenario(sb, nursery, human, human_id, official_python)
                nursery.cancel_scope.cancel()


async def _scenario(
    sb: Sandbox, nursery: trio.Nursery, human: HumanSocket, human_id: int, python: Path
) -> None:
    bot_id = sb.bot.id
    channel_id, clan_id = sb.channel_ids["general"], sb.clan_id
    for clan in (clan_id, 0):  # clan 0: DM traffic
        joined = await human.request(rt.Envelope(clan_join=rt.ClanJoin(clan_id=clan)))
        assert joined.clan_join is not None, joined
    seeded_dm = sb.state.dm_between(bot_id, human_id)

    bot = BotProcess()
    proc: trio.Process = await nursery.start(
        partial(
            trio.run_process,
            bot_command(python, sb, timeout=40),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=bot_env(sb),
            check=False,
        )
    )
    assert proc.stdout is not None
    assert proc.stderr is not None
    nursery.start_soon(bot.read_stdout, proc.stdout)
    nursery.start_soon(bot.read_stderr, proc.stderr)

    # ---- login: authenticate (with PY's malformed ``Basic b'...'`` header), socket, clans, ZK proof
    with trio.fail_after(20):
        login = await bot.wait_step("login")
    assert login["step"] == "login", bot.transcript()
    assert login["ok"], bot.transcript()
    assert set(login["clans"]) == {0, *sb.clan_ids}, bot.transcript()
    assert login["auth_header"] == {"basic": True, "bytes_repr": True}  # PY's ``Basic b'...'``, accepted
    await sb.wait_connected(bot_id)
    assert [r.kind for r in sb.received if r.kind == "authenticate" and r.user_id == bot_id] == [
        "authenticate"
    ]
    joins = {r.payload.clan_id for r in sb.received if r.user_id == bot_id and r.kind == "clan_join"}
    assert joins == {0, *sb.clan_ids}
    assert any(r.kind == "zk_prove" for r in sb.received)

    bot_before = sb.chain.balance_of(bot_id)
    human_before = sb.chain.balance_of(human_id)

    # ---- the push the bot reacts to
    posted = await sb.post_message(human_id, channel_id, {"t": TRIGGER})
    with trio.fail_after(25):
        final = await bot.wait_step("done")
    with trio.fail_after(10):
        code = await proc.wait()
    assert final["step"] == "done", bot.transcript()
    assert final["ok"], bot.transcript()
    assert code == 0, bot.transcript()

    steps = bot.steps
    received = steps["received"]
    assert received["message_id"] == posted.message_id
    assert received["sender_id"] == human_id
    assert received["channel_id"] == channel_id
    assert received["content"] == {"t": TRIGGER}
    for step in (
        "send",
        "reply",
        "react",
        "update",
        "delete",
        "send_token",
        "token_event",
        "dm",
        "disconnect",
    ):
        assert steps.get(step, {}).get("ok"), f"step {step} failed\n{bot.transcript()}"
    sent_id = int(steps["send"]["ack"]["message_id"])
    reply_id = int(steps["reply"]["ack"]["message_id"])
    assert steps["update"]["message_id"] == sent_id

    # ---- send: recorded, acked with a fresh id, pushed to the human
    [plain] = sends_from(sb, bot_id, "hi from the official sdk")
    assert (plain.clan_id, plain.channel_id, plain.mode, plain.is_public) == (clan_id, channel_id, 2, True)
    pushed = await human.wait_push("channel_message", lambda m: m.message_id == sent_id and m.code == 0)
    assert pushed.sender_id == bot_id
    assert text_of(pushed.content) == "hi from the official sdk"

    # ---- reply: acked, references[message_ref_id == the posted id], stored with them
    [reply] = sends_from(sb, bot_id, "pong")
    assert [ref.message_ref_id for ref in reply.references] == [posted.message_id]
    assert reply.references[0].message_sender_id == human_id
    stored_reply = sb.find_message(reply_id)
    assert stored_reply is not None
    assert [ref.message_ref_id for ref in stored_reply.references] == [posted.message_id]
    await human.wait_push("channel_message", lambda m: m.message_id == reply_id and m.code == 0)

    # ---- reaction: recorded, stored on the human's message, pushed to the human
    [react] = [r.payload for r in sb.received if r.user_id == bot_id and r.kind == "message_reaction_event"]
    assert react.message_id == posted.message_id
    assert react.emoji == "👍"
    target = sb.find_message(posted.message_id)
    assert target is not None
    assert [(x.sender_id, x.emoji) for x in target.reactions] == [(bot_id, "👍")]
    reaction = await human.wait_push("message_reaction_event", lambda x: x.message_id == posted.message_id)
    assert reaction.sender_id == bot_id

    # ---- edit then delete through the api_request_event bridge (181 / 182, answered with 0xFF frames:
    # the SDK's update()/delete() only return once it has parsed that answer)
    bridged = [r.payload for r in sb.received if r.user_id == bot_id and r.kind == "api_request_event"]
    assert [(b.api_name, b.api_index) for b in bridged] == [
        ("UpdateChannelMessage", 181),
        ("DeleteChannelMessage", 182),
    ]
    assert steps["update"]["result"]["code"] == 1
    assert steps["delete"]["result"]["code"] == 2
    edited = await human.wait_push("channel_message", lambda m: m.message_id == sent_id and m.code == 1)
    assert text_of(edited.content) == "edited by the official sdk"
    await human.wait_push("channel_message", lambda m: m.message_id == sent_id and m.code == 2)
    assert sb.find_message(sent_id) is None

    # ---- tokens: MMN nonce + signed tx.addtx, balances moved, token_sent_event to both parties
    mmn_calls = [r.payload.get("method") for r in sb.received if r.kind == "mmn"]
    assert mmn_calls == ["account.getcurrentnonce", "tx.addtx"]
    assert sb.chain.balance_of(bot_id) == bot_before - TOKENS * 10**DECIMALS
    assert sb.chain.balance_of(human_id) == human_before + TOKENS * 10**DECIMALS
    assert steps["send_token"]["result"]["tx_hash"]
    event = await human.wait_push("token_sent_event", lambda e: e.sender_id == bot_id)
    assert (event.receiver_id, event.amount, event.note) == (human_id, TOKENS, "tip")
    assert event.transaction_id == steps["send_token"]["result"]["tx_hash"]
    token_event = steps["token_event"]
    assert (token_event["receiver_id"], token_event["amount"], token_event["note"]) == (
        human_id,
        TOKENS,
        "tip",
    )

    # ---- DM: the bot's own DM and the SDK's automatic transfer receipt (code 11), in one DM channel
    dm_channel = sb.state.dm_between(bot_id, human_id)
    assert dm_channel is not None
    assert dm_channel.members == {bot_id, human_id}
    assert steps["dm"]["dm_channel_id"] == dm_channel.id
    creates = [r for r in sb.received if r.user_id == bot_id and r.kind == "CreateChannelDesc"]
    if seeded_dm is not None:
        assert dm_channel.id == seeded_dm.id
        assert creates == []
    else:
        assert creates, "the bot never asked for a DM channel"
        added = await human.wait_push(
            "user_channel_added_event", lambda e: e.channel_desc.channel_id == dm_channel.id
        )
        assert bot_id in {u.user_id for u in added.users} | {added.caller.user_id}
    [dm] = sends_from(sb, bot_id, "dm from the official sdk")
    assert (dm.clan_id, dm.channel_id, dm.mode, dm.is_public) == (0, dm_channel.id, 4, False)
    [receipt] = sends_from(sb, bot_id, f"Funds Transferred: {TOKENS}₫ | tip")
    assert (receipt.channel_id, receipt.code) == (dm_channel.id, 11)
    dm_push = await human.wait_push(
        "channel_message", lambda m: text_of(m.content) == "dm from the official sdk"
    )
    assert dm_push.channel_id == dm_channel.id

    # ---- the sandbox itself stayed healthy
    assert not sb.internal_errors
