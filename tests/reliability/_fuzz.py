"""Fuzzing material for the receive path: valid frames of every variant, hostile chat
messages, mutators, malformed 0xFF chunk sequences, and a socket-free harness.

Everything is driven by a ``random.Random`` so a failing case can be replayed from its seed.
"""

from __future__ import annotations

import collections
import dataclasses
import json
import logging
import random
import struct
from collections.abc import Callable, Iterator
from typing import Any, Final

import betterproto2
import trio

from mezon_trio import Events, MezonClient
from mezon_trio._client import services_of
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.frames import encode_raw_frames
from mezon_trio._transport.gateway import _Waiter
from mezon_trio.events import PAYLOAD_TYPES, VARIANT_FIELD_NUMBERS, ProtocolErrorEvent
from mezon_trio.models import Message
from mezon_trio.raw import message_payload

#: variant name -> generated payload class (``api.ChannelMessage`` for chat messages).
VARIANTS: Final[dict[str, type[betterproto2.Message]]] = {
    e.value: (api.ChannelMessage if e is Events.CHANNEL_MESSAGE else PAYLOAD_TYPES[e])
    for e in VARIANT_FIELD_NUMBERS
}
FIELD_NUMBERS: Final = {e.value: n for e, n in VARIANT_FIELD_NUMBERS.items()}

_VARINT, _I64, _LEN, _I32 = 0, 1, 2, 5

HOSTILE_CONTENT: Final = [
    "",
    "not json",
    "{",
    '{"t": "unterminated',
    "[]",
    "[1, 2]",
    '"a string"',
    "123",
    "1e999",
    "NaN",
    "null",
    "true",
    "9" * 5000,  # beyond Python's int-from-str digit limit
    '{"t": 5}',
    '{"t": null}',
    '{"t": ["x"]}',
    '{"t": {"nested": true}}',
    '{"t": "\\ud800 lone surrogate escape"}',
    '{"t": "ok", "mk": [{"type": "lk", "s": -5, "e": 99999}], "hg": 7}',
    '{"t": "ok", "embed": "not a list", "components": {"x": 1}}',
    "[" * 5000,  # nesting deeper than the recursion limit
    '{"a":' * 3000,
    '{"t": "' + "x" * 70_000 + '"}',
]

HOSTILE_LISTS: Final = [
    b"",
    b"garbage",
    b"[",
    b"{",
    b"[" * 5000,
    b'{"a":' * 3000,
    b"[1, 2]",
    b'[1, "a", null, {}]',
    b'{"mentions": 5}',
    b'{"mentions": [{"user_id": "not a number"}]}',
    b'[{"user_id": "12", "s": "x", "e": []}]',
    b'[{"url": 5, "size": "big"}]',
    b'{"user_id": 1}',
    b"\x0a\x05ab",  # truncated protobuf item
    b"\x0a\x02\x08\x01\x0a\x03\xff\xff\xff",
    b"\xff" * 20,
]


def varint(value: int) -> bytes:
    value &= (1 << 64) - 1
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field(number: int, wire: int, value: bytes | int) -> bytes:
    """One protobuf field: tag + value (LEN values get their length prefix)."""
    tag = varint(number << 3 | wire)
    if wire == _VARINT:
        assert isinstance(value, int)
        return tag + varint(value)
    assert isinstance(value, bytes)
    if wire == _LEN:
        return tag + varint(len(value)) + value
    return tag + value  # fixed width: caller passes 4 or 8 bytes (or not, on purpose)


def random_scalar(rng: random.Random, proto_type: str) -> Any:
    if proto_type in ("int32", "sint32", "sfixed32"):
        return rng.choice([0, 1, -1, 2**31 - 1, -(2**31), rng.randint(-(2**31), 2**31 - 1)])
    if proto_type in ("int64", "sint64", "sfixed64"):
        return rng.choice([0, 1, -1, 2**63 - 1, -(2**63), rng.randint(-(2**63), 2**63 - 1)])
    if proto_type in ("uint32", "fixed32"):
        return rng.choice([0, 1, 2**32 - 1, rng.randint(0, 2**32 - 1)])
    if proto_type in ("uint64", "fixed64"):
        return rng.choice([0, 1, 2**64 - 1, rng.randint(0, 2**64 - 1)])
    if proto_type == "bool":
        return rng.random() < 0.5
    if proto_type in ("double", "float"):
        return rng.choice([0.0, -1.5, 1e300, rng.uniform(-1e6, 1e6)])
    if proto_type == "string":
        return rng.choice(["", "x", "ünïcödé 🎉", "a" * rng.randint(0, 300), "\x00\x01"])
    if proto_type == "bytes":
        return rng.randbytes(rng.randint(0, 40))
    return None


def _metas(cls: type[betterproto2.Message]) -> dict[str, Any]:
    """Field name -> betterproto2 FieldMetadata (number, proto_type, repeated, ...)."""
    return {
        f.name: f.metadata["betterproto"]
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if "betterproto" in f.metadata
    }


def populate(cls: type[betterproto2.Message], rng: random.Random) -> betterproto2.Message:
    """An instance of *cls* with random values in (some of) its scalar fields."""
    kwargs: dict[str, Any] = {}
    for name, meta in _metas(cls).items():
        if meta.repeated or meta.map_meta is not None or rng.random() < 0.4:
            continue
        value = random_scalar(rng, meta.proto_type)
        if value is not None:
            kwargs[name] = value
    try:
        message = cls(**kwargs)
        bytes(message)
    except Exception:  # a oneof group or a value the class refuses: keep the defaults
        message = cls()
    return message


def envelope_bytes(kind: str, payload: betterproto2.Message, cid: int = 0) -> bytes:
    variant: dict[str, Any] = {kind: payload}
    return bytes(rt.Envelope(cid=cid, **variant))


def chat_message(rng: random.Random, *, hostile: bool) -> api.ChannelMessage:
    """A plausible pushed chat message; *hostile*: content / byte lists from the hostile sets."""
    mention = api.MessageMentionList(mentions=[api.MessageMention(user_id=rng.getrandbits(63), s=0, e=5)])
    lists: dict[str, Any] = {
        "mentions": bytes(mention),
        "attachments": json.dumps([{"url": "https://x/y.png", "filetype": "image/png", "size": 5}]).encode(),
        "references": b"",
        "reactions": b"",
    }
    content = json.dumps({"t": f"hello {rng.random()}"})
    if hostile:
        content = rng.choice(HOSTILE_CONTENT)
        for name in lists:
            if rng.random() < 0.5:
                lists[name] = rng.choice(HOSTILE_LISTS)
    return api.ChannelMessage(
        clan_id=rng.getrandbits(63),
        channel_id=rng.getrandbits(63),
        message_id=rng.getrandbits(63) or 1,
        code=rng.choice([0, 0, 0, 1, 2, 3, 12, 14, 15, -1, 2**31 - 1]),
        sender_id=rng.getrandbits(63),
        username="alice",
        content=content,
        create_time_seconds=rng.getrandbits(32),
        update_time_seconds=rng.getrandbits(32),
        **lists,
    )


def valid_frames(rng: random.Random) -> list[tuple[str, bytes]]:
    """(variant, frame) for every variant, defaults and random scalars, plus chat messages."""
    out: list[tuple[str, bytes]] = []
    for kind, cls in VARIANTS.items():
        out.append((kind, envelope_bytes(kind, cls())))
        out.append((kind, envelope_bytes(kind, populate(cls, rng))))
    for _ in range(20):
        out.append(("channel_message", envelope_bytes("channel_message", chat_message(rng, hostile=False))))
    return out


def hostile_chat_frame(rng: random.Random) -> bytes:
    message = chat_message(rng, hostile=True)
    frame = envelope_bytes("channel_message", message)
    if rng.random() < 0.2:
        # invalid UTF-8 in a string field (content, 8): only hand-made bytes can carry it
        inner = bytes(dataclasses.replace(message, content="")) + field(8, _LEN, b"\xff\xfe\xc3")
        frame = field(FIELD_NUMBERS["channel_message"], _LEN, inner)
    return frame


def _fixed_or_varint(rng: random.Random, wire: int) -> bytes | int:
    if wire == _VARINT:
        return rng.getrandbits(rng.choice([7, 32, 64]))
    return rng.randbytes(4 if wire == _I32 else 8)


def wrong_wire_type_frame(rng: random.Random) -> bytes:
    """A known variant whose payload carries a field with the wrong wire type (or the variant itself)."""
    kind = rng.choice(list(VARIANTS))
    number = FIELD_NUMBERS[kind]
    if rng.random() < 0.3:  # the variant as a varint / fixed value instead of a message
        wire = rng.choice([_VARINT, _I32, _I64])
        return field(number, wire, _fixed_or_varint(rng, wire))
    fields = list(_metas(VARIANTS[kind]).values())
    inner = bytes(populate(VARIANTS[kind], rng))
    if fields:
        meta = rng.choice(fields)
        if meta.proto_type in ("string", "bytes", "message"):
            wire = rng.choice([_VARINT, _I32, _I64])
            inner += field(meta.number, wire, _fixed_or_varint(rng, wire))
        else:
            inner += field(meta.number, _LEN, rng.randbytes(rng.randint(0, 12)))
    return field(number, _LEN, inner)


def unknown_variant_frame(rng: random.Random) -> bytes:
    number = rng.choice([101, 102, 150, 1000, 2**29 - 1, rng.randint(101, 2**29 - 1)])
    wire = rng.choice([_VARINT, _LEN, _I32, _I64])
    value: bytes | int
    if wire == _VARINT:
        value = rng.getrandbits(64)
    elif wire == _LEN:
        value = rng.randbytes(rng.randint(0, 30))
    else:
        value = rng.randbytes(4 if wire == _I32 else 8)
    frame = field(number, wire, value)
    if rng.random() < 0.5:
        frame = field(1, _VARINT, rng.choice([0, rng.getrandbits(31)])) + frame
    return frame


def garbage(rng: random.Random) -> bytes:
    return rng.randbytes(rng.choice([0, 1, 2, 3, 7, 16, 64, 200]))


_INTERESTING = [0x00, 0x01, 0x07, 0x08, 0x0A, 0x0F, 0x12, 0x7F, 0x80, 0xFE, 0xFF]


def mutate(data: bytes, rng: random.Random, corpus: list[tuple[str, bytes]]) -> bytes:
    """Apply 1-3 random byte-level mutations."""
    buf = bytearray(data)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(10)
        i = rng.randrange(len(buf) + 1)
        if op == 0 and buf:  # flip bits
            buf[min(i, len(buf) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:  # truncate
            del buf[i:]
        elif op == 2:  # extend
            buf += rng.randbytes(rng.randint(1, 16))
        elif op == 3:  # insert
            buf[i:i] = rng.randbytes(rng.randint(1, 8))
        elif op == 4 and buf:  # delete a range
            del buf[i : i + rng.randint(1, 8)]
        elif op == 5 and buf:  # duplicate a range
            j = rng.randrange(len(buf))
            buf[i:i] = buf[j : j + rng.randint(1, 16)]
        elif op == 6 and buf:  # interesting byte
            buf[min(i, len(buf) - 1)] = rng.choice(_INTERESTING)
        elif op == 7:  # varint that never ends / is too long
            buf[i:i] = b"\xff" * rng.randint(9, 12) + b"\x01"
        elif op == 8:  # splice with another frame
            other = rng.choice(corpus)[1]
            buf = buf[:i] + other[rng.randrange(len(other) + 1) :]
        elif op == 9:  # huge length prefix
            buf[i:i] = b"\x12" + varint(rng.choice([2**31, 2**63, len(buf) + 1]))
    return bytes(buf)


def chunk_case(rng: random.Random, live_cids: list[int]) -> list[bytes]:
    """0xFF frames answering a pending (or unknown) cid: valid, missing FIN, interleaved,
    failed status with garbage payload, bad headers."""
    cid = rng.choice(live_cids) if live_cids and rng.random() < 0.85 else rng.randrange(0x10000)
    payload = (
        bytes(rt.ChannelMessageUpdate(message_id=rng.getrandbits(63), content='{"t": "x"}'))
        if rng.random() < 0.5
        else rng.randbytes(rng.randint(0, 300))
    )
    status = rng.choice([0, 0, 0, 400, 404, 429, 500, 503, 0xFFFF])
    frames = encode_raw_frames(cid, payload, status=status, chunk_size=rng.choice([None, 1, 7, 64]))
    shape = rng.randrange(7)
    if shape == 1:  # FIN never comes
        frames = frames[:-1] if len(frames) > 1 else [_without_fin(frames[0])]
    elif shape == 2 and len(live_cids) > 1:  # interleaved with another cid's chunks
        other = rng.choice([c for c in live_cids if c != cid])
        others = encode_raw_frames(other, rng.randbytes(50), chunk_size=10)
        mixed = frames + others
        rng.shuffle(mixed)
        frames = mixed
    elif shape == 3:  # FIN first, then more chunks
        frames = frames[-1:] + frames[:-1]
    elif shape == 4:  # a header cut short
        frames = [f[: rng.randint(1, 6)] for f in frames[:2]]
    elif shape == 5:  # status only on a middle chunk, garbage after FIN
        frames = [*frames, struct.pack(">BHI", 0xFF, cid, 500 << 16) + rng.randbytes(10)]
    return frames


def _without_fin(frame: bytes) -> bytes:
    marker, cid, code = struct.unpack_from(">BHI", frame)
    return struct.pack(">BHI", marker, cid, code & 0xFFFF0000) + frame[7:]


def touch_message(msg: Message) -> None:
    """Read every property of a Message, as an application would."""
    for name in (
        "id", "clan_id", "channel_id", "sender_id", "username", "display_name", "clan_nick", "avatar",
        "code", "mode", "is_public", "topic_id", "create_time_seconds", "update_time_seconds",
        "is_edit", "is_delete", "content", "text", "mentions", "attachments", "references", "reactions",
    ):  # fmt: skip
        getattr(msg, name)
    message_payload(msg)
    repr(msg)
    str(msg)


class CountingHandler(logging.Handler):
    """Counts records per level; keeps the ERROR-and-above ones."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.counts: collections.Counter[int] = collections.Counter()
        self.errors: list[str] = []
        self.bad_frame_warnings = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.counts[record.levelno] += 1
        if record.levelno >= logging.ERROR:
            self.errors.append(f"{record.name}: {record.getMessage()} {record.exc_info!r}")
        elif record.levelno == logging.WARNING and "bad" in record.msg:
            self.bad_frame_warnings += 1


class ReceiveHarness:
    """The client's receive path without a socket.

    ``feed(frame)`` runs what the gateway's reader task runs per frame
    (``Gateway._on_frame``: 0xFF routing and chunk reassembly, the cid/variant
    peek, replies to pending requests, pushes) and, for pushes, the client's
    ``_on_push`` (skip or decode, the replay filter, internal handling, the
    hub).  One subscription to every variant is drained after each frame
    (``receive_nowait``, synchronously) and its filter reads every ``Message``
    property, like a consumer would.
    Eight 0xFF requests stay pending so chunk sequences reach the assembler.
    """

    def __init__(self, client_id: int = 1840000000000000001) -> None:
        self.client = MezonClient(client_id, "fuzz-api-key", "127.0.0.1", "9", use_ssl=False)
        # White-box: the harness drives the gateway's per-frame handler without a socket.
        core = services_of(self.client).core
        self.gateway = core.gateway
        self.read_errors: list[str] = []
        self.delivered: collections.Counter[str] = collections.Counter()
        self.raw_answers: collections.Counter[str] = collections.Counter()
        kinds = [*VARIANT_FIELD_NUMBERS, Events.PROTOCOL_ERROR]
        self.subscription = core.hub.subscribe(*kinds, buffer=64, overflow="drop_newest", filter=self._read)
        self._pending: dict[int, _Waiter] = {}
        self._arm()

    def _arm(self) -> None:
        correlator = self.gateway._correlator
        for cid, waiter in list(self._pending.items()):
            if waiter.fired:
                if waiter.response is not None:
                    self.raw_answers["status 0" if waiter.response.status == 0 else "failed status"] += 1
                else:
                    self.raw_answers["envelope" if waiter.data is not None else "error"] += 1
                correlator.release(cid)
                self.gateway._chunks.forget(cid)
                del self._pending[cid]
        while len(self._pending) < 8:
            waiter = _Waiter(raw=True)
            self._pending[correlator.register(waiter)] = waiter

    @property
    def live_cids(self) -> list[int]:
        return list(self._pending)

    def _read(self, event: Any) -> bool:
        try:
            payload = event.payload
            if isinstance(payload, Message):
                touch_message(payload)
            elif isinstance(payload, ProtocolErrorEvent):
                str(payload.error)
            self.delivered[str(event.kind)] += 1
        except Exception as exc:  # a payload an application cannot read: a bug
            self.read_errors.append(f"{event.kind}: {exc!r}")
        return False

    def feed(self, frame: bytes) -> None:
        self.gateway._on_frame(frame)
        while True:  # the filter reads each event and keeps none
            try:
                self.subscription.receive_nowait()
            except trio.WouldBlock:
                break
        self._arm()


def generators(
    rng: random.Random, corpus: list[tuple[str, bytes]], harness: ReceiveHarness
) -> Iterator[tuple[str, Callable[[], list[bytes]]]]:
    """Weighted (name, make_frames) choices for one fuzz case, forever."""
    table: list[tuple[str, int, Callable[[], list[bytes]]]] = [
        ("mutated", 40, lambda: [mutate(rng.choice(corpus)[1], rng, corpus)]),
        ("valid", 10, lambda: [rng.choice(corpus)[1]]),
        ("hostile_chat", 15, lambda: [hostile_chat_frame(rng)]),
        ("wrong_wire_type", 10, lambda: [wrong_wire_type_frame(rng)]),
        ("unknown_variant", 5, lambda: [unknown_variant_frame(rng)]),
        ("garbage", 10, lambda: [garbage(rng)]),
        ("chunks", 10, lambda: chunk_case(rng, harness.live_cids)),
    ]
    names = [t[0] for t in table]
    weights = [t[1] for t in table]
    makers = {t[0]: t[2] for t in table}
    while True:
        name = rng.choices(names, weights)[0]
        yield name, makers[name]
