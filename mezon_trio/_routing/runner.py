"""Running a router: through the client's handler machinery, or as a task in the caller's nursery.

Both ways are bounded: ``attach`` uses ``client.on(..., concurrency=N)`` (the client's nursery,
its bounded queue, drops reported as ``handler_error``); ``run`` reads one client stream with
``concurrency`` worker tasks inside the nursery it is started in.  A router's ``dispatch`` never
raises ``Exception`` (failures are reported by :func:`report_failure`), so neither way can kill
the bot.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import trio

from .._client import MezonClient, services_of
from .._events.base import BaseEvent
from .._surface import plain_interrupt_nursery
from ..errors import ConfigurationError
from ..events import Events, HandlerError, Overflow

__all__ = ["check_run_args", "report_failure", "run_stream"]

log = logging.getLogger("mezon_trio.bot")


def report_failure(
    client: MezonClient | None,
    *,
    event: object,
    handler: Callable[..., object] | str,
    error: Exception,
    kind: str = "",
) -> None:
    """Log a failed handler and publish a :class:`HandlerError` (the event, the handler) on the client.

    Never raises.
    """
    failure = HandlerError(event=event, handler=handler, error=error, kind=kind)
    log.error("%s handler %s failed", kind or type(event).__name__, failure.handler_name, exc_info=error)
    if client is None:
        return
    hub = services_of(client).core.hub
    try:
        hub.publish(Events.HANDLER_ERROR.value, failure)
    except Exception:  # a closed hub: the log line is enough
        log.debug("could not publish handler_error", exc_info=True)


def check_run_args(concurrency: int, buffer: int) -> None:
    for name, value in (("concurrency", concurrency), ("buffer", buffer)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ConfigurationError(f"{name} must be a positive int, got {value!r}")


async def run_stream(
    client: MezonClient,
    kinds: tuple[type[BaseEvent], ...],
    dispatch: Callable[[Any], Awaitable[object]],
    *,
    name: str,
    concurrency: int,
    buffer: int,
    overflow: Overflow,
    task_status: trio.TaskStatus[None],
) -> None:
    """Feed events of *kinds* to *dispatch* with *concurrency* workers until the client closes.

    Subscribes before ``task_status.started()``, so events published after ``nursery.start``
    returns are seen.  Returns when the client closes; cancel it to stop earlier.
    """
    check_run_args(concurrency, buffer)
    if overflow == "close":
        raise ConfigurationError("a router's overflow must be 'drop_newest' or 'drop_oldest'")
    async with services_of(client).core.hub.subscribe(*kinds, buffer=buffer, overflow=overflow) as sub:
        reported = 0

        async def worker() -> None:
            nonlocal reported
            async for event in sub:
                dropped = sub.statistics().dropped
                if dropped != reported:
                    log.warning("%s fell behind: %d events dropped so far", name, dropped)
                    reported = dropped
                await dispatch(event)

        async with plain_interrupt_nursery() as nursery:  # Ctrl-C: a plain KeyboardInterrupt
            for i in range(concurrency):
                nursery.start_soon(worker, name=f"{name}:worker-{i}")
            task_status.started()
