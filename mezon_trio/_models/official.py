"""Frozen, keyword-only models with the official SDK's names (``mezon.models``).

Field names follow the protobuf schema (docs/protocol.md §11 quirk 6: "model = schema"),
so nothing the server sends is dropped; a few official-SDK spellings remain as
read-only aliases (``ChannelMessageAck.create_time``...).  Ids are ``int``;
repeated fields are tuples.  Each model converts to and from the generated
message with ``to_proto()`` / ``from_proto()``; every schema field passes
through (quirk 7).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from dataclasses import KW_ONLY, dataclass, field
from decimal import Decimal
from typing import Any, Self, TypeVar, final

import betterproto2

from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._content.message import Content
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from ..errors import ContentError
from .proto import attachment_to_proto, mention_to_proto, ref_to_proto, voice_users_from_proto
from .values import Friend, FriendPage, MessageRef, QuickMenu, VoiceChannelUsers

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
    "attachment_protos",
    "mention_protos",
    "ref_protos",
]

_M = TypeVar("_M")


_FIELDS: dict[type[Any], tuple[str, ...]] = {}


def _field_names(cls: type[Any]) -> tuple[str, ...]:
    names = _FIELDS.get(cls)
    if names is None:
        names = _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))
    return names


def _copy(cls: type[_M], message: betterproto2.Message, **overrides: Any) -> _M:
    """Build *cls* from the same-named fields of a generated *message* (lists become tuples)."""
    kwargs: dict[str, Any] = {}
    for name in _field_names(cls):
        if name in overrides:
            kwargs[name] = overrides[name]
        elif hasattr(message, name):
            value = getattr(message, name)
            kwargs[name] = tuple(value) if isinstance(value, list) else value
    return cls(**kwargs)


def _proto_kwargs(model: Any, proto_cls: type[betterproto2.Message]) -> dict[str, Any]:
    names = {f.name for f in dataclasses.fields(proto_cls)}  # type: ignore[arg-type]
    out: dict[str, Any] = {}
    for name in _field_names(type(model)):
        if name in names:
            value = getattr(model, name)
            out[name] = list(value) if isinstance(value, tuple) else value
    return out


def _from_mapping(cls: type[_M], value: Mapping[str, Any], what: str) -> _M:
    known = set(_field_names(cls))
    unknown = [k for k in value if k not in known]
    if unknown:
        raise ContentError(f"{what}: unknown field(s) {', '.join(map(repr, unknown))}")
    try:
        return cls(**value)
    except (TypeError, ValueError) as exc:
        raise ContentError(f"{what}: {exc}") from exc


def _id(value: object) -> int:
    """Ids may arrive as decimal strings (JSON-ish sources)."""
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return 0


# ---------------------------------------------------------------------- message parts


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiMessageMention:
    """A mention (``api.MessageMention``): ``t[s:e]`` (UTF-16 units) is ``@username``.

    ``channel_id``, ``mode``, ``channel_label``, ``message_id`` and ``sender_id`` are the
    official model's context fields; they are not part of the wire message.
    :class:`mezon_trio.content.Mention` is accepted wherever this is.
    """

    id: int = 0
    user_id: int = 0
    username: str = ""
    role_id: int = 0
    rolename: str = ""
    create_time_seconds: int = 0
    s: int = 0
    e: int = 0
    channel_id: int = 0
    mode: int = 0
    channel_label: str = ""
    message_id: int = 0
    sender_id: int = 0

    def to_proto(self) -> api.MessageMention:
        """The generated ``api.MessageMention`` (every schema field)."""
        return api.MessageMention(**_proto_kwargs(self, api.MessageMention))

    @classmethod
    def from_proto(cls, message: api.MessageMention) -> Self:
        return _copy(cls, message)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiMessageAttachment:
    """An attachment (``api.MessageAttachment``): a file already hosted at ``url``.

    :class:`mezon_trio.content.Attachment` is accepted wherever this is.
    """

    filename: str = ""
    size: int = 0
    url: str = ""
    filetype: str = ""
    width: int = 0
    height: int = 0
    thumbnail: str = ""
    duration: int = 0
    channel_id: int = 0
    mode: int = 0
    channel_label: str = ""
    message_id: int = 0
    sender_id: int = 0

    def to_proto(self) -> api.MessageAttachment:
        return api.MessageAttachment(**_proto_kwargs(self, api.MessageAttachment))

    @classmethod
    def from_proto(cls, message: api.MessageAttachment) -> Self:
        return _copy(cls, message)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiMessageRef:
    """A reference to a replied-to message (``api.MessageRef``, docs/protocol.md §6.9)."""

    message_id: int = 0
    message_ref_id: int = 0
    content: str = ""
    has_attachment: bool = False
    ref_type: int = 0
    message_sender_id: int = 0
    message_sender_username: str = ""
    message_sender_avatar: str = ""
    message_sender_clan_nick: str = ""
    message_sender_display_name: str = ""
    channel_id: int = 0
    mode: int = 0
    channel_label: str = ""

    def to_proto(self) -> api.MessageRef:
        return api.MessageRef(**_proto_kwargs(self, api.MessageRef))

    @classmethod
    def from_proto(cls, message: api.MessageRef) -> Self:
        return _copy(cls, message)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiMessageReaction:
    """A reaction (``api.MessageReaction``, docs/protocol.md §5.6); ``action`` True means removed."""

    id: int = 0
    emoji_id: int = 0
    emoji: str = ""
    sender_id: int = 0
    sender_name: str = ""
    sender_avatar: str = ""
    action: bool = False
    count: int = 0
    channel_id: int = 0
    message_id: int = 0
    clan_id: int = 0
    mode: int = 0
    message_sender_id: int = 0
    is_public: bool = False
    topic_id: int = 0
    emoji_recent_id: int = 0
    channel_label: str = ""

    def to_proto(self) -> api.MessageReaction:
        return api.MessageReaction(**_proto_kwargs(self, api.MessageReaction))

    @classmethod
    def from_proto(cls, message: api.MessageReaction) -> Self:
        return _copy(cls, message)


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


def mention_protos(items: Iterable[object] | None) -> list[api.MessageMention]:
    """Mentions in any accepted shape -> generated messages.

    Raises:
        ContentError: an item is of an unsupported type or has unknown fields.
    """
    out: list[api.MessageMention] = []
    for item in items or ():
        if isinstance(item, api.MessageMention):
            out.append(item)
        elif isinstance(item, Mention):
            out.append(mention_to_proto(item))
        elif isinstance(item, ApiMessageMention):
            out.append(item.to_proto())
        elif isinstance(item, Mapping):
            values = dict(item)
            for key in ("id", "user_id", "role_id"):
                if key in values:
                    values[key] = _id(values[key])
            out.append(_from_mapping(ApiMessageMention, values, "mention").to_proto())
        else:
            raise ContentError(f"cannot use a {type(item).__name__} as a mention")
    return out


def attachment_protos(items: Iterable[object] | None) -> list[api.MessageAttachment]:
    """Attachments in any accepted shape -> generated messages (all eight fields).

    Raises:
        ContentError: an item is of an unsupported type or has unknown fields.
    """
    out: list[api.MessageAttachment] = []
    for item in items or ():
        if isinstance(item, api.MessageAttachment):
            out.append(item)
        elif isinstance(item, Attachment):
            out.append(attachment_to_proto(item))
        elif isinstance(item, ApiMessageAttachment):
            out.append(item.to_proto())
        elif isinstance(item, Mapping):
            out.append(_from_mapping(ApiMessageAttachment, item, "attachment").to_proto())
        else:
            raise ContentError(f"cannot use a {type(item).__name__} as an attachment")
    return out


def ref_protos(items: object) -> list[api.MessageRef]:
    """References (one or a list) in any accepted shape -> generated messages.

    Raises:
        ContentError: an item is of an unsupported type or has unknown fields.
    """
    if items is None:
        return []
    if isinstance(items, (api.MessageRef, ApiMessageRef, MessageRef, Mapping)):
        items = [items]
    if not isinstance(items, Iterable):
        raise ContentError(f"cannot use a {type(items).__name__} as references")
    out: list[api.MessageRef] = []
    for item in items:
        if isinstance(item, api.MessageRef):
            out.append(item)
        elif isinstance(item, MessageRef):
            out.append(ref_to_proto(item))
        elif isinstance(item, ApiMessageRef):
            out.append(item.to_proto())
        elif isinstance(item, Mapping):
            values = dict(item)
            for key in ("message_id", "message_ref_id", "message_sender_id"):
                if key in values:
                    values[key] = _id(values[key])
            out.append(_from_mapping(ApiMessageRef, values, "reference").to_proto())
        else:
            raise ContentError(f"cannot use a {type(item).__name__} as a reference")
    return out


# ---------------------------------------------------------------------- acks and tokens


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelMessageAck:
    """The server's acknowledgement of a message operation (``rt.ChannelMessageAck``, §5.3).

    Every schema field is kept (quirk 6).  ``clan_id``, ``mode``, ``is_public`` are
    filled from the request, as the official SDK does.  For edits and deletes,
    which go through the API bridge, the ack is built from the request with
    ``code`` 1 (edit) or 2 (delete); for ephemeral messages ``message_id`` is the
    ephemeral message's id (use it to update or delete it).
    """

    channel_id: int = 0
    message_id: int = 0
    code: int = 0
    username: str = ""
    create_time_seconds: int = 0
    update_time_seconds: int = 0
    persistent: bool | None = None
    clan_logo: str = ""
    category_name: str = ""
    clan_id: int = 0
    mode: int = 0
    is_public: bool = False
    channel_label: str = ""

    @property
    def create_time(self) -> int:
        """Official-SDK name of ``create_time_seconds``."""
        return self.create_time_seconds

    @property
    def update_time(self) -> int:
        """Official-SDK name of ``update_time_seconds``."""
        return self.update_time_seconds

    @property
    def persistence(self) -> bool | None:
        """Official-SDK name of ``persistent``."""
        return self.persistent

    @classmethod
    def from_proto(cls, message: rt.ChannelMessageAck, **context: Any) -> Self:
        """Build from the wire ack plus request context (``clan_id``, ``mode``, ``is_public``)."""
        return _copy(cls, message, **context)


@final
@dataclass(frozen=True, slots=True)
class ApiSentTokenRequest:
    """A token transfer request for :meth:`MezonClient.send_token`.

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


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class AddTxResponse:
    """The chain's answer to a transfer (``tx.addtx``, docs/protocol.md §8.8); ``ok`` is always True
    when returned by ``send_token`` (failures raise ``TokenTransferError``)."""

    ok: bool
    tx_hash: str
    error: str = ""


# ---------------------------------------------------------------------- channels and clans


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiChannelMessageHeader:
    """``api.ChannelMessageHeader``: the last sent / seen message of a channel."""

    id: int = 0
    timestamp_seconds: int = 0
    sender_id: int = 0
    content: str = ""

    @classmethod
    def from_proto(cls, message: api.ChannelMessageHeader | None) -> Self | None:
        return None if message is None else _copy(cls, message)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiChannelDescription:
    """A channel as described by the server (``api.ChannelDescription``, docs/protocol.md §7.2)."""

    clan_id: int = 0
    parent_id: int = 0
    channel_id: int = 0
    category_id: int = 0
    category_name: str = ""
    type: int = 0
    creator_id: int = 0
    channel_label: str = ""
    channel_private: int = 0
    avatars: tuple[str, ...] = ()
    user_ids: tuple[int, ...] = ()
    last_sent_message: ApiChannelMessageHeader | None = None
    last_seen_message: ApiChannelMessageHeader | None = None
    onlines: tuple[bool, ...] = ()
    meeting_code: str = ""
    count_mess_unread: int = 0
    active: int = 0
    last_pin_message: str = ""
    usernames: tuple[str, ...] = ()
    creator_name: str = ""
    create_time_seconds: int = 0
    update_time_seconds: int = 0
    display_names: tuple[str, ...] = ()
    channel_avatar: str = ""
    clan_name: str = ""
    app_id: int = 0
    is_mute: bool = False
    age_restricted: int = 0
    topic: str = ""
    e2ee: int = 0
    member_count: int = 0

    @classmethod
    def from_proto(cls, message: api.ChannelDescription) -> Self:
        return _copy(
            cls,
            message,
            last_sent_message=ApiChannelMessageHeader.from_proto(message.last_sent_message),
            last_seen_message=ApiChannelMessageHeader.from_proto(message.last_seen_message),
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiClanDesc:
    """A clan (``api.ClanDesc``, docs/protocol.md §7.2)."""

    creator_id: int = 0
    clan_name: str = ""
    logo: str = ""
    banner: str = ""
    clan_id: int = 0
    status: int = 0
    badge_count: int = 0
    is_onboarding: bool = False
    welcome_channel_id: int = 0
    onboarding_banner: str = ""
    clan_order: int = 0
    is_community: bool = False
    community_banner: str = ""
    description: str = ""
    about: str = ""
    short_url: str = ""
    prevent_anonymous: bool = False
    has_unread_message: bool = False

    @classmethod
    def from_proto(cls, message: api.ClanDesc) -> Self:
        return _copy(cls, message)


#: The official name of a quick-menu entry (the value model).
ApiQuickMenuAccess = QuickMenu


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRole:
    """A clan role (``api.Role``); ``role_user_ids`` and ``permission_ids`` flatten the nested lists."""

    id: int = 0
    title: str = ""
    color: str = ""
    role_icon: str = ""
    slug: str = ""
    description: str = ""
    creator_id: int = 0
    clan_id: int = 0
    active: int = 0
    display_online: int = 0
    allow_mention: int = 0
    role_channel_active: int = 0
    channel_ids: tuple[int, ...] = ()
    max_level_permission: int = 0
    order_role: int = 0
    role_user_ids: tuple[int, ...] = ()
    permission_ids: tuple[int, ...] = ()

    @classmethod
    def from_proto(cls, message: api.Role) -> Self:
        users = message.role_user_list.role_users if message.role_user_list is not None else []
        perms = message.permission_list.permissions if message.permission_list is not None else []
        return _copy(
            cls,
            message,
            role_user_ids=tuple(u.id for u in users),
            permission_ids=tuple(p.id for p in perms),
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRoleList:
    """``api.RoleList``."""

    roles: tuple[ApiRole, ...] = ()
    max_level_permission: int = 0


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiRoleListEventResponse:
    """The answer of ``Clan.list_roles`` (``api.RoleListEventResponse``): ``resp.roles.roles``."""

    clan_id: int = 0
    limit: int = 0
    state: int = 0
    cursor: str = ""
    roles: ApiRoleList = field(default_factory=ApiRoleList)

    @classmethod
    def from_proto(cls, message: api.RoleListEventResponse) -> Self:
        roles = message.roles
        role_list = ApiRoleList(
            roles=tuple(ApiRole.from_proto(r) for r in roles.roles) if roles is not None else (),
            max_level_permission=roles.max_level_permission if roles is not None else 0,
        )
        return cls(
            clan_id=message.clan_id,
            limit=message.limit,
            state=message.state,
            cursor=message.cursor,
            roles=role_list,
        )


#: The official name of who is in a voice channel (the value model).
ApiVoiceChannelUser = VoiceChannelUsers


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ApiVoiceChannelUserList:
    """``api.VoiceChannelUserList``."""

    voice_channel_users: tuple[ApiVoiceChannelUser, ...] = ()

    @classmethod
    def from_proto(cls, message: api.VoiceChannelUserList) -> Self:
        return cls(voice_channel_users=tuple(voice_users_from_proto(u) for u in message.voice_channel_users))


# ---------------------------------------------------------------------- friends


#: The official names of the bot's friends and a page of them (the value models).
FriendList = FriendPage
