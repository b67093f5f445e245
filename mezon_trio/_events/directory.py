"""Channel, membership, role, clan-event and notification events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

from .._models.proto import channel_info_from_proto, role_from_proto, user_profile_from_proto
from .._models.values import ChannelInfo, Role, UserProfile
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import ChannelType
from .._protocol.ids import wire_id
from .base import BaseEvent, register

__all__ = [
    "ChannelCreated",
    "ChannelDeleted",
    "ChannelUpdated",
    "ClanEventCreated",
    "Notification",
    "RoleAssigned",
    "RoleChanged",
    "UserAddedToChannel",
    "UserAddedToClan",
    "UserRemovedFromChannel",
    "UserRemovedFromClan",
]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelCreated(BaseEvent):
    """A channel was created; ``status`` is the wire's channel status."""

    channel: ChannelInfo
    status: int = 0


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelUpdated(BaseEvent):
    """A channel changed (a thread with ``status == 1`` became active)."""

    channel: ChannelInfo
    status: int = 0
    role_ids: tuple[int, ...] = ()


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelDeleted(BaseEvent):
    """A channel was deleted; ``deleted_by`` is who deleted it (0 when not said)."""

    channel_id: int
    clan_id: int = 0
    category_id: int = 0
    parent_id: int = 0
    deleted_by: int = 0


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class UserAddedToChannel(BaseEvent):
    """Users (perhaps the bot) were added to a channel, DM or thread; ``added_by`` is who added them."""

    channel: ChannelInfo
    users: tuple[UserProfile, ...]
    clan_id: int = 0
    added_by: UserProfile | None = None
    status: str = ""
    active: int = 0
    create_time_seconds: int = 0

    @property
    def user_ids(self) -> tuple[int, ...]:
        return tuple(u.user_id for u in self.users)


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class UserRemovedFromChannel(BaseEvent):
    """Users were removed from a channel."""

    channel_id: int
    user_ids: tuple[int, ...]
    clan_id: int = 0
    channel_type: ChannelType = ChannelType.CHANNEL_TYPE_CHANNEL


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class UserAddedToClan(BaseEvent):
    """A user (perhaps the bot) joined a clan; ``invited_by`` is the inviter's id (0 when not said)."""

    clan_id: int
    user: UserProfile
    invited_by: int = 0


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class UserRemovedFromClan(BaseEvent):
    """Users left or were removed from a clan."""

    clan_id: int
    user_ids: tuple[int, ...]


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RoleChanged(BaseEvent):
    """A clan role was created, updated or deleted (``status`` says which, as the server sends it)."""

    role: Role
    status: int = 0
    user_id: int = 0
    added_user_ids: tuple[int, ...] = ()
    removed_user_ids: tuple[int, ...] = ()
    added_permission_ids: tuple[int, ...] = ()
    removed_permission_ids: tuple[int, ...] = ()


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class RoleAssigned(BaseEvent):
    """Users were given or lost a role."""

    clan_id: int
    role_id: int
    assigned_user_ids: tuple[int, ...] = ()
    removed_user_ids: tuple[int, ...] = ()


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class ClanEventCreated(BaseEvent):
    """A scheduled clan event was created or changed (``action`` says which)."""

    event_id: int
    clan_id: int
    title: str = ""
    description: str = ""
    logo: str = ""
    address: str = ""
    channel_id: int = 0
    voice_channel_id: int = 0
    start_time_seconds: int = 0
    end_time_seconds: int = 0
    status: int = 0
    action: int = 0
    repeat_type: int = 0
    creator_id: int = 0
    user_id: int = 0
    is_private: bool = False


@final
@dataclass(frozen=True, slots=True, kw_only=True)
class Notification(BaseEvent):
    """One notification (a push may carry several: each is its own event).

    ``code`` -2 is a friend request (:attr:`is_friend_request`); ``content`` is the JSON text.
    """

    id: int
    code: int
    subject: str = ""
    content: str = ""
    sender_id: int = 0
    clan_id: int = 0
    channel_id: int = 0
    channel_type: ChannelType = ChannelType.CHANNEL_TYPE_CHANNEL
    topic_id: int = 0
    category: int = 0
    avatar_url: str = ""
    persistent: bool = False
    create_time_seconds: int = 0

    @property
    def is_friend_request(self) -> bool:
        return self.code == -2


def _channel_from_created(p: rt.ChannelCreatedEvent) -> ChannelInfo:
    return ChannelInfo(
        channel_id=p.channel_id,
        clan_id=p.clan_id,
        type=ChannelType(p.channel_type or ChannelType.CHANNEL_TYPE_CHANNEL),
        label=p.channel_label,
        parent_id=p.parent_id,
        category_id=p.category_id,
        creator_id=p.creator_id,
        private=p.channel_private != 0,
        channel_avatar=p.channel_avatar,
        clan_name=p.clan_name,
        app_id=p.app_id,
    )


def _channel_from_updated(p: rt.ChannelUpdatedEvent) -> ChannelInfo:
    return ChannelInfo(
        channel_id=p.channel_id,
        clan_id=p.clan_id,
        type=ChannelType(p.channel_type or ChannelType.CHANNEL_TYPE_CHANNEL),
        label=p.channel_label,
        parent_id=p.parent_id,
        category_id=p.category_id,
        creator_id=p.creator_id,
        private=p.channel_private,
        active=p.active,
        topic=p.topic,
        user_ids=tuple(p.user_ids),
        meeting_code=p.meeting_code,
        count_mess_unread=p.count_mess_unread,
        channel_avatar=p.channel_avatar,
        app_id=p.app_id,
        age_restricted=p.age_restricted,
        e2ee=p.e2ee,
    )


def _channel_created(kind: str, p: object) -> ChannelCreated | None:
    if not isinstance(p, rt.ChannelCreatedEvent):
        return None
    return ChannelCreated(channel=_channel_from_created(p), status=p.status)


def _channel_updated(kind: str, p: object) -> ChannelUpdated | None:
    if not isinstance(p, rt.ChannelUpdatedEvent):
        return None
    return ChannelUpdated(channel=_channel_from_updated(p), status=p.status, role_ids=tuple(p.role_ids))


def _channel_deleted(kind: str, p: object) -> ChannelDeleted | None:
    if not isinstance(p, rt.ChannelDeletedEvent):
        return None
    return ChannelDeleted(
        channel_id=p.channel_id,
        clan_id=p.clan_id,
        category_id=p.category_id,
        parent_id=p.parent_id,
        deleted_by=wire_id(p.deletor),
    )


def _user_added_to_channel(kind: str, p: object) -> UserAddedToChannel | None:
    if not isinstance(p, rt.UserChannelAdded):
        return None
    desc = p.channel_desc
    channel = (
        channel_info_from_proto(desc) if desc is not None else ChannelInfo(channel_id=0, clan_id=p.clan_id)
    )
    return UserAddedToChannel(
        channel=channel,
        users=tuple(user_profile_from_proto(u) for u in p.users),
        clan_id=p.clan_id or channel.clan_id,
        added_by=user_profile_from_proto(p.caller) if p.caller is not None else None,
        status=p.status,
        active=p.active,
        create_time_seconds=p.create_time_seconds,
    )


def _user_removed_from_channel(kind: str, p: object) -> UserRemovedFromChannel | None:
    if not isinstance(p, rt.UserChannelRemoved):
        return None
    return UserRemovedFromChannel(
        channel_id=p.channel_id,
        user_ids=tuple(p.user_ids),
        clan_id=p.clan_id,
        channel_type=ChannelType(p.channel_type or ChannelType.CHANNEL_TYPE_CHANNEL),
    )


def _user_added_to_clan(kind: str, p: object) -> UserAddedToClan | None:
    if not isinstance(p, rt.AddClanUserEvent):
        return None
    user = user_profile_from_proto(p.user) if p.user is not None else UserProfile(user_id=0)
    return UserAddedToClan(clan_id=p.clan_id, user=user, invited_by=wire_id(p.invitor))


def _user_removed_from_clan(kind: str, p: object) -> UserRemovedFromClan | None:
    if not isinstance(p, rt.UserClanRemoved):
        return None
    return UserRemovedFromClan(clan_id=p.clan_id, user_ids=tuple(p.user_ids))


def _role_changed(kind: str, p: object) -> RoleChanged | None:
    if not isinstance(p, rt.RoleEvent):
        return None
    return RoleChanged(
        role=role_from_proto(p.role) if p.role is not None else Role(id=0),
        status=p.status,
        user_id=p.user_id,
        added_user_ids=tuple(p.user_add_ids),
        removed_user_ids=tuple(p.user_remove_ids),
        added_permission_ids=tuple(p.active_permission_ids),
        removed_permission_ids=tuple(p.remove_permission_ids),
    )


def _role_assigned(kind: str, p: object) -> RoleAssigned | None:
    if not isinstance(p, rt.RoleAssignedEvent):
        return None
    return RoleAssigned(
        clan_id=wire_id(p.clan_id),
        role_id=p.role_id,
        assigned_user_ids=tuple(p.user_ids_assigned),
        removed_user_ids=tuple(p.user_ids_removed),
    )


def _clan_event(kind: str, p: object) -> ClanEventCreated | None:
    if not isinstance(p, api.CreateEventRequest):
        return None
    return ClanEventCreated(
        event_id=p.event_id,
        clan_id=p.clan_id,
        title=p.title,
        description=p.description,
        logo=p.logo,
        address=p.address,
        channel_id=p.channel_id,
        voice_channel_id=p.channel_voice_id,
        start_time_seconds=p.start_time_seconds,
        end_time_seconds=p.end_time_seconds,
        status=p.event_status,
        action=p.action,
        repeat_type=p.repeat_type,
        creator_id=p.creator_id,
        user_id=p.user_id,
        is_private=p.is_private,
    )


def _notifications(kind: str, p: object) -> tuple[Notification, ...]:
    if not isinstance(p, rt.Notifications):
        return ()
    return tuple(
        Notification(
            id=n.id,
            code=n.code,
            subject=n.subject,
            content=n.content.decode("utf-8", "replace"),
            sender_id=n.sender_id,
            clan_id=n.clan_id,
            channel_id=n.channel_id,
            channel_type=ChannelType(n.channel_type or ChannelType.CHANNEL_TYPE_CHANNEL),
            topic_id=n.topic_id,
            category=n.category,
            avatar_url=n.avatar_url,
            persistent=n.persistent,
            create_time_seconds=n.create_time_seconds,
        )
        for n in p.notifications
    )


register(ChannelCreated, "channel_created_event", _channel_created)
register(ChannelUpdated, "channel_updated_event", _channel_updated)
register(ChannelDeleted, "channel_deleted_event", _channel_deleted)
register(UserAddedToChannel, "user_channel_added_event", _user_added_to_channel)
register(UserRemovedFromChannel, "user_channel_removed_event", _user_removed_from_channel)
register(UserAddedToClan, "add_clan_user_event", _user_added_to_clan)
register(UserRemovedFromClan, "user_clan_removed_event", _user_removed_from_clan)
register(RoleChanged, "role_event", _role_changed)
register(RoleAssigned, "role_assign_event", _role_assigned)
register(ClanEventCreated, "clan_event_created", _clan_event)
register(Notification, "notifications", _notifications, many=True)
