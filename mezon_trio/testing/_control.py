"""The sandbox's JSON control API (``/_sandbox/v1/...``) and the web console's files.

Every operation calls the :class:`~mezon_trio.testing.Sandbox` scripting method
a Python test would call: one implementation behind the scripting API, the
console (whose page only talks to this API) and tests in other processes.
Reference: docs/sandbox-control-api.md; the operations are in
:mod:`._control_routes`.

Protection: the sandbox binds loopback unless told otherwise; here requests
whose ``Host`` is not a loopback name are refused (DNS rebinding), POSTs must
be ``application/json`` (so another web page cannot post a form here without a
CORS preflight, which is never granted) and a present ``Origin`` must be this
server's own.
"""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Awaitable, Callable, MutableMapping
from importlib import resources
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs

import trio

from ._control_routes import ROUTES, BadRequest, id_of
from ._core import OpError
from ._views import feed_events, message_view

if TYPE_CHECKING:
    from ._server import Sandbox

__all__ = ["API_PREFIX", "BadRequest", "ControlAPI", "is_loopback"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

API_PREFIX: Final = "/_sandbox/v1"
MAX_BODY: Final = 1 << 20
SSE_KEEPALIVE: Final = 15.0
_STATIC: Final = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/console/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/console/console.css": ("console.css", "text/css; charset=utf-8"),
}
_CSP: Final = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    host = host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ControlAPI:
    """ASGI handler for the control API and the console, bound to one :class:`Sandbox`."""

    def __init__(self, sandbox: Sandbox, *, allow_remote: bool = False) -> None:
        self.sb = sandbox
        self.core = sandbox._core
        self.allow_remote = allow_remote

    @staticmethod
    def handles(path: str) -> bool:
        return path in _STATIC or path == API_PREFIX or path.startswith(API_PREFIX + "/")

    # ------------------------------------------------------------------ ASGI

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(method, headers)
        if refusal is not None:
            await _json(send, 403, {"error": refusal})
            return
        if path in _STATIC:
            await self._static(method, path, send)
            return
        sub = path[len(API_PREFIX) :] or "/"
        query = {k: v[-1] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()}
        if method == "GET" and sub == "/events":
            await self._events(query, headers, receive, send)
            return
        handler = ROUTES.get((method, sub))
        if handler is None:
            known = sorted(m for m, p in ROUTES if p == sub)
            status = 405 if known else 404
            await _json(send, status, {"error": f"no {method} {path}" + (f"; use {known}" if known else "")})
            return
        try:
            args = dict(query) if method == "GET" else await _read_json(receive)
            result = await handler(self, args)
        except BadRequest as exc:
            await _json(send, 400, {"error": str(exc)})
        except OpError as exc:
            await _json(send, exc.status, {"error": exc.message})
        except KeyError as exc:
            await _json(send, 404, {"error": f"not found: {exc.args[0] if exc.args else exc}"})
        else:
            await _json(send, 200, result if result is not None else {"ok": True})

    def _refusal(self, method: str, headers: dict[str, str]) -> str | None:
        host = headers.get("host", "")
        hostname = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        if not self.allow_remote and not is_loopback(hostname):
            return f"Host {host!r} is not a loopback address (start the sandbox with --allow-remote)"
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}":
            return f"cross-origin request from {origin!r} refused"
        if method == "POST":
            ctype = headers.get("content-type", "").split(";")[0].strip().lower()
            if ctype != "application/json":
                return "POST bodies must be application/json"
        return None

    async def _static(self, method: str, path: str, send: Send) -> None:
        if method != "GET":
            await _json(send, 405, {"error": "GET only"})
            return
        name, ctype = _STATIC[path]
        body = (resources.files(__package__) / "console" / name).read_bytes()
        await _respond(
            send,
            200,
            body,
            ctype,
            [(b"cache-control", b"no-store"), (b"content-security-policy", _CSP.encode())],
        )

    async def _events(
        self, query: dict[str, str], headers: dict[str, str], receive: Receive, send: Send
    ) -> None:
        """Server-sent events: every feed entry after ``since`` (or the ``Last-Event-ID`` a
        reconnecting EventSource sends) as console events (see _views)."""
        feed = self.core.feed
        try:
            seq = int(headers.get("last-event-id") or query.get("since", str(feed.last_seq)))
        except ValueError:
            seq = feed.last_seq
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-store")],
            }
        )

        async def chunk(data: str) -> None:
            await send({"type": "http.response.body", "body": data.encode(), "more_body": True})

        async with trio.open_nursery() as nursery:

            async def watch_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                nursery.cancel_scope.cancel()

            nursery.start_soon(watch_disconnect)
            await chunk(f"event: hello\ndata: {json.dumps({'seq': feed.last_seq})}\n\n")
            while not feed.closed:
                if seq < feed.first_seq - 1 or seq > feed.last_seq:  # fell behind, or another sandbox
                    seq = feed.last_seq
                    await chunk(f"event: resync\ndata: {json.dumps({'seq': seq})}\n\n")
                entries = list(feed.since(seq))
                if entries:
                    seq = entries[-1].seq
                    for event in feed_events(self.core, entries):
                        data = json.dumps(event, ensure_ascii=False)
                        await chunk(f"id: {event['seq']}\ndata: {data}\n\n")
                    continue
                with trio.move_on_after(SSE_KEEPALIVE):
                    await feed.wait_after(seq)
                    continue
                await chunk(": keep-alive\n\n")
            nursery.cancel_scope.cancel()
        await send({"type": "http.response.body", "body": b"", "more_body": False})

    # ------------------------------------------------------------------ helpers

    def user(self, value: Any, what: str = "as") -> int:
        """A user id from an id or a username."""
        if value is None:
            raise BadRequest(f"missing {what!r} (a user id or username)")
        if isinstance(value, str) and not value.isdigit():
            return self.sb.user(value).id
        uid = id_of(value, what)
        if uid not in self.core.state.users:
            raise KeyError(f"user {uid}")
        return uid

    def message(self, args: dict[str, Any]) -> dict[str, Any]:
        stored = self.core.state._find_message(id_of(args.get("message_id"), "message_id"))
        if stored is None:
            raise KeyError(f"message {args.get('message_id')}")
        return message_view(self.core, stored)


async def _read_json(receive: Receive) -> dict[str, Any]:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise BadRequest("body too large")
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    raw = b"".join(chunks)
    try:
        data = json.loads(raw) if raw.strip() else {}
    except ValueError:
        raise BadRequest("body is not valid JSON") from None
    if not isinstance(data, dict):
        raise BadRequest("body must be a JSON object")
    return data


async def _respond(
    send: Send, status: int, body: bytes, ctype: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers = [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers + (extra or [])})
    await send({"type": "http.response.body", "body": body})


async def _json(send: Send, status: int, data: Any) -> None:
    body = json.dumps(data, ensure_ascii=False).encode()
    await _respond(send, status, body, "application/json", [(b"cache-control", b"no-store")])
