"""Catching up on messages missed while disconnected, lagging or stopped.

* :class:`CatchUp`: per-channel cursors and de-duplication; after a reconnect (or a
  restart with a :class:`CursorStore`) pages the history backwards and delivers what
  was missed, in per-channel order, marked caught up.
* :class:`GapRefill`: a message subscriber whose buffer is full records the gap and
  refills it from history once it has caught up, instead of overflowing.
* :class:`RateBudget`: bounded concurrency and ``Retry-After`` for history calls.
* :class:`CursorStore`, :class:`SQLiteCursorStore`, :class:`MemoryCursorStore`: cursors
  that survive a restart.
"""

from ._budget import BudgetStatistics as BudgetStatistics
from ._budget import RateBudget as RateBudget
from ._cursors import Cursor as Cursor
from ._cursors import CursorStore as CursorStore
from ._cursors import MemoryCursorStore as MemoryCursorStore
from ._engine import CatchUp as CatchUp
from ._engine import CatchUpConfig as CatchUpConfig
from ._engine import CatchUpStatistics as CatchUpStatistics
from ._engine import Deliver as Deliver
from ._history import HistorySource as HistorySource
from ._history import fetch_older as fetch_older
from ._history import in_history as in_history
from ._refill import GapRefill as GapRefill
from ._refill import RefillHook as RefillHook
from ._refill import RefillStatistics as RefillStatistics
from ._sqlite import SQLiteCursorStore as SQLiteCursorStore

__all__ = [
    "BudgetStatistics",
    "CatchUp",
    "CatchUpConfig",
    "CatchUpStatistics",
    "Cursor",
    "CursorStore",
    "Deliver",
    "GapRefill",
    "HistorySource",
    "MemoryCursorStore",
    "RateBudget",
    "RefillHook",
    "RefillStatistics",
    "SQLiteCursorStore",
    "fetch_older",
    "in_history",
]
