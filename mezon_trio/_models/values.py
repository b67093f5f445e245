"""The value models: one frozen, slotted class per concept, with plain Python fields.

These are the types the content builders take, entities return, send methods accept and typed
events carry (exported from :mod:`mezon_trio.models`).  Each converts to and from its generated
protobuf message with ``to_proto()`` / ``from_proto()``; ids are ``int``, repeated fields
tuples, and the ``mode`` / ``code`` / channel-type fields are the open enums of
:mod:`mezon_trio._protocol.enums` (an unnamed value becomes an ``UNKNOWN_<n>`` member, never an
error).

Values built by applications are checked (:class:`Mention`, :class:`Attachment` raise
:class:`~mezon_trio.errors.ContentError` for out-of-range numbers); values decoded from the
server are taken as they come (``from_proto`` never raises for a well-typed message).

The official SDK's ``Api*`` names are compat shims over these (``ApiMessageMention`` →
:class:`Mention` plus the official context fields, ``ApiChannelDescription`` →
:class:`ChannelInfo`, ``ApiClanDesc`` → :class:`ClanInfo`, ``ChannelMessageAck`` →
:class:`SendAck`, ...).
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass
from typing import Self, TypeVar, final

from .._content.utf16 import py_index
from .._content.wire import check_id, check_int32
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import ChannelType, FriendState, MessageCode, StreamMode, stream_mode_for_type
from ..errors import ContentError

__all__ = [
    "Attachment",
    "ChannelInfo",
    "ClanInfo",
    "Friend",
    "FriendPage",
    "Mention",
    "MessageHeader",
    "MessageRef",
    "QuickMenu",
    "Reaction",
    "Role",
    "SendAck",
    "UserProfile",
    "VoiceChannelUsers",
]

_V = TypeVar("_V")


def _unchecked(cls: type[_V], **fields: object) -> _V:
    """Build a frozen slotted value without running ``__post_init__`` (for decoded server data)."""
    obj = object.__new__(cls)
    for name, value in fields.items():
        object.__setattr__(obj, name, value)
    return obj


# --------------------------------------------------------------------------- message parts


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Mention:
    """A user or role mention: ``text[s:e]`` (UTF-16 offsets) is ``@username`` / ``@rolename``.

    A user mention sets ``user_id``/``username``; a role mention ``role_id``/``rolename``.
    ``@here`` is not a mention but the message's ``mention_everyone`` flag.  ``id`` and
    ``create_time_seconds`` are filled by the server on received mentions.

    Raises:
        ContentError: an id is not a non-negative int64, or ``s``/``e`` is not a valid int32
            range (``0 <= s <= e``).
    """

    user_id: int = 0
    username: str = ""
    role_id: int = 0
    rolename: str = ""
    s: int = 0
    e: int = 0
    id: int = 0
    create_time_seconds: int = 0

    def __post_init__(self) -> None:
        check_id(self.user_id, "user_id")
        check_id(self.role_id, "role_id")
        check_int32(self.s, "s")
        check_int32(self.e, "e")
        if not 0 <= self.s <= self.e:
            raise ContentError(f"mention range s={self.s} e={self.e} is not 0 <= s <= e")

    @property
    def is_role(self) -> bool:
        """True for a role mention."""
        return self.role_id != 0 and self.user_id == 0

    def slice(self, text: str) -> str:
        """The part of *text* this mention covers (``"@alice"``).

        Raises:
            ValueError: the range does not lie on code-point boundaries of *text*.
        """
        return text[py_index(text, self.s) : py_index(text, self.e)]

    def to_proto(self) -> api.MessageMention:
        """The generated ``MessageMention`` (every wire field)."""
        return api.MessageMention(
            id=self.id,
            user_id=self.user_id,
            username=self.username,
            role_id=self.role_id,
            rolename=self.rolename,
            create_time_seconds=self.create_time_seconds,
            s=self.s,
            e=self.e,
        )

    @classmethod
    def from_proto(cls, message: api.MessageMention) -> Self:
        """A received mention, as sent (not range-checked)."""
        return _unchecked(
            cls,
            user_id=message.user_id,
            username=message.username,
            role_id=message.role_id,
            rolename=message.rolename,
            s=message.s,
            e=message.e,
            id=message.id,
            create_time_seconds=message.create_time_seconds,
        )


@final
@dataclass(frozen=True, slots=True)
class Attachment:
    """A file shown with a message, already hosted at ``url``.

    Attributes:
        url: where the file is hosted.
        filename: the name shown to users.
        filetype: the MIME type (``"image/png"``), which picks the preview.
        size: bytes.
        width: pixels (images, videos).
        height: pixels (images, videos).
        thumbnail: URL of a preview image.
        duration: seconds (audio, video).

    Raises:
        ContentError: a numeric field does not fit the protobuf ``int32``.
    """

    url: str
    _: KW_ONLY
    filename: str = ""
    filetype: str = ""
    size: int = 0
    width: int = 0
    height: int = 0
    thumbnail: str = ""
    duration: int = 0

    def __post_init__(self) -> None:
        for name in ("size", "width", "height", "duration"):
            check_int32(getattr(self, name), name)

    def to_proto(self) -> api.MessageAttachment:
        """The generated ``MessageAttachment`` (all eight fields)."""
        return api.MessageAttachment(
            filename=self.filename,
            size=self.size,
            url=self.url,
            filetype=self.filetype,
            width=self.width,
            height=self.height,
            thumbnail=self.thumbnail,
            duration=self.duration,
        )

    @classmethod
    def from_proto(cls, message: api.MessageAttachment) -> Self:
        """A received attachment, as sent (not range-checked)."""
        return _unchecked(
            cls,
            url=message.url,
            filename=message.filename,
            filetype=message.filetype,
            size=message.size,
            width=message.width,
            height=message.height,
            thumbnail=message.thumbnail,
            duration=message.duration,
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Reaction:
    """One reaction on a message (docs/protocol.md §5.6).

    ``removed`` is the wire's ``action`` flag (True: the reaction was taken back).
    """

    emoji: str
    emoji_id: int = 0
    message_id: int = 0
    channel_id: int = 0
    clan_id: int = 0
    mode: StreamMode = StreamMode.STREAM_MODE_CHANNEL
    is_public: bool = False
    sender_id: int = 0
    sender_name: str = ""
    sender_avatar: str = ""
    removed: bool = False
    count: int = 0
    message_sender_id: int = 0
    topic_id: int = 0
    id: int = 0
    emoji_recent_id: int = 0

    def to_proto(self) -> api.MessageReaction:
        return api.MessageReaction(
            id=self.id,
            emoji_id=self.emoji_id,
            emoji=self.emoji,
            sender_id=self.sender_id,
            sender_name=self.sender_name,
            sender_avatar=self.sender_avatar,
            action=self.removed,
            count=self.count,
            channel_id=self.channel_id,
            message_id=self.message_id,
            clan_id=self.clan_id,
            mode=int(self.mode),
            message_sender_id=self.message_sender_id,
            is_public=self.is_public,
            topic_id=self.topic_id,
            emoji_recent_id=self.emoji_recent_id,
        )

    @classmethod
    def from_proto(cls, message: api.MessageReaction) -> Self:
        return cls(
            emoji=message.emoji,
            emoji_id=message.emoji_id,
            message_id=message.message_id,
            channel_id=message.channel_id,
            clan_id=message.clan_id,
            mode=StreamMode(message.mode),
            is_public=message.is_public,
            sender_id=message.sender_id,
            sender_name=message.sender_name,
            sender_avatar=message.sender_avatar,
            removed=message.action,
            count=message.count,
            message_sender_id=message.message_sender_id,
            topic_id=message.topic_id,
            id=message.id,
            emoji_recent_id=message.emoji_recent_id,
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MessageRef:
    """A reference to a replied-to message (docs/protocol.md §6.9); ``message_ref_id`` is its id."""

    message_ref_id: int
    message_id: int = 0
    content: str = ""
    has_attachment: bool = False
    ref_type: int = 0
    message_sender_id: int = 0
    message_sender_username: str = ""
    message_sender_avatar: str = ""
    message_sender_clan_nick: str = ""
    message_sender_display_name: str = ""

    def to_proto(self) -> api.MessageRef:
        return api.MessageRef(
            message_id=self.message_id,
            message_ref_id=self.message_ref_id,
            content=self.content,
            has_attachment=self.has_attachment,
            ref_type=self.ref_type,
            message_sender_id=self.message_sender_id,
            message_sender_username=self.message_sender_username,
            message_sender_avatar=self.message_sender_avatar,
            message_sender_clan_nick=self.message_sender_clan_nick,
            message_sender_display_name=self.message_sender_display_name,
        )

    @classmethod
    def from_proto(cls, message: api.MessageRef) -> Self:
        return cls(
            message_ref_id=message.message_ref_id,
            message_id=message.message_id,
            content=message.content,
            has_attachment=message.has_attachment,
            ref_type=message.ref_type,
            message_sender_id=message.message_sender_id,
            message_sender_username=message.message_sender_username,
            message_sender_avatar=message.message_sender_avatar,
            message_sender_clan_nick=message.message_sender_clan_nick,
            message_sender_display_name=message.message_sender_display_name,
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class SendAck:
    """The server's answer to a send, edit or delete (docs/protocol.md §5.3).

    ``clan_id``, ``mode`` and ``is_public`` come from the request (the wire ack lacks them).
    ``code`` says what was acknowledged (:attr:`MessageCode.CHAT`, ``CHAT_UPDATE``, ``CHAT_REMOVE``,
    ``EPHEMERAL``...).
    """

    message_id: int
    channel_id: int
    clan_id: int = 0
    mode: StreamMode = StreamMode.STREAM_MODE_CHANNEL
    is_public: bool = False
    code: MessageCode = MessageCode.CHAT
    username: str = ""
    create_time_seconds: int = 0
    update_time_seconds: int = 0
    persistent: bool | None = None
    clan_logo: str = ""
    category_name: str = ""

    @classmethod
    def from_proto(
        cls, message: rt.ChannelMessageAck, *, clan_id: int = 0, mode: int = 2, is_public: bool = False
    ) -> Self:
        """The wire ack plus the request's routing fields."""
        return cls(
            message_id=message.message_id,
            channel_id=message.channel_id,
            clan_id=clan_id,
            mode=StreamMode(mode),
            is_public=is_public,
            code=MessageCode(message.code),
            username=message.username,
            create_time_seconds=message.create_time_seconds,
            update_time_seconds=message.update_time_seconds,
            persistent=message.persistent,
            clan_logo=message.clan_logo,
            category_name=message.category_name,
        )

    def to_proto(self) -> rt.ChannelMessageAck:
        """The wire ack (the routing fields are not part of it)."""
        return rt.ChannelMessageAck(
            channel_id=self.channel_id,
            message_id=self.message_id,
            code=int(self.code),
            username=self.username,
            create_time_seconds=self.create_time_seconds,
            update_time_seconds=self.update_time_seconds,
            persistent=self.persistent,
            clan_logo=self.clan_logo,
            category_name=self.category_name,
        )


# --------------------------------------------------------------------------- channels and clans


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MessageHeader:
    """The last sent or seen message of a channel."""

    id: int = 0
    timestamp_seconds: int = 0
    sender_id: int = 0
    content: str = ""

    @classmethod
    def from_proto(cls, message: api.ChannelMessageHeader) -> Self:
        return cls(
            id=message.id,
            timestamp_seconds=message.timestamp_seconds,
            sender_id=message.sender_id,
            content=message.content,
        )

    def to_proto(self) -> api.ChannelMessageHeader:
        return api.ChannelMessageHeader(
            id=self.id,
            timestamp_seconds=self.timestamp_seconds,
            sender_id=self.sender_id,
            content=self.content,
        )


def _header(message: api.ChannelMessageHeader | None) -> MessageHeader | None:
    return None if message is None else MessageHeader.from_proto(message)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelInfo:
    """A channel as the server describes it (docs/protocol.md §7.2).

    ``private`` is the wire's ``channel_private`` (non-zero: private).  :attr:`mode` is the stream
    mode used to talk in it.
    """

    channel_id: int
    clan_id: int = 0
    type: ChannelType = ChannelType.CHANNEL_TYPE_CHANNEL
    label: str = ""
    parent_id: int = 0
    category_id: int = 0
    category_name: str = ""
    creator_id: int = 0
    creator_name: str = ""
    private: bool = False
    active: int = 0
    topic: str = ""
    user_ids: tuple[int, ...] = ()
    usernames: tuple[str, ...] = ()
    display_names: tuple[str, ...] = ()
    avatars: tuple[str, ...] = ()
    onlines: tuple[bool, ...] = ()
    last_sent_message: MessageHeader | None = None
    last_seen_message: MessageHeader | None = None
    last_pin_message: str = ""
    meeting_code: str = ""
    count_mess_unread: int = 0
    create_time_seconds: int = 0
    update_time_seconds: int = 0
    channel_avatar: str = ""
    clan_name: str = ""
    app_id: int = 0
    is_mute: bool = False
    age_restricted: int = 0
    e2ee: int = 0
    member_count: int = 0

    @property
    def mode(self) -> StreamMode:
        """The stream mode of this channel's type (docs/protocol.md §5.1)."""
        return stream_mode_for_type(self.type)

    @property
    def is_dm(self) -> bool:
        """True for a DM or a group DM."""
        return self.type in (ChannelType.CHANNEL_TYPE_DM, ChannelType.CHANNEL_TYPE_GROUP)

    @classmethod
    def from_proto(cls, message: api.ChannelDescription) -> Self:
        return cls(
            channel_id=message.channel_id,
            clan_id=message.clan_id,
            type=ChannelType(message.type or ChannelType.CHANNEL_TYPE_CHANNEL),
            label=message.channel_label,
            parent_id=message.parent_id,
            category_id=message.category_id,
            category_name=message.category_name,
            creator_id=message.creator_id,
            creator_name=message.creator_name,
            private=message.channel_private != 0,
            active=message.active,
            topic=message.topic,
            user_ids=tuple(message.user_ids),
            usernames=tuple(message.usernames),
            display_names=tuple(message.display_names),
            avatars=tuple(message.avatars),
            onlines=tuple(message.onlines),
            last_sent_message=_header(message.last_sent_message),
            last_seen_message=_header(message.last_seen_message),
            last_pin_message=message.last_pin_message,
            meeting_code=message.meeting_code,
            count_mess_unread=message.count_mess_unread,
            create_time_seconds=message.create_time_seconds,
            update_time_seconds=message.update_time_seconds,
            channel_avatar=message.channel_avatar,
            clan_name=message.clan_name,
            app_id=message.app_id,
            is_mute=message.is_mute,
            age_restricted=message.age_restricted,
            e2ee=message.e2ee,
            member_count=message.member_count,
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClanInfo:
    """A clan as the server describes it (docs/protocol.md §7.2)."""

    clan_id: int
    name: str = ""
    creator_id: int = 0
    logo: str = ""
    banner: str = ""
    status: int = 0
    badge_count: int = 0
    welcome_channel_id: int = 0
    is_onboarding: bool = False
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
        return cls(
            clan_id=message.clan_id,
            name=message.clan_name,
            creator_id=message.creator_id,
            logo=message.logo,
            banner=message.banner,
            status=message.status,
            badge_count=message.badge_count,
            welcome_channel_id=message.welcome_channel_id,
            is_onboarding=message.is_onboarding,
            onboarding_banner=message.onboarding_banner,
            clan_order=message.clan_order,
            is_community=message.is_community,
            community_banner=message.community_banner,
            description=message.description,
            about=message.about,
            short_url=message.short_url,
            prevent_anonymous=message.prevent_anonymous,
            has_unread_message=message.has_unread_message,
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Role:
    """A clan role; ``user_ids`` and ``permission_ids`` flatten the nested wire lists."""

    id: int
    clan_id: int = 0
    title: str = ""
    color: str = ""
    role_icon: str = ""
    slug: str = ""
    description: str = ""
    creator_id: int = 0
    active: int = 0
    display_online: int = 0
    allow_mention: int = 0
    role_channel_active: int = 0
    channel_ids: tuple[int, ...] = ()
    max_level_permission: int = 0
    order_role: int = 0
    user_ids: tuple[int, ...] = ()
    permission_ids: tuple[int, ...] = ()

    @classmethod
    def from_proto(cls, message: api.Role) -> Self:
        users = message.role_user_list.role_users if message.role_user_list is not None else []
        perms = message.permission_list.permissions if message.permission_list is not None else []
        return cls(
            id=message.id,
            clan_id=message.clan_id,
            title=message.title,
            color=message.color,
            role_icon=message.role_icon,
            slug=message.slug,
            description=message.description,
            creator_id=message.creator_id,
            active=message.active,
            display_online=message.display_online,
            allow_mention=message.allow_mention,
            role_channel_active=message.role_channel_active,
            channel_ids=tuple(message.channel_ids),
            max_level_permission=message.max_level_permission,
            order_role=message.order_role,
            user_ids=tuple(u.id for u in users),
            permission_ids=tuple(p.id for p in perms),
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class QuickMenu:
    """A quick-menu entry of a bot (docs/protocol.md §6.7)."""

    id: int = 0
    bot_id: int = 0
    clan_id: int = 0
    channel_id: int = 0
    menu_name: str = ""
    background: str = ""
    action_msg: str = ""
    menu_type: int = 0

    @classmethod
    def from_proto(cls, message: api.QuickMenuAccess) -> Self:
        return cls(
            id=message.id,
            bot_id=message.bot_id,
            clan_id=message.clan_id,
            channel_id=message.channel_id,
            menu_name=message.menu_name,
            background=message.background,
            action_msg=message.action_msg,
            menu_type=message.menu_type,
        )

    def to_proto(self) -> api.QuickMenuAccess:
        return api.QuickMenuAccess(
            id=self.id,
            bot_id=self.bot_id,
            clan_id=self.clan_id,
            channel_id=self.channel_id,
            menu_name=self.menu_name,
            background=self.background,
            action_msg=self.action_msg,
            menu_type=self.menu_type,
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceChannelUsers:
    """Who is in a voice channel (and who shares a screen)."""

    channel_id: int
    user_ids: tuple[int, ...] = ()
    room_name: str = ""
    share_screen_ids: tuple[int, ...] = ()

    @classmethod
    def from_proto(cls, message: api.VoiceChannelUser) -> Self:
        return cls(
            channel_id=message.channel_id,
            user_ids=tuple(_int_id(u) for u in message.user_ids),
            room_name=message.room_name,
            share_screen_ids=tuple(_int_id(u) for u in message.share_screen_ids),
        )


# --------------------------------------------------------------------------- users and friends


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class UserProfile:
    """A user as pushed with membership events (the wire's ``UserProfileRedis``, without tokens)."""

    user_id: int
    username: str = ""
    display_name: str = ""
    avatar: str = ""
    online: bool = False
    is_bot: bool = False
    status: str = ""
    user_status: str = ""
    joined_clans: tuple[int, ...] = ()
    create_time_seconds: int = 0

    @classmethod
    def from_proto(cls, message: rt.UserProfileRedis) -> Self:
        return cls(
            user_id=message.user_id,
            username=message.username,
            display_name=message.display_name,
            avatar=message.avatar,
            online=message.online,
            is_bot=message.is_bot,
            status=message.status,
            user_status=message.user_status,
            joined_clans=tuple(message.joined_clans),
            create_time_seconds=message.create_time_second,
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Friend:
    """One entry of the bot's friend list (the friend's user flattened in)."""

    id: int
    username: str = ""
    display_name: str = ""
    avatar_url: str = ""
    online: bool = False
    state: FriendState = FriendState.FRIEND
    update_time_seconds: int = 0
    source_id: int = 0

    @classmethod
    def from_proto(cls, message: api.Friend) -> Self:
        user = message.user or api.User()
        return cls(
            id=user.id,
            username=user.username,
            display_name=user.display_name,
            avatar_url=user.avatar_url,
            online=user.online,
            state=FriendState(message.state),
            update_time_seconds=message.update_time_seconds,
            source_id=message.source_id,
        )


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class FriendPage:
    """A page of friends; pass ``cursor`` back for the next page (empty: the last page)."""

    friends: tuple[Friend, ...] = ()
    cursor: str = ""


def _int_id(value: str | int) -> int:
    """An id that some messages carry as a decimal string; 0 when it is not one."""
    if isinstance(value, int):
        return value
    return int(value) if value.isdigit() else 0
