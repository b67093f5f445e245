"""Minimal HS256 JSON Web Tokens for the sandbox (docs/protocol.md §2.3).

No SDK verifies signatures, but the sandbox does (so a forged or foreign token
is refused with 401 like production would), and it checks ``exp`` against the
wall clock. Only what the sandbox issues is accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

__all__ = ["decode_jwt", "encode_jwt"]

_HEADER = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


def _unb64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def encode_jwt(claims: dict[str, Any], key: bytes) -> str:
    """Sign *claims* (must be JSON-serializable) with HS256."""
    payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
    signing_input = _HEADER + b"." + payload
    sig = _b64(hmac.new(key, signing_input, hashlib.sha256).digest())
    return (signing_input + b"." + sig).decode("ascii")


def decode_jwt(token: str, key: bytes, *, now: float | None = None) -> dict[str, Any] | None:
    """Return the claims of a valid token signed with *key*, else ``None``.

    Invalid structure, a wrong signature, and (when *now* is given) an ``exp``
    at or before *now* all give ``None``; this never raises.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        signing_input = (parts[0] + "." + parts[1]).encode("ascii")
        expected = hmac.new(key, signing_input, hashlib.sha256).digest()
        if not hmac.compare_digest(expected, _unb64(parts[2])):
            return None
        claims = json.loads(_unb64(parts[1]))
    except (ValueError, UnicodeError):
        return None
    if not isinstance(claims, dict):
        return None
    if now is not None:
        exp = claims.get("exp")
        if not isinstance(exp, int | float) or exp <= now:
            return None
    return claims
