"""mezon-trio: a trio-native, structured-concurrency SDK for Mezon bots.

Public modules: :mod:`mezon_trio.errors`, :mod:`mezon_trio.events`,
:mod:`mezon_trio.models`, :mod:`mezon_trio.content` and
:mod:`mezon_trio.testing` (the local sandbox server).
"""

from __future__ import annotations

from ._version import __version__ as __version__

__all__ = ["__version__"]
