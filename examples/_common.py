"""Scaffolding shared by the examples: run a bot against real Mezon or an in-process sandbox.

Real Mezon: set ``MEZON_CLIENT_ID`` and ``MEZON_API_KEY`` (optionally ``MEZON_HOST``,
``MEZON_PORT``, ``MEZON_USE_SSL=0``) and run the example; stop it with Ctrl-C.

Sandbox: ``--sandbox`` starts :func:`mezon_trio.testing.open_sandbox` in the same process, logs
the bot in as the seeded ``sandbox-bot``, plays the example's short scripted conversation as the
seeded human users (alice, bob) and prints it, then exits.  Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TextIO

import trio

from mezon_trio import MezonClient

if TYPE_CHECKING:
    from mezon_trio.testing import Received, Sandbox, StoredMessage


class Bot(Protocol):
    """``async def run_bot(client, *, task_status=trio.TASK_STATUS_IGNORED)``: runs until cancelled."""

    def __call__(
        self, client: MezonClient, *, task_status: trio.TaskStatus[None] = ...
    ) -> Awaitable[None]: ...


Script = Callable[["Chat"], Awaitable[None]]

#: Bound of a whole sandbox run, in seconds.
SANDBOX_TIMEOUT = 30.0
_OUTPUT_KINDS = frozenset(
    {"channel_message_send", "ephemeral_message_send", "UpdateChannelMessage", "message_reaction_event"}
)


def client_from_env() -> MezonClient:
    """A client for the real Mezon, from ``MEZON_CLIENT_ID`` / ``MEZON_API_KEY`` (+ ``MEZON_HOST``...)."""
    client_id = os.environ.get("MEZON_CLIENT_ID", "")
    api_key = os.environ.get("MEZON_API_KEY", "")
    if not client_id or not api_key:
        raise SystemExit("set MEZON_CLIENT_ID and MEZON_API_KEY (or try it offline with --sandbox)")
    kwargs: dict[str, Any] = {}
    if os.environ.get("MEZON_HOST"):
        kwargs["host"] = os.environ["MEZON_HOST"]
    if os.environ.get("MEZON_PORT"):
        kwargs["port"] = os.environ["MEZON_PORT"]
    if os.environ.get("MEZON_USE_SSL", "1") == "0":
        kwargs["use_ssl"] = False
    return MezonClient(client_id, api_key, **kwargs)


def render_content(raw: str) -> str:
    """A one-screen rendering of a message's content JSON: text, embed titles, [buttons]."""
    try:
        content = json.loads(raw) if raw else {}
    except ValueError:
        return raw
    if not isinstance(content, dict):
        return raw
    parts = [content["t"]] if isinstance(content.get("t"), str) and content["t"] else []
    for embed in content.get("embed") or ():
        if isinstance(embed, dict):
            fields = [f.get("name", "") for f in embed.get("fields") or () if isinstance(f, dict)]
            parts.append(f"[form: {embed.get('title', '')}" + (f" | {', '.join(fields)}]" if fields else "]"))
    labels = []
    for row in content.get("components") or ():
        for c in row.get("components") or () if isinstance(row, dict) else ():
            if isinstance(c, dict):
                comp = c.get("component")
                label = comp.get("label") if isinstance(comp, dict) else None
                labels.append(f"[{label}]" if label else f"[select {c.get('id', '')}]")
    if labels:
        parts.append(" ".join(labels))
    return "\n".join(parts)


class Chat:
    """Plays the human side of a sandbox conversation and prints what the bot answers."""

    def __init__(self, sb: Sandbox, client: MezonClient, out: TextIO) -> None:
        self.sb = sb
        self.client = client
        self.bot_id = client.user_id
        self.out = out
        self.names = {u.id: u.username for u in sb.users()}
        self._seen = {id(r) for r in sb.received}  # items stay in sb.received: ids identify them

    def line(self, who: str, text: str) -> None:
        lines = text.splitlines() or [""]
        pad = " " * (len(who) + 2)
        self.out.write(f"{who}: {lines[0]}\n" + "".join(f"{pad}{ln}\n" for ln in lines[1:]))

    async def say(
        self, user: str, text: str, *, channel_id: int | None = None, mentions: Sequence[int] = ()
    ) -> StoredMessage:
        """Post *text* as *user* (in #general unless *channel_id*); ids in *mentions* become mentions."""
        self.line(user, text)
        channel = self.sb.channel_id if channel_id is None else channel_id
        return await self.sb.post_message(self.sb.user(user).id, channel, text, mentions=list(mentions))

    async def click(self, user: str, message_id: int, button_id: str, extra_data: str = "{}") -> None:
        self.line(user, f"*clicks {button_id}*" + (f" with {extra_data}" if extra_data != "{}" else ""))
        await self.sb.click_button(self.sb.user(user).id, message_id, button_id, extra_data)

    async def select(self, user: str, message_id: int, select_id: str, values: Sequence[str]) -> None:
        self.line(user, f"*picks {', '.join(values)} in {select_id}*")
        await self.sb.select_values(self.sb.user(user).id, message_id, select_id, list(values))

    async def bot_answers(self, count: int = 1, *, within: float = 10.0) -> list[str]:
        """Wait (at most *within* seconds) for the bot's next *count* outputs; print and return them."""
        seen = self._seen

        def fresh(r: Received) -> bool:
            return r.user_id == self.bot_id and r.kind in _OUTPUT_KINDS and id(r) not in seen

        with trio.fail_after(within):
            found = await self.sb.wait_for(fresh, count=count)
        texts = []
        for item in found:
            seen.add(id(item))
            text = self._render(item)
            texts.append(text)
            self.line("bot", text)
        return texts

    async def silence(self, seconds: float = 0.3) -> None:
        """Check that the bot says nothing for *seconds*."""
        await trio.sleep(seconds)
        extra = [r for r in self.sb.received if r.user_id == self.bot_id and r.kind in _OUTPUT_KINDS]
        extra = [r for r in extra if id(r) not in self._seen]
        if extra:
            raise AssertionError(f"the bot answered unexpectedly: {[self._render(r) for r in extra]}")
        self.out.write("   · (no answer, as expected)\n")

    def last_bot_message(self, channel_id: int | None = None) -> StoredMessage:
        """The bot's latest stored message in a channel (to click its buttons)."""
        channel = self.sb.channel_id if channel_id is None else channel_id
        return [m for m in self.sb.messages(channel) if m.sender_id == self.bot_id][-1]

    def _render(self, item: Received) -> str:
        payload: Any = item.payload  # the wire request the bot sent (mezon_trio.testing.raw)
        if item.kind == "message_reaction_event":
            return f"*reacts {payload.emoji}*"
        inner = getattr(payload, "message", None) or payload  # ephemeral sends wrap the message
        text = render_content(getattr(inner, "content", ""))
        if item.kind == "UpdateChannelMessage":
            return f"*edits its message* {text}"
        if item.kind == "ephemeral_message_send":
            who = ", ".join(self.names.get(r, str(r)) for r in payload.receiver_ids)
            return f"(only {who} sees) {text}"
        if getattr(payload, "mode", 0) == 4:
            return f"(DM) {text}"
        return text


def parse_args(description: str, argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument(
        "--sandbox",
        action="store_true",
        help="run against an in-process sandbox with a scripted user instead of the real Mezon",
    )
    return parser.parse_args(list(argv))


async def amain(bot: Bot, script: Script, description: str, argv: Sequence[str], out: TextIO) -> int:
    """Run *bot* against the real Mezon (env credentials) or, with ``--sandbox``, play *script*."""
    args = parse_args(description, argv)
    if not args.sandbox:
        async with client_from_env() as client:
            out.write(f"logged in as {client.user_id}; Ctrl-C to stop\n")
            await bot(client)
        return 0

    from mezon_trio.testing import open_sandbox

    with trio.fail_after(SANDBOX_TIMEOUT):
        async with (
            open_sandbox() as sb,
            MezonClient(**sb.client_kwargs()) as client,
            trio.open_nursery() as nursery,
        ):
            await nursery.start(bot, client)
            await script(Chat(sb, client, out))
            nursery.cancel_scope.cancel()
    return 0


def main(bot: Bot, script: Script, description: str) -> None:
    """``if __name__ == "__main__": main(run_bot, script, __doc__)``."""
    try:
        status = trio.run(amain, bot, script, description.strip().splitlines()[0], sys.argv[1:], sys.stdout)
    except KeyboardInterrupt:  # Ctrl-C: the way to stop a bot (a plain KeyboardInterrupt, no group)
        print("bot stopped", file=sys.stderr)
        status = 0
    raise SystemExit(status)
