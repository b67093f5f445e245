"""Raw protobuf clients for sandbox tests (httpx + trio-websocket, no SDK code)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import betterproto2
import httpx
import trio
import trio_websocket

from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.testing import Sandbox


async def login(client: httpx.AsyncClient, base: str, app_id: int | str, api_key: str) -> httpx.Response:
    body = json.dumps({"account": {"appid": str(app_id), "token": api_key}})
    return await client.post(
        base + "/v2/apps/authenticate/token",
        content=body,
        headers={"Content-Type": "application/proto", "Accept": "application/x-protobuf"},
    )


async def bot_session(sb: Sandbox, client: httpx.AsyncClient | None = None) -> api.Session:
    if client is None:
        async with httpx.AsyncClient(transport=sb.http_transport() if sb.in_memory else None) as c:
            return await bot_session(sb, c)
    r = await login(client, sb.http_url, sb.bot.id, sb.bot.api_key)
    assert r.status_code == 200, r.text
    return api.Session.parse(r.content)


async def rpc(
    client: httpx.AsyncClient,
    base: str,
    token: str | None,
    method: str,
    req: betterproto2.Message | bytes = b"",
) -> httpx.Response:
    headers = {"Content-Type": "application/proto", "Accept": "application/proto"}
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    body = req if isinstance(req, bytes) else bytes(req)
    return await client.post(f"{base}/mezon.api.Mezon/{method}", content=body, headers=headers)


def ws_path(token: str) -> str:
    return f"/ws?lang=en&status=true&token={token}&format=protobuf"


class RawSocket:
    """A bare Envelope client: request/reply by cid, pushes collected separately."""

    def __init__(self, ws: trio_websocket.WebSocketConnection) -> None:
        self.ws = ws
        self.cid = 0

    async def send(self, variant: str, message: betterproto2.Message, *, cid: int | None = None) -> int:
        if cid is None:
            self.cid += 1
            cid = self.cid
        await self.ws.send_message(bytes(rt.Envelope(cid=cid, **{variant: message})))  # type: ignore[arg-type]
        return cid

    async def recv(self) -> rt.Envelope:
        data = await self.ws.get_message()
        assert isinstance(data, bytes)
        return rt.Envelope.parse(data)

    async def recv_raw(self) -> bytes | str:
        return await self.ws.get_message()

    async def request(self, variant: str, message: betterproto2.Message) -> rt.Envelope:
        """Send and return the reply with the same cid (pushes in between are skipped)."""
        cid = await self.send(variant, message)
        while True:
            env = await self.recv()
            if env.cid == cid:
                return env

    async def next_push(self, variant: str | None = None) -> rt.Envelope:
        while True:
            env = await self.recv()
            if env.cid == 0 and (variant is None or which(env)[0] == variant):
                return env

    async def no_frame_within(self, seconds: float) -> None:
        with trio.move_on_after(seconds):
            data = await self.ws.get_message()
            raise AssertionError(f"unexpected frame: {data!r}")


def which(env: rt.Envelope) -> tuple[str, Any]:
    name, value = betterproto2.which_one_of(env, "message")
    return name, value


@asynccontextmanager
async def raw_socket(
    sb: Sandbox, token: str, *, subprotocols: tuple[str, ...] = ("protobuf",)
) -> AsyncIterator[RawSocket]:
    """A socket to the sandbox: real TCP, or a memory stream in in-memory mode."""
    if sb.in_memory:
        async with trio.open_nursery() as nursery:
            ws = await sb.ws_connect(nursery, sb.ws_url + ws_path(token), subprotocols=subprotocols)
            try:
                yield RawSocket(ws)
            finally:
                with trio.CancelScope(shield=True), trio.move_on_after(2):
                    await ws.aclose()
                nursery.cancel_scope.cancel()
        return
    # By hand rather than trio_websocket.open_websocket: that one leaks its TCP
    # socket when the server resets the connection (it never closes the stream
    # once the close reason is set), which pytest turns into an error.
    stream = await trio.open_tcp_stream(sb.host, sb.ws_port)
    try:
        async with trio.open_nursery() as nursery:
            ws = await trio_websocket.wrap_client_stream(
                nursery, stream, f"{sb.host}:{sb.ws_port}", ws_path(token), subprotocols=subprotocols
            )
            try:
                yield RawSocket(ws)
            finally:
                with trio.CancelScope(shield=True), trio.move_on_after(2):
                    await ws.aclose()
                nursery.cancel_scope.cancel()
    finally:
        await trio.aclose_forcefully(stream)


async def upgrade_status(sb: Sandbox, resource: str) -> tuple[int, bytes]:
    """Send a bare WebSocket upgrade request; return (HTTP status, response head+body).

    (trio-websocket's client leaks its socket when the server rejects, so the
    rejection tests speak HTTP/1.1 by hand.)
    """
    stream = await trio.open_tcp_stream(sb.host, sb.ws_port)
    async with stream:
        request = (
            f"GET {resource} HTTP/1.1\r\nHost: {sb.host}:{sb.ws_port}\r\nUpgrade: websocket\r\n"
            "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n"
        )
        await stream.send_all(request.encode())
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = await stream.receive_some()
            if not chunk:
                break
            data += chunk
        with trio.move_on_after(0.5):
            while chunk := await stream.receive_some():
                data += chunk
    return int(data.split(b" ", 2)[1]), data
