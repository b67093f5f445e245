"""The optional features through the client itself: channel.send(files=...), client.polls,
client.play_media, and the agent event stream delivered as client events (agent_event_url)."""

from __future__ import annotations

import pytest
import trio

from mezon_trio import Events, MezonClient
from mezon_trio._models.agent_events import SessionStarted
from mezon_trio.errors import ClientNotRunning
from mezon_trio.testing import open_sandbox

from ..api._helpers import bot, client_kwargs, received
from .test_uploads import png


async def test_send_with_files_uploads_then_posts_once() -> None:
    with trio.fail_after(30):
        async with bot() as (sb, client):
            channel = await client.channels.fetch(sb.channel_id)
            seen: list[tuple[int, int]] = []
            ack = await channel.send(
                "the chart", files=[png(32, 16)], progress=lambda s, t: seen.append((s, t))
            )
            assert ack.message_id
            [sent] = received(sb, "channel_message_send")
            [att] = sent.payload.attachments
            assert (att.width, att.height, att.filetype) == (32, 16, "image/png")
            assert att.url.startswith(sb.http_url + "/uploads/")
            assert seen[0][0] == 0
            assert seen[-1][0] == seen[-1][1] == att.size


async def test_polls_and_play_media_through_the_client() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            kwargs = client_kwargs(sb, media_url=sb.http_url + "/api/playmedia")
            async with MezonClient(**kwargs) as client:
                poll = await client.polls.create(sb.channel_id, "Lunch?", ["pho", "banh mi"])
                assert [a.label for a in poll.answers] == ["pho", "banh mi"]
                playback = await client.play_media(
                    str(sb.channel_ids["lounge"]), "https://x.example/a.mp3", "A"
                )
                assert playback.url == "https://x.example/a.mp3"
                assert [p.url for p in sb.features.media_plays] == ["https://x.example/a.mp3"]


async def test_agent_events_arrive_as_client_events() -> None:
    with trio.fail_after(30):
        async with (
            open_sandbox() as sb,
            MezonClient(**client_kwargs(sb, agent_event_url=sb.http_url)) as client,
        ):
            await sb.wait_agent_streams(1)
            async with client.expect(Events.AGENT_SESSION_STARTED) as waiter:
                sb.emit_agent_event("room_started", room_id="r1", room_name="Standup")
                event = await waiter.wait()
            assert isinstance(event, SessionStarted)
            assert event.room_name == "Standup"


def test_uploads_need_a_running_client() -> None:
    client = MezonClient(1, "k")
    with pytest.raises(ClientNotRunning, match="uploads"):
        client.uploads  # noqa: B018
