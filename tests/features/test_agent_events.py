"""AI-agent events over SSE: typed events from the sandbox's stream, reconnection after a dropped
connection (real sockets), backoff timing and overflow over an in-memory transport (autojump_clock)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import httpx
import pytest
import trio

from mezon_trio._services.agent_events import (
    AgentEvent,
    AgentEvents,
    Backoff,
    RoomSummaryDone,
    SessionEnded,
    SessionStarted,
    parse_agent_event,
)
from mezon_trio.errors import AuthenticationError, ConfigurationError
from mezon_trio.testing import open_sandbox

FAST = Backoff(initial=0.05, maximum=0.2, jitter=0)


async def next_event(agent: AgentEvents) -> AgentEvent:
    async for event in agent:
        return event
    raise AssertionError("the stream ended")


async def test_typed_events_and_reconnection_over_real_sockets() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, httpx.AsyncClient() as http, trio.open_nursery() as nursery:
            agent = AgentEvents(sb.http_url, sb.bot.id, sb.bot.api_key, http=http, backoff=FAST)
            await nursery.start(agent.run)
            await agent.wait_connected()
            await sb.wait_agent_streams(1)

            sb.emit_agent_event("room_started", room_id="r1", room_name="Standup", metadata={"lang": "en"})
            started = await next_event(agent)
            assert isinstance(started, SessionStarted)
            assert started.name == "session_started"
            assert (started.event_type, started.room_id, started.room_name) == (
                "room_started",
                "r1",
                "Standup",
            )
            assert dict(started.metadata) == {"lang": "en"}
            assert started.timestamp is not None
            assert started.timestamp > 1.7e9  # milliseconds on the wire, seconds here
            sb.emit_agent_event("room_summary_done", room_id="r1", metadata={"summary": "done"})
            sb.emit_agent_event("room_ended", room_id="r1")
            assert isinstance(await next_event(agent), RoomSummaryDone)
            assert isinstance(await next_event(agent), SessionEnded)

            # The server ends the stream: the client connects again and events flow.
            assert sb.drop_agent_streams() == 1
            sb.emit_agent_event("room_started", room_id="missed-while-away")
            await sb.features.agent.wait_connects(2)
            # what was emitted in between is replayed thanks to Last-Event-ID
            replayed = await next_event(agent)
            assert replayed.room_id == "missed-while-away"

            # The connection is reset mid-stream: same.
            assert sb.drop_agent_streams(abrupt=True) == 1
            await sb.features.agent.wait_connects(3)
            sb.emit_agent_event("room_ended", room_id="after-reset")
            after = await next_event(agent)
            assert (type(after), after.room_id) == (SessionEnded, "after-reset")
            assert agent.statistics()["connects"] == 3
            nursery.cancel_scope.cancel()
        # run() closed the buffer: iteration ends
        assert [e async for e in agent] == []


async def test_a_refused_key_ends_run() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, httpx.AsyncClient() as http:
            agent = AgentEvents(sb.http_url, sb.bot.id, "wrong-key", http=http, backoff=FAST)
            with pytest.raises(AuthenticationError):
                await agent.run()
            [request] = [r for r in sb.received if r.kind == "agent_sse"]
            assert request.payload["token"] == "***"


async def test_the_api_key_is_never_logged_or_shown(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with trio.fail_after(20):
        async with open_sandbox() as sb, httpx.AsyncClient() as http, trio.open_nursery() as nursery:
            agent = AgentEvents(sb.http_url, sb.bot.id, sb.bot.api_key, http=http, backoff=FAST)
            await nursery.start(agent.run)
            await sb.wait_agent_streams(1)
            sb.drop_agent_streams()
            await sb.features.agent.wait_connects(2)
            assert sb.bot.api_key not in repr(agent)
            nursery.cancel_scope.cancel()
    assert any("api/sse/metadata" in r.getMessage() for r in caplog.records)  # httpx did log the URL
    assert not [r for r in caplog.records if sb.bot.api_key in r.getMessage()]


# ---------------------------------------------------------------------- in memory, virtual time


def sse(*events: dict[str, object]) -> bytes:
    return b"".join(f"id: {e['event_id']}\ndata: {json.dumps(e)}\n\n".encode() for e in events)


def event(n: int, kind: str = "room_started") -> dict[str, object]:
    return {
        "event_type": kind,
        "event_id": f"e{n}",
        "timestamp": 1_700_000_000 + n,
        "room": {"room_id": str(n)},
    }


class Scripted(httpx.AsyncBaseTransport):
    """Answers each request with the next scripted response; records when requests came."""

    def __init__(self, answers: list[Callable[[httpx.Request], httpx.Response]]) -> None:
        self.answers = answers
        self.times: list[float] = []
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.times.append(trio.current_time())
        self.requests.append(request)
        if len(self.answers) > 1:
            return self.answers.pop(0)(request)
        return self.answers[0](request)


def status(code: int) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(code)


def stream(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)


async def test_backoff_grows_and_resets_after_a_connection(autojump_clock: trio.testing.MockClock) -> None:
    transport = Scripted(
        [status(503), status(503), status(502), stream(sse(event(1))), status(503), status(404), status(503)]
    )
    async with httpx.AsyncClient(transport=transport) as http:
        agent = AgentEvents(
            "https://agent.example", 7, "key", http=http, backoff=Backoff(initial=1, maximum=4, jitter=0)
        )
        with trio.move_on_after(30):
            await agent.run()
    gaps = [round(b - a, 6) for a, b in zip(transport.times, transport.times[1:], strict=False)]
    # 503, 503, 502: 1, 2, 4 s; the stream (200) resets the attempts: 1, 2, then capped at 4
    assert gaps[:6] == [1, 2, 4, 1, 2, 4]
    assert set(gaps[6:]) == {4}
    assert agent.statistics() == {"connects": 1, "events": 1, "dropped": 0, "skipped": 0}
    first = transport.requests[0]
    assert first.url.path == "/api/sse/metadata"
    assert dict(first.url.params) == {"appid": "7", "token": "key"}
    assert first.headers["accept"] == "text/event-stream"
    assert "last-event-id" not in first.headers
    assert transport.requests[4].headers["last-event-id"] == "e1"  # after the stream gave ids


async def test_retry_after_of_a_429_is_honoured(autojump_clock: trio.testing.MockClock) -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, headers={"retry-after": "30"})

    transport = Scripted([limited, status(503)])
    async with httpx.AsyncClient(transport=transport) as http:
        agent = AgentEvents("https://a.example", 1, "k", http=http, backoff=Backoff(initial=1, jitter=0))
        with trio.move_on_after(40):
            await agent.run()
    gaps = [round(b - a, 6) for a, b in zip(transport.times, transport.times[1:], strict=False)]
    assert gaps[:2] == [30, 2]


async def test_overflow_drops_the_oldest(autojump_clock: trio.testing.MockClock) -> None:
    body = sse(*(event(n) for n in range(5))) + b"data: not json\n\n" + sse(event(9, "something_else"))
    transport = Scripted([stream(body), status(503)])
    async with httpx.AsyncClient(transport=transport) as http:
        agent = AgentEvents(
            "https://agent.example/", 1, "k", http=http, buffer=2, backoff=Backoff(initial=100, maximum=100)
        )
        with trio.move_on_after(10):
            await agent.run()
    assert [e.room_id async for e in agent] == ["3", "4"]
    assert agent.statistics() == {"connects": 1, "events": 5, "dropped": 3, "skipped": 2}


async def test_on_event_receives_instead_of_the_buffer(autojump_clock: trio.testing.MockClock) -> None:
    got: list[AgentEvent] = []
    transport = Scripted([stream(sse(event(1), event(2, "room_ended"))), status(503)])
    async with httpx.AsyncClient(transport=transport) as http:
        agent = AgentEvents("https://a.example", 1, "k", http=http, on_event=got.append, buffer=1)
        with trio.move_on_after(10):
            await agent.run()
    assert [type(e) for e in got] == [SessionStarted, SessionEnded]
    assert agent.statistics()["dropped"] == 0


async def test_a_body_that_is_not_an_event_stream_is_retried(autojump_clock: trio.testing.MockClock) -> None:
    transport = Scripted([lambda r: httpx.Response(200, json={"x": 1}), stream(sse(event(1)))])
    async with httpx.AsyncClient(transport=transport) as http:
        agent = AgentEvents("https://a.example", 1, "k", http=http, backoff=FAST)
        with trio.move_on_after(1):
            await agent.run()
    assert agent.statistics()["events"] > 0


def test_parsing() -> None:
    ms = parse_agent_event(json.dumps({**event(1), "timestamp": 1_700_000_000_500}))
    assert ms is not None
    assert ms.timestamp == 1_700_000_000.5
    iso = parse_agent_event(json.dumps({**event(1), "timestamp": "2026-01-01T00:00:00Z"}))
    assert iso is not None
    assert iso.timestamp == 1767225600.0
    assert parse_agent_event("[]") is None
    assert parse_agent_event(json.dumps({"event_type": "room_started"})) == SessionStarted(
        event_id="", event_type="room_started", timestamp=None, room_id="", room_name=""
    )
    with pytest.raises(ConfigurationError):
        AgentEvents("/relative", 1, "k", http=httpx.AsyncClient())
    with pytest.raises(ConfigurationError):
        Backoff(initial=0)
