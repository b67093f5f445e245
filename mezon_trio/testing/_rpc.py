"""The RPC handler table, shared by ``POST /mezon.api.Mezon/<Method>`` and the
socket bridge (``api_request_event``), docs/protocol.md §5.11 and §7.

Dispatch is by method name. :func:`invoke` applies the fault switches, the
API budget, decodes the request, runs the handler and returns an
:class:`Outcome`; the HTTP app turns it into a status + body (JSON
``{code, message}`` on errors), the gateway into raw 0xFF frames (status in the
frame, serialized ``rt.Error`` as payload on errors).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Literal

import betterproto2

from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.typecheck import check_message
from ._core import OpError, SandboxCore, now_s
from ._state import ChannelType, Role

__all__ = ["METHODS", "Outcome", "grpc_code", "invoke"]

Handler = Callable[["Call", Any], Awaitable[betterproto2.Message | None]]


@dataclass(frozen=True, slots=True)
class Method:
    name: str
    request: type[betterproto2.Message]
    handler: Handler
    auth: bool = True


@dataclass(frozen=True, slots=True)
class Call:
    core: SandboxCore
    user_id: int
    transport: Literal["ws", "http"]


METHODS: dict[str, Method] = {}

_GRPC_BY_STATUS: Final = {400: 3, 401: 16, 403: 7, 404: 5, 409: 6, 413: 3, 415: 3, 429: 8, 501: 12, 503: 14}


def grpc_code(status: int) -> int:
    """gRPC-like code for the JSON error body of an HTTP status (docs/protocol.md §12 Q5)."""
    return _GRPC_BY_STATUS.get(status, 13 if status >= 500 else 2)


@dataclass
class Outcome:
    """Result of one RPC: ``status == 200`` with ``body``, or an error."""

    status: int
    body: bytes = b""
    error: OpError | None = None
    retry_after: float | None = None

    def error_rt(self) -> rt.Error:
        if self.error is not None:
            return self.error.to_rt()
        return rt.Error(code=0, message=f"request failed with status {self.status}")

    def error_json(self) -> dict[str, Any]:
        err = self.error_rt()
        return {"code": grpc_code(self.status), "message": err.message}


def _redacted(request: betterproto2.Message) -> betterproto2.Message:
    """The request as recorded in ``sb.received``: session secrets masked."""
    if isinstance(request, api.SessionRefreshRequest):
        return dataclasses.replace(request, token="***" if request.token else "")
    if isinstance(request, api.SessionLogoutRequest):
        return dataclasses.replace(
            request,
            token="***" if request.token else "",
            refresh_token="***" if request.refresh_token else "",
        )
    return request


def _rpc(
    name: str, request: type[betterproto2.Message], *, auth: bool = True
) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        METHODS[name] = Method(name, request, fn, auth)
        return fn

    return register


async def invoke(
    core: SandboxCore, user_id: int, name: str, body: bytes, *, transport: Literal["ws", "http"]
) -> Outcome:
    """Run RPC *name* for an already authenticated *user_id* (0 for no-auth methods).

    Order: record, unknown method (404), injected faults (``rpc_status``,
    ``fail_ops``, ``raw_status`` for the bridge), API budget (429), decode (400),
    handler. Never raises except Cancelled; unexpected handler exceptions become
    500 and are recorded as sandbox internal errors.
    """
    method = METHODS.get(name)
    if method is None:
        core.recorder.add(user_id, transport, name, 0, body)
        return Outcome(404, error=OpError(404, f"unknown method {name!r}", code=6))
    try:
        request = method.request.parse(body)
        # betterproto2 accepts a wrong wire type for a scalar field (a
        # length-delimited value becomes a list in an int field, a group tag
        # leaves None): the field-type check rejects such requests as
        # undecodable (400), as the client's receive path does.
        check_message(request)
    except Exception:
        core.recorder.add(user_id, transport, name, 0, body)
        return Outcome(400, error=OpError(400, f"could not decode {method.request.__name__}"))
    core.recorder.add(user_id, transport, name, 0, _redacted(request))
    faults = core.faults
    forced = faults.take_status(name)
    if forced is not None:
        status, retry_after = forced
        return Outcome(
            status, error=OpError(status, f"injected status {status}", code=0), retry_after=retry_after
        )
    injected = faults.take_failure(name)
    if injected is not None:
        return Outcome(injected.status, error=injected)
    if transport == "ws" and name in faults.raw_status:
        status = faults.raw_status[name]
        return Outcome(status, error=OpError(status, f"injected status {status}", code=0))
    if method.auth:
        wait = core.api_budget(user_id)
        if wait > 0:
            return Outcome(429, error=OpError(429, "rate limited"), retry_after=max(1.0, math.ceil(wait)))
    try:
        response = await method.handler(Call(core, user_id, transport), request)
    except OpError as exc:
        return Outcome(exc.status, error=exc)
    except Exception as exc:
        core.report_internal_error(exc)
        return Outcome(500, error=OpError(500, f"internal error: {type(exc).__name__}", code=0))
    return Outcome(200, body=b"" if response is None else bytes(response))


# ---------------------------------------------------------------------- clans & channels


@_rpc("ListClanDescs", api.ListClanDescRequest)
async def _list_clans(call: Call, req: api.ListClanDescRequest) -> api.ClanDescList:
    st = call.core.state
    return api.ClanDescList(
        clandesc=[st._clan_desc(c) for c in st.clans.values() if call.user_id in c.members]
    )


@_rpc("ListChannelDescs", api.ListChannelDescsRequest)
async def _list_channels(call: Call, req: api.ListChannelDescsRequest) -> api.ChannelDescList:
    st = call.core.state
    out = []
    for channel in st.visible_channels(call.user_id):
        if req.clan_id and channel.clan_id != req.clan_id:
            continue
        if req.channel_type and channel.type != req.channel_type:
            continue
        out.append(st._describe(channel, call.user_id))
    if req.limit > 0:
        out = out[: req.limit]
    return api.ChannelDescList(channeldesc=out)


@_rpc("ListChannelDetail", api.ListChannelDetailRequest)
async def _channel_detail(call: Call, req: api.ListChannelDetailRequest) -> api.ChannelDescription:
    st = call.core.state
    channel = st.channels.get(req.channel_id)
    if channel is None or not st.can_access(call.user_id, channel):
        raise OpError(404, f"channel {req.channel_id} not found")
    return st._describe(channel, call.user_id)


@_rpc("ListThreadDescs", api.ListThreadRequest)
async def _list_threads(call: Call, req: api.ListThreadRequest) -> api.ChannelDescListNoPool:
    st = call.core.state
    out = [
        st._describe(c, call.user_id)
        for c in st.visible_channels(call.user_id)
        if c.type == ChannelType.THREAD
        and (not req.clan_id or c.clan_id == req.clan_id)
        and (not req.channel_id or c.parent_id == req.channel_id)
        and (not req.thread_id or c.id == req.thread_id)
    ]
    return api.ChannelDescListNoPool(channeldesc=out[: req.limit] if req.limit > 0 else out, page=req.page)


@_rpc("CreateChannelDesc", api.CreateChannelDescRequest)
async def _create_channel(call: Call, req: api.CreateChannelDescRequest) -> api.ChannelDescription:
    core = call.core
    if req.type == ChannelType.DM:
        others = [u for u in req.user_ids if u != call.user_id]
        if len(others) != 1:
            raise OpError(400, "a DM needs exactly one other user")
        channel = await core.open_dm(call.user_id, others[0])
    elif req.type == ChannelType.GROUP or not req.clan_id:
        if not req.user_ids:
            raise OpError(400, "a group DM needs user_ids")
        channel = await core.create_channel(
            call.user_id, clan_id=0, type=ChannelType.GROUP, label=req.channel_label, members=req.user_ids
        )
    else:
        channel = await core.create_channel(
            call.user_id,
            clan_id=req.clan_id,
            type=req.type or ChannelType.TEXT,
            label=req.channel_label,
            private=req.channel_private == 1,
            parent_id=req.parent_id,
            category_id=req.category_id,
            members=req.user_ids,
        )
    return core.state._describe(channel, call.user_id)


@_rpc("ListChannelMessages", api.ListChannelMessagesRequest)
async def _history(call: Call, req: api.ListChannelMessagesRequest) -> api.ChannelMessageList:
    """direction 0: newest ``limit`` before the anchor (or overall), newest first;
    1: after the anchor, oldest first (docs/protocol.md §7.3, provisional)."""
    core = call.core
    channel = core.state.channels.get(req.channel_id)
    if channel is None or not core.state.can_access(call.user_id, channel):
        raise OpError(404, f"channel {req.channel_id} not found")
    if req.direction not in (0, 1):
        raise OpError(400, "direction must be 0 (older) or 1 (newer)")
    limit = min(req.limit, 100) if req.limit > 0 else 50
    messages = [m for m in channel.messages.values() if not req.topic_id or m.topic_id == req.topic_id]
    if req.direction == 0:
        if req.message_id:
            messages = [m for m in messages if m.message_id < req.message_id]
        page = messages[-limit:][::-1]
    else:
        page = [m for m in messages if m.message_id > req.message_id][:limit]
    last = channel.messages[next(reversed(channel.messages))] if channel.messages else None
    seen_id = channel.last_seen.get(call.user_id)
    return api.ChannelMessageList(
        messages=page,
        last_sent_message=core.state._header(last),
        last_seen_message=core.state._header(channel.messages.get(seen_id) if seen_id else None),
    )


@_rpc("ListClanUsers", api.ListClanUsersRequest)
async def _clan_users(call: Call, req: api.ListClanUsersRequest) -> api.ClanUserList:
    core = call.core
    clan = core.state.clans.get(req.clan_id)
    if clan is None:
        raise OpError(404, f"clan {req.clan_id} not found")
    if call.user_id not in clan.members:
        raise OpError(403, "not a member of this clan")
    users = []
    for uid, member in clan.members.items():
        user = core.state.users.get(uid)
        if user is None:
            continue
        roles = sorted(r.id for r in core.state.roles.values() if r.clan_id == clan.id and uid in r.members)
        users.append(
            api.ClanUserListClanUser(
                user=user.to_api(online=core.online(uid)),
                role_id=roles,
                clan_nick=member.clan_nick,
                clan_avatar=member.clan_avatar,
                clan_id=clan.id,
            )
        )
    return api.ClanUserList(clan_users=users, clan_id=clan.id)


@_rpc("ListChannelUsers", api.ListChannelUsersRequest)
async def _channel_users(call: Call, req: api.ListChannelUsersRequest) -> api.ChannelUserList:
    core = call.core
    channel = core.state.channels.get(req.channel_id)
    if channel is None or not core.state.can_access(call.user_id, channel):
        raise OpError(404, f"channel {req.channel_id} not found")
    ids = sorted(core.state.audience(channel))
    if req.limit > 0:
        ids = ids[: req.limit]
    return api.ChannelUserList(
        channel_users=[api.ChannelUserListChannelUser(user_id=u, id=u, clan_id=channel.clan_id) for u in ids],
        channel_id=channel.id,
    )


@_rpc("AddChannelUsers", api.AddChannelUsersRequest)
async def _add_channel_users(call: Call, req: api.AddChannelUsersRequest) -> None:
    core = call.core
    core.accessible_channel(call.user_id, req.channel_id)
    await core.add_to_channel(req.user_ids, req.channel_id, caller=call.user_id)


@_rpc("RemoveChannelUsers", api.RemoveChannelUsersRequest)
async def _remove_channel_users(call: Call, req: api.RemoveChannelUsersRequest) -> None:
    core = call.core
    core.accessible_channel(call.user_id, req.channel_id)
    await core.remove_from_channel(req.user_ids, req.channel_id)


@_rpc("ListChannelVoiceUsers", api.ListChannelUsersRequest)
async def _voice_users(call: Call, req: api.ListChannelUsersRequest) -> api.VoiceChannelUserList:
    st = call.core.state
    out = []
    for channel in st.visible_channels(call.user_id):
        if req.clan_id and channel.clan_id != req.clan_id:
            continue
        if req.channel_id and channel.id != req.channel_id:
            continue
        if not channel.voice_users:
            continue
        out.append(
            api.VoiceChannelUser(
                user_ids=[str(u) for u in channel.voice_users],
                channel_id=channel.id,
                room_name=str(channel.id),
            )
        )
    limit = min(req.limit, 500) if req.limit > 0 else 500
    return api.VoiceChannelUserList(voice_channel_users=out[:limit])


# ---------------------------------------------------------------------- roles


@_rpc("ListRoles", api.RoleListEventRequest)
async def _list_roles(call: Call, req: api.RoleListEventRequest) -> api.RoleListEventResponse:
    st = call.core.state
    if req.clan_id not in st.clans:
        raise OpError(404, f"clan {req.clan_id} not found")
    if not st.is_clan_member(call.user_id, req.clan_id):
        raise OpError(403, "not a member of this clan")
    roles = [st._role_proto(r) for r in st.roles.values() if r.clan_id == req.clan_id]
    return api.RoleListEventResponse(
        limit=req.limit,
        state=req.state,
        cursor=req.cursor,
        clan_id=req.clan_id,
        roles=api.RoleList(roles=roles),
    )


@_rpc("UpdateRole", api.UpdateRoleRequest)
async def _update_role(call: Call, req: api.UpdateRoleRequest) -> None:
    core = call.core
    st = core.state
    role: Role | None = st.roles.get(req.role_id)
    if role is None:
        raise OpError(404, f"role {req.role_id} not found")
    if not st.is_clan_member(call.user_id, role.clan_id):
        raise OpError(403, "not a member of this clan")
    for attr in ("title", "color", "role_icon", "description"):
        value = getattr(req, attr)
        if value is not None:
            setattr(role, attr, value)
    if req.display_online:
        role.display_online = req.display_online
    if req.allow_mention:
        role.allow_mention = req.allow_mention
    added = [u for u in req.add_user_ids if u in st.users and u not in role.members]
    removed = [u for u in req.remove_user_ids if u in role.members]
    role.members.update(added)
    role.members.difference_update(removed)
    role.permission_ids.update(req.active_permission_ids)
    role.permission_ids.difference_update(req.remove_permission_ids)
    conns = core.clan_conns(role.clan_id)
    event = rt.RoleEvent(
        role=st._role_proto(role),
        status=2,
        user_id=call.user_id,
        user_add_ids=added,
        user_remove_ids=removed,
        active_permission_ids=list(req.active_permission_ids),
        remove_permission_ids=list(req.remove_permission_ids),
    )
    await core.push("role_event", event, conns)
    if added or removed:
        assigned = rt.RoleAssignedEvent(
            clan_id=str(role.clan_id), role_id=role.id, user_ids_assigned=added, user_ids_removed=removed
        )
        await core.push("role_assign_event", assigned, conns)


# ---------------------------------------------------------------------- quick menus


@_rpc("AddQuickMenuAccess", api.QuickMenuAccess)
async def _add_quick_menu(call: Call, req: api.QuickMenuAccess) -> api.QuickMenuAccess:
    core = call.core
    menu = api.QuickMenuAccess.parse(bytes(req))
    menu.id = menu.id or core.ids.next()
    menu.bot_id = menu.bot_id or call.user_id
    menu.menu_type = menu.menu_type or 1
    core.state.quick_menus[menu.id] = menu
    return menu


@_rpc("DeleteQuickMenuAccess", api.QuickMenuAccess)
async def _delete_quick_menu(call: Call, req: api.QuickMenuAccess) -> None:
    menus = call.core.state.quick_menus
    criteria = {
        k: v
        for k, v in req.to_dict(
            output_format=betterproto2.OutputFormat.PYTHON, casing=betterproto2.Casing.SNAKE
        ).items()
        if v
    }
    if not criteria:
        raise OpError(400, "DeleteQuickMenuAccess needs at least one filter field")
    for key, menu in list(menus.items()):
        if all(getattr(menu, k) == v for k, v in criteria.items()):
            del menus[key]


@_rpc("ListQuickMenuAccess", api.ListQuickMenuAccessRequest)
async def _list_quick_menus(call: Call, req: api.ListQuickMenuAccessRequest) -> api.QuickMenuAccessList:
    bot_id = req.bot_id or call.user_id
    out = [
        m
        for m in call.core.state.quick_menus.values()
        if m.bot_id == bot_id
        and (not req.channel_id or m.channel_id in (0, req.channel_id))
        and (not req.menu_type or m.menu_type == req.menu_type)
    ]
    return api.QuickMenuAccessList(list_menus=out)


# ---------------------------------------------------------------------- friends


@_rpc("ListFriends", api.ListFriendsRequest)
async def _list_friends(call: Call, req: api.ListFriendsRequest) -> api.FriendList:
    # ``state`` is a plain int32: 0 cannot mean "friends only" (absent == 0), so 0 lists all.
    return call.core.friend_list(call.user_id, state=req.state or None, limit=req.limit, cursor=req.cursor)


@_rpc("AddFriends", api.AddFriendsRequest)
async def _add_friends(call: Call, req: api.AddFriendsRequest) -> api.AddFriendsResponse:
    users = await call.core.add_friends(call.user_id, req.ids, req.usernames)
    return api.AddFriendsResponse(ids=[u.id for u in users], usernames=[u.username for u in users])


@_rpc("DeleteFriends", api.DeleteFriendsRequest)
async def _delete_friends(call: Call, req: api.DeleteFriendsRequest) -> None:
    await call.core.delete_friends(call.user_id, req.ids, req.usernames)


@_rpc("BlockFriends", api.BlockFriendsRequest)
async def _block_friends(call: Call, req: api.BlockFriendsRequest) -> None:
    await call.core.block_friends(call.user_id, req.ids, req.usernames)


@_rpc("UnblockFriends", api.BlockFriendsRequest)
async def _unblock_friends(call: Call, req: api.BlockFriendsRequest) -> None:
    await call.core.unblock_friends(call.user_id, req.ids, req.usernames)


# ---------------------------------------------------------------------- session & account


@_rpc("SessionRefresh", api.SessionRefreshRequest, auth=False)
async def _session_refresh(call: Call, req: api.SessionRefreshRequest) -> api.Session:
    user = call.core.user_for_refresh_token(req.token)
    if user is None:
        raise OpError(401, "invalid or expired refresh token", code=3)
    call.core.revoke(req.token)
    return call.core.issue_session(user.id)


@_rpc("SessionLogout", api.SessionLogoutRequest)
async def _session_logout(call: Call, req: api.SessionLogoutRequest) -> None:
    call.core.revoke(req.token, req.refresh_token)


@_rpc("GetAccount", api.Account)
async def _get_account(call: Call, req: api.Account) -> api.Account:
    user = call.core.state.users[call.user_id]
    return api.Account(user=user.to_api(online=call.core.online(user.id)))


@_rpc("Healthcheck", api.Account, auth=False)
async def _healthcheck(call: Call, req: api.Account) -> None:
    return None


# ---------------------------------------------------------------------- messages


@_rpc("SendChannelMessage", rt.ChannelMessageSend)
async def _send_message(call: Call, req: rt.ChannelMessageSend) -> rt.ChannelMessageAck:
    _, ack = await call.core.send_message(call.user_id, req)
    return ack


@_rpc("UpdateChannelMessage", rt.ChannelMessageUpdate)
async def _update_message(call: Call, req: rt.ChannelMessageUpdate) -> rt.ChannelMessageUpdate:
    await call.core.update_message(call.user_id, req)
    return req


@_rpc("DeleteChannelMessage", rt.ChannelMessageRemove)
async def _delete_message(call: Call, req: rt.ChannelMessageRemove) -> rt.ChannelMessageRemove:
    await call.core.delete_message(call.user_id, req)
    return req


@_rpc("ReactChannelMessage", api.MessageReaction)
async def _react_message(call: Call, req: api.MessageReaction) -> None:
    await call.core.react(call.user_id, req)


@_rpc("MessageButtonClick", rt.MessageButtonClicked)
async def _button_click(call: Call, req: rt.MessageButtonClicked) -> None:
    await call.core.interaction(call.user_id, "message_button_clicked", req)


@_rpc("DropdownBoxSelected", rt.DropdownBoxSelected)
async def _dropdown(call: Call, req: rt.DropdownBoxSelected) -> None:
    await call.core.interaction(call.user_id, "dropdown_box_selected", req)


# ---------------------------------------------------------------------- pins


@_rpc("CreatePinMessage", api.PinMessageRequest)
async def _create_pin(call: Call, req: api.PinMessageRequest) -> api.ChannelMessageHeader:
    core = call.core
    event = await core.pin(
        call.user_id,
        rt.LastPinMessageEvent(
            clan_id=req.clan_id, channel_id=req.channel_id, message_id=req.message_id, operation=1
        ),
    )
    message = core.state._find_message(event.message_id)
    header = core.state._header(message)
    assert header is not None  # pin() checked the message exists
    return header


@_rpc("DeletePinMessage", api.DeletePinMessage)
async def _delete_pin(call: Call, req: api.DeletePinMessage) -> None:
    await call.core.pin(
        call.user_id,
        rt.LastPinMessageEvent(
            clan_id=req.clan_id, channel_id=req.channel_id, message_id=req.message_id or req.id, operation=0
        ),
    )


@_rpc("GetPinMessagesList", api.PinMessageRequest)
async def _list_pins(call: Call, req: api.PinMessageRequest) -> api.PinMessagesList:
    core = call.core
    channel = core.accessible_channel(call.user_id, req.channel_id)
    pins = []
    for message_id in channel.pins:
        m = channel.messages.get(message_id)
        if m is not None:
            pins.append(
                api.PinMessage(
                    id=m.message_id,
                    message_id=m.message_id,
                    channel_id=channel.id,
                    sender_id=m.sender_id,
                    content=m.content,
                    username=m.username,
                    avatar=m.avatar,
                    create_time_seconds=m.create_time_seconds or now_s(),
                )
            )
    return api.PinMessagesList(pin_messages_list=pins)


# The optional features' RPCs (uploads, polls) register themselves in METHODS.
from . import _feature_rpcs as _feature_rpcs  # noqa: E402
