"""``TextChannel`` and its lazy message ``History`` (official ``mezon.structures.TextChannel``)."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Final, final

import trio

from .._cache import Cache
from .._content.attachments import Attachment
from .._content.mentions import Mention
from .._content.message import Content
from .._models.message import Message, new_message
from .._models.proto import channel_info_from_proto, ref_to_proto
from .._models.values import ChannelInfo, MessageRef, SendAck
from .._proto.mezon import api
from .._protocol.enums import ChannelType, TypeMessage, mode_for_type, type_for_mode
from .._protocol.ids import Id, as_id, as_optional_id
from ..errors import InvalidArgument

if TYPE_CHECKING:
    from .._services.context import Services
    from .._services.messaging import MessagingService
    from .._services.uploads import FileInput, Progress
    from .clan import Clan

__all__ = ["History", "TextChannel"]

#: docs/protocol.md §5.9 decision: at most one typing event per channel every 5 s.
TYPING_INTERVAL: Final = 5.0
MESSAGES_PER_CHANNEL: Final = 200
_PAGE: Final = 100  # ListChannelMessages.limit is 1-100 (§10.3)

_DM_TYPES: Final = frozenset({ChannelType.CHANNEL_TYPE_DM, ChannelType.CHANNEL_TYPE_GROUP})


def _message_id(message: Message | Id) -> int:
    return message.id if isinstance(message, Message) else as_id(message, "message")


@final
class TextChannel:
    """A channel the bot can talk in (text, thread, DM, group DM...): get one from
    ``client.channels`` (``get``/``fetch``), ``message.channel`` or ``user.create_dm_channel()``.

    The object is shared and kept up to date by the client's caches; its
    attributes are read-only.  No public constructor.
    """

    __slots__ = (
        "__weakref__",
        "_category_id",
        "_category_name",
        "_clan_id",
        "_desc",
        "_id",
        "_last_typing",
        "_meeting_code",
        "_messages",
        "_name",
        "_parent_id",
        "_private",
        "_services",
        "_type",
    )

    def __init__(self, services: Services, channel_id: int, clan_id: int, channel_type: int) -> None:
        self._services = services
        self._id = channel_id
        self._clan_id = clan_id
        self._type = channel_type
        self._name = ""
        self._private = channel_type in _DM_TYPES
        self._category_id = 0
        self._category_name = ""
        self._parent_id = 0
        self._meeting_code = ""
        self._desc: ChannelInfo | None = None
        self._last_typing: float | None = None
        self._messages: Cache[int, Message] = Cache(
            self._fetch_message,
            max_size=MESSAGES_PER_CHANNEL,
            name=f"channel {channel_id} messages",
            id_keys="message_id",
        )

    @classmethod
    def _from_desc(cls, services: Services, desc: api.ChannelDescription) -> TextChannel:
        channel = cls(services, desc.channel_id, desc.clan_id, desc.type or ChannelType.CHANNEL_TYPE_CHANNEL)
        channel._update(desc)
        return channel

    @classmethod
    def _from_message(cls, services: Services, raw: api.ChannelMessage) -> TextChannel:
        """A channel known only from a pushed message (no I/O; refined when fetched)."""
        channel_type = type_for_mode(raw.mode, clan_id=raw.clan_id)
        channel = cls(services, raw.channel_id, raw.clan_id, channel_type)
        channel._name = raw.channel_label
        channel._category_name = raw.category_name
        channel._private = not raw.is_public
        return channel

    def _update(self, desc: api.ChannelDescription) -> None:
        self._clan_id = desc.clan_id
        if desc.type:
            self._type = desc.type
        self._name = desc.channel_label
        self._private = desc.channel_private != 0 or self._type in _DM_TYPES
        self._category_id = desc.category_id
        self._category_name = desc.category_name
        self._parent_id = desc.parent_id
        self._meeting_code = desc.meeting_code
        self._desc = channel_info_from_proto(desc)

    @property
    def _messaging(self) -> MessagingService:
        return self._services.messaging

    def __repr__(self) -> str:
        return f"<TextChannel id={self._id} clan_id={self._clan_id} type={self._type} name={self._name!r}>"

    # ------------------------------------------------------------------ attributes

    @property
    def id(self) -> int:
        return self._id

    @property
    def clan_id(self) -> int:
        """0 for DMs and group DMs."""
        return self._clan_id

    @property
    def name(self) -> str:
        """The channel label (empty for DMs)."""
        return self._name

    @property
    def channel_type(self) -> int:
        """:class:`~mezon_trio.models.ChannelType` value."""
        return self._type

    @property
    def mode(self) -> int:
        """The stream mode used to talk in it (docs/protocol.md §5.1)."""
        return mode_for_type(self._type)

    @property
    def is_private(self) -> bool:
        return self._private

    @property
    def is_public(self) -> bool:
        """The ``is_public`` routing field: a clan channel that is not private."""
        return self._clan_id != 0 and not self._private

    @property
    def category_id(self) -> int:
        return self._category_id

    @property
    def category_name(self) -> str:
        return self._category_name

    @property
    def parent_id(self) -> int:
        """The parent channel of a thread (0 otherwise)."""
        return self._parent_id

    @property
    def meeting_code(self) -> str:
        return self._meeting_code

    @property
    def description(self) -> ChannelInfo | None:
        """The server's full description, once fetched (None for channels known only from messages)."""
        return self._desc

    @property
    def clan(self) -> Clan | None:
        """The channel's clan from the client's cache (no I/O); None for DMs or unknown clans."""
        if not self._clan_id:
            return None
        return self._services.directory.clans.peek(self._clan_id)

    @property
    def messages(self) -> Cache[int, Message]:
        """Recent messages of this channel (the last 200 seen); ``fetch`` asks the server on a miss."""
        return self._messages

    # ------------------------------------------------------------------ sending

    async def send(
        self,
        content: str | Mapping[str, object] | Content,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
        mention_everyone: bool | None = None,
        anonymous_message: bool | None = None,
        topic_id: Id | None = None,
        code: int | None = None,
        *,
        ref: MessageRef | Iterable[MessageRef] | None = None,
        files: Iterable[FileInput] = (),
        progress: Progress | None = None,
    ) -> SendAck:
        """Send a message here; see :meth:`MezonClient.send_message` for the rules.

        ``files`` (paths, bytes or binary file objects) are uploaded first, streamed, and
        attached after ``attachments`` (with size, MIME type and image width/height);
        ``progress(sent, total)`` is called as bytes go out.  If an upload fails, nothing is
        posted.

        Cancellation: if cancelled after the frame was written, the message may still be posted.

        Raises:
            ContentError: invalid content or longer than 4000 UTF-16 units.
            Forbidden: the bot may not post here (not a member); NotFound: no such channel.
            RequestTimeout, ConnectionLost, ClientClosed: as for any socket request.
        """
        uploaded = (
            await self._services.features.uploads("send(files=...)").upload_all(files, progress=progress)
            if files
            else []
        )
        if uploaded:
            attachments = [*(attachments or ()), *uploaded]
        return await self._messaging.send_message(
            self._clan_id,
            self._id,
            self.mode,
            self.is_public,
            content,
            mentions,
            attachments,
            ref,
            mention_everyone=bool(mention_everyone),
            anonymous_message=bool(anonymous_message),
            topic_id=0 if topic_id is None else topic_id,
            code=code or 0,
        )

    async def update_message(
        self,
        message_id: Id,
        content: str | Mapping[str, object] | Content,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
        *,
        hide_editted: bool = False,
        topic_id: Id = 0,
    ) -> SendAck:
        """Edit one of the bot's messages here by id (API bridge, §5.4); ``ack.code`` is 1.

        Cancellation: if cancelled after the request was written, the edit may still happen.

        Raises:
            ContentError: invalid or too long content.
            NotFound: no such message; Forbidden: not the bot's message.
            RequestTimeout, ConnectionLost, ClientClosed: as for any socket request.
        """
        return await self._messaging.update_message(
            self._clan_id,
            self._id,
            self.mode,
            self.is_public,
            message_id,
            content,
            mentions,
            attachments,
            hide_editted=hide_editted,
            topic_id=topic_id,
        )

    async def delete_message(self, message_id: Id, *, topic_id: Id = 0) -> SendAck:
        """Delete a message here by id (API bridge, §5.5); ``ack.code`` is 2.

        Cancellation: if cancelled after the request was written, the deletion may still happen.

        Raises:
            NotFound: no such message; Forbidden: the bot may not delete it.
            RequestTimeout, ConnectionLost, ClientClosed: as for any socket request.
        """
        return await self._messaging.delete_message(
            self._clan_id, self._id, self.mode, self.is_public, message_id, topic_id=topic_id
        )

    async def send_ephemeral(
        self,
        receiver_ids: Id | Sequence[Id],
        content: str | Mapping[str, object] | Content,
        reference_message_id: Id | None = None,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
        mention_everyone: bool | None = None,
        anonymous_message: bool | None = None,
        topic_id: Id | None = None,
        code: int = TypeMessage.EPHEMERAL,
    ) -> SendAck:
        """Send a message only *receiver_ids* can see (§5.7).

        ``ack.message_id`` identifies the ephemeral message for :meth:`update_ephemeral` and
        :meth:`delete_ephemeral`.  With ``reference_message_id`` the message replies to
        that message (filled from the channel's cache when known).

        Cancellation: if cancelled after the frame was written, the receivers may still see it.

        Raises:
            ContentError, Forbidden, NotFound, RequestTimeout, ConnectionLost, ClientClosed:
                as for :meth:`send`.
        """
        ref: list[api.MessageRef] | None = None
        reference_message_id = as_optional_id(reference_message_id, "reference_message_id")
        if reference_message_id:
            cached = self._messages.peek(reference_message_id)
            if cached is not None:
                ref = [self._messaging.reference_for(cached)]
            else:
                ref = [ref_to_proto(MessageRef(message_ref_id=reference_message_id))]
        return await self._messaging.send_ephemeral(
            self._clan_id,
            self._id,
            self.mode,
            self.is_public,
            receiver_ids,
            content,
            mentions,
            attachments,
            ref,
            mention_everyone=bool(mention_everyone),
            anonymous_message=bool(anonymous_message),
            topic_id=0 if topic_id is None else topic_id,
            code=code,
        )

    async def update_ephemeral(
        self,
        message_id: Id,
        receiver_ids: Id | Sequence[Id],
        content: str | Mapping[str, object] | Content,
        mentions: Iterable[Mention] | None = None,
        attachments: Iterable[Attachment] | None = None,
    ) -> SendAck:
        """Replace the content of an ephemeral message (code 14, §5.7).

        Cancellation: if cancelled after the frame was written, the change may still happen.

        Raises:
            ContentError, Forbidden, NotFound, RequestTimeout, ConnectionLost, ClientClosed:
                as for :meth:`send`.
        """
        return await self._messaging.send_ephemeral(
            self._clan_id,
            self._id,
            self.mode,
            self.is_public,
            receiver_ids,
            content,
            mentions,
            attachments,
            code=TypeMessage.UPDATE_EPHEMERAL_MSG,
            message_id=message_id,
        )

    async def delete_ephemeral(self, message_id: int, receiver_ids: Id | Sequence[Id] = ()) -> SendAck:
        """Remove an ephemeral message for its receivers (code 15, §5.7).

        Cancellation: if cancelled after the frame was written, it may still be removed.

        Raises:
            Forbidden, NotFound, RequestTimeout, ConnectionLost, ClientClosed: as for :meth:`send`.
        """
        return await self._messaging.send_ephemeral(
            self._clan_id,
            self._id,
            self.mode,
            self.is_public,
            receiver_ids,
            {"t": "deleteEphemeral"},
            code=TypeMessage.DELETE_EPHEMERAL_MSG,
            message_id=message_id,
        )

    # ------------------------------------------------------------------ presence-ish

    async def typing(self) -> bool:
        """Show the bot as typing here; at most one event per 5 s (extra calls return False at once).

        A server that does not answer in time is tolerated (logged, docs/protocol.md §12 Q12).

        Cancellation: safe; the indicator may or may not have been sent.

        Raises:
            Forbidden, NotFound: the server refused; ConnectionLost, ClientClosed.
        """
        now = trio.current_time()
        last = self._last_typing
        if last is not None and now - last < TYPING_INTERVAL:
            return False
        self._last_typing = now
        await self._messaging.send_typing(self)
        return True

    async def mark_seen(self, message: Message | Id) -> None:
        """Mark *message* (and everything before it) as read by the bot (``last_seen_message_event``).

        A server that does not answer in time is tolerated (logged, §12 Q12).

        Cancellation: safe; the mark may or may not have been sent.

        Raises:
            Forbidden, NotFound: the server refused; ConnectionLost, ClientClosed.
        """
        await self._messaging.mark_seen(self, _message_id(message))

    async def pin(self, message: Message | Id) -> None:
        """Pin *message* in this channel (``last_pin_message_event``, operation 1).

        Cancellation: if cancelled after the frame was written, it may still be pinned.

        Raises:
            NotFound: no such message here; Forbidden; ConnectionLost, ClientClosed.
        """
        await self._messaging.pin(self, _message_id(message), pin=True)

    async def unpin(self, message: Message | Id) -> None:
        """Unpin *message* (operation 0).

        Cancellation: if cancelled after the frame was written, it may still be unpinned.

        Raises:
            NotFound: no such message here; Forbidden; ConnectionLost, ClientClosed.
        """
        await self._messaging.pin(self, _message_id(message), pin=False)

    # ------------------------------------------------------------------ history

    def history(
        self,
        *,
        limit: int | None = 100,
        before: Message | Id | None = None,
        after: Message | Id | None = None,
        topic_id: Id = 0,
    ) -> History:
        """The channel's stored messages, fetched lazily page by page (``ListChannelMessages``).

        ``async for message in channel.history(limit=50): ...``.  Without ``after``
        the messages come newest first (those before ``before``, if given); with
        ``after`` they come oldest first (stopping before ``before``, if given).
        ``limit=None`` reads everything.  Nothing is requested until iteration starts.

        Raises:
            ConfigurationError: ``limit`` is negative.
        """
        if limit is not None and limit < 0:
            raise InvalidArgument("history(limit=...) must be >= 0 or None")
        return History(
            self,
            limit=limit,
            before=None if before is None else _message_id(before),
            after=None if after is None else _message_id(after),
            topic_id=as_id(topic_id, "topic_id"),
        )

    async def _fetch_message(self, message_id: int) -> Message:
        return await self._messaging.fetch_message(self, message_id)

    async def message_fetcher(self, message_id: Id) -> Message:
        """Official-SDK name of ``channel.messages.fetch(message_id)``.

        Cancellation: safe (a read).

        Raises:
            NotFound: no such message in this channel.
        """
        return await self._messages.fetch(message_id)


@final
class History:
    """An async iterator over a channel's messages (see :meth:`TextChannel.history`).

    Each page is one ``ListChannelMessages`` call of at most 100 messages, made
    when the previous page is used up.  Iterate it once.

    Cancellation: a page request in flight is abandoned; iterating again
    repeats it.
    """

    __slots__ = ("_after", "_anchor", "_before", "_buffer", "_channel", "_done", "_remaining", "_topic_id")

    def __init__(
        self,
        channel: TextChannel,
        *,
        limit: int | None,
        before: int | None,
        after: int | None,
        topic_id: int,
    ) -> None:
        self._channel = channel
        self._remaining = limit
        self._before = before
        self._after = after
        self._topic_id = topic_id
        self._anchor = after if after is not None else (before or 0)
        self._buffer: deque[Message] = deque()
        self._done = limit == 0

    def __repr__(self) -> str:
        return f"<History channel={self._channel.id} remaining={self._remaining}>"

    def __aiter__(self) -> History:
        return self

    async def __anext__(self) -> Message:
        """The next message.

        Cancellation: safe; a page request in flight is abandoned and asked again next time.

        Raises:
            StopAsyncIteration: no more messages (or the limit is reached).
            NotFound: the channel does not exist or the bot cannot read it.
            RequestTimeout, TransportError, APIError: the page request failed.
        """
        while not self._buffer:
            if self._done:
                raise StopAsyncIteration
            await self._next_page()
        if self._remaining is not None:
            self._remaining -= 1
            if self._remaining <= 0:
                self._done = True
        return self._buffer.popleft()

    async def _next_page(self) -> None:
        size = _PAGE if self._remaining is None else max(1, min(_PAGE, self._remaining - len(self._buffer)))
        newer = self._after is not None
        channel = self._channel
        raws = await channel._messaging.list_messages(
            channel, anchor=self._anchor, limit=size, newer=newer, topic_id=self._topic_id
        )
        if len(raws) < size:
            self._done = True
        if not raws:
            return
        self._anchor = raws[-1].message_id
        services = channel._services
        for raw in raws:
            if newer and self._before is not None and raw.message_id >= self._before:
                self._done = True
                break
            self._buffer.append(new_message(raw, services=services))

    async def collect(self) -> list[Message]:
        """Read the rest into a list.

        Cancellation: the messages read so far are lost (iterate to keep them).

        Raises:
            As :meth:`__anext__`.
        """
        return [message async for message in self]
