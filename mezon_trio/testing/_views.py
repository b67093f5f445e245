"""JSON views of sandbox objects for the control API and the console.

Ids are decimal strings (they exceed 2^53, docs/protocol.md §1.2). Payloads of
frames are shown with secrets masked (:func:`masked`): session, refresh and id
tokens, API keys, JWTs and private keys become ``"***"``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

import betterproto2

from .._proto.mezon import api
from ._feed import FeedEntry
from ._recorder import Received

if TYPE_CHECKING:
    from ._core import SandboxCore
    from ._state import Channel

__all__ = ["channel_view", "feed_events", "masked", "message_view", "received_view", "user_view"]

SECRET_KEYS: Final = frozenset(
    {"token", "refresh_token", "id_token", "api_key", "jwt", "private_key", "privatekey", "secret"}
)
MAX_PAYLOAD_CHARS: Final = 4000

_DIRECTORY_PUSHES: Final = frozenset(
    {
        "channel_created_event",
        "channel_deleted_event",
        "channel_updated_event",
        "user_channel_added_event",
        "user_channel_removed_event",
        "add_clan_user_event",
        "user_clan_removed_event",
    }
)


def masked(value: Any) -> Any:
    """A JSON-friendly copy of *value* with secret-looking keys replaced by ``"***"``."""
    if isinstance(value, betterproto2.Message):
        value = value.to_dict(casing=betterproto2.Casing.SNAKE)
    if isinstance(value, dict):
        return {
            str(k): ("***" if str(k).lower() in SECRET_KEYS and v else masked(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [masked(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return {"bytes": len(value), "base64": base64.b64encode(bytes(value[:512])).decode()}
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 2**53:
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def _clip(value: Any) -> Any:
    text = json.dumps(value, ensure_ascii=False, default=str)
    if len(text) <= MAX_PAYLOAD_CHARS:
        return value
    return {"truncated": True, "preview": text[:MAX_PAYLOAD_CHARS]}


def user_view(core: SandboxCore, user_id: int) -> dict[str, Any]:
    user = core.state.users[user_id]
    return {
        "id": str(user.id),
        "username": user.username,
        "display_name": user.display_name,
        "is_bot": user.is_bot,
        "online": core.online(user.id),
    }


def channel_view(core: SandboxCore, channel: Channel) -> dict[str, Any]:
    st = core.state
    return {
        "id": str(channel.id),
        "clan_id": str(channel.clan_id),
        "label": channel.label or ", ".join(sorted(st.name_of(m) for m in channel.members)),
        "type": channel.type,
        "private": channel.private or channel.clan_id == 0,
        "parent_id": str(channel.parent_id),
        "audience": [str(u) for u in sorted(st.audience(channel))],
    }


def _parsed(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {"t": raw}
    return value if isinstance(value, dict) else {"t": raw}


def _reactions(core: SandboxCore, raw: bytes) -> list[dict[str, Any]]:
    if not raw:
        return []
    grouped: dict[str, dict[str, Any]] = {}
    for r in api.MessageReactionList.parse(raw).reactions:
        item = grouped.setdefault(r.emoji, {"emoji": r.emoji, "count": 0, "users": []})
        item["count"] += r.count or 1
        item["users"].append(str(r.sender_id))
    return list(grouped.values())


def message_view(core: SandboxCore, message: api.ChannelMessage) -> dict[str, Any]:
    """A stored or pushed message as the console renders it."""
    sender = core.state.users.get(message.sender_id)
    mentions = api.MessageMentionList.parse(message.mentions).mentions if message.mentions else []
    refs = api.MessageRefList.parse(message.references).refs if message.references else []
    out: dict[str, Any] = {
        "id": str(message.message_id),
        "channel_id": str(message.channel_id),
        "clan_id": str(message.clan_id),
        "sender_id": str(message.sender_id),
        "username": message.username,
        "display_name": message.display_name or message.username,
        "is_bot": bool(sender and sender.is_bot),
        "code": message.code,
        "content": _parsed(message.content),
        "mentions": [
            {"user_id": str(m.user_id), "username": m.username, "s": m.s, "e": m.e} for m in mentions
        ],
        "references": [
            {
                "message_id": str(r.message_ref_id),
                "username": r.message_sender_username,
                "content": _parsed(r.content),
            }
            for r in refs
        ],
        "reactions": _reactions(core, message.reactions),
        "create_time": message.create_time_seconds,
        "update_time": message.update_time_seconds,
        "edited": message.update_time_seconds > message.create_time_seconds or message.code == 1,
    }
    if message.code in (12, 14, 15):
        out["receivers"] = [str(u) for u in core.ephemeral_receivers(message.message_id)]
    return out


def received_view(index: int, item: Received) -> dict[str, Any]:
    return {
        "index": index,
        "user_id": str(item.user_id),
        "transport": item.transport,
        "kind": item.kind,
        "cid": item.cid,
        "time": round(item.time, 6),
        "payload": _clip(masked(item.payload)),
    }


def feed_events(core: SandboxCore, entries: Iterable[FeedEntry]) -> list[dict[str, Any]]:
    """Console events for feed entries: ``message``, ``directory``, ``balances``, ``presence``,
    ``reset`` and ``frame`` (every push out and every recorded item in)."""
    events: list[dict[str, Any]] = []
    for entry in entries:
        base = {"seq": entry.seq}
        if entry.kind == "presence":
            events.append({**base, "type": "presence"})
            continue
        if entry.kind == "reset":
            events.append({**base, "type": "reset"})
            continue
        if entry.kind == "in":
            item = entry.payload
            frame = {
                "dir": "in",
                "user_id": str(item.user_id),
                "name": entry.name,
                "transport": item.transport,
            }
            events.append({**base, "type": "frame", **frame, "payload": _clip(masked(item.payload))})
            continue
        payload = entry.payload
        if entry.name == "channel_message":
            events.append({**base, "type": "message", "message": message_view(core, payload)})
        elif entry.name == "message_reaction_event":
            stored = core.state._find_message(payload.message_id)
            if stored is not None:
                events.append({**base, "type": "message", "message": message_view(core, stored)})
        elif entry.name == "token_sent_event":
            events.append({**base, "type": "balances"})
        elif entry.name in _DIRECTORY_PUSHES:
            events.append({**base, "type": "directory"})
        frame = {"dir": "out", "name": entry.name, "to": [str(u) for u in entry.targets]}
        events.append({**base, "type": "frame", **frame, "payload": _clip(masked(payload))})
    return events
