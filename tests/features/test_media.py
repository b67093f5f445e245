"""Voice media playback: the absolute playmedia URL used as given, the room looked up, the sandbox
records and answers it."""

from __future__ import annotations

import httpx
import pytest
import trio

from mezon_trio._services.media import DEFAULT_MEDIA_URL, Media, MediaPlayback
from mezon_trio.errors import AuthenticationError, ConfigurationError, ContentError, NotFound

from ..api._helpers import bot, received

SONG = "https://cdn.example.org/music/song.mp3"


async def test_play_media_in_a_voice_channel() -> None:
    with trio.fail_after(20):
        requests: list[httpx.Request] = []

        async def hook(request: httpx.Request) -> None:
            requests.append(request)

        async with bot() as (sb, client), httpx.AsyncClient(event_hooks={"request": [hook]}) as http:
            media_url = sb.http_url + "/api/playmedia"
            media = Media(
                client.raw,
                http=http,
                token=lambda: client.session.token,
                participant_identity=str(sb.bot.id),
                participant_name=sb.bot.username,
                media_url=media_url,
            )
            voice_id = sb.channel_ids["lounge"]
            playback = await media.play_media(voice_id, SONG, "Song")
            assert playback == MediaPlayback(str(voice_id), SONG, "Song", str(sb.bot.id), sb.bot.username)
            # exactly the configured absolute URL, nothing prefixed (official SDK bug)
            assert [str(r.url) for r in requests] == [media_url]
            assert requests[0].headers["authorization"] == f"Bearer {client.session.token}"
            [play] = sb.features.media_plays
            assert (play.user_id, play.channel_id, play.room_name, play.url, play.name) == (
                sb.bot.id,
                voice_id,
                str(voice_id),
                SONG,
                "Song",
            )
            assert len(received(sb, "ListChannelDetail")) == 1
            # a meeting code given directly needs no lookup; participant overrides are sent
            await media.play_media(str(voice_id), SONG, "Again", participant_name="DJ")
            assert sb.features.media_plays[-1].participant_name == "DJ"
            assert len(received(sb, "ListChannelDetail")) == 1


async def test_play_media_errors() -> None:
    with trio.fail_after(20):
        async with bot() as (sb, client), httpx.AsyncClient() as http:

            def make(token: str | None = None) -> Media:
                return Media(
                    client.raw,
                    http=http,
                    token=(lambda: token) if token else (lambda: client.session.token),
                    participant_identity="1",
                    participant_name="bot",
                    media_url=sb.http_url + "/api/playmedia",
                )

            with pytest.raises(NotFound, match="no voice room"):
                await make().play_media(sb.channel_id, SONG, "x")  # a text channel
            with pytest.raises(NotFound):
                await make().play_media("no-such-room", SONG, "x")
            with pytest.raises(ContentError):
                await make().play_media("1", "/relative.mp3", "x")
            with pytest.raises(ContentError):
                await make().play_media("1", SONG, "")
            with pytest.raises(AuthenticationError):
                await make("not-a-token").play_media(str(sb.channel_ids["lounge"]), SONG, "x")
            assert sb.features.media_plays == []
            with pytest.raises(ConfigurationError):
                Media(
                    client.raw,
                    http=http,
                    token=str,
                    participant_identity="1",
                    participant_name="b",
                    media_url="/api",
                )
    assert DEFAULT_MEDIA_URL == "https://stn.mezon.ai/api/playmedia"
