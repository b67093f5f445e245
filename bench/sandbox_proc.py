"""The sandbox in its own process, driven by line commands (one per benchmark scenario).

    python -m bench.sandbox_proc [--port 0] [--ws-port 0]

Starts :func:`mezon_trio.testing.open_sandbox` (recording off, no idle
timeout, rate limits off), prints one JSON line with its URLs and the seeded
bot's credentials, then obeys commands on stdin, answering each with one JSON
line (``"ok": false`` and ``"error"`` on failure):

``seed_clans N M``
    the bot ends up in exactly N clans with at least M text channels each
    (the two seeded clans are topped up, N-2 new ones are added); do it
    before the bot connects.
``channels N``
    make sure the seeded clan has N text channels (``general`` first); answers ``ids``.
``wait_connected UID [COUNT]``
    wait until UID has COUNT sockets open.
``session UID``
    issue a session for UID (``token``, for the raw ceiling client).
``flood UID N CHANNELS [chunked|per-frame|users]`` (users: every message from another user)
    push N pre-encoded channel messages (``bench.frames``), spread round-robin
    over the first CHANNELS text channels of the seeded clan, to UID's sockets
    as fast as they accept them; answers ``t_start``/``t_end``
    (``time.monotonic()``, comparable across processes on one machine) and
    ``sent``.  Frames are built before ``t_start``.  ``chunked`` (default)
    writes ~64 KiB of ready-made WebSocket frames per system call, so that the
    client, not the sandbox, sets the pace; ``per-frame`` uses the sandbox's
    ``push_many`` (one message per write).
``rate_limits on|off``
    the sandbox's socket/API budgets (off by default).
``quit``
    close the sandbox and exit.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable, Coroutine
from typing import Any

import trio

from mezon_trio.testing import Sandbox, open_sandbox
from mezon_trio.testing._state import Channel, ChannelType, Clan, ClanMember

from ._lines import emit, stdin_reader
from .frames import CHANNEL_ID, CLAN_ID, FrameFactory

# Ids for what the benchmark adds; far from the seed's and the sandbox's snowflakes.
_BENCH_IDS = itertools.count(1870000000000000000)
_FLOOD_IDS = itertools.count(1880000000000000000, 1_000_000)
_CHUNK = 64 * 1024


def _text_channels(sb: Sandbox, clan_id: int) -> list[int]:
    ids = [
        c.id
        for c in sb.state.channels.values()
        if c.clan_id == clan_id and c.type == ChannelType.TEXT and not c.private
    ]
    ids.sort(key=lambda cid: (cid != CHANNEL_ID, cid))
    return ids


def _ensure_channels(sb: Sandbox, clan_id: int, n: int) -> list[int]:
    ids = _text_channels(sb, clan_id)
    creator = sb.state.clans[clan_id].creator_id
    while len(ids) < n:
        cid = next(_BENCH_IDS)
        sb.state.channels[cid] = Channel(
            cid, clan_id, ChannelType.TEXT, f"bench-{len(ids)}", creator, create_time=int(time.time())
        )
        ids.append(cid)
    return ids[:n]


def _seed_clans(sb: Sandbox, n_clans: int, n_channels: int) -> list[int]:
    bot = sb.bot.id
    mine = [c.id for c in sb.state.clans.values() if bot in c.members]
    for clan_id in mine[n_clans:]:
        del sb.state.clans[clan_id].members[bot]
    mine = mine[:n_clans]
    while len(mine) < n_clans:
        clan_id = next(_BENCH_IDS)
        sb.state.clans[clan_id] = Clan(
            clan_id,
            f"Bench clan {len(mine)}",
            sb.human.id,
            members={uid: ClanMember(join_time=int(time.time())) for uid in (bot, sb.human.id)},
        )
        mine.append(clan_id)
    for clan_id in mine:
        _ensure_channels(sb, clan_id, n_channels)
    return mine


def _ws_frame(payload: bytes) -> bytes:
    """*payload* as one unmasked binary WebSocket frame (server to client, RFC 6455 §5.2)."""
    n = len(payload)
    if n < 126:
        head = bytes((0x82, n))
    elif n < 1 << 16:
        head = b"\x82\x7e" + n.to_bytes(2, "big")
    else:
        head = b"\x82\x7f" + n.to_bytes(8, "big")
    return head + payload


def _chunks(frames: list[bytes], size: int = _CHUNK) -> list[bytes]:
    out: list[bytes] = []
    batch: list[bytes] = []
    length = 0
    for frame in frames:
        data = _ws_frame(frame)
        batch.append(data)
        length += len(data)
        if length >= size:
            out.append(b"".join(batch))
            batch, length = [], 0
    if batch:
        out.append(b"".join(batch))
    return out


async def _write_chunks(sb: Sandbox, uid: int, chunks: list[bytes]) -> int:
    """Write pre-framed chunks to *uid*'s sockets, each under the connection's own send lock.

    The sandbox's ``push_many`` frames and writes one message per system call, which
    makes the sandbox (not the client) the bottleneck of a flood on these machines.
    Writing ~64 KiB of ready-made frames per call lets the client set the pace.  The
    lock is trio-websocket's (private, version pinned): replies the sandbox sends
    meanwhile (pongs) go out whole, between two chunks.
    """
    written = 0
    for conn in sb.connections(uid):
        ws: Any = conn.ws
        try:
            for chunk in chunks:
                async with ws._stream_lock:
                    await ws._stream.send_all(chunk)
            written += 1
        except (trio.BrokenResourceError, trio.ClosedResourceError):
            continue
    return written


async def _flood(
    sb: Sandbox, factory: FrameFactory, uid: int, n: int, channels: int, mode: str
) -> dict[str, Any]:
    channel_ids = _ensure_channels(sb, CLAN_ID, channels)
    users = mode == "users"  # chunked, each message from another user
    frames = factory.frames(n, channel_ids, first_id=next(_FLOOD_IDS), distinct_senders=users)
    mode = "chunked" if users else mode
    chunks = _chunks(frames) if mode == "chunked" else []
    await trio.lowlevel.checkpoint()
    t_start = time.monotonic()
    if mode == "chunked":
        sockets = await _write_chunks(sb, uid, chunks)
        sent = sockets * n
    else:
        sent = await sb.push_many(frames, to=uid)
    t_end = time.monotonic()
    return {"t_start": t_start, "t_end": t_end, "sent": sent}


async def _serve(args: argparse.Namespace) -> None:
    async with open_sandbox(port=args.port, ws_port=args.ws_port, history_limit=1000) as sb:
        sb.recording = False
        sb.faults.idle_timeout = None
        sb.faults.rate_limits = False
        factory = FrameFactory()
        kw = sb.client_kwargs()
        emit(
            ok=True,
            host=sb.host,
            port=sb.port,
            ws_port=sb.ws_port,
            http_url=sb.http_url,
            ws_url=sb.ws_url,
            mmn_url=sb.mmn_url,
            zk_url=sb.zk_url,
            bot_id=sb.bot.id,
            api_key=kw["api_key"],  # the sandbox's fixed test key, not a secret
            sender_id=sb.human.id,
            clan_id=CLAN_ID,
            channel_id=CHANNEL_ID,
        )
        reader = stdin_reader()
        async with trio.open_nursery() as nursery:
            while True:
                line = await reader.readline()
                if line is None or line.strip() == "quit":
                    break
                words = line.split()
                if not words:
                    continue
                # Long commands run in the background so that "quit" still works meanwhile.
                nursery.start_soon(_answer, _command(sb, factory, words))
            nursery.cancel_scope.cancel()


async def _answer(work: Coroutine[Any, Any, dict[str, Any]]) -> None:
    try:
        result = await work
    except Exception as exc:
        emit(ok=False, error=f"{type(exc).__name__}: {exc}")
    else:
        emit(ok=True, **result)


async def _command(sb: Sandbox, factory: FrameFactory, words: list[str]) -> dict[str, Any]:
    cmd, *rest = words
    handlers: dict[str, Callable[[], Coroutine[Any, Any, dict[str, Any]]]] = {}

    async def seed_clans() -> dict[str, Any]:
        return {"clans": [str(c) for c in _seed_clans(sb, int(rest[0]), int(rest[1]))]}

    async def channels() -> dict[str, Any]:
        return {"ids": [str(c) for c in _ensure_channels(sb, CLAN_ID, int(rest[0]))]}

    async def wait_connected() -> dict[str, Any]:
        await sb.wait_connected(int(rest[0]), int(rest[1]) if len(rest) > 1 else 1)
        return {}

    async def session() -> dict[str, Any]:
        return {"token": sb.issue_session(int(rest[0])).token}

    async def flood() -> dict[str, Any]:
        mode = rest[3] if len(rest) > 3 else "chunked"
        if mode not in ("chunked", "per-frame", "users"):
            raise ValueError(f"flood mode must be chunked, per-frame or users, got {mode!r}")
        return await _flood(sb, factory, int(rest[0]), int(rest[1]), int(rest[2]), mode)

    async def rate_limits() -> dict[str, Any]:
        sb.faults.rate_limits = rest[0] == "on"
        return {"rate_limits": sb.faults.rate_limits}

    handlers.update(
        seed_clans=seed_clans,
        channels=channels,
        wait_connected=wait_connected,
        session=session,
        flood=flood,
        rate_limits=rate_limits,
    )
    if cmd not in handlers:
        raise ValueError(f"unknown command {cmd!r}")
    return await handlers[cmd]()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ws-port", type=int, default=0)
    trio.run(_serve, parser.parse_args())


if __name__ == "__main__":
    main()
