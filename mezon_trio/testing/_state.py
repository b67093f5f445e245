"""The sandbox's world: users, clans, channels (incl. DMs and threads), memberships,
message history, friends, roles, quick menus and token balances.

Plain mutable dataclasses that tests may inspect and modify directly
(``sb.state``). Ids are ``int``; in the JSON state file they are decimal strings
(docs/protocol.md §1.2: ids exceed 2^53).
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import betterproto2

from .._content.wire import JSONInput, JSONObject
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import ChannelType as _CT
from .._protocol.enums import FriendState as _FS

__all__ = [
    "DEFAULT_API_KEY",
    "Channel",
    "ChannelType",
    "Clan",
    "ClanMember",
    "FriendEdge",
    "FriendState",
    "Role",
    "SandboxState",
    "SeedUser",
    "User",
    "default_state",
]

DEFAULT_API_KEY: Final = "sandbox-bot-api-key"
_STATE_VERSION: Final = 1


class ChannelType:
    """Short names for the ``api.ChannelDescription.type`` values (docs/protocol.md §5.1),
    from the one table in :mod:`mezon_trio._protocol.enums`."""

    TEXT: Final = int(_CT.CHANNEL_TYPE_CHANNEL)
    GROUP: Final = int(_CT.CHANNEL_TYPE_GROUP)
    DM: Final = int(_CT.CHANNEL_TYPE_DM)
    GMEET_VOICE: Final = int(_CT.CHANNEL_TYPE_GMEET_VOICE)
    FORUM: Final = int(_CT.CHANNEL_TYPE_FORUM)
    STREAMING: Final = int(_CT.CHANNEL_TYPE_STREAMING)
    THREAD: Final = int(_CT.CHANNEL_TYPE_THREAD)
    APP: Final = int(_CT.CHANNEL_TYPE_APP)
    ANNOUNCEMENT: Final = int(_CT.CHANNEL_TYPE_ANNOUNCEMENT)
    MEZON_VOICE: Final = int(_CT.CHANNEL_TYPE_MEZON_VOICE)


class FriendState:
    """``api.Friend.state`` from the owner's point of view (docs/protocol.md §7.4)."""

    FRIEND: Final = int(_FS.FRIEND)
    INVITE_SENT: Final = int(_FS.INVITE_SENT)
    INVITE_RECEIVED: Final = int(_FS.INVITE_RECEIVED)
    BLOCKED: Final = int(_FS.BLOCKED)


@dataclass(frozen=True, slots=True)
class SeedUser:
    """A user of the sandbox as tests see it.

    ``id`` is also the bot's ``client_id`` (the SDKs treat app id == user id);
    ``api_key`` is empty for humans (they cannot log in with a key).
    """

    id: int
    username: str
    api_key: str = field(default="", repr=False)
    display_name: str = ""
    is_bot: bool = False


@dataclass(eq=False)
class User:
    id: int
    username: str
    display_name: str = ""
    avatar: str = ""
    is_bot: bool = False
    api_key: str = field(default="", repr=False)
    create_time: int = 0
    custom_status: str = ""

    def seed(self) -> SeedUser:
        return SeedUser(self.id, self.username, self.api_key, self.display_name, self.is_bot)

    def to_api(self, *, online: bool = False) -> api.User:
        return api.User(
            id=self.id,
            username=self.username,
            display_name=self.display_name,
            avatar_url=self.avatar,
            create_time_seconds=self.create_time,
            online=online,
        )

    def to_profile(self, *, online: bool = False) -> rt.UserProfileRedis:
        return rt.UserProfileRedis(
            user_id=self.id,
            username=self.username,
            avatar=self.avatar,
            display_name=self.display_name,
            online=online,
            is_bot=self.is_bot,
            create_time_second=self.create_time,
        )


@dataclass
class ClanMember:
    clan_nick: str = ""
    clan_avatar: str = ""
    join_time: int = 0


@dataclass(eq=False)
class Clan:
    id: int
    name: str
    creator_id: int
    logo: str = ""
    welcome_channel_id: int = 0
    members: dict[int, ClanMember] = field(default_factory=dict)


@dataclass(eq=False)
class Channel:
    """A channel; ``clan_id == 0`` for DMs and group DMs.

    Audience: DM/group members; for clan channels every clan member unless
    ``private``, then ``members``.
    """

    id: int
    clan_id: int
    type: int
    label: str
    creator_id: int
    private: bool = False
    parent_id: int = 0
    category_id: int = 0
    category_name: str = ""
    create_time: int = 0
    members: set[int] = field(default_factory=set)
    # message id -> message, in id order (ids are increasing snowflakes)
    messages: dict[int, api.ChannelMessage] = field(default_factory=dict, repr=False)
    pins: list[int] = field(default_factory=list)
    voice_users: list[int] = field(default_factory=list)
    last_seen: dict[int, int] = field(default_factory=dict)

    @property
    def is_dm_like(self) -> bool:
        return self.clan_id == 0

    @property
    def mode(self) -> int:
        """ChannelStreamMode for this channel (docs/protocol.md §5.1 client decision)."""
        if self.type == ChannelType.DM:
            return 4
        if self.type == ChannelType.GROUP:
            return 3
        if self.type == ChannelType.THREAD:
            return 6
        return 2

    @property
    def is_public(self) -> bool:
        return self.clan_id != 0 and not self.private


@dataclass
class FriendEdge:
    state: int
    update_time: int = 0


@dataclass(eq=False)
class Role:
    id: int
    clan_id: int
    title: str
    creator_id: int = 0
    color: str = ""
    role_icon: str = ""
    description: str = ""
    display_online: int = 0
    allow_mention: int = 0
    members: set[int] = field(default_factory=set)
    permission_ids: set[int] = field(default_factory=set)


def _now() -> int:
    return int(time.time())


def _id(value: Any) -> int:
    return int(value)


def _renamed(name: str, private: str, replacement: str | None) -> Callable[..., Any]:
    """A former public method of :class:`SandboxState`, kept for one release: it warns, naming
    *replacement* (None: the method was the server's own helper and has none), then runs *private*."""
    instead = f"use {replacement}" if replacement else "it is the sandbox's own, gone in the next release"
    message = f"SandboxState.{name} is deprecated: {instead}"

    def method(self: SandboxState, *args: Any, **kwargs: Any) -> Any:
        warnings.warn(message, DeprecationWarning, stacklevel=2)
        return getattr(self, private)(*args, **kwargs)

    method.__name__ = method.__qualname__ = name
    method.__doc__ = f"Deprecated: {instead}."
    method.__deprecated__ = message  # type: ignore[attr-defined]
    return method


class SandboxState:
    """Everything the sandbox knows. Mutate freely from tests (single trio thread)."""

    def __init__(self, *, history_limit: int | None = 50_000) -> None:
        self.users: dict[int, User] = {}
        self.clans: dict[int, Clan] = {}
        self.channels: dict[int, Channel] = {}
        self.message_index: dict[int, int] = {}  # message id -> channel id
        self.friends: dict[int, dict[int, FriendEdge]] = {}
        self.roles: dict[int, Role] = {}
        self.balances: dict[int, int] = {}
        self.quick_menus: dict[int, api.QuickMenuAccess] = {}
        self.history_limit = history_limit

    # ---- users ---------------------------------------------------------------------

    def add_user(self, user: User) -> User:
        self.users[user.id] = user
        self.balances.setdefault(user.id, 0)
        return user

    def user_by_username(self, username: str) -> User | None:
        for user in self.users.values():
            if user.username == username:
                return user
        return None

    def bot_by_app(self, app_id: int, api_key: str) -> User | None:
        user = self.users.get(app_id)
        if user is None or not user.is_bot or not user.api_key or user.api_key != api_key:
            return None
        return user

    def name_of(self, user_id: int) -> str:
        user = self.users.get(user_id)
        return user.username if user else ""

    # ---- access --------------------------------------------------------------------

    def is_clan_member(self, user_id: int, clan_id: int) -> bool:
        clan = self.clans.get(clan_id)
        return clan is not None and user_id in clan.members

    def can_access(self, user_id: int, channel: Channel) -> bool:
        if channel.clan_id == 0 or channel.private:
            return user_id in channel.members
        return self.is_clan_member(user_id, channel.clan_id)

    def audience(self, channel: Channel) -> set[int]:
        """User ids who receive this channel's traffic."""
        if channel.clan_id == 0 or channel.private:
            return set(channel.members)
        clan = self.clans.get(channel.clan_id)
        return set(clan.members) if clan else set()

    def visible_channels(self, user_id: int) -> Iterable[Channel]:
        return (c for c in self.channels.values() if self.can_access(user_id, c))

    def dm_between(self, a: int, b: int) -> Channel | None:
        for channel in self.channels.values():
            if channel.type == ChannelType.DM and channel.members == {a, b}:
                return channel
        return None

    # ---- messages ------------------------------------------------------------------

    def _add_message(self, message: api.ChannelMessage) -> None:
        channel = self.channels[message.channel_id]
        channel.messages[message.message_id] = message
        self.message_index[message.message_id] = channel.id
        limit = self.history_limit
        if limit is not None and len(channel.messages) > limit:
            oldest = next(iter(channel.messages))
            del channel.messages[oldest]
            self.message_index.pop(oldest, None)

    def _find_message(self, message_id: int) -> api.ChannelMessage | None:
        channel_id = self.message_index.get(message_id)
        if channel_id is None:
            return None
        channel = self.channels.get(channel_id)
        return channel.messages.get(message_id) if channel else None

    def _remove_message(self, message_id: int) -> api.ChannelMessage | None:
        channel_id = self.message_index.pop(message_id, None)
        channel = self.channels.get(channel_id) if channel_id is not None else None
        if channel is None:
            return None
        if message_id in channel.pins:
            channel.pins.remove(message_id)
        return channel.messages.pop(message_id, None)

    # ---- proto views ---------------------------------------------------------------

    def _header(self, message: api.ChannelMessage | None) -> api.ChannelMessageHeader | None:
        if message is None:
            return None
        return api.ChannelMessageHeader(
            id=message.message_id,
            timestamp_seconds=message.create_time_seconds,
            sender_id=message.sender_id,
            content=message.content,
        )

    def _describe(self, channel: Channel, viewer: int) -> api.ChannelDescription:
        """``api.ChannelDescription`` as *viewer* sees it (DMs list the other users)."""
        clan = self.clans.get(channel.clan_id)
        others = sorted(m for m in channel.members if m != viewer) if channel.clan_id == 0 else []
        users = [self.users[u] for u in others if u in self.users]
        last = channel.messages[next(reversed(channel.messages))] if channel.messages else None
        seen_id = channel.last_seen.get(viewer)
        seen = channel.messages.get(seen_id) if seen_id else None
        return api.ChannelDescription(
            clan_id=channel.clan_id,
            parent_id=channel.parent_id,
            channel_id=channel.id,
            category_id=channel.category_id,
            category_name=channel.category_name,
            type=channel.type,
            creator_id=channel.creator_id,
            channel_label=channel.label,
            channel_private=1 if (channel.private or channel.clan_id == 0) else 0,
            avatars=[u.avatar for u in users],
            user_ids=[u.id for u in users],
            usernames=[u.username for u in users],
            display_names=[u.display_name for u in users],
            last_sent_message=self._header(last),
            last_seen_message=self._header(seen),
            creator_name=self.name_of(channel.creator_id),
            create_time_seconds=channel.create_time,
            update_time_seconds=channel.create_time,
            clan_name=clan.name if clan else "",
            active=1,
            member_count=len(self.audience(channel)),
            # voice rooms: the sandbox's meeting code is the channel id (as ListChannelVoiceUsers' room_name)
            meeting_code=str(channel.id) if channel.type in (4, 10) else "",
        )

    def _clan_desc(self, clan: Clan) -> api.ClanDesc:
        return api.ClanDesc(
            creator_id=clan.creator_id,
            clan_name=clan.name,
            logo=clan.logo,
            clan_id=clan.id,
            welcome_channel_id=clan.welcome_channel_id,
        )

    def _role_proto(self, role: Role) -> api.Role:
        members = [self.users[u] for u in sorted(role.members) if u in self.users]
        return api.Role(
            id=role.id,
            title=role.title,
            color=role.color,
            role_icon=role.role_icon,
            description=role.description,
            creator_id=role.creator_id,
            clan_id=role.clan_id,
            active=1,
            display_online=role.display_online,
            allow_mention=role.allow_mention,
            role_user_list=api.RoleUserList(
                role_users=[
                    api.RoleUserListRoleUser(
                        id=u.id, username=u.username, display_name=u.display_name, avatar_url=u.avatar
                    )
                    for u in members
                ]
            ),
        )

    # ---- the names these methods had before (one release, with a warning) ------------

    if not TYPE_CHECKING:  # deprecated, runtime only (type checkers do not offer them)
        add_message = _renamed("add_message", "_add_message", "sb.post_message(...)")
        find_message = _renamed(
            "find_message",
            "_find_message",
            "sb.find_message(message_id) (a StoredMessage), or "
            "mezon_trio.testing.raw.stored_message(sb, message_id) for the wire message",
        )
        remove_message = _renamed(
            "remove_message", "_remove_message", "sb.delete_message(user_id, message_id)"
        )
        header = _renamed("header", "_header", None)
        describe = _renamed("describe", "_describe", None)
        clan_desc = _renamed("clan_desc", "_clan_desc", None)
        role_proto = _renamed("role_proto", "_role_proto", None)

    # ---- friends -------------------------------------------------------------------

    def friend_edges(self, user_id: int) -> dict[int, FriendEdge]:
        return self.friends.setdefault(user_id, {})

    # ---- JSON state file -------------------------------------------------------------

    def to_json(self) -> JSONObject:
        """The state as a JSON object (the state file format; see :meth:`from_json`)."""

        def ids(values: Iterable[int]) -> list[str]:
            return [str(v) for v in sorted(values)]

        out: dict[str, Any] = {
            "version": _STATE_VERSION,
            "users": [
                {
                    "id": str(u.id),
                    "username": u.username,
                    "display_name": u.display_name,
                    "avatar": u.avatar,
                    "is_bot": u.is_bot,
                    "api_key": u.api_key,
                    "create_time": u.create_time,
                    "custom_status": u.custom_status,
                }
                for u in self.users.values()
            ],
            "clans": [
                {
                    "id": str(c.id),
                    "name": c.name,
                    "creator_id": str(c.creator_id),
                    "logo": c.logo,
                    "welcome_channel_id": str(c.welcome_channel_id),
                    "members": {
                        str(uid): {
                            "clan_nick": m.clan_nick,
                            "clan_avatar": m.clan_avatar,
                            "join_time": m.join_time,
                        }
                        for uid, m in c.members.items()
                    },
                }
                for c in self.clans.values()
            ],
            "channels": [
                {
                    "id": str(ch.id),
                    "clan_id": str(ch.clan_id),
                    "type": ch.type,
                    "label": ch.label,
                    "creator_id": str(ch.creator_id),
                    "private": ch.private,
                    "parent_id": str(ch.parent_id),
                    "category_id": str(ch.category_id),
                    "category_name": ch.category_name,
                    "create_time": ch.create_time,
                    "members": ids(ch.members),
                    "pins": [str(p) for p in ch.pins],
                    "voice_users": [str(v) for v in ch.voice_users],
                    "last_seen": {str(k): str(v) for k, v in ch.last_seen.items()},
                    "messages": [m.to_dict(casing=betterproto2.Casing.SNAKE) for m in ch.messages.values()],
                }
                for ch in self.channels.values()
            ],
            "friends": [
                {"user_id": str(uid), "other_id": str(oid), "state": e.state, "update_time": e.update_time}
                for uid, edges in self.friends.items()
                for oid, e in edges.items()
            ],
            "roles": [
                {
                    "id": str(r.id),
                    "clan_id": str(r.clan_id),
                    "title": r.title,
                    "creator_id": str(r.creator_id),
                    "color": r.color,
                    "role_icon": r.role_icon,
                    "description": r.description,
                    "display_online": r.display_online,
                    "allow_mention": r.allow_mention,
                    "members": ids(r.members),
                    "permission_ids": ids(r.permission_ids),
                }
                for r in self.roles.values()
            ],
            "balances": {str(k): v for k, v in self.balances.items()},
            "quick_menus": [q.to_dict(casing=betterproto2.Casing.SNAKE) for q in self.quick_menus.values()],
        }
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, JSONInput], *, history_limit: int | None = 50_000) -> SandboxState:
        """Build a state from :meth:`to_json` output.

        Raises:
            ValueError: unsupported version or malformed content.
        """
        return cls._from_json(data, history_limit=history_limit)

    @classmethod
    def _from_json(cls, data: Any, *, history_limit: int | None) -> SandboxState:
        if not isinstance(data, dict) or data.get("version") != _STATE_VERSION:
            raise ValueError(f"unsupported sandbox state file (version {data.get('version')!r})")
        st = cls(history_limit=history_limit)
        try:
            for u in data.get("users", []):
                st.add_user(
                    User(
                        id=_id(u["id"]),
                        username=u["username"],
                        display_name=u.get("display_name", ""),
                        avatar=u.get("avatar", ""),
                        is_bot=bool(u.get("is_bot", False)),
                        api_key=u.get("api_key", ""),
                        create_time=int(u.get("create_time", 0)),
                        custom_status=u.get("custom_status", ""),
                    )
                )
            for c in data.get("clans", []):
                st.clans[_id(c["id"])] = Clan(
                    id=_id(c["id"]),
                    name=c["name"],
                    creator_id=_id(c.get("creator_id", 0)),
                    logo=c.get("logo", ""),
                    welcome_channel_id=_id(c.get("welcome_channel_id", 0)),
                    members={_id(k): ClanMember(**v) for k, v in c.get("members", {}).items()},
                )
            for ch in data.get("channels", []):
                channel = Channel(
                    id=_id(ch["id"]),
                    clan_id=_id(ch.get("clan_id", 0)),
                    type=int(ch["type"]),
                    label=ch.get("label", ""),
                    creator_id=_id(ch.get("creator_id", 0)),
                    private=bool(ch.get("private", False)),
                    parent_id=_id(ch.get("parent_id", 0)),
                    category_id=_id(ch.get("category_id", 0)),
                    category_name=ch.get("category_name", ""),
                    create_time=int(ch.get("create_time", 0)),
                    members={_id(m) for m in ch.get("members", [])},
                    pins=[_id(p) for p in ch.get("pins", [])],
                    voice_users=[_id(v) for v in ch.get("voice_users", [])],
                    last_seen={_id(k): _id(v) for k, v in ch.get("last_seen", {}).items()},
                )
                st.channels[channel.id] = channel
                msgs = sorted(
                    (
                        api.ChannelMessage.from_dict(m, ignore_unknown_fields=True)
                        for m in ch.get("messages", [])
                    ),
                    key=lambda m: m.message_id,
                )
                for m in msgs:
                    m.channel_id = channel.id
                    st._add_message(m)
            for f in data.get("friends", []):
                st.friend_edges(_id(f["user_id"]))[_id(f["other_id"])] = FriendEdge(
                    int(f["state"]), int(f.get("update_time", 0))
                )
            for r in data.get("roles", []):
                role = Role(
                    id=_id(r["id"]),
                    clan_id=_id(r["clan_id"]),
                    title=r.get("title", ""),
                    creator_id=_id(r.get("creator_id", 0)),
                    color=r.get("color", ""),
                    role_icon=r.get("role_icon", ""),
                    description=r.get("description", ""),
                    display_online=int(r.get("display_online", 0)),
                    allow_mention=int(r.get("allow_mention", 0)),
                    members={_id(m) for m in r.get("members", [])},
                    permission_ids={_id(p) for p in r.get("permission_ids", [])},
                )
                st.roles[role.id] = role
            st.balances.update({_id(k): int(v) for k, v in data.get("balances", {}).items()})
            for q in data.get("quick_menus", []):
                menu = api.QuickMenuAccess.from_dict(q, ignore_unknown_fields=True)
                st.quick_menus[menu.id] = menu
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"malformed sandbox state file: {exc!r}") from exc
        return st

    def save(self, path: str | Path) -> None:
        """Write the state as JSON (atomically: temp file + rename)."""
        target = Path(path)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False), encoding="utf-8")
        tmp.replace(target)

    @classmethod
    def load(cls, path: str | Path, *, history_limit: int | None = 50_000) -> SandboxState:
        """Read a state file written by :meth:`save`.

        Raises:
            OSError: unreadable file. ValueError: not a sandbox state file.
        """
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")), history_limit=history_limit)


# ---- the default seed --------------------------------------------------------------------

BOT_ID: Final = 1840000000000000001
ALICE_ID: Final = 1840000000000000300
BOB_ID: Final = 1840000000000000301
CAROL_ID: Final = 1840000000000000302
CLAN_ID: Final = 1840000000000000100
CLAN2_ID: Final = 1840000000000000101
GENERAL_ID: Final = 1840000000000000200
RANDOM_ID: Final = 1840000000000000201
STAFF_ID: Final = 1840000000000000202
THREAD_ID: Final = 1840000000000000203
VOICE_ID: Final = 1840000000000000204
LOBBY_ID: Final = 1840000000000000210
DM_ID: Final = 1840000000000000400
ADMIN_ROLE_ID: Final = 1840000000000000500
MEMBER_ROLE_ID: Final = 1840000000000000501
EVERYONE_ROLE_ID: Final = 1840000000000000502


def default_state(
    new_id: Callable[[], int], *, history_limit: int | None = 50_000, now: int | None = None
) -> SandboxState:
    """The default seed.

    Users: bot ``sandbox-bot`` (id 1840000000000000001, API key
    ``sandbox-bot-api-key``), humans ``alice``, ``bob``, ``carol``.
    Clan "Sandbox" (bot, alice, bob): text channels ``general`` and ``random``,
    private ``staff`` (alice, bob only), thread ``general-thread`` under general
    (alice, bot), voice ``lounge``. Clan "Second Clan" (bot, alice, carol):
    ``lobby``. A DM bot<->alice. Roles Admin/Member (Sandbox), Everyone (Second).
    alice and bob are friends; carol has invited the bot. Two messages in
    ``general``. Balances (whole tokens): bot and alice 1,000,000, bob 1,000.
    """
    t = _now() if now is None else now
    st = SandboxState(history_limit=history_limit)
    st.add_user(
        User(BOT_ID, "sandbox-bot", "Sandbox Bot", is_bot=True, api_key=DEFAULT_API_KEY, create_time=t)
    )
    st.add_user(User(ALICE_ID, "alice", "Alice", create_time=t))
    st.add_user(User(BOB_ID, "bob", "Bob", create_time=t))
    st.add_user(User(CAROL_ID, "carol", "Carol", create_time=t))
    st.clans[CLAN_ID] = Clan(
        CLAN_ID,
        "Sandbox",
        ALICE_ID,
        welcome_channel_id=GENERAL_ID,
        members={u: ClanMember(join_time=t) for u in (BOT_ID, ALICE_ID, BOB_ID)},
    )
    st.clans[CLAN2_ID] = Clan(
        CLAN2_ID,
        "Second Clan",
        BOB_ID,
        welcome_channel_id=LOBBY_ID,
        members={u: ClanMember(join_time=t) for u in (BOT_ID, ALICE_ID, CAROL_ID)},
    )
    for channel in (
        Channel(GENERAL_ID, CLAN_ID, ChannelType.TEXT, "general", ALICE_ID, create_time=t),
        Channel(RANDOM_ID, CLAN_ID, ChannelType.TEXT, "random", ALICE_ID, create_time=t),
        Channel(
            STAFF_ID,
            CLAN_ID,
            ChannelType.TEXT,
            "staff",
            ALICE_ID,
            private=True,
            members={ALICE_ID, BOB_ID},
            create_time=t,
        ),
        Channel(
            THREAD_ID,
            CLAN_ID,
            ChannelType.THREAD,
            "general-thread",
            ALICE_ID,
            parent_id=GENERAL_ID,
            members={ALICE_ID, BOT_ID},
            create_time=t,
        ),
        Channel(VOICE_ID, CLAN_ID, ChannelType.MEZON_VOICE, "lounge", ALICE_ID, create_time=t),
        Channel(LOBBY_ID, CLAN2_ID, ChannelType.TEXT, "lobby", BOB_ID, create_time=t),
        Channel(DM_ID, 0, ChannelType.DM, "", BOT_ID, members={BOT_ID, ALICE_ID}, create_time=t),
    ):
        st.channels[channel.id] = channel
    st.roles[ADMIN_ROLE_ID] = Role(
        ADMIN_ROLE_ID, CLAN_ID, "Admin", ALICE_ID, color="#ff0000", members={ALICE_ID}
    )
    st.roles[MEMBER_ROLE_ID] = Role(
        MEMBER_ROLE_ID, CLAN_ID, "Member", ALICE_ID, members={BOT_ID, ALICE_ID, BOB_ID}
    )
    st.roles[EVERYONE_ROLE_ID] = Role(
        EVERYONE_ROLE_ID, CLAN2_ID, "Everyone", BOB_ID, members={BOT_ID, ALICE_ID, CAROL_ID}
    )
    st.friend_edges(ALICE_ID)[BOB_ID] = FriendEdge(FriendState.FRIEND, t)
    st.friend_edges(BOB_ID)[ALICE_ID] = FriendEdge(FriendState.FRIEND, t)
    st.friend_edges(CAROL_ID)[BOT_ID] = FriendEdge(FriendState.INVITE_SENT, t)
    st.friend_edges(BOT_ID)[CAROL_ID] = FriendEdge(FriendState.INVITE_RECEIVED, t)
    st.balances.update({BOT_ID: 1_000_000, ALICE_ID: 1_000_000, BOB_ID: 1_000, CAROL_ID: 0})
    for sender, text in ((ALICE_ID, "hello everyone"), (BOB_ID, "hi alice")):
        user = st.users[sender]
        st._add_message(
            api.ChannelMessage(
                clan_id=CLAN_ID,
                channel_id=GENERAL_ID,
                message_id=new_id(),
                sender_id=sender,
                username=user.username,
                display_name=user.display_name,
                content=json.dumps({"t": text}, separators=(",", ":")),
                channel_label="general",
                create_time_seconds=t,
                update_time_seconds=t,
                mode=2,
                is_public=True,
            )
        )
    return st
