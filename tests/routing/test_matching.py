"""CommandRouter.match and help texts (sans-I/O)."""

from __future__ import annotations

import pytest

from mezon_trio._proto.mezon import api
from mezon_trio.bot import CommandContext, CommandRouter, Greedy
from mezon_trio.errors import ConfigurationError

from ._msgs import BOT, msg


def make() -> CommandRouter:
    router = CommandRouter(prefix=("!", "!!", "bot "))

    @router.command(aliases=["sum", "plus"])
    async def add(ctx: CommandContext, a: int, b: int = 1) -> None:
        """Add two numbers.

        Longer description here.
        """

    @router.command(hidden=True)
    def secret(ctx: CommandContext) -> None:
        pass

    @router.command(name="say")
    async def say_(ctx: CommandContext, text: Greedy) -> None:
        """Repeat the text."""

    return router


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!add 1 2", ("!", "add", "1 2")),
        ("  !ADD   1   2 ", ("!", "ADD", "1   2")),
        ("!!add 3", ("!!", "add", "3")),
        ("bot add 3", ("bot ", "add", "3")),
        ("! add", ("!", "", "add")),
        ("!", ("!", "", "")),
        ("hello !add", None),
        ("add 1", None),
    ],
)
def test_prefix_matching(text: str, expected: tuple[str, str, str] | None) -> None:
    assert make().match(msg(text), BOT) == expected


def test_mention_trigger() -> None:
    router = make()
    assert router.match(msg("add 4 5", mention_bot_first=True), BOT) == ("@mention", "add", "4 5")
    # a mention of someone else, or of the bot later in the text, is not a trigger
    other = api.MessageMention(user_id=5, username="x", s=0, e=2)
    assert router.match(msg("@x add", mentions=[other]), BOT) is None
    late = api.MessageMention(user_id=BOT, username="sandbox-bot", s=3, e=15)
    assert router.match(msg("hi @sandbox-bot add", mentions=[late]), BOT) is None
    # mention without a range (some clients): "@name ..." at the start
    bare = api.MessageMention(user_id=BOT, username="sandbox-bot")
    assert router.match(msg("@sandbox-bot add 1", mentions=[bare]), BOT) == ("@mention", "add", "1")
    assert CommandRouter(mention=False).match(msg("add", mention_bot_first=True), BOT) is None


def test_dm_prefix_optional() -> None:
    router = CommandRouter(dm_prefix_optional=True)
    assert router.match(msg("help me", clan=0, mode=4), BOT) == ("", "help", "me")
    assert router.match(msg("help me"), BOT) is None


def test_lookup_case_and_aliases() -> None:
    router = make()
    add = router.get_command("add")
    assert add is not None
    assert router.get_command("SUM") is add
    assert router.get_command("plus") is add
    strict = CommandRouter(case_sensitive=True)
    strict.add_command(lambda ctx: None, name="Go")
    assert strict.get_command("go") is None
    assert strict.get_command("Go") is not None


def test_duplicate_names_rejected() -> None:
    router = make()
    with pytest.raises(ConfigurationError):
        router.add_command(lambda ctx: None, name="Sum")
    with pytest.raises(ConfigurationError):
        CommandRouter(prefix=" ")
    with pytest.raises(ConfigurationError):
        CommandRouter(prefix=(), mention=False)


def test_help_text_from_signatures_and_docstrings() -> None:
    router = make()
    text = router.help_text()
    assert text.splitlines() == [
        "Commands:",
        "  !help [command] — Show the commands, or one command's help.",
        "  !add <a:int> [b:int] — Add two numbers.",
        "  !say <text...> — Repeat the text.",
        "Type !help <command> for details.",
    ]
    detail = router.help_text("add")
    assert detail.startswith("!add <a:int> [b:int]\nAdd two numbers.")
    assert "Longer description here." in detail
    assert "Aliases: !sum, !plus" in detail
    assert router.help_text("secret") == "!secret"
    assert router.help_text("nope") == "Unknown command 'nope'."


def test_custom_help_replaces_builtin() -> None:
    router = CommandRouter()

    @router.command()
    async def help(ctx: CommandContext) -> None:
        """My help."""

    assert router.get_command("help").description == "My help."  # type: ignore[union-attr]
    assert list(router.commands) == ["help"]
    assert "help" not in CommandRouter(help_command=None).commands
