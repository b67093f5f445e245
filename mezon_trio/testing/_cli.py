"""``python -m mezon_trio sandbox``: run the sandbox as a standalone server.

Prints the URLs and the seeded bot's credentials, serves until Ctrl-C (or
SIGTERM), then closes every socket with 1000 and writes ``--state`` back.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from pathlib import Path

import trio

from .._transport.neterrors import describe_network_error, root_os_error
from ._extras import missing_sandbox_extra
from ._server import Sandbox, open_sandbox

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m mezon_trio sandbox",
        description="Run the local Mezon sandbox server (login, RPC API, WebSocket, MMN chain, ZK prover).",
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
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    return p


def _banner(sb: Sandbox) -> str:
    lines = [
        "Mezon sandbox running",
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
        "",
        f"Official SDK: MezonClient(client_id, api_key, host={sb.host!r}, port={str(sb.port)!r},",
        f"              use_ssl=False, mmn_api_url={sb.mmn_url!r}, zk_api_url={sb.zk_url!r})",
        "Press Ctrl-C to stop.",
    ]
    return "\n".join(lines)


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
    except (OSError, BaseExceptionGroup) as exc:
        error = root_os_error(exc)
        if error is None:
            raise
        ws_port = args.ws_port if args.ws_port is not None else (args.port + 1 if args.port else 0)
        print(
            f"sandbox: cannot listen on {args.host} (HTTP port {args.port}, WebSocket port {ws_port}): "
            f"{describe_network_error(error)}; choose other ports (--port 0 picks free ones)",
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 0
    return 0
