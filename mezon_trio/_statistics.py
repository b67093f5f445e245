"""``ClientStatistics``: a snapshot of one client's counters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from ._ratelimit import RateLimiterStatistics
from ._transport.gateway import GatewayStatistics
from .events import HubStatistics

__all__ = ["ClientStatistics"]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClientStatistics:
    """A snapshot of a client's counters (``client.statistics()``).

    Attributes:
        state: the lifecycle state (``new``, ``opening``, ``running``, ``closing``, ``closed``).
        gateway: the socket's counters (frames, pending requests, heartbeats).
        hub: the event hub's counters (subscribers, delivered, dropped, overflows).
        api_limiter: the API rate limiter's counters.
        pushes_decoded, pushes_skipped: pushes decoded, and skipped because nobody listened.
        protocol_errors: undecodable pushes skipped.
        reconnects: reconnections after unintended disconnects.
        logins, refreshes: logins (incl. re-logins) and session refreshes.
        internal_dropped: automatic joins dropped because their queue was full.
        duplicates_dropped: chat message pushes delivered twice by the server and dropped.
        own_messages_dropped: the bot's own echoed chat messages dropped (``ignore_own_messages``).
    """

    state: str
    gateway: GatewayStatistics
    hub: HubStatistics
    api_limiter: RateLimiterStatistics
    pushes_decoded: int
    pushes_skipped: int
    protocol_errors: int
    reconnects: int
    logins: int
    refreshes: int
    internal_dropped: int
    duplicates_dropped: int = 0
    own_messages_dropped: int = 0
