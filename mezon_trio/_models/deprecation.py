"""Marking a member deprecated for one release, off the typed surface.

A deprecated member is defined only ``if not TYPE_CHECKING:`` (type checkers do not offer it)
and its function is wrapped by :func:`deprecated_getter`, which warns when it is called and sets
``__deprecated__`` (the attribute PEP 702's ``@deprecated`` sets), which
tests/test_public_types.py reads to leave the member out of the public-signature walk.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import TypeVar

__all__ = ["deprecated_getter"]

_S = TypeVar("_S")
_T = TypeVar("_T")


def deprecated_getter(message: str) -> Callable[[Callable[[_S], _T]], Callable[[_S], _T]]:
    """Wrap a property getter: it warns *message* (``DeprecationWarning``, at the caller's line)."""

    def decorate(getter: Callable[[_S], _T]) -> Callable[[_S], _T]:
        @functools.wraps(getter)
        def wrapper(self: _S) -> _T:
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            return getter(self)

        wrapper.__deprecated__ = message  # type: ignore[attr-defined]
        return wrapper

    return decorate
