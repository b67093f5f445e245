"""Emit ``mezon_trio/_proto/hotcodec.py``: straight-line decoders for the hot messages.

betterproto2's generic decoder costs ~60 µs for one pushed chat message, more
than the whole transport (PERFORMANCE.md).  For the few messages on the hot
path (the pushed ``ChannelMessage``, the ``ChannelMessageAck`` reply, and the
``Envelope`` around them) this generator writes, from the same ``proto/``
descriptors, a decoder that reads the fields in declaration order with inline
varint code and builds the betterproto2 dataclass directly (its ``__dict__``),
so callers get the very same generated types.

Whatever the fast path does not handle -- fields out of order or repeated,
unknown fields, wire-type mismatches, truncation, over-long varints, invalid
UTF-8 -- makes it hand the bytes to the generic ``Cls.parse``, so the result
(or the exception) is by construction what betterproto2 gives.  The property
tests in ``tests/protocol/test_hotcodec.py`` check that equality on arbitrary
messages and on arbitrary bytes.

Called by ``codegen/generate.py`` with protoc's FileDescriptorSet of ``proto/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from betterproto2_compiler.compile.naming import pythonize_class_name, pythonize_field_name
from google.protobuf import descriptor_pb2

FDP = descriptor_pb2.FieldDescriptorProto

#: proto package -> how the generated module refers to it.
PACKAGES = {"mezon.api": "api", "mezon.realtime": "rt"}
#: Messages decoded by the fast path (fully qualified), in output order.
HOT_MESSAGES = ("mezon.api.ChannelMessage", "mezon.realtime.ChannelMessageAck")
#: Messages encoded by the fast path (requests the bot sends often), in output order.
HOT_OUTGOING = ("mezon.realtime.ChannelMessageSend",)
ENVELOPE = "mezon.realtime.Envelope"

_MASK32 = "0xFFFFFFFF"
_MASK64 = "0xFFFFFFFFFFFFFFFF"
_SCALAR_DEFAULTS = {
    FDP.TYPE_INT32: "0",
    FDP.TYPE_INT64: "0",
    FDP.TYPE_UINT32: "0",
    FDP.TYPE_UINT64: "0",
    FDP.TYPE_BOOL: "False",
    FDP.TYPE_STRING: '""',
    FDP.TYPE_BYTES: 'b""',
}
_BOOL_VALUE = ".google.protobuf.BoolValue"

HEADER = '''"""Fast decoders for the hot messages: same results as betterproto2, several times faster.

``decode_<message>(data, pos=0)`` returns exactly what ``<Class>.parse(data[pos:])``
returns -- an instance of the generated betterproto2 class, equal field by field,
``_unknown_fields`` included -- or raises what it raises: anything off the fast
path (fields out of order or repeated, unknown fields, wire-type mismatches,
truncation, invalid UTF-8) is handed to the generic decoder.  Proven by the
property tests in ``tests/protocol/test_hotcodec.py``.

:func:`decode_envelope` does the same for ``rt.Envelope``: fast when the frame is
an optional ``cid`` followed by one hot variant, generic otherwise;
:func:`decode_envelope_fast` returns None instead of falling back, and what it
returns holds exactly typed values (the generic decoder may leave a wrongly typed
value behind on a wire-type mismatch, which callers must then check).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from ._lazy import LazyMapping
from .mezon import api
from .mezon import realtime as rt

__all__ = [
{exports}
]


class _Fallback(Exception):
    """Off the fast path: let the generic decoder handle the bytes."""


_new = object.__new__
'''


@dataclass(frozen=True)
class Field:
    number: int
    name: str
    proto_type: int
    type_name: str

    @property
    def wire(self) -> int:
        return 2 if self.proto_type in (FDP.TYPE_STRING, FDP.TYPE_BYTES, FDP.TYPE_MESSAGE) else 0

    @property
    def tag(self) -> int:
        return (self.number << 3) | self.wire

    @property
    def default(self) -> str:
        if self.proto_type == FDP.TYPE_MESSAGE:
            return "None"
        return _SCALAR_DEFAULTS[self.proto_type]


def _index(fds: descriptor_pb2.FileDescriptorSet) -> dict[str, descriptor_pb2.DescriptorProto]:
    found: dict[str, descriptor_pb2.DescriptorProto] = {}
    for file in fds.file:
        for msg in file.message_type:
            found[f"{file.package}.{msg.name}"] = msg
    return found


def _class_ref(full_name: str) -> str:
    package, _, name = full_name.rpartition(".")
    return f"{PACKAGES[package]}.{pythonize_class_name(name)}"


def _fields(full_name: str, msg: descriptor_pb2.DescriptorProto, *, envelope: bool = False) -> list[Field]:
    out = []
    for f in msg.field:
        if f.label == FDP.LABEL_REPEATED:
            raise SystemExit(f"codegen: hot message {full_name}.{f.name} is repeated (not supported)")
        if f.type == FDP.TYPE_MESSAGE:
            if not envelope and f.type_name != _BOOL_VALUE:
                raise SystemExit(f"codegen: hot message {full_name}.{f.name}: {f.type_name} not supported")
        elif f.type not in _SCALAR_DEFAULTS:
            raise SystemExit(f"codegen: hot message {full_name}.{f.name}: type {f.type} not supported")
        out.append(Field(f.number, pythonize_field_name(f.name), f.type, f.type_name))
    out.sort(key=lambda f: f.number)
    if any(f.tag >= 1 << 14 for f in out):
        raise SystemExit(f"codegen: {full_name} has field numbers needing 3-byte tags (not supported)")
    return out


def _snake(class_name: str) -> str:
    out = []
    for i, ch in enumerate(class_name):
        if ch.isupper() and i:
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def __call__(self, indent: int, text: str = "") -> None:
        self.lines.append(("    " * indent + text) if text else "")

    def varint(self, indent: int, var: str) -> None:
        """Read a varint at ``pos`` into *var* (betterproto2 accepts up to 10 bytes)."""
        self(indent, f"{var} = data[pos]")
        self(indent, "pos += 1")
        self(indent, f"if {var} >= 128:")
        self(indent + 1, f"{var} &= 127")
        # Unrolled (no shift counter): ~0.1 µs less per 9-byte id than a loop.
        for k in range(1, 10):
            self(indent + k, "b = data[pos]")
            self(indent + k, "pos += 1")
            self(indent + k, f"{var} |= (b & 127) << {7 * k}")
            self(indent + k, "if b >= 128:")
        self(indent + 10, "raise _Fallback")

    def tag(self, indent: int) -> None:
        """Read the next tag (1 or 2 bytes; longer ones take the generic path)."""
        self(indent, "tag = data[pos]")
        self(indent, "pos += 1")
        self(indent, "if tag >= 128:")
        self(indent + 1, "b = data[pos]")
        self(indent + 1, "pos += 1")
        self(indent + 1, "if b >= 128:")
        self(indent + 2, "raise _Fallback")
        self(indent + 1, "tag = (tag & 127) | (b << 7)")


def _emit_value(w: _Writer, f: Field) -> None:
    key = f'fields["{f.name}"]'
    w.varint(2, "v")
    t = f.proto_type
    # A length running past the end leaves ``pos > end``, caught where the end is checked.
    if t == FDP.TYPE_STRING:
        w(2, f"{key} = data[pos : pos + v].decode()")
        w(2, "pos += v")
    elif t == FDP.TYPE_BYTES:
        w(2, f"{key} = data[pos : pos + v]")
        w(2, "pos += v")
    elif t == FDP.TYPE_MESSAGE:  # google.protobuf.BoolValue, unwrapped to a bool by betterproto2
        w(2, "if v == 0:")
        w(3, f"{key} = False")
        w(2, "elif v == 2 and data[pos] == 8 and data[pos + 1] < 128:")
        w(3, f"{key} = data[pos + 1] > 0")
        w(2, "else:")
        w(3, "raise _Fallback")
        w(2, "pos += v")
    elif t == FDP.TYPE_INT64:
        w(2, f"v &= {_MASK64}")
        w(2, f"{key} = v - 0x10000000000000000 if v >> 63 else v")
    elif t == FDP.TYPE_INT32:
        w(2, f"v &= {_MASK32}")
        w(2, f"{key} = v - 0x100000000 if v >> 31 else v")
    elif t == FDP.TYPE_UINT32:
        w(2, f"{key} = v & {_MASK32}")
    elif t == FDP.TYPE_UINT64:
        w(2, f"{key} = v & {_MASK64}")
    elif t == FDP.TYPE_BOOL:
        w(2, f"{key} = v > 0")
    else:  # pragma: no cover - rejected by _fields
        raise AssertionError(t)


def _emit_message(w: _Writer, full_name: str, fields: list[Field]) -> str:
    cls = _class_ref(full_name)
    snake = _snake(full_name.rpartition(".")[2])
    upper = snake.upper()
    w(0, f"_{upper}_DEFAULTS: Final[dict[str, Any]] = {{")
    for f in fields:
        w(1, f'"{f.name}": {f.default},')
    w(1, '"_unknown_fields": b"",')
    w(0, "}")
    w(0)
    w(0)
    w(0, f"def _{snake}_fields(data: bytes, pos: int) -> dict[str, Any]:")
    w(1, f"fields = dict(_{upper}_DEFAULTS)")
    w(1, "end = len(data)")
    w(1, "if pos >= end:")
    w(2, "return fields")
    w.tag(1)
    for f in fields:
        w(1, f"if tag == {f.tag}:  # {f.name} = {f.number}")
        _emit_value(w, f)
        w(2, "if pos >= end:")
        w(3, "if pos == end:")
        w(4, "return fields")
        w(3, "raise _Fallback")
        w.tag(2)
    w(1, "raise _Fallback")
    w(0)
    w(0)
    w(0, f"def _{snake}_fast(data: bytes, pos: int) -> {cls} | None:")
    w(1, "try:")
    w(2, f"fields = _{snake}_fields(data, pos)")
    w(1, "except (_Fallback, IndexError, UnicodeDecodeError):")
    w(2, "return None")
    w(1, f"msg: {cls} = _new({cls})")
    w(1, "msg.__dict__ = fields")
    w(1, "return msg")
    w(0)
    w(0)
    w(0, f"def decode_{snake}(data: bytes, pos: int = 0) -> {cls}:")
    w(1, f'"""``{cls}.parse(data[pos:])``, fast on the common path."""')
    w(1, f"msg = _{snake}_fast(data, pos)")
    w(1, f"return msg if msg is not None else {cls}.parse(data[pos:])")
    w(0)
    w(0)
    return snake


def _emit_envelope(w: _Writer, env: list[Field], hot: dict[int, tuple[str, str]]) -> None:
    w(0, "_ENVELOPE_DEFAULTS: Final[dict[str, Any]] = {")
    for f in env:
        w(1, f'"{f.name}": {f.default},')
    w(1, '"_unknown_fields": b"",')
    w(0, "}")
    w(0)
    variants = [f for f in env if f.proto_type == FDP.TYPE_MESSAGE]
    w(0, "#: Every Envelope variant: field name -> field number, in field-number order.")
    w(0, "ENVELOPE_VARIANT_NUMBERS: Final[dict[str, int]] = {")
    for f in variants:
        w(1, f'"{f.name}": {f.number},')
    w(0, "}")
    w(0)
    w(0)
    w(0, "def _envelope_variants() -> dict[str, tuple[int, type[Any]]]:")
    w(1, "return {")
    for f in variants:
        w(2, f'"{f.name}": ({f.number}, {_class_ref(f.type_name.lstrip("."))}),')
    w(1, "}")
    w(0)
    w(0)
    w(0, "#: Every Envelope variant: field name -> (field number, message class), in field-number")
    w(0, "#: order (what betterproto2's metadata would tell after resolving every annotation: slow).")
    w(0, "#: Names and numbers answer at once; the first read of a class builds the table, which")
    w(0, "#: executes the generated modules (``import mezon_trio`` does not).")
    w(0, "ENVELOPE_VARIANTS: Final[Mapping[str, tuple[int, type[Any]]]] = LazyMapping(")
    w(1, "_envelope_variants, keys=ENVELOPE_VARIANT_NUMBERS")
    w(0, ")")
    w(0, "#: Every Envelope variant: field name -> message class (built with ENVELOPE_VARIANTS).")
    w(0, "ENVELOPE_VARIANT_CLASSES: Final[Mapping[str, type[Any]]] = LazyMapping(")
    w(1, "lambda: {name: cls for name, (_, cls) in ENVELOPE_VARIANTS.items()}, keys=ENVELOPE_VARIANT_NUMBERS")
    w(0, ")")
    w(0)
    w(0, "#: Envelope variants decoded by the fast path: field number -> field name.")
    w(0, "HOT_VARIANTS: Final[dict[int, str]] = {")
    for number, (name, _) in sorted(hot.items()):
        w(1, f'{number}: "{name}",')
    w(0, "}")
    w(0)
    w(0)
    w(0, "def split_envelope(data: bytes) -> tuple[int, int, int] | None:")
    w(1, '"""``(cid, variant field number, offset of the variant\'s bytes)`` of a plain Envelope.')
    w(0)
    w(1, "Plain: an optional ``cid`` then one length-delimited field running to the end of")
    w(1, "*data*.  None for anything else (the caller then uses the generic decoder).")
    w(1, '"""')
    w(1, "try:")
    w(2, "end = len(data)")
    w(2, "pos = 0")
    w(2, "cid = 0")
    w(2, "if not end:")
    w(3, "return None")
    w.tag(2)
    w(2, "if tag == 8:")
    w.varint(3, "v")
    w(3, f"v &= {_MASK32}")
    w(3, "cid = v - 0x100000000 if v >> 31 else v")
    w(3, "if pos >= end:")
    w(4, "return None")
    w.tag(3)
    w(2, "if tag & 7 != 2 or tag < 16:")
    w(3, "return None")
    w(2, "length = data[pos]")
    w(2, "pos += 1")
    w(2, "if length >= 128:")
    w(3, "length &= 127")
    w(3, "shift = 7")
    w(3, "while True:")
    w(4, "b = data[pos]")
    w(4, "pos += 1")
    w(4, "length |= (b & 127) << shift")
    w(4, "if b < 128:")
    w(5, "break")
    w(4, "shift += 7")
    w(4, "if shift > 63:")
    w(5, "return None")
    w(2, "if pos + length != end:")
    w(3, "return None")
    w(2, "return cid, tag >> 3, pos")
    w(1, "except (_Fallback, IndexError):")
    w(2, "return None")
    w(0)
    w(0)
    w(0, "def decode_envelope_fast(data: bytes) -> rt.Envelope | None:")
    w(1, '"""The Envelope if *data* is a plain Envelope with a hot variant on the fast path, else None.')
    w(0)
    w(1, "A result equals ``rt.Envelope.parse(data)`` and every field holds a value of its")
    w(1, "declared type (the fast path never keeps a wrongly typed value).")
    w(1, '"""')
    w(1, "split = split_envelope(data)")
    w(1, "if split is None:")
    w(2, "return None")
    w(1, "cid, number, pos = split")
    w(1, "payload: Any")
    first = True
    for number, (name, snake) in sorted(hot.items()):
        w(1, f"{'if' if first else 'elif'} number == {number}:")
        w(2, f"payload = _{snake}_fast(data, pos)")
        w(2, f'name = "{name}"')
        first = False
    w(1, "else:")
    w(2, "return None")
    w(1, "if payload is None:")
    w(2, "return None")
    w(1, "fields = dict(_ENVELOPE_DEFAULTS)")
    w(1, 'fields["cid"] = cid')
    w(1, "fields[name] = payload")
    w(1, "env: rt.Envelope = _new(rt.Envelope)")
    w(1, "env.__dict__ = fields")
    w(1, "return env")
    w(0)
    w(0)
    w(0, "def decode_envelope(data: bytes) -> rt.Envelope:")
    w(1, '"""``rt.Envelope.parse(data)``, fast when the frame is a plain Envelope with a hot variant."""')
    w(1, "env = decode_envelope_fast(data)")
    w(1, "return env if env is not None else rt.Envelope.parse(data)")


@dataclass(frozen=True)
class OutField:
    number: int
    name: str
    proto_type: int
    repeated: bool
    type_name: str


def _out_fields(full_name: str, msg: descriptor_pb2.DescriptorProto) -> list[OutField]:
    out = []
    for f in msg.field:
        repeated = f.label == FDP.LABEL_REPEATED
        if f.proto3_optional or f.HasField("oneof_index"):
            raise SystemExit(f"codegen: hot outgoing {full_name}.{f.name} has presence (not supported)")
        if repeated and f.type != FDP.TYPE_MESSAGE:
            raise SystemExit(f"codegen: hot outgoing {full_name}.{f.name}: repeated scalars not supported")
        if not repeated and f.type not in _SCALAR_DEFAULTS:
            raise SystemExit(f"codegen: hot outgoing {full_name}.{f.name}: type {f.type} not supported")
        out.append(OutField(f.number, pythonize_field_name(f.name), f.type, repeated, f.type_name))
    out.sort(key=lambda f: f.number)
    return out


def _key(number: int, wire: int) -> str:
    tag = (number << 3) | wire
    raw = bytearray()
    while tag > 127:
        raw.append((tag & 127) | 128)
        tag >>= 7
    raw.append(tag)
    return 'b"' + "".join(f"\\x{c:02x}" for c in raw) + '"'


def _emit_encoder(w: _Writer, full_name: str, fields: list[OutField]) -> str:
    cls = _class_ref(full_name)
    snake = _snake(full_name.rpartition(".")[2])
    w(0, f"def _{snake}_bytes(msg: {cls}) -> bytes:")
    w(1, '"""``bytes(msg)``; raises _Fallback for anything betterproto2 might encode differently."""')
    w(1, "d = msg.__dict__")
    w(1, "out: list[bytes] = []")
    py = {FDP.TYPE_STRING: "str", FDP.TYPE_BYTES: "bytes", FDP.TYPE_BOOL: "bool"}
    for f in fields:
        w(1, f'v = d["{f.name}"]  # {f.number}')
        w(1, "if v:")
        if f.repeated:
            item_cls = _class_ref(f.type_name.lstrip("."))
            key = _key(f.number, 2)
            w(2, "if type(v) is not list:")
            w(3, "raise _Fallback")
            w(2, "for item in v:")
            w(3, f"if type(item) is not {item_cls}:")
            w(4, "raise _Fallback")
            w(3, "b = bytes(item)")
            w(3, f"out.append({key} + _varint(len(b)) + b)")
            continue
        expected = py.get(f.proto_type, "int")
        w(2, f"if type(v) is not {expected}:")
        w(3, "raise _Fallback")
        if f.proto_type == FDP.TYPE_STRING:
            w(2, 'b = v.encode("utf-8")')
            w(2, f"out.append({_key(f.number, 2)} + _varint(len(b)) + b)")
        elif f.proto_type == FDP.TYPE_BYTES:
            w(2, f"out.append({_key(f.number, 2)} + _varint(len(v)) + v)")
        elif f.proto_type == FDP.TYPE_BOOL:
            w(2, f'out.append({_key(f.number, 0)} + b"\\x01")')
        else:
            w(2, f"out.append({_key(f.number, 0)} + _varint(v))")
    w(1, 'unknown = d["_unknown_fields"]')
    w(1, "if unknown:")
    w(2, "if type(unknown) is not bytes:")
    w(3, "raise _Fallback")
    w(2, "out.append(unknown)")
    w(1, 'return b"".join(out)')
    w(0)
    w(0)
    return snake


def _emit_envelope_encoder(w: _Writer, env: list[Field], hot: dict[int, tuple[str, str, str]]) -> None:
    variants = sum(1 for f in env if f.proto_type == FDP.TYPE_MESSAGE)
    w(0, "_SMALL_VARINTS: Final = tuple(bytes((i,)) for i in range(128))")
    w(0)
    w(0)
    w(0, "def _varint(value: int) -> bytes:")
    w(1, '"""betterproto2\'s varint: negatives as 64-bit two\'s complement (10 bytes)."""')
    w(1, "if 0 <= value < 128:")
    w(2, "return _SMALL_VARINTS[value]")
    w(1, "if value < 0:")
    w(2, "if value < -0x8000000000000000:")
    w(3, "raise _Fallback  # betterproto2 refuses it (ValueError)")
    w(2, "value += 0x10000000000000000")
    w(1, "out = bytearray()")
    w(1, "while value > 127:")
    w(2, "out.append((value & 127) | 128)")
    w(2, "value >>= 7")
    w(1, "out.append(value)")
    w(1, "return bytes(out)")
    w(0)
    w(0)
    w(0, "def encode_envelope_fast(env: rt.Envelope) -> bytes | None:")
    w(1, '"""``bytes(env)`` when *env* carries one hot outgoing variant, else None (use ``bytes(env)``)."""')
    w(1, "if type(env) is not rt.Envelope:")
    w(2, "return None")
    w(1, "d = env.__dict__")
    w(1, "try:")
    first = True
    for number, (name, snake, cls) in sorted(hot.items()):
        w(2, f'{"if" if first else "elif"} (msg := d.get("{name}")) is not None:')
        w(3, f"if type(msg) is not {cls}:")
        w(4, "return None")
        w(3, f"body = _{snake}_bytes(msg)")
        w(3, f"key = {_key(number, 2)}")
        first = False
    w(2, "else:")
    w(3, "return None")
    w(2, f"if list(d.values()).count(None) != {variants - 1}:")
    w(3, "return None  # another variant is set too")
    w(2, 'cid = d["cid"]')
    w(2, 'unknown = d["_unknown_fields"]')
    w(2, "if type(cid) is not int or type(unknown) is not bytes:")
    w(3, "return None")
    w(2, 'head = b"\\x08" + _varint(cid) if cid else b""')
    w(2, "return head + key + _varint(len(body)) + body + unknown")
    w(1, "except (_Fallback, KeyError, UnicodeError):")
    w(2, "return None")
    w(0)
    w(0)
    w(0, "def encode_envelope(env: rt.Envelope) -> bytes:")
    w(1, '"""``bytes(env)``, fast when it carries a hot outgoing variant."""')
    w(1, "data = encode_envelope_fast(env)")
    w(1, "return data if data is not None else bytes(env)")


def render(fds_bytes: bytes, banner: str) -> str:
    """The source of ``mezon_trio/_proto/hotcodec.py`` for this descriptor set."""
    fds = descriptor_pb2.FileDescriptorSet.FromString(fds_bytes)
    index = _index(fds)
    body = _Writer()
    funcs: dict[str, str] = {}
    for full_name in HOT_MESSAGES:
        funcs[full_name] = _emit_message(body, full_name, _fields(full_name, index[full_name]))
    env_msg = index[ENVELOPE]
    env_fields = _fields(ENVELOPE, env_msg, envelope=True)
    hot: dict[int, tuple[str, str]] = {}
    for f in env_fields:
        target = f.type_name.lstrip(".")
        if f.proto_type == FDP.TYPE_MESSAGE and target in funcs:
            hot[f.number] = (f.name, funcs[target])
    for f in env_fields:
        if f.proto_type != FDP.TYPE_MESSAGE and f.name != "cid":
            raise SystemExit(f"codegen: Envelope field {f.name} is not a message variant (unexpected)")
    _emit_envelope(body, env_fields, hot)
    body(0)
    body(0)
    encoders: dict[str, tuple[str, str]] = {}
    for full_name in HOT_OUTGOING:
        snake = _emit_encoder(body, full_name, _out_fields(full_name, index[full_name]))
        encoders[full_name] = (snake, _class_ref(full_name))
    outgoing: dict[int, tuple[str, str, str]] = {}
    for f in env_fields:
        target = f.type_name.lstrip(".")
        if f.proto_type == FDP.TYPE_MESSAGE and target in encoders:
            outgoing[f.number] = (f.name, *encoders[target])
    _emit_envelope_encoder(body, env_fields, outgoing)
    names = ["ENVELOPE_VARIANTS", "ENVELOPE_VARIANT_CLASSES", "ENVELOPE_VARIANT_NUMBERS", "HOT_VARIANTS"]
    names += ["decode_envelope", "decode_envelope_fast", "split_envelope"]
    names += ["encode_envelope", "encode_envelope_fast"]
    names += [f"decode_{snake}" for snake in funcs.values()]
    exports = "\n".join(f'    "{name}",' for name in sorted(names))
    return banner + HEADER.replace("{exports}", exports) + "\n\n" + "\n".join(body.lines) + "\n"
