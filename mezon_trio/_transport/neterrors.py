"""Network failures in words a user can act on: which host and port, and why.

``describe_network_error`` walks an exception's cause/context chain (and the first member of
any exception group in it: trio's "all attempts to connect ... failed" holds one error per
address) down to the operating system's reason, e.g. "connection refused", "unknown host".
``root_os_error`` returns that error, for a short ``__cause__``.
"""

from __future__ import annotations

import errno
import socket

__all__ = ["describe_network_error", "hostport", "root_os_error"]

_REASONS = {
    errno.ECONNREFUSED: "connection refused (nothing listens on that port: is the server running?)",
    errno.ECONNRESET: "connection reset by the server",
    errno.ETIMEDOUT: "timed out",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.EADDRNOTAVAIL: "address not available",
    errno.ECONNABORTED: "connection aborted",
    errno.EADDRINUSE: "address already in use",
    errno.EACCES: "permission denied",
}


def _chain(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        current = todo.pop(0)
        if id(current) in seen:
            continue
        seen.add(id(current))
        out.append(current)
        if isinstance(current, BaseExceptionGroup) and current.exceptions:
            todo.append(current.exceptions[0])
        nxt = current.__cause__ or current.__context__
        if nxt is not None:
            todo.append(nxt)
    return out


def root_os_error(exc: BaseException) -> OSError | None:
    """The operating system error deepest in *exc*'s chain (one with an errno, or a DNS error)."""
    found: OSError | None = None
    for current in _chain(exc):
        if isinstance(current, socket.gaierror) or (isinstance(current, OSError) and current.errno):
            found = current
    return found


def describe_network_error(exc: BaseException) -> str:
    """Why a connection failed, in a few words (falls back to the exception's own text)."""
    root = root_os_error(exc)
    if isinstance(root, socket.gaierror):
        return f"unknown host ({root.strerror or root})"
    if root is not None and root.errno is not None:
        reason = _REASONS.get(root.errno)
        if reason is not None:
            return reason
        return (root.strerror or str(root)).lower()
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def hostport(host: str | None, port: int | None, *, scheme: str = "") -> str:
    """``host:port`` (port from the scheme's default when absent)."""
    if port is None:
        port = {"https": 443, "wss": 443, "http": 80, "ws": 80}.get(scheme)
    if not host:
        return "?"
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}" if port is not None else shown
