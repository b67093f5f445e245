"""What real bots write by hand: a command router, a component router and composable filters.

::

    import trio
    from mezon_trio import MezonClient
    from mezon_trio.bot import CommandContext, CommandRouter, ComponentContext, ComponentRouter

    commands = CommandRouter(prefix="!")
    components = ComponentRouter()


    @commands.command(aliases=["sum"])
    async def add(ctx: CommandContext, a: int, b: int = 1) -> None:
        \"\"\"Add two numbers.\"\"\"
        await ctx.reply(f"{a} + {b} = {a + b}")


    @components.button("vote:*")
    async def vote(ctx: ComponentContext) -> None:
        await ctx.send_ephemeral(f"you voted {ctx.component_id.removeprefix('vote:')}")


    async def main() -> None:
        async with MezonClient(client_id=..., api_key=...) as client:
            commands.attach(client)  # handlers run in the client's nursery
            components.attach(client)
            await trio.sleep_forever()

**Running a router.** ``router.attach(client, concurrency=4)`` registers it with ``client.on``
(the client's nursery and bounded handler queue).  ``await nursery.start(router.run, client)``
runs it as a task of *your* nursery instead.  No other task is started.  ``router.dispatch(event,
client=client)`` handles one event yourself (e.g. inside ``async for msg in client.channel_messages()``;
it returns whether the message was a command, so non-commands can be handled by your loop).

**Commands.** A message is a command when it starts with a prefix (``"!"`` by default, several
allowed) or with a mention of the bot (``@bot add 1 2``).  Arguments are converted from the
handler's type hints: ``str``, ``int``, ``float``, ``bool``, ``Literal[...]``,
:class:`MentionedUser`, ``X | None`` (optional), defaults, a final ``*rest: X`` and a final
:data:`Greedy` (or keyword-only ``str``) parameter taking the rest of the line.  ``!help`` lists
the commands from their signatures and docstrings (``router.help_text()``).

**Errors.** An unknown command (:class:`~mezon_trio.errors.UnknownCommand`, with suggestions), a
bad argument (:class:`~mezon_trio.errors.BadArgument`, answered with the usage line) and a failing
handler (logged on ``mezon_trio.bot`` and published as ``Events.HANDLER_ERROR``) go to the
router's ``error_handler`` if set, else get a short reply.  They never stop the bot.

**Components.** :class:`ComponentRouter` routes ``message_button_clicked`` and
``dropdown_box_selected`` by component id: exact, glob (``"vote:*"``) or ``re.compile(...)``.
:class:`ComponentContext` gives the clicking user, the select's ``values`` and the form values
of ``extra_data`` parsed leniently (``ctx.data``; :func:`parse_extra_data`).

**Filters.** :class:`Filter` predicates compose with ``&``, ``|``, ``~`` and work anywhere a
predicate is taken (routers, ``client.channel_messages(filter=...)``, ``client.wait_for``):
:func:`ignore_self`, :func:`from_users`, :func:`in_channels`, :func:`in_clans`, :func:`is_dm`,
:func:`mentions_bot`.  The client delivers the bot's own messages when the server echoes them
(docs/protocol.md §12 Q3; the sandbox does only with ``echo_own_messages=True``), so both routers
ignore the bot's own events by default (``ignore_self=True``).

**Waiting.** ``client.wait_for(kind, predicate, timeout=...)`` and ``async with
client.expect(kind, predicate) as waiter`` live on the client (see :class:`Waiter`).
"""

from __future__ import annotations

from ._routing.args import Greedy as Greedy
from ._routing.args import MentionedUser as MentionedUser
from ._routing.args import Param as Param
from ._routing.commands import Command as Command
from ._routing.commands import CommandContext as CommandContext
from ._routing.commands import CommandRouter as CommandRouter
from ._routing.components import ComponentContext as ComponentContext
from ._routing.components import ComponentRouter as ComponentRouter
from ._routing.components import parse_extra_data as parse_extra_data
from ._routing.filters import Filter as Filter
from ._routing.filters import HasUserId as HasUserId
from ._routing.filters import actor_id as actor_id
from ._routing.filters import from_users as from_users
from ._routing.filters import ignore_self as ignore_self
from ._routing.filters import in_channels as in_channels
from ._routing.filters import in_clans as in_clans
from ._routing.filters import is_dm as is_dm
from ._routing.filters import mentions_bot as mentions_bot
from ._waiting import Waiter as Waiter

__all__ = [
    "Command",
    "CommandContext",
    "CommandRouter",
    "ComponentContext",
    "ComponentRouter",
    "Filter",
    "Greedy",
    "HasUserId",
    "MentionedUser",
    "Param",
    "Waiter",
    "actor_id",
    "from_users",
    "ignore_self",
    "in_channels",
    "in_clans",
    "is_dm",
    "mentions_bot",
    "parse_extra_data",
]
