"""Shared helpers for the bot-API tests: the sandbox, a running client, a raw human socket."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from mezon_trio import MezonClient
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.compat import MezonClient as CompatClient
from mezon_trio.testing import Received, Sandbox, open_sandbox

from ..sandbox.raw import RawSocket, raw_socket, which


def client_kwargs(sb: Sandbox, **overrides: Any) -> dict[str, Any]:
    """The sandbox's kwargs for the seeded bot, with test-friendly limits."""
    kwargs: dict[str, Any] = sb.client_kwargs()
    kwargs.update(api_rate_limit=1000.0, api_burst=1000, timeout=5000)
    kwargs.update(overrides)
    return kwargs


@asynccontextmanager
async def bot(*, compat: bool = False, **overrides: Any) -> AsyncIterator[tuple[Sandbox, Any]]:
    """A sandbox and the seeded bot logged in to it (``compat``: the official-names client)."""
    cls = CompatClient if compat else MezonClient
    async with open_sandbox() as sb, cls(**client_kwargs(sb, **overrides)) as client:
        yield sb, client


@asynccontextmanager
async def human(sb: Sandbox, user_id: int | None = None) -> AsyncIterator[RawSocket]:
    """A raw socket of a human (alice by default) that joined its clans and clan 0 (DMs)."""
    uid = sb.human.id if user_id is None else user_id
    token = sb.issue_session(uid).token
    async with raw_socket(sb, token) as sock:
        for clan_id in (0, *sb.clan_ids):
            await sock.request("clan_join", rt.ClanJoin(clan_id=clan_id))
        yield sock


async def next_push(sock: RawSocket, variant: str, pred: Callable[[Any], bool] = lambda _: True) -> Any:
    """The payload of the next push of *variant* matching *pred* (others are skipped)."""
    while True:
        env = await sock.next_push(variant)
        payload = which(env)[1]
        if pred(payload):
            return payload


def received(sb: Sandbox, kind: str, *, user_id: int | None = None) -> list[Received]:
    """What the sandbox received of *kind* (socket variant, bridge or RPC method), from the bot by default."""
    uid = sb.bot.id if user_id is None else user_id
    return [r for r in sb.received if r.kind == kind and r.user_id == uid]
