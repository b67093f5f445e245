"""Typed events: conversion from the wire payloads, the code split, subscriber-side work, raw events."""

from __future__ import annotations

import json

import pytest
import trio
import trio.testing

from mezon_trio import MezonClient, raw
from mezon_trio._events.base import registered
from mezon_trio._models.message import new_message
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.enums import ChannelStreamMode, ChannelType, TypeMessage
from mezon_trio._streams import EventHub
from mezon_trio._waiting import Waiter
from mezon_trio.errors import ConfigurationError
from mezon_trio.events import (
    ButtonClicked,
    ChannelCreated,
    ChannelDeleted,
    ChannelUpdated,
    ClanEventCreated,
    Connected,
    DropdownSelected,
    Events,
    FormSubmitted,
    HandlerError,
    MessageCreated,
    MessageDeleted,
    MessageEdited,
    Notification,
    QuickMenuAction,
    ReactionAdded,
    ReactionRemoved,
    RoleAssigned,
    RoleChanged,
    SessionRefreshed,
    TokensReceived,
    UserAddedToChannel,
    UserAddedToClan,
    UserRemovedFromChannel,
    UserRemovedFromClan,
    VoiceEnded,
    VoiceJoined,
    VoiceLeft,
    VoiceStarted,
)
from mezon_trio.models import Message
from mezon_trio.testing import open_sandbox
from mezon_trio.testing import raw as sandbox_raw

from ..client._helpers import client_kwargs

CM = Events.CHANNEL_MESSAGE.value


def msg(code: int, message_id: int = 1, text: str = "hi") -> Message:
    return new_message(
        api.ChannelMessage(message_id=message_id, channel_id=7, code=code, content=json.dumps({"t": text}))
    )


async def test_chat_messages_split_by_code() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        async with (
            hub.stream(MessageCreated) as created,
            hub.stream(MessageEdited) as edited,
            hub.stream(MessageDeleted) as deleted,
            hub.subscribe(MessageEdited, MessageDeleted) as changes,
        ):
            codes = [0, 1, 2, 8, 12, 14, 15, 18]
            for i, code in enumerate(codes):
                hub.publish(CM, msg(code, message_id=i))
            hub.close()
            new = [ev.message.code async for ev in created]
            assert new == [
                TypeMessage.CHAT,
                TypeMessage.MESSAGE_BUZZ,
                TypeMessage.EPHEMERAL,
                TypeMessage.POLL,
            ]
            assert [ev.message.code async for ev in edited] == [1, 14]
            dels = [ev async for ev in deleted]
            assert [(d.message_id, d.channel_id) for d in dels] == [(2, 7), (6, 7)]
            kinds = [type(ev) async for ev in changes]
            assert kinds == [MessageEdited, MessageDeleted, MessageEdited, MessageDeleted]
            assert all(not ev.caught_up for ev in dels)


async def test_conversion_and_filter_run_in_the_subscriber_task() -> None:
    hub = EventHub()
    tasks: list[trio.lowlevel.Task] = []

    def keep(ev: MessageCreated) -> bool:
        tasks.append(trio.lowlevel.current_task())
        return ev.message.text != "skip"

    with trio.fail_after(5):
        async with hub.stream(MessageCreated, filter=keep) as sub:

            async def reader() -> None:  # stands for the client's reader task
                for text in ("skip", "keep"):
                    hub.publish(CM, msg(0, text=text))
                assert tasks == []  # nothing of the subscriber's ran here

            async with trio.open_nursery() as nursery:
                nursery.start_soon(reader)
            got = await sub.receive()
            assert got.message.text == "keep"
            assert tasks == [trio.lowlevel.current_task()] * 2


async def test_reactions_buttons_forms_dropdowns() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        async with (
            hub.subscribe(ReactionAdded, ReactionRemoved) as reactions,
            hub.stream(ButtonClicked) as clicks,
            hub.stream(FormSubmitted) as forms,
            hub.stream(DropdownSelected) as selects,
        ):
            react = api.MessageReaction(message_id=3, channel_id=4, emoji="👍", sender_id=9, mode=4)
            hub.publish(Events.MESSAGE_REACTION.value, react)
            hub.publish(
                Events.MESSAGE_REACTION.value, api.MessageReaction(message_id=3, emoji="👍", action=True)
            )
            plain = rt.MessageButtonClicked(
                message_id=5, channel_id=6, button_id="ok", user_id=9, extra_data="{}"
            )
            form = rt.MessageButtonClicked(
                button_id="submit", user_id=9, extra_data='{"name": "Ann", "age": 3}'
            )
            for click in (plain, form):
                hub.publish(Events.MESSAGE_BUTTON_CLICKED.value, click)
            hub.publish(
                Events.DROPDOWN_BOX_SELECTED.value,
                rt.DropdownBoxSelected(selectbox_id="color", values=["red", "blue"], user_id=9, message_id=5),
            )
            hub.close()
            added, removed = [ev async for ev in reactions]
            assert isinstance(added, ReactionAdded)
            assert (added.message_id, added.channel_id, added.user_id, added.emoji) == (3, 4, 9, "👍")
            assert added.reaction.mode is ChannelStreamMode.STREAM_MODE_DM
            assert isinstance(removed, ReactionRemoved)
            assert removed.reaction.removed
            first, second = [ev async for ev in clicks]
            assert type(first) is ButtonClicked
            assert (first.button_id, first.message_id, first.channel_id, first.user_id) == ("ok", 5, 6, 9)
            assert isinstance(second, FormSubmitted)  # a form click is still a click
            assert dict(second.values) == {"name": "Ann", "age": 3}
            assert [f.button_id async for f in forms] == ["submit"]
            (select,) = [ev async for ev in selects]
            assert select.values == ("red", "blue")


def _convert(cls: type, kind: str, payload: object) -> object:
    return registered()[cls].convert(kind, payload)


def test_directory_and_voice_converters() -> None:
    created = _convert(
        ChannelCreated,
        "channel_created_event",
        rt.ChannelCreatedEvent(
            channel_id=11, clan_id=2, channel_label="general", channel_type=7, channel_private=1
        ),
    )
    assert isinstance(created, ChannelCreated)
    assert created.channel.type is ChannelType.CHANNEL_TYPE_THREAD
    assert created.channel.mode is ChannelStreamMode.STREAM_MODE_THREAD
    assert (created.channel.label, created.channel.private) == ("general", True)
    updated = _convert(
        ChannelUpdated, "channel_updated_event", rt.ChannelUpdatedEvent(channel_id=11, status=1)
    )
    assert isinstance(updated, ChannelUpdated)
    assert updated.status == 1
    deleted = _convert(
        ChannelDeleted, "channel_deleted_event", rt.ChannelDeletedEvent(channel_id=11, deletor="42")
    )
    assert deleted == ChannelDeleted(channel_id=11, deleted_by=42)
    added = _convert(
        UserAddedToChannel,
        "user_channel_added_event",
        rt.UserChannelAdded(
            channel_desc=api.ChannelDescription(channel_id=11, clan_id=2, type=3),
            users=[rt.UserProfileRedis(user_id=5, username="bob", app_token="secret")],
            caller=rt.UserProfileRedis(user_id=6),
        ),
    )
    assert isinstance(added, UserAddedToChannel)
    assert added.user_ids == (5,)
    assert added.channel.is_dm
    assert added.clan_id == 2
    assert added.added_by is not None
    assert added.added_by.user_id == 6
    assert "secret" not in repr(added)  # tokens of the pushed profile are not carried
    removed = _convert(
        UserRemovedFromChannel,
        "user_channel_removed_event",
        rt.UserChannelRemoved(channel_id=1, user_ids=[5, 6]),
    )
    assert removed == UserRemovedFromChannel(channel_id=1, user_ids=(5, 6))
    clan_add = _convert(
        UserAddedToClan,
        "add_clan_user_event",
        rt.AddClanUserEvent(clan_id=2, user=rt.UserProfileRedis(user_id=5)),
    )
    assert isinstance(clan_add, UserAddedToClan)
    assert clan_add.user.user_id == 5
    clan_rm = _convert(
        UserRemovedFromClan, "user_clan_removed_event", rt.UserClanRemoved(clan_id=2, user_ids=[5])
    )
    assert clan_rm == UserRemovedFromClan(clan_id=2, user_ids=(5,))
    role = _convert(
        RoleChanged, "role_event", rt.RoleEvent(role=api.Role(id=3, title="mod"), user_add_ids=[1])
    )
    assert isinstance(role, RoleChanged)
    assert (role.role.title, role.added_user_ids) == ("mod", (1,))
    assigned = _convert(RoleAssigned, "role_assign_event", rt.RoleAssignedEvent(clan_id="2", role_id=3))
    assert assigned == RoleAssigned(clan_id=2, role_id=3)
    event = _convert(
        ClanEventCreated, "clan_event_created", api.CreateEventRequest(event_id=8, clan_id=2, title="x")
    )
    assert isinstance(event, ClanEventCreated)
    assert event.title == "x"
    tokens = _convert(
        TokensReceived, "token_sent_event", api.TokenSentEvent(sender_id=1, receiver_id=2, amount=5)
    )
    assert tokens == TokensReceived(sender_id=1, receiver_id=2, amount=5)
    menu = _convert(
        QuickMenuAction,
        "quick_menu_event",
        rt.QuickMenuDataEvent(
            menu_name="m", sender_id=4, message=rt.ChannelMessageSend(channel_id=7, mode=2)
        ),
    )
    assert isinstance(menu, QuickMenuAction)
    assert (menu.menu_name, menu.user_id, menu.channel_id) == (
        "m",
        4,
        7,
    )
    assert _convert(
        VoiceStarted, "voice_started_event", rt.VoiceStartedEvent(id="r", voice_channel_id=3)
    ) == (VoiceStarted(id="r", clan_id=0, channel_id=3))
    assert _convert(VoiceEnded, "voice_ended_event", rt.VoiceEndedEvent(id=9, voice_channel_id="3")) == (
        VoiceEnded(id="9", clan_id=0, channel_id=3)
    )
    joined = _convert(
        VoiceJoined, "voice_joined_event", rt.VoiceJoinedEvent(id="r", user_id=5, voice_channel_id=3)
    )
    assert isinstance(joined, VoiceJoined)
    assert joined.user_id == 5
    left = _convert(
        VoiceLeft, "voice_leaved_event", rt.VoiceLeavedEvent(id="r", voice_user_id=5, voice_channel_id=3)
    )
    assert left == VoiceLeft(id="r", clan_id=0, channel_id=3, user_id=5)
    session = _convert(
        SessionRefreshed, "refresh_session_event", api.Session(token="tok", refresh_token="rt", user_id=5)
    )
    assert session == SessionRefreshed(user_id=5)
    assert "tok" not in repr(session)
    # Another payload class than the converter's: not this event.
    assert _convert(ButtonClicked, "message_button_clicked", rt.DropdownBoxSelected()) is None


async def test_one_push_with_several_notifications_gives_several_events() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        async with hub.stream(Notification) as sub:
            push = rt.Notifications(
                notifications=[
                    api.Notification(id=1, code=-2, content=b'{"x":1}'),
                    api.Notification(id=2, code=3),
                ]
            )
            hub.publish(Events.NOTIFICATIONS.value, push)
            first, second = await sub.receive(), sub.receive_nowait()
            assert (first.id, first.is_friend_request, first.content) == (1, True, '{"x":1}')
            assert (second.id, second.is_friend_request) == (2, False)


async def test_raw_events_and_selectors() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        typing_sel = raw.of(rt.MessageTypingEvent)
        async with (
            hub.stream(typing_sel) as typing,
            hub.stream(raw.of_kind("status_presence_event")) as status,
        ):
            assert typing.kinds == ("message_typing_event",)
            hub.publish("message_typing_event", rt.MessageTypingEvent(sender_id=4))
            hub.publish("status_presence_event", rt.StatusPresenceEvent())
            ev = await typing.receive()
            assert (ev.kind, ev.payload.sender_id) == ("message_typing_event", 4)
            assert isinstance((await status.receive()).payload, rt.StatusPresenceEvent)
    with pytest.raises(ConfigurationError, match="no Envelope variant"):
        raw.of(rt.Envelope)
    with pytest.raises(ConfigurationError, match="not an Envelope variant"):
        raw.of_kind("nope")
    with pytest.raises(ConfigurationError, match="cannot be mixed"):
        hub.subscribe(MessageCreated, "channel_message")  # type: ignore[call-overload]
    with pytest.raises(ConfigurationError, match="typed event class"):
        hub.stream(raw.RawEvent)  # raw events need a selector


async def test_typed_handlers_decorator_and_handler_error() -> None:
    hub = EventHub()
    seen: list[str] = []
    with trio.fail_after(5):

        @hub.on(MessageCreated)
        async def greet(event: MessageCreated) -> None:
            if event.message.text == "boom":
                raise ValueError("boom")
            seen.append(event.message.text)

        async with hub.stream(HandlerError) as errors, trio.open_nursery() as nursery:
            await nursery.start(hub.run_handlers)
            hub.publish(CM, msg(1, text="an edit"))  # not a MessageCreated: skipped
            hub.publish(CM, msg(0, text="boom"))
            hub.publish(CM, msg(0, text="hello"))
            report = await errors.receive()
            await trio.testing.wait_all_tasks_blocked()
            assert isinstance(report.event, MessageCreated)
            assert report.event.message.text == "boom"
            assert report.handler is greet
            assert isinstance(report.error, ValueError)
            assert report.kind == "MessageCreated"
            hub.off(MessageCreated, greet)
            hub.publish(CM, msg(0, text="after off"))
            await trio.testing.wait_all_tasks_blocked()
            nursery.cancel_scope.cancel()
    assert seen == ["hello"]
    with pytest.raises(ConfigurationError, match="needs a typed event"):
        hub.on(CM)  # type: ignore[call-overload]


async def test_lifecycle_events_are_typed_too() -> None:
    hub = EventHub()
    with trio.fail_after(5):
        async with hub.stream(Connected) as sub:
            hub.publish(Events.CONNECTED.value, Connected(attempt=0))
            assert await sub.receive() == Connected(attempt=0)
        assert await hub_wait(hub) == Connected(attempt=2)


async def hub_wait(hub: EventHub) -> Connected:
    async with trio.open_nursery() as nursery:
        nursery.start_soon(_later, hub)
        async with Waiter(hub, Connected, lambda c: c.attempt > 1, 16) as waiter:
            return await waiter.wait(timeout=5)


async def _later(hub: EventHub) -> None:
    await trio.testing.wait_all_tasks_blocked()
    hub.publish(Events.CONNECTED.value, Connected(attempt=1))
    hub.publish(Events.CONNECTED.value, Connected(attempt=2))


async def test_typed_events_over_the_sandbox() -> None:
    """End to end: pushes over a real socket become typed events (client.stream passes typed keys on)."""
    with trio.fail_after(30):
        async with (
            open_sandbox() as sb,
            MezonClient(**client_kwargs(sb)) as client,
            client.stream(MessageCreated) as created,
            client.expect(ReactionAdded) as reactions,
        ):
            posted = await sb.post_message(sb.human.id, sb.channel_id, "typed hello")
            event = await created.receive()
            assert isinstance(event, MessageCreated)
            assert (event.message.id, event.message.text) == (posted.message_id, "typed hello")
            await sb.react(sb.human.id, posted.message_id, "🎉")
            reaction = await reactions.wait(timeout=10)
            assert (reaction.message_id, reaction.emoji, reaction.user_id) == (
                posted.message_id,
                "🎉",
                sb.human.id,
            )
            edit = api.ChannelMessage(
                message_id=posted.message_id,
                channel_id=sb.channel_id,
                clan_id=posted.clan_id,
                sender_id=sb.human.id,
                code=TypeMessage.CHAT_UPDATE,
                content='{"t":"edited"}',
            )
            async with client.expect(MessageEdited) as edits:
                await sandbox_raw.push(sb, rt.Envelope(channel_message=edit), to=sb.bot.id)
                edited = await edits.wait(timeout=10)
            assert edited.message.text == "edited"
            # The edit never reached the MessageCreated stream.
            with pytest.raises(trio.WouldBlock):
                created.receive_nowait()


def test_message_payload_is_the_wrapped_generated_message() -> None:
    wire = api.ChannelMessage(message_id=3, referenced_message=b"\x01")
    assert raw.message_payload(new_message(wire)) is wire
