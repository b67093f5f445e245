"""WebSocket frame codec: Envelopes and raw API-response (0xFF) frames.

docs/protocol.md §3.2 and §3.5: every binary frame is one serialized
``mezon.realtime.Envelope``, except frames whose first byte is ``0xFF``, which
carry a chunk of the answer to an ``api_request_event``::

    0xFF | cid (uint16 BE) | code (uint32 BE: status << 16 | fin) | payload

``fin == 0x00FF`` marks the last chunk.  An Envelope can never start with
0xFF (wire type 7 does not exist), so the two are unambiguous.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from .._proto import hotcodec
from .._proto.mezon import realtime as rt
from ..errors import ProtocolError

__all__ = [
    "FIN",
    "RAW_MARKER",
    "RawFrame",
    "decode_envelope",
    "encode_envelope",
    "encode_raw_frames",
    "is_raw_frame",
    "parse_raw_frame",
]

RAW_MARKER: Final = 0xFF
FIN: Final = 0x00FF
_RAW_HEADER = struct.Struct(">BHI")


def encode_envelope(envelope: rt.Envelope) -> bytes:
    """Serialize *envelope* for one binary WebSocket frame."""
    return hotcodec.encode_envelope(envelope)  # generated fast path for channel_message_send


def decode_envelope(data: bytes | bytearray | memoryview) -> rt.Envelope:
    """Parse one binary frame as an Envelope.

    Raises:
        ProtocolError: the bytes are not a valid Envelope (truncated, wrong
            wire types, a raw 0xFF frame passed by mistake).
    """
    if data[:1] == b"\xff":
        raise ProtocolError("raw 0xFF frame is not an Envelope")
    try:
        # Generated fast path for the hot variants (channel_message, its ack); generic otherwise.
        return hotcodec.decode_envelope(bytes(data))
    except Exception as exc:  # betterproto2 raises ValueError/IndexError/UnicodeDecodeError/...
        raise ProtocolError(f"malformed Envelope frame ({len(data)} bytes): {type(exc).__name__}") from exc


def is_raw_frame(data: bytes | bytearray | memoryview) -> bool:
    """True if *data* is a raw API-response frame rather than an Envelope."""
    return len(data) > 0 and data[0] == RAW_MARKER


@dataclass(frozen=True, slots=True)
class RawFrame:
    """One chunk of an API-bridge answer."""

    cid: int
    status: int
    fin: bool
    payload: bytes


def parse_raw_frame(data: bytes | bytearray | memoryview) -> RawFrame:
    """Split a raw 0xFF frame into its header fields and payload.

    Raises:
        ProtocolError: shorter than the 7-byte header or not starting with 0xFF.
    """
    if len(data) < _RAW_HEADER.size:
        raise ProtocolError(f"raw frame too short ({len(data)} bytes)")
    marker, cid, code = _RAW_HEADER.unpack_from(data)
    if marker != RAW_MARKER:
        raise ProtocolError("raw frame does not start with 0xFF")
    return RawFrame(
        cid=cid, status=code >> 16, fin=(code & 0xFFFF) == FIN, payload=bytes(data[_RAW_HEADER.size :])
    )


def encode_raw_frames(
    cid: int, payload: bytes, *, status: int = 0, chunk_size: int | None = None
) -> list[bytes]:
    """Build the raw frames answering request *cid* (the sandbox side).

    The payload is split into chunks of at most *chunk_size* bytes (one chunk
    when ``None``); only the last carries the FIN flag.
    """
    if not 0 <= status <= 0xFFFF:
        raise ValueError(f"status out of range: {status}")
    cid16 = cid & 0xFFFF
    if chunk_size is None or chunk_size <= 0 or len(payload) <= chunk_size:
        chunks = [payload]
    else:
        chunks = [payload[i : i + chunk_size] for i in range(0, len(payload), chunk_size)]
    frames = []
    for i, chunk in enumerate(chunks):
        fin = FIN if i == len(chunks) - 1 else 0
        frames.append(_RAW_HEADER.pack(RAW_MARKER, cid16, (status << 16) | fin) + chunk)
    return frames
