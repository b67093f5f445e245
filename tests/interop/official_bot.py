"""A bot written with the OFFICIAL ``mezon-sdk`` (asyncio, Python 3.13), driven by the interop tests.

Run by the interpreter of :func:`tests.interop.official_env.ensure_official_python`,
never imported by the test suite (it imports ``mezon``, not ``mezon_trio``)::

    MEZON_BOT_API_KEY=... python official_bot.py --host 127.0.0.1 --port 7350 --bot-id 1 \
        --mmn-url http://127.0.0.1:7350/mmn-api/ --zk-url http://127.0.0.1:7350/zk-api/ \
        [--scenario full|login] [--trigger "hello bot"] [--timeout 45]

The API key comes from the environment so it never shows in a process list.

Output: one JSON object per line on stdout, ``{"step": ..., "ok": true|false, ...}``,
``"error"`` holding the exception text of a failed step. Steps, in order:
``login`` (then the bot waits), ``received`` (the first channel message whose
text is the trigger, from someone else), ``send``, ``reply``, ``react`` (on the
received message), ``update`` and ``delete`` (on the bot's own ``send``
message: only an author may edit), ``send_token`` (5 tokens to the sender,
note ``tip``), ``dm`` (optional: ``users.fetch`` + ``send_dm_message``), ``token_event``
(the ``token_sent_event`` push of that transfer reached the bot's handler;
may come before ``dm``), ``disconnect``, and finally ``done`` (or ``timeout``). Scenario ``login`` stops
after ``login``. Exit status 0 when every step ran (see ``ok`` per step), 2 on
timeout, 1 on a login failure. ``--verbose`` turns on the SDK's debug log on
stderr, which prints the (sandbox) session token and ephemeral key: debugging only.
"""

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
import time
import traceback
from typing import Any

TOKEN_EVENT_WAIT = 10.0


def emit(step: str, ok: bool, **fields: Any) -> None:
    """Write one JSON line (flushed: the test reads it as it comes)."""
    record = {"step": step, "ok": ok, "t": round(time.monotonic(), 3), **fields}
    sys.stdout.write(json.dumps(record, default=str) + "\n")
    sys.stdout.flush()


def brief(obj: Any) -> Any:
    """A JSON-friendly view of an SDK result (pydantic model, protobuf or plain)."""
    if hasattr(obj, "model_dump"):
        return obj.model_dump(mode="json", exclude_none=True)
    return repr(obj)


def error_text(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", required=True)
    p.add_argument("--port", required=True)
    p.add_argument("--bot-id", required=True)
    p.add_argument("--mmn-url", required=True)
    p.add_argument("--zk-url", required=True)
    p.add_argument("--scenario", choices=("full", "login"), default="full")
    p.add_argument("--trigger", default="hello bot")
    p.add_argument("--timeout", type=float, default=45.0, help="seconds for the whole run")
    p.add_argument("--verbose", action="store_true", help="SDK debug logging on stderr")
    return p.parse_args(argv)


async def run_steps(client: Any, message: Any) -> None:
    """The scripted actions on one received message; each step reports on its own."""
    from mezon.models import ApiSentTokenRequest, ChannelMessage, ChannelMessageContent
    from mezon.structures.message import Message

    channel = await client.channels.fetch(message.channel_id)
    msg = await channel.messages.fetch(message.message_id)

    sent_id = None
    try:
        ack = await channel.send(content=ChannelMessageContent(t="hi from the official sdk"))
        sent_id = ack.message_id
        emit("send", True, ack=brief(ack))
    except Exception as exc:
        emit("send", False, error=error_text(exc))

    try:
        ack = await msg.reply(ChannelMessageContent(t="pong"))
        emit("reply", True, ack=brief(ack))
    except Exception as exc:
        emit("reply", False, error=error_text(exc))

    try:
        result = await msg.react(emoji_id=7, emoji="👍", count=1)
        emit("react", True, result=brief(result))
    except Exception as exc:
        emit("react", False, error=error_text(exc))

    own = None
    if sent_id is not None:
        own = Message(
            ChannelMessage(
                message_id=sent_id,
                clan_id=channel.clan.id,
                channel_id=channel.id,
                sender_id=client.client_id,
                content={"t": "hi from the official sdk"},
            ),
            channel,
            client.socket_manager,
        )
    for step in ("update", "delete"):
        if own is None:
            emit(step, False, error="skipped: the send step failed")
            continue
        try:
            if step == "update":
                result = await own.update(ChannelMessageContent(t="edited by the official sdk"))
            else:
                result = await own.delete()
            emit(step, True, message_id=sent_id, result=brief(result))
        except Exception as exc:
            emit(step, False, message_id=sent_id, error=error_text(exc))

    try:
        tx = await client.send_token(ApiSentTokenRequest(receiver_id=message.sender_id, amount=5, note="tip"))
        ok = bool(getattr(tx, "ok", False))
        emit("send_token", ok, result=brief(tx), **({} if ok else {"error": getattr(tx, "error", "")}))
    except Exception as exc:
        emit("send_token", False, error=error_text(exc))

    try:
        user = await client.users.fetch(message.sender_id)
        ack = await user.send_dm_message(ChannelMessageContent(t="dm from the official sdk"))
        emit("dm", True, dm_channel_id=user.dm_channel_id, ack=brief(ack))
    except Exception as exc:
        emit("dm", False, error=error_text(exc))


def spy_login_header() -> dict[str, bool]:
    """Note the *shape* of the Authorization header the SDK sends to authenticate.

    mezon-sdk 1.8.3 formats the base64 bytes object into the string
    (``Basic b'...'``, docs/protocol.md §11 #1); the test checks the sandbox accepts
    exactly that. Only the shape is kept (the value encodes the API key).
    """
    import mezon.api.mezon_api as mezon_api

    seen: dict[str, bool] = {}
    original = mezon_api.build_headers

    def build_headers(*a: Any, **kw: Any) -> Any:
        headers = original(*a, **kw)
        if kw.get("basic_auth") is not None:
            value = str(headers.get("Authorization", ""))
            seen["basic"] = value.startswith("Basic ")
            seen["bytes_repr"] = value.startswith("Basic b'") and value.endswith("'")
        return headers

    mezon_api.build_headers = build_headers
    return seen


async def main(args: argparse.Namespace) -> int:
    from mezon import MezonClient

    login_header = spy_login_header()

    api_key = os.environ.get("MEZON_BOT_API_KEY", "")
    client = MezonClient(
        client_id=args.bot_id,
        api_key=api_key,
        host=args.host,
        port=str(args.port),
        use_ssl=False,
        mmn_api_url=args.mmn_url,
        zk_api_url=args.zk_url,
        enable_logging=args.verbose,
        log_level=logging.DEBUG if args.verbose else logging.INFO,
    )
    finished = asyncio.Event()
    token_seen = asyncio.Event()
    handled = False

    async def on_message(message: Any) -> None:
        nonlocal handled
        content = message.content if isinstance(message.content, dict) else {}
        if handled or message.sender_id == client.client_id or (message.code or 0) != 0:
            return
        if content.get("t") != args.trigger:
            return
        handled = True
        emit(
            "received",
            True,
            message_id=message.message_id,
            channel_id=message.channel_id,
            clan_id=message.clan_id,
            sender_id=message.sender_id,
            content=content,
        )
        try:
            await run_steps(client, message)
        except Exception as exc:
            emit("handler", False, error=error_text(exc), trace=traceback.format_exc(limit=5))
        finally:
            finished.set()

    async def on_token(event: Any) -> None:
        # User handlers run after the SDK's default one, which DMs the receiver a receipt
        # when the bot is the sender: by now that receipt has been sent.
        if event.sender_id == client.client_id and not token_seen.is_set():
            fields = ("sender_id", "receiver_id", "amount", "note", "transaction_id")
            emit("token_event", True, **{f: getattr(event, f, None) for f in fields})
            token_seen.set()

    client.on_channel_message(on_message)
    client.on_token_send(on_token)
    code = 0
    try:
        async with asyncio.timeout(args.timeout):
            try:
                await client.login(enable_auto_reconnect=False)
            except Exception as exc:
                emit("login", False, error=error_text(exc), trace=traceback.format_exc(limit=8))
                return 1
            emit(
                "login",
                True,
                clans=sorted(clan.id for clan in client.clans.values()),
                auth_header=login_header,
            )
            if args.scenario == "full":
                await finished.wait()
                if not token_seen.is_set():
                    try:
                        async with asyncio.timeout(TOKEN_EVENT_WAIT):
                            await token_seen.wait()
                    except TimeoutError:
                        emit("token_event", False, error=f"no token_sent_event within {TOKEN_EVENT_WAIT} s")
    except TimeoutError:
        emit("timeout", False, error=f"no complete run within {args.timeout} s")
        code = 2
    finally:
        try:
            async with asyncio.timeout(10):
                await client.disconnect()
            emit("disconnect", True)
        except Exception as exc:
            emit("disconnect", False, error=error_text(exc))
    emit("done", code == 0)
    return code


if __name__ == "__main__":
    arguments = parse_args(sys.argv[1:])
    # MezonClient() creates ./mezon-cache/ (sqlite) in the working directory.
    with tempfile.TemporaryDirectory(prefix="official-bot-") as workdir:
        os.chdir(workdir)
        sys.exit(asyncio.run(main(arguments)))
