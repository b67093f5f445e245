"""Media and polls bot: polls, an uploaded chart, music in a voice room, AI-agent session news.

    MEZON_CLIENT_ID=... MEZON_API_KEY=... MEZON_AGENT_EVENT_URL=... python examples/media_and_polls_bot.py
    python examples/media_and_polls_bot.py --sandbox                      # offline demo

Commands (in any channel the bot is in):

* ``!poll Question? | answer 1 | answer 2 ...``: post a poll; ``!results`` and ``!close`` act
  on the last one. Votes arrive as poll events (edits of the poll message).
* ``!chart``: draw a small PNG in memory, upload it (progress logged) and post it.
* ``!play <voice channel id> <url>``: play the media at *url* in that voice room.

AI-agent events (``MEZON_AGENT_EVENT_URL``): when a voice-room AI session starts or ends, or
its summary is ready, the bot says so in the channel of the last command.

Shows the feature services: ``Uploads``, ``Polls`` (+ ``poll_event``), ``Media`` and
``AgentEvents``, each built from the running client.
"""

from __future__ import annotations

import logging
import os
import struct
import sys
import zlib
from functools import partial

import httpx
import trio
from _common import SANDBOX_TIMEOUT, Chat, main

from mezon_trio import MezonClient, raw
from mezon_trio._services.agent_events import AgentEvent, AgentEvents
from mezon_trio._services.media import DEFAULT_MEDIA_URL, Media
from mezon_trio._services.polls import Poll, poll_event
from mezon_trio._services.uploads import UploadFile
from mezon_trio.bot import ignore_self
from mezon_trio.errors import MezonError
from mezon_trio.events import MessageCreated, MessageEdited
from mezon_trio.models import Message

log = logging.getLogger("media_and_polls_bot")


def bar_chart_png(values: list[int], *, width: int = 64, height: int = 32) -> bytes:
    """A tiny grey-scale PNG bar chart (no image library needed)."""
    top = max(values or [1]) or 1
    bar = max(1, width // max(1, len(values)))
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            i = x // bar
            filled = i < len(values) and (height - y) <= values[i] * height // top
            row.append(40 if filled else 235)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def poll_text(poll: Poll) -> str:
    lines = [f"📊 {poll.question}" + (" (closed)" if poll.is_closed else "")]
    lines += [f"  {a.label}: {c}" for a, c in zip(poll.answers, poll.counts, strict=False)]
    return "\n".join(lines)


async def run_bot(
    client: MezonClient,
    *,
    agent_event_url: str | None = None,
    api_key: str | None = None,
    media_url: str = DEFAULT_MEDIA_URL,
    task_status: trio.TaskStatus[None] = trio.TASK_STATUS_IGNORED,
) -> None:
    """Serve the commands until cancelled."""
    agent_event_url = agent_event_url or os.environ.get("MEZON_AGENT_EVENT_URL")
    api_key = api_key or os.environ.get("MEZON_API_KEY", "")
    last_poll: Poll | None = None
    last_message: Message | None = None

    async with httpx.AsyncClient(timeout=30) as http, trio.open_nursery() as nursery:
        uploads = client.uploads
        polls = client.polls
        media = Media(
            client.raw,
            http=http,
            token=lambda: client.session.token,
            participant_identity=str(client.user_id),
            participant_name="media bot",
            media_url=media_url,
        )

        async def report_agent_event(event: AgentEvent) -> None:
            what = {
                "session_started": "started",
                "session_ended": "ended",
                "room_summary_done": "summary is ready",
            }
            text = f"🤖 AI session in {event.room_name or event.room_id}: {what.get(event.name, event.name)}"
            if last_message is not None:
                await last_message.reply(text)
            else:
                log.info("%s", text)

        if agent_event_url:
            agent = AgentEvents(agent_event_url, client.client_id, api_key, http=http)
            await nursery.start(agent.run)

            async def forward_agent_events() -> None:
                async for event in agent:
                    try:
                        await report_agent_event(event)
                    except MezonError as exc:
                        log.warning("could not report %s: %s", event.name, exc)

            nursery.start_soon(forward_agent_events)

        async def handle(message: Message) -> None:
            nonlocal last_poll, last_message
            text = message.text.strip()
            last_message = message
            if text.startswith("!poll "):
                question, *answers = (part.strip() for part in text[len("!poll ") :].split("|"))
                last_poll = await polls.create(message.channel_id, question, answers, clan_id=message.clan_id)
            elif text == "!results" and last_poll is not None:
                await message.reply(poll_text(await polls.get(last_poll)))
            elif text == "!close" and last_poll is not None:
                await polls.close(last_poll)
                await message.reply(poll_text(await polls.get(last_poll)))
            elif text == "!chart":
                counts = list((await polls.get(last_poll)).counts) if last_poll else [3, 5, 2, 7]
                png = bar_chart_png(counts)

                def progress(sent: int, total: int) -> None:
                    log.info("chart upload: %d/%d bytes", sent, total)

                [chart] = await uploads.upload_all([UploadFile(png, filename="chart.png")], progress=progress)
                await message.reply(f"here is the chart ({chart.width}x{chart.height})", attachments=[chart])
            elif text.startswith("!play "):
                _, channel, url = text.split(maxsplit=2)
                playback = await media.play_media(int(channel), url, url.rsplit("/", 1)[-1])
                await message.reply(f"▶ playing {playback.name} in room {playback.room_name}")

        # New messages (commands, new polls) and edits (a poll's tally changes by an edit).
        async with client.subscribe(
            MessageCreated, MessageEdited, filter=ignore_self(client), overflow="drop_oldest"
        ) as messages:
            task_status.started()
            async for change in messages:
                message = change.message
                event = poll_event(raw.message_payload(message))
                if event is not None:
                    if event.kind == "updated":
                        log.info("poll %d: %s", event.poll.poll_id, event.poll.counts)
                    continue
                if isinstance(change, MessageEdited):
                    continue
                try:
                    await handle(message)
                except (MezonError, ValueError) as exc:  # one failed command must not stop the bot
                    log.warning("command %r failed: %s", message.text, exc)
                    await message.reply(f"sorry: {exc}")


async def script(chat: Chat) -> None:
    """The --sandbox conversation."""
    sb = chat.sb
    await chat.say("alice", "!poll Lunch? | pizza | sushi | salad")
    [created] = await sb.wait_for(lambda r: r.kind == "CreatePoll")
    poll_id = max(sb.features.polls)  # the poll just created
    chat.line("bot", f"*posts a poll* {created.payload.question} ({' / '.join(created.payload.answers)})")
    for user, answer in (("alice", 1), ("bob", 1)):
        chat.line(user, f"*votes {created.payload.answers[answer]}*")
        await sb.vote_poll(sb.user(user).id, poll_id, answer)
    await chat.say("alice", "!results")
    await chat.bot_answers()
    await chat.say("alice", "!chart")
    await chat.bot_answers()
    [stored] = sb.features.uploads.stored()
    chat.line("sandbox", f"stored {stored.filename} ({stored.filetype}, {stored.size} bytes)")
    await sb.wait_agent_streams(1)
    sb.emit_agent_event("room_started", room_id="r-1", room_name="lounge")
    await chat.bot_answers()
    lounge = sb.channel_ids["lounge"]
    await chat.say("alice", f"!play {lounge} https://cdn.example.org/music/theme.mp3")
    await chat.bot_answers()
    [play] = sb.features.media_plays
    chat.line("sandbox", f"playing {play.url} in room {play.room_name}")
    await chat.say("alice", "!close")
    await chat.bot_answers()


async def sandbox_main() -> None:
    """``--sandbox``: the sandbox also serves the agent event stream and the media endpoint."""
    from mezon_trio.testing import open_sandbox

    with trio.fail_after(SANDBOX_TIMEOUT):
        async with (
            open_sandbox() as sb,
            MezonClient(**sb.client_kwargs()) as client,
            trio.open_nursery() as nursery,
        ):
            bot = partial(
                run_bot,
                client,
                agent_event_url=sb.http_url,
                api_key=sb.bot.api_key,
                media_url=sb.http_url + "/api/playmedia",
            )
            await nursery.start(bot)
            await script(Chat(sb, client, sys.stdout))
            nursery.cancel_scope.cancel()


if __name__ == "__main__":
    if "--sandbox" in sys.argv[1:]:
        trio.run(sandbox_main)
    else:
        main(run_bot, script, __doc__ or "")
