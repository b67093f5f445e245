"""Running a client once: its nursery, its tasks, shutdown, and the exceptions that leave it.

:class:`Runner` opens the client's nursery and starts its tasks — the handler runner of the
event hub, the worker of automatic joins, the connection supervisor (which returns control
once the client is ready), the session refresher and any extra task a service needs — and
closes everything within ``close_timeout`` when the body leaves, normally, by exception or by
cancellation.

Exceptions (the contract of ``async with MezonClient``): an exception from the body propagates
unchanged (internal failures attached as ``__context__``); if only the client's tasks failed,
one :class:`~mezon_trio.errors.MezonError` is raised; anything unexpected becomes
:class:`~mezon_trio.errors.MezonInternalError`.  ``KeyboardInterrupt`` and other
non-``Exception`` errors propagate as they are, never wrapped in an exception group.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import final

import trio

from .._surface import is_cancellation
from ..errors import ConfigurationError, MezonError, MezonInternalError
from .core import ConnectionCore, State
from .supervisor import Supervisor

__all__ = ["Runner", "TaskStarter", "collapse"]

log = logging.getLogger("mezon_trio.client")

#: ``await starter(nursery)``: start a task (``nursery.start`` or ``start_soon``) in the client's nursery.
TaskStarter = Callable[[trio.Nursery], Awaitable[None]]


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return out


def _attach_context(exc: BaseException, cause: BaseException) -> None:
    """Append *cause* at the end of *exc*'s ``__context__`` chain (unless already in it)."""
    seen: set[int] = set()
    current = exc
    while True:
        if current is cause or id(current) in seen:
            return
        seen.add(id(current))
        nxt = current.__context__
        if nxt is None:
            current.__context__ = cause
            return
        current = nxt


def collapse(group: BaseExceptionGroup[BaseException]) -> BaseException | None:
    """The one exception to raise for a failed client nursery (None: only cancellations)."""
    _, rest = group.split(trio.Cancelled)
    if rest is None:
        return None
    leaves = _leaves(rest)
    for leaf in leaves:
        if not isinstance(leaf, Exception):
            return leaf  # KeyboardInterrupt, SystemExit...: propagate as is
    errors = [leaf for leaf in leaves if isinstance(leaf, MezonError)]
    if len(errors) == len(leaves):
        first = errors[0]
        if len(leaves) > 1:
            first.__cause__ = rest
        return first
    bug = MezonInternalError(f"a mezon-trio task failed: {leaves[0]!r}")
    bug.__cause__ = rest
    return bug


@final
class Runner:
    """The nursery and tasks of one client run (see the module docstring)."""

    def __init__(
        self,
        core: ConnectionCore,
        supervisor: Supervisor,
        *,
        close_timeout: float,
        starters: list[TaskStarter],
    ) -> None:
        self._core = core
        self._supervisor = supervisor
        self._close_timeout = close_timeout
        self._starters = starters
        self._nursery: trio.Nursery | None = None
        self._closing = False
        self.nursery_mode = False
        self.stop = trio.Event()
        self.stopped = trio.Event()

    @property
    def nursery(self) -> trio.Nursery | None:
        return self._nursery

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        """Log in, connect, start the tasks; yield once ready; close everything on exit."""
        core = self._core
        if core.state is not State.NEW:
            raise ConfigurationError(
                "this MezonClient was already started; a client runs once: create a new MezonClient"
            )
        core.state = State.OPENING
        body_exc: BaseException | None = None
        ours_cancelled = False
        internal: BaseException | None = None
        cancelled_group: BaseExceptionGroup[BaseException] | None = None
        try:
            async with core.rest:
                try:
                    async with trio.open_nursery() as nursery:
                        self._nursery = nursery
                        try:
                            await self._start(nursery)
                            core.state = State.RUNNING
                            try:
                                yield
                            except BaseException as exc:
                                body_exc = exc
                                ours_cancelled = nursery.cancel_scope.cancel_called
                        finally:
                            await self.shutdown()
                            nursery.cancel_scope.cancel()
                except BaseExceptionGroup as group:
                    internal = collapse(group)
                    if internal is None:
                        cancelled_group = group
        finally:
            core.state = State.CLOSED
            self._nursery = None
            core.hub.close()
            self.stopped.set()
            log.info("client closed")
        if body_exc is not None and not (
            is_cancellation(body_exc) and ours_cancelled and internal is not None
        ):
            if internal is not None:
                _attach_context(body_exc, internal)
            raise body_exc
        if internal is not None:
            raise internal
        if cancelled_group is not None:
            raise cancelled_group

    async def _start(self, nursery: trio.Nursery) -> None:
        core = self._core
        self._supervisor.bind(nursery)
        await nursery.start(core.hub.run_handlers)
        for starter in self._starters:
            await starter(nursery)
        await nursery.start(self._supervisor.run, name="mezon-connection")
        nursery.start_soon(core.session.run_refresher, name="mezon-session-refresher")

    async def shutdown(self) -> None:
        """Close the socket and the streams; bounded by ``close_timeout``, shielded."""
        if self._closing:
            return
        self._closing = True
        self._supervisor.closing = True
        core = self._core
        if core.state is State.RUNNING:
            core.state = State.CLOSING
        gateway = core.gateway
        gateway.mark_closed()
        gateway.close_socket("client closed")
        with trio.move_on_after(self._close_timeout) as scope:
            scope.shield = True
            await gateway.wait_idle()
        core.hub.close()

    async def aclose(self) -> None:
        """See ``MezonClient.aclose``."""
        core = self._core
        if core.state is State.NEW:
            core.state = State.CLOSED
            core.hub.close()
            self.stopped.set()
            return
        self.stop.set()
        if self.nursery_mode:
            with trio.CancelScope(shield=True):
                with trio.move_on_after(self._close_timeout + 1.0):
                    await self.stopped.wait()
        else:
            await self.shutdown()
