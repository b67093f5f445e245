"""The sandbox's JSON control API (``/_sandbox/v1/...``) and the web console's files.

Every operation calls the :class:`~mezon_trio.testing.Sandbox` scripting method
a Python test would call: one implementation behind the scripting API, the
console (whose page only talks to this API) and tests in other processes.
Reference: docs/sandbox-control-api.md.

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

from .._proto.mezon import realtime as rt
from . import _wire
from ._core import OpError
from ._views import channel_view, feed_events, message_view, received_view, user_view

if TYPE_CHECKING:
    from ._server import Sandbox

__all__ = ["API_PREFIX", "ControlAPI", "is_loopback"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
Handler = Callable[["ControlAPI", dict[str, Any]], Awaitable[Any]]

API_PREFIX: Final = "/_sandbox/v1"
MAX_BODY: Final = 1 << 20
SSE_KEEPALIVE: Final = 15.0
_STATIC: Final = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/console/console.js": ("console.js", "text/javascript; charset=utf-8"),
    "/console/console.css": ("console.css", "text/css; charset=utf-8"),
}
_CSP: Final = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
_ROUTES: dict[tuple[str, str], Handler] = {}


def _route(method: str, path: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        _ROUTES[(method, path)] = fn
        return fn

    return register


class BadRequest(Exception):
    """Malformed control request (HTTP 400)."""


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    host = host.strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _id(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise BadRequest(f"{what}: expected an id (decimal string or integer), got {value!r}")
    return int(value)


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
            await self._events(query, receive, send)
            return
        handler = _ROUTES.get((method, sub))
        if handler is None:
            known = sorted(m for m, p in _ROUTES if p == sub)
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

    async def _events(self, query: dict[str, str], receive: Receive, send: Send) -> None:
        """Server-sent events: every feed entry after ``since`` as console events (see _views)."""
        feed = self.core.feed
        try:
            seq = int(query.get("since", str(feed.last_seq)))
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
                if seq < feed.first_seq - 1:
                    seq = feed.last_seq
                    await chunk(f"event: resync\ndata: {json.dumps({'seq': seq})}\n\n")
                entries = list(feed.since(seq))
                if entries:
                    seq = entries[-1].seq
                    for event in feed_events(self.core, entries):
                        await chunk(f"data: {json.dumps(event, ensure_ascii=False)}\n\n")
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
        uid = _id(value, what)
        if uid not in self.core.state.users:
            raise KeyError(f"user {uid}")
        return uid

    def message(self, args: dict[str, Any]) -> dict[str, Any]:
        stored = self.core.state.find_message(_id(args.get("message_id"), "message_id"))
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


def _content(args: dict[str, Any]) -> str | dict[str, Any]:
    if isinstance(args.get("content"), dict):
        return dict(args["content"])
    text = args.get("text")
    if not isinstance(text, str):
        raise BadRequest("give 'text' (a string) or 'content' (the content JSON object)")
    return text


# ---------------------------------------------------------------------- reading


@_route("GET", "/info")
async def _info(api: ControlAPI, args: dict[str, Any]) -> Any:
    sb, core = api.sb, api.core
    st = core.state
    return {
        "version": 1,
        "http_url": sb.http_url,
        "ws_url": sb.ws_url,
        "console_url": sb.console_url,
        "bot": user_view(core, sb.bot.id),
        "default_user": str(sb.human.id),
        "default_channel": str(sb.channel_id),
        "users": [user_view(core, uid) for uid in st.users],
        "clans": [
            {"id": str(c.id), "name": c.name, "members": [str(m) for m in c.members]}
            for c in st.clans.values()
        ],
        "channels": [channel_view(core, c) for c in st.channels.values()],
        "feed_seq": core.feed.last_seq,
    }


@_route("GET", "/messages")
async def _messages(api: ControlAPI, args: dict[str, Any]) -> Any:
    channel_id = _id(args.get("channel_id"), "channel_id")
    limit = int(args.get("limit", "200") or 200)
    stored = api.sb.messages(channel_id)[-limit:]
    return {"messages": [message_view(api.core, m) for m in stored]}


@_route("GET", "/message")
async def _message(api: ControlAPI, args: dict[str, Any]) -> Any:
    return {"message": api.message(args)}


@_route("GET", "/balances")
async def _balances(api: ControlAPI, args: dict[str, Any]) -> Any:
    chain = api.core.chain
    out: dict[str, int] = {}
    for uid in api.core.state.users:
        if chain is not None:
            from .._protocol import mmn

            out[str(uid)] = int(chain.balance_of(uid) // 10**mmn.DECIMALS)
        else:
            out[str(uid)] = api.core.state.balances.get(uid, 0)
    return {"balances": out}


@_route("GET", "/log")
async def _log(api: ControlAPI, args: dict[str, Any]) -> Any:
    items = api.sb.received
    start = max(0, int(args.get("since", "0") or 0))
    limit = max(1, min(int(args.get("limit", "1000") or 1000), 10_000))
    kind = args.get("kind")
    user = api.user(args["user"], "user") if args.get("user") else None
    out = []
    index = start
    for index in range(start, len(items)):
        item = items[index]
        if (kind is None or item.kind == kind) and (user is None or item.user_id == user):
            out.append(received_view(index, item))
            if len(out) >= limit:
                break
    else:
        index = len(items) - 1
    return {"items": out, "next": index + 1 if items else 0}


@_route("GET", "/faults")
async def _get_faults(api: ControlAPI, args: dict[str, Any]) -> Any:
    f = api.core.faults
    return {
        "answer_pings": f.answer_pings,
        "reply_delay": f.reply_delay,
        "drop_replies": sorted(f.drop_replies),
        "fail_ops": {k: {"code": int(v.code), "message": v.message} for k, v in f.fail_ops.items()},
        "rpc_status": {k: list(v) for k, v in f.rpc_status.items()},
        "auth_status": f.auth_status,
        "rate_limits": f.rate_limits,
        "idle_timeout": f.idle_timeout,
        "once": sorted(f.once),
        "offline_users": [str(u) for u in sorted(f.offline_users)],
    }


# ---------------------------------------------------------------------- acting as users


@_route("POST", "/messages")
async def _post(api: ControlAPI, args: dict[str, Any]) -> Any:
    sender = api.user(args.get("as"))
    mentions = [api.user(m, "mentions") for m in args.get("mentions") or ()]
    refs = [_id(r, "reply_to") for r in ([args["reply_to"]] if args.get("reply_to") else [])]
    message = await api.sb.post_message(
        sender, _id(args.get("channel_id"), "channel_id"), _content(args), mentions=mentions, references=refs
    )
    return {"message": message_view(api.core, message)}


@_route("POST", "/messages/edit")
async def _edit(api: ControlAPI, args: dict[str, Any]) -> Any:
    await api.sb.edit_message(
        api.user(args.get("as")), _id(args.get("message_id"), "message_id"), _content(args)
    )
    return {"message": api.message(args)}


@_route("POST", "/messages/delete")
async def _delete(api: ControlAPI, args: dict[str, Any]) -> Any:
    await api.sb.delete_message(api.user(args.get("as")), _id(args.get("message_id"), "message_id"))
    return {"ok": True}


def _event_view(event: Any) -> dict[str, Any]:
    data: dict[str, Any] = event.to_dict()
    return data


@_route("POST", "/click")
async def _click(api: ControlAPI, args: dict[str, Any]) -> Any:
    extra = args.get("extra_data", "{}")
    if not isinstance(extra, str):
        extra = json.dumps(extra, ensure_ascii=False, separators=(",", ":"))
    event = await api.sb.click_button(
        api.user(args.get("as")),
        _id(args.get("message_id"), "message_id"),
        str(args.get("button_id", "")),
        extra,
    )
    return {"event": _event_view(event)}


@_route("POST", "/select")
async def _select(api: ControlAPI, args: dict[str, Any]) -> Any:
    values = args.get("values")
    if not isinstance(values, list):
        raise BadRequest("'values' must be a list of strings")
    event = await api.sb.select_values(
        api.user(args.get("as")),
        _id(args.get("message_id"), "message_id"),
        str(args.get("select_id", "")),
        [str(v) for v in values],
    )
    return {"event": _event_view(event)}


@_route("POST", "/submit")
async def _submit(api: ControlAPI, args: dict[str, Any]) -> Any:
    values = args.get("values", {})
    if not isinstance(values, dict):
        raise BadRequest("'values' must be an object of input id -> value")
    event = await api.sb.submit_form(
        api.user(args.get("as")),
        _id(args.get("message_id"), "message_id"),
        str(args.get("button_id", "")),
        values,
    )
    return {"event": _event_view(event)}


@_route("POST", "/react")
async def _react(api: ControlAPI, args: dict[str, Any]) -> Any:
    emoji = args.get("emoji")
    if not isinstance(emoji, str) or not emoji:
        raise BadRequest("'emoji' must be a non-empty string")
    await api.sb.react(
        api.user(args.get("as")),
        _id(args.get("message_id"), "message_id"),
        emoji,
        remove=bool(args.get("remove")),
    )
    return {"message": api.message(args)}


@_route("POST", "/transfer")
async def _transfer(api: ControlAPI, args: dict[str, Any]) -> Any:
    amount = args.get("amount")
    if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
        raise BadRequest("'amount' must be a positive whole number of tokens")
    receiver = api.user(args.get("to", api.sb.bot.id), "to")
    tx = await api.sb.transfer_tokens(
        api.user(args.get("from"), "from"), receiver, amount, str(args.get("note", ""))
    )
    return {"tx_hash": tx}


@_route("POST", "/dm")
async def _dm(api: ControlAPI, args: dict[str, Any]) -> Any:
    other = api.user(args.get("with", api.sb.bot.id), "with")
    return {"channel_id": str(await api.sb.open_dm(api.user(args.get("as")), other))}


# ---------------------------------------------------------------------- the world


@_route("POST", "/users")
async def _create_user(api: ControlAPI, args: dict[str, Any]) -> Any:
    name = args.get("username")
    if not isinstance(name, str) or not name:
        raise BadRequest("'username' must be a non-empty string")
    try:
        seed = api.sb.create_user(
            name, bot=bool(args.get("bot")), display_name=str(args.get("display_name", ""))
        )
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    out = user_view(api.core, seed.id)
    if seed.is_bot:
        out["api_key"] = seed.api_key  # the caller needs it to log the new bot in
    return {"user": out}


@_route("POST", "/clan-members")
async def _add_clan_member(api: ControlAPI, args: dict[str, Any]) -> Any:
    await api.sb.add_to_clan(api.user(args.get("user"), "user"), _id(args.get("clan_id"), "clan_id"))
    return {"ok": True}


@_route("POST", "/channel-members")
async def _add_channel_member(api: ControlAPI, args: dict[str, Any]) -> Any:
    users = args.get("users", [args["user"]] if "user" in args else None)
    if not isinstance(users, list) or not users:
        raise BadRequest("give 'user' or 'users'")
    await api.sb.add_to_channel(
        [api.user(u, "users") for u in users], _id(args.get("channel_id"), "channel_id")
    )
    return {"ok": True}


@_route("POST", "/channels")
async def _create_channel(api: ControlAPI, args: dict[str, Any]) -> Any:
    label = args.get("label")
    if not isinstance(label, str) or not label:
        raise BadRequest("'label' must be a non-empty string")
    channel_id = await api.sb.create_channel(
        api.user(args.get("as")),
        _id(args.get("clan_id", api.sb.clan_id), "clan_id"),
        label,
        type=int(args.get("type", 1)),
        private=bool(args.get("private")),
        parent_id=_id(args.get("parent_id", 0), "parent_id"),
        members=[api.user(m, "members") for m in args.get("members") or ()],
    )
    return {"channel_id": str(channel_id)}


@_route("POST", "/push")
async def _push(api: ControlAPI, args: dict[str, Any]) -> Any:
    to = api.user(args["to"], "to") if args.get("to") is not None else None
    if "text" in args:
        return {"written": await api.sb.push_bytes(str(args["text"]), to=to)}
    if "base64" in args:
        import base64

        return {"written": await api.sb.push_bytes(base64.b64decode(str(args["base64"])), to=to)}
    variant = args.get("variant")
    if not isinstance(variant, str) or variant not in _wire.VARIANT_CLASSES:
        raise BadRequest("'variant' must be an Envelope variant name (e.g. 'channel_message')")
    try:
        message = _wire.VARIANT_CLASSES[variant].from_dict(args.get("message") or {})
    except Exception as exc:
        raise BadRequest(f"could not build {variant} from 'message': {exc}") from None
    frame = _wire.encode(variant, message, int(args.get("cid", 0) or 0))
    return {"written": await api.sb.push_bytes(frame, to=to)}


@_route("POST", "/reset")
async def _reset(api: ControlAPI, args: dict[str, Any]) -> Any:
    await api.sb.reset()
    return {"ok": True}


# ---------------------------------------------------------------------- faults


@_route("POST", "/faults")
async def _set_faults(api: ControlAPI, args: dict[str, Any]) -> Any:
    from ._faults import Faults

    if args.get("clear"):
        offline = api.core.faults.offline_users
        api.core.faults = Faults(offline_users=offline)
    f = api.core.faults
    for name in ("answer_pings", "rate_limits"):
        if name in args:
            setattr(f, name, bool(args[name]))
    if "reply_delay" in args:
        f.reply_delay = float(args["reply_delay"])
    if "idle_timeout" in args:
        f.idle_timeout = None if args["idle_timeout"] is None else float(args["idle_timeout"])
    if "auth_status" in args:
        f.auth_status = None if args["auth_status"] is None else int(args["auth_status"])
    if "drop_replies" in args:
        f.drop_replies = {str(n) for n in args["drop_replies"]}
    for name, spec in (args.get("fail_ops") or {}).items():
        f.fail_ops[str(name)] = rt.Error(code=int(spec.get("code", 13)), message=str(spec.get("message", "")))
    for name, spec in (args.get("rpc_status") or {}).items():
        status, retry = (
            (spec, None) if isinstance(spec, int) else (spec[0], spec[1] if len(spec) > 1 else None)
        )
        f.rpc_status[str(name)] = (int(status), None if retry is None else float(retry))
    return await _get_faults(api, {})


@_route("POST", "/faults/fail-next")
async def _fail_next(api: ControlAPI, args: dict[str, Any]) -> Any:
    name = args.get("op")
    if not isinstance(name, str) or not name:
        raise BadRequest("'op' must name a socket variant or an RPC method")
    status = args.get("status")
    retry = args.get("retry_after")
    api.sb.fail_next(
        name,
        status=None if status is None else int(status),
        retry_after=None if retry is None else float(retry),
        code=int(args.get("code", 13)),
        message=str(args.get("message", "injected failure")),
    )
    return await _get_faults(api, {})


@_route("POST", "/faults/drop")
async def _drop(api: ControlAPI, args: dict[str, Any]) -> Any:
    user = api.user(args["user"], "user") if args.get("user") is not None else None
    code = args.get("code")
    dropped = api.sb.drop_connections(
        user, code=None if code is None else int(code), reason=str(args.get("reason", ""))
    )
    return {"dropped": dropped}


@_route("POST", "/faults/offline")
async def _offline(api: ControlAPI, args: dict[str, Any]) -> Any:
    user = api.user(args.get("user", api.sb.bot.id), "user")
    dropped = api.sb.hold_offline(user, bool(args.get("offline", True)))
    return {"dropped": dropped, "offline": [str(u) for u in sorted(api.core.faults.offline_users)]}
