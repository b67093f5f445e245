"""The official SDK's model names (``mezon.models``), over the value models.

Each official name is an alias of a value model (same fields), a thin subclass that adds only
what the official shape has beyond it (official context fields, official spellings of renamed
fields), or a function building the value model from the official keywords:

=============================  =================================================================
``ApiMessageMention``          builds a :class:`~mezon_trio.models.Mention` (the context keywords
                               ``channel_id``, ``mode``, ``channel_label``, ``message_id``,
                               ``sender_id`` are accepted; they are not part of the wire message)
``ApiMessageAttachment``       builds an :class:`~mezon_trio.models.Attachment` (same context)
``ApiMessageRef``              :class:`~mezon_trio.models.MessageRef` + ``channel_id``, ``mode``,
                               ``channel_label``
``ApiMessageReaction``         :class:`~mezon_trio.models.Reaction` + ``channel_label``, ``action``
``ChannelMessageAck``          :class:`~mezon_trio.models.SendAck` + ``create_time``,
                               ``update_time``, ``persistence``
``ChannelMessageContent``      builds a :class:`~mezon_trio.content.Content`
``ApiChannelDescription``      :class:`~mezon_trio.models.ChannelInfo` + ``channel_label``,
                               ``channel_private``
``ApiChannelMessageHeader``    alias of :class:`~mezon_trio.models.MessageHeader`
``ApiClanDesc``                :class:`~mezon_trio.models.ClanInfo` + ``clan_name``
``ApiRole``                    :class:`~mezon_trio.models.Role` + ``role_user_ids``
``ApiRoleList``                alias of :class:`~mezon_trio.models.RoleList`
``ApiRoleListEventResponse``   alias of :class:`~mezon_trio.models.RolePage`
``ApiVoiceChannelUser``        alias of :class:`~mezon_trio.models.VoiceChannelUsers`
``ApiVoiceChannelUserList``    alias of :class:`~mezon_trio.models.VoiceChannelUserList`
``ApiQuickMenuAccess``         alias of :class:`~mezon_trio.models.QuickMenu`
``Friend``, ``FriendList``     aliases of :class:`~mezon_trio.models.Friend`, ``FriendPage``
``AddTxResponse``              alias of :class:`~mezon_trio.models.TransferResult`
``ApiSentTokenRequest``        the argument of the official ``send_token`` (no value model: the
                               native ``send_token`` takes plain arguments)
=============================  =================================================================

The ``to_official_*`` functions turn what the native API returns into the official shapes, for
the official surface (:mod:`mezon_trio.compat`, the managers, the deprecated official names).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from decimal import Decimal
from typing import Any, TypeVar, cast, final

from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._content.message import Content
from .._models.values import (
    ChannelInfo,
    ClanInfo,
    FriendPage,
    MessageHeader,
    MessageRef,
    QuickMenu,
    Reaction,
    Role,
    RoleList,
    RolePage,
    SendAck,
    TransferResult,
    VoiceChannelUserList,
    VoiceChannelUsers,
)
from .._models.values import (
    Friend as Friend,
)
from ..errors import ContentError

__all__ = [
    "AddTxResponse",
    "ApiChannelDescription",
    "ApiChannelMessageHeader",
    "ApiClanDesc",
    "ApiMessageAttachment",
    "ApiMessageMention",
    "ApiMessageReaction",
    "ApiMessageRef",
    "ApiQuickMenuAccess",
    "ApiRole",
    "ApiRoleList",
    "ApiRoleListEventResponse",
    "ApiSentTokenRequest",
    "ApiVoiceChannelUser",
    "ApiVoiceChannelUserList",
    "ChannelMessageAck",
    "ChannelMessageContent",
    "Friend",
    "FriendList",
]
# (the official names only: mezon_trio.models serves each of them, deprecated, for one release)

_A = TypeVar("_A")

# ---------------------------------------------------------------------- aliases (same fields)

ApiChannelMessageHeader = MessageHeader
ApiQuickMenuAccess = QuickMenu
ApiRoleList = RoleList
ApiRoleListEventResponse = RolePage
ApiVoiceChannelUser = VoiceChannelUsers
ApiVoiceChannelUserList = VoiceChannelUserList
FriendList = FriendPage
AddTxResponse = TransferResult

# ---------------------------------------------------------------------- message parts


def ApiMessageMention(
    *,
    channel_id: int = 0,
    mode: int = 0,
    channel_label: str = "",
    message_id: int = 0,
    sender_id: int = 0,
    **fields: int | str,
) -> Mention:
    """The official ``ApiMessageMention(user_id=..., username=..., s=..., e=...)``: a :class:`Mention`.

    The keywords are :class:`Mention`'s fields; the official context keywords are accepted and
    not kept (they are not part of the wire message).

    Raises:
        ContentError: an unknown keyword, or a value :class:`Mention` refuses.
    """
    del channel_id, mode, channel_label, message_id, sender_id
    return _build(Mention, fields, "ApiMessageMention")


def ApiMessageAttachment(
    *,
    channel_id: int = 0,
    mode: int = 0,
    channel_label: str = "",
    message_id: int = 0,
    sender_id: int = 0,
    **fields: int | str,
) -> Attachment:
    """The official ``ApiMessageAttachment(url=..., filename=..., ...)``: an :class:`Attachment`.

    The keywords are :class:`Attachment`'s fields (``url`` defaults to ``""`` as in the official
    model); the official context keywords are accepted and not kept.

    Raises:
        ContentError: an unknown keyword, or a value :class:`Attachment` refuses.
    """
    del channel_id, mode, channel_label, message_id, sender_id
    return _build(Attachment, {"url": "", **fields}, "ApiMessageAttachment")


def _build(cls: type[_A], fields: Mapping[str, object], what: str) -> _A:
    try:
        return cls(**fields)
    except TypeError as exc:
        raise ContentError(f"{what}: {exc}") from exc


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiMessageRef(MessageRef):
    """A reference to a replied-to message: :class:`MessageRef` plus the official context fields."""

    channel_id: int = 0
    mode: int = 0
    channel_label: str = ""


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiMessageReaction(Reaction):
    """A reaction: :class:`Reaction` plus the official ``channel_label`` and ``action`` (= ``removed``)."""

    channel_label: str = ""

    @property
    def action(self) -> bool:
        """Official name of ``removed`` (True: the reaction was taken back)."""
        return self.removed


def ChannelMessageContent(
    t: str | None = None,
    *,
    text: str | None = None,
    content_thread: str | None = None,
    contentThread: str | None = None,
    hg: Iterable[Any] | None = None,
    hashtags: Iterable[Any] | None = None,
    ej: Iterable[Any] | None = None,
    emojis: Iterable[Any] | None = None,
    lk: Iterable[Any] | None = None,
    links: Iterable[Any] | None = None,
    mk: Iterable[Any] | None = None,
    markdown: Iterable[Any] | None = None,
    vk: Iterable[Any] | None = None,
    voice_links: Iterable[Any] | None = None,
    embed: Iterable[Any] | None = None,
    components: Iterable[Any] | None = None,
    mentions: Iterable[Mention] = (),
) -> Content:
    """The official ``ChannelMessageContent(t=..., embed=..., components=...)``, as a :class:`Content`.

    Accepts both the wire aliases (``t``, ``hg``, ``ej``, ``lk``, ``mk``, ``vk``,
    ``contentThread``) and the official field names (``text``, ``hashtags``,
    ``emojis``, ``links``, ``markdown``, ``voice_links``, ``content_thread``).
    Unlike the official model it never writes ``null`` keys (quirk 2).

    Raises:
        ContentError: a name is given twice (alias and field name), or a value is invalid.
    """

    if (
        hg is None
        and hashtags is None
        and ej is None
        and emojis is None
        and lk is None
        and links is None
        and mk is None
        and markdown is None
        and vk is None
        and voice_links is None
        and embed is None
        and components is None
        and (t is None or text is None)
        and (content_thread is None or contentThread is None)
    ):
        # Text only (the common case): no alias to reconcile.
        return Content(
            t if t is not None else text,
            content_thread=contentThread if contentThread is not None else content_thread,
            mentions=mentions,
        )

    def pick(alias: Any, name: Any, label: str) -> Any:
        if alias is not None and name is not None:
            raise ContentError(f"ChannelMessageContent: pass {label} once")
        return alias if alias is not None else name

    return Content(
        pick(t, text, "t/text"),
        content_thread=pick(contentThread, content_thread, "contentThread/content_thread"),
        hg=pick(hg, hashtags, "hg/hashtags") or (),
        ej=pick(ej, emojis, "ej/emojis") or (),
        lk=pick(lk, links, "lk/links") or (),
        mk=pick(mk, markdown, "mk/markdown") or (),
        vk=pick(vk, voice_links, "vk/voice_links") or (),
        embed=embed or (),
        components=components or (),
        mentions=mentions,
    )


# ---------------------------------------------------------------------- acks and tokens


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelMessageAck(SendAck):
    """The server's acknowledgement of a message operation: :class:`SendAck` plus the official
    spellings ``create_time``, ``update_time`` and ``persistence``."""

    @property
    def create_time(self) -> int:
        """Official name of ``create_time_seconds``."""
        return self.create_time_seconds

    @property
    def update_time(self) -> int:
        """Official name of ``update_time_seconds``."""
        return self.update_time_seconds

    @property
    def persistence(self) -> bool | None:
        """Official name of ``persistent``."""
        return self.persistent


@final
@dataclass(frozen=True, slots=True)
class ApiSentTokenRequest:
    """A token transfer request for the official ``send_token(ApiSentTokenRequest(...))``.

    ``amount`` is in whole tokens (an int, a :class:`~decimal.Decimal` or a
    decimal string with at most 6 decimals; floats are refused).  The sender is
    always the bot: ``sender_id`` is informational.  ``sender_name`` and
    ``extra_attribute`` go into ``extra_info`` as ``UserSenderUsername`` and
    ``ExtraAttribute``; ``mmn_extra_info`` keys are merged into it (values
    written as strings).
    """

    receiver_id: int
    amount: int | Decimal | str
    note: str = ""
    _: KW_ONLY
    sender_id: int = 0
    sender_name: str = ""
    extra_attribute: str = ""
    mmn_extra_info: Mapping[str, Any] | None = field(default=None, hash=False)
    timestamp: int = 0


# ---------------------------------------------------------------------- channels, clans, roles


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiChannelDescription(ChannelInfo):
    """A channel as described by the server: :class:`ChannelInfo` plus the official
    ``channel_label`` (= ``label``) and ``channel_private`` (``1`` for private)."""

    @property
    def channel_label(self) -> str:
        """Official name of ``label``."""
        return self.label

    @property
    def channel_private(self) -> int:
        """Official form of ``private`` (1: private, 0: public)."""
        return int(self.private)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiClanDesc(ClanInfo):
    """A clan: :class:`ClanInfo` plus the official ``clan_name`` (= ``name``)."""

    @property
    def clan_name(self) -> str:
        """Official name of ``name``."""
        return self.name


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRole(Role):
    """A clan role: :class:`Role` plus the official ``role_user_ids`` (= ``user_ids``)."""

    @property
    def role_user_ids(self) -> tuple[int, ...]:
        """Official name of ``user_ids``."""
        return self.user_ids


# ---------------------------------------------------------------------- value -> official


def _adapt(cls: type[_A], value: object) -> _A:
    """*cls* (an official subclass) with every field of the value model *value*."""
    return cls(**{f.name: getattr(value, f.name) for f in dataclasses.fields(cast(Any, value))})


def to_official_ack(ack: SendAck) -> ChannelMessageAck:
    return _adapt(ChannelMessageAck, ack)


def to_official_reaction(reaction: Reaction) -> ApiMessageReaction:
    return _adapt(ApiMessageReaction, reaction)


def to_official_channel(channel: ChannelInfo) -> ApiChannelDescription:
    return _adapt(ApiChannelDescription, channel)


def to_official_clan(clan: ClanInfo) -> ApiClanDesc:
    return _adapt(ApiClanDesc, clan)


def to_official_role_page(page: RolePage) -> RolePage:
    """The page with each role an :class:`ApiRole`."""
    roles = RoleList(
        roles=tuple(_adapt(ApiRole, role) for role in page.roles.roles),
        max_level_permission=page.roles.max_level_permission,
    )
    return dataclasses.replace(page, roles=roles)
