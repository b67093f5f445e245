"""Decoding on the receive path: the generated fast decoders first, the checked generic path otherwise.

The reader decodes every push somebody listens to and every reply.  The
generic route is ``decode_envelope`` (betterproto2) followed by a field type
check (:mod:`.typecheck`), because betterproto2 keeps wrongly typed values
after a wire-type mismatch.  :func:`.hotcodec.decode_envelope_fast` (generated
from ``proto/``) handles the hot variants -- pushed chat messages and send
acks -- several times faster and only ever produces exactly typed fields, so
its results skip the check.  Anything it does not take goes the generic way,
and both ways give equal results (``tests/protocol/test_hotcodec.py``).
"""

from __future__ import annotations

from typing import Any

from .._proto.hotcodec import _ENVELOPE_DEFAULTS, _channel_message_fast, decode_envelope_fast, split_envelope
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .frames import decode_envelope
from .typecheck import check_envelope, check_payload

__all__ = ["decode_channel_message_push", "decode_push", "decode_reply", "envelope_with"]

_F_CHANNEL_MESSAGE = 6  # Envelope.channel_message


def envelope_with(name: str, payload: Any) -> rt.Envelope:
    """``rt.Envelope(**{name: payload})``: an Envelope carrying one variant, cid 0.

    Built the way the fast decoders build theirs (the defaults' dict, then the variant),
    without the generated ``__init__`` over the Envelope's 99 fields (about 10 µs, more
    than encoding a whole send).  *name* must be one of the Envelope's variant fields.
    """
    fields = dict(_ENVELOPE_DEFAULTS)
    if name not in fields or name == "cid" or name == "_unknown_fields":
        raise ValueError(f"Envelope has no variant {name!r}")
    fields[name] = payload
    env: rt.Envelope = object.__new__(rt.Envelope)
    env.__dict__ = fields
    return env


def decode_channel_message_push(data: bytes) -> api.ChannelMessage | None:
    """The chat message of a ``channel_message`` push when the fast decoder takes it, else None.

    Returns what ``decode_envelope_fast(data).channel_message`` returns, without building the
    Envelope around it (its 99 defaults cost about 0.6 µs); None means "use :func:`decode_push`".
    """
    split = split_envelope(data)
    if split is None or split[1] != _F_CHANNEL_MESSAGE:
        return None
    return _channel_message_fast(data, split[2])


def decode_push(data: bytes, kind: str) -> rt.Envelope:
    """Decode a push whose variant is *kind* (the peeked field name) and check that payload's types.

    Raises:
        ProtocolError: the frame is not a valid Envelope, or the payload holds a wrongly typed value.
    """
    envelope = decode_envelope_fast(data)
    if envelope is not None:
        return envelope
    envelope = decode_envelope(data)
    check_payload(envelope, kind)
    return envelope


def decode_reply(data: bytes) -> rt.Envelope:
    """Decode a reply Envelope and check it (types of its cid and variant, one variant at most).

    Raises:
        ProtocolError: the frame is not a valid Envelope, or the check fails.
    """
    envelope = decode_envelope_fast(data)
    if envelope is not None:
        return envelope
    envelope = decode_envelope(data)
    check_envelope(envelope)
    return envelope
