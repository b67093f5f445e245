"""Sessions: parsing, JWT claims, redaction, renewal before expiry, pushed sessions, 401 re-login."""

from __future__ import annotations

import base64
import json
import time

import pytest
import trio
import trio.testing

from mezon_trio import MezonClient
from mezon_trio._proto.mezon import api
from mezon_trio._session import Session, jwt_claims, parse_session, refresh_margin
from mezon_trio.errors import ProtocolError
from mezon_trio.testing import open_sandbox

from ._helpers import client_kwargs


def jwt(claims: dict[str, object]) -> str:
    def part(obj: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'HS256'})}.{part(claims)}.sig"


def test_parse_protobuf_session_and_claims() -> None:
    exp = int(time.time()) + 3600
    token = jwt({"exp": exp, "uid": 42, "vrs": {"a": "b"}})
    body = bytes(
        api.Session(token=token, refresh_token=jwt({"exp": exp + 10}), api_url="http://a", ws_url="b:1")
    )
    session = parse_session(body)
    assert session.user_id == 42  # from the uid claim, Session.user_id being absent
    assert session.expires_at == exp
    assert session.refresh_expires_at == exp + 10
    assert dict(session.vars) == {"a": "b"}
    assert 3590 < (session.remaining() or 0) <= 3600
    # Never shown:
    assert token not in repr(session)
    assert "refresh_token" not in repr(session)


def test_parse_json_fallback_with_camel_case() -> None:
    token = jwt({"exp": 1})
    body = json.dumps(
        {"token": token, "refreshToken": "r", "userId": "7", "apiUrl": "http://a", "wsUrl": "w"}
    )
    session = parse_session(body.encode())
    assert (session.token, session.refresh_token, session.user_id, session.api_url, session.ws_url) == (
        token,
        "r",
        7,
        "http://a",
        "w",
    )


@pytest.mark.parametrize("body", [b"", b"garbage\xff\xfe", b"{}", b'{"token": ""}', b"[1, 2]"])
def test_parse_refuses_non_sessions(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_session(body)


def test_jwt_claims_tolerates_garbage() -> None:
    assert jwt_claims("not a jwt") == {}
    assert jwt_claims("a.!!!.c") == {}
    assert jwt_claims(jwt({"exp": 5})) == {"exp": 5}
    assert refresh_margin(3600) == 300
    assert refresh_margin(60) == 30
    assert refresh_margin(None) == 300


def test_merged_keeps_what_the_update_lacks() -> None:
    old = Session(token="a", refresh_token="r", user_id=1, api_url="http://a", ws_url="w")
    new = old.merged(Session(token="b"))
    assert (new.token, new.refresh_token, new.user_id, new.api_url, new.ws_url) == (
        "b",
        "r",
        1,
        "http://a",
        "w",
    )


async def test_token_is_renewed_before_expiry(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(600):
        async with (
            open_sandbox(in_memory=True, token_ttl=60) as sb,
            MezonClient(**client_kwargs(sb)) as client,
        ):
            first = client.session.token
            await trio.sleep(25)
            assert not [r for r in sb.received if r.kind == "SessionRefresh"]
            await trio.sleep(10)  # past 30 s: half the lifetime is the margin
            assert [r for r in sb.received if r.kind == "SessionRefresh"]
            assert client.session.token != first
            assert client.statistics().refreshes == 1
            assert len([r for r in sb.received if r.kind == "authenticate"]) == 1
            assert client.is_ready


async def test_failed_refresh_falls_back_to_login(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(600):
        async with (
            open_sandbox(in_memory=True, token_ttl=60) as sb,
            MezonClient(**client_kwargs(sb)) as client,
        ):
            sb.faults.rpc_status["SessionRefresh"] = (500, None)
            first = client.session.token
            await trio.sleep(35)
            assert len([r for r in sb.received if r.kind == "authenticate"]) == 2
            assert client.session.token != first
            assert client.statistics().refreshes == 0


async def test_pushed_session_is_adopted() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            old = client.session.token
            pushed = await sb.refresh_session(sb.bot.id)
            with trio.fail_after(5):
                while client.session.token == old:  # noqa: ASYNC110 - polling a value
                    await trio.sleep(0.01)
            assert client.session.token == pushed.token
            sb.revoke_sessions(old)
            # The API now uses the pushed token: no 401, no new login.
            await client.raw.rpc("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList)
            assert len([r for r in sb.received if r.kind == "authenticate"]) == 1


async def test_api_401_logs_in_once_and_retries() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            sb.revoke_sessions(client.session.token)
            results = []

            async def call() -> None:
                results.append(
                    await client.raw.rpc("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList)
                )

            async with trio.open_nursery() as nursery:
                for _ in range(5):
                    nursery.start_soon(call)
            assert len(results) == 5
            # Five concurrent 401s: one new login, not five.
            assert len([r for r in sb.received if r.kind == "authenticate"]) == 2
