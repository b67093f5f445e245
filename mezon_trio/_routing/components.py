"""The component router: button clicks and select changes routed by component id pattern."""

from __future__ import annotations

import fnmatch
import inspect
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypeAlias, TypeVar, final

import trio

from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._events.interactions import JSON, ButtonClicked, DropdownSelected
from .._models.values import SendAck
from .._services.sending_wire import MsgContent
from .._structures.channel import TextChannel
from ..errors import ConfigurationError
from ..events import Overflow
from .filters import actor_id
from .runner import check_run_args, report_failure, run_stream

if TYPE_CHECKING:
    from .._client import MezonClient

__all__ = ["ComponentContext", "ComponentRouter"]

log = logging.getLogger("mezon_trio.bot")

F = TypeVar("F", bound=Callable[..., object])
ComponentKind = Literal["button", "select"]
#: A predicate over the component events a router sees.
ComponentFilter: TypeAlias = Callable[[ButtonClicked | DropdownSelected], bool]

_GLOB_CHARS: Final = frozenset("*?[")


def parse_extra_data(raw: str) -> dict[str, JSON]:
    """The JSON object in a click's ``extra_data``, leniently (docs/protocol.md §12 Q9).

    ``""``, invalid JSON and ``null`` give ``{}``; a JSON value that is not an object is
    returned as ``{"value": value}``.
    """
    if not raw or not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    return {"value": value}


@final
class ComponentContext:
    """What a component handler receives.

    Attributes:
        client: the client the event came through.
        event: the typed event (:class:`~mezon_trio.events.ButtonClicked`, possibly a
            :class:`~mezon_trio.events.FormSubmitted`, or :class:`~mezon_trio.events.DropdownSelected`).
        kind: ``"button"`` or ``"select"``.
        match: the ``re.Match`` when the route is a regular expression, else None.
    """

    __slots__ = ("_data", "client", "event", "kind", "match")

    def __init__(
        self,
        *,
        client: MezonClient,
        event: ButtonClicked | DropdownSelected,
        kind: ComponentKind,
        match: re.Match[str] | None,
    ) -> None:
        self.client = client
        self.event = event
        self.kind = kind
        self.match = match
        self._data: dict[str, JSON] | None = None

    def __repr__(self) -> str:
        return (
            f"<ComponentContext {self.kind} id={self.component_id!r} user_id={self.user_id} "
            f"message_id={self.message_id}>"
        )

    @property
    def component_id(self) -> str:
        """The button id or select box id."""
        ev = self.event
        return ev.button_id if isinstance(ev, ButtonClicked) else ev.selectbox_id

    @property
    def message_id(self) -> int:
        return self.event.message_id

    @property
    def channel_id(self) -> int:
        return self.event.channel_id

    @property
    def user_id(self) -> int:
        """Who clicked or selected."""
        return self.event.user_id

    @property
    def sender_id(self) -> int:
        """The author of the message carrying the component (normally the bot)."""
        return self.event.sender_id

    @property
    def extra_data(self) -> str:
        """The raw ``extra_data`` string of a click (form values); "" for selects."""
        ev = self.event
        return ev.extra_data if isinstance(ev, ButtonClicked) else ""

    @property
    def data(self) -> dict[str, JSON]:
        """``extra_data`` parsed leniently (see :func:`parse_extra_data`); ``{}`` for selects."""
        data = self._data
        if data is None:
            data = self._data = parse_extra_data(self.extra_data)
        return data

    @property
    def values(self) -> tuple[str, ...]:
        """The selected values (selects); ``()`` for clicks."""
        ev = self.event
        return ev.values if isinstance(ev, DropdownSelected) else ()

    @property
    def groups(self) -> dict[str, str]:
        """Named groups of a regular-expression route (``{}`` otherwise)."""
        m = self.match
        return {k: v for k, v in m.groupdict().items() if v is not None} if m is not None else {}

    async def channel(self) -> TextChannel:
        """The channel of the component's message (``client.channels.fetch``)."""
        return await self.client.channels.fetch(self.channel_id)

    async def send(
        self,
        content: MsgContent,
        /,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
    ) -> SendAck:
        """Send a message to the component's channel (``TextChannel.send``)."""
        channel = await self.channel()
        return await channel.send(content, mentions, attachments)

    async def send_ephemeral(
        self,
        content: MsgContent,
        /,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
    ) -> SendAck:
        """Send a message only the clicking user sees (``TextChannel.send_ephemeral``)."""
        channel = await self.channel()
        return await channel.send_ephemeral(
            [self.user_id], content, mentions=mentions, attachments=attachments
        )

    async def update_message(
        self,
        content: MsgContent,
        /,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
    ) -> SendAck:
        """Edit the message carrying the component (the bot's own; ``TextChannel.update_message``).

        Typical use: show a poll's new tally, or disable the buttons once a form is answered.
        """
        channel = await self.channel()
        return await channel.update_message(self.message_id, content, mentions, attachments)


@dataclass(frozen=True, slots=True)
class _Route:
    kind: ComponentKind
    pattern: str | re.Pattern[str]
    mode: Literal["exact", "glob", "regex"]
    callback: Callable[[ComponentContext], object]
    filter: ComponentFilter | None

    def matches(self, component_id: str) -> tuple[bool, re.Match[str] | None]:
        if self.mode == "exact":
            return component_id == self.pattern, None
        if self.mode == "glob":
            assert isinstance(self.pattern, str)
            return fnmatch.fnmatchcase(component_id, self.pattern), None
        assert isinstance(self.pattern, re.Pattern)
        m = self.pattern.fullmatch(component_id)
        return m is not None, m


@final
class ComponentRouter:
    """Routes ``message_button_clicked`` and ``dropdown_box_selected`` events by component id.

    ::

        components = ComponentRouter()

        @components.button("vote:*")                       # glob
        async def vote(ctx: ComponentContext) -> None:
            await ctx.send(f"{ctx.user_id} voted {ctx.component_id[5:]}")

        @components.button(re.compile(r"buy:(?P<item>\\w+)"))  # regex: ctx.groups["item"]
        @components.select("color")                          # exact id
        ...

    A pattern is an exact id, a glob when it contains ``*``, ``?`` or ``[``, or a compiled regular
    expression (``fullmatch``).  Exact routes are tried first, then the others in registration
    order; the first match runs.  Unmatched events are ignored (logged at DEBUG).  Handler
    failures are logged (``mezon_trio.bot``), published as ``Events.HANDLER_ERROR`` and given to the
    :meth:`error_handler`; they never stop the bot.

    Args:
        ignore_self: skip events caused by the bot itself.
        filter: only events for which it is true are routed (filters see the payload).
    """

    def __init__(self, *, ignore_self: bool = True, filter: ComponentFilter | None = None) -> None:
        self._ignore_self = ignore_self
        self._filter = filter
        self._exact: dict[tuple[ComponentKind, str], _Route] = {}
        self._patterns: list[_Route] = []
        self._error_handler: Callable[[ComponentContext, Exception], object] | None = None
        self._attached: dict[int, list[Callable[[Any], Awaitable[None]]]] = {}

    def __repr__(self) -> str:
        return f"<ComponentRouter routes={len(self._exact) + len(self._patterns)}>"

    def button(
        self, pattern: str | re.Pattern[str], *, filter: ComponentFilter | None = None
    ) -> Callable[[F], F]:
        """Decorator: ``func(ctx)`` (sync or async) handles clicks of buttons matching *pattern*.

        Raises:
            ConfigurationError: an exact id registered twice, or an empty pattern.
        """
        return self._decorator("button", pattern, filter)

    def select(
        self, pattern: str | re.Pattern[str], *, filter: ComponentFilter | None = None
    ) -> Callable[[F], F]:
        """Decorator: ``func(ctx)`` handles changes of select boxes matching *pattern*."""
        return self._decorator("select", pattern, filter)

    def add_route(
        self,
        kind: ComponentKind,
        pattern: str | re.Pattern[str],
        func: Callable[[ComponentContext], object],
        *,
        filter: ComponentFilter | None = None,
    ) -> None:
        """Register *func* for *kind* components matching *pattern* (non-decorator form)."""
        if kind not in ("button", "select"):
            raise ConfigurationError(f"kind must be 'button' or 'select', got {kind!r}")
        if isinstance(pattern, re.Pattern):
            route = _Route(kind, pattern, "regex", func, filter)
        elif isinstance(pattern, str) and pattern:
            mode: Literal["exact", "glob"] = "glob" if _GLOB_CHARS & set(pattern) else "exact"
            route = _Route(kind, pattern, mode, func, filter)
        else:
            raise ConfigurationError(
                f"a component pattern must be a non-empty str or re.Pattern, got {pattern!r}"
            )
        if route.mode == "exact":
            key = (kind, pattern)
            if key in self._exact:
                raise ConfigurationError(f"{kind} id {pattern!r} is already routed")
            self._exact[key] = route  # type: ignore[index]
        else:
            self._patterns.append(route)

    def _decorator(
        self, kind: ComponentKind, pattern: str | re.Pattern[str], filter: ComponentFilter | None
    ) -> Callable[[F], F]:
        def decorate(func: F) -> F:
            self.add_route(kind, pattern, func, filter=filter)
            return func

        return decorate

    def error_handler(
        self, func: Callable[[ComponentContext, Exception], object]
    ) -> Callable[[ComponentContext, Exception], object]:
        """Decorator: ``func(ctx, error)`` is called when a component handler raises."""
        self._error_handler = func
        return func

    def find(
        self, kind: ComponentKind, component_id: str
    ) -> tuple[Callable[[ComponentContext], object], re.Match[str] | None] | None:
        """The handler (and regex match) that would run for *component_id*, or None (sans-I/O)."""
        found = self._route(kind, component_id)
        return None if found is None else (found[0].callback, found[1])

    def _route(self, kind: ComponentKind, component_id: str) -> tuple[_Route, re.Match[str] | None] | None:
        route = self._exact.get((kind, component_id))
        if route is not None:
            return route, None
        for route in self._patterns:
            if route.kind == kind:
                ok, m = route.matches(component_id)
                if ok:
                    return route, m
        return None

    async def dispatch(self, event: ButtonClicked | DropdownSelected, *, client: MezonClient) -> bool:
        """Route one click/select event; True when a handler ran.

        Never raises ``Exception`` (see the class docstring); cancellation propagates.
        """
        if isinstance(event, ButtonClicked):
            kind: ComponentKind = "button"
            component_id = event.button_id
        else:
            kind = "select"
            component_id = event.selectbox_id
        handler_name = f"{kind}:{component_id}"
        try:
            if self._ignore_self and actor_id(event) == client.user_id:
                return False
            if self._filter is not None and not self._filter(event):
                return False
            found = self._route(kind, component_id)
            if found is None:
                log.debug("no route for %s %r", kind, component_id)
                return False
            route, match = found
            if route.filter is not None and not route.filter(event):
                return False
        except Exception as exc:
            report_failure(client, event=event, handler=handler_name, error=exc, kind=type(event).__name__)
            return False
        ctx = ComponentContext(client=client, event=event, kind=kind, match=match)
        try:
            result = route.callback(ctx)
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            report_failure(client, event=event, handler=route.callback, error=exc, kind=type(event).__name__)
            error_handler = self._error_handler
            if error_handler is not None:
                try:
                    res = error_handler(ctx, exc)
                    if inspect.isawaitable(res):
                        await res
                except Exception as exc2:
                    log.error("component error handler failed", exc_info=exc2)
        return True

    def attach(self, client: MezonClient, *, concurrency: int = 4, buffer: int = 1024) -> None:
        """Handle *client*'s clicks and selects in the client's nursery (``client.on``), from now on.

        Raises:
            ConfigurationError: bad sizes, or already attached to this client.
            ClientClosed: the client is closed.
        """
        check_run_args(concurrency, buffer)
        if id(client) in self._attached:
            raise ConfigurationError("this router is already attached to this client")

        async def on_event(event: ButtonClicked | DropdownSelected) -> None:
            await self.dispatch(event, client=client)

        on_event.__qualname__ = f"ComponentRouter.dispatch@{id(self):x}"
        client.on(ButtonClicked, on_event, concurrency=concurrency, buffer=buffer)
        client.on(DropdownSelected, on_event, concurrency=concurrency, buffer=buffer)
        self._attached[id(client)] = [on_event]

    def detach(self, client: MezonClient) -> None:
        """Stop handling *client*'s component events (running handlers finish)."""
        handlers = self._attached.pop(id(client), None)
        if handlers:
            client.off(ButtonClicked, handlers[0])
            client.off(DropdownSelected, handlers[0])

    async def run(
        self,
        client: MezonClient,
        *,
        concurrency: int = 4,
        buffer: int = 1024,
        overflow: Overflow = "drop_newest",
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Handle *client*'s clicks and selects in this task until the client closes.

        ``await nursery.start(components.run, client)``; same rules as :meth:`CommandRouter.run`.

        Raises:
            ConfigurationError: bad sizes or ``overflow="close"``.
            ClientClosed: the client is already closed.
        """

        async def dispatch(event: ButtonClicked | DropdownSelected) -> None:
            await self.dispatch(event, client=client)

        await run_stream(
            client,
            (ButtonClicked, DropdownSelected),
            dispatch,
            name="component-router",
            concurrency=concurrency,
            buffer=buffer,
            overflow=overflow,
            task_status=task_status,
        )
