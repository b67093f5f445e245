"""Wire-level sandbox scripting: the sandbox's counterpart of :mod:`mezon_trio.raw`.

The scripting methods of :class:`~mezon_trio.testing.Sandbox` take and return the project's own
types (the value models of :mod:`mezon_trio.models`, the events of :mod:`mezon_trio.events`, the
records of :mod:`mezon_trio.testing`). Tests of the protocol itself sometimes need the wire
messages: push a hand-made ``Envelope``, read or change the stored ``ChannelMessage``, hold the
generated ``Session`` or ``Notification``, read a received request as its generated class.
Those functions live here, the one place of the sandbox where the generated classes
(``mezon_trio._proto``) are public on purpose (they follow the wire schema and may change with
it); each takes the sandbox as its first argument::

    from mezon_trio._proto.mezon import realtime as rt
    from mezon_trio.testing import raw as sandbox_raw

    await sandbox_raw.push(sb, rt.Envelope(last_pin_message_event=rt.LastPinMessageEvent(...)), to=sb.bot.id)

The sandbox's own state records are here too, for the same reason (they hold wire messages):
:class:`User` and :class:`Channel` (``sb.state.users`` / ``sb.state.channels``), :class:`FriendEdge`,
:class:`Connection` (``sb.connections()``) and :class:`FeatureState` (``sb.features``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import betterproto2

from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from ._conn import Connection as Connection
from ._features import FeatureState as FeatureState
from ._state import Channel as Channel
from ._state import FriendEdge as FriendEdge
from ._state import User as User

if TYPE_CHECKING:
    from ._recorder import Received
    from ._server import Sandbox

__all__ = [
    "Channel",
    "Connection",
    "FeatureState",
    "FriendEdge",
    "User",
    "issue_session",
    "payload",
    "push",
    "send_notification",
    "stored_message",
    "stored_messages",
]

_M = TypeVar("_M", bound=betterproto2.Message)


async def push(sb: Sandbox, envelope: rt.Envelope, *, to: int | None = None) -> int:
    """Send any Envelope as-is (set no cid for a push) to *to*'s sockets (None: every socket).

    Returns the number of sockets written.
    """
    return await sb._core.send_to(bytes(envelope), sb._targets(to))


def stored_message(sb: Sandbox, message_id: int) -> api.ChannelMessage | None:
    """The stored wire message itself (not a copy: changing it changes what the server serves)."""
    return sb._core.state._find_message(message_id)


def stored_messages(sb: Sandbox, channel_id: int) -> list[api.ChannelMessage]:
    """The stored wire messages of a channel, oldest first (the objects themselves)."""
    return list(sb._core.state.channels[channel_id].messages.values())


def issue_session(sb: Sandbox, user_id: int) -> api.Session:
    """A new session for any user, as the server's generated ``Session`` message."""
    return sb._core.issue_session(user_id)


async def send_notification(sb: Sandbox, user_id: int, notification: api.Notification) -> None:
    """Push ``notifications`` with this one generated item to a user's sockets."""
    await sb._core.push_users("notifications", rt.Notifications(notifications=[notification]), [user_id])


def payload(received: Received, cls: type[_M]) -> _M:
    """*received*'s payload as the generated class *cls* (``payload(r, raw.realtime.ChannelMessageSend)``).

    Raises:
        TypeError: the payload is not a *cls*.
    """
    value = received.payload
    if not isinstance(value, cls):
        raise TypeError(f"{received.kind} payload is a {type(value).__name__}, not {cls.__name__}")
    return value
