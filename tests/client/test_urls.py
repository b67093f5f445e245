"""docs/protocol.md §2.4 URL rules, and redaction of credentialed URLs."""

from __future__ import annotations

import pytest

from mezon_trio._transport.urls import (
    api_base_url,
    login_base_url,
    redact_url,
    rpc_url,
    ws_base_url,
    ws_connect_url,
)

LOGIN = "https://gw.mezon.ai:443"


def test_login_base() -> None:
    assert login_base_url("gw.mezon.ai", "443", True) == "https://gw.mezon.ai:443"
    assert login_base_url("127.0.0.1", 7350, False) == "http://127.0.0.1:7350"
    assert login_base_url("https://gw.mezon.ai/", "443", True) == "https://gw.mezon.ai:443"


@pytest.mark.parametrize(
    ("api_url", "use_ssl", "expected"),
    [
        ("https://api.mezon.ai", True, "https://api.mezon.ai"),
        ("http://127.0.0.1:7350/", True, "http://127.0.0.1:7350"),
        ("api.mezon.ai", True, "https://api.mezon.ai"),
        ("127.0.0.1:7350", False, "http://127.0.0.1:7350"),
        ("", True, LOGIN),
    ],
)
def test_api_base(api_url: str, use_ssl: bool, expected: str) -> None:
    assert api_base_url(api_url, use_ssl=use_ssl, login_base=LOGIN) == expected


@pytest.mark.parametrize(
    ("ws_url", "api_url", "use_ssl", "expected"),
    [
        # Rule 1: explicit ws/wss scheme wins, whatever use_ssl says.
        ("ws://127.0.0.1:7351", "https://x", True, "ws://127.0.0.1:7351/ws"),
        ("wss://sock.mezon.ai", "http://x", False, "wss://sock.mezon.ai/ws"),
        ("https://sock.mezon.ai", "", False, "wss://sock.mezon.ai/ws"),
        ("http://sock.mezon.ai:80", "", True, "ws://sock.mezon.ai:80/ws"),
        # Rule 2: bare host takes its scheme from api_url, else from use_ssl.
        ("sock.mezon.ai", "https://api.mezon.ai", False, "wss://sock.mezon.ai/ws"),
        ("127.0.0.1:7351", "http://127.0.0.1:7350", True, "ws://127.0.0.1:7351/ws"),
        ("localhost:7351", "api.mezon.ai", False, "ws://localhost:7351/ws"),
        ("localhost:7351", "api.mezon.ai", True, "wss://localhost:7351/ws"),
        # Rule 3: empty ws_url -> API host and port.
        ("", "http://127.0.0.1:7350", True, "ws://127.0.0.1:7350/ws"),
        ("", "", True, "wss://gw.mezon.ai:443/ws"),
        # Rule 5: keep the path.
        ("sock.mezon.ai/gateway/", "https://a", True, "wss://sock.mezon.ai/gateway/ws"),
        ("ws://h:1/ws", "", True, "ws://h:1/ws"),
        # A query in ws_url is dropped (we add our own).
        ("ws://h:1/?x=1", "", True, "ws://h:1/ws"),
    ],
)
def test_ws_base(ws_url: str, api_url: str, use_ssl: bool, expected: str) -> None:
    assert ws_base_url(ws_url, api_url=api_url, use_ssl=use_ssl, login_base=LOGIN) == expected


def test_ws_bad_scheme() -> None:
    with pytest.raises(ValueError, match="ftp"):
        ws_base_url("ftp://h", api_url="", use_ssl=True, login_base=LOGIN)


def test_connect_url_and_redaction() -> None:
    url = ws_connect_url("wss://h/ws", "a.b+c/d=")
    assert url == "wss://h/ws?lang=en&status=true&token=a.b%2Bc%2Fd%3D&format=protobuf"
    assert redact_url(url) == "wss://h/ws"
    assert redact_url("https://user:secret@h:1/p?token=x#frag") == "https://h:1/p"
    assert "secret" not in redact_url("https://user:secret@h:1/p")


def test_rpc_url() -> None:
    assert rpc_url("http://h:1", "ListClanDescs") == "http://h:1/mezon.api.Mezon/ListClanDescs"
