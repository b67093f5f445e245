"""mezon-trio: a trio-native, structured-concurrency SDK for Mezon bots.

Public modules: :mod:`mezon_trio.errors`, :mod:`mezon_trio.events`,
:mod:`mezon_trio.models`, :mod:`mezon_trio.content`, :mod:`mezon_trio.bot`,
:mod:`mezon_trio.testing` (the local sandbox server) and :mod:`mezon_trio.compat`
(the official SDK's names, for bots moving over).
"""

from __future__ import annotations

from . import errors as errors
from ._cache import Cache as Cache
from ._cache import CacheStatistics as CacheStatistics
from ._catchup import CatchUpConfig as CatchUpConfig
from ._catchup import Cursor as Cursor
from ._catchup import CursorStore as CursorStore
from ._catchup import MemoryCursorStore as MemoryCursorStore
from ._catchup import SQLiteCursorStore as SQLiteCursorStore
from ._catchup._budget import BudgetStatistics as BudgetStatistics
from ._catchup._engine import CatchUpStatistics as CatchUpStatistics
from ._client import MezonClient as MezonClient
from ._client import ReconnectPolicy as ReconnectPolicy
from ._connect import connect_mezon as connect_mezon
from ._connection.config import ClientConfig as ClientConfig
from ._official import methods as _official_methods  # registers the deprecated official names
from ._ratelimit import RateLimiterStatistics as RateLimiterStatistics
from ._services.media import MediaPlayback as MediaPlayback
from ._services.polls import Poll as Poll
from ._services.polls import PollAnswer as PollAnswer
from ._services.polls import PollRef as PollRef
from ._services.polls import Polls as Polls
from ._services.polls import PollVoters as PollVoters
from ._services.quickmenu import QuickMenus as QuickMenus
from ._services.uploads import UploadFile as UploadFile
from ._services.uploads import Uploads as Uploads
from ._session import Session as Session
from ._statistics import ClientStatistics as ClientStatistics
from ._structures.channel import History as History
from ._structures.channel import TextChannel as TextChannel
from ._structures.clan import Clan as Clan
from ._structures.user import User as User
from ._transport.gateway_types import GatewayStatistics as GatewayStatistics
from ._version import __version__ as __version__
from .events import Events as Events

del _official_methods

__all__ = [
    "BudgetStatistics",
    "Cache",
    "CacheStatistics",
    "CatchUpConfig",
    "CatchUpStatistics",
    "Clan",
    "ClientConfig",
    "ClientStatistics",
    "Cursor",
    "CursorStore",
    "Events",
    "GatewayStatistics",
    "History",
    "MediaPlayback",
    "MemoryCursorStore",
    "MezonClient",
    "Poll",
    "PollAnswer",
    "PollRef",
    "PollVoters",
    "Polls",
    "QuickMenus",
    "RateLimiterStatistics",
    "ReconnectPolicy",
    "SQLiteCursorStore",
    "Session",
    "TextChannel",
    "UploadFile",
    "Uploads",
    "User",
    "__version__",
    "connect_mezon",
    "errors",
]
