"""A bot process for the kill -9 test: ``python _bot_process.py HOST PORT BOT_ID API_KEY DB [MODE]``.

MODE ``engine`` (default) drives a :class:`CatchUp` itself; ``client`` uses the client's own
catch-up (``MezonClient(cursor_store=SQLiteCursorStore(DB))`` and ``channel_messages()``).

Prints ``ready`` once connected, then one line ``<channel> <message> <caught_up>`` per
message the catch-up engine delivers (flushed at once), until killed.
"""

from __future__ import annotations

import sys

import trio

from mezon_trio import Events, MezonClient, ReconnectPolicy
from mezon_trio._catchup import CatchUp, CatchUpConfig, SQLiteCursorStore
from mezon_trio._proto.mezon import api
from mezon_trio.raw import message_payload


async def main(host: str, port: str, bot_id: str, api_key: str, db: str, mode: str = "engine") -> None:
    if mode == "client":
        await client_main(host, port, bot_id, api_key, db)
        return
    client = MezonClient(
        bot_id,
        api_key,
        host=host,
        port=port,
        use_ssl=False,
        api_rate_limit=10_000.0,
        api_burst=10_000,
        reconnect=ReconnectPolicy(initial_delay=0.02, max_delay=0.1),
        catch_up=False,  # this script drives its own CatchUp
    )
    out = sys.stdout

    def deliver(message: api.ChannelMessage, caught_up: bool) -> None:
        out.write(f"{message.channel_id} {message.message_id} {int(caught_up)}\n")
        out.flush()

    engine = CatchUp(
        client.raw, deliver, store=SQLiteCursorStore(db), config=CatchUpConfig(flush_interval=0.1)
    )
    await engine.load()
    # Subscribed before connecting: nothing pushed after the first connect is missed.
    sub = client.subscribe(Events.CHANNEL_MESSAGE, Events.DISCONNECTED, Events.RECONNECTED, buffer=1_000_000)
    async with client, sub, trio.open_nursery() as nursery:
        await nursery.start(engine.run)
        await engine.catch_up()
        out.write("ready\n")
        out.flush()
        async for event in sub:
            if event.kind is Events.CHANNEL_MESSAGE:
                engine.push(message_payload(event.payload))
            elif event.kind is Events.DISCONNECTED:
                engine.disconnected()
            else:
                nursery.start_soon(engine.catch_up)


async def client_main(host: str, port: str, bot_id: str, api_key: str, db: str) -> None:
    client = MezonClient(
        bot_id,
        api_key,
        host=host,
        port=port,
        use_ssl=False,
        api_rate_limit=10_000.0,
        api_burst=10_000,
        reconnect=ReconnectPolicy(initial_delay=0.02, max_delay=0.1),
        cursor_store=SQLiteCursorStore(db),
        catch_up=CatchUpConfig(flush_interval=0.1),
    )
    out = sys.stdout
    async with client:
        messages = client.channel_messages()  # the stored channels catch up once someone listens
        out.write("ready\n")
        out.flush()
        async for message in messages:
            out.write(f"{message.channel_id} {message.id} {int(message.caught_up)}\n")
            out.flush()


if __name__ == "__main__":
    trio.run(main, *sys.argv[1:7])
