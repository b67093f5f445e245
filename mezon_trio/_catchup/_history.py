"""One page of channel history, and which pushes history can stand in for.

``ListChannelMessages`` (docs/protocol.md §7.3) is paged *backwards* only here:
``direction`` 0 with ``message_id`` as the anchor answers the newest ``limit``
messages older than the anchor (the newest overall with no anchor), newest
first.  The "after" direction is provisional and not relied on.
"""

from __future__ import annotations

from typing import Final, Protocol, TypeVar

import betterproto2

from .._proto.mezon import api
from ._budget import RateBudget

__all__ = ["PAGE_MAX", "HistorySource", "fetch_older", "in_history"]

M = TypeVar("M", bound=betterproto2.Message)

#: ``ListChannelMessagesRequest.limit`` is 1-100 (docs/protocol.md §10.3).
PAGE_MAX: Final = 100

#: ``code`` values (docs/protocol.md §5.12) of pushes that are not a message of their own in
#: the history: edits (1), removals (2), typing (3), indicators (4), ephemerals (12, 14, 15).
_NOT_IN_HISTORY: Final = frozenset({1, 2, 3, 4, 12, 14, 15})


class HistorySource(Protocol):
    """Anything that can call an RPC with the bot's session; ``MezonClient`` is one."""

    async def rpc(self, method: str, request: betterproto2.Message, response_type: type[M]) -> M: ...


def in_history(message: api.ChannelMessage) -> bool:
    """Whether *message* is a message of its own that ``ListChannelMessages`` can return."""
    return message.code not in _NOT_IN_HISTORY and message.message_id != 0


async def fetch_older(
    source: HistorySource,
    budget: RateBudget,
    *,
    clan_id: int,
    channel_id: int,
    before: int,
    limit: int = PAGE_MAX,
) -> list[api.ChannelMessage]:
    """The newest *limit* messages of a channel older than message id *before* (0: the newest
    overall), newest first; one ``ListChannelMessages`` call through *budget*.

    Raises:
        MezonError: the call failed (after the budget's retries of 429 answers).
    """
    request = api.ListChannelMessagesRequest(
        clan_id=clan_id, channel_id=channel_id, message_id=before, limit=limit, direction=0
    )

    async def call() -> api.ChannelMessageList:
        return await source.rpc("ListChannelMessages", request, api.ChannelMessageList)

    page = await budget.call(call)
    return list(page.messages)
