"""Direct dispatch of binary WebSocket messages from trio-websocket's reader (_transport/direct.py)."""

from __future__ import annotations

import struct

import pytest
import trio
import trio_websocket

from mezon_trio import MezonClient
from mezon_trio._client import services_of
from mezon_trio._transport import direct
from mezon_trio.testing import open_sandbox


def _frame(opcode: int, payload: bytes, *, fin: bool = True) -> bytes:
    """One unmasked server frame (RFC 6455 §5.2)."""
    head = bytes(((0x80 if fin else 0) | opcode,))
    n = len(payload)
    if n < 126:
        return head + bytes((n,)) + payload
    return head + b"\x7e" + struct.pack(">H", n) + payload


async def _server(script: list[bytes], *, task_status: trio.TaskStatus[int]) -> None:
    """Accept one connection, wait for the client's "go", write *script* raw, then idle."""

    async def handler(request: trio_websocket.WebSocketRequest) -> None:
        ws = await request.accept()
        await ws.get_message()  # "go": the client has installed (or not) direct dispatch
        stream = ws._stream  # raw bytes: fragments and interleaved text, as a server may send them
        for data in script:
            await stream.send_all(data)
        await trio.sleep_forever()

    async with trio.open_nursery() as nursery:
        server = await nursery.start(trio_websocket.serve_websocket, handler, "127.0.0.1", 0, None)
        task_status.started(server.port)


SCRIPT = [
    _frame(0x2, b"first"),
    _frame(0x2, b"frag-1,", fin=False),
    _frame(0x0, b"frag-2,", fin=False),
    _frame(0x0, b"frag-3"),
    _frame(0x1, b"a text frame"),
    _frame(0x2, bytes(300)),  # 16-bit length
    _frame(0x2, b"last"),
]
EXPECTED = [b"first", b"frag-1,frag-2,frag-3", bytes(300), b"last"]


async def test_binary_messages_go_to_the_callback_in_order_text_to_get_message() -> None:
    assert direct.prepare()
    assert direct.prepare()  # idempotent
    got: list[bytes] = []
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            port = await nursery.start(_server, SCRIPT)
            async with trio_websocket.open_websocket("127.0.0.1", port, "/", use_ssl=False) as conn:
                assert direct.install_direct_dispatch(conn, got.append)
                await conn.send_message("go")
                assert await conn.get_message() == "a text frame"
                while len(got) < len(EXPECTED):  # noqa: ASYNC110 - the callback fills a list
                    await trio.sleep(0.01)
            nursery.cancel_scope.cancel()
    assert got == EXPECTED
    assert all(type(item) is bytes for item in got)


async def test_connections_not_opted_in_keep_get_message() -> None:
    assert direct.prepare()
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            port = await nursery.start(_server, SCRIPT)
            async with trio_websocket.open_websocket("127.0.0.1", port, "/", use_ssl=False) as conn:
                await conn.send_message("go")
                received = [await conn.get_message() for _ in range(len(EXPECTED) + 1)]
            nursery.cancel_scope.cancel()
    assert received == [b"first", b"frag-1,frag-2,frag-3", "a text frame", bytes(300), b"last"]


async def test_oversized_messages_still_close_with_1009() -> None:
    assert direct.prepare()
    got: list[bytes] = []
    script = [_frame(0x2, b"ok"), _frame(0x2, b"x" * 50, fin=False), _frame(0x0, b"y" * 50)]
    with trio.fail_after(10):
        async with trio.open_nursery() as nursery:
            port = await nursery.start(_server, script)
            # Own the TCP stream: trio-websocket 0.12 leaks it when the connection closes abnormally.
            stream = await trio.open_tcp_stream("127.0.0.1", port)
            try:
                conn = await trio_websocket.wrap_client_stream(
                    nursery, stream, "127.0.0.1", "/", max_message_size=80
                )
                assert direct.install_direct_dispatch(conn, got.append)
                await conn.send_message("go")
                with pytest.raises(trio_websocket.ConnectionClosed) as closed:
                    await conn.get_message()
                assert closed.value.reason.code == 1009
                await conn.aclose()
            finally:
                await trio.aclose_forcefully(stream)
            nursery.cancel_scope.cancel()
    assert got == [b"ok"]


async def test_the_client_gateway_uses_it() -> None:
    with trio.fail_after(20):
        async with open_sandbox() as sb, MezonClient(**sb.client_kwargs()) as client:
            conn = services_of(client).core.gateway._conn  # white-box: the patched connection
            assert conn is not None
            assert conn.__dict__.get("_mezon_direct_dispatch") is not None
            before = client.statistics().gateway.frames_received
            async with client.channel_messages() as messages:
                await sb.post_message(sb.human.id, sb.channel_id, "through the direct path")
                async for msg in messages:
                    assert msg.text == "through the direct path"
                    break
            assert client.statistics().gateway.frames_received > before
