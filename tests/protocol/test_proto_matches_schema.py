"""proto/ states exactly the Mezon schema facts, field by field.

Compared with the schema facts committed in ``tests/protocol/data/``
(``mezon-schema.json`` and the compiled ``mezon.descriptor.pb``), or with a fresh export
of them named by ``MEZON_SCHEMA_DIR``, after protoc has parsed proto/: every file, package
and dependency; every message, nested message and map entry; every field's name, number,
type, type_name, repeated, oneof and proto3 ``optional``; every enum and enum value;
services.  A wrong field number or type in proto/ fails everywhere.

Not compared (no effect on the wire or on the generated Python): comments,
declaration order, ``json_name`` and file options such as ``java_package``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

# via _reference, which skips this module cleanly when protobuf is not installed
from ._reference import PROTO_FILES, SCHEMA_FACTS_DIR, Reference, descriptor_pb2

SCHEMA_JSON = SCHEMA_FACTS_DIR / "mezon-schema.json"
DESCRIPTOR_PB = SCHEMA_FACTS_DIR / "mezon.descriptor.pb"

_FDP = descriptor_pb2.FieldDescriptorProto
_TYPE_NAMES = {
    number: name.removeprefix("TYPE_").lower() for name, number in _FDP.Type.items()
}  # TYPE_INT64 -> "int64"


SNAPSHOT_DIR = Path(__file__).parent / "data"


def _require(path: Path) -> Path:
    if path.is_file():
        return path
    snapshot = SNAPSHOT_DIR / path.name
    if snapshot.is_file():
        return snapshot
    pytest.skip(f"{path.resolve()} is absent and there is no snapshot in {SNAPSHOT_DIR}")


# --- facts from protoc's descriptors -----------------------------------------------------------


def _field_facts(f: descriptor_pb2.FieldDescriptorProto, oneofs: list[str]) -> dict[str, Any]:
    return {
        "number": f.number,
        "type": _TYPE_NAMES[f.type],
        "type_name": f.type_name or None,
        "repeated": f.label == _FDP.LABEL_REPEATED,
        "oneof": oneofs[f.oneof_index] if f.HasField("oneof_index") and not f.proto3_optional else None,
        "optional": f.proto3_optional,
    }


def _enum_facts(e: descriptor_pb2.EnumDescriptorProto) -> dict[str, int]:
    return {v.name: v.number for v in e.value}


def _message_facts(m: descriptor_pb2.DescriptorProto) -> dict[str, Any]:
    oneofs = [o.name for o in m.oneof_decl]
    return {
        "fields": {f.name: _field_facts(f, oneofs) for f in m.field},
        "nested": {n.name: _message_facts(n) for n in m.nested_type},
        "enums": {e.name: _enum_facts(e) for e in m.enum_type},
        "map_entry": m.options.map_entry,
    }


def _file_facts(fd: descriptor_pb2.FileDescriptorProto) -> dict[str, Any]:
    return {
        "package": fd.package,
        "dependencies": list(fd.dependency),
        "messages": {m.name: _message_facts(m) for m in fd.message_type},
        "enums": {e.name: _enum_facts(e) for e in fd.enum_type},
        "services": {
            s.name: {
                m.name: (m.input_type, m.output_type, m.client_streaming, m.server_streaming)
                for m in s.method
            }
            for s in fd.service
        },
    }


def _facts_from_descriptor_set(fds: descriptor_pb2.FileDescriptorSet) -> dict[str, Any]:
    return {fd.name: _file_facts(fd) for fd in fds.file if fd.name in PROTO_FILES}


# --- the same facts from the JSON ---------------------------------------------------------------


def _json_message_facts(m: dict[str, Any]) -> dict[str, Any]:
    nested = {n["name"]: _json_message_facts(n) for n in m.get("nested", [])}
    fields = {
        f["name"]: {
            "number": f["number"],
            "type": f["type"],
            "type_name": f.get("type_name"),
            "repeated": bool(f.get("repeated", False)),
            "oneof": f.get("oneof"),
            "optional": bool(f.get("optional", False)),
        }
        for f in m["fields"]
    }
    # The JSON has no map flag: a map<K, V> is a nested "<Field>Entry" with key = 1, value = 2
    # that a repeated field of the parent points at.
    for name, facts in nested.items():
        entry_fields = facts["fields"]
        facts["map_entry"] = (
            name.endswith("Entry")
            and {k: v["number"] for k, v in entry_fields.items()} == {"key": 1, "value": 2}
            and any(
                f["repeated"] and (f["type_name"] or "").endswith(f".{m['name']}.{name}")
                for f in fields.values()
            )
        )
    return {
        "fields": fields,
        "nested": nested,
        "enums": {e["name"]: dict(e["values"]) for e in m.get("enums", [])},
        "map_entry": False,
    }


def _json_facts(schema: dict[str, Any]) -> dict[str, Any]:
    files = {}
    for f in schema["files"]:
        files[f["name"]] = {
            "package": f["package"],
            "dependencies": list(f["dependencies"]),
            "messages": {m["name"]: _json_message_facts(m) for m in f["messages"]},
            "enums": {e["name"]: dict(e["values"]) for e in f.get("enums", [])},
            "services": {s["name"]: s for s in f.get("services", [])},
        }
    return files


# --- comparison -----------------------------------------------------------------------------------


def _differences(ours: Any, theirs: Any, path: str, out: list[str]) -> None:
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs), key=str):
            where = f"{path}.{key}" if path else str(key)
            if key not in theirs:
                out.append(f"{where}: only in proto/")
            elif key not in ours:
                out.append(f"{where}: missing from proto/")
            else:
                _differences(ours[key], theirs[key], where, out)
    elif ours != theirs:
        out.append(f"{path}: proto/ has {ours!r}, schema has {theirs!r}")


def _assert_same(ours: dict[str, Any], theirs: dict[str, Any], source: str) -> None:
    problems: list[str] = []
    _differences(ours, theirs, "", problems)
    assert not problems, f"proto/ disagrees with {source} ({len(problems)}):\n" + "\n".join(problems[:60])


def _count(facts: dict[str, Any]) -> tuple[int, int]:
    messages = fields = 0

    def walk(m: dict[str, Any]) -> None:
        nonlocal messages, fields
        messages += 1
        fields += len(m["fields"])
        for n in m["nested"].values():
            walk(n)

    for f in facts.values():
        for m in f["messages"].values():
            walk(m)
    return messages, fields


def test_proto_matches_schema_json(reference: Reference) -> None:
    schema = json.loads(_require(SCHEMA_JSON).read_text(encoding="utf-8"))
    ours = _facts_from_descriptor_set(reference.descriptor_set)
    theirs = _json_facts(schema)
    _assert_same(ours, theirs, SCHEMA_JSON.name)
    assert _count(ours) == (479, 2181)  # 465 messages + 14 nested; 2137 + 44 fields
    envelope = ours["rtapi/realtime.proto"]["messages"]["Envelope"]["fields"]
    assert sum(f["oneof"] == "message" for f in envelope.values()) == 99


def test_proto_matches_compiled_descriptor(reference: Reference) -> None:
    theirs_set = descriptor_pb2.FileDescriptorSet.FromString(_require(DESCRIPTOR_PB).read_bytes())
    theirs = _facts_from_descriptor_set(theirs_set)
    assert set(theirs) == set(PROTO_FILES)
    _assert_same(_facts_from_descriptor_set(reference.descriptor_set), theirs, DESCRIPTOR_PB.name)
    syntax = {fd.name: fd.syntax for fd in reference.descriptor_set.file if fd.name in PROTO_FILES}
    assert syntax == {fd.name: fd.syntax for fd in theirs_set.file}


def test_the_comparison_notices_a_changed_field() -> None:
    """Guard against a vacuous comparison: one wrong number or type must be reported."""
    facts = {"f": {"messages": {"M": {"fields": {"x": {"number": 1, "type": "int64"}}}}}}
    changed = json.loads(json.dumps(facts))
    changed["f"]["messages"]["M"]["fields"]["x"].update(number=2, type="int32")
    problems: list[str] = []
    _differences(facts, changed, "", problems)
    assert problems == [
        "f.messages.M.fields.x.number: proto/ has 1, schema has 2",
        "f.messages.M.fields.x.type: proto/ has 'int64', schema has 'int32'",
    ]
