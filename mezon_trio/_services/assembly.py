"""Building one client's pieces from its :class:`~mezon_trio._connection.config.ClientConfig`.

The order matters only where a piece needs another at construction: the gateway calls the
inbound path for every push, the inbound path needs the core, and entities need the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

import trio

from .._connection.config import ClientConfig
from .._connection.core import ConnectionCore
from .._connection.lifecycle import Runner
from .._connection.rawapi import RawApi
from .._connection.supervisor import Supervisor
from .._dispatch.inbound import Inbound
from .._session import SessionManager
from .._streams import EventHub
from .._transport.gateway import Gateway
from .._transport.rest import RestClient
from .context import Services
from .directory import DirectoryService
from .features import Features
from .friends import FriendsService
from .messaging import MessagingService
from .quickmenu import QuickMenus
from .tokens import TokenTransfers

__all__ = ["Parts", "assemble"]


@final
@dataclass(frozen=True, slots=True)
class Parts:
    """The pieces of one client."""

    core: ConnectionCore
    services: Services
    inbound: Inbound
    supervisor: Supervisor
    runner: Runner
    raw: RawApi


def assemble(config: ClientConfig) -> Parts:
    """Build every piece of a client from *config* (no I/O, no task started)."""
    rest = RestClient(
        login_base=config.login_url,
        timeout=config.timeout,
        api_rate=config.api_rate_limit,
        api_burst=config.api_burst,
        ssl_context=config.ssl_context,
        http_transport=config.http_transport,
    )
    session = SessionManager(rest, config.client_id, config.api_key, use_ssl=config.use_ssl)
    services: Services
    hub = EventHub(message_factory=lambda raw: services.directory.make_message(raw))
    inbound = Inbound(ignore_own_messages=config.ignore_own_messages)
    gateway = Gateway(
        timeout=config.timeout,
        on_push=inbound.on_push,
        on_protocol_error=inbound.on_protocol_error,
        ws_rate=config.ws_rate_limit,
        max_frame_size=config.max_frame_size,
        heartbeat_interval=config.heartbeat_interval,
        heartbeat_timeout=config.heartbeat_timeout,
        connect_timeout=config.connect_timeout,
        close_timeout=config.close_timeout,
        ssl_context=config.ssl_context,
        ws_connect=config.ws_connect,
    )
    core = ConnectionCore(client_id=config.client_id, rest=rest, session=session, gateway=gateway, hub=hub)
    services = Services(core)
    services.directory = directory = DirectoryService(services)
    services.messaging = messaging = MessagingService(services, directory)
    services.friends = FriendsService(core)
    services.tokens = TokenTransfers(
        core, messaging, mmn_api_url=config.mmn_api_url, zk_api_url=config.zk_api_url, timeout=config.timeout
    )
    services.quick_menus = QuickMenus(core)
    services.features = features = Features(core, config)
    inbound.bind(core, directory.make_message)
    supervisor = Supervisor(
        core,
        config.reconnect,
        login_url=config.login_url,
        use_ssl=config.use_ssl,
        on_clans_listed=directory.on_clans_listed,
        on_dm_listed=directory.on_dm_channels_listed,
    )

    async def start_joins(nursery: trio.Nursery) -> None:
        await nursery.start(inbound.run_internal_joins, name="mezon-internal-joins")

    runner = Runner(
        core,
        supervisor,
        close_timeout=config.close_timeout,
        starters=[start_joins, features.start_agent_events],
    )
    return Parts(core, services, inbound, supervisor, runner, RawApi(core))
