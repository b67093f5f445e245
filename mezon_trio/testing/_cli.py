"""``python -m mezon_trio sandbox``: run the sandbox as a standalone server.

Prints the URLs (the web console's first), the seeded bot's credentials and
every channel's id, serves until Ctrl-C (or SIGTERM), then closes every socket
with 1000 and writes ``--state`` back. A port already in use ends the process
with one line on stderr and exit status 1.
"""

from __future__ import annotations

import argparse
import errno
import json
import logging
import signal
import sys
from pathlib import Path

import trio

from ._extras import missing_sandbox_extra
from ._open import open_sandbox
from ._server import Sandbox
from ._state import ChannelType

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m mezon_trio sandbox",
        description=(
            "Run the local Mezon sandbox server (login, RPC API, WebSocket, MMN chain, ZK prover),"
            " with its web console and JSON control API on the HTTP port."
        ),
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    p.add_argument(
        "--port", type=int, default=7350, help="HTTP port: login, RPCs, MMN, ZK (default 7350; 0 = any)"
    )
    p.add_argument(
        "--ws-port",
        type=int,
        default=None,
        help="WebSocket port (default: HTTP port + 1, or any free port with --port 0)",
    )
    p.add_argument(
        "--state", type=Path, default=None, help="JSON state file: loaded if it exists, written on exit"
    )
    p.add_argument("--token-ttl", type=float, default=3600.0, help="session token lifetime in seconds")
    p.add_argument(
        "--bare-ws-url", action="store_true", help="return ws_url as bare host:port (TypeScript SDK form)"
    )
    p.add_argument(
        "--echo-own-messages", action="store_true", help="also push a sender's own messages back to it"
    )
    p.add_argument(
        "--allow-remote",
        action="store_true",
        help="allow a --host that is not loopback (the console and control API have no authentication)",
    )
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def _banner(sb: Sandbox) -> str:
    lines = [
        "Mezon sandbox running",
        f"  Web console:        {sb.console_url}",
        f"  Control API:        {sb.control_url}  (docs/sandbox-control-api.md)",
        f"  HTTP (login, API):  {sb.http_url}",
        f"  WebSocket:          {sb.ws_url}/ws",
        f"  MMN JSON-RPC:       {sb.mmn_url}",
        f"  ZK prover:          {sb.zk_url}",
        "",
        "Bot credentials:",
        f"  client_id = {sb.bot.id}",
        f"  api_key   = {sb.bot.api_key}",
        f"  username  = {sb.bot.username}",
        "",
        "Users: " + ", ".join(f"{u.username} ({u.id})" for u in sb.users()),
        "Clans: " + ", ".join(f"{c.name} ({c.id})" for c in sb.state.clans.values()),
        "Channels:",
        *_channel_lines(sb),
        "",
        f"Official SDK: MezonClient(client_id, api_key, host={sb.host!r}, port={str(sb.port)!r},",
        f"              use_ssl=False, mmn_api_url={sb.mmn_url!r}, zk_api_url={sb.zk_url!r})",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


_TYPE_NAMES = {ChannelType.DM: "DM", ChannelType.GROUP: "group", ChannelType.THREAD: "thread"}


def _channel_lines(sb: Sandbox) -> list[str]:
    st = sb.state
    lines = []
    for channel in st.channels.values():
        clan = st.clans.get(channel.clan_id)
        if clan is not None:
            where = f"{clan.name} #{channel.label}"
        else:
            where = "DM " + " & ".join(sorted(st.name_of(m) for m in channel.members))
        kind = _TYPE_NAMES.get(channel.type, "")
        extra = ", ".join(x for x in (kind, "private" if channel.private and clan else "") if x)
        lines.append(f"  {channel.id}  {where}" + (f" ({extra})" if extra else ""))
    return lines


def _bind_error(exc: BaseException) -> OSError | None:
    """The OSError (port in use, bad address) inside *exc* or its exception groups."""
    if isinstance(exc, OSError):
        return exc
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            found = _bind_error(inner)
            if found is not None:
                return found
    return None


async def _serve(args: argparse.Namespace) -> None:
    ws_port = args.ws_port
    if ws_port is None:
        ws_port = args.port + 1 if args.port else 0
    with trio.open_signal_receiver(signal.SIGINT, signal.SIGTERM) as signals:
        async with open_sandbox(
            host=args.host,
            port=args.port,
            ws_port=ws_port,
            state_file=args.state,
            token_ttl=args.token_ttl,
            bare_ws_url=args.bare_ws_url,
            echo_own_messages=args.echo_own_messages,
            raise_internal_errors=False,
            allow_remote=args.allow_remote,
        ) as sb:
            print(_banner(sb), flush=True)
            async for _ in signals:
                break
    print("sandbox stopped" + (f"; state saved to {args.state}" if args.state else ""), flush=True)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    missing = missing_sandbox_extra("The sandbox server")
    if missing is not None:
        print(missing, file=sys.stderr)
        return 1
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    try:
        trio.run(_serve, args)
    except KeyboardInterrupt:
        return 0
    except json.JSONDecodeError as exc:  # a ValueError: before the --allow-remote one
        print(f"sandbox: --state {args.state} is not valid JSON ({exc}); fix or remove it", file=sys.stderr)
        return 1
    except ValueError as exc:  # a non-loopback --host without --allow-remote
        print(f"sandbox: {exc}", file=sys.stderr)
        return 2
    except BaseException as exc:
        error = _bind_error(exc)
        if error is None:
            raise
        if error.errno == errno.EADDRINUSE:
            print(
                f"sandbox: cannot listen on {args.host}: port {args.port} or {args.ws_port or args.port + 1} "
                "is already in use (another sandbox running? choose another --port, or --port 0)",
                file=sys.stderr,
            )
        else:
            print(
                f"sandbox: cannot listen on {args.host}:{args.port}: {error.strerror or error}",
                file=sys.stderr,
            )
        return 1
    return 0
