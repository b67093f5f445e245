"""``ClientConfig``: a client's settings, checked once (the constructor's arguments)."""

from __future__ import annotations

import ssl
from dataclasses import dataclass, field
from typing import Final, final

import httpx

from .._transport.gateway import WsConnect
from .._transport.urls import login_base_url
from ..errors import InvalidArgument
from .supervisor import ReconnectPolicy

__all__ = ["ClientConfig"]

DEFAULT_RECONNECT: Final = ReconnectPolicy()


def _positive(name: str, value: float) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
        raise InvalidArgument(f"{name} must be a positive number, got {value!r}")


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClientConfig:
    """The settings of one client (see :class:`~mezon_trio.MezonClient` for each); the API key
    is kept out of the repr.

    Raises:
        InvalidArgument: a setting is invalid.
    """

    client_id: int
    api_key: str = field(repr=False)
    host: str = "gw.mezon.ai"
    port: str = "443"
    use_ssl: bool = True
    timeout_ms: int = 7000
    mmn_api_url: str = "https://dong.mezon.ai/mmn-api/"
    zk_api_url: str = "https://dong.mezon.ai/zk-api/"
    ssl_context: ssl.SSLContext | None = None
    heartbeat_interval: float = 10.0
    heartbeat_timeout: float = 10.0
    reconnect: ReconnectPolicy = DEFAULT_RECONNECT
    ws_rate_limit: float = 80.0
    api_rate_limit: float | None = None  # None: no client-side pacing (the server's 429s pace us)
    api_burst: int = 5
    max_frame_size: int = 4 << 20
    connect_timeout: float = 30.0
    close_timeout: float = 5.0
    http_transport: httpx.AsyncBaseTransport | None = None
    ws_connect: WsConnect | None = None
    ignore_own_messages: bool = True
    agent_event_url: str = ""
    media_url: str = "https://stn.mezon.ai/api/playmedia"

    def __post_init__(self) -> None:
        if not isinstance(self.api_key, str) or not self.api_key:
            raise InvalidArgument("api_key must be a non-empty string")
        for name in ("timeout_ms", "heartbeat_timeout", "ws_rate_limit", "api_rate_limit"):
            if getattr(self, name) is not None:
                _positive(name.removesuffix("_ms"), getattr(self, name))
        for name in ("connect_timeout", "close_timeout"):
            _positive(name, getattr(self, name))
        if self.heartbeat_interval < 0:
            raise InvalidArgument("heartbeat_interval must be >= 0 (0 disables heartbeats)")
        if self.api_burst < 1 or self.max_frame_size < 1024:
            raise InvalidArgument("api_burst must be >= 1 and max_frame_size >= 1024")
        if not isinstance(self.reconnect, ReconnectPolicy):
            raise InvalidArgument("reconnect must be a ReconnectPolicy")

    @property
    def login_url(self) -> str:
        """``http[s]://host:port`` of the login gateway."""
        return login_base_url(self.host, self.port, self.use_ssl)

    @property
    def timeout(self) -> float:
        """The default request deadline in seconds."""
        return self.timeout_ms / 1000
