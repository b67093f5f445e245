"""Google's reference implementation of ``proto/``, and bridges to the betterproto2 bindings.

The conformance tests compare ``mezon_trio._proto`` (betterproto2, generated and
committed) with classes that Google's protobuf runtime builds from the *same*
``proto/`` tree at test time.  protoc writes a ``FileDescriptorSet``; the files
are added to a private ``DescriptorPool`` (never the default one, so nothing
shadows or collides with ``google.protobuf``'s own registrations) and
``message_factory.GetMessageClass`` turns descriptors into message classes.

The two worlds are bridged *by field name and attribute value*, never through
the wire format, so that an encoding difference cannot hide itself:
``to_bp`` turns a Google message into the betterproto2 value with the same
content, ``to_google`` does the reverse.
"""

from __future__ import annotations

import functools
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Literal

import betterproto2
import betterproto2.casing
import pytest

pytest.importorskip("google.protobuf", reason="Google protobuf (testing extra) is not installed")
pytest.importorskip("grpc_tools", reason="grpcio-tools (testing extra) is not installed")

import grpc_tools
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message as GMessage

import mezon_trio._proto.mezon.api  # registers the api classes
import mezon_trio._proto.mezon.realtime  # noqa: F401  (registers the realtime classes)
from mezon_trio._proto.message_pool import default_message_pool

REPO_ROOT = Path(__file__).resolve().parents[2]
PROTO_DIR = REPO_ROOT / "proto"
#: The schema facts to compare proto/ with: the committed copy, or a fresh export of the same
#: facts named by ``MEZON_SCHEMA_DIR`` (mezon-schema.json and mezon.descriptor.pb).
SCHEMA_FACTS_DIR = Path(os.environ.get("MEZON_SCHEMA_DIR") or Path(__file__).parent / "data")
PROTO_FILES = ("api/api.proto", "rtapi/realtime.proto")

WRAPPERS = {
    f"google.protobuf.{name}Value"
    for name in ("Double", "Float", "Int64", "UInt64", "Int32", "UInt32", "Bool", "String", "Bytes")
}
_URL_PREFIX = "type.googleapis.com/"

MapOrder = Literal["sorted", "reversed"]


def protoc_include() -> Path:
    """The directory holding grpc_tools' copy of google/protobuf/*.proto."""
    return Path(grpc_tools.__file__).resolve().parent / "_proto"


def compile_descriptor_set(proto_dir: Path = PROTO_DIR) -> descriptor_pb2.FileDescriptorSet:
    """Run grpcio-tools' protoc over *proto_dir* and return the descriptor set (imports included).

    Raises:
        AssertionError: protoc rejected the proto files (its stderr is in the message).
    """
    with tempfile.TemporaryDirectory(prefix="mezon-proto-") as tmp:
        out = Path(tmp) / "mezon.pb"
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "grpc_tools.protoc",
                f"--descriptor_set_out={out}",
                "--include_imports",
                f"-I{proto_dir}",
                f"-I{protoc_include()}",
                *PROTO_FILES,
            ],
            cwd=proto_dir,
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert result.returncode == 0, f"protoc failed on {proto_dir}:\n{result.stderr}"
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


@dataclass(frozen=True)
class Reference:
    """Google message classes for every message of proto/, in a private descriptor pool."""

    descriptor_set: descriptor_pb2.FileDescriptorSet
    pool: descriptor_pool.DescriptorPool

    def descriptor(self, full_name: str) -> Descriptor:
        return self.pool.FindMessageTypeByName(full_name)

    def google_class(self, full_name: str) -> type[GMessage]:
        return message_factory.GetMessageClass(self.descriptor(full_name))  # type: ignore[no-any-return]

    def google_class_for_bp(self, bp_cls: type[betterproto2.Message]) -> type[GMessage]:
        return self.google_class(bp_full_name(bp_cls))

    def all_messages(self) -> Iterator[Descriptor]:
        """Every message of the two Mezon files, nested ones included (map entries too)."""

        def walk(desc: Descriptor) -> Iterator[Descriptor]:
            yield desc
            for nested in desc.nested_types:
                yield from walk(nested)

        for name in PROTO_FILES:
            file_desc = self.pool.FindFileByName(name)
            for desc in file_desc.message_types_by_name.values():
                yield from walk(desc)


@functools.cache
def load_reference() -> Reference:
    """Compile proto/ once per process and build the Google reference pool."""
    fds = compile_descriptor_set()
    pool = descriptor_pool.DescriptorPool()
    for file_proto in fds.file:
        pool.Add(file_proto)
    return Reference(fds, pool)


# --- the betterproto2 side -------------------------------------------------------------------


def bp_class(full_name: str) -> type[betterproto2.Message]:
    """The generated betterproto2 class registered for a protobuf full name."""
    try:
        return default_message_pool.url_to_type[_URL_PREFIX + full_name]
    except KeyError:
        raise AssertionError(f"no betterproto2 class is generated for {full_name}") from None


def bp_full_name(bp_cls: type[betterproto2.Message]) -> str:
    return default_message_pool.type_to_url[bp_cls].removeprefix(_URL_PREFIX)


@functools.cache
def bp_attr(bp_cls: type[betterproto2.Message], proto_name: str) -> str:
    """The dataclass attribute betterproto2 uses for proto field *proto_name*.

    The compiler snake-cases names (``clanId`` -> ``clan_id``) and appends ``_``
    to Python keywords and builtins.
    """
    names = {f.name for f in fields(bp_cls)}  # type: ignore[arg-type]
    for candidate in (proto_name, betterproto2.casing.safe_snake_case(proto_name), proto_name + "_"):
        if candidate in names:
            return candidate
    raise AssertionError(
        f"{bp_cls.__name__} has no attribute for proto field {proto_name!r}: {sorted(names)}"
    )


def bp_meta(bp_cls: type[betterproto2.Message], attr: str) -> betterproto2.FieldMetadata:
    return bp_cls._betterproto.meta_by_field_name[attr]  # type: ignore[attr-defined, no-any-return]


def is_map(fd: FieldDescriptor) -> bool:
    return fd.message_type is not None and fd.message_type.GetOptions().map_entry


def is_wrapper(fd: FieldDescriptor) -> bool:
    return fd.message_type is not None and fd.message_type.full_name in WRAPPERS


# --- converters (by name and value, never through bytes) -------------------------------------


def to_bp(g: GMessage, *, map_order: MapOrder = "sorted") -> betterproto2.Message:
    """The betterproto2 value with the same content as the Google message *g*.

    Map entries are inserted in sorted key order (what Google's deterministic
    serializer writes) or, with ``map_order="reversed"``, in reverse order.
    """
    desc = g.DESCRIPTOR
    cls = bp_class(desc.full_name)
    kwargs: dict[str, Any] = {}
    for fd in desc.fields:
        attr = bp_attr(cls, fd.name)
        value = getattr(g, fd.name)
        if is_map(fd):
            value_fd = fd.message_type.fields_by_name["value"]
            entry_cls = cls._betterproto.cls_by_field[attr]  # type: ignore[attr-defined]
            enum_cls = entry_cls._betterproto.cls_by_field["value"]
            keys = sorted(value, reverse=map_order == "reversed")
            kwargs[attr] = {k: _single_to_bp(value_fd, value[k], enum_cls, map_order) for k in keys}
        elif fd.is_repeated:
            item_cls = cls._betterproto.cls_by_field[attr]  # type: ignore[attr-defined]
            kwargs[attr] = [_single_to_bp(fd, v, item_cls, map_order) for v in value]
        elif fd.type == FieldDescriptor.TYPE_MESSAGE and not g.HasField(fd.name):
            continue  # unset sub-message: betterproto2 default is None
        else:
            kwargs[attr] = _single_to_bp(fd, value, cls._betterproto.cls_by_field[attr], map_order)  # type: ignore[attr-defined]
    return cls(**kwargs)


def _single_to_bp(fd: FieldDescriptor, value: Any, py_cls: Any, map_order: MapOrder) -> Any:
    if fd.type == FieldDescriptor.TYPE_MESSAGE:
        if is_wrapper(fd):
            return value.value
        return to_bp(value, map_order=map_order)
    if fd.type == FieldDescriptor.TYPE_ENUM:
        return py_cls(value)
    return value


def to_google(ref: Reference, msg: betterproto2.Message) -> GMessage:
    """The Google message with the same content as the betterproto2 value *msg*."""
    bp_cls = type(msg)
    g = ref.google_class_for_bp(bp_cls)()
    _fill_google(g, msg)
    return g


def _fill_google(g: GMessage, msg: betterproto2.Message) -> None:
    bp_cls = type(msg)
    for fd in g.DESCRIPTOR.fields:
        value = getattr(msg, bp_attr(bp_cls, fd.name))
        target = getattr(g, fd.name)
        if is_map(fd):
            value_fd = fd.message_type.fields_by_name["value"]
            for k, v in value.items():
                if value_fd.type == FieldDescriptor.TYPE_MESSAGE:
                    _fill_google(target[k], v)
                else:
                    target[k] = v
        elif fd.is_repeated:
            for v in value:
                if fd.type == FieldDescriptor.TYPE_MESSAGE:
                    _fill_google(target.add(), v)
                else:
                    target.append(v)
        elif fd.type == FieldDescriptor.TYPE_MESSAGE:
            if value is None:
                continue
            target.SetInParent()
            if is_wrapper(fd):
                target.value = value
            else:
                _fill_google(target, value)
        else:
            setattr(g, fd.name, int(value) if fd.type == FieldDescriptor.TYPE_ENUM else value)


# --- a deterministic, realistic value generator driven by the descriptors ----------------------

SNOWFLAKES = (
    1840000000000000123,  # > 2**53: a float-based decoder would corrupt it
    1840000000000001337,
    1775482209147555840,
    2**53 + 1,
    9223372036854775807,
)
INT32S = (-42, -1, -2147483648, 2147483647, 3, 7)
UINT32S = (1767225600, 4294967295, 1, 1780000000)
STRINGS = (
    "héllo wörld 👋",
    "🎉🔥 mezon 🧑‍🤝‍🧑",  # emoji incl. a ZWJ sequence (UTF-16 surrogate pairs in JS clients)
    "日本語のテキスト",
    "<@1840000000000000123> ping",
    "nul\x00inside",
    "long " + "ñ" * 100,  # > 127 bytes: a two-byte length prefix
    '{"t":"hi","mk":[{"type":"b","s":0,"e":2}]}',
)
BYTES = (b"\x00\x01\xfe\xff", bytes(range(200)), b"\x0a\x00")


@dataclass
class ValueGenerator:
    """Fills Google messages with realistic, non-default values, field by field.

    ``density`` 1.0 sets every field (each one is exercised); lower values leave
    a random share at its default.  Beyond ``max_depth`` sub-messages are left
    *set but empty*, so empty sub-messages appear in every deep value.
    Repeated fields get three items, one of them the default (0, "", empty
    message); maps get several entries including ``{"": ""}`` / key 0.
    Wrapper fields alternate between a value and an empty (but present) wrapper.
    """

    rng: random.Random
    density: float = 1.0
    max_depth: int = 3
    _toggle: bool = False

    def fill(self, g: GMessage, depth: int = 0) -> GMessage:
        for fd in g.DESCRIPTOR.fields:
            if fd.containing_oneof is not None:
                continue  # the caller chooses the variant
            if self.density < 1.0 and self.rng.random() > self.density:
                continue
            self.set_field(g, fd, depth)
        return g

    def set_field(self, g: GMessage, fd: FieldDescriptor, depth: int) -> None:
        target = getattr(g, fd.name)
        if is_map(fd):
            key_fd = fd.message_type.fields_by_name["key"]
            value_fd = fd.message_type.fields_by_name["value"]
            if key_fd.type == FieldDescriptor.TYPE_STRING:
                keys: list[Any] = ["", "kéy 🔑", "zeta", "alpha"]
            else:
                keys = [0, -5, SNOWFLAKES[0], 12]
            for i, key in enumerate(keys):
                if value_fd.type == FieldDescriptor.TYPE_MESSAGE:
                    entry = target[key]
                    if i % 2 == 0 and depth < self.max_depth:  # odd entries stay empty
                        self.fill(entry, depth + 1)
                else:
                    target[key] = self._default(value_fd) if i == 0 else self.scalar(value_fd)
        elif fd.is_repeated:
            for i in range(3):
                if fd.type == FieldDescriptor.TYPE_MESSAGE:
                    item = target.add()
                    if i != 1 and depth < self.max_depth:  # the middle item stays empty
                        self.fill(item, depth + 1)
                else:
                    target.append(self._default(fd) if i == 1 else self.scalar(fd))
        elif fd.type == FieldDescriptor.TYPE_MESSAGE:
            target.SetInParent()
            if is_wrapper(fd):
                self._toggle = not self._toggle
                if self._toggle:  # else: present but empty wrapper
                    target.value = self.scalar(fd.message_type.fields_by_name["value"])
            elif depth < self.max_depth:
                self.fill(target, depth + 1)
        else:
            setattr(g, fd.name, self.scalar(fd))

    def scalar(self, fd: FieldDescriptor) -> Any:
        """A non-default value for a scalar or enum field."""
        t = fd.type
        choice = self.rng.choice
        if t in (FieldDescriptor.TYPE_INT64, FieldDescriptor.TYPE_SINT64, FieldDescriptor.TYPE_SFIXED64):
            return choice((*SNOWFLAKES, -1))
        if t in (FieldDescriptor.TYPE_UINT64, FieldDescriptor.TYPE_FIXED64):
            return choice((*SNOWFLAKES, 2**64 - 1))
        if t in (FieldDescriptor.TYPE_INT32, FieldDescriptor.TYPE_SINT32, FieldDescriptor.TYPE_SFIXED32):
            return choice(INT32S)
        if t in (FieldDescriptor.TYPE_UINT32, FieldDescriptor.TYPE_FIXED32):
            return choice(UINT32S)
        if t == FieldDescriptor.TYPE_BOOL:
            return True
        if t == FieldDescriptor.TYPE_STRING:
            return choice(STRINGS)
        if t == FieldDescriptor.TYPE_BYTES:
            return choice(BYTES)
        if t == FieldDescriptor.TYPE_ENUM:
            numbers = [v.number for v in fd.enum_type.values if v.number != 0]
            return choice([*numbers, 99])  # 99: a value this schema does not know
        raise AssertionError(f"unsupported field type {t} for {fd.full_name}")

    @staticmethod
    def _default(fd: FieldDescriptor) -> Any:
        if fd.type == FieldDescriptor.TYPE_STRING:
            return ""
        if fd.type == FieldDescriptor.TYPE_BYTES:
            return b""
        if fd.type == FieldDescriptor.TYPE_BOOL:
            return False
        return 0


def google_bytes(g: GMessage) -> bytes:
    """Google's deterministic encoding (map entries sorted by key)."""
    return g.SerializeToString(deterministic=True)


def contains_map(desc: Descriptor, _seen: frozenset[str] = frozenset()) -> bool:
    """Whether *desc* or any message reachable from it has a map field."""
    if desc.full_name in _seen:
        return False
    seen = _seen | {desc.full_name}
    for fd in desc.fields:
        if is_map(fd):
            return True
        if fd.message_type is not None and contains_map(fd.message_type, seen):
            return True
    return False


def varint(n: int) -> bytes:
    """Protobuf base-128 varint of a non-negative integer (for hand-built frames)."""
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    shift = result = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def wire_fields(data: bytes) -> list[tuple[int, int, bytes]]:
    """Split an encoded message into its top-level ``(number, wire_type, raw_bytes)`` records."""
    out: list[tuple[int, int, bytes]] = []
    pos = 0
    while pos < len(data):
        start = pos
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 0:
            _, pos = _read_varint(data, pos)
        elif wire_type == 1:
            pos += 8
        elif wire_type == 2:
            length, pos = _read_varint(data, pos)
            pos += length
        elif wire_type == 5:
            pos += 4
        else:
            raise ValueError(f"wire type {wire_type} at offset {start}")
        out.append((number, wire_type, data[start:pos]))
    return out


def _field_by_number(desc: Descriptor | None, number: int) -> FieldDescriptor | None:
    return desc.fields_by_number.get(number) if desc is not None else None


def _payload(record: bytes) -> bytes:
    """The value bytes of a length-delimited record."""
    _, pos = _read_varint(record, 0)
    length, pos = _read_varint(record, pos)
    return record[pos : pos + length]


def canonical_bytes(data: bytes, desc: Descriptor) -> bytes:
    """*data* with the entries of each map field sorted by their bytes, at every depth.

    Everything else (record order, tags, lengths, varints) is left exactly as
    written, so two encodings have equal canonical bytes iff they differ at most
    in the order of map entries, which protobuf leaves to the encoder (Google's
    upb "deterministic" order is not even plain key order).
    """
    out: list[bytes] = []
    run: list[bytes] = []
    run_field = -1
    for number, wire_type, raw in wire_fields(data):
        fd = _field_by_number(desc, number)
        if wire_type == 2 and fd is not None and fd.message_type is not None:
            payload = canonical_bytes(_payload(raw), fd.message_type)
            raw = raw[: len(raw) - len(payload)] + payload
        if fd is not None and is_map(fd):
            if run and number != run_field:
                out.extend(sorted(run))
                run = []
            run_field = number
            run.append(raw)
            continue
        out.extend(sorted(run))
        run = []
        out.append(raw)
    out.extend(sorted(run))
    return b"".join(out)


def describe_difference(ours: bytes, google: bytes, desc: Descriptor | None, path: str = "") -> str:
    """Where two encodings first differ, descending into sub-messages (for failure messages)."""
    path = path or (desc.full_name if desc else "?")
    a, b = wire_fields(ours), wire_fields(google)
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x == y:
            continue
        fd = _field_by_number(desc, x[0])
        if x[:2] == y[:2] and x[1] == 2 and fd is not None and fd.message_type is not None:
            return describe_difference(_payload(x[2]), _payload(y[2]), fd.message_type, f"{path}.{fd.name}")
        name = fd.name if fd is not None else "?"
        return (
            f"{path}: record {i} differs: betterproto2 #{x[0]} ({name}, wire {x[1]}) {x[2][:40].hex(' ')} "
            f"vs Google #{y[0]} (wire {y[1]}) {y[2][:40].hex(' ')}"
        )
    return f"{path}: betterproto2 wrote {len(a)} records ({len(ours)} B), Google {len(b)} ({len(google)} B)"


def assert_conformant(g: GMessage, bp_value: betterproto2.Message) -> None:
    """Byte-identical encodings and equal values after cross-decoding, both ways.

    *g* and *bp_value* must hold the same content.  Bytes must be identical,
    except that map entries may come in another order (betterproto2 writes dict
    order, Google its own "deterministic" order): for messages with maps the
    comparison sorts map entries first (``canonical_bytes``) and the
    cross-decoding checks below prove the values equal.
    """
    desc = g.DESCRIPTOR
    g_bytes = google_bytes(g)
    bp_bytes = bytes(bp_value)
    if bp_bytes != g_bytes:
        assert contains_map(desc), describe_difference(bp_bytes, g_bytes, desc)
        assert canonical_bytes(bp_bytes, desc) == canonical_bytes(g_bytes, desc), describe_difference(
            canonical_bytes(bp_bytes, desc), canonical_bytes(g_bytes, desc), desc
        )
    decoded_bp = type(bp_value).parse(g_bytes)
    assert decoded_bp == bp_value, f"{desc.full_name}: betterproto2.parse(Google bytes) != value"
    decoded_g = type(g).FromString(bp_bytes)
    assert decoded_g == g, f"{desc.full_name}: Google.ParseFromString(betterproto2 bytes) != Google value"
    assert to_bp(decoded_g) == bp_value, f"{desc.full_name}: cross-decoded value differs by attribute"
