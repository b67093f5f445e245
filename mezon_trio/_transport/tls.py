"""TLS failure helpers shared by the HTTP and WebSocket transports."""

from __future__ import annotations

import ssl

__all__ = ["certificate_error", "describe_certificate_error"]


def certificate_error(exc: BaseException) -> ssl.SSLCertVerificationError | None:
    """The certificate verification failure behind *exc* (its cause/context chain), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLCertVerificationError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def describe_certificate_error(error: ssl.SSLCertVerificationError) -> str:
    """``"TLS certificate verification failed: <why>"`` (e.g. "self-signed certificate")."""
    why = error.verify_message or error.reason or "untrusted certificate"
    return f"TLS certificate verification failed: {why}"
