"""Conversions between the value models and the generated protobuf messages.

Kept out of the value classes so that no public signature names a generated type: the value
models are what applications see, these functions are what the wire layer calls.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Mapping
from typing import Final, TypeVar

from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import ChannelStreamMode, ChannelType, FriendState, TypeMessage
from .._protocol.ids import wire_id
from ..errors import ContentError
from .values import (
    Attachment,
    ChannelInfo,
    ClanInfo,
    Friend,
    Mention,
    MessageHeader,
    MessageRef,
    QuickMenu,
    Reaction,
    Role,
    RoleList,
    RolePage,
    SendAck,
    UserProfile,
    VoiceChannelUserList,
    VoiceChannelUsers,
)

_V = TypeVar("_V")


def _unchecked(cls: type[_V], **fields: object) -> _V:
    """Build a frozen slotted value without running ``__post_init__`` (for decoded server data)."""
    obj = object.__new__(cls)
    for name, value in fields.items():
        object.__setattr__(obj, name, value)
    return obj


def _header(message: api.ChannelMessageHeader | None) -> MessageHeader | None:
    return None if message is None else header_from_proto(message)


def mention_to_proto(value: Mention) -> api.MessageMention:
    """The generated ``MessageMention`` (every wire field)."""
    return api.MessageMention(
        id=value.id,
        user_id=value.user_id,
        username=value.username,
        role_id=value.role_id,
        rolename=value.rolename,
        create_time_seconds=value.create_time_seconds,
        s=value.s,
        e=value.e,
    )


def mention_from_proto(message: api.MessageMention) -> Mention:
    """A received mention, as sent (not range-checked)."""
    return _unchecked(
        Mention,
        user_id=message.user_id,
        username=message.username,
        role_id=message.role_id,
        rolename=message.rolename,
        s=message.s,
        e=message.e,
        id=message.id,
        create_time_seconds=message.create_time_seconds,
    )


def attachment_to_proto(value: Attachment) -> api.MessageAttachment:
    """The generated ``MessageAttachment`` (all eight fields)."""
    return api.MessageAttachment(
        filename=value.filename,
        size=value.size,
        url=value.url,
        filetype=value.filetype,
        width=value.width,
        height=value.height,
        thumbnail=value.thumbnail,
        duration=value.duration,
    )


def attachment_from_proto(message: api.MessageAttachment) -> Attachment:
    """A received attachment, as sent (not range-checked)."""
    return _unchecked(
        Attachment,
        url=message.url,
        filename=message.filename,
        filetype=message.filetype,
        size=message.size,
        width=message.width,
        height=message.height,
        thumbnail=message.thumbnail,
        duration=message.duration,
    )


def reaction_to_proto(value: Reaction) -> api.MessageReaction:
    return api.MessageReaction(
        id=value.id,
        emoji_id=value.emoji_id,
        emoji=value.emoji,
        sender_id=value.sender_id,
        sender_name=value.sender_name,
        sender_avatar=value.sender_avatar,
        action=value.removed,
        count=value.count,
        channel_id=value.channel_id,
        message_id=value.message_id,
        clan_id=value.clan_id,
        mode=int(value.mode),
        message_sender_id=value.message_sender_id,
        is_public=value.is_public,
        topic_id=value.topic_id,
        emoji_recent_id=value.emoji_recent_id,
    )


def reaction_from_proto(message: api.MessageReaction) -> Reaction:
    return Reaction(
        emoji=message.emoji,
        emoji_id=message.emoji_id,
        message_id=message.message_id,
        channel_id=message.channel_id,
        clan_id=message.clan_id,
        mode=ChannelStreamMode(message.mode),
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


def ref_to_proto(value: MessageRef) -> api.MessageRef:
    return api.MessageRef(
        message_id=value.message_id,
        message_ref_id=value.message_ref_id,
        content=value.content,
        has_attachment=value.has_attachment,
        ref_type=value.ref_type,
        message_sender_id=value.message_sender_id,
        message_sender_username=value.message_sender_username,
        message_sender_avatar=value.message_sender_avatar,
        message_sender_clan_nick=value.message_sender_clan_nick,
        message_sender_display_name=value.message_sender_display_name,
    )


def ref_from_proto(message: api.MessageRef) -> MessageRef:
    return MessageRef(
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


def send_ack_from_proto(
    message: rt.ChannelMessageAck, *, clan_id: int = 0, mode: int = 2, is_public: bool = False
) -> SendAck:
    """The wire ack plus the request's routing fields."""
    return SendAck(
        message_id=message.message_id,
        channel_id=message.channel_id,
        clan_id=clan_id,
        mode=ChannelStreamMode(mode),
        is_public=is_public,
        code=TypeMessage(message.code),
        username=message.username,
        create_time_seconds=message.create_time_seconds,
        update_time_seconds=message.update_time_seconds,
        persistent=message.persistent,
        clan_logo=message.clan_logo,
        category_name=message.category_name,
    )


def send_ack_to_proto(value: SendAck) -> rt.ChannelMessageAck:
    """The wire ack (the routing fields are not part of it)."""
    return rt.ChannelMessageAck(
        channel_id=value.channel_id,
        message_id=value.message_id,
        code=int(value.code),
        username=value.username,
        create_time_seconds=value.create_time_seconds,
        update_time_seconds=value.update_time_seconds,
        persistent=value.persistent,
        clan_logo=value.clan_logo,
        category_name=value.category_name,
    )


def header_from_proto(message: api.ChannelMessageHeader) -> MessageHeader:
    return MessageHeader(
        id=message.id,
        timestamp_seconds=message.timestamp_seconds,
        sender_id=message.sender_id,
        content=message.content,
    )


def header_to_proto(value: MessageHeader) -> api.ChannelMessageHeader:
    return api.ChannelMessageHeader(
        id=value.id,
        timestamp_seconds=value.timestamp_seconds,
        sender_id=value.sender_id,
        content=value.content,
    )


def channel_info_from_proto(message: api.ChannelDescription) -> ChannelInfo:
    return ChannelInfo(
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


def clan_info_from_proto(message: api.ClanDesc) -> ClanInfo:
    return ClanInfo(
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


def role_from_proto(message: api.Role) -> Role:
    users = message.role_user_list.role_users if message.role_user_list is not None else []
    perms = message.permission_list.permissions if message.permission_list is not None else []
    return Role(
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


def role_page_from_proto(message: api.RoleListEventResponse) -> RolePage:
    roles = message.roles
    return RolePage(
        clan_id=message.clan_id,
        limit=message.limit,
        state=message.state,
        cursor=message.cursor,
        roles=RoleList(
            roles=tuple(role_from_proto(r) for r in roles.roles) if roles is not None else (),
            max_level_permission=roles.max_level_permission if roles is not None else 0,
        ),
    )


def quick_menu_from_proto(message: api.QuickMenuAccess) -> QuickMenu:
    return QuickMenu(
        id=message.id,
        bot_id=message.bot_id,
        clan_id=message.clan_id,
        channel_id=message.channel_id,
        menu_name=message.menu_name,
        background=message.background,
        action_msg=message.action_msg,
        menu_type=message.menu_type,
    )


def quick_menu_to_proto(value: QuickMenu) -> api.QuickMenuAccess:
    return api.QuickMenuAccess(
        id=value.id,
        bot_id=value.bot_id,
        clan_id=value.clan_id,
        channel_id=value.channel_id,
        menu_name=value.menu_name,
        background=value.background,
        action_msg=value.action_msg,
        menu_type=value.menu_type,
    )


def voice_users_from_proto(message: api.VoiceChannelUser) -> VoiceChannelUsers:
    return VoiceChannelUsers(
        channel_id=message.channel_id,
        user_ids=tuple(wire_id(u) for u in message.user_ids),
        room_name=message.room_name,
        share_screen_ids=tuple(wire_id(u) for u in message.share_screen_ids),
    )


def voice_user_list_from_proto(message: api.VoiceChannelUserList) -> VoiceChannelUserList:
    return VoiceChannelUserList(
        voice_channel_users=tuple(voice_users_from_proto(u) for u in message.voice_channel_users)
    )


def user_profile_from_proto(message: rt.UserProfileRedis) -> UserProfile:
    return UserProfile(
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


def friend_from_proto(message: api.Friend) -> Friend:
    user = message.user or api.User()
    return Friend(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        avatar_url=user.avatar_url,
        online=user.online,
        state=FriendState(message.state),
        update_time_seconds=message.update_time_seconds,
        source_id=message.source_id,
    )


# ---------------------------------------------------------------------- what send methods accept

# Keys the official SDK's models carry beside the wire fields: context, never sent.
_MENTION_CONTEXT: Final = frozenset({"channel_id", "mode", "channel_label", "message_id", "sender_id"})
_REF_CONTEXT: Final = frozenset({"channel_id", "mode", "channel_label"})


def _from_mapping(
    cls: Callable[..., _V],
    value: Mapping[object, object],
    what: str,
    context: frozenset[str],
    ids: tuple[str, ...],
) -> _V:
    """*cls* from a mapping of its field names (the official context keys dropped, ids parsed).

    Raises:
        ContentError: an unknown key, or a value the model refuses.
    """
    known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    values: dict[str, object] = {}
    unknown: list[str] = []
    for key, item in value.items():
        if not isinstance(key, str) or key not in known:
            if key not in context:
                unknown.append(repr(key))
            continue
        values[key] = wire_id(item) if key in ids else item
    if unknown:
        raise ContentError(f"{what}: unknown field(s) {', '.join(unknown)}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise ContentError(f"{what}: {exc}") from exc


_P = TypeVar("_P")


def _wire_items(
    items: Iterable[object],
    value_cls: type[_V],
    proto_cls: type[_P],
    to_proto: Callable[[_V], _P],
    what: str,
    *,
    context: frozenset[str],
    ids: tuple[str, ...] = (),
    defaults: Mapping[str, object] | None = None,
) -> list[_P]:
    """Each item (a *value_cls*, a *proto_cls* or a mapping of *value_cls*'s keys) as a *proto_cls*.

    Raises:
        ContentError: an item is of an unsupported type or has unknown fields.
    """
    out: list[_P] = []
    for item in items:
        if isinstance(item, value_cls):
            out.append(to_proto(item))
        elif isinstance(item, proto_cls):
            out.append(item)
        elif isinstance(item, Mapping):
            values = {**(defaults or {}), **item}
            out.append(to_proto(_from_mapping(value_cls, values, what, context, ids)))
        else:
            article = "an" if what[0] in "aeiou" else "a"
            raise ContentError(f"cannot use a {type(item).__name__} as {article} {what}")
    return out


def mention_protos(items: Iterable[object] | None) -> list[api.MessageMention]:
    """Mentions (:class:`Mention`, generated messages, or mappings with its keys) -> generated messages.

    Raises:
        ContentError: an item is of an unsupported type or has unknown fields.
    """
    ids = ("id", "user_id", "role_id")
    return _wire_items(
        items or (),
        Mention,
        api.MessageMention,
        mention_to_proto,
        "mention",
        context=_MENTION_CONTEXT,
        ids=ids,
    )


def attachment_protos(items: Iterable[object] | None) -> list[api.MessageAttachment]:
    """Attachments (:class:`Attachment`, generated messages, or mappings) -> generated messages.

    The official model's ``url`` defaults to ``""``, so a mapping may leave it out.

    Raises:
        ContentError: an item is of an unsupported type or has unknown fields.
    """
    return _wire_items(
        items or (),
        Attachment,
        api.MessageAttachment,
        attachment_to_proto,
        "attachment",
        context=_MENTION_CONTEXT,
        defaults={"url": ""},
    )


def ref_protos(items: object) -> list[api.MessageRef]:
    """References (one or a list: :class:`MessageRef`, generated messages, mappings) -> generated ones.

    The official model's ``message_ref_id`` defaults to 0, so a mapping may leave it out.

    Raises:
        ContentError: an item is of an unsupported type or has unknown fields.
    """
    if items is None:
        return []
    if isinstance(items, (api.MessageRef, MessageRef, Mapping)):
        items = [items]
    if not isinstance(items, Iterable):
        raise ContentError(f"cannot use a {type(items).__name__} as references")
    return _wire_items(
        items,
        MessageRef,
        api.MessageRef,
        ref_to_proto,
        "reference",
        context=_REF_CONTEXT,
        ids=("message_id", "message_ref_id", "message_sender_id"),
        defaults={"message_ref_id": 0},
    )
