"""The default frame transport (mezon_trio/_transport/websocket.py) against a scripted server.

The server side is wsproto for the upgrade and raw bytes after it, over a memory
stream pair: fragments, text frames, pings, bad frames and closes exactly as a
server may write them.
"""

from __future__ import annotations

import itertools
import struct
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

import pytest
import trio
import trio.testing
from hypothesis import given, settings
from hypothesis import strategies as st
from wsproto import ConnectionType, WSConnection
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Event,
    Pong,
    RejectConnection,
    Request,
)

from mezon_trio import MezonClient
from mezon_trio._client import services_of  # white-box: the gateway's transport
from mezon_trio._transport.seam import Closed
from mezon_trio._transport.websocket import WebSocket, WebSocketConnector, client_frame, open_websocket
from mezon_trio.errors import ConnectionLost, HandshakeError
from mezon_trio.testing import open_sandbox


def frame(opcode: int, payload: bytes, *, fin: bool = True, rsv: int = 0) -> bytes:
    """One unmasked server frame (RFC 6455 §5.2)."""
    head = bytes(((0x80 if fin else 0) | rsv | opcode,))
    n = len(payload)
    if n < 126:
        return head + bytes((n,)) + payload
    return head + b"\x7e" + struct.pack(">H", n) + payload


class Server:
    """The server end: wsproto parses what the client writes."""

    def __init__(self, stream: trio.abc.Stream) -> None:
        self.stream = stream
        self.ws = WSConnection(ConnectionType.SERVER)

    async def accept(self, *, reject: int | None = None) -> None:
        while True:
            self.ws.receive_data(bytes(await self.stream.receive_some(65536)))
            for event in self.ws.events():
                if isinstance(event, Request):
                    assert event.subprotocols == ["protobuf"]
                    if reject is not None:
                        out = self.ws.send(RejectConnection(status_code=reject))
                    else:
                        out = self.ws.send(AcceptConnection(subprotocol="protobuf"))
                    await self.stream.send_all(out)
                    return

    async def next_event(self) -> Event:
        while True:
            for event in self.ws.events():
                return event
            data = await self.stream.receive_some(65536)
            if not data:
                raise EOFError
            self.ws.receive_data(bytes(data))


@asynccontextmanager
async def connected(
    max_frame_size: int = 1 << 20, *, sockets: bool = False, write_timeout: float = 10.0
) -> AsyncIterator[tuple[WebSocket, Server]]:
    client: trio.abc.Stream
    server_stream: trio.abc.Stream
    if sockets:  # a real socket pair (a memory stream's write yields twice)
        a, b = trio.socket.socketpair()
        client, server_stream = trio.SocketStream(a), trio.SocketStream(b)
    else:
        client, server_stream = trio.testing.memory_stream_pair()
    server = Server(server_stream)
    async with trio.open_nursery() as nursery:
        nursery.start_soon(server.accept)
        ws = await open_websocket(
            client,
            host="test",
            resource="/ws",
            max_frame_size=max_frame_size,
            safe_url="ws://test/ws",
            write_timeout=write_timeout,
        )
        try:
            assert ws.subprotocol == "protobuf"
            yield ws, server
        finally:
            await server.stream.aclose()  # no close reply to wait for
            await ws.aclose()


async def test_binary_frames_in_order_fragments_joined_text_apart_pings_answered() -> None:
    got: list[bytes] = []
    texts: list[str] = []
    with trio.fail_after(10):
        async with connected() as (ws, server):
            script = b"".join(
                [
                    frame(0x2, b"first"),
                    frame(0x2, b"frag-1,", fin=False),
                    frame(0x9, b"are you there"),  # a ping between fragments
                    frame(0x0, b"frag-2,", fin=False),
                    frame(0x0, b"frag-3"),
                    frame(0x1, b"a text frame"),
                    frame(0x2, bytes(300)),  # 16-bit length
                    *[frame(0x2, b"%d" % i) for i in range(200)],  # many frames in one read
                    frame(0x8, struct.pack(">H", 1012) + b"restart"),
                ]
            )
            await server.stream.send_all(script)
            closed = await ws.receive(got.append, texts.append)
            assert closed == Closed(1012, "restart")
            assert isinstance(pong := await server.next_event(), Pong)
            assert pong.payload == b"are you there"
            reply = await server.next_event()
            assert isinstance(reply, CloseConnection)
            assert reply.code == 1012  # the peer's close is answered
            with pytest.raises(ConnectionLost):
                await ws.send(b"too late")
    assert got == [b"first", b"frag-1,frag-2,frag-3", bytes(300), *[b"%d" % i for i in range(200)]]
    assert all(type(item) is bytes for item in got)
    assert texts == ["a text frame"]


@pytest.mark.parametrize("fragmented", [False, True])
async def test_oversized_message_closes_with_1009(fragmented: bool) -> None:
    got: list[bytes] = []
    with trio.fail_after(10):
        async with connected(max_frame_size=80) as (ws, server):
            big = (
                [frame(0x2, b"x" * 50, fin=False), frame(0x0, b"y" * 50)]
                if fragmented
                else [frame(0x2, b"z" * 81)]
            )
            await server.stream.send_all(frame(0x2, b"ok") + b"".join(big) + frame(0x2, b"never"))
            closed = await ws.receive(got.append, lambda _: None)
            assert closed.code == 1009
            event = await server.next_event()
            assert isinstance(event, CloseConnection)
            assert event.code == 1009
    assert got == [b"ok"]


async def test_a_frame_wsproto_refuses_closes_with_1002() -> None:
    with trio.fail_after(10):
        async with connected() as (ws, server):
            await server.stream.send_all(frame(0x2, b"bad", rsv=0x40))  # RSV1 without an extension
            closed = await ws.receive(lambda _: None, lambda _: None)
            assert closed.code == 1002
            event = await server.next_event()
            assert isinstance(event, CloseConnection)
            assert event.code == 1002


async def test_stream_end_is_code_none_and_sends_fail_at_once() -> None:
    with trio.fail_after(10):
        async with connected() as (ws, server):
            await server.stream.aclose()
            assert await ws.receive(lambda _: None, lambda _: None) == Closed(None, "")
            with pytest.raises(ConnectionLost):
                await ws.send(b"x")


async def test_send_and_closing_handshake() -> None:
    with trio.fail_after(10):
        async with connected() as (ws, server):
            await ws.send(b"\x01\x02")
            event = await server.next_event()
            assert isinstance(event, BytesMessage)
            assert event.data == b"\x01\x02"

            async def answer_close() -> None:
                event = await server.next_event()
                assert isinstance(event, CloseConnection)
                assert (event.code, event.reason) == (1000, "bye")
                await server.stream.send_all(server.ws.send(event.response()))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(answer_close)
                await ws.aclose(1000, "bye")
            await ws.aclose()  # idempotent
            with pytest.raises(ConnectionLost):
                await ws.send(b"x")
            assert await server.stream.receive_some(10) == b""  # the stream is closed


async def test_refused_upgrade_and_stream_ending_during_it() -> None:
    with trio.fail_after(10):
        client, server_stream = trio.testing.memory_stream_pair()
        server = Server(server_stream)
        async with trio.open_nursery() as nursery:
            nursery.start_soon(partial(server.accept, reject=403))
            with pytest.raises(HandshakeError) as info:
                await open_websocket(client, host="h", resource="/", max_frame_size=100, safe_url="ws://h/")
        assert info.value.status == 403
        assert "403" in str(info.value)

        client, server_stream = trio.testing.memory_stream_pair()

        async def read_then_hang_up() -> None:
            await server_stream.receive_some(65536)
            await server_stream.aclose()

        async with trio.open_nursery() as nursery:
            nursery.start_soon(read_then_hang_up)
            with pytest.raises(HandshakeError, match="closed during the WebSocket upgrade"):
                await open_websocket(client, host="h", resource="/", max_frame_size=100, safe_url="ws://h/")


async def test_connector_refuses_non_ws_urls_and_unreachable_hosts() -> None:
    connect = WebSocketConnector()
    with trio.fail_after(10):
        with pytest.raises(Exception, match="scheme must be ws or wss"):
            await connect("http://127.0.0.1:9/ws", max_frame_size=100)
        with pytest.raises(HandshakeError, match=r"cannot connect to ws://127\.0\.0\.1:9/ws") as info:
            await connect("ws://127.0.0.1:9/ws?token=secret", max_frame_size=100)
        assert "secret" not in str(info.value)


@pytest.mark.parametrize("in_memory", [False, True])
async def test_the_client_runs_on_it(in_memory: bool) -> None:
    with trio.fail_after(20):
        async with open_sandbox(in_memory=in_memory) as sb, MezonClient(**sb.client_kwargs()) as client:
            assert isinstance(services_of(client).core.gateway._conn, WebSocket)
            before = services_of(client).core.gateway.statistics().frames_received
            async with client.channel_messages() as messages:
                await sb.post_message(sb.human.id, sb.channel_id, "through the frame transport")
                async for msg in messages:
                    assert msg.text == "through the frame transport"
                    break
            assert services_of(client).core.gateway.statistics().frames_received > before


async def test_frames_cut_anywhere_and_frames_glued_to_the_upgrade_response() -> None:
    """Headers and payloads split across reads (one byte per write, 64-bit lengths), and
    frames in the same write as the 101 response."""
    big = bytes(range(256)) * 300  # 76,800 bytes: a 64-bit length and several reads
    script = [
        frame(0x2, b"glued"),
        frame(0x2, b"a" * 126),
        frame(0x1, b"text"),
        b"\x82\x7f" + len(big).to_bytes(8, "big") + big,
        frame(0x2, b"part-1,", fin=False),
        frame(0x0, b"part-2"),
        frame(0x2, b"end"),
    ]
    got: list[bytes] = []
    texts: list[str] = []
    client, server_stream = trio.testing.memory_stream_pair()
    server = Server(server_stream)

    async def serve() -> None:
        while True:
            server.ws.receive_data(bytes(await server_stream.receive_some(65536)))
            if any(isinstance(e, Request) for e in server.ws.events()):
                break
        data = server.ws.send(AcceptConnection(subprotocol="protobuf")) + script[0]
        await server_stream.send_all(data)  # the first frame rides with the 101
        rest = b"".join(script[1:4])
        for i in range(0, 300):  # the first 300 bytes one at a time: headers cut everywhere
            await server_stream.send_all(rest[i : i + 1])
        await server_stream.send_all(rest[300:])
        await server_stream.send_all(b"".join(script[4:]))
        await server_stream.send_all(frame(0x8, struct.pack(">H", 1000)))

    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            nursery.start_soon(serve)
            ws = await open_websocket(
                client, host="h", resource="/", max_frame_size=1 << 20, safe_url="ws://h/"
            )
            assert await ws.receive(got.append, texts.append) == Closed(1000, "")
            await ws.aclose()
    assert got == [b"glued", b"a" * 126, big, b"part-1,part-2", b"end"]
    assert texts == ["text"]


@pytest.mark.parametrize("size", [0, 1, 125, 126, 65535, 65536, 70_001])
async def test_sent_frames_are_masked_binary_frames_wsproto_accepts(size: int) -> None:
    payload = bytes(i * 7 % 256 for i in range(size))
    with trio.fail_after(10):
        async with connected() as (ws, server):
            await ws.send(payload)
            await ws.send(b"next")
            got = b""
            while True:
                event = await server.next_event()
                assert isinstance(event, BytesMessage)
                got += event.data
                if event.message_finished:
                    break
            assert got == payload
            event = await server.next_event()
            assert isinstance(event, BytesMessage)
            assert event.data == b"next"
    frame_bytes = client_frame(payload)
    assert frame_bytes[0] == 0x82  # a final binary frame
    assert frame_bytes[1] & 0x80  # masked
    assert client_frame(payload) != frame_bytes  # with a fresh mask each time


class _Chunks(trio.abc.Stream):
    """A server that already wrote everything: hands out the given reads, then the end."""

    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = iter(chunks)
        self.written = b""

    async def receive_some(self, max_bytes: int | None = None) -> bytes:
        await trio.lowlevel.checkpoint()
        return next(self._chunks, b"")

    async def send_all(self, data: bytes | bytearray | memoryview) -> None:
        await trio.lowlevel.checkpoint()
        self.written += bytes(data)

    async def wait_send_all_might_not_block(self) -> None:
        await trio.lowlevel.checkpoint()

    async def aclose(self) -> None:
        await trio.lowlevel.checkpoint()


_BIG = bytes(range(256)) * 257
# Small random payloads, and large ones (16- and 64-bit lengths) made cheaply.
_payloads = st.binary(max_size=300) | st.integers(65_530, 65_600).map(lambda n: _BIG[:n])
_messages = st.lists(
    st.tuples(st.sampled_from(["binary", "text", "ping"]), _payloads, st.integers(1, 3)), max_size=12
)


@settings(max_examples=60, deadline=None)
@given(messages=_messages, cuts=st.lists(st.integers(1, 70_000), max_size=8))
def test_messages_survive_any_framing_and_any_read_boundaries(
    messages: list[tuple[str, bytes, int]], cuts: list[int]
) -> None:
    """Binary messages whole or in 1-3 fragments, text, pings between them, the stream
    cut at arbitrary points: the callbacks get exactly the messages, in order."""
    wire = b""
    expected_binary: list[bytes] = []
    expected_text: list[str] = []
    for kind, payload, pieces in messages:
        if kind == "ping":
            wire += frame(0x9, payload[:125])
            continue
        data: bytes | str = payload if kind == "binary" else payload.hex()[:500]
        raw = data if isinstance(data, bytes) else data.encode()
        step = max(1, -(-len(raw) // pieces))
        parts = [raw[i : i + step] for i in range(0, len(raw), step)] or [b""]
        for i, part in enumerate(parts):
            opcode = (0x2 if kind == "binary" else 0x1) if i == 0 else 0x0
            if len(part) < 65536:
                wire += frame(opcode, part, fin=i == len(parts) - 1)
            else:
                first = (0x80 if i == len(parts) - 1 else 0) | opcode
                wire += bytes((first, 127)) + len(part).to_bytes(8, "big") + part
        if isinstance(data, bytes):
            expected_binary.append(data)
        else:
            expected_text.append(data)
    wire += frame(0x8, struct.pack(">H", 1000))
    points = sorted({c % (len(wire) + 1) for c in cuts} | {0, len(wire)})
    chunks = [wire[a:b] for a, b in itertools.pairwise(points) if b > a]

    async def run() -> tuple[list[bytes], list[str], Closed]:
        from wsproto.connection import Connection

        got: list[bytes] = []
        texts: list[str] = []
        ws = WebSocket(
            _Chunks(chunks), Connection(ConnectionType.CLIENT), subprotocol=None, max_frame_size=1 << 20
        )
        closed = await ws.receive(got.append, texts.append)
        return got, texts, closed

    got, texts, closed = trio.run(run)
    assert closed == Closed(1000, "")
    assert got == expected_binary
    assert texts == expected_text


class _Steps(trio.abc.Instrument):
    """Counts the scheduler steps of one task."""

    def __init__(self, task: trio.lowlevel.Task) -> None:
        self.task = task
        self.steps = 0

    def before_task_step(self, task: trio.lowlevel.Task) -> None:
        if task is self.task:
            self.steps += 1


async def test_an_uncontended_send_yields_once_and_concurrent_sends_do_not_interleave() -> None:
    with trio.fail_after(10):
        async with connected(sockets=True) as (ws, server):
            steps = _Steps(trio.lowlevel.current_task())
            trio.lowlevel.add_instrument(steps)
            try:
                await ws.send(b"\x01")
            finally:
                trio.lowlevel.remove_instrument(steps)
            assert steps.steps == 1  # the stream's write; the free lock costs no extra step
            event = await server.next_event()
            assert isinstance(event, BytesMessage)
            assert event.data == b"\x01"
            payloads = [bytes([i]) * 70_000 for i in range(1, 5)]  # several reads each
            async with trio.open_nursery() as nursery:
                for payload in payloads:
                    nursery.start_soon(ws.send, payload)
                got: list[bytes] = []
                part = b""
                while len(got) < len(payloads):
                    event = await server.next_event()
                    assert isinstance(event, BytesMessage)  # wsproto hands big messages in parts
                    part += bytes(event.data)
                    if event.message_finished:
                        got.append(part)
                        part = b""
            assert sorted(got) == payloads


async def test_a_send_cancelled_before_writing_leaves_the_socket_usable() -> None:
    with trio.fail_after(10):
        async with connected() as (ws, server):
            with trio.CancelScope() as scope:
                scope.cancel()
                await ws.send(b"\x01")
            assert scope.cancelled_caught
            await ws.send(b"\x02")
            event = await server.next_event()
            assert isinstance(event, BytesMessage)
            assert event.data == b"\x02"


async def _whole_messages(server: Server, until: bytes) -> list[bytes]:
    """Every binary message the server reads, up to and including *until* (wsproto checks framing)."""
    got: list[bytes] = []
    part = b""
    while True:
        event = await server.next_event()
        assert isinstance(event, BytesMessage)
        part += bytes(event.data)
        if event.message_finished:
            got.append(part)
            if part == until:
                return got
            part = b""


async def test_a_send_blocked_on_a_full_socket_is_cancelled_having_written_nothing() -> None:
    # Over a socket the first write is one system call and no cancel scope: a send the
    # kernel cannot take yet must be cancellable without leaving part of a frame behind.
    with trio.fail_after(20):
        async with connected(sockets=True) as (ws, server):
            payload = b"x" * 500  # one kernel buffer each: taken whole or not at all
            written = 0
            while True:  # the server reads nothing: the socket fills up
                with trio.move_on_after(0.05) as scope:
                    await ws.send(payload)
                if scope.cancelled_caught:
                    break
                written += 1
            assert written > 10
            got: list[bytes] = []

            async def read() -> None:
                got.extend(await _whole_messages(server, b"after"))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(read)
                await ws.send(b"after")  # usable: it goes out once the server reads
            assert got == [payload] * written + [b"after"]


async def test_a_frame_begun_is_finished_even_if_its_sender_is_cancelled() -> None:
    with trio.fail_after(20):
        async with connected(max_frame_size=8 << 20, sockets=True) as (ws, server):
            big = bytes(range(256)) * (4 << 12)  # 4 MiB: far more than the socket takes at once
            got: list[bytes] = []

            async def read_later() -> None:
                await trio.sleep(0.2)
                got.extend(await _whole_messages(server, b"after"))

            async with trio.open_nursery() as nursery:
                nursery.start_soon(read_later)
                start = trio.current_time()
                with trio.CancelScope() as scope:
                    scope.deadline = start + 0.02  # long before the server reads
                    await ws.send(big)
                assert trio.current_time() - start >= 0.15  # it waited for the rest to go out
                await ws.send(b"after")
            assert got == [big, b"after"]


async def test_a_frame_the_peer_never_takes_gives_the_connection_up_after_the_write_timeout() -> None:
    with trio.fail_after(20):
        async with connected(max_frame_size=8 << 20, sockets=True, write_timeout=0.3) as (ws, _server):
            big = b"y" * (4 << 20)
            start = trio.current_time()
            with trio.move_on_after(0.05), pytest.raises(ConnectionLost) as info:
                await ws.send(big)  # cancelled half-way: still bounded, by the write timeout
            assert info.value.reason == "send stalled"
            assert 0.25 <= trio.current_time() - start < 5
            with pytest.raises(ConnectionLost):
                await ws.send(b"more")  # half a frame is on the wire: nothing may follow it


@pytest.mark.parametrize("with_urgent", [True, False])
async def test_frames_urgent_lets_through_skip_the_yield_between_a_read_and_its_dispatch(
    with_urgent: bool,
) -> None:
    # The gateway lets a request's reply through at once; any other frame (a push some task
    # may be about to subscribe to) is still handed over only after others had a turn.
    with trio.fail_after(10):
        async with connected(sockets=True) as (ws, server):
            if with_urgent:
                ws.urgent = lambda data: data[:1] == b"R"
            handed: list[tuple[bytes, int]] = []
            arrived = trio.Event()

            def on_frame(data: bytes) -> None:
                handed.append((bytes(data), steps.steps))
                arrived.set()

            async with trio.open_nursery() as nursery:

                async def read(task_status: trio.TaskStatus[trio.lowlevel.Task]) -> None:
                    task_status.started(trio.lowlevel.current_task())
                    await ws.receive(on_frame, lambda _: None)

                steps = _Steps(await nursery.start(read))
                trio.lowlevel.add_instrument(steps)
                try:
                    used: list[tuple[bytes, int]] = []
                    for writes in ([b"R1"], [b"P1"], [b"R2", b"P2"]):  # the last two in one read
                        await trio.sleep(0.05)  # the reader is parked, waiting for data
                        before, seen = steps.steps, len(handed)
                        await server.stream.send_all(b"".join(frame(0x2, w) for w in writes))
                        while len(handed) < seen + len(writes):
                            arrived = trio.Event()
                            await arrived.wait()
                        used += [(data, at - before) for data, at in handed[seen:]]
                finally:
                    trio.lowlevel.remove_instrument(steps)
                nursery.cancel_scope.cancel()
            if with_urgent:
                assert used == [(b"R1", 1), (b"P1", 2), (b"R2", 1), (b"P2", 2)]
            else:
                assert used == [(b"R1", 2), (b"P1", 2), (b"R2", 2), (b"P2", 2)]
