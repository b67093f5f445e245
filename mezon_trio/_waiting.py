"""``wait_for(...)`` and ``expect(...)``: wait for one matching event.

Waiting for a reaction to something the bot does has a race: if the bot sends first and
subscribes afterwards, a fast answer arrives in between and is missed.  ``expect`` subscribes
when its ``async with`` block is entered, so the pattern is::

    async with client.expect(ButtonClicked) as waiter:
        ack = await channel.send(form)          # trigger the action inside the block
        click = await waiter.wait(lambda ev: ev.message_id == ack.message_id, timeout=60)
        # a click arriving before `wait` is called is kept in the waiter's buffer

Both predicates run in the waiting task: the ``expect`` one for every event, the ``wait`` one
may use what the action returned (the new message id).  ``wait_for`` is the one-shot form: it
subscribes when called, so use it for events nothing you do right before triggers (e.g. "the
next token transfer to the bot"), and ``expect`` whenever you first send something and then wait
for the answer.

The waiter buffers every event of its type until ``wait`` reads it (at most ``buffer``, 256 by
default); if more arrive while nobody waits, ``wait`` raises
:class:`~mezon_trio.errors.StreamOverflow` rather than miss an answer silently.  A predicate
that raises ends the wait with its exception.
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, final

import trio

from ._events.base import BaseEvent
from ._events.names import Overflow
from .errors import ClientClosed, ConfigurationError

if TYPE_CHECKING:
    from ._streams import Subscription

__all__ = ["Waiter", "check_timeout"]

T = TypeVar("T")
E = TypeVar("E", bound=BaseEvent)


class _StreamSource(Protocol):
    def stream(
        self,
        kind: Any,
        *,
        buffer: int = ...,
        overflow: Overflow = ...,
        filter: Callable[[Any], bool] | None = ...,
    ) -> Subscription[Any]: ...


def check_timeout(timeout: float | None) -> None:
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout < 0):
        raise ConfigurationError(f"timeout must be None or >= 0 seconds, got {timeout!r}")


def _label(kind: object) -> str:
    return kind.__name__ if isinstance(kind, type) else str(kind)


@final
class Waiter(Generic[T]):
    """A subscription for matching events, opened by ``expect``.

    Use it as ``async with client.expect(...) as waiter`` (subscribed on entry, unsubscribed on
    exit); :meth:`wait` returns the next matching event each time it is called.
    """

    __slots__ = ("_buffer", "_kind", "_predicate", "_source", "_sub")

    def __init__(
        self,
        source: _StreamSource,
        kind: object,
        predicate: Callable[[T], bool] | None,
        buffer: int,
    ) -> None:
        self._source = source
        self._kind = kind
        self._predicate = predicate
        self._buffer = buffer
        self._sub: Subscription[T] | None = None

    def __repr__(self) -> str:
        state = "open" if self._sub is not None and not self._sub.closed else "closed"
        return f"<Waiter kind={_label(self._kind)!r} {state}>"

    async def __aenter__(self) -> Waiter[T]:
        """Subscribe (does not block beyond a checkpoint).

        Raises:
            ConfigurationError: unknown event kind, or the waiter was already entered.
            ClientClosed: the client is closed.
        """
        if self._sub is not None:
            raise ConfigurationError("a Waiter can be entered once")
        self._sub = self._source.stream(
            self._kind, buffer=self._buffer, overflow="close", filter=self._predicate
        )
        await trio.lowlevel.checkpoint()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Unsubscribe (idempotent)."""
        if self._sub is not None:
            await self._sub.aclose()
        else:
            await trio.lowlevel.checkpoint()

    async def wait(
        self,
        predicate: Callable[[T], bool] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109  (asked for by issue 5; fail_after works too)
    ) -> T:
        """The next matching event (already buffered ones first).

        Args:
            predicate: an extra condition; events failing it are consumed and skipped.
            timeout: seconds to wait at most; None waits forever (or wrap in ``trio.fail_after``).

        Cancellation leaves the waiter usable; no event is lost.

        Raises:
            trio.TooSlowError: *timeout* expired.
            ClientClosed: the client closed (or the waiter was closed) before a match.
            StreamOverflow: more than ``buffer`` events arrived while nobody waited.
            ConfigurationError: the waiter was not entered (use ``async with``).
            Exception: whatever a predicate raised.
        """
        check_timeout(timeout)
        sub = self._sub
        if sub is None:
            raise ConfigurationError("use `async with client.expect(...) as waiter:` before waiter.wait()")
        with trio.fail_after(timeout) if timeout is not None else trio.CancelScope():
            while True:
                try:
                    event = await sub.receive()
                except (trio.EndOfChannel, trio.ClosedResourceError):
                    raise ClientClosed(
                        f"stopped waiting for {_label(self._kind)!r}: the client closed"
                    ) from None
                if predicate is None or predicate(event):
                    return event

    async def wait_once(self, timeout: float | None) -> T:  # noqa: ASYNC109
        """Enter, wait for one event, leave (``wait_for``)."""
        check_timeout(timeout)
        async with self:
            return await self.wait(timeout=timeout)
