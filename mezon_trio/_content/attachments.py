"""Attachments (docs/protocol.md §6.4).

Bots reference files that are already hosted somewhere (``url``).  The type is the value model
:class:`mezon_trio._models.values.Attachment` (one definition for the builders, received
messages and send methods).
"""

from __future__ import annotations

from .._models.values import Attachment

__all__ = ["Attachment"]
