"""The value models: one frozen, slotted class per concept, with plain Python fields.

These are the types the content builders take, entities return, send methods accept and typed
events carry (exported from :mod:`mezon_trio.models`).  The conversions to and from the generated
protobuf messages are functions of :mod:`mezon_trio._models.proto` (no public signature here
names a generated type); ids are ``int``, repeated fields
tuples, and the ``mode`` / ``code`` / channel-type fields are the open enums of
:mod:`mezon_trio._protocol.enums` (an unnamed value becomes an ``UNKNOWN_<n>`` member, never an
error).

Values built by applications are checked (:class:`Mention`, :class:`Attachment` raise
:class:`~mezon_trio.errors.ContentError` for out-of-range numbers); values decoded from the
server are taken as they come (``from_proto`` never raises for a well-typed message).

The official SDK's ``Api*`` names (:mod:`mezon_trio._official.models`, exported by
:mod:`mezon_trio.compat`) are aliases of these or subclasses adding only the official spellings
(``ChannelMessageAck`` → :class:`SendAck` + ``create_time``..., ``ApiChannelDescription`` →
:class:`ChannelInfo` + ``channel_label``...): that is why :class:`Reaction`, :class:`MessageRef`,
:class:`SendAck`, :class:`ChannelInfo`, :class:`ClanInfo` and :class:`Role` are not ``@final``.
Those official spellings also read on the value models themselves for one release, with a
``DeprecationWarning`` (defined only at runtime: not part of the typed surface), because the
native API returned the official types before issue 11.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, final

from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._protocol.enums import ChannelStreamMode, ChannelType, FriendState, TypeMessage, mode_for_type
from .deprecation import deprecated_getter

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
    "RoleList",
    "RolePage",
    "SendAck",
    "TransferResult",
    "UserProfile",
    "VoiceChannelUserList",
    "VoiceChannelUsers",
]

# --------------------------------------------------------------------------- message parts


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
    mode: ChannelStreamMode = ChannelStreamMode.STREAM_MODE_CHANNEL
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

    if not TYPE_CHECKING:  # the official name, deprecated for one release: off the typed surface

        @property
        @deprecated_getter("Reaction.action is deprecated: use removed")
        def action(self) -> bool:
            return self.removed


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


@dataclass(frozen=True, slots=True, kw_only=True)
class SendAck:
    """The server's answer to a send, edit or delete (docs/protocol.md §5.3).

    ``clan_id``, ``mode`` and ``is_public`` come from the request (the wire ack lacks them).
    ``code`` says what was acknowledged (:attr:`TypeMessage.CHAT`, ``CHAT_UPDATE``, ``CHAT_REMOVE``,
    ``EPHEMERAL``...).  ``channel_label`` is filled for ephemeral messages (the server's echo has
    it).  For an ephemeral message ``message_id`` is the ephemeral message's id (use it to update
    or delete it).
    """

    message_id: int
    channel_id: int
    clan_id: int = 0
    mode: ChannelStreamMode = ChannelStreamMode.STREAM_MODE_CHANNEL
    is_public: bool = False
    code: TypeMessage = TypeMessage.CHAT
    username: str = ""
    create_time_seconds: int = 0
    update_time_seconds: int = 0
    persistent: bool | None = None
    clan_logo: str = ""
    category_name: str = ""
    channel_label: str = ""

    if not TYPE_CHECKING:  # the official names, deprecated for one release: off the typed surface

        @property
        @deprecated_getter("SendAck.create_time is deprecated: use create_time_seconds")
        def create_time(self) -> int:
            return self.create_time_seconds

        @property
        @deprecated_getter("SendAck.update_time is deprecated: use update_time_seconds")
        def update_time(self) -> int:
            return self.update_time_seconds

        @property
        @deprecated_getter("SendAck.persistence is deprecated: use persistent")
        def persistence(self) -> bool | None:
            return self.persistent


# --------------------------------------------------------------------------- channels and clans


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class MessageHeader:
    """The last sent or seen message of a channel."""

    id: int = 0
    timestamp_seconds: int = 0
    sender_id: int = 0
    content: str = ""


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
    def mode(self) -> ChannelStreamMode:
        """The stream mode of this channel's type (docs/protocol.md §5.1)."""
        return mode_for_type(self.type)

    @property
    def is_dm(self) -> bool:
        """True for a DM or a group DM."""
        return self.type in (ChannelType.CHANNEL_TYPE_DM, ChannelType.CHANNEL_TYPE_GROUP)

    if not TYPE_CHECKING:  # the official names, deprecated for one release: off the typed surface

        @property
        @deprecated_getter("ChannelInfo.channel_label is deprecated: use label")
        def channel_label(self) -> str:
            return self.label

        @property
        @deprecated_getter("ChannelInfo.channel_private is deprecated: use private")
        def channel_private(self) -> int:
            return int(self.private)


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

    if not TYPE_CHECKING:  # the official name, deprecated for one release: off the typed surface

        @property
        @deprecated_getter("ClanInfo.clan_name is deprecated: use name")
        def clan_name(self) -> str:
            return self.name


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

    if not TYPE_CHECKING:  # the official name, deprecated for one release: off the typed surface

        @property
        @deprecated_getter("Role.role_user_ids is deprecated: use user_ids")
        def role_user_ids(self) -> tuple[int, ...]:
            return self.user_ids


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RoleList:
    """Roles and the highest permission level among them."""

    roles: tuple[Role, ...] = ()
    max_level_permission: int = 0


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RolePage:
    """A page of a clan's roles (``Clan.list_roles``): ``page.roles.roles``; pass ``cursor`` back
    for the next page."""

    clan_id: int = 0
    limit: int = 0
    state: int = 0
    cursor: str = ""
    roles: RoleList = field(default_factory=RoleList)


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


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceChannelUsers:
    """Who is in a voice channel (and who shares a screen)."""

    channel_id: int
    user_ids: tuple[int, ...] = ()
    room_name: str = ""
    share_screen_ids: tuple[int, ...] = ()


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class VoiceChannelUserList:
    """Who is in each voice channel (``Clan.list_channel_voice_users``)."""

    voice_channel_users: tuple[VoiceChannelUsers, ...] = ()


# --------------------------------------------------------------------------- token transfers


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class TransferResult:
    """The chain's answer to a token transfer (``tx.addtx``, docs/protocol.md §8.8); ``ok`` is
    always True when returned by ``send_token`` (failures raise ``TokenTransferError``)."""

    ok: bool
    tx_hash: str
    error: str = ""


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


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class FriendPage:
    """A page of friends; pass ``cursor`` back for the next page (empty: the last page)."""

    friends: tuple[Friend, ...] = ()
    cursor: str = ""
