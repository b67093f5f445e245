"""No ``Any`` and no generated protobuf class in any public signature.

Walks the public modules' ``__all__``: every function's and method's parameters and return type,
every property's type, every dataclass field and every ``TypedDict`` key (of an exported
``TypedDict`` and of one met in a signature), recursing into generic arguments and unions.
A recursive alias (``JSONValue``) is expanded by ``typing.get_type_hints`` down to the first place
where it recurs, which is left as a ``ForwardRef``: everything it holds has been walked by then.
Exempt (not walked): ``mezon_trio.raw`` (raw events: generated payloads on purpose),
``mezon_trio.testing.raw`` (its sandbox counterpart: wire-level scripting that pushes, stores and
reads generated messages on purpose) and ``mezon_trio.compat`` (the official SDK's surface).

Deprecated members are left out: a function (or a property's getter) carrying ``__deprecated__``
(the attribute PEP 702's ``@deprecated`` sets) is kept for one release only and is not part of
the typed surface.  The library marks such members with a runtime-only definition (``if not
TYPE_CHECKING:``, so type checkers do not offer them) whose function carries ``__deprecated__``
(``mezon_trio._models.deprecation.deprecated_getter``); ``typing_extensions.deprecated`` is not used because
``typing_extensions`` is not a runtime dependency of the package.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import typing
from collections.abc import Callable, Iterator
from typing import Any, NotRequired, TypedDict

import betterproto2
import pytest

import mezon_trio
from mezon_trio._proto.mezon import api

PUBLIC = (
    "mezon_trio",
    "mezon_trio.models",
    "mezon_trio.events",
    "mezon_trio.bot",
    "mezon_trio.content",
    "mezon_trio.errors",
    "mezon_trio.testing",
)

# Modules not yet clean, with the reason; strict xfail, so a module that becomes clean must be
# taken off this list.
PENDING: dict[str, str] = {}


def _namespace() -> dict[str, Any]:
    """Every name of every mezon_trio module, to resolve annotations imported under TYPE_CHECKING."""
    ns: dict[str, Any] = {}
    for info in pkgutil.walk_packages(mezon_trio.__path__, "mezon_trio."):
        if "._proto" in info.name or info.name.endswith("__main__") or "._demo" in info.name:
            continue
        try:
            module = importlib.import_module(info.name)
        except ImportError:
            continue
        for name, value in vars(module).items():
            if not name.startswith("__"):
                ns.setdefault(name, value)
    return ns


class _Unresolvable(str):
    """A TypedDict whose keys do not resolve (itself a finding), as a part of its annotation."""


def _parts(hint: object, seen: set[int], where: str = "") -> Iterator[tuple[str, object]]:
    """Every part of an annotation, once, with where it sits: the annotation itself, its generic
    origin and arguments, union members, TypeVar bounds, TypedDict keys (``Dict['key']: ``)."""
    if id(hint) in seen:
        return
    seen.add(id(hint))
    yield where, hint
    if typing.is_typeddict(hint):
        assert isinstance(hint, type)
        try:
            fields = typing.get_type_hints(hint)
        except Exception as exc:
            yield where, _Unresolvable(f"{hint.__qualname__}: <unresolvable> {type(exc).__name__}: {exc}")
            return
        for key, field in fields.items():
            yield from _parts(field, seen, f"{where}{hint.__qualname__}[{key!r}]: ")
        return
    if isinstance(hint, (type, typing.ForwardRef)):
        # A ForwardRef is only left by get_type_hints where a recursive alias recurs (an unknown
        # name raises).
        return
    if isinstance(hint, typing.TypeVar):
        for sub in (hint.__bound__, *hint.__constraints__):
            if sub is not None:
                yield from _parts(sub, seen, where)
        return
    yield from _parts(typing.get_origin(hint), seen, where)
    for arg in typing.get_args(hint):
        for item in arg if isinstance(arg, list) else [arg]:  # Callable's parameter list
            yield from _parts(item, seen, where)


def _bad(hint: object, seen: set[int]) -> Iterator[str]:
    """The parts of an annotation no public signature may hold: ``Any``, a generated class."""
    for where, part in _parts(hint, seen):
        if part is Any:
            yield f"{where}Any"
        elif isinstance(part, _Unresolvable):
            yield f"{where}{part}"
        elif isinstance(part, type) and issubclass(part, betterproto2.Message):
            yield f"{where}generated class {part.__module__}.{part.__qualname__}"


def _signatures(func: Callable[..., object]) -> list[Callable[..., object]]:
    """What callers see: the ``@overload`` variants when there are any, else the function."""
    return list(typing.get_overloads(func)) or [func]


def _hints(obj: Callable[..., object] | type, ns: dict[str, Any]) -> dict[str, object]:
    try:
        return typing.get_type_hints(obj, globalns={**ns, **getattr(inspect.getmodule(obj), "__dict__", {})})
    except Exception as exc:  # an annotation that does not resolve is itself a finding
        return {"<unresolvable>": f"{type(exc).__name__}: {exc}"}


def _deprecated(member: object) -> bool:
    """A member marked deprecated (PEP 702's ``__deprecated__``, on the function or the getter)."""
    target = member.fget if isinstance(member, property) else getattr(member, "__func__", member)
    return getattr(target, "__deprecated__", None) is not None


def _members(obj: type) -> Iterator[tuple[str, object]]:
    for name, member in vars(obj).items():
        if _deprecated(member):
            continue
        if name.startswith("_") and name not in (
            "__init__",
            "__call__",
            "__aenter__",
            "__aiter__",
            "__anext__",
        ):
            continue
        yield name, member


def _signature_hints(
    where: str, obj: object, ns: dict[str, Any], *, init: bool = True
) -> Iterator[tuple[str, dict[str, object]]]:
    """The annotations a user of *obj* meets: a class's fields, properties and methods (public and
    not deprecated; the constructor unless *init* is false), a function's parameters and return
    (each ``@overload``), an alias itself."""
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return
        if typing.is_typeddict(obj):
            yield where, {"keys": obj}
            return
        if dataclasses.is_dataclass(obj):
            yield where, _hints(obj, ns)
        for name, member in _members(obj):
            if name == "__init__" and not init:
                continue
            if isinstance(member, property) and member.fget is not None:
                yield f"{where}.{name}", {"return": _hints(member.fget, ns).get("return")}
            elif isinstance(member, (staticmethod, classmethod)):
                for variant in _signatures(member.__func__):
                    yield f"{where}.{name}", _hints(variant, ns)
            elif inspect.isfunction(member):
                for variant in _signatures(member):
                    yield f"{where}.{name}", _hints(variant, ns)
    elif inspect.isfunction(obj):
        for variant in _signatures(obj):
            yield where, _hints(variant, ns)
    elif obj is Any or typing.get_origin(obj) is not None:  # an exported alias (JSONValue...)
        yield where, {"alias": obj}


def _generated(cls: type) -> bool:
    return cls.__module__ == "mezon_trio._proto" or cls.__module__.startswith("mezon_trio._proto.")


def offenders(module_name: str) -> list[str]:
    ns = _namespace()
    module = importlib.import_module(module_name)
    found: list[str] = []
    for export in module.__all__:
        obj = getattr(module, export)
        where = f"{module_name}.{export}"
        if inspect.isclass(obj) and _generated(obj):
            found.append(f"{where}: is a generated class")
            continue
        for place, hints in _signature_hints(where, obj, ns):
            for name, hint in hints.items():
                if name == "<unresolvable>":
                    found.append(f"{place}: {hint}")
                    continue
                for problem in _bad(hint, set()):
                    found.append(f"{place} {name}: {problem}")
    return found


def _classes_in(hint: object, seen: set[int]) -> Iterator[type]:
    """Every class named by an annotation (see :func:`_parts`)."""
    return (part for _, part in _parts(hint, seen) if isinstance(part, type))


# Exported classes that the library builds and hands out (``client.stream()``, ``client.polls``,
# ``client.channel()``, ``open_sandbox()``...); their constructors take internal parts and are not
# API, so their parameters' types need not be importable.
BUILT_BY_THE_LIBRARY = frozenset(
    {
        "mezon_trio.Clan",
        "mezon_trio.History",
        "mezon_trio.Polls",
        "mezon_trio.QuickMenus",
        "mezon_trio.TextChannel",
        "mezon_trio.Uploads",
        "mezon_trio.User",
        "mezon_trio.bot.Waiter",
        "mezon_trio.events.Waiter",
        "mezon_trio.events.Subscription",
        "mezon_trio.raw.RawApi",
        "mezon_trio.testing.Sandbox",
    }
)

# Where a user may import a type from: the walked modules plus the two raw surfaces and compat.
EXPORTING = (*PUBLIC, "mezon_trio.raw", "mezon_trio.testing.raw", "mezon_trio.compat")


def unexported_types() -> dict[str, str]:
    """Classes of mezon_trio met in a public signature (reached from the public modules' exports,
    then from those classes' own signatures) that no public module exports: name -> first place.

    The constructor counts only for the classes the public modules export for users to build (not
    for :data:`BUILT_BY_THE_LIBRARY`, nor for a class met only in a signature)."""
    ns = _namespace()
    exported: set[int] = set()
    for module_name in EXPORTING:
        module = importlib.import_module(module_name)
        exported.update(id(getattr(module, name)) for name in module.__all__)
    queue: list[tuple[str, object, bool]] = []
    for module_name in PUBLIC:
        module = importlib.import_module(module_name)
        queue.extend(
            (
                f"{module_name}.{name}",
                getattr(module, name),
                f"{module_name}.{name}" not in BUILT_BY_THE_LIBRARY,
            )
            for name in module.__all__
        )
    visited: set[type] = set()
    missing: dict[str, str] = {}
    while queue:
        where, obj, init = queue.pop()
        for place, hints in _signature_hints(where, obj, ns, init=init):
            for name, hint in hints.items():
                if name == "<unresolvable>":
                    continue  # reported by offenders()
                for cls in _classes_in(hint, set()):
                    if cls in visited or not cls.__module__.startswith("mezon_trio") or _generated(cls):
                        continue
                    visited.add(cls)
                    if id(cls) not in exported:
                        missing.setdefault(f"{cls.__module__}.{cls.__qualname__}", f"{place} {name}")
                    queue.append((f"{cls.__module__}.{cls.__qualname__}", cls, False))
    return missing


def test_every_type_in_a_public_signature_is_importable_from_a_public_module() -> None:
    """A user can annotate what the API hands out: every class of ours in a public signature is
    exported by a public module (``Session`` from ``client.session``, ``Subscription`` from
    ``client.stream``, the statistics records...)."""
    for name in BUILT_BY_THE_LIBRARY:  # no stale entry
        module_name, _, attr = name.rpartition(".")
        assert attr in importlib.import_module(module_name).__all__, name
    missing = unexported_types()
    assert missing == {}, "\n".join(f"{name} (in {place})" for name, place in sorted(missing.items()))


@pytest.mark.parametrize("module_name", PUBLIC)
def test_no_any_and_no_generated_class_in_public_signatures(module_name: str) -> None:
    found = offenders(module_name)
    if module_name in PENDING:
        assert found, f"{module_name} is clean now: take it off PENDING"
        pytest.xfail(f"{PENDING[module_name]} ({len(found)} places)")
    assert found == [], "\n".join(found)


# Planted for the walker's own test: Any and a generated class hidden in TypedDict keys, and Any in
# a recursive alias (written like mezon_trio.content.JSONValue).
class _InnerDict(TypedDict):
    fine: int
    bad: NotRequired[dict[str, Any]]


class _PlantedDict(TypedDict):
    fine: str
    inner: list[_InnerDict]
    proto: NotRequired[api.MessageMention]


_BAD_REF = typing.ForwardRef("_BadJSON", module=__name__)
_BadJSON = int | list[_BAD_REF] | dict[str, _BAD_REF] | Any  # Any on purpose


def _returns_bad_json() -> _BadJSON:
    raise NotImplementedError


def test_the_walker_finds_what_it_must() -> None:
    """The checker itself: a planted Any and a planted generated class are found."""
    assert list(_bad(Any, set())) == ["Any"]
    assert list(_bad(dict[str, Any], set())) == ["Any"]
    assert list(_bad(tuple[api.MessageMention, ...], set())) == [
        "generated class mezon_trio._proto.mezon.api.MessageMention"
    ]
    assert list(_bad(Callable[[int], "str | None"], set())) == []
    assert list(_bad(int | None, set())) == []
    # Inside TypedDicts, however deep.
    assert list(_bad(_PlantedDict, set())) == [
        "_PlantedDict['inner']: _InnerDict['bad']: Any",
        "_PlantedDict['proto']: generated class mezon_trio._proto.mezon.api.MessageMention",
    ]
    assert list(_bad(list[_PlantedDict] | None, set())) != []
    # A recursive alias resolves (from this module's namespace or none) and its Any is found.
    hints = _hints(_returns_bad_json, {})
    assert list(_bad(hints["return"], set())) == ["Any"]


def test_the_content_json_aliases_resolve_for_the_walker() -> None:
    """JSONValue/JSONInput resolve through get_type_hints (no NameError, no string left) and hold
    what JSON holds: the walker really looks inside them, it is not stopped by a ForwardRef."""
    from mezon_trio.content import Content, EmbedDict

    ns = _namespace()
    raw = _hints(Content.raw.fget, ns)["return"]  # type: ignore[attr-defined]
    assert typing.get_origin(raw) is dict
    value = typing.get_args(raw)[1]
    members = set(typing.get_args(value))
    assert {str, int, float, bool, type(None)} <= members
    assert any(typing.get_origin(m) is list for m in members)
    extra = _hints(Content.__init__, ns)["extra"]
    assert "<unresolvable>" not in str(extra)
    assert list(_bad(extra, set())) == []
    assert typing.get_type_hints(EmbedDict)["fields"] is not None


def test_the_walker_leaves_out_deprecated_members_only() -> None:
    """``Message.raw`` (deprecated, one release) carries ``__deprecated__`` and is left out; a
    planted generated type on an unmarked member is still found."""
    from mezon_trio.models import Message

    assert _deprecated(vars(Message)["raw"])

    class Planted:
        @property
        def payload(self) -> api.ChannelMessage:
            raise NotImplementedError

    found = [name for name, member in _members(Planted)]
    assert "payload" in found
    assert not _deprecated(vars(Planted)["payload"])
