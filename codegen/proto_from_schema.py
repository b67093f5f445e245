"""Write ``proto/`` from the schema facts in ``mezon-schema.json`` (bootstrap tool).

The Mezon schema facts (message names, field names, numbers, types, labels,
oneofs, maps, enums) come as ``mezon-schema.json``; the copy this project was
written from is committed in ``tests/protocol/data/``.  This script renders
them as ``.proto`` source in this project's own layout, adding our own doc
comments (``DOCS`` below) on the messages a bot touches.  It is run by hand
when the schema facts change; ``proto/`` is then committed and
``codegen/generate.py`` turns it into Python.
``tests/protocol/test_proto_matches_schema.py`` checks ``proto/`` against the
facts field by field, so a hand edit that breaks a number or type is caught.

Usage: ``python codegen/proto_from_schema.py [SCHEMA_JSON]``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCHEMA = ROOT / "tests" / "protocol" / "data" / "mezon-schema.json"

# Our own short descriptions of the messages bots use (see docs/protocol.md).
DOCS: dict[str, str] = {
    "mezon.realtime.Envelope": (
        "One WebSocket binary frame. `cid` correlates a client request with its reply;\n"
        "server pushes carry no cid. Exactly one `message` variant is set; its field\n"
        "name is the event name."
    ),
    "mezon.realtime.ChannelMessageSend": (
        "Client request: post a message. `content` is a JSON document (see\n"
        "mezon_trio.content). Answered by a ChannelMessageAck under the same cid."
    ),
    "mezon.realtime.ChannelMessageAck": (
        "Server reply to a send (and to legacy update/remove): `message_id` is the\n"
        "id the server assigned to the new message."
    ),
    "mezon.realtime.ChannelMessageUpdate": "Edit a message (through the api_request_event bridge).",
    "mezon.realtime.ChannelMessageRemove": "Delete a message (through the api_request_event bridge).",
    "mezon.realtime.ClanJoin": "Subscribe this connection to a clan's pushes; clan 0 means DMs.",
    "mezon.realtime.ChannelJoin": "Record presence in a channel (needed for DMs and threads).",
    "mezon.realtime.Error": "Failure reply to a request; `code` is an Error.Code value.",
    "mezon.realtime.ApiRequestEvent": (
        "Socket API bridge: any /mezon.api.Mezon/<Method> call over the WebSocket.\n"
        "Answered by raw 0xFF frames, not by an Envelope."
    ),
    "mezon.realtime.EphemeralMessageSend": "A message visible only to `receiver_ids`.",
    "mezon.realtime.MessageButtonClicked": "A user clicked a button on a bot's message.",
    "mezon.realtime.DropdownBoxSelected": "A user changed a select box on a bot's message.",
    "mezon.realtime.UserChannelAdded": "Users (possibly the bot) were added to a channel, DM or thread.",
    "mezon.realtime.AddClanUserEvent": "A user (possibly the bot) joined a clan.",
    "mezon.api.ChannelMessage": (
        "A chat message as pushed (Envelope.channel_message) and listed in history.\n"
        "`mentions`, `attachments`, `reactions` and `references` hold serialized\n"
        "MessageMentionList / MessageAttachmentList / MessageReactionList /\n"
        "MessageRefList messages. `code` tells new (0), edited (1), deleted (2)..."
    ),
    "mezon.api.Session": (
        "Login answer: `token` is the session JWT (Bearer for RPCs, `token=` on the\n"
        "WebSocket); `api_url` and `ws_url` say where to connect next."
    ),
    "mezon.api.ClanDescList": "Answer of ListClanDescs: every clan the bot is a member of.",
    "mezon.api.ChannelDescList": "Answer of ListChannelDescs.",
    "mezon.api.ChannelDescription": "A channel, DM (type 3) or thread (type 7).",
    "mezon.api.MessageMention": "A mention; `s`/`e` are UTF-16 offsets into the text.",
    "mezon.api.MessageRef": "A reference to the message being replied to.",
    "mezon.api.MessageReaction": "A reaction added (`action` false) or removed (`action` true).",
    "mezon.api.TokenSentEvent": "Tokens were transferred between two users (amount unscaled).",
    "mezon.api.Friend": "An entry of the friend list with its state.",
}

SCALARS = {
    "int64",
    "string",
    "int32",
    "bool",
    "uint32",
    "bytes",
    "uint64",
    "sint32",
    "sint64",
    "fixed32",
    "fixed64",
    "sfixed32",
    "sfixed64",
    "double",
    "float",
}

FILE_HEADERS = {
    "mezon.api": "Mezon API messages: the bodies of /mezon.api.Mezon/<Method> RPCs and of many pushes.",
    "mezon.realtime": "Mezon realtime messages: the WebSocket Envelope and everything it carries.",
}


def _type_ref(field: dict[str, Any], package: str) -> str:
    t = field["type"]
    if t in SCALARS:
        return str(t)
    name = str(field["type_name"]).lstrip(".")
    if name.startswith(package + "."):
        return name[len(package) + 1 :]
    return name


def _comment(text: str, indent: str) -> list[str]:
    return [f"{indent}// {line}".rstrip() for line in text.splitlines()]


def _render_enum(enum: dict[str, Any], indent: str) -> list[str]:
    out = [f"{indent}enum {enum['name']} {{"]
    for name, number in enum["values"]:
        out.append(f"{indent}  {name} = {number};")
    out.append(f"{indent}}}")
    return out


def _is_map_entry(msg: dict[str, Any]) -> bool:
    names = [f["name"] for f in msg.get("fields", [])]
    return msg["name"].endswith("Entry") and names == ["key", "value"]


def _render_message(msg: dict[str, Any], package: str, scope: str, indent: str) -> list[str]:
    full = f"{scope}.{msg['name']}"
    out: list[str] = []
    if full in DOCS:
        out += _comment(DOCS[full], indent)
    out.append(f"{indent}message {msg['name']} {{")
    inner = indent + "  "
    nested = {n["name"]: n for n in msg.get("nested", [])}
    maps = {name: n for name, n in nested.items() if _is_map_entry(n)}
    for enum in msg.get("enums", []):
        out += _render_enum(enum, inner)
    for n in msg.get("nested", []):
        if n["name"] not in maps:
            out += _render_message(n, package, full, inner)
    open_oneof: str | None = None
    for field in msg["fields"]:
        oneof = field.get("oneof")
        if oneof != open_oneof:
            if open_oneof is not None:
                out.append(f"{inner}}}")
            if oneof is not None:
                out.append(f"{inner}oneof {oneof} {{")
            open_oneof = oneof
        pad = inner + ("  " if oneof else "")
        entry_name = str(field.get("type_name", "")).rsplit(".", 1)[-1]
        if field.get("repeated") and entry_name in maps and field["type"] == "message":
            k, v = maps[entry_name]["fields"]
            decl = f"map<{_type_ref(k, package)}, {_type_ref(v, package)}>"
            out.append(f"{pad}{decl} {field['name']} = {field['number']};")
            continue
        label = "repeated " if field.get("repeated") else ("optional " if field.get("optional") else "")
        out.append(f"{pad}{label}{_type_ref(field, package)} {field['name']} = {field['number']};")
    if open_oneof is not None:
        out.append(f"{inner}}}")
    out.append(f"{indent}}}")
    return out


def render_file(spec: dict[str, Any]) -> str:
    package = spec["package"]
    lines = [
        "// Part of mezon-trio. Written from the Mezon schema facts by codegen/proto_from_schema.py;",
        f"// {FILE_HEADERS.get(package, package)}",
        "// Ids are int64 snowflakes; times are uint32 seconds (see docs/protocol.md §1.2).",
        'syntax = "proto3";',
        "",
        f"package {package};",
        "",
    ]
    lines += [f'import "{dep}";' for dep in spec.get("dependencies", [])]
    lines.append("")
    for enum in spec.get("enums", []):
        lines += _render_enum(enum, "")
        lines.append("")
    for msg in spec["messages"]:
        lines += _render_message(msg, package, package, "")
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def main(argv: list[str]) -> int:
    schema_path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SCHEMA
    schema = json.loads(schema_path.read_text(encoding="utf-8"))
    for spec in schema["files"]:
        target = ROOT / "proto" / spec["name"]
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(render_file(spec), encoding="utf-8")
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
