"""The command router: ``!add 2 3`` or ``@bot add 2 3`` → ``add(ctx, a: int, b: int)``."""

from __future__ import annotations

import difflib
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, TypeVar, final

import trio

from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._content.split import split_text
from .._content.utf16 import py_index
from .._models.message import Message
from .._models.values import MessageRef, SendAck
from .._protocol.enums import DM_MODE
from .._protocol.ids import Id
from .._services.sending_wire import MsgContent
from ..errors import BadArgument, CommandError, ConfigurationError, UnknownCommand
from ..events import MessageCreated, Overflow
from .args import Param, bind_arguments, parse_signature
from .filters import actor_id
from .runner import check_run_args, report_failure, run_stream

if TYPE_CHECKING:
    from .._client import MezonClient

__all__ = ["Command", "CommandContext", "CommandRouter"]

log = logging.getLogger("mezon_trio.bot")

F = TypeVar("F", bound=Callable[..., object])

_DM_MODE: Final = DM_MODE
_MENTION: Final = "@mention"
_KIND: Final = "MessageCreated"

#: ``handler(ctx, error)`` called instead of the default error reply.
ErrorHandler = Callable[["CommandContext", Exception], Awaitable[object] | object]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Command:
    """A registered command (built by :meth:`CommandRouter.command`).

    Attributes:
        name: the main name.
        aliases: other names.
        callback: the handler ``callback(ctx, ...)``.
        params: the parameters parsed from the handler's signature.
        description: the handler's docstring (cleaned), "" if none.
        hidden: left out of the help list.
        filter: extra condition on the message; when it says no, the message is ignored.
    """

    name: str
    aliases: tuple[str, ...]
    callback: Callable[..., object]
    params: tuple[Param, ...]
    description: str
    hidden: bool
    filter: Callable[[Message], bool] | None

    @property
    def brief(self) -> str:
        """The first line of the description."""
        return self.description.split("\n", 1)[0].strip() if self.description else ""

    def usage(self, prefix: str = "!") -> str:
        """``!add <a:int> [b:int]``."""
        return " ".join([f"{prefix}{self.name}", *(p.usage() for p in self.params)])

    def help(self, prefix: str = "!") -> str:
        """Usage line, description and aliases."""
        lines = [self.usage(prefix)]
        if self.description:
            lines.append(self.description)
        if self.aliases:
            lines.append("Aliases: " + ", ".join(prefix + a for a in self.aliases))
        return "\n".join(lines)


@final
class CommandContext:
    """What a command handler receives first.

    Attributes:
        client: the client the message came through.
        message: the triggering message.
        router: the router that matched it.
        command: the matched command (None while reporting an unknown command).
        invoked_with: the command name as typed.
        prefix: the prefix used, or ``"@mention"`` when triggered by mentioning the bot.
        args_text: the argument string after the command name.
    """

    __slots__ = ("args_text", "client", "command", "invoked_with", "message", "prefix", "router")

    def __init__(
        self,
        *,
        client: MezonClient,
        message: Message,
        router: CommandRouter,
        command: Command | None,
        invoked_with: str,
        prefix: str,
        args_text: str,
    ) -> None:
        self.client = client
        self.message = message
        self.router = router
        self.command = command
        self.invoked_with = invoked_with
        self.prefix = prefix
        self.args_text = args_text

    def __repr__(self) -> str:
        return f"<CommandContext {self.invoked_with!r} args={self.args_text!r} message={self.message.id}>"

    @property
    def event(self) -> Message:
        """The message (lets :mod:`filters <mezon_trio.bot>` inspect a context)."""
        return self.message

    @property
    def author_id(self) -> int:
        return self.message.sender_id

    @property
    def display_prefix(self) -> str:
        """The prefix to show in usage strings (the router's first prefix after a mention)."""
        return self.router.display_prefix if self.prefix == _MENTION else self.prefix

    async def reply(
        self,
        content: MsgContent,
        /,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
        *,
        mention_everyone: bool | None = None,
        anonymous_message: bool | None = None,
        topic_id: Id | None = None,
        code: int | None = None,
    ) -> SendAck:
        """Reply to the triggering message (``message.reply``); see :meth:`Message.reply`.

        Text longer than one message is split into several replies (the last ack is returned).
        """
        chunks = (split_text(content) or [content]) if isinstance(content, str) else [content]
        acks = [
            await self.message.reply(
                chunk,
                mentions,
                attachments,
                mention_everyone=mention_everyone,
                anonymous_message=anonymous_message,
                topic_id=topic_id,
                code=code,
            )
            for chunk in chunks
        ]
        return acks[-1]

    async def send(
        self,
        content: MsgContent,
        /,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
        ref: MessageRef | Iterable[MessageRef] | None = None,
        *,
        mention_everyone: bool = False,
    ) -> SendAck:
        """Send to the message's channel without quoting it (``client.send_message``)."""
        m = self.message
        return await self.client.send_message(
            m.clan_id,
            m.channel_id,
            m.mode,
            m.is_public,
            content,
            mentions,
            attachments,
            ref,
            mention_everyone=mention_everyone,
        )


@final
class CommandRouter:
    """Routes chat messages to command handlers.

    ::

        router = CommandRouter(prefix="!")

        @router.command()
        async def add(ctx: CommandContext, a: int, b: int = 1) -> None:
            \"\"\"Add two numbers.\"\"\"
            await ctx.reply(str(a + b))

        async with MezonClient(...) as client:
            router.attach(client)           # run in the client's nursery
            await trio.sleep_forever()

    A message is a command when its text starts with one of the prefixes, or with a mention of
    the bot (``mention=True``), or — in a DM with ``dm_prefix_optional=True`` — anything.  The
    first word is the command name (case-insensitive unless ``case_sensitive``), the rest the
    arguments, converted by the handler's type hints (see :mod:`mezon_trio.bot`).

    Errors never stop the bot: an unknown command or a bad argument becomes a
    :class:`~mezon_trio.errors.UnknownCommand` / :class:`~mezon_trio.errors.BadArgument`, a handler
    exception is logged (logger ``mezon_trio.bot``) and published as a ``HandlerError``.  Each
    is then given to the :meth:`error_handler` if one is set, else answered with a short reply
    (unless ``reply_errors=False``; internal details are never shown to users).

    Args:
        prefix: one prefix or several (``("!", "/")``); may end with a space (``"bot "``).
        mention: also trigger on messages that start with a mention of the bot.
        dm_prefix_optional: in direct messages, the text itself may be the command.
        case_sensitive: command names are case-sensitive.
        ignore_self: skip the bot's own messages (a server may echo them).
        filter: only messages for which it is true are considered (e.g. :func:`in_channels`).
        help_command: name of the built-in help command; None for no help command.
        reply_errors: answer unknown commands, bad arguments and failures in the chat.
    """

    def __init__(
        self,
        prefix: str | Sequence[str] = "!",
        *,
        mention: bool = True,
        dm_prefix_optional: bool = False,
        case_sensitive: bool = False,
        ignore_self: bool = True,
        filter: Callable[[Message], bool] | None = None,
        help_command: str | None = "help",
        reply_errors: bool = True,
    ) -> None:
        prefixes = (prefix,) if isinstance(prefix, str) else tuple(prefix)
        if not prefixes and not mention and not dm_prefix_optional:
            raise ConfigurationError(
                "a CommandRouter needs a prefix, mention=True or dm_prefix_optional=True"
            )
        if any(not isinstance(p, str) or not p.strip() for p in prefixes):
            raise ConfigurationError(f"prefixes must be non-blank strings, got {prefixes!r}")
        # Longest first, so "!!" wins over "!".
        self._prefixes = tuple(sorted(prefixes, key=len, reverse=True))
        self._display_prefix = prefixes[0] if prefixes else ""
        self._mention = mention
        self._dm_optional = dm_prefix_optional
        self._case_sensitive = case_sensitive
        self._ignore_self = ignore_self
        self._filter = filter
        self._reply_errors = reply_errors
        self._commands: dict[str, Command] = {}  # main names, in registration order
        self._lookup: dict[str, Command] = {}  # names and aliases (folded)
        self._error_handler: ErrorHandler | None = None
        self._attached: dict[int, Callable[[MessageCreated], Awaitable[None]]] = {}
        self._help_name = help_command
        if help_command is not None:
            self.add_command(
                self._help, name=help_command, description="Show the commands, or one command's help."
            )

    def __repr__(self) -> str:
        return f"<CommandRouter prefixes={list(self._prefixes)} commands={list(self._commands)}>"

    # ------------------------------------------------------------------ registration

    @property
    def commands(self) -> dict[str, Command]:
        """The registered commands by main name (a copy)."""
        return dict(self._commands)

    @property
    def display_prefix(self) -> str:
        """The first prefix (used in help and usage texts)."""
        return self._display_prefix

    def _fold(self, name: str) -> str:
        return name if self._case_sensitive else name.casefold()

    def command(
        self,
        name: str | None = None,
        *,
        aliases: Iterable[str] = (),
        hidden: bool = False,
        filter: Callable[[Message], bool] | None = None,
        description: str | None = None,
    ) -> Callable[[F], F]:
        """Decorator registering ``func(ctx, ...)`` (sync or async) as a command.

        Args:
            name: defaults to the function's name.
            aliases: other names.
            hidden: leave it out of the help list (``help <name>`` still works).
            filter: the message must also pass it (else the message is ignored).
            description: help text; defaults to the docstring.

        Raises:
            ConfigurationError: the name is taken, or the signature is not supported.
        """

        def decorate(func: F) -> F:
            self.add_command(
                func, name=name, aliases=aliases, hidden=hidden, filter=filter, description=description
            )
            return func

        return decorate

    def add_command(
        self,
        func: Callable[..., object],
        *,
        name: str | None = None,
        aliases: Iterable[str] = (),
        hidden: bool = False,
        filter: Callable[[Message], bool] | None = None,
        description: str | None = None,
    ) -> Command:
        """Register *func* as a command (the non-decorator form of :meth:`command`).

        Registering a command named like the help command replaces the built-in help.

        Raises:
            ConfigurationError: the name is taken, or the signature is not supported.
        """
        cmd_name = name or getattr(func, "__name__", "")
        if not cmd_name or any(c.isspace() for c in cmd_name):
            raise ConfigurationError(f"bad command name {cmd_name!r}")
        alias_list = tuple(aliases)
        params = parse_signature(func, where=f"command {cmd_name!r}")
        doc = description if description is not None else inspect.getdoc(func) or ""
        command = Command(
            name=cmd_name,
            aliases=alias_list,
            callback=func,
            params=params,
            description=doc.strip(),
            hidden=hidden,
            filter=filter,
        )
        folded = [self._fold(n) for n in (cmd_name, *alias_list)]
        builtin_help = self._help_name is not None and self._fold(self._help_name) in folded
        if builtin_help:
            old = self._commands.get(self._help_name or "")
            if old is not None and old.callback == self._help:
                self.remove_command(old.name)
        for key in folded:
            if key in self._lookup:
                raise ConfigurationError(f"command name {key!r} is already registered")
        self._commands[cmd_name] = command
        for key in folded:
            self._lookup[key] = command
        return command

    def remove_command(self, name: str) -> None:
        """Unregister a command by main name (does nothing if absent)."""
        command = self._commands.pop(name, None)
        if command is None:
            return
        for key in (command.name, *command.aliases):
            self._lookup.pop(self._fold(key), None)

    def get_command(self, name: str) -> Command | None:
        """The command called *name* (or with that alias)."""
        return self._lookup.get(self._fold(name))

    def error_handler(self, func: ErrorHandler) -> ErrorHandler:
        """Decorator: ``func(ctx, error)`` handles every command error instead of the default reply.

        ``error`` is an :class:`~mezon_trio.errors.UnknownCommand`, a
        :class:`~mezon_trio.errors.BadArgument` or whatever the handler raised (then also logged
        and published as a ``HandlerError``).  Its own failures are logged.
        """
        self._error_handler = func
        return func

    # ------------------------------------------------------------------ help

    def help_text(self, command: str | None = None, *, prefix: str | None = None) -> str:
        """The help list, or one command's help (``"Unknown command ..."`` if there is none)."""
        p = self._display_prefix if prefix is None else prefix
        if command is not None:
            cmd = self.get_command(command.removeprefix(p) if p else command)
            if cmd is None:
                return f"Unknown command {command!r}."
            return cmd.help(p)
        lines = ["Commands:"]
        for cmd in self._commands.values():
            if cmd.hidden:
                continue
            brief = f" — {cmd.brief}" if cmd.brief else ""
            lines.append(f"  {cmd.usage(p)}{brief}")
        if self._help_name is not None and self.get_command(self._help_name) is not None:
            lines.append(f"Type {p}{self._help_name} <command> for details.")
        return "\n".join(lines)

    async def _help(self, ctx: CommandContext, command: str | None = None) -> None:
        """Show the commands, or one command's help."""
        await ctx.reply(self.help_text(command, prefix=ctx.display_prefix))

    # ------------------------------------------------------------------ matching (sans-I/O)

    def match(self, message: Message, bot_id: int) -> tuple[str, str, str] | None:
        """``(prefix, name, args_text)`` when *message* is addressed to the router, else None.

        ``prefix`` is ``"@mention"`` for a mention trigger and ``""`` for a prefix-less DM; ``name``
        may be ``""`` (a bare prefix or mention).
        """
        text = message.text
        stripped = text.lstrip()
        for prefix in self._prefixes:
            if stripped.startswith(prefix):
                rest = stripped[len(prefix) :]
                if rest[:1].isspace() and not prefix[-1].isspace():
                    return (prefix, "", rest.strip())
                return (prefix, *_split_name(rest))
        if self._mention:
            rest_after = _after_leading_mention(message, bot_id)
            if rest_after is not None:
                return (_MENTION, *_split_name(rest_after))
        if self._dm_optional and (message.mode == _DM_MODE or message.clan_id == 0) and stripped:
            return ("", *_split_name(stripped))
        return None

    # ------------------------------------------------------------------ dispatching

    async def dispatch(self, message: Message, *, client: MezonClient) -> bool:
        """Handle one message; True when it was addressed to the router (a command, known or not).

        Never raises ``Exception``: errors go to the error handler / default reply (see the class
        docstring).  Cancellation propagates.  ``attach`` and ``run`` feed it the messages of
        :class:`~mezon_trio.events.MessageCreated` events only (never edits or deletions).
        """
        bot_id = client.user_id
        if self._ignore_self and actor_id(message) == bot_id:
            return False
        try:
            if self._filter is not None and not self._filter(message):
                return False
            found = self.match(message, bot_id)
        except Exception as exc:
            report_failure(client, event=message, handler=repr(self), error=exc, kind=_KIND)
            return False
        if found is None:
            return False
        prefix, name, args_text = found
        command = self.get_command(name) if name else None
        ctx = CommandContext(
            client=client,
            message=message,
            router=self,
            command=command,
            invoked_with=name,
            prefix=prefix,
            args_text=args_text,
        )
        if command is None:
            if not name:
                if prefix == _MENTION and self._help_name is not None:
                    await self._safe_reply(ctx, self.help_text(prefix=ctx.display_prefix))
                return True
            await self._fail(ctx, self._unknown(name, ctx.display_prefix))
            return True
        try:
            if command.filter is not None and not command.filter(message):
                log.debug("command %s: message %d filtered out", command.name, message.id)
                return True
            args, kwargs = bind_arguments(command.params, args_text, message)
        except BadArgument as exc:
            await self._fail(ctx, exc)
            return True
        except Exception as exc:
            report_failure(client, event=message, handler=command.callback, error=exc, kind=_KIND)
            await self._fail(ctx, exc)
            return True
        try:
            result = command.callback(ctx, *args, **kwargs)
            if inspect.isawaitable(result):
                await result
        except CommandError as exc:  # a handler may raise BadArgument itself
            await self._fail(ctx, exc)
        except Exception as exc:
            report_failure(client, event=message, handler=command.callback, error=exc, kind=_KIND)
            await self._fail(ctx, exc)
        return True

    def _unknown(self, name: str, prefix: str) -> UnknownCommand:
        names = [n for n, c in self._lookup.items() if not c.hidden]
        close = tuple(difflib.get_close_matches(self._fold(name), names, n=3, cutoff=0.6))
        text = f"Unknown command {name!r}."
        if close:
            text += " Did you mean " + " or ".join(prefix + c for c in close) + "?"
        if self._help_name is not None and self.get_command(self._help_name) is not None:
            text += f" Type {prefix}{self._help_name} for the list."
        return UnknownCommand(text, name=name, suggestions=close)

    async def _fail(self, ctx: CommandContext, error: Exception) -> None:
        handler = self._error_handler
        if handler is not None:
            try:
                result = handler(ctx, error)
                if inspect.isawaitable(result):
                    await result
            except Exception as exc:
                log.error("command error handler failed", exc_info=exc)
            return
        if not self._reply_errors:
            return
        if isinstance(error, BadArgument):
            text = f"{error}\nUsage: {ctx.command.usage(ctx.display_prefix)}" if ctx.command else str(error)
        elif isinstance(error, CommandError):
            text = str(error)
        else:
            text = f"Sorry, {ctx.display_prefix}{ctx.invoked_with} failed."
        await self._safe_reply(ctx, text)

    async def _safe_reply(self, ctx: CommandContext, text: str) -> None:
        try:
            await ctx.reply(text)
        except Exception as exc:
            log.warning("could not reply to message %d: %s", ctx.message.id, exc)

    # ------------------------------------------------------------------ running

    def attach(self, client: MezonClient, *, concurrency: int = 4, buffer: int = 1024) -> None:
        """Handle *client*'s chat messages in the client's nursery (``client.on``), from now on.

        ``concurrency`` commands run at once (1 keeps them in arrival order); messages beyond
        ``buffer`` waiting ones are dropped with a warning and a ``handler_error``.  May be called
        before the client is entered.  Undo with :meth:`detach`.

        Raises:
            ConfigurationError: bad sizes, or already attached to this client.
            ClientClosed: the client is closed.
        """
        check_run_args(concurrency, buffer)
        if id(client) in self._attached:
            raise ConfigurationError("this router is already attached to this client")

        async def on_message(event: MessageCreated) -> None:
            await self.dispatch(event.message, client=client)

        on_message.__qualname__ = f"CommandRouter.dispatch@{id(self):x}"
        client.on(MessageCreated, on_message, concurrency=concurrency, buffer=buffer)
        self._attached[id(client)] = on_message

    def detach(self, client: MezonClient) -> None:
        """Stop handling *client*'s messages (running commands finish)."""
        handler = self._attached.pop(id(client), None)
        if handler is not None:
            client.off(MessageCreated, handler)

    async def run(
        self,
        client: MezonClient,
        *,
        concurrency: int = 4,
        buffer: int = 1024,
        overflow: Overflow = "drop_newest",
        task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
    ) -> None:
        """Handle *client*'s chat messages in this task until the client closes.

        Start it in your nursery: ``await nursery.start(router.run, client)`` (subscribed once
        ``start`` returns).  ``concurrency`` worker tasks run in a nursery inside this call.
        Messages beyond ``buffer`` waiting ones are dropped (``overflow``) with a warning.
        Cancel it to stop; running commands are cancelled.

        Raises:
            ConfigurationError: bad sizes or ``overflow="close"``.
            ClientClosed: the client is already closed.
        """

        async def dispatch(event: MessageCreated) -> None:
            await self.dispatch(event.message, client=client)

        await run_stream(
            client,
            (MessageCreated,),
            dispatch,
            name="command-router",
            concurrency=concurrency,
            buffer=buffer,
            overflow=overflow,
            task_status=task_status,
        )


def _split_name(rest: str) -> tuple[str, str]:
    parts = rest.strip().split(None, 1)
    if not parts:
        return ("", "")
    return (parts[0], parts[1].strip() if len(parts) > 1 else "")


def _after_leading_mention(message: Message, bot_id: int) -> str | None:
    """The text after a leading mention of the bot, or None when it does not start with one."""
    text = message.text
    lead = len(text) - len(text.lstrip())
    bot_mentions = [m for m in message.mentions if m.user_id == bot_id]
    if not bot_mentions:
        return None
    for m in bot_mentions:
        if m.e > m.s:
            try:
                start, end = py_index(text, m.s), py_index(text, m.e)
            except ValueError:
                continue
            if not text[lead:start].strip():
                return text[end:]
    # No usable range: accept "@name ..." when the bot is among the mentions.
    stripped = text[lead:]
    if stripped.startswith("@") and all(m.e <= m.s for m in bot_mentions):
        first, _, rest = stripped.partition(" ")
        name = bot_mentions[0].username
        if not name or first[1:] == name:
            return rest
    return None
