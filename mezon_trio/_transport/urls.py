"""URL rules: login base, API base and WebSocket URL from a Session (docs/protocol.md §2.4, §3.1).

Pure functions, no I/O.  :func:`redact_url` strips query strings, fragments and
user info, because the WebSocket URL carries the session token (STYLE.md §8).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, urlsplit, urlunsplit

__all__ = [
    "api_base_url",
    "login_base_url",
    "redact_url",
    "rpc_url",
    "ws_base_url",
    "ws_connect_url",
]

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_WS_FOR: Final = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}


def _scheme_of(url: str) -> str | None:
    m = _SCHEME.match(url)
    return m.group(1).lower() if m else None


def login_base_url(host: str, port: str | int, use_ssl: bool) -> str:
    """``http[s]://host:port`` for the login call (the port is always written, like PY)."""
    host = host.strip()
    scheme = _scheme_of(host)
    if scheme is not None:
        # Tolerate a host given with a scheme ("https://gw.mezon.ai").
        host = host[len(scheme) + 3 :]
    host = host.rstrip("/")
    return f"{'https' if use_ssl else 'http'}://{host}:{port}"


def api_base_url(api_url: str, *, use_ssl: bool, login_base: str) -> str:
    """Base URL for RPCs (§2.4 rule 4), without a trailing slash.

    An empty ``api_url`` reuses the login base; one without a scheme gets
    ``https`` (``http`` when ``use_ssl`` is off).
    """
    api_url = api_url.strip()
    if not api_url:
        return login_base.rstrip("/")
    if _scheme_of(api_url) is None:
        api_url = f"{'https' if use_ssl else 'http'}://{api_url}"
    return api_url.rstrip("/")


def ws_base_url(ws_url: str, *, api_url: str, use_ssl: bool, login_base: str) -> str:
    """The WebSocket endpoint without its query string, ending in ``/ws`` (§2.4 rules 1-5).

    1. ``ws://``/``wss://`` is used as given; ``http(s)://`` maps to ``ws(s)://``.
    2. A bare ``host[:port][/path]`` gets ``wss`` if ``api_url`` is https, ``ws``
       if it is http, else the ``use_ssl`` option decides.
    3. An empty ``ws_url`` falls back to the API host and port.
    5. Any path is kept and ``/ws`` appended.

    Raises:
        ValueError: ``ws_url`` has a scheme other than ws/wss/http/https.
    """
    ws_url = ws_url.strip()
    api_scheme = _scheme_of(api_url.strip())
    if not ws_url:
        base = api_base_url(api_url, use_ssl=use_ssl, login_base=login_base)
        parts = urlsplit(base)
        scheme = _WS_FOR.get(parts.scheme.lower(), "wss" if use_ssl else "ws")
        return urlunsplit((scheme, parts.netloc, _ws_path(parts.path), "", ""))
    given = _scheme_of(ws_url)
    if given is None:
        if api_scheme in ("https", "wss"):
            scheme = "wss"
        elif api_scheme in ("http", "ws"):
            scheme = "ws"
        else:
            scheme = "wss" if use_ssl else "ws"
        ws_url = f"{scheme}://{ws_url}"
    elif given not in _WS_FOR:
        raise ValueError(f"unsupported ws_url scheme {given!r}")
    parts = urlsplit(ws_url)
    return urlunsplit((_WS_FOR[parts.scheme.lower()], parts.netloc, _ws_path(parts.path), "", ""))


def _ws_path(path: str) -> str:
    path = path.rstrip("/")
    # A ws_url that already names the endpoint is not doubled ("…/ws/ws").
    return path if path.endswith("/ws") else f"{path}/ws"


def ws_connect_url(base: str, token: str) -> str:
    """The full WebSocket URL with the query of §3.1 (the token URL-encoded).

    Never log the result; log :func:`redact_url` of it.
    """
    return f"{base}?lang=en&status=true&token={quote(token, safe='')}&format=protobuf"


def rpc_url(api_base: str, method: str) -> str:
    """``{api_base}/mezon.api.Mezon/{method}``."""
    return f"{api_base}/mezon.api.Mezon/{method}"


def redact_url(url: str) -> str:
    """*url* without query string, fragment or user info: safe to log."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable url>"
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))
