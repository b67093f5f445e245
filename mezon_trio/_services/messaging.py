"""Sending, editing, deleting and reacting to messages; ephemeral messages; typing, read marks,
pins; history pages (docs/protocol.md §5.3-§5.9, §6.9, §7.3).

Edits and deletes go through the socket API bridge (``UpdateChannelMessage`` /
``DeleteChannelMessage``), as the current official SDKs do; the ack they return
is built from the request (``code`` 1 / 2).  A send refused with "Must join
channel" joins the channel and is retried once (mezon-js PR #1120).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from typing import final

from .._connection.core import ConnectionCore
from .._models.message import Message, new_message, wire_message
from .._models.proto import attachment_protos, mention_protos, reaction_from_proto, send_ack_from_proto
from .._models.values import Reaction, SendAck
from .._proto.mezon import api
from .._proto.mezon import realtime as rt
from .._protocol.enums import DM_MODE, ChannelStreamMode, TypeMessage, type_for_mode
from .._protocol.hotpath import envelope_with
from .._protocol.ids import Id, as_id, as_ids
from .._structures.channel import TextChannel
from ..errors import APIError, Forbidden, NotFound, ProtocolError, RequestTimeout
from .context import Services
from .directory import DirectoryService
from .sending_wire import MsgContent, message_send, must_join, refine_api_error, to_content

__all__ = ["MessagingService"]

log = logging.getLogger("mezon_trio.client")


@final
class MessagingService:
    """Message operations: what ``MezonClient``, ``TextChannel`` and ``Message`` send through."""

    def __init__(self, services: Services, directory: DirectoryService) -> None:
        self._services = services
        self._core: ConnectionCore = services.core
        self._directory = directory

    async def send_message(
        self,
        clan_id: Id,
        channel_id: Id,
        mode: int,
        is_public: bool,
        msg: MsgContent,
        mentions: Iterable[object] | None = None,
        attachments: Iterable[object] | None = None,
        ref: object = None,
        *,
        anonymous_message: bool = False,
        mention_everyone: bool = False,
        avatar: str = "",
        code: int = 0,
        topic_id: Id = 0,
    ) -> SendAck:
        """Post a message (``channel_message_send``, §5.3) and return the server's ack.

        ``msg`` is a plain string (sent as ``{"t": msg}``), a content mapping, or a
        :class:`~mezon_trio.content.Content`; its JSON must fit 4000 UTF-16 code units.
        ``mentions`` default to the Content's own; mentions, attachments and ``ref``
        (one reference or a list) accept our models, the official ones or mappings.
        If the server answers "Must join channel", the client joins it and retries once.

        Cancellation: if cancelled after the frame was written, the message may still be
        posted (the ack is lost).

        Raises:
            ContentError: invalid content, mentions, attachments or references; too long.
            Forbidden: the bot may not post there (not a member, join refused).
            NotFound: no such channel.
            APIError: another refusal.  ProtocolError: the server did not answer with an ack.
            RequestTimeout, ConnectionLost, ClientClosed: as for any socket request.
            ConfigurationError: the client is not running.
        """
        clan_id = as_id(clan_id, "clan_id")
        channel_id = as_id(channel_id, "channel_id", allow_zero=False)
        topic_id = as_id(topic_id, "topic_id")
        self._core.require_running("send_message()")
        send = message_send(
            clan_id,
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
        reply = await self._request_joining(
            envelope_with("channel_message_send", send), clan_id, channel_id, int(mode), bool(is_public)
        )
        ack = reply.channel_message_ack
        if ack is None:
            raise ProtocolError("channel_message_send: the server did not answer with channel_message_ack")
        self._remember_sent(send, ack)
        return send_ack_from_proto(ack, clan_id=clan_id, mode=int(mode), is_public=bool(is_public))

    def _remember_sent(self, send: rt.ChannelMessageSend, ack: rt.ChannelMessageAck) -> None:
        """Put the bot's own message in its channel's cache (the server does not echo it, §12 Q3),
        so ``channel.messages.get(ack.message_id)`` works as in the official SDK's docs."""
        channel = self._directory.channels.peek(send.channel_id)
        if channel is None or not ack.message_id:
            return
        raw = api.ChannelMessage(
            clan_id=send.clan_id,
            channel_id=send.channel_id,
            message_id=ack.message_id,
            code=send.code,
            sender_id=self._core.user_id,
            username=ack.username,
            content=send.content,
            channel_label=channel.name,
            clan_logo=ack.clan_logo,
            category_name=ack.category_name,
            mentions=bytes(api.MessageMentionList(mentions=send.mentions)) if send.mentions else b"",
            attachments=(
                bytes(api.MessageAttachmentList(attachments=send.attachments)) if send.attachments else b""
            ),
            references=bytes(api.MessageRefList(refs=send.references)) if send.references else b"",
            create_time_seconds=ack.create_time_seconds,
            update_time_seconds=ack.update_time_seconds,
            mode=send.mode,
            is_public=send.is_public,
            topic_id=send.topic_id,
        )
        channel.messages.set(ack.message_id, new_message(raw, services=self._services))

    def _refresh_cached(
        self, channel_id: int, message_id: int, update: rt.ChannelMessageUpdate | None
    ) -> None:
        """After an edit (new content) or a delete (*update* None) by the bot, fix the cached copy."""
        channel = self._directory.channels.peek(channel_id)
        if channel is None:
            return
        if update is None:
            channel.messages.delete(message_id)
            return
        cached = channel.messages.peek(message_id)
        if cached is None:
            return
        raw = api.ChannelMessage.parse(bytes(wire_message(cached)))
        raw.content = update.content
        raw.mentions = bytes(api.MessageMentionList(mentions=update.mentions)) if update.mentions else b""
        if update.attachments:
            raw.attachments = bytes(api.MessageAttachmentList(attachments=update.attachments))
        raw.update_time_seconds = int(time.time())
        channel.messages.set(message_id, new_message(raw, services=self._services))

    async def update_message(
        self,
        clan_id: Id,
        channel_id: Id,
        mode: int,
        is_public: bool,
        message_id: Id,
        msg: MsgContent,
        mentions: Iterable[object] | None = None,
        attachments: Iterable[object] | None = None,
        *,
        hide_editted: bool = False,
        topic_id: Id = 0,
        create_time_seconds: int = 0,
    ) -> SendAck:
        """Edit a message through the API bridge (``UpdateChannelMessage``, §5.4).

        ``is_update_msg_topic`` is sent as ``topic_id != 0`` (not always true: quirk 8).
        Returns an ack built from the request, ``code`` 1.

        Cancellation: if cancelled after the request was written, the edit may still happen.

        Raises:
            ContentError: invalid or too long content.
            NotFound: no such message; Forbidden: not the bot's message.
            APIError, RequestTimeout, ConnectionLost, ClientClosed; ConfigurationError: not running.
        """
        clan_id = as_id(clan_id, "clan_id")
        channel_id = as_id(channel_id, "channel_id")
        message_id = as_id(message_id, "message_id")
        topic_id = as_id(topic_id, "topic_id")
        self._core.require_running("update_message()")
        content = to_content(msg)
        update = rt.ChannelMessageUpdate(
            clan_id=clan_id,
            channel_id=channel_id,
            message_id=message_id,
            content=content.to_json(),
            mentions=mention_protos(content.mentions if mentions is None else mentions),
            attachments=attachment_protos(attachments),
            mode=int(mode),
            is_public=bool(is_public),
            hide_editted=hide_editted,
            topic_id=topic_id,
            is_update_msg_topic=topic_id != 0,
            create_time_seconds=create_time_seconds,
        )
        await self._core.api_bridge("UpdateChannelMessage", update, rt.ChannelMessageUpdate)
        self._refresh_cached(channel_id, message_id, update)
        now = int(time.time())
        return SendAck(
            channel_id=channel_id,
            message_id=message_id,
            code=TypeMessage.CHAT_UPDATE,
            create_time_seconds=create_time_seconds,
            update_time_seconds=now,
            clan_id=clan_id,
            mode=ChannelStreamMode(int(mode)),
            is_public=bool(is_public),
        )

    async def delete_message(
        self,
        clan_id: Id,
        channel_id: Id,
        mode: int,
        is_public: bool,
        message_id: Id,
        *,
        topic_id: Id = 0,
        has_attachment: bool = False,
    ) -> SendAck:
        """Delete a message through the API bridge (``DeleteChannelMessage``, §5.5); ack ``code`` 2.

        Cancellation: if cancelled after the request was written, the deletion may still happen.

        Raises:
            NotFound: no such message; Forbidden: the bot may not delete it.
            APIError, RequestTimeout, ConnectionLost, ClientClosed; ConfigurationError: not running.
        """
        clan_id = as_id(clan_id, "clan_id")
        channel_id = as_id(channel_id, "channel_id")
        message_id = as_id(message_id, "message_id")
        topic_id = as_id(topic_id, "topic_id")
        self._core.require_running("delete_message()")
        remove = rt.ChannelMessageRemove(
            clan_id=clan_id,
            channel_id=channel_id,
            message_id=message_id,
            mode=int(mode),
            is_public=bool(is_public),
            has_attachment=has_attachment,
            topic_id=topic_id,
        )
        await self._core.api_bridge("DeleteChannelMessage", remove, rt.ChannelMessageRemove)
        self._refresh_cached(channel_id, message_id, None)
        return SendAck(
            channel_id=channel_id,
            message_id=message_id,
            code=TypeMessage.CHAT_REMOVE,
            update_time_seconds=int(time.time()),
            clan_id=clan_id,
            mode=ChannelStreamMode(int(mode)),
            is_public=bool(is_public),
        )

    async def react_message(
        self,
        clan_id: Id,
        channel_id: Id,
        mode: int,
        is_public: bool,
        message_id: Id,
        emoji: str,
        *,
        emoji_id: Id = 0,
        remove: bool = False,
        message_sender_id: Id = 0,
        count: int = 1,
        reaction_id: Id = 0,
        topic_id: Id = 0,
    ) -> Reaction:
        """Add or remove (``remove=True``) a reaction (``message_reaction_event``, §5.6).

        Returns the server's echo (with the reaction id and sender filled).

        Cancellation: if cancelled after the frame was written, the reaction may still apply.

        Raises:
            NotFound: no such message; Forbidden: no access to the channel.
            APIError, RequestTimeout, ConnectionLost, ClientClosed; ConfigurationError: not running.
        """
        clan_id = as_id(clan_id, "clan_id")
        channel_id = as_id(channel_id, "channel_id")
        message_id = as_id(message_id, "message_id")
        emoji_id = as_id(emoji_id, "emoji_id")
        message_sender_id = as_id(message_sender_id, "message_sender_id")
        reaction_id = as_id(reaction_id, "reaction_id")
        topic_id = as_id(topic_id, "topic_id")
        self._core.require_running("react_message()")
        reaction = api.MessageReaction(
            id=reaction_id,
            emoji_id=emoji_id,
            emoji=emoji,
            action=remove,
            count=count,
            channel_id=channel_id,
            message_id=message_id,
            clan_id=clan_id,
            mode=int(mode),
            message_sender_id=message_sender_id,
            is_public=bool(is_public),
            topic_id=topic_id,
        )
        try:
            reply = await self._core.request(rt.Envelope(message_reaction_event=reaction))
        except APIError as exc:
            raise refine_api_error(exc) from exc
        return reaction_from_proto(reply.message_reaction_event or reaction)

    async def send_ephemeral(
        self,
        clan_id: Id,
        channel_id: Id,
        mode: int,
        is_public: bool,
        receiver_ids: Id | Sequence[Id],
        msg: MsgContent,
        mentions: Iterable[object] | None = None,
        attachments: Iterable[object] | None = None,
        ref: object = None,
        *,
        anonymous_message: bool = False,
        mention_everyone: bool = False,
        avatar: str = "",
        code: int = TypeMessage.EPHEMERAL,
        topic_id: Id = 0,
        message_id: Id = 0,
    ) -> SendAck:
        """Send (code 12), update (14) or delete (15) a message only *receiver_ids* see (§5.7).

        ``message_id`` names the ephemeral message to update or delete.  The returned
        ack's ``message_id`` is the ephemeral message's id.

        Cancellation: if cancelled after the frame was written, the change may still happen.

        Raises:
            ContentError, Forbidden, NotFound, APIError: as for :meth:`send_message`.
            ProtocolError: the server did not answer with a ``channel_message``.
            RequestTimeout, ConnectionLost, ClientClosed; ConfigurationError: not running.
        """
        clan_id = as_id(clan_id, "clan_id")
        channel_id = as_id(channel_id, "channel_id")
        topic_id = as_id(topic_id, "topic_id")
        message_id = as_id(message_id, "message_id")
        receivers = as_ids(receiver_ids, "receiver_ids")
        self._core.require_running("send_ephemeral()")
        send = message_send(
            clan_id,
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
            message_id=message_id,
        )
        envelope = rt.Envelope(
            ephemeral_message_send=rt.EphemeralMessageSend(message=send, receiver_ids=receivers)
        )
        reply = await self._request_joining(envelope, clan_id, channel_id, int(mode), bool(is_public))
        pushed = reply.channel_message
        if pushed is None:
            raise ProtocolError("ephemeral_message_send: the server did not answer with channel_message")
        return SendAck(
            channel_id=pushed.channel_id or channel_id,
            message_id=pushed.message_id or message_id,
            code=TypeMessage(pushed.code or int(code)),
            username=pushed.username,
            create_time_seconds=pushed.create_time_seconds,
            update_time_seconds=pushed.update_time_seconds,
            clan_logo=pushed.clan_logo,
            category_name=pushed.category_name,
            clan_id=clan_id,
            mode=ChannelStreamMode(int(mode)),
            is_public=bool(is_public),
            channel_label=pushed.channel_label,
        )

    async def send_dm(
        self,
        user_id: int,
        msg: MsgContent,
        *,
        code: int = TypeMessage.CHAT,
        attachments: Iterable[object] | None = None,
        mentions: Iterable[object] | None = None,
    ) -> SendAck:
        """DM *user_id*, opening the DM channel the first time (§5.8).

        Cancellation: if cancelled after the frame was written, the message may still be posted.

        Raises:
            ContentError: invalid or too long content.
            NotFound: unknown user; APIError: the DM could not be opened or the message was refused.
            RequestTimeout, ConnectionLost, ClientClosed; ConfigurationError: not running.
        """
        content = to_content(msg)
        channel = await self._directory.create_dm_channel(user_id)
        return await self.send_message(
            0, channel.id, DM_MODE, False, content, mentions, attachments, code=int(code)
        )

    # ------------------------------------------------------------------ join-and-retry

    async def join(self, envelope: rt.Envelope) -> None:
        """A ``clan_join`` / ``channel_join`` / ``channel_leave`` (remembered across reconnects)."""
        self._core.require_running("join()")
        try:
            await self._core.request(envelope)
        except APIError as exc:
            raise refine_api_error(exc) from exc

    async def _request_joining(
        self, envelope: rt.Envelope, clan_id: int, channel_id: int, mode: int, is_public: bool
    ) -> rt.Envelope:
        """Send *envelope*; on "Must join channel" join the channel and send it once more."""
        try:
            return await self._core.request(envelope)
        except APIError as exc:
            if not must_join(exc):
                raise refine_api_error(exc) from exc
            first = exc
        log.info("channel %d: the server asks to join first; joining and retrying once", channel_id)
        join = rt.ChannelJoin(
            clan_id=clan_id, channel_id=channel_id, channel_type=type_for_mode(mode), is_public=is_public
        )
        try:
            await self._core.request(rt.Envelope(channel_join=join))
        except APIError as join_exc:
            refined = refine_api_error(join_exc)
            if isinstance(refined, NotFound):
                raise refined from join_exc
            raise Forbidden(
                f"cannot post in channel {channel_id}: the server asks to join it first "
                f"({first.message}) and refused the join ({join_exc.message})",
                code=join_exc.code,
                operation=join_exc.operation,
                context=join_exc.context,
            ) from join_exc
        try:
            return await self._core.request(envelope)
        except APIError as exc:
            raise refine_api_error(exc) from exc

    # ------------------------------------------------------------------ Message methods

    def routing(self, message: Message) -> tuple[int, bool]:
        """(mode, is_public) for answering *message* (its own, else the cached channel's)."""
        mode = message.mode
        if mode:
            return mode, message.is_public
        channel = self._directory.channels.peek(message.channel_id)
        if channel is not None:
            return channel.mode, channel.is_public
        return (DM_MODE, False) if message.clan_id == 0 else (2, message.is_public)

    def reference_for(self, message: Message) -> api.MessageRef:
        """The §6.9 reference to *message*: fields 2, 3, 4, 6, 7, 8, 9, 10 (names from the
        message, else from the user cache: quirk 15)."""
        raw = wire_message(message)
        username, display_name, clan_nick = raw.username, raw.display_name, raw.clan_nick
        avatar = raw.clan_avatar or raw.avatar
        if not (username or display_name or clan_nick):
            user = self._directory.users.peek(raw.sender_id)
            if user is not None:
                username, display_name, clan_nick = user.username, user.display_name, user.clan_nick
                avatar = avatar or user.clan_avatar or user.avatar
        return api.MessageRef(
            message_ref_id=raw.message_id,
            content=raw.content,
            has_attachment=bool(raw.attachments) and bool(message.attachments),
            message_sender_id=raw.sender_id,
            message_sender_username=clan_nick or display_name or username,
            message_sender_avatar=avatar,
            message_sender_clan_nick=clan_nick,
            message_sender_display_name=display_name,
        )

    async def reply_to(
        self,
        message: Message,
        msg: MsgContent,
        mentions: Iterable[object] | None,
        attachments: Iterable[object] | None,
        *,
        mention_everyone: bool,
        anonymous_message: bool,
        topic_id: int | None,
        code: int,
    ) -> SendAck:
        mode, is_public = self.routing(message)
        return await self.send_message(
            message.clan_id,
            message.channel_id,
            mode,
            is_public,
            msg,
            mentions,
            attachments,
            [self.reference_for(message)],
            mention_everyone=mention_everyone,
            anonymous_message=anonymous_message,
            code=code,
            topic_id=message.topic_id if topic_id is None else topic_id,
        )

    async def edit(
        self,
        message: Message,
        msg: MsgContent,
        mentions: Iterable[object] | None,
        attachments: Iterable[object] | None,
        *,
        hide_editted: bool,
    ) -> SendAck:
        mode, is_public = self.routing(message)
        return await self.update_message(
            message.clan_id,
            message.channel_id,
            mode,
            is_public,
            message.id,
            msg,
            mentions,
            attachments,
            hide_editted=hide_editted,
            topic_id=message.topic_id,
            create_time_seconds=message.create_time_seconds,
        )

    async def delete(self, message: Message) -> SendAck:
        mode, is_public = self.routing(message)
        return await self.delete_message(
            message.clan_id,
            message.channel_id,
            mode,
            is_public,
            message.id,
            topic_id=message.topic_id,
            has_attachment=bool(wire_message(message).attachments),
        )

    async def react(
        self, message: Message, emoji: str, *, emoji_id: int, remove: bool, count: int, reaction_id: int
    ) -> Reaction:
        mode, is_public = self.routing(message)
        return await self.react_message(
            message.clan_id,
            message.channel_id,
            mode,
            is_public,
            message.id,
            emoji,
            emoji_id=emoji_id,
            remove=remove,
            message_sender_id=message.sender_id,
            count=count,
            reaction_id=reaction_id,
            topic_id=message.topic_id,
        )

    # ------------------------------------------------------------------ TextChannel helpers

    async def _soft_request(self, envelope: rt.Envelope, what: str) -> rt.Envelope | None:
        """Typing / read marks: a missing answer is logged, not raised (§12 Q12)."""
        try:
            return await self._core.request(envelope)
        except RequestTimeout:
            log.info("%s: no answer from the server (ignored)", what)
            return None
        except APIError as exc:
            raise refine_api_error(exc) from exc

    async def send_typing(self, channel: TextChannel) -> None:
        self._core.require_running("typing()")
        event = rt.MessageTypingEvent(
            clan_id=channel.clan_id, channel_id=channel.id, mode=channel.mode, is_public=channel.is_public
        )
        await self._soft_request(rt.Envelope(message_typing_event=event), "typing")

    async def mark_seen(self, channel: TextChannel, message_id: int) -> None:
        self._core.require_running("mark_seen()")
        event = rt.LastSeenMessageEvent(
            clan_id=channel.clan_id,
            channel_id=channel.id,
            mode=channel.mode,
            message_id=message_id,
            timestamp_seconds=int(time.time()),
        )
        await self._soft_request(rt.Envelope(last_seen_message_event=event), "mark_seen")

    async def pin(self, channel: TextChannel, message_id: int, *, pin: bool) -> None:
        self._core.require_running("pin()" if pin else "unpin()")
        event = rt.LastPinMessageEvent(
            clan_id=channel.clan_id,
            channel_id=channel.id,
            mode=channel.mode,
            is_public=channel.is_public,
            message_id=message_id,
            timestamp_seconds=int(time.time()),
            operation=1 if pin else 0,
        )
        try:
            await self._core.request(rt.Envelope(last_pin_message_event=event))
        except APIError as exc:
            raise refine_api_error(exc) from exc

    async def list_messages(
        self, channel: TextChannel, *, anchor: int, limit: int, newer: bool, topic_id: int = 0
    ) -> list[api.ChannelMessage]:
        """One ``ListChannelMessages`` page (§7.3): newest first (older than *anchor*), or
        oldest first after *anchor* when *newer*."""
        self._core.require_running("history()")
        request = api.ListChannelMessagesRequest(
            clan_id=channel.clan_id,
            channel_id=channel.id,
            message_id=anchor,
            limit=limit,
            direction=1 if newer else 0,
            topic_id=topic_id,
        )
        page = await self._core.rpc("ListChannelMessages", request, api.ChannelMessageList)
        return list(page.messages)

    async def fetch_message(self, channel: TextChannel, message_id: int) -> Message:
        # No "get one message" RPC: ask for the newest message older than id + 1.
        raws = await self.list_messages(channel, anchor=message_id + 1, limit=1, newer=False)
        if not raws or raws[0].message_id != message_id:
            raise NotFound(
                f"message {message_id} not found in channel {channel.id}",
                status=404,
                operation="ListChannelMessages",
            )
        return new_message(raws[0], services=self._services)
