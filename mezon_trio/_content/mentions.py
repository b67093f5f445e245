"""User and role mentions (docs/protocol.md §6.3).

Mentions travel beside the content JSON, in the ``mentions`` field of a send or an edit, not
inside it.  The type is the value model :class:`mezon_trio._models.values.Mention` (one
definition for the builders, received messages and send methods).
"""

from __future__ import annotations

from .._models.values import Mention

__all__ = ["Mention"]
