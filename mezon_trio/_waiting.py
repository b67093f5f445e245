"""``client.wait_for(...)`` and ``client.expect(...)``: wait for one matching event.

Waiting for a reaction to something the bot does has a race: if the bot sends first and
subscribes afterwards, a fast answer arrives in between and is missed.  :meth:`WaitingMixin.expect`
subscribes when its ``async with`` block is entered, so the pattern is::

    async with client.expect(Events.MESSAGE_BUTTON_CLICKED) as waiter:
        ack = await channel.send(form)          # trigger the action inside the block
        click = await waiter.wait(lambda ev: ev.message_id == ack.message_id, timeout=60)
        # a click arriving before `wait` is called is kept in the waiter's buffer

The ``expect`` predicate runs in the client's reader and decides what is buffered; the ``wait``
predicate runs in the caller and may use what the action returned (the new message id).
:meth:`WaitingMixin.wait_for` is the one-shot form: it subscribes when called, so use it for
events nothing you do right before triggers (e.g. "the next token transfer to the bot"), and
``expect`` whenever you first send something and then wait for the answer.

Reader-side predicates must be short; one that raises ends the wait with its exception.  Only
matching events are buffered (at most ``buffer``; further matches are dropped while nobody calls
``wait``).
"""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, final

import trio

from .errors import ClientClosed, ConfigurationError
from .events import Events, Overflow

if TYPE_CHECKING:
    from ._streams import Subscription

__all__ = ["Waiter", "WaitingMixin"]


class _StreamSource(Protocol):
    def stream(
        self,
        kind: str | Events,
        *,
        buffer: int = ...,
        overflow: Overflow = ...,
        filter: Callable[[Any], bool] | None = ...,
    ) -> Subscription[Any]: ...


def _check_timeout(timeout: float | None) -> None:
    if timeout is not None and (not isinstance(timeout, (int, float)) or timeout < 0):
        raise ConfigurationError(f"timeout must be None or >= 0 seconds, got {timeout!r}")


@final
class Waiter:
    """A subscription for matching events, opened by :meth:`WaitingMixin.expect`.

    Use it as ``async with client.expect(...) as waiter`` (subscribed on entry, unsubscribed on
    exit); :meth:`wait` returns the next matching event each time it is called.
    """

    __slots__ = ("_buffer", "_kind", "_predicate", "_source", "_sub")

    def __init__(
        self,
        source: _StreamSource,
        kind: str | Events,
        predicate: Callable[[Any], bool] | None,
        buffer: int,
    ) -> None:
        self._source = source
        self._kind = kind
        self._predicate = predicate
        self._buffer = buffer
        self._sub: Subscription[Any] | None = None

    def __repr__(self) -> str:
        state = "open" if self._sub is not None and not self._sub.closed else "closed"
        return f"<Waiter kind={str(self._kind)!r} {state}>"

    async def __aenter__(self) -> Waiter:
        """Subscribe (does not block beyond a checkpoint).

        Raises:
            ConfigurationError: unknown event kind, or the waiter was already entered.
            ClientClosed: the client is closed.
        """
        if self._sub is not None:
            raise ConfigurationError("a Waiter can be entered once")
        self._sub = self._source.stream(
            self._kind, buffer=self._buffer, overflow="drop_newest", filter=self._predicate
        )
        await trio.lowlevel.checkpoint()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Unsubscribe (idempotent)."""
        if self._sub is not None:
            self._sub.close()

    async def wait(
        self,
        predicate: Callable[[Any], bool] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109  (asked for by issue 5; fail_after works too)
    ) -> Any:
        """The next matching event (already buffered ones first).

        Args:
            predicate: an extra condition checked here (not in the reader); events failing it
                are consumed and skipped.
            timeout: seconds to wait at most; None waits forever (or wrap in ``trio.fail_after``).

        Cancellation leaves the waiter usable; no event is lost.

        Raises:
            trio.TooSlowError: *timeout* expired.
            ClientClosed: the client closed (or the waiter was closed) before a match.
            ConfigurationError: the waiter was not entered (use ``async with``).
            Exception: whatever the subscription predicate raised.
        """
        _check_timeout(timeout)
        sub = self._sub
        if sub is None:
            raise ConfigurationError("use `async with client.expect(...) as waiter:` before waiter.wait()")
        with trio.fail_after(timeout) if timeout is not None else trio.CancelScope():
            while True:
                try:
                    event = await sub.__anext__()
                except StopAsyncIteration:
                    raise ClientClosed(
                        f"stopped waiting for {str(self._kind)!r}: the client closed"
                    ) from None
                if predicate is None or predicate(event):
                    return event


class WaitingMixin:
    """Adds :meth:`wait_for` and :meth:`expect` to :class:`~mezon_trio.MezonClient`."""

    __slots__ = ()

    def expect(
        self: _StreamSource,
        kind: str | Events,
        predicate: Callable[[Any], bool] | None = None,
        *,
        buffer: int = 16,
    ) -> Waiter:
        """A :class:`Waiter` for *kind* events matching *predicate*; subscribes on ``async with``.

        Enter it *before* triggering the action whose answer you wait for (module docstring).
        The predicate gets the payload (a :class:`~mezon_trio.models.Message` for
        ``channel_message``, the generated event otherwise).
        """
        return Waiter(self, kind, predicate, buffer)

    async def wait_for(
        self: _StreamSource,
        kind: str | Events,
        predicate: Callable[[Any], bool] | None = None,
        *,
        timeout: float | None = None,  # noqa: ASYNC109  (asked for by issue 5; fail_after works too)
    ) -> Any:
        """Wait for the next *kind* event matching *predicate* (subscribed from this call on).

        Events published before the call are not seen: to wait for the answer to an action,
        use :meth:`expect` around the action instead.  Cancellation leaves nothing behind.

        Raises:
            trio.TooSlowError: *timeout* (seconds) expired.
            ClientClosed: the client closed first.
            ConfigurationError: unknown kind or bad timeout.
            Exception: whatever *predicate* raised.
        """
        _check_timeout(timeout)
        async with Waiter(self, kind, predicate, 1) as waiter:
            return await waiter.wait(timeout=timeout)
