"""The sandbox's HTTP side as an ASGI app (served by hypercorn's trio worker, or
in memory through ``httpx.ASGITransport``).

Routes (docs/protocol.md §2, §7, §8):

* ``POST /v2/apps/authenticate/token``: JSON ``{"account": {"appid", "token"}}``
  whatever the Content-Type; 200 ``application/proto`` ``api.Session``; 401 with
  an empty body for an unknown bot or a wrong key; the Authorization header is
  ignored (PY sends a malformed one).
* ``POST /mezon.api.Mezon/<Method>``: binary protobuf with ``Bearer`` auth
  (``application/json`` bodies are accepted too and answered in JSON, as a
  Connect server would); 404 unknown method, 401 bad/expired token, 415 other
  content types, errors as JSON ``{"code": <grpc-like>, "message"}``.
* ``GET/POST/DELETE /v2/friend``: the old JSON friends gateway.
* ``POST /mmn-api`` and ``/mmn-api/`` (MMN JSON-RPC), ``POST /zk-api/prove``:
  forwarded to :class:`._chain.FakeChain` (503 when it is not available).
* ``GET /`` (the web console), ``/console/*`` and ``/_sandbox/v1/*`` (the control
  API): handed to :class:`._control.ControlAPI`.
* ``GET /healthcheck``; anything else 404 / 405 with a JSON error body.

The app answers the ``lifespan`` scope and never lets an exception escape: a
bug becomes a 500 and is recorded in ``sb.internal_errors``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any, Final
from urllib.parse import parse_qs

import betterproto2

from ._agent_sse import AbruptClose
from ._core import OpError, SandboxCore
from ._features import route as feature_route
from ._rpc import METHODS, Outcome, grpc_code, invoke

__all__ = ["SandboxApp"]

log = logging.getLogger("mezon_trio.testing.http")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY: Final = 8 << 20
RPC_PREFIX: Final = "/mezon.api.Mezon/"
_BINARY_TYPES: Final = frozenset(
    {"application/proto", "application/x-protobuf", "application/protobuf", "application/octet-stream", ""}
)


class _TooLarge(Exception):
    pass


class SandboxApp:
    """ASGI 3 application for one :class:`SandboxCore`."""

    def __init__(self, core: SandboxCore) -> None:
        self.core = core
        # The control API and console (._control.ControlAPI), set once the Sandbox handle exists.
        self.control: Callable[[Scope, Receive, Send], Awaitable[None]] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":  # websockets are served by the gateway on its own port
            return
        try:
            await self._http(scope, receive, send)
        except _TooLarge:
            await _json(send, 413, {"code": 3, "message": "request body too large"})
        except AbruptClose:
            raise  # the server resets the connection (sb.drop_agent_streams(abrupt=True))
        except Exception as exc:
            self.core.report_internal_error(exc)
            await _json(send, 500, {"code": 13, "message": f"internal error: {type(exc).__name__}"})

    @staticmethod
    async def _lifespan(receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        method: str = scope["method"]
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        if path.startswith(RPC_PREFIX):
            if method != "POST":
                await _json(send, 405, {"code": 12, "message": "RPCs are POST only"}, allow="POST")
                return
            await self._rpc(path[len(RPC_PREFIX) :], headers, await _body(receive), send)
        elif path == "/v2/apps/authenticate/token":
            if method != "POST":
                await _json(send, 405, {"code": 12, "message": "POST only"}, allow="POST")
                return
            await self._authenticate(await _body(receive), send)
        elif path == "/v2/friend":
            await self._friend_gateway(method, headers, query, send)
        elif path in ("/mmn-api", "/mmn-api/"):
            await self._chain(method, "mmn", await _body(receive), send)
        elif path in ("/zk-api/prove", "/zk-api/prove/"):
            await self._chain(method, "zk_prove", await _body(receive), send)
        elif path in ("/healthcheck", "/readycheck"):
            await _respond(send, 200, b"{}", "application/json")
        elif self.control is not None and _is_control_path(path):
            await self.control(scope, receive, send)
        elif await feature_route(self.core, method, path, headers, query, receive, send):
            pass  # uploads, agent events, media playback (_features.py)
        else:
            await _json(send, 404, {"code": 5, "message": f"no route for {path}"})

    # ------------------------------------------------------------------ login

    async def _authenticate(self, body: bytes, send: Send) -> None:
        core = self.core
        try:
            data = json.loads(body)
            account = data["account"]
            app_id = int(account["appid"])
            api_key = str(account["token"])
        except (ValueError, KeyError, TypeError):
            core.recorder.add(0, "http", "authenticate", 0, {"malformed_body_bytes": len(body)})
            await _json(send, 400, {"code": 3, "message": 'expected {"account": {"appid", "token"}}'})
            return
        core.recorder.add(
            app_id, "http", "authenticate", 0, {"account": {"appid": str(app_id), "token": "***"}}
        )
        forced = core.faults.auth_status
        if forced is not None:
            await _respond(send, forced, b"", None)
            return
        user = core.state.bot_by_app(app_id, api_key)
        if user is None:
            await _respond(send, 401, b"", None)
            return
        await _respond(send, 200, bytes(core.issue_session(user.id)), "application/proto")

    # ------------------------------------------------------------------ RPC

    def _bearer_user(self, headers: dict[str, str]) -> int | None:
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        if scheme.lower() != "bearer":
            return None
        user = self.core.user_for_token(token.strip())
        return None if user is None else user.id

    async def _rpc(self, name: str, headers: dict[str, str], body: bytes, send: Send) -> None:
        core = self.core
        ctype = headers.get("content-type", "").split(";")[0].strip().lower()
        as_json = ctype == "application/json"
        method = METHODS.get(name)
        if method is None:
            core.recorder.add(0, "http", name, 0, body)
            await _json(send, 404, {"code": 12, "message": f"unknown method {name!r}"})
            return
        user_id = 0
        if method.auth:
            found = self._bearer_user(headers)
            if found is None:
                core.recorder.add(0, "http", name, 0, body)
                await _json(send, 401, {"code": 16, "message": "missing, invalid or expired bearer token"})
                return
            user_id = found
        if not as_json and ctype not in _BINARY_TYPES:
            core.recorder.add(user_id, "http", name, 0, body)
            await _json(
                send,
                415,
                {"code": 3, "message": f"unsupported content type {ctype!r}; use application/proto"},
            )
            return
        if as_json:
            try:
                body = bytes(method.request.from_dict(json.loads(body or b"{}"), ignore_unknown_fields=True))
            except Exception:
                core.recorder.add(user_id, "http", name, 0, body)
                await _json(send, 400, {"code": 3, "message": "could not decode JSON request"})
                return
        outcome = await invoke(core, user_id, name, body, transport="http")
        await self._send_outcome(send, outcome, as_json=as_json, name=name)

    async def _send_outcome(self, send: Send, outcome: Outcome, *, as_json: bool, name: str) -> None:
        if outcome.status != 200:
            extra: dict[str, str] = {}
            if outcome.retry_after is not None:
                extra["retry-after"] = _retry_after(outcome.retry_after)
            await _json(send, outcome.status, outcome.error_json(), **extra)
            return
        if as_json:
            response_cls = _RESPONSE_TYPES.get(name)
            if response_cls is None or not outcome.body:
                await _respond(send, 200, b"{}", "application/json")
                return
            data = response_cls.parse(outcome.body).to_dict(casing=betterproto2.Casing.SNAKE)
            await _respond(send, 200, json.dumps(data).encode(), "application/json")
            return
        await _respond(send, 200, outcome.body, "application/proto")

    # ------------------------------------------------------------------ old friends gateway

    async def _friend_gateway(
        self, method: str, headers: dict[str, str], query: dict[str, list[str]], send: Send
    ) -> None:
        core = self.core
        user_id = self._bearer_user(headers)
        core.recorder.add(user_id or 0, "http", "friend_gateway", 0, {"method": method, "query": query})
        if user_id is None:
            await _json(send, 401, {"code": 16, "message": "missing, invalid or expired bearer token"})
            return
        ids = [int(v) for v in query.get("ids", []) if v.lstrip("-").isdigit()]
        usernames = query.get("usernames", [])
        try:
            if method == "GET":
                state = query.get("state", [""])[0]
                limit = query.get("limit", ["0"])[0]
                friends = core.friend_list(
                    user_id,
                    state=int(state) if state.isdigit() else None,
                    limit=int(limit) if limit.isdigit() else 0,
                    cursor=query.get("cursor", [""])[0],
                )
                await _json(send, 200, friends.to_dict(casing=betterproto2.Casing.SNAKE))
            elif method == "POST":
                await core.add_friends(user_id, ids, usernames)
                await _json(send, 200, {})
            elif method == "DELETE":
                await core.delete_friends(user_id, ids, usernames)
                await _json(send, 200, {})
            else:
                await _json(
                    send, 405, {"code": 12, "message": "GET, POST or DELETE"}, allow="GET, POST, DELETE"
                )
        except OpError as exc:
            await _json(send, exc.status, {"code": grpc_code(exc.status), "message": exc.message})

    # ------------------------------------------------------------------ MMN / ZK

    async def _chain(self, method: str, kind: str, body: bytes, send: Send) -> None:
        core = self.core
        try:
            payload: Any = json.loads(body)
        except ValueError:
            payload = body
        user_id = 0
        if isinstance(payload, dict) and "jwt" in payload:
            jwt = payload["jwt"]
            user_id = (core.id_token_owner(jwt) if isinstance(jwt, str) else None) or 0
            payload = {**payload, "jwt": "***"}  # the id_token is a credential
        core.recorder.add(user_id, "http", kind, 0, payload)
        if method != "POST":
            await _json(send, 405, {"code": 12, "message": "POST only"}, allow="POST")
            return
        chain = core.chain
        if chain is None:
            await _json(send, 503, {"code": 14, "message": "the sandbox chain is not available"})
            return
        status, data = await (chain.handle_rpc(body) if kind == "mmn" else chain.handle_prove(body))
        if data is None:
            await _respond(send, status if status != 200 else 204, b"", None)
        else:
            await _respond(send, status, json.dumps(data).encode(), "application/json")


def _is_control_path(path: str) -> bool:
    from ._control import ControlAPI

    return ControlAPI.handles(path)


def _response_types() -> dict[str, type[betterproto2.Message]]:
    """Response message class per method, for JSON answers (Appendix A pairs)."""
    from .._proto.mezon import api
    from .._proto.mezon import realtime as rt

    return {
        "ListClanDescs": api.ClanDescList,
        "ListChannelDescs": api.ChannelDescList,
        "ListChannelDetail": api.ChannelDescription,
        "ListThreadDescs": api.ChannelDescListNoPool,
        "CreateChannelDesc": api.ChannelDescription,
        "ListChannelMessages": api.ChannelMessageList,
        "ListClanUsers": api.ClanUserList,
        "ListChannelUsers": api.ChannelUserList,
        "ListChannelVoiceUsers": api.VoiceChannelUserList,
        "ListRoles": api.RoleListEventResponse,
        "AddQuickMenuAccess": api.QuickMenuAccess,
        "ListQuickMenuAccess": api.QuickMenuAccessList,
        "ListFriends": api.FriendList,
        "AddFriends": api.AddFriendsResponse,
        "SessionRefresh": api.Session,
        "GetAccount": api.Account,
        "SendChannelMessage": rt.ChannelMessageAck,
        "UpdateChannelMessage": rt.ChannelMessageUpdate,
        "DeleteChannelMessage": rt.ChannelMessageRemove,
        "CreatePinMessage": api.ChannelMessageHeader,
        "GetPinMessagesList": api.PinMessagesList,
        "UploadAttachmentFile": api.UploadAttachment,
        "MultipartUploadAttachmentFileStart": api.MultipartUploadAttachment,
        "MultipartUploadAttachmentFileFinish": api.UploadAttachment,
        "CreatePoll": api.CreatePollResponse,
        "VotePoll": api.VotePollResponse,
        "GetPoll": api.GetPollResponse,
    }


_RESPONSE_TYPES: Final = _response_types()


def _retry_after(seconds: float) -> str:
    return str(max(0, round(seconds)))


async def _body(receive: Receive) -> bytes:
    """Read the whole request body.

    Raises:
        _TooLarge: more than MAX_BODY bytes; the rest is still read (and
            discarded) so that clients that send before reading get the 413.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_BODY:
            chunks.append(chunk)
        if not message.get("more_body", False):
            break
    if size > MAX_BODY:
        raise _TooLarge
    return b"".join(chunks)


async def _respond(send: Send, status: int, body: bytes, content_type: str | None, **headers: str) -> None:
    raw = [(b"content-length", str(len(body)).encode())]
    if content_type is not None:
        raw.append((b"content-type", content_type.encode()))
    raw.extend((k.replace("_", "-").encode(), v.encode()) for k, v in headers.items())
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


async def _json(send: Send, status: int, data: Any, **headers: str) -> None:
    await _respond(send, status, json.dumps(data).encode(), "application/json", **headers)
