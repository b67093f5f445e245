"""Buttons and forms bot: a menu of buttons, a select box and a feedback form.

    MEZON_CLIENT_ID=... MEZON_API_KEY=... python examples/buttons_bot.py   # real Mezon
    python examples/buttons_bot.py --sandbox                                # offline demo

``!menu`` posts buttons (like, roll a die, open a form) and a colour select.  The form is an
embed with input fields; its Submit button carries the typed values in ``extra_data``, which
``ComponentContext.data`` parses leniently.  Shows ``CommandRouter`` + ``ComponentRouter`` (exact,
glob and regex routes), ephemeral answers and editing the bot's own message.
"""

from __future__ import annotations

import random
import re

import trio
from _common import Chat, main

from mezon_trio import MezonClient
from mezon_trio.bot import CommandContext, CommandRouter, ComponentContext, ComponentRouter
from mezon_trio.content import (
    ActionRowDict,
    ButtonBuilder,
    ButtonMessageStyle,
    Content,
    InteractiveBuilder,
    MessageComponentType,
    MessageSelectType,
    SelectFieldOption,
)

COLOURS = ("red", "green", "blue")


def menu_content() -> Content:
    buttons = (
        ButtonBuilder()
        .add_button("like", "👍 Like", ButtonMessageStyle.SUCCESS)
        .add_button("roll:6", "🎲 d6")
        .add_button("roll:20", "🎲 d20")
        .add_button("form:open", "📝 Feedback", ButtonMessageStyle.SECONDARY)
    )
    # A select has no builder: write the action row by hand; ActionRowDict has mypy check its keys.
    select_row: ActionRowDict = {
        "components": [
            {
                "id": "colour",
                "type": int(MessageComponentType.SELECT),
                "component": {
                    "type": int(MessageSelectType.TEXT),
                    "placeholder": "Favourite colour",
                    "options": [{"label": c.title(), "value": c} for c in COLOURS],
                },
            }
        ]
    }
    return Content("What would you like to do?", components=[buttons, select_row])


def feedback_form() -> Content:
    form = (
        InteractiveBuilder("Feedback")
        .set_description("Tell us what you think")
        .add_input_field("name", "Your name", placeholder="Ada")
        .add_input_field("comment", "Comment", placeholder="Great bot!")
        .add_select_field("rating", "Rating", [SelectFieldOption(str(n), str(n)) for n in range(1, 6)])
    )
    buttons = (
        ButtonBuilder()
        .add_button("form:submit", "Submit", ButtonMessageStyle.SUCCESS)
        .add_button("form:cancel", "Cancel", ButtonMessageStyle.DANGER)
    )
    return Content(embed=[form], components=[buttons])


def build_routers() -> tuple[CommandRouter, ComponentRouter]:
    commands = CommandRouter(prefix="!")
    components = ComponentRouter()

    @commands.command()  # the command is named after the function: !menu
    async def menu(ctx: CommandContext) -> None:
        """Show the menu of buttons."""
        await ctx.send(menu_content())

    @components.button("like")  # exact id
    async def like(ctx: ComponentContext) -> None:
        await ctx.send_ephemeral("Thanks for the like! 💚")  # only the clicking user sees it

    @components.button(re.compile(r"roll:(?P<sides>\d+)"))  # regular expression
    async def roll(ctx: ComponentContext) -> None:
        sides = int(ctx.groups["sides"])
        await ctx.send(f"🎲 d{sides}: {random.randint(1, sides)}")

    @components.button("form:open")
    async def open_form(ctx: ComponentContext) -> None:
        await ctx.send(feedback_form())

    @components.button("form:*")  # glob: submit and cancel (form:open is routed above, exact first)
    async def form_answer(ctx: ComponentContext) -> None:
        if ctx.component_id == "form:cancel":
            await ctx.update_message(Content("Feedback form cancelled."))
            return
        values = ctx.data  # {"name": ..., "comment": ..., "rating": ...}; {} if unparsable
        name = str(values.get("name") or "someone")
        summary = f"Thanks {name}! Rating {values.get('rating', '?')}/5: {values.get('comment', '')}".strip()
        await ctx.update_message(Content(summary))  # replaces the form: no more buttons

    @components.select("colour")
    async def colour(ctx: ComponentContext) -> None:
        await ctx.send(f"Nice choice: {', '.join(ctx.values)}")

    return commands, components


async def run_bot(
    client: MezonClient, *, task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED
) -> None:
    """Run until cancelled: both routers as tasks of this function's nursery."""
    commands, components = build_routers()
    async with trio.open_nursery() as nursery:
        await nursery.start(commands.run, client)
        await nursery.start(components.run, client)
        task_status.started()


async def script(chat: Chat) -> None:
    """The --sandbox conversation."""
    await chat.say("alice", "!menu")
    await chat.bot_answers()
    menu_message = chat.last_bot_message()
    await chat.click("alice", menu_message.message_id, "like")
    await chat.bot_answers()
    await chat.click("bob", menu_message.message_id, "roll:20")
    await chat.bot_answers()
    await chat.select("bob", menu_message.message_id, "colour", ["blue"])
    await chat.bot_answers()
    await chat.click("alice", menu_message.message_id, "form:open")
    await chat.bot_answers()
    form = chat.last_bot_message()
    await chat.click(
        "alice", form.message_id, "form:submit", '{"name": "Alice", "comment": "Lovely", "rating": "5"}'
    )
    await chat.bot_answers()


if __name__ == "__main__":
    main(run_bot, script, __doc__ or "")
