"""Server errors end to end (client <-> sandbox, in memory, ``autojump_clock``).

Policy under test (``mezon_trio/_transport/rest.py`` module docstring):

* HTTP reads (``List*``, ``Get*``...) are retried on 5xx/429/network errors:
  3 attempts, full-jitter backoff 0-0.5 s then 0-1 s; a ``Retry-After`` replaces
  the backoff (up to 60 s; a longer one is raised at once as ``RateLimited``);
* HTTP writes are retried only after a 429 (the server refused them before
  doing anything); a 5xx surfaces at once as ``ServerError``;
* socket requests and bridge (0xFF) calls are never retried: the error reply
  surfaces as its typed error;
* the login is never retried (a wrong key fails once), a 401 on an RPC causes
  one re-login shared by all callers, and an auth failure while reconnecting
  stops the client with ``AuthenticationError``.
"""

from __future__ import annotations

import gc
import itertools
from typing import Any

import pytest
import trio
import trio.testing

from mezon_trio import Events, MezonClient, ReconnectPolicy
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.errors import (
    APIError,
    AuthenticationError,
    Forbidden,
    HandshakeError,
    MezonError,
    NotFound,
    RateLimited,
    ServerError,
)
from mezon_trio.testing import OpError, open_sandbox

from ._support import client_kwargs, client_tasks, send_envelope
from .conftest import Figures

_READ = ("ListChannelDescs", api.ListChannelDescsRequest(channel_type=3), api.ChannelDescList)
_WRITES: list[tuple[str, Any, Any]] = [
    ("CreateChannelDesc", api.CreateChannelDescRequest(clan_id=1, channel_label="x"), api.ChannelDescription),
    ("UpdateRole", api.UpdateRoleRequest(role_id=1, title="x"), api.Role),
]


def _attempts(sb: Any, method: str, since: int) -> list[float]:
    """Times of the HTTP calls of *method* recorded after index *since* of ``sb.received``."""
    return [r.time for r in sb.received[since:] if r.kind == method and r.transport == "http"]


def _gaps(times: list[float]) -> list[float]:
    return [b - a for a, b in itertools.pairwise(times)]


async def test_reads_retried_with_backoff_on_5xx(
    autojump_clock: trio.testing.MockClock, figures: Figures
) -> None:
    method, request, response = _READ
    gaps: list[float] = []
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            for status, _ in itertools.product((500, 502, 503, 504), range(10)):
                sb.faults.rpc_status[method] = (status, None)
                since = len(sb.received)
                with pytest.raises(ServerError) as info:
                    await client.raw.rpc(method, request, response)
                assert (info.value.status, info.value.operation) == (status, method)
                times = _attempts(sb, method, since)
                assert len(times) == 3
                first, second = _gaps(times)
                assert 0 <= first <= 0.5
                assert 0 <= second <= 1.0
                gaps += [first, second]
            assert sum(gaps) > 0  # there was a backoff (full jitter: uniform from 0)

            # Recovers as soon as the server does: the second attempt succeeds.
            sb.faults.rpc_status[method] = (503, None)
            since = len(sb.received)
            before = len([r for r in sb.received if r.kind == method])
            async with trio.open_nursery() as nursery:

                async def heal() -> None:
                    await sb.wait_for(lambda r: r.kind == method, count=before + 1)
                    del sb.faults.rpc_status[method]

                nursery.start_soon(heal)
                listed = await client.raw.rpc(method, request, response)
            assert listed.channeldesc  # the seeded DM
            assert len(_attempts(sb, method, since)) == 2
    figures.record(
        "server_errors.read_5xx_backoff",
        {"attempts_per_call": 3, "gap1_max_s": max(gaps[::2]), "gap2_max_s": max(gaps[1::2])},
    )


async def test_retry_after_is_honoured(autojump_clock: trio.testing.MockClock) -> None:
    method, request, response = _READ
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            for name, req, resp in [_READ, *_WRITES]:  # writes too: a 429 means nothing was done
                sb.faults.rpc_status[name] = (429, 3.0)
                since = len(sb.received)
                with pytest.raises(RateLimited) as info:
                    await client.raw.rpc(name, req, resp)
                assert info.value.retry_after == 3.0
                assert info.value.retriable
                times = _attempts(sb, name, since)
                assert len(times) == 3
                assert _gaps(times) == [pytest.approx(3.0, abs=1e-3)] * 2
                del sb.faults.rpc_status[name]

            # Without Retry-After: the ordinary backoff.
            sb.faults.rpc_status[method] = (429, None)
            since = len(sb.received)
            with pytest.raises(RateLimited):
                await client.raw.rpc(method, request, response)
            first, second = _gaps(_attempts(sb, method, since))
            assert first <= 0.5
            assert second <= 1.0

            # A Retry-After beyond 60 s is not slept through: raised at once, for the caller to decide.
            sb.faults.rpc_status[method] = (429, 120.0)
            since, started = len(sb.received), trio.current_time()
            with pytest.raises(RateLimited) as info:
                await client.raw.rpc(method, request, response)
            assert info.value.retry_after == 120.0
            assert trio.current_time() == started
            assert len(_attempts(sb, method, since)) == 1


async def test_writes_surface_typed_errors_without_retry(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            for (name, req, resp), status in itertools.product(_WRITES, (500, 502, 503)):
                sb.faults.rpc_status[name] = (status, None)
                since = len(sb.received)
                with pytest.raises(ServerError) as info:
                    await client.raw.rpc(name, req, resp)
                assert info.value.status == status
                assert len(_attempts(sb, name, since)) == 1
                del sb.faults.rpc_status[name]
            # Client errors are never retried, reads included.
            method, request, response = _READ
            for status, error in ((400, APIError), (403, Forbidden), (404, NotFound)):
                sb.faults.rpc_status[method] = (status, None)
                since = len(sb.received)
                with pytest.raises(error) as caught:
                    await client.raw.rpc(method, request, response)
                assert caught.value.status == status
                assert len(_attempts(sb, method, since)) == 1
            # An explicitly idempotent write is retried like a read.
            name, req, resp = _WRITES[0]
            sb.faults.rpc_status[name] = (503, None)
            since = len(sb.received)
            with pytest.raises(ServerError):
                await client.raw.rpc(name, req, resp, idempotent=True)
            assert len(_attempts(sb, name, since)) == 3


async def test_socket_and_bridge_errors_are_typed_and_not_retried(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:

            def frames(kind: str) -> int:
                return len([r for r in sb.received if r.kind == kind and r.transport == "ws"])

            cases: list[tuple[OpError, type[APIError]]] = [
                (OpError.for_code(3, "rate limited", context={"retry_after": "1"}), RateLimited),
                (OpError.for_code(13, "internal error"), APIError),
                (OpError.for_code(5, "must join channel"), APIError),
            ]
            for error, expected in cases:
                sb.faults.fail_ops["channel_message_send"] = error
                before = frames("channel_message_send")
                with pytest.raises(expected) as info:
                    await client.raw.request(send_envelope(sb, "refused"))
                assert type(info.value) is expected
                assert info.value.code == error.code
                assert error.message in str(info.value)
                assert frames("channel_message_send") == before + 1
            del sb.faults.fail_ops["channel_message_send"]

            update = rt.ChannelMessageUpdate(
                clan_id=sb.clan_id, channel_id=sb.channel_id, message_id=1, content='{"t": "x"}', mode=2
            )
            bridge_cases: list[tuple[int, type[APIError]]] = [
                (500, ServerError),
                (503, ServerError),
                (429, RateLimited),
                (404, NotFound),
                (403, Forbidden),
            ]
            for status, expected in bridge_cases:
                sb.faults.raw_status["UpdateChannelMessage"] = status
                before = frames("UpdateChannelMessage")
                with pytest.raises(expected) as caught:
                    await client.raw.api_bridge("UpdateChannelMessage", update, rt.ChannelMessageUpdate)
                assert caught.value.status == status
                assert frames("UpdateChannelMessage") == before + 1
            del sb.faults.raw_status["UpdateChannelMessage"]
            assert client.is_ready
            assert client.statistics().reconnects == 0


async def test_server_frame_budget(autojump_clock: trio.testing.MockClock, figures: Figures) -> None:
    """With the server's 80 frames/s budget on: the default client never trips it; an
    unthrottled one gets typed RateLimited errors, never anything else."""
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb:
            sb.faults.rate_limits = True
            sb.faults.ws_burst = 81  # one frame of slack for float rounding at zero latency
            outcomes: dict[str, dict[str, int]] = {}
            for label, rate in (("default 80/s", 80.0), ("unthrottled", 100_000.0)):
                counts = {"acked": 0, "RateLimited": 0}
                async with MezonClient(**client_kwargs(sb, ws_rate_limit=rate)) as client:
                    await trio.sleep(1.0)  # refill the server's bucket after the login's joins

                    async def send(
                        i: int, counts: dict[str, int] = counts, client: MezonClient = client
                    ) -> None:
                        try:
                            await client.raw.request(send_envelope(sb, f"flood {i}"))
                        except RateLimited:
                            counts["RateLimited"] += 1
                        else:
                            counts["acked"] += 1

                    async with trio.open_nursery() as nursery:
                        for i in range(400):
                            nursery.start_soon(send, i)
                outcomes[label] = counts
            assert outcomes["default 80/s"] == {"acked": 400, "RateLimited": 0}
            assert outcomes["unthrottled"]["RateLimited"] > 0
            assert sum(outcomes["unthrottled"].values()) == 400
    figures.record("server_errors.frame_budget", outcomes)


# ---------------------------------------------------------------------- authentication


async def test_bad_key_fails_once(autojump_clock: trio.testing.MockClock) -> None:
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb:
            for status, expected in ((401, AuthenticationError), (500, ServerError), (403, Forbidden)):
                sb.faults.auth_status = status
                since = len(sb.received)
                with pytest.raises(expected) as info:
                    async with MezonClient(**client_kwargs(sb)):
                        pytest.fail("login should fail")  # pragma: no cover
                assert info.value.status == status
                if status == 401:
                    assert "check the bot id (client_id) and api_key" in str(info.value)
                await trio.sleep(600)  # nothing left running that could retry
                kinds = [r.kind for r in sb.received[since:]]
                assert kinds == ["authenticate"]
                assert client_tasks() == []
            sb.faults.auth_status = None
            with pytest.raises(AuthenticationError):
                async with MezonClient(**client_kwargs(sb, api_key="wrong")):
                    pytest.fail("login should fail")  # pragma: no cover
            assert len([r for r in sb.received if r.kind == "authenticate"]) == 4


async def test_auth_failure_while_reconnecting_stops_without_a_storm(
    autojump_clock: trio.testing.MockClock,
) -> None:
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb:
            policy = ReconnectPolicy(initial_delay=0.1, max_delay=1.0)
            client = MezonClient(**client_kwargs(sb, reconnect=policy))

            async def run() -> None:
                async with client:
                    sb.revoke_sessions(client.session.token)
                    sb.faults.auth_status = 401
                    sb.drop_connections(sb.bot.id)
                    await trio.sleep(3600)

            with pytest.raises(AuthenticationError):
                await run()
            await trio.sleep(3600)
            kinds = [r.kind for r in sb.received]
            # first login, then: one refused upgrade with the old token, one refused login, nothing else.
            assert kinds.count("authenticate") == 2
            assert kinds.count("connect_rejected") == 1
            assert kinds.count("connect") == 1
            assert client_tasks() == []


async def test_rpc_401_relogs_in_once_for_all_callers(autojump_clock: trio.testing.MockClock) -> None:
    method, request, response = _READ
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            sb.revoke_sessions(client.session.token)
            results: list[object] = []

            async def call() -> None:
                results.append(await client.raw.rpc(method, request, response))

            async with trio.open_nursery() as nursery:
                for _ in range(20):
                    nursery.start_soon(call)
            assert len(results) == 20
            assert len([r for r in sb.received if r.kind == "authenticate"]) == 2  # first + one re-login

            # The key itself is now refused: one login attempt, then AuthenticationError to the caller.
            sb.revoke_sessions(client.session.token)
            sb.faults.auth_status = 401
            with pytest.raises(AuthenticationError):
                await client.raw.rpc(method, request, response)
            assert len([r for r in sb.received if r.kind == "authenticate"]) == 3
            sb.faults.auth_status = None


# ---------------------------------------------------------------------- close codes


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        (1000, "normal"),
        (1001, "going away"),
        (1008, "policy violation"),
        (1011, "internal error"),
        (1012, "service restart"),
        (1013, "try again later"),
        (3000, "unauthorized"),
        (4000, "custom"),
        (4999, "ünïcödé reason"),
        (None, ""),
    ],
)
async def test_close_code_reaches_the_disconnected_event(
    autojump_clock: trio.testing.MockClock, code: int | None, reason: str
) -> None:
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb, MezonClient(**client_kwargs(sb)) as client:
            events = client.subscribe(Events.DISCONNECTED, Events.RECONNECTED)
            sb.drop_connections(sb.bot.id, code=code, reason=reason)
            ev = await events.__anext__()
            assert ev.kind == Events.DISCONNECTED
            info = ev.payload
            assert (info.code, info.reason, info.intentional) == (code, reason, False)
            assert info.code is None or type(info.code) is int  # not wsproto's enum
            assert isinstance(info.error, MezonError)
            assert getattr(info.error, "code", "missing") == code
            ev = await events.__anext__()
            assert ev.kind == Events.RECONNECTED
            assert client.is_ready


@pytest.mark.parametrize("behaviour", ["close at once", "close after the request", "refuse with 503"])
async def test_a_broken_upgrade_fails_fast_and_closes_its_socket(behaviour: str) -> None:
    """trio-websocket 0.12 alone waits forever when the peer goes away during the upgrade."""

    async def server(stream: trio.SocketStream) -> None:
        async with stream:
            if behaviour != "close at once":
                await stream.receive_some(65536)
            if behaviour == "refuse with 503":
                await stream.send_all(b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n")

    with trio.fail_after(20):
        async with open_sandbox() as sb, trio.open_nursery() as nursery:
            listeners = await nursery.start(trio.serve_tcp, server, 0)
            port = listeners[0].socket.getsockname()[1]
            issue = sb._core.issue_session  # test-only: point the sessions' ws_url at that server

            def issue_elsewhere(user_id: int) -> api.Session:
                session: api.Session = issue(user_id)
                session.ws_url = f"ws://127.0.0.1:{port}"
                return session

            sb._core.issue_session = issue_elsewhere  # type: ignore[method-assign]
            started = trio.current_time()
            with pytest.raises(HandshakeError) as info:
                async with MezonClient(**client_kwargs(sb, connect_timeout=15)):
                    pytest.fail("the upgrade cannot succeed")  # pragma: no cover
            assert trio.current_time() - started < 5  # not the 15 s connect_timeout
            if behaviour == "refuse with 503":
                assert info.value.status == 503
            else:
                assert "closed during the WebSocket upgrade" in str(info.value)
            gc.collect()  # an unclosed socket would raise ResourceWarning here (warnings are errors)
            assert client_tasks() == []
            nursery.cancel_scope.cancel()
