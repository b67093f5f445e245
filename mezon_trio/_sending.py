"""The client's sending API: messages, DMs, tokens and friends.

Written as functions of a :class:`~mezon_trio.MezonClient` and bound as its methods in the
class body (``send_message = _sending.send_message``), so the client module stays lifecycle
plus delegation.  Each function checks its arguments (ids as ``int`` or decimal ``str``) and
calls one service.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from ._content.attachments import Attachment
from ._content.mentions import Mention
from ._models.values import FriendPage, MessageRef, SendAck, TransferResult
from ._protocol.ids import Id, as_id, as_optional_id
from ._services.context import Services
from ._services.media import MediaPlayback
from ._services.sending_wire import MsgContent
from ._structures.channel import TextChannel
from .errors import InvalidArgument

if TYPE_CHECKING:
    from ._client import MezonClient

__all__ = [
    "accept_friend",
    "add_friend",
    "block_friend",
    "create_dm_channel",
    "get_list_friends",
    "play_media",
    "remove_friend",
    "send_dm",
    "send_message",
    "send_token",
    "unblock_friend",
]


def _services(client: MezonClient) -> Services:
    from ._client import services_of  # the client module binds these functions: import at call time

    return services_of(client)


async def send_message(
    self: MezonClient,
    clan_id: Id,
    channel_id: Id,
    mode: int,
    is_public: bool,
    msg: MsgContent,
    mentions: Iterable[Mention] | None = None,
    attachments: Iterable[Attachment] | None = None,
    ref: MessageRef | Iterable[MessageRef] | None = None,
    *,
    anonymous_message: bool = False,
    mention_everyone: bool = False,
    avatar: str = "",
    code: int = 0,
    topic_id: Id = 0,
) -> SendAck:
    """Post a message (``channel_message_send``) and return the server's ack.

    ``msg`` is a string, a content mapping or a :class:`~mezon_trio.content.Content`
    (at most 4000 UTF-16 units of JSON).  If the server answers "Must join channel", the
    client joins and retries once.  Simpler: ``channel.send(...)``, ``message.reply(...)``.

    Raises:
        InvalidArgument: a bad id; ContentError: invalid or too long content.
        Forbidden, NotFound, APIError: refused; RequestTimeout, ConnectionLost, ClientClosed.
        ClientNotRunning: outside the client's scope.
    """
    return await _services(self).messaging.send_message(
        clan_id,  # ids are checked by the messaging service, for every caller
        channel_id,
        mode,
        is_public,
        msg,
        mentions,
        attachments,
        ref,
        anonymous_message=anonymous_message,
        mention_everyone=mention_everyone,
        avatar=avatar,
        code=code,
        topic_id=topic_id,
    )


async def send_dm(
    self: MezonClient,
    user_id: Id,
    msg: MsgContent,
    *,
    code: int = 0,
    attachments: Iterable[Attachment] | None = None,
    mentions: Iterable[Mention] | None = None,
) -> SendAck:
    """DM *user_id*, opening the DM channel the first time.

    Raises: like :meth:`send_message`; NotFound: unknown user.
    """
    user = as_id(user_id, "user_id", allow_zero=False)
    return await _services(self).messaging.send_dm(
        user, msg, code=code, attachments=attachments, mentions=mentions
    )


async def create_dm_channel(self: MezonClient, user_id: Id) -> TextChannel:
    """The DM channel with *user_id* (created once, then cached)."""
    return await _services(self).directory.create_dm_channel(as_id(user_id, "user_id", allow_zero=False))


async def send_token(
    self: MezonClient,
    receiver_id: Id,
    amount: int | Decimal | str | None = None,
    note: str = "",
    *,
    sender_name: str = "",
    extra_attribute: str = "",
    extra_info: Mapping[str, object] | None = None,
    receipt: bool = True,
) -> TransferResult:
    """Send *amount* tokens from the bot to *receiver_id* (MMN chain + ZK proof).

    Amounts are whole tokens (``int``, ``Decimal`` or decimal ``str``, up to 6 decimals).
    ``sender_name``, ``extra_attribute`` and ``extra_info`` go into the transaction's
    extra info.  With ``receipt`` the receiver gets a "Funds Transferred" DM.  Bounded by five times
    the client's ``timeout``.  Passing an ``ApiSentTokenRequest`` still works for one release, with
    a ``DeprecationWarning`` (``mezon_trio.compat.MezonClient.send_token`` takes one).

    Raises:
        InvalidArgument: bad receiver or amount; TokenTransferError: the transfer failed.
        ClientNotRunning, ClientClosed.
    """
    given: object = receiver_id
    if not isinstance(given, (int, str)) and hasattr(given, "mmn_extra_info"):
        # An official ApiSentTokenRequest (mezon_trio.compat): no longer in the signature, still
        # accepted for one release.
        warnings.warn(
            "send_token(ApiSentTokenRequest(...)) is deprecated: use send_token(receiver_id, amount, "
            "note) (or mezon_trio.compat.MezonClient)",
            DeprecationWarning,
            stacklevel=2,
        )
        return await send_token_request(self, given, receipt=receipt)
    if amount is None:
        raise InvalidArgument("send_token() needs an amount")
    return await _services(self).tokens.send(
        as_id(receiver_id, "receiver_id", allow_zero=False),
        amount,
        note,
        sender_name=sender_name,
        extra_attribute=extra_attribute,
        extra_info=extra_info,
        receipt=receipt,
    )


async def send_token_request(self: MezonClient, request: Any, *, receipt: bool = True) -> TransferResult:
    """The transfer an official ``ApiSentTokenRequest`` describes (compat's ``send_token``).

    Raises:
        InvalidArgument, TokenTransferError, ClientNotRunning, ClientClosed: as :func:`send_token`.
    """
    return await _services(self).tokens.send(
        as_id(request.receiver_id, "receiver_id", allow_zero=False),
        request.amount,
        request.note,
        sender_name=request.sender_name,
        extra_attribute=request.extra_attribute,
        extra_info=request.mmn_extra_info,
        receipt=receipt,
    )


async def get_list_friends(
    self: MezonClient, limit: int = 100, state: int | None = None, cursor: str | None = None
) -> FriendPage:
    """One page of the bot's friends (``state``: 0 friends, 1 sent, 2 received, 3 blocked)."""
    return await _services(self).friends.get_list_friends(limit, state, cursor)


async def add_friend(self: MezonClient, username: str = "", user_id: Id | None = None) -> tuple[int, ...]:
    """Invite a user by username or id (or accept their invitation); the user ids added."""
    if not isinstance(username, str):
        raise InvalidArgument(f"username must be a str, got {type(username).__name__}")
    return await _services(self).friends.add_friend(username, as_optional_id(user_id, "user_id"))


async def accept_friend(self: MezonClient, user_id: Id, username: str = "") -> tuple[int, ...]:
    """Accept *user_id*'s friend invitation; the user ids added."""
    return await _services(self).friends.accept_friend(as_id(user_id, "user_id"), username)


async def remove_friend(self: MezonClient, user_id: Id | None = None, username: str = "") -> None:
    """Remove a friend (or decline an invitation)."""
    await _services(self).friends.remove_friend(as_optional_id(user_id, "user_id"), username)


async def block_friend(self: MezonClient, user_id: Id | None = None, username: str = "") -> None:
    """Block a user."""
    await _services(self).friends.block_friend(as_optional_id(user_id, "user_id"), username)


async def unblock_friend(self: MezonClient, user_id: Id | None = None, username: str = "") -> None:
    """Unblock a user."""
    await _services(self).friends.unblock_friend(as_optional_id(user_id, "user_id"), username)


async def play_media(
    self: MezonClient,
    channel: Id,
    url: str,
    name: str,
    *,
    participant_identity: str | None = None,
    participant_name: str | None = None,
) -> MediaPlayback:
    """Play the media at *url* (absolute http(s)) in a voice room, shown as *name*.

    *channel* is the voice channel's id (an ``int`` or decimal ``str``); its meeting code is
    looked up.  The request goes to the client's ``media_url`` exactly as given.

    Raises:
        ContentError: *url* is not absolute http(s), or *name* is empty.
        NotFound: no such voice channel; APIError, TransportError: the media service failed.
        ClientNotRunning: outside the client's scope.
    """
    media = _services(self).features.media("play_media()")
    return await media.play_media(
        as_id(channel, "channel", allow_zero=False),
        url,
        name,
        participant_identity=participant_identity,
        participant_name=participant_name,
    )
