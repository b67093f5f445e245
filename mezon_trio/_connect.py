"""``connect_mezon``: start a client whose tasks run in the caller's nursery.

Its parameters are the constructor's, written out so that type checkers and the reference
show them (a test keeps the two signatures identical).
"""

from __future__ import annotations

import logging
import ssl

import httpx
import trio

from ._catchup import CatchUpConfig, CursorStore
from ._client import MezonClient
from ._connection.config import DEFAULT_RECONNECT
from ._connection.supervisor import ReconnectPolicy
from ._protocol.ids import Id
from ._services.media import DEFAULT_MEDIA_URL
from ._transport.gateway import WsConnect

__all__ = ["connect_mezon"]


async def connect_mezon(
    nursery: trio.Nursery,
    client_id: Id,
    api_key: str,
    host: str = "gw.mezon.ai",
    port: str | int = "443",
    use_ssl: bool = True,
    timeout: int = 7000,  # noqa: ASYNC109  (the constructor's request deadline in ms, not this call's)
    enable_logging: bool = False,
    log_level: int = logging.INFO,
    *,
    mmn_api_url: str = "https://dong.mezon.ai/mmn-api/",
    zk_api_url: str = "https://dong.mezon.ai/zk-api/",
    ssl_context: ssl.SSLContext | None = None,
    heartbeat_interval: float = 10.0,
    heartbeat_timeout: float = 10.0,
    reconnect: ReconnectPolicy = DEFAULT_RECONNECT,
    ws_rate_limit: float = 80.0,
    api_rate_limit: float | None = None,
    api_burst: int = 5,
    max_frame_size: int = 4 << 20,
    connect_timeout: float = 30.0,
    close_timeout: float = 5.0,
    http_transport: httpx.AsyncBaseTransport | None = None,
    ws_connect: WsConnect | None = None,
    ignore_own_messages: bool = True,
    agent_event_url: str = "",
    media_url: str = DEFAULT_MEDIA_URL,
    catch_up: bool | CatchUpConfig = True,
    cursor_store: CursorStore | None = None,
) -> MezonClient:
    """Start a :class:`MezonClient` whose tasks run in *nursery*; return it once ready.

    Takes the same arguments as :class:`MezonClient`; the same as ``await
    nursery.start(MezonClient(...).run)``.  The caller must ``await client.aclose()``;
    cancelling *nursery* also closes it.  Failures of the client's tasks reach *nursery* as
    :class:`~mezon_trio.errors.MezonError` subclasses.

    Raises:
        AuthenticationError, HandshakeError, MezonError: login failed (nothing is left running).
        InvalidArgument: a bad argument.
    """
    client = MezonClient(
        client_id=client_id,
        api_key=api_key,
        host=host,
        port=port,
        use_ssl=use_ssl,
        timeout=timeout,
        enable_logging=enable_logging,
        log_level=log_level,
        mmn_api_url=mmn_api_url,
        zk_api_url=zk_api_url,
        ssl_context=ssl_context,
        heartbeat_interval=heartbeat_interval,
        heartbeat_timeout=heartbeat_timeout,
        reconnect=reconnect,
        ws_rate_limit=ws_rate_limit,
        api_rate_limit=api_rate_limit,
        api_burst=api_burst,
        max_frame_size=max_frame_size,
        connect_timeout=connect_timeout,
        close_timeout=close_timeout,
        http_transport=http_transport,
        ws_connect=ws_connect,
        ignore_own_messages=ignore_own_messages,
        agent_event_url=agent_event_url,
        media_url=media_url,
        catch_up=catch_up,
        cursor_store=cursor_store,
    )
    started: MezonClient = await nursery.start(client.run, name=f"mezon-client:{client.client_id}")
    return started
