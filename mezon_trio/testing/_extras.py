"""The ``sandbox`` extra: the sandbox's HTTP side runs on hypercorn, installed only with it.

Without it, ``open_sandbox(in_memory=True)`` still works (no sockets, no hypercorn); a real
loopback sandbox, ``python -m mezon_trio sandbox`` and ``python -m mezon_trio demo`` say what
to install instead of failing with ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib.util

from ..errors import ConfigurationError

__all__ = ["INSTALL_HINT", "missing_sandbox_extra", "require_sandbox_extra"]

INSTALL_HINT = "pip install 'mezon-trio[sandbox]'"


def missing_sandbox_extra(what: str) -> str | None:
    """A message telling how to install the extra *what* needs, or None when it is installed."""
    if importlib.util.find_spec("hypercorn") is not None:
        return None
    return (
        f"{what} needs the sandbox's HTTP server (hypercorn), which comes with the 'sandbox' extra:\n"
        f"    {INSTALL_HINT}"
    )


def require_sandbox_extra(what: str) -> None:
    """Raise :class:`~mezon_trio.errors.ConfigurationError` with the install hint if it is missing."""
    message = missing_sandbox_extra(what)
    if message is not None:
        raise ConfigurationError(message + "\n(or open_sandbox(in_memory=True), which needs no server)")
