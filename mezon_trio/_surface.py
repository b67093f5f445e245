"""How exceptions leave mezon-trio: plain ``KeyboardInterrupt``, short login failures.

Ctrl-C leaves mezon-trio as a plain ``KeyboardInterrupt``, never inside an exception group.

Trio delivers ``KeyboardInterrupt`` to whichever task runs when SIGINT arrives (or to the main
task), and every nursery it crosses wraps it in a ``BaseExceptionGroup`` (strict exception
groups).  A bot's ``except KeyboardInterrupt`` around ``trio.run(main)`` would then never fire.
The nurseries that user code runs inside (the client's, a router's workers, the sandbox's) pass
their exception groups through :func:`plain_keyboard_interrupt` (and the gateway never maps an
interrupt that lands in its socket tasks to a connection error):

* a group whose leaves are only ``KeyboardInterrupt`` and ``trio.Cancelled`` becomes its first
  ``KeyboardInterrupt``, with the group hidden (``raise ... from None``);
* a group that also holds real errors becomes its first ``KeyboardInterrupt`` too (Ctrl-C wins),
  with the errors kept as its ``__cause__`` so nothing is lost from the traceback;
* any other group propagates unchanged.

:func:`is_cancellation` tells the client that a body which ended in a group of ``Cancelled``
only was cancelled by the client's own failure, so that failure is what leaves.

A client that cannot log in raises a :class:`~mezon_trio.errors.MezonError` whose message says
what failed and why (host, port, cause); :func:`without_internal_frames` drops the dozen frames
of mezon-trio's internals from its traceback (they are logged at DEBUG level), so the user sees
their own ``async with`` line and the error.  Internal errors (bugs) keep every frame.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from types import TracebackType

import trio

from .errors import MezonError, MezonInternalError

log = logging.getLogger("mezon_trio.client")

__all__ = [
    "exit_with_plain_interrupt",
    "interrupt_from",
    "is_cancellation",
    "plain_interrupt_nursery",
    "plain_keyboard_interrupt",
    "without_internal_frames",
]


def _leaves(exc: BaseException) -> Iterator[BaseException]:
    if isinstance(exc, BaseExceptionGroup):
        for inner in exc.exceptions:
            yield from _leaves(inner)
    else:
        yield exc


def is_cancellation(exc: BaseException) -> bool:
    """True for ``trio.Cancelled``, or a group whose leaves are all ``trio.Cancelled``."""
    return all(isinstance(leaf, trio.Cancelled) for leaf in _leaves(exc))


def interrupt_from(
    exc: BaseException,
) -> tuple[KeyboardInterrupt | None, BaseExceptionGroup[BaseException] | None]:
    """The ``KeyboardInterrupt`` to raise in place of *exc* (None: it holds none), and the
    other errors it holds besides ``trio.Cancelled`` (a group, or None)."""
    if isinstance(exc, KeyboardInterrupt):
        return exc, None
    if not isinstance(exc, BaseExceptionGroup):
        return None, None
    interrupt: KeyboardInterrupt | None = None
    others: list[BaseException] = []
    for leaf in _leaves(exc):
        if isinstance(leaf, KeyboardInterrupt):
            if interrupt is None:
                interrupt = leaf
        elif not isinstance(leaf, trio.Cancelled):
            others.append(leaf)
    if interrupt is None:
        return None, None
    return interrupt, BaseExceptionGroup("errors while stopping on Ctrl-C", others) if others else None


@contextmanager
def plain_keyboard_interrupt() -> Iterator[None]:
    """Turn an exception group holding a ``KeyboardInterrupt`` into that ``KeyboardInterrupt``.

    Wrap a nursery: ``with plain_keyboard_interrupt(): async with trio.open_nursery() as n: ...``.
    """
    try:
        yield
    except BaseExceptionGroup as group:
        interrupt, others = interrupt_from(group)
        if interrupt is None:
            raise
        raise interrupt from others


@asynccontextmanager
async def plain_interrupt_nursery() -> AsyncIterator[trio.Nursery]:
    """``trio.open_nursery()`` whose exception groups pass through :func:`plain_keyboard_interrupt`."""
    with plain_keyboard_interrupt():
        async with trio.open_nursery() as nursery:
            yield nursery


async def exit_with_plain_interrupt(
    cm: AbstractAsyncContextManager[object],
    exc_type: type[BaseException] | None,
    exc: BaseException | None,
    tb: TracebackType | None,
) -> bool | None:
    """``cm.__aexit__(...)``, except that a group holding a ``KeyboardInterrupt`` (raised by the
    body or by *cm*) leaves as that ``KeyboardInterrupt``."""
    with plain_keyboard_interrupt():
        suppressed = await cm.__aexit__(exc_type, exc, tb)
    if isinstance(exc, BaseExceptionGroup) and not suppressed:
        interrupt, others = interrupt_from(exc)
        if interrupt is not None:
            raise interrupt from others
    return suppressed


def without_internal_frames(exc: MezonError) -> MezonError:
    """*exc* without its traceback (logged at DEBUG first), unless it is a MezonInternalError.

    Use as ``except MezonError as exc: raise without_internal_frames(exc)``: the traceback
    then starts at the caller's line.
    """
    if isinstance(exc, MezonInternalError):
        return exc
    log.debug("%s: %s", type(exc).__name__, exc, exc_info=exc)
    return exc.with_traceback(None)
