"""``python -m mezon_trio demo``: a bot and a simulated user chatting on an in-process sandbox.

Starts :func:`mezon_trio.testing.open_sandbox` (loopback sockets only, no real Mezon), logs a
bot in with :class:`~mezon_trio.MezonClient`, runs :func:`run_demo_bot` (commands, a poll with
buttons, token tips, a thank-you DM) and plays a scripted conversation as the seeded users
alice and bob through the sandbox's scripting helpers.  Everything the bot sends is read back
from the sandbox's record of received frames and printed as a transcript.  The whole run is
bounded (:data:`DEMO_TIMEOUT`) and exits 0 when every step got its answer.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import signal
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, TextIO

import trio

from . import MezonClient
from ._protocol.enums import DM_MODE
from .bot import CommandContext, CommandRouter, ComponentContext, ComponentRouter, MentionedUser
from .content import ButtonBuilder, ButtonMessageStyle, Content, TextBuilder
from .errors import MezonError, TokenTransferError
from .events import TokensReceived

__all__ = ["DEMO_TIMEOUT", "main", "run_demo_bot"]

log = logging.getLogger("mezon_trio.demo")

#: Upper bound of the whole demo, in seconds (it normally takes one or two).
DEMO_TIMEOUT: Final = 30.0
#: How long one step waits for the bot's answer.
STEP_TIMEOUT: Final = 10.0

# ---------------------------------------------------------------------------------------- the bot


@dataclass
class _Poll:
    question: str
    options: tuple[str, ...]
    votes: dict[int, str] = field(default_factory=dict)

    def content(self) -> Content:
        tally = " · ".join(f"{o}: {sum(v == o for v in self.votes.values())}" for o in self.options)
        buttons = ButtonBuilder()
        for i, option in enumerate(self.options):
            buttons.add_button(f"poll:{i}", option, ButtonMessageStyle.PRIMARY)
        return Content(f"📊 {self.question}\n{tally}", components=[buttons])


def build_routers() -> tuple[CommandRouter, ComponentRouter]:
    """The demo bot's commands and buttons (public API only: a template for your own bot)."""
    commands = CommandRouter(prefix="!")
    components = ComponentRouter()
    polls: dict[int, _Poll] = {}

    @commands.command()
    async def ping(ctx: CommandContext) -> None:
        """Check that the bot is alive."""
        await ctx.reply("pong 🏓")

    @commands.command(aliases=["sum"])
    async def add(ctx: CommandContext, a: int, b: int) -> None:
        """Add two whole numbers."""
        await ctx.reply(f"{a} + {b} = {a + b}")

    @commands.command()
    async def poll(ctx: CommandContext, question: str, *options: str) -> None:
        """Start a poll with one button per option."""
        if not 2 <= len(options) <= 5:
            await ctx.reply("A poll needs 2 to 5 options.")
            return
        state = _Poll(question, options)
        ack = await ctx.send(state.content())
        polls[ack.message_id] = state

    @commands.command()
    async def tip(ctx: CommandContext, who: MentionedUser, amount: int, *, note: str = "") -> None:
        """Send tokens to someone."""
        if amount <= 0:
            await ctx.reply("The amount must be positive.")
            return
        try:
            tx = await ctx.client.send_token(who.id, amount, note)
        except TokenTransferError as exc:
            await ctx.reply(f"Transfer failed: {exc}")
            return
        text = TextBuilder().text(f"Sent {amount} tokens to ").mention(who.id, who.username or str(who.id))
        await ctx.reply(text.text(f" (tx {tx.tx_hash[:12]}…)").build())

    @components.button("poll:*")
    async def vote(ctx: ComponentContext) -> None:
        state = polls.get(ctx.message_id)
        if state is None:
            await ctx.send_ephemeral("This poll is closed.")
            return
        state.votes[ctx.user_id] = state.options[int(ctx.component_id.removeprefix("poll:"))]
        await ctx.update_message(state.content())

    return commands, components


async def _thank_tippers(client: MezonClient, *, task_status: trio.TaskStatus[None]) -> None:
    async with client.stream(TokensReceived, overflow="drop_newest") as transfers:
        task_status.started()
        async for event in transfers:
            if event.receiver_id != client.user_id or event.sender_id == client.user_id:
                continue
            try:
                await client.send_dm(
                    event.sender_id, f"Thanks for the {event.amount} tokens, {event.sender_name}!"
                )
            except MezonError as exc:
                log.warning("could not thank %d: %s", event.sender_id, exc)


async def run_demo_bot(
    client: MezonClient, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """Run the demo bot on *client* until cancelled (or the client closes).

    Its three tasks (commands, buttons, thank-you DMs) run in a nursery inside this call;
    ``await nursery.start(run_demo_bot, client)`` returns once all of them listen.
    """
    commands, components = build_routers()
    async with trio.open_nursery() as nursery:
        await nursery.start(commands.run, client)
        await nursery.start(components.run, client)
        await nursery.start(_thank_tippers, client)
        task_status.started()


# ---------------------------------------------------------------------------------- the transcript

_OUTPUT_KINDS: Final = frozenset(
    {"channel_message_send", "ephemeral_message_send", "UpdateChannelMessage", "message_reaction_event"}
)


def _render_content(raw: str) -> str:
    try:
        content = json.loads(raw) if raw else {}
    except ValueError:
        return raw
    if not isinstance(content, dict):
        return raw
    text = content.get("t") if isinstance(content.get("t"), str) else ""
    parts = [text] if text else []
    for embed in content.get("embed") or ():
        if isinstance(embed, dict) and embed.get("title"):
            parts.append(f"[embed: {embed['title']}]")
    buttons = [
        c.get("component", {}).get("label", c.get("id", "?"))
        for row in content.get("components") or ()
        if isinstance(row, dict)
        for c in row.get("components") or ()
        if isinstance(c, dict)
    ]
    if buttons:
        parts.append(" ".join(f"[{b}]" for b in buttons))
    return "\n".join(parts)


class Transcript:
    """The simulated users' side: act through the sandbox, print what the bot does in reply."""

    def __init__(self, sb: Any, client: MezonClient, out: TextIO) -> None:
        self.sb = sb
        self.bot_id = client.user_id
        self.out = out
        # Items stay in sb.received for the whole run, so their ids identify them.
        self._seen = {id(r) for r in sb.received}
        self.names = {u.id: u.username for u in sb.users()}
        self.actions = 0
        self.answers = 0

    def line(self, who: str, text: str) -> None:
        lines = text.splitlines() or [""]
        pad = " " * (len(who) + 2)
        self.out.write(f"{who}: {lines[0]}\n" + "".join(f"{pad}{ln}\n" for ln in lines[1:]))
        self.out.flush()

    def note(self, text: str) -> None:
        self.out.write(f"   · {text}\n")
        self.out.flush()

    async def say(self, user: str, text: str, *, mention: Sequence[int] = ()) -> Any:
        """Post *text* in #general as *user* (``@name`` words are mentions when ids are given)."""
        self.actions += 1
        self.line(user, text)
        return await self.sb.post_message(
            self.sb.user(user).id, self.sb.channel_id, text, mentions=list(mention)
        )

    async def click(self, user: str, message_id: int, button_id: str, label: str) -> None:
        self.actions += 1
        self.line(user, f"*clicks [{label}]*")
        await self.sb.click_button(self.sb.user(user).id, message_id, button_id)

    async def tip_bot(self, user: str, amount: int) -> None:
        self.actions += 1
        self.line(user, f"*sends the bot {amount} tokens*")
        await self.sb.transfer_tokens(self.sb.user(user).id, self.bot_id, amount, "for the demo")

    async def expect(self, count: int = 1) -> list[Any]:
        """Wait for the bot's next *count* outputs (within :data:`STEP_TIMEOUT`) and print them."""
        seen = self._seen

        def fresh_output(r: Any) -> bool:
            return r.user_id == self.bot_id and r.kind in _OUTPUT_KINDS and id(r) not in seen

        with trio.fail_after(STEP_TIMEOUT):
            found: list[Any] = await self.sb.wait_for(fresh_output, count=count)
        for item in found:
            seen.add(id(item))
            self.answers += 1
            self.line("bot", self._render(item))
        return found

    def _render(self, item: Any) -> str:
        payload = item.payload
        if item.kind == "message_reaction_event":
            return f"*reacts {payload.emoji}*"
        inner = getattr(payload, "message", None) or payload  # ephemeral sends wrap the message
        text = _render_content(getattr(inner, "content", ""))
        if item.kind == "UpdateChannelMessage":
            return f"*edits its message*\n{text}"
        if item.kind == "ephemeral_message_send":
            who = ", ".join(self.names.get(r, str(r)) for r in payload.receiver_ids)
            return f"(only {who} can see this) {text}"
        if getattr(payload, "mode", 0) == DM_MODE:
            channel = self.sb.state.channels.get(payload.channel_id)
            others = sorted(channel.members - {self.bot_id}) if channel is not None else []
            who = ", ".join(self.names.get(u, str(u)) for u in others) or "user"
            return f"(DM to {who}) {text}"
        return text

    def last_bot_message(self) -> Any:
        mine = [m for m in self.sb.messages(self.sb.channel_id) if m.sender_id == self.bot_id]
        return mine[-1]

    def balance(self, user: str) -> int:
        from ._protocol import mmn

        return int(self.sb.chain.balance_of(self.sb.user(user).id) // 10**mmn.DECIMALS)


async def _script(t: Transcript) -> None:
    sb = t.sb
    bot, bob = sb.bot, sb.user("bob")

    t.note("#general on clan 'Sandbox'; alice and bob are humans, sandbox-bot runs the demo bot")
    await t.say("alice", f"@{bot.username} ping", mention=[bot.id])
    await t.expect()
    await t.say("alice", "!help")
    await t.expect()
    await t.say("alice", "!add 2 40")
    await t.expect()
    await t.say("alice", "!add two 40")
    await t.expect()
    await t.say("alice", "!pol")
    await t.expect()

    await t.say("alice", '!poll "Lunch today?" pizza sushi salad')
    await t.expect()
    poll = t.last_bot_message()
    await t.click("alice", poll.message_id, "poll:0", "pizza")
    await t.expect()
    await t.click("bob", poll.message_id, "poll:1", "sushi")
    await t.expect()
    await t.click("alice", poll.message_id, "poll:1", "sushi")
    await t.expect()

    before = t.balance("bob")
    await t.say("alice", "!tip @bob 25 thanks for organising lunch", mention=[bob.id])
    await t.expect(2)  # send_token's receipt DM to bob (as the official SDK does), then the reply
    t.note(f"chain: bob's balance {before} → {t.balance('bob')} tokens")
    await t.tip_bot("alice", 10)
    await t.expect()


def _parse(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m mezon_trio demo",
        description="Run a demo bot against an in-process sandbox with a simulated user; print the chat.",
    )
    parser.add_argument(
        "--console",
        action="store_true",
        help="after the script, keep the sandbox and the bot running and print the web console's URL",
    )
    return parser.parse_args(list(argv))


async def _run(out: TextIO, err: TextIO, clock: Callable[[], float], console: bool = False) -> int:
    from .testing import open_sandbox

    started = clock()
    out.write("mezon-trio demo: a bot and two simulated users on an in-process sandbox (no network)\n\n")
    try:
        with trio.fail_after(DEMO_TIMEOUT) as deadline:
            async with (
                open_sandbox() as sb,
                MezonClient(**sb.client_kwargs()) as client,
                trio.open_nursery() as nursery,
            ):
                await nursery.start(run_demo_bot, client)
                transcript = Transcript(sb, client, out)
                await _script(transcript)
                if console:  # keep running: chat with the bot in the browser until Ctrl-C
                    deadline.deadline = math.inf
                    out.write(f"\nWeb console: {sb.console_url}  (Ctrl-C to stop)\n")
                    out.flush()
                    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
                        async for _ in signals:
                            break
                nursery.cancel_scope.cancel()
    except trio.TooSlowError:
        err.write(f"\ndemo failed: no answer within the time limit ({DEMO_TIMEOUT:.0f} s)\n")
        return 1
    except Exception:
        err.write("\ndemo failed:\n" + traceback.format_exc())
        return 1
    elapsed = clock() - started
    out.write(
        f"\n{transcript.actions} user actions, {transcript.answers} bot answers in {elapsed:.1f} s.\n"
        f"{_next_steps()}\n"
    )
    return 0


def _next_steps() -> str:
    """Where to go after the demo: the examples in a source checkout, else what the wheel holds."""
    checkout = Path(__file__).resolve().parent.parent
    if (checkout / "examples" / "echo_bot.py").is_file() and (checkout / "README.md").is_file():
        return (
            "Next: the examples (python examples/echo_bot.py --sandbox), README.md,\n"
            "and the documentation site (nox -s docs -- serve)."
        )
    return (
        "Next: python -m mezon_trio sandbox runs a local Mezon server for your own bot (--help);\n"
        f"the demo bot above is {Path(__file__).resolve()} (run_demo_bot)."
    )


def main(argv: Sequence[str]) -> int:
    """Entry point of ``python -m mezon_trio demo``; returns the exit status.

    Ctrl-C stops it with one line on stderr and exit status 130 (with ``--console``, Ctrl-C is
    the way to end it: exit status 0).
    """
    args = _parse(argv)
    from .testing._extras import missing_sandbox_extra

    missing = missing_sandbox_extra("The demo")
    if missing is not None:
        print(missing, file=sys.stderr)
        return 1
    try:
        return trio.run(_run, sys.stdout, sys.stderr, time.perf_counter, args.console)
    except KeyboardInterrupt:
        if args.console:
            return 0
        print("demo interrupted (Ctrl-C)", file=sys.stderr)
        return 130
