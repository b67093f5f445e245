"""Secrets never leak: a representative session at DEBUG level, every library's records scanned.

The session: login, pushes and sends, a bridge edit, a token transfer (with a key of
known seed, so its private bytes can be searched for), a reconnect, a pushed
session, a token renewal (short-lived tokens), an RPC 401 with a re-login, failing
requests and transfers, and a login with a wrong key.  Searched: every log record
of every logger (message, args, formatted exception), every exception raised (str,
repr, args, the whole cause/context chain with its traceback text), and the
repr/str of the client, sessions, session manager, token service and key objects;
for the API key, every session/refresh/id token seen (and their JWT signature
part), and the private key (hex, base58, base64 forms).
"""

from __future__ import annotations

import base64
import logging
import os
import traceback
from collections.abc import Iterable
from typing import Any

import pytest
import trio

from mezon_trio import Events, MezonClient, ReconnectPolicy
from mezon_trio._client import services_of  # white-box: the token service inside
from mezon_trio._proto.mezon import api
from mezon_trio._protocol.mmn import EphemeralKey, b58encode
from mezon_trio.errors import AuthenticationError, MezonError
from mezon_trio.testing import OpError, open_sandbox

from ._support import client_kwargs, settle
from .conftest import Figures


def _forms(raw: bytes) -> set[str]:
    b64 = base64.b64encode(raw).decode()
    url = base64.urlsafe_b64encode(raw).decode()
    return {raw.hex(), raw.hex().upper(), b58encode(raw), b64, b64.rstrip("="), url, url.rstrip("=")}


def _token_forms(token: str) -> set[str]:
    out = {token} if token else set()
    parts = token.split(".")
    if len(parts) == 3 and len(parts[2]) >= 16:
        out.add(parts[2])  # the signature alone is enough to forge nothing, but it is the secret part
    return out


def _exception_texts(exc: BaseException) -> Iterable[str]:
    seen: set[int] = set()
    stack = [exc]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield str(current)
        yield repr(current)
        yield repr(current.args)
        yield repr(vars(current)) if hasattr(current, "__dict__") else ""
        yield "".join(traceback.format_exception_only(type(current), current))
        for linked in (current.__cause__, current.__context__):
            if linked is not None:
                stack.append(linked)
        if isinstance(current, BaseExceptionGroup):
            stack.extend(current.exceptions)


def _record_texts(record: logging.LogRecord) -> Iterable[str]:
    yield record.getMessage()
    yield str(record.msg)
    yield repr(record.args)
    if record.exc_info and record.exc_info[1] is not None:
        yield logging.Formatter().formatException(record.exc_info)
        yield from _exception_texts(record.exc_info[1])
    if record.exc_text:
        yield record.exc_text


async def test_no_secret_in_logs_errors_or_reprs(caplog: pytest.LogCaptureFixture, figures: Figures) -> None:
    caplog.set_level(logging.DEBUG)
    for name in ("mezon_trio", "trio-websocket", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    secrets: set[str] = set()
    errors: list[BaseException] = []
    reprs: list[str] = []
    seed = os.urandom(32)
    key = EphemeralKey.from_seed(seed)
    secrets |= _forms(seed) | _forms(seed + key.public_key)

    def remember(session: Any) -> None:
        for value in (session.token, session.refresh_token, session.id_token):
            secrets.update(_token_forms(value))

    def expect_error(exc: BaseException) -> None:
        assert isinstance(exc, MezonError), exc
        errors.append(exc)

    with trio.fail_after(60):
        async with open_sandbox(token_ttl=6.0) as sb:
            secrets.add(sb.bot.api_key)
            secrets |= _forms(f"{sb.bot.id}:{sb.bot.api_key}".encode())
            policy = ReconnectPolicy(initial_delay=0.01, max_delay=0.05)
            client = MezonClient(**client_kwargs(sb, reconnect=policy))
            services_of(client).tokens.key_factory = lambda: EphemeralKey.from_seed(seed)
            async with client:
                remember(client.session)
                lifecycle = client.stream(Events.RECONNECTED)
                messages = client.channel_messages()
                # messages both ways
                await sb.post_message(sb.human.id, sb.channel_id, "hi bot")
                msg = await messages.__anext__()
                ack = await client.send_message(sb.clan_id, sb.channel_id, 2, True, {"t": "hi human"})
                # a bridge edit
                channel = await client.channels.fetch(sb.channel_id)
                await channel.update_message(ack.message_id, {"t": "edited"})
                # a token transfer (key with a known seed), then a refused one
                result = await client.send_token(sb.human.id, 5, "tip", receipt=False)
                assert result.ok
                try:
                    await client.send_token(sb.human.id, 10**12, receipt=False)
                except MezonError as exc:
                    expect_error(exc)
                # failing requests
                sb.faults.fail_ops["channel_message_send"] = OpError.for_code(13, "boom")
                try:
                    await msg.reply("refused")
                except MezonError as exc:
                    expect_error(exc)
                del sb.faults.fail_ops["channel_message_send"]
                sb.faults.drop_replies.add("channel_message_send")
                async with trio.open_nursery() as nursery:

                    async def lost() -> None:
                        try:
                            await client.send_message(sb.clan_id, sb.channel_id, 2, True, "lost")
                        except MezonError as exc:
                            expect_error(exc)

                    nursery.start_soon(lost)
                    await sb.wait_for(
                        lambda r: r.kind == "channel_message_send" and "lost" in r.payload.content
                    )
                    sb.drop_connections(sb.bot.id)  # a reconnect, with a request in flight
                await lifecycle.__anext__()
                sb.faults.drop_replies.clear()
                # a pushed session, then a renewal of the short-lived token
                pushed = await sb.refresh_session(sb.bot.id)
                secrets.update(_token_forms(pushed.token) | _token_forms(pushed.refresh_token))
                secrets.update(_token_forms(pushed.id_token))
                await settle(lambda: client.session.token == pushed.token)
                await settle(lambda: client.statistics().refreshes >= 1, within=10)
                remember(client.session)
                # an RPC 401: one re-login
                sb.revoke_sessions(client.session.token)
                await client.raw.rpc("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList)
                remember(client.session)
                reprs += [repr(client), str(client), repr(client.session), str(client.session)]
                reprs += [
                    repr(services_of(client).core.session),
                    repr(services_of(client).tokens.service),
                    repr(key),
                    str(key),
                ]
                assert client.statistics().logins == 2
            # a login with a wrong key
            wrong = "wrong-api-key-0123456789abcdef"
            secrets.add(wrong)
            secrets |= _forms(f"{sb.bot.id}:{wrong}".encode())
            try:
                async with MezonClient(**client_kwargs(sb, api_key=wrong)):
                    pytest.fail("login should fail")  # pragma: no cover
            except AuthenticationError as exc:
                expect_error(exc)

    secrets = {s for s in secrets if len(s) >= 12}
    texts: list[tuple[str, str]] = []
    for record in caplog.records:
        texts += [(f"log {record.name}:{record.lineno}", t) for t in _record_texts(record)]
    for error in errors:
        texts += [(f"exception {type(error).__name__}", t) for t in _exception_texts(error)]
    texts += [("repr", r) for r in reprs]
    leaks = sorted(
        {(where, secret[:8] + "…") for where, text in texts for secret in secrets if secret in text}
    )
    assert leaks == [], leaks
    # The scan is not vacuous: the logs and errors are there.
    assert len(caplog.records) > 50
    assert any("connecting to ws://" in r.getMessage() for r in caplog.records)
    assert any(r.name == "trio-websocket" for r in caplog.records)
    assert len(errors) == 4
    figures.record(
        "secrets_scan",
        {
            "log_records": len(caplog.records),
            "loggers": sorted({r.name.split(".")[0] for r in caplog.records}),
            "exceptions": sorted(type(e).__name__ for e in errors),
            "reprs": len(reprs),
            "secret_forms": len(secrets),
            "leaks": len(leaks),
        },
    )
