"""Command arguments: a tokenizer and converters driven by the handler's type hints (sans-I/O).

Supported annotations of a command handler's parameters (after the context parameter):

* ``str`` (or no annotation), ``int``, ``float``, ``bool`` (``yes/no``, ``true/false``, ``on/off``,
  ``1/0``), ``Literal["a", "b"]`` (choices), :class:`MentionedUser` (``@name`` resolved through the
  message's mentions, or a numeric user id);
* ``X | None`` / ``Optional[X]``: may be omitted (then ``None`` unless a default is given);
* a default value: the argument may be omitted;
* ``*rest: X``: every remaining argument, each converted to ``X``;
* a :data:`Greedy` parameter (``text: Greedy``) or a keyword-only ``str`` parameter
  (``def say(ctx, *, text: str)``): the rest of the line as typed (quotes kept, except one
  quoted string around all of it).

Arguments are separated by whitespace; ``"double"``, ``'single'`` and “curly” quotes group words
(a quote only opens a group at the start of a word, so ``don't`` stays one word).
"""

from __future__ import annotations

import contextlib
import inspect
import types
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Final, Literal, TypeAlias, Union, final

from .._content.utf16 import py_index
from .._models.message import Message
from ..errors import BadArgument, ConfigurationError

__all__ = ["Greedy", "MentionedUser", "Param", "Token", "bind_arguments", "parse_signature", "tokenize"]


@final
class _GreedyMarker:
    __slots__ = ()

    def __repr__(self) -> str:
        return "GREEDY"


_GREEDY: Final = _GreedyMarker()

#: Annotate the last parameter with it to receive the rest of the line: ``def say(ctx, text: Greedy)``.
Greedy: TypeAlias = Annotated[str, _GREEDY]
"""A command parameter annotated ``Greedy`` receives the rest of the line, spaces included.

``def say(ctx, text: Greedy)``: ``!say hello  world`` gives ``text == "hello  world"``.
It must be the last parameter; a keyword-only ``str`` parameter does the same.
"""

_QUOTES: Final = {'"': '"', "'": "'", "“": "”", "„": "“", "«": "»"}
_TRUE: Final = frozenset({"true", "yes", "y", "on", "1", "enable", "enabled"})
_FALSE: Final = frozenset({"false", "no", "n", "off", "0", "disable", "disabled"})


@final
@dataclass(frozen=True, slots=True)
class MentionedUser:
    """A user named in a command: ``@name`` (resolved through the message's mentions) or an id.

    Attributes:
        id: the user id.
        username: the name as written without ``@`` ("" when given as a numeric id).
    """

    id: int
    username: str = ""


@final
@dataclass(frozen=True, slots=True)
class Token:
    """One argument word: its text (quotes removed) and where it starts/ends in the argument string."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    """Split an argument string into words, honouring quotes.

    Raises:
        BadArgument: a quote is not closed.
    """
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        start = i
        close = _QUOTES.get(text[i])
        if close is not None:
            end = text.find(close, i + 1)
            if end < 0:
                raise BadArgument(f"unclosed quote {text[i]} in the arguments", value=text[i:])
            tokens.append(Token(text[i + 1 : end], start, end + 1))
            i = end + 1
            continue
        while i < n and not text[i].isspace():
            i += 1
        tokens.append(Token(text[start:i], start, i))
    return tokens


def _unquote_all(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and _QUOTES.get(text[0]) == text[-1]:
        inner = text[1:-1]
        if text[-1] not in inner:
            return inner
    return text


# ---------------------------------------------------------------------------- converters

Converter: TypeAlias = Callable[[str, Message | None], object]


def _to_int(text: str, _msg: Message | None) -> int:
    return int(text.replace("_", "").replace(",", ""), 10)


def _to_float(text: str, _msg: Message | None) -> float:
    value = float(text.replace("_", "").replace(",", ""))
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError("not a finite number")
    return value


def _to_bool(text: str, _msg: Message | None) -> bool:
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError("expected yes/no")


def _to_str(text: str, _msg: Message | None) -> str:
    return text


def _to_user(text: str, message: Message | None) -> MentionedUser:
    name = text[1:] if text.startswith("@") else text
    if message is not None and text.startswith("@"):
        full = message.text
        for m in message.mentions:
            if not m.user_id:
                continue
            label = m.username
            if m.e > m.s:
                with contextlib.suppress(ValueError):
                    label = full[py_index(full, m.s) : py_index(full, m.e)].lstrip("@")
            if name and name in (label, m.username):
                return MentionedUser(m.user_id, m.username or name)
    if name.isdigit():
        return MentionedUser(int(name), "" if text == name else name)
    raise ValueError("expected an @mention or a user id")


def _literal(choices: tuple[Any, ...]) -> Converter:
    by_text = {str(c).lower(): c for c in choices}

    def convert(text: str, _msg: Message | None) -> Any:
        try:
            return by_text[text.lower()]
        except KeyError:
            raise ValueError("expected one of " + ", ".join(str(c) for c in choices)) from None

    return convert


_SIMPLE: Final[dict[Any, tuple[Converter, str]]] = {
    str: (_to_str, "str"),
    int: (_to_int, "int"),
    float: (_to_float, "number"),
    bool: (_to_bool, "yes/no"),
    MentionedUser: (_to_user, "@user"),
}


@final
@dataclass(frozen=True, slots=True)
class Param:
    """One command parameter as derived from the handler's signature.

    Attributes:
        name: the parameter name.
        type_name: short type for usage strings (``int``, ``@user``, ``a|b``).
        required: must be given.
        default: the value when omitted (``None`` for optional parameters without default).
        kind: ``"positional"``, ``"variadic"`` (``*rest``) or ``"greedy"`` (rest of the line).
        keyword: passed by keyword (keyword-only parameters).
    """

    name: str
    type_name: str
    required: bool
    default: object
    kind: Literal["positional", "variadic", "greedy"]
    keyword: bool
    convert: Converter

    def usage(self) -> str:
        label = self.name if self.type_name == "str" else f"{self.name}:{self.type_name}"
        if self.kind == "variadic":
            return f"[{label}...]"
        if self.kind == "greedy":
            label += "..."
        return f"<{label}>" if self.required else f"[{label}]"

    def parse(self, text: str, message: Message | None) -> object:
        try:
            return self.convert(text, message)
        except (ValueError, TypeError, OverflowError) as exc:
            detail = str(exc) if self.type_name not in ("int", "number") else f"expected {self.type_name}"
            raise BadArgument(
                f"bad value {text!r} for {self.name}: {detail}", param=self.name, value=text
            ) from exc


def _unwrap_optional(annotation: Any) -> tuple[Any, bool]:
    origin = typing.get_origin(annotation)
    if origin is Union or origin is types.UnionType:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        optional = len(args) != len(typing.get_args(annotation))
        if len(args) == 1:
            return args[0], optional
        return annotation, optional
    return annotation, False


def _converter_for(annotation: Any, where: str) -> tuple[Converter, str, bool]:
    """(converter, type name, greedy) for an annotation, or ConfigurationError."""
    greedy = False
    if typing.get_origin(annotation) is Annotated:
        base, *extras = typing.get_args(annotation)
        greedy = any(e is _GREEDY for e in extras)
        annotation = base
    if annotation is inspect.Parameter.empty or annotation is Any:
        annotation = str
    if typing.get_origin(annotation) is Literal:
        choices = typing.get_args(annotation)
        return _literal(choices), "|".join(str(c) for c in choices), greedy
    simple = _SIMPLE.get(annotation)
    if simple is None:
        raise ConfigurationError(
            f"{where}: unsupported argument type {annotation!r} "
            "(use str, int, float, bool, Literal[...], MentionedUser, Greedy or X | None)"
        )
    return simple[0], simple[1], greedy


def _resolve(func: Callable[..., Any], annotation: Any, where: str, name: str) -> Any:
    """Evaluate a string annotation (``from __future__ import annotations``) in *func*'s module."""
    if not isinstance(annotation, str):
        return annotation
    target = inspect.unwrap(getattr(func, "__func__", func))
    namespace = dict(getattr(target, "__globals__", {}))
    try:
        return eval(annotation, namespace)  # what typing.get_type_hints does, one name at a time
    except Exception as exc:
        raise ConfigurationError(
            f"{where}: cannot resolve the annotation {annotation!r} of parameter {name!r}: {exc}"
        ) from exc


def parse_signature(func: Callable[..., Any], *, where: str) -> tuple[Param, ...]:
    """Derive the parameters of a command handler ``func(ctx, ...)``.

    Raises:
        ConfigurationError: no context parameter, an unsupported annotation, ``**kwargs``, a
            greedy parameter that is not last, or more than one rest-of-line parameter.
    """
    signature = inspect.signature(func)
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception:  # e.g. the ctx annotation names a local class: resolve one by one below
        hints = {}
    params = list(signature.parameters.values())
    if not params or params[0].kind not in (
        inspect.Parameter.POSITIONAL_ONLY,
        inspect.Parameter.POSITIONAL_OR_KEYWORD,
    ):
        raise ConfigurationError(f"{where}: the first parameter must receive the context (ctx)")
    out: list[Param] = []
    tail_taken = False  # a variadic or greedy parameter consumed the rest
    for p in params[1:]:
        annotation = hints[p.name] if p.name in hints else _resolve(func, p.annotation, where, p.name)
        if p.kind is inspect.Parameter.VAR_KEYWORD:
            raise ConfigurationError(f"{where}: **{p.name} is not supported in a command")
        base, optional = _unwrap_optional(annotation)
        convert, type_name, greedy = _converter_for(base, f"{where}, parameter {p.name!r}")
        has_default = p.default is not inspect.Parameter.empty
        default = p.default if has_default else None
        required = not (has_default or optional)
        if p.kind is inspect.Parameter.VAR_POSITIONAL:
            kind: Literal["positional", "variadic", "greedy"] = "variadic"
            required = False
        elif p.kind is inspect.Parameter.KEYWORD_ONLY:
            if type_name != "str":
                raise ConfigurationError(
                    f"{where}: keyword-only parameter {p.name!r} takes the rest of the line and must be str"
                )
            kind = "greedy"
        else:
            kind = "greedy" if greedy else "positional"
        if kind == "greedy" and type_name != "str":
            raise ConfigurationError(f"{where}: Greedy parameter {p.name!r} must be str")
        if tail_taken:
            raise ConfigurationError(
                f"{where}: parameter {p.name!r} comes after the rest-of-line parameter (*args or Greedy)"
            )
        if kind in ("variadic", "greedy"):
            tail_taken = True
        out.append(
            Param(
                name=p.name,
                type_name=type_name,
                required=required,
                default=default,
                kind=kind,
                keyword=p.kind is inspect.Parameter.KEYWORD_ONLY,
                convert=convert,
            )
        )
    return tuple(out)


def bind_arguments(
    params: Sequence[Param], text: str, message: Message | None
) -> tuple[list[Any], dict[str, Any]]:
    """Convert an argument string into ``(args, kwargs)`` for the handler (after ``ctx``).

    Raises:
        BadArgument: missing, extra, badly quoted or unconvertible arguments.
    """
    tokens = tokenize(text)
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    i = 0
    for param in params:
        if param.kind == "variadic":
            args.extend(param.parse(t.text, message) for t in tokens[i:])
            i = len(tokens)
            continue
        if param.kind == "greedy":
            value: Any
            if i < len(tokens):
                value = _unquote_all(text[tokens[i].start :])
                i = len(tokens)
            elif param.required:
                raise BadArgument(f"missing argument: {param.name}", param=param.name)
            else:
                value = param.default
            if param.keyword:
                kwargs[param.name] = value
            else:
                args.append(value)
            continue
        if i < len(tokens):
            args.append(param.parse(tokens[i].text, message))
            i += 1
        elif param.required:
            raise BadArgument(f"missing argument: {param.name}", param=param.name)
        else:
            args.append(param.default)
    if i < len(tokens):
        extra = " ".join(t.text for t in tokens[i:])
        raise BadArgument(f"too many arguments: {extra!r}", value=extra)
    return args, kwargs
