"""``BotApi``: everything the bot-API issue adds to :class:`~mezon_trio.MezonClient`.

``MezonClient`` inherits it; ``_init_bot_api()`` runs at the end of the client's
``__init__``.  The official managers are exposed as thin views (see
:mod:`mezon_trio._api.managers` for the table).
"""

from __future__ import annotations

from .friends import FriendsMixin
from .managers import (
    ApiClientView,
    ChannelManagerView,
    EventManagerView,
    SessionManagerView,
    SocketManagerView,
)
from .quickmenu import QuickMenuMixin
from .tokens import TokensMixin

__all__ = ["BotApi"]


class BotApi(TokensMixin, FriendsMixin, QuickMenuMixin):
    """The bot API: caches, objects with methods, messages, DMs, friends, tokens, quick menus."""

    _session_manager_view: SessionManagerView
    _socket_manager_view: SocketManagerView
    _channel_manager_view: ChannelManagerView
    _event_manager_view: EventManagerView
    _api_client_view: ApiClientView

    def _init_bot_api(self) -> None:
        self._init_directory()
        self._init_tokens()
        self._init_quick_menu()
        self._session_manager_view = SessionManagerView(self)
        self._socket_manager_view = SocketManagerView(self)
        self._channel_manager_view = ChannelManagerView(self)
        self._event_manager_view = EventManagerView(self)
        self._api_client_view = ApiClientView(self)

    @property
    def session_manager(self) -> SessionManagerView:
        """Official ``client.session_manager`` (``get_session()``)."""
        return self._session_manager_view

    @property
    def socket_manager(self) -> SocketManagerView:
        """Official ``client.socket_manager`` (socket operations under their official names)."""
        return self._socket_manager_view

    @property
    def channel_manager(self) -> ChannelManagerView:
        """Official ``client.channel_manager`` (DM channels)."""
        return self._channel_manager_view

    @property
    def event_manager(self) -> EventManagerView:
        """Official ``client.event_manager`` (``on``/``off``/``has_listeners``)."""
        return self._event_manager_view

    @property
    def api_client(self) -> ApiClientView:
        """Official ``client.api_client`` (RPC calls, returning friendly models)."""
        return self._api_client_view
