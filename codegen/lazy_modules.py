"""Generated modules that execute on first use: ``import`` binds them, the first attribute loads them.

``lazy_submodules(__name__, __path__, names)`` in a generated package's ``__init__.py`` puts one
not-yet-executed module per name into ``sys.modules`` (and onto the package), so
``from .._proto.mezon import api`` anywhere in mezon_trio binds the module without building its
classes (betterproto2 builds a few hundred dataclasses: most of ``import mezon_trio``).  The first
access to an attribute the module does not have yet (``api.ChannelMessage``) executes it, under a
lock, exactly as an import would have; the module then becomes a plain module again (its class is
reset), so every later attribute access costs what it costs on any module: no proxy, no hook.

The stdlib's ``importlib.util.LazyLoader`` does the same, but before Python 3.12 it is not safe when
two threads race for the first access; this is the same idea with a lock and with ``__getattr__``
(called only for attributes the module lacks) instead of ``__getattribute__``.

Written into ``mezon_trio/_proto/_lazy.py`` by ``codegen/generate.py``.
"""

from __future__ import annotations

import sys
import threading
import types
from collections.abc import Callable, Collection, ItemsView, Iterable, Iterator, KeysView, Mapping, ValuesView
from importlib.machinery import PathFinder
from importlib.util import module_from_spec
from typing import TypeVar, overload

__all__ = ["LazyMapping", "is_loaded", "lazy_submodules", "load"]

K = TypeVar("K")
V = TypeVar("V")
D = TypeVar("D")


class _LazyModule(types.ModuleType):
    """A generated module not executed yet: the first missing attribute executes it."""

    def __getattr__(self, name: str) -> object:
        _load(self)
        # Loaded now (or being executed by this very thread, further up its stack: then, as with
        # a partially initialised module, only what is defined so far is there).
        return types.ModuleType.__getattribute__(self, name)


_lock = threading.RLock()
_executing: set[str] = set()


def _load(module: types.ModuleType) -> None:
    with _lock:
        name = module.__name__
        if type(module) is not _LazyModule or name in _executing:
            return
        spec = module.__spec__
        if spec is None or spec.loader is None:  # pragma: no cover - lazy_submodules sets both
            raise ImportError(f"no loader for {name}", name=name)
        _executing.add(name)
        try:
            spec.loader.exec_module(module)  # as an import would; a failure is raised, and retried next time
        finally:
            _executing.discard(name)
        # A plain module from now on: no hook on any access.  (``object.__setattr__``: mypy
        # narrowed ``module`` to the lazy class above.)
        object.__setattr__(module, "__class__", types.ModuleType)


def lazy_submodules(package: str, path: Iterable[str], names: Iterable[str]) -> None:
    """Register *package*'s submodules *names* (found on *path*) unexecuted: see the module doc."""
    parent = sys.modules[package]
    for name in names:
        full = f"{package}.{name}"
        if full in sys.modules:
            continue
        spec = PathFinder.find_spec(full, list(path))
        if spec is None or spec.loader is None:
            raise ImportError(f"no generated module {full}", name=full)
        module = module_from_spec(spec)
        module.__class__ = _LazyModule
        sys.modules[full] = module
        setattr(parent, name, module)


def load(module: types.ModuleType) -> None:
    """Execute *module* now if it has not run yet: to pay for it at a moment of one's choosing."""
    if type(module) is _LazyModule:
        _load(module)


def is_loaded(module: types.ModuleType) -> bool:
    """Whether *module* has executed (a lazy module that has not is still a stand-in)."""
    return type(module) is not _LazyModule


class LazyMapping(Mapping[K, V]):
    """A read-only mapping built by *build* on first use: for tables whose values are generated classes.

    With *keys* (the mapping's keys, in its order), iterating, ``len`` and ``in`` answer without
    building it.  Reads after the first cost one method call more than a dict's; hot paths keep
    their own dict, filled on first use.
    """

    __slots__ = ("_build", "_keys", "_table")

    def __init__(self, build: Callable[[], Mapping[K, V]], keys: Collection[K] | None = None) -> None:
        self._build: Callable[[], Mapping[K, V]] | None = build
        self._keys = keys
        self._table: Mapping[K, V] | None = None

    def _full(self) -> Mapping[K, V]:
        table = self._table
        if table is None:
            with _lock:
                table = self._table
                if table is None:
                    assert self._build is not None  # set until the table is built
                    table = self._table = self._build()
                    self._build = None
        return table

    def __getitem__(self, key: K) -> V:
        return self._full()[key]

    @overload
    def get(self, key: K, /) -> V | None: ...
    @overload
    def get(self, key: K, default: V | D, /) -> V | D: ...
    def get(self, key: K, default: object = None, /) -> object:
        return self._full().get(key, default)

    def __contains__(self, key: object) -> bool:
        return key in (self._keys if self._keys is not None else self._full())

    def __iter__(self) -> Iterator[K]:
        return iter(self._keys if self._keys is not None else self._full())

    def __len__(self) -> int:
        return len(self._keys if self._keys is not None else self._full())

    def keys(self) -> KeysView[K]:
        return self._full().keys()

    def items(self) -> ItemsView[K, V]:
        return self._full().items()

    def values(self) -> ValuesView[V]:
        return self._full().values()

    def __eq__(self, other: object) -> bool:
        return self._full() == other

    def __hash__(self) -> int:
        raise TypeError("unhashable type: 'LazyMapping'")

    def __repr__(self) -> str:
        return f"LazyMapping({self._full()!r})"
