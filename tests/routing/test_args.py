"""Argument parsing from type hints (sans-I/O): tokenizer, converters, signatures, errors."""

from typing import Literal

import pytest

from mezon_trio._models.message import new_message
from mezon_trio._proto.mezon import api
from mezon_trio._routing.args import bind_arguments, parse_signature, tokenize
from mezon_trio.bot import Greedy, MentionedUser
from mezon_trio.content import TextBuilder
from mezon_trio.errors import BadArgument, ConfigurationError


def bind(func, text, message=None):
    return bind_arguments(parse_signature(func, where="test"), text, message)


def test_tokenize_quotes_and_positions() -> None:
    toks = tokenize('  say "hello world" don\'t “curly one” ')
    assert [t.text for t in toks] == ["say", "hello world", "don't", "curly one"]
    assert toks[1].start == 6
    assert toks[1].end == 19


def test_tokenize_unclosed_quote() -> None:
    with pytest.raises(BadArgument, match="unclosed quote"):
        tokenize('a "b c')


def test_simple_types_and_defaults() -> None:
    def f(ctx, a: int, b: float, c: bool, d: str = "x", e: int | None = None) -> None: ...

    assert bind(f, "1_000 2.5 yes") == ([1000, 2.5, True, "x", None], {})
    assert bind(f, "-3 1e3 off hi 7") == ([-3, 1000.0, False, "hi", 7], {})


@pytest.mark.parametrize(
    ("text", "param"),
    [("x 1 yes", "a"), ("1 nan yes", "b"), ("1 2 maybe", "c"), ("1 2 yes s 1.5", "e")],
)
def test_bad_values_name_the_parameter(text: str, param: str) -> None:
    def f(ctx, a: int, b: float, c: bool, d: str = "x", e: int | None = None) -> None: ...

    with pytest.raises(BadArgument) as info:
        bind(f, text)
    assert info.value.param == param
    assert param in str(info.value)


def test_missing_and_extra() -> None:
    def f(ctx, a: int) -> None: ...

    with pytest.raises(BadArgument, match="missing argument: a") as info:
        bind(f, "")
    assert info.value.param == "a"
    assert info.value.value is None
    with pytest.raises(BadArgument, match="too many arguments: '2 3'"):
        bind(f, "1 2 3")


def test_variadic_rest_converted() -> None:
    def f(ctx, first: str, *rest: int) -> None: ...

    assert bind(f, "a 1 2 3") == (["a", 1, 2, 3], {})
    assert bind(f, "a") == (["a"], {})
    with pytest.raises(BadArgument):
        bind(f, "a 1 x")


def test_greedy_and_keyword_only_take_the_rest_of_the_line() -> None:
    def g(ctx, n: int, text: Greedy) -> None: ...

    def k(ctx, *, text: str) -> None: ...

    def opt(ctx, text: Greedy = "default") -> None: ...

    assert bind(g, '3   hello   "big"  world ') == ([3, 'hello   "big"  world'], {})
    assert bind(g, '3 "quoted all"') == ([3, "quoted all"], {})
    assert bind(k, "anything at  all") == ([], {"text": "anything at  all"})
    assert bind(opt, "") == (["default"], {})
    with pytest.raises(BadArgument, match="missing argument: text"):
        bind(k, "   ")


def test_literal_choices_case_insensitive() -> None:
    def f(ctx, color: Literal["red", "green"]) -> None: ...

    assert bind(f, "GREEN") == (["green"], {})
    with pytest.raises(BadArgument, match="expected one of red, green"):
        bind(f, "blue")


def test_mentioned_user_from_message_mentions_or_id() -> None:
    content = TextBuilder().text("!tip ").mention(42, "alice").text(" 5").build()
    raw = api.ChannelMessage(
        content=content.to_json(),
        mentions=bytes(
            api.MessageMentionList(mentions=[api.MessageMention(user_id=42, username="alice", s=5, e=11)])
        ),
    )
    msg = new_message(raw)

    def f(ctx, who: MentionedUser, amount: int) -> None: ...

    assert bind(f, "@alice 5", msg) == ([MentionedUser(42, "alice"), 5], {})
    assert bind(f, "77 5", msg) == ([MentionedUser(77, ""), 5], {})
    with pytest.raises(BadArgument, match="who"):
        bind(f, "@bob 5", msg)


def test_no_context_parameter_rejected() -> None:
    with pytest.raises(ConfigurationError, match="context"):
        parse_signature(lambda: None, where="t")


def test_more_bad_signatures() -> None:
    def kw(ctx, **extra: str) -> None: ...

    def after_rest(ctx, *rest: str, text: str) -> None: ...

    def greedy_int(ctx, *, n: int) -> None: ...

    def after_greedy(ctx, text: Greedy, n: int) -> None: ...

    def unknown_type(ctx, x: bytes) -> None: ...

    def kw_only_ctx(*, ctx: object) -> None: ...

    for func in (kw, after_rest, greedy_int, after_greedy, unknown_type, kw_only_ctx):
        with pytest.raises(ConfigurationError):
            parse_signature(func, where="t")


def test_usage_strings() -> None:
    def f(ctx, a: int, b: str, c: int = 2, *rest: float) -> None: ...

    params = parse_signature(f, where="t")
    assert [p.usage() for p in params] == ["<a:int>", "<b>", "[c:int]", "[rest:number...]"]
