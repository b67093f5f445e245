"""The control API's operations (``/_sandbox/v1/<path>``): one small function per route,
each calling the :class:`~mezon_trio.testing.Sandbox` scripting method that does the work.
Served by :class:`._control.ControlAPI`; reference: docs/sandbox-control-api.md.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._events.interactions import ButtonClicked, DropdownSelected
from .._proto.mezon import realtime as rt
from . import _wire, raw
from ._faults import OpError
from ._views import channel_view, message_view, received_view, user_view

if TYPE_CHECKING:
    from ._control import ControlAPI

__all__ = ["ROUTES", "BadRequest", "id_of"]

Handler = Callable[["ControlAPI", dict[str, Any]], Awaitable[Any]]
ROUTES: dict[tuple[str, str], Handler] = {}


def _route(method: str, path: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        ROUTES[(method, path)] = fn
        return fn

    return register


class BadRequest(Exception):
    """Malformed control request (HTTP 400)."""


def id_of(value: Any, what: str) -> int:
    """An id from a decimal string or an integer.

    Raises:
        BadRequest: anything else.
    """
    if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
        raise BadRequest(f"{what}: expected an id (decimal string or integer), got {value!r}")
    return int(value)


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
    channel_id = id_of(args.get("channel_id"), "channel_id")
    limit = int(args.get("limit", "200") or 200)
    stored = raw.stored_messages(api.sb, channel_id)[-limit:]
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
    refs = [id_of(r, "reply_to") for r in ([args["reply_to"]] if args.get("reply_to") else [])]
    message = await api.sb.post_message(
        sender,
        id_of(args.get("channel_id"), "channel_id"),
        _content(args),
        mentions=mentions,
        references=refs,
    )
    stored = raw.stored_message(api.sb, message.message_id)
    if stored is None:  # trimmed by the history limit at once
        raise OpError(404, f"message {message.message_id} not stored")
    return {"message": message_view(api.core, stored)}


@_route("POST", "/messages/edit")
async def _edit(api: ControlAPI, args: dict[str, Any]) -> Any:
    await api.sb.edit_message(
        api.user(args.get("as")), id_of(args.get("message_id"), "message_id"), _content(args)
    )
    return {"message": api.message(args)}


@_route("POST", "/messages/delete")
async def _delete(api: ControlAPI, args: dict[str, Any]) -> Any:
    await api.sb.delete_message(api.user(args.get("as")), id_of(args.get("message_id"), "message_id"))
    return {"ok": True}


def _event_view(event: ButtonClicked | DropdownSelected) -> dict[str, Any]:
    """The wire form of the interaction (the JSON of the push the message's author got)."""
    wire: rt.MessageButtonClicked | rt.DropdownBoxSelected
    if isinstance(event, ButtonClicked):
        wire = rt.MessageButtonClicked(
            message_id=event.message_id,
            button_id=event.button_id,
            channel_id=event.channel_id,
            user_id=event.user_id,
            sender_id=event.sender_id,
            extra_data=event.extra_data,
        )
    else:
        wire = rt.DropdownBoxSelected(
            message_id=event.message_id,
            channel_id=event.channel_id,
            selectbox_id=event.selectbox_id,
            sender_id=event.sender_id,
            user_id=event.user_id,
            values=list(event.values),
        )
    data: dict[str, Any] = wire.to_dict()
    return data


@_route("POST", "/click")
async def _click(api: ControlAPI, args: dict[str, Any]) -> Any:
    extra = args.get("extra_data", "{}")
    if not isinstance(extra, str):
        extra = json.dumps(extra, ensure_ascii=False, separators=(",", ":"))
    event = await api.sb.click_button(
        api.user(args.get("as")),
        id_of(args.get("message_id"), "message_id"),
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
        id_of(args.get("message_id"), "message_id"),
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
        id_of(args.get("message_id"), "message_id"),
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
        id_of(args.get("message_id"), "message_id"),
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
    await api.sb.add_to_clan(api.user(args.get("user"), "user"), id_of(args.get("clan_id"), "clan_id"))
    return {"ok": True}


@_route("POST", "/channel-members")
async def _add_channel_member(api: ControlAPI, args: dict[str, Any]) -> Any:
    users = args.get("users", [args["user"]] if "user" in args else None)
    if not isinstance(users, list) or not users:
        raise BadRequest("give 'user' or 'users'")
    await api.sb.add_to_channel(
        [api.user(u, "users") for u in users], id_of(args.get("channel_id"), "channel_id")
    )
    return {"ok": True}


@_route("POST", "/channels")
async def _create_channel(api: ControlAPI, args: dict[str, Any]) -> Any:
    label = args.get("label")
    if not isinstance(label, str) or not label:
        raise BadRequest("'label' must be a non-empty string")
    channel_id = await api.sb.create_channel(
        api.user(args.get("as")),
        id_of(args.get("clan_id", api.sb.clan_id), "clan_id"),
        label,
        type=int(args.get("type", 1)),
        private=bool(args.get("private")),
        parent_id=id_of(args.get("parent_id", 0), "parent_id"),
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
        f.fail_ops[str(name)] = OpError.for_code(int(spec.get("code", 13)), str(spec.get("message", "")))
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
