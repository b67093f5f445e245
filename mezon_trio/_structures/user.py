"""``User`` (official ``mezon.structures.User``): a cached person the bot has seen."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, final

from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._content.message import Content
from .._models.values import SendAck
from .._proto.mezon import api
from .._protocol.enums import TypeMessage

if TYPE_CHECKING:
    from .._services.context import Services
    from .channel import TextChannel

__all__ = ["User"]


@final
class User:
    """A Mezon user as the bot knows them (from messages, clan member lists, DM lists).

    Get one from ``client.users`` (``get``/``fetch``).  Names are refreshed from
    every message the user sends (docs/protocol.md §11 quirk 15).  Read-only; no
    public constructor.  Looking a user up never opens a DM (quirk 14): only
    :meth:`send_dm` / :meth:`create_dm_channel` do.
    """

    __slots__ = (
        "__weakref__",
        "_avatar",
        "_clan_avatar",
        "_clan_nick",
        "_display_name",
        "_id",
        "_services",
        "_username",
    )

    def __init__(
        self,
        services: Services,
        user_id: int,
        *,
        username: str = "",
        display_name: str = "",
        clan_nick: str = "",
        avatar: str = "",
        clan_avatar: str = "",
    ) -> None:
        self._services = services
        self._id = user_id
        self._username = username
        self._display_name = display_name
        self._clan_nick = clan_nick
        self._avatar = avatar
        self._clan_avatar = clan_avatar

    @classmethod
    def _from_message(cls, services: Services, raw: api.ChannelMessage) -> User:
        return cls(
            services,
            raw.sender_id,
            username=raw.username,
            display_name=raw.display_name,
            clan_nick=raw.clan_nick,
            avatar=raw.avatar,
            clan_avatar=raw.clan_avatar,
        )

    def _absorb(self, raw: api.ChannelMessage) -> None:
        """Refresh names from a message (hot path: a few string compares)."""
        if raw.username and raw.username != self._username:
            self._username = raw.username
        if raw.display_name and raw.display_name != self._display_name:
            self._display_name = raw.display_name
        if raw.clan_nick and raw.clan_nick != self._clan_nick:
            self._clan_nick = raw.clan_nick
        if raw.avatar and raw.avatar != self._avatar:
            self._avatar = raw.avatar
        if raw.clan_avatar and raw.clan_avatar != self._clan_avatar:
            self._clan_avatar = raw.clan_avatar

    def _absorb_fields(
        self,
        *,
        username: str = "",
        display_name: str = "",
        clan_nick: str = "",
        avatar: str = "",
        clan_avatar: str = "",
    ) -> None:
        if username:
            self._username = username
        if display_name:
            self._display_name = display_name
        if clan_nick:
            self._clan_nick = clan_nick
        if avatar:
            self._avatar = avatar
        if clan_avatar:
            self._clan_avatar = clan_avatar

    def __repr__(self) -> str:
        return f"<User id={self._id} username={self._username!r}>"

    @property
    def id(self) -> int:
        return self._id

    @property
    def username(self) -> str:
        return self._username

    @property
    def display_name(self) -> str:
        return self._display_name

    @property
    def clan_nick(self) -> str:
        """The nick in the clan of the user's latest message (empty if none)."""
        return self._clan_nick

    @property
    def avatar(self) -> str:
        return self._avatar

    @property
    def clan_avatar(self) -> str:
        return self._clan_avatar

    @property
    def name(self) -> str:
        """What to call the user: clan nick, else display name, else username."""
        return self._clan_nick or self._display_name or self._username

    @property
    def dm_channel_id(self) -> int:
        """The DM channel with the bot, if known (0 otherwise; no I/O)."""
        return self._services.directory.known_dm_channel(self._id)

    async def create_dm_channel(self) -> TextChannel:
        """The DM channel with this user, created (``CreateChannelDesc`` + join) only the first time.

        Cancellation: safe; a DM channel created by a cancelled call is found again next time.

        Raises:
            APIError: the server refused (e.g. NotFound for an unknown user).
            RequestTimeout, ConnectionLost, ClientClosed.
        """
        return await self._services.directory.create_dm_channel(self._id)

    async def send_dm(
        self,
        content: str | Mapping[str, object] | Content,
        *,
        code: int = TypeMessage.CHAT,
        attachments: Iterable[Attachment] | None = None,
        mentions: Iterable[Mention] | None = None,
    ) -> SendAck:
        """Send a direct message, opening the DM channel on first use.

        Cancellation: if cancelled after the frame was written, the message may still be posted.

        Raises:
            ContentError: invalid or too long content.
            APIError: the DM could not be opened or the server refused the message.
            RequestTimeout, ConnectionLost, ClientClosed.
        """
        return await self._services.messaging.send_dm(
            self._id, content, code=code, attachments=attachments, mentions=mentions
        )

    async def send_dm_message(
        self,
        content: str | Mapping[str, object] | Content,
        code: int = TypeMessage.CHAT,
        attachments: Iterable[Attachment] | None = None,
    ) -> SendAck:
        """Official-SDK name of :meth:`send_dm`.

        Cancellation: as :meth:`send_dm`.

        Raises:
            As :meth:`send_dm`.
        """
        return await self.send_dm(content, code=code, attachments=attachments)
