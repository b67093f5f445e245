"""Connect, run, reconnect: the client's connection supervisor and its after-connect sequence.

One task (``mezon-connection``, in the client's nursery) runs :meth:`Supervisor.run`:
log in, open the socket, join the clans (docs/protocol.md §4.4), announce readiness, and
after an unintended disconnect wait a jittered backoff (§3.8) and start again, re-using
or refreshing the session.  Clans that fail to join are retried in the background, one
task per clan, in the same nursery.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, final

import betterproto2
import trio

from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import DM_CHANNEL_TYPE, THREAD_CHANNEL_TYPE
from .._session import Session
from .._transport.gateway import CloseInfo
from .._transport.urls import ws_base_url, ws_connect_url
from ..errors import (
    AuthenticationError,
    ClientClosed,
    ConfigurationError,
    ConnectionLost,
    HandshakeError,
    MezonError,
)
from ..events import Connected, Disconnected, Events, Ready, Reconnected, Reconnecting
from .core import ConnectionCore

__all__ = ["ReconnectPolicy", "Supervisor"]

log = logging.getLogger("mezon_trio.client")

_CLAN_JOIN_CONCURRENCY: Final = 8
_DM_CHANNEL_TYPE: Final = DM_CHANNEL_TYPE
_THREAD_CHANNEL_TYPE: Final = THREAD_CHANNEL_TYPE


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ReconnectPolicy:
    """How the client reconnects after an unintended disconnect (docs/protocol.md §3.8).

    Attempt *n* waits a random time in ``[0, min(max_delay, initial_delay * 2**(n-1))]``
    ("full jitter").  The count restarts after a connection stayed up ``reset_after``
    seconds.

    Attributes:
        max_attempts: give up (raising ``ConnectionLost`` from the client) after this
            many failed attempts in a row; None (default) never gives up.
    """

    max_attempts: int | None = None
    initial_delay: float = 0.5
    max_delay: float = 60.0
    reset_after: float = 60.0

    def __post_init__(self) -> None:
        if self.max_attempts is not None and self.max_attempts < 0:
            raise ConfigurationError("ReconnectPolicy.max_attempts must be >= 0 or None")
        if not (0 <= self.initial_delay <= self.max_delay):
            raise ConfigurationError("ReconnectPolicy needs 0 <= initial_delay <= max_delay")

    def delay(self, attempt: int) -> float:
        """Seconds to wait before attempt *attempt* (1-based)."""
        cap = min(self.max_delay, self.initial_delay * 2 ** min(attempt - 1, 62))
        return random.uniform(0.0, cap)


class _Status:
    """A ``trio.TaskStatus`` that records the call, for :meth:`Gateway.serve`."""

    __slots__ = ("connected", "settled")

    def __init__(self) -> None:
        self.connected = False
        self.settled = trio.Event()

    def started(self, value: None = None) -> None:
        self.connected = True
        self.settled.set()


class _Box:
    __slots__ = ("error", "info", "status")

    def __init__(self) -> None:
        self.status = _Status()
        self.info: CloseInfo | None = None
        self.error: MezonError | None = None


@final
class Supervisor:
    """Runs the client's connection: connect, after-connect joins, reconnect with backoff.

    The client sets :attr:`closing` when it shuts down; :meth:`request_login` and
    :meth:`set_auto_reconnect` implement the official ``login()`` / ``close_socket()`` pair.
    *after_reconnect* callbacks run (synchronously, no I/O) each time a reconnect is ready.
    """

    def __init__(
        self,
        core: ConnectionCore,
        policy: ReconnectPolicy,
        *,
        login_url: str,
        use_ssl: bool,
        on_clans_listed: Callable[[list[api.ClanDesc]], None],
        on_dm_listed: Callable[[list[api.ChannelDescription]], None],
    ) -> None:
        self._core = core
        self._policy = policy
        self._login_url = login_url
        self._use_ssl = use_ssl
        self._on_clans_listed = on_clans_listed
        self._on_dm_listed = on_dm_listed
        self._retry_nursery: trio.Nursery | None = None
        self._retrying_clans: set[int] = set()
        self.after_reconnect: list[Callable[[], None]] = []
        self.closing = False
        self.auto_reconnect = True
        self.login_requested = trio.Event()
        self.reconnects = 0

    def bind(self, nursery: trio.Nursery) -> None:
        """The nursery for background clan-join retries (the client's)."""
        self._retry_nursery = nursery

    def _ws_url(self, session: Session) -> str:
        base = ws_base_url(
            session.ws_url, api_url=session.api_url, use_ssl=self._use_ssl, login_base=self._login_url
        )
        return ws_connect_url(base, session.token)

    async def run(self, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED) -> None:
        """Connect, run, reconnect; ``task_status.started()`` at the first ready."""
        gateway = self._core.gateway
        policy = self._policy
        first = True
        fresh_login = False  # login() after an intentional close: announce READY again
        force_login = False
        attempt = 0
        down_since = 0.0
        last_error: BaseException | None = None
        while True:
            box = _Box()
            try:
                if first or force_login:
                    session = await self._core.session.login()
                    force_login = False
                else:
                    session = await self._core.session.ensure_fresh()
                box = await self._connection(
                    self._ws_url(session),
                    first=first,
                    announce_ready=first or fresh_login,
                    attempt=attempt,
                    down_since=down_since,
                    task_status=task_status,
                )
            except AuthenticationError:
                raise
            except MezonError as exc:
                box.error = exc
            if box.error is not None:
                error = box.error
                if first:
                    raise error
                if isinstance(error, HandshakeError) and error.status == 401:
                    force_login = True  # the token was refused at the upgrade (§3.8 rule 2)
                last_error = error
                log.warning("reconnect attempt %d failed: %s", attempt, error)
            else:
                info = box.info
                assert info is not None
                first = False
                fresh_login = False
                self._core.hub.publish(
                    Events.DISCONNECTED.value,
                    Disconnected(
                        code=info.code, reason=info.reason, error=info.error, intentional=info.intentional
                    ),
                )
                if self.closing:
                    return
                if info.intentional or not self.auto_reconnect:
                    reason = (
                        "the socket was closed with close_socket(); call login() to reconnect"
                        if info.intentional
                        else "the connection was lost and auto-reconnect is off; call login() to reconnect"
                    )
                    gateway.set_unavailable(reason)
                    await self.login_requested.wait()
                    self.login_requested = trio.Event()
                    gateway.set_unavailable(None)
                    attempt = 0
                    fresh_login = True
                    down_since = trio.current_time()
                    continue
                if info.duration >= policy.reset_after:
                    attempt = 0
                down_since = trio.current_time()
                last_error = info.error
            attempt += 1
            if policy.max_attempts is not None and attempt > policy.max_attempts:
                raise ConnectionLost(
                    f"gave up reconnecting after {policy.max_attempts} attempts"
                ) from last_error
            delay = policy.delay(attempt)
            self._core.hub.publish(Events.RECONNECTING.value, Reconnecting(attempt=attempt, delay=delay))
            log.info("reconnecting in %.2f s (attempt %d)", delay, attempt)
            await trio.sleep(delay)

    async def _connection(
        self,
        url: str,
        *,
        first: bool,
        announce_ready: bool,
        attempt: int,
        down_since: float,
        task_status: trio.TaskStatus[None],
    ) -> _Box:
        """Run one socket: serve it, do the after-connect sequence, announce readiness."""
        box = _Box()
        async with trio.open_nursery() as nursery:
            nursery.start_soon(self._serve_into, url, box, nursery.cancel_scope, name="mezon-gateway")
            await box.status.settled.wait()
            if not box.status.connected:
                return box
            self._core.hub.publish(Events.CONNECTED.value, Connected(attempt=attempt))
            try:
                await self._after_connect(first=first)
            except MezonError as exc:
                if first:
                    # Login fails as a whole; close the socket and report this error.
                    box.error = exc
                    self._core.gateway.close_socket("login failed")
                    await trio.sleep_forever()
                log.warning("after-connect sequence failed: %s", exc)
            self._core.gateway.set_ready()
            self.login_requested = trio.Event()  # a login() made during the outage is satisfied
            if announce_ready:
                self._core.hub.publish(
                    Events.READY.value, Ready(user_id=self._core.user_id, clan_ids=tuple(self._core.clan_ids))
                )
                if first:
                    log.info("ready: user %d, %d clans", self._core.user_id, len(self._core.clan_ids))
                    task_status.started()
            else:
                self.reconnects += 1
                downtime = trio.current_time() - down_since
                self._core.hub.publish(
                    Events.RECONNECTED.value, Reconnected(attempt=attempt, downtime=downtime)
                )
                for hook in self.after_reconnect:
                    hook()
                log.info("reconnected after %d attempts (%.2f s down)", attempt, downtime)
        return box

    async def _serve_into(self, url: str, box: _Box, scope: trio.CancelScope) -> None:
        try:
            box.info = await self._core.gateway.serve(url, task_status=box.status)
        except MezonError as exc:
            if box.error is None:
                box.error = exc
        finally:
            box.status.settled.set()
            scope.cancel()

    async def _after_connect(self, *, first: bool) -> None:
        """§4.4: list clans, join them and clan 0, re-join channels, list DMs."""
        try:
            clans = await self._core.rpc("ListClanDescs", api.ListClanDescRequest(), api.ClanDescList)
        except MezonError:
            if first:
                raise
            log.warning("ListClanDescs failed after reconnect; re-joining the known clans")
        else:
            listed = [c.clan_id for c in clans.clandesc if c.clan_id]
            self._on_clans_listed(list(clans.clandesc))
            self._core.clan_ids = list(
                dict.fromkeys([*listed, *(c for c in self._core.clan_ids if c not in listed)])
            )
        targets = list(dict.fromkeys([0, *self._core.clan_ids, *sorted(self._core.gateway.joined_clans)]))
        failed = await self._join_all([rt.Envelope(clan_join=rt.ClanJoin(clan_id=c)) for c in targets])
        for envelope in failed:
            assert envelope.clan_join is not None
            self._retry_clan_later(envelope.clan_join.clan_id)
        if not first and self._core.gateway.joined_channels:
            joins = [rt.Envelope(channel_join=j) for j in list(self._core.gateway.joined_channels.values())]
            for envelope in await self._join_all(joins):
                assert envelope.channel_join is not None
                log.warning("could not re-join channel %d", envelope.channel_join.channel_id)
        try:
            dms = await self._core.rpc(
                "ListChannelDescs",
                api.ListChannelDescsRequest(channel_type=_DM_CHANNEL_TYPE),
                api.ChannelDescList,
            )
        except MezonError as exc:
            log.warning("could not list DM channels: %s", exc)
        else:
            self._on_dm_listed(list(dms.channeldesc))
            for desc in dms.channeldesc:
                if desc.type == _DM_CHANNEL_TYPE and desc.user_ids:
                    self._core.dm_channels[desc.user_ids[0]] = desc.channel_id

    async def _join_all(self, envelopes: list[rt.Envelope]) -> list[rt.Envelope]:
        """Send joins with bounded concurrency; return those that failed (not raising)."""
        limiter = trio.CapacityLimiter(_CLAN_JOIN_CONCURRENCY)
        failed: list[rt.Envelope] = []

        async def join(envelope: rt.Envelope) -> None:
            async with limiter:
                try:
                    await self._core.gateway.request(envelope, wait_ready=False)
                except MezonError as exc:
                    log.warning("%s failed: %s", betterproto2.which_one_of(envelope, "message")[0], exc)
                    failed.append(envelope)

        async with trio.open_nursery() as nursery:
            for envelope in envelopes:
                nursery.start_soon(join, envelope)
        return failed

    def _retry_clan_later(self, clan_id: int) -> None:
        if clan_id in self._retrying_clans or self._retry_nursery is None or self.closing:
            return
        self._retrying_clans.add(clan_id)
        self._retry_nursery.start_soon(self._retry_clan, clan_id, name=f"mezon-clan-join-retry:{clan_id}")

    async def _retry_clan(self, clan_id: int) -> None:
        """Join a clan that failed at (re)connect, with backoff, in the background (§4.4 step 3)."""
        try:
            delay = 2.0
            while not self.closing:
                await trio.sleep(random.uniform(delay / 2, delay))
                if clan_id in self._core.gateway.joined_clans and self._core.gateway.ready:
                    return  # a reconnect joined it meanwhile
                try:
                    await self._core.gateway.request(rt.Envelope(clan_join=rt.ClanJoin(clan_id=clan_id)))
                except (ClientClosed, ConfigurationError):
                    return
                except MezonError as exc:
                    log.info("clan_join %d still failing: %s", clan_id, exc)
                    delay = min(60.0, delay * 2)
                else:
                    log.info("joined clan %d after a retry", clan_id)
                    return
        finally:
            self._retrying_clans.discard(clan_id)
