"""Catch-up wired into MezonClient: the public streams and handlers get what was missed."""

from __future__ import annotations

import collections
import os
import resource
from pathlib import Path

import pytest
import trio

from mezon_trio import Events, MezonClient, ReconnectPolicy
from mezon_trio._catchup import CatchUpConfig, SQLiteCursorStore
from mezon_trio.errors import ConfigurationError
from mezon_trio.models import Message
from mezon_trio.testing import Sandbox, open_sandbox

from ._harness import client_kwargs as _engine_kwargs

_FAST = ReconnectPolicy(initial_delay=0.02, max_delay=0.1)


def client_kwargs(sb: Sandbox, **overrides: object) -> dict[str, object]:
    """Without client-side rate limits; the client's catch-up on (its default)."""
    return _engine_kwargs(sb, catch_up=True, **overrides)


_LONG = pytest.mark.skipif(os.environ.get("MEZON_STRESS") != "1", reason="long variant: nox -s stress")


async def _post(sb: Sandbox, channel: int, n: int, prefix: str) -> list[int]:
    return [(await sb.post_message(sb.human.id, channel, f"{prefix}{i}")).message_id for i in range(n)]


async def test_channel_messages_get_what_was_posted_while_offline_marked_caught_up() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            general, rand = sb.channel_id, sb.channel_ids["random"]
            got: dict[int, list[tuple[int, bool]]] = collections.defaultdict(list)
            async with MezonClient(**client_kwargs(sb, reconnect=_FAST)) as client:
                messages = client.channel_messages()
                live = {c: await _post(sb, c, 2, "live") for c in (general, rand)}
                for _ in range(4):
                    m = await messages.__anext__()
                    got[m.channel_id].append((m.id, m.caught_up))
                with sb.offline(sb.bot.id):
                    await sb.wait_disconnected(sb.bot.id)
                    missed = {c: await _post(sb, c, 30, "away") for c in (general, rand)}
                await sb.wait_connected(sb.bot.id)
                await client.wait_ready()
                after = {c: await _post(sb, c, 2, "after") for c in (general, rand)}
                for _ in range(64):
                    m = await messages.__anext__()
                    got[m.channel_id].append((m.id, m.caught_up))
                stats = client.statistics().catch_up
            assert stats is not None
            for c in (general, rand):
                assert got[c] == (
                    [(i, False) for i in live[c]]
                    + [(i, True) for i in missed[c]]
                    + [(i, False) for i in after[c]]
                )
            assert stats.caught_up == 60
            assert stats.gaps == 0


async def test_handlers_get_what_was_posted_while_offline() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            seen: list[Message] = []
            done = trio.Event()

            async def handler(message: Message) -> None:
                seen.append(message)
                if len(seen) == 11:
                    done.set()

            client = MezonClient(**client_kwargs(sb, reconnect=_FAST))
            client.on(Events.CHANNEL_MESSAGE, handler)
            async with client:
                first = await _post(sb, sb.channel_id, 1, "first")
                with sb.offline(sb.bot.id):
                    await sb.wait_disconnected(sb.bot.id)
                    missed = await _post(sb, sb.channel_id, 10, "m")
                await done.wait()
            assert [m.id for m in seen] == first + missed
            assert [m.caught_up for m in seen] == [False] + [True] * 10


@pytest.mark.parametrize(
    "n", [pytest.param(2_000, id="ci"), pytest.param(10_000, id="long", marks=[pytest.mark.slow, _LONG])]
)
async def test_burst_into_a_slow_channel_messages_loop_never_stops_the_bot(n: int) -> None:
    """The README's headline loop with its defaults, a handler that sleeps, a burst of *n*."""
    with trio.fail_after(60 if n <= 2_000 else 600):
        async with open_sandbox() as sb:
            sb.recording = False
            channels = [sb.channel_id, sb.channel_ids["random"]]
            posted: dict[int, list[int]] = collections.defaultdict(list)
            got: dict[int, list[int]] = collections.defaultdict(list)
            caught_up = 0
            async with MezonClient(**client_kwargs(sb)) as client, trio.open_nursery() as nursery:

                async def burst() -> None:
                    for i in range(n):
                        c = channels[i % 2]
                        posted[c].append((await sb.post_message(sb.human.id, c, f"b{i}")).message_id)

                nursery.start_soon(burst)
                count = 0
                async for msg in client.channel_messages():
                    got[msg.channel_id].append(msg.id)
                    caught_up += msg.caught_up
                    await trio.sleep(0.0005)  # the slow handler
                    count += 1
                    if count == n:
                        break
                stats = client.statistics()
            assert got == posted
            assert stats.reconnects == 0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nburst of {n} into channel_messages(): {caught_up} from history; peak RSS {peak:.0f} MiB")  # noqa: T201
    assert caught_up > 0


async def test_restart_with_the_sqlite_store_gets_what_was_posted_while_stopped(tmp_path: Path) -> None:
    db = tmp_path / "bot.db"
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            async with MezonClient(**client_kwargs(sb, cursor_store=SQLiteCursorStore(db))) as client:
                messages = client.channel_messages()
                before = await _post(sb, sb.channel_id, 3, "before")
                assert [(await messages.__anext__()).id for _ in range(3)] == before
            stopped = await _post(sb, sb.channel_id, 25, "stopped")
            client = MezonClient(**client_kwargs(sb, cursor_store=SQLiteCursorStore(db)))
            async with client:
                messages = client.channel_messages()  # the stored channels catch up into it
                after = await _post(sb, sb.channel_id, 2, "after")
                got = [await messages.__anext__() for _ in range(27)]
                with trio.move_on_after(0.3):
                    extra = await messages.__anext__()
                    pytest.fail(f"delivered twice or invented: {extra}")
            assert [m.id for m in got] == stopped + after
            assert [m.caught_up for m in got] == [True] * 25 + [False] * 2


def test_options_are_checked() -> None:
    with pytest.raises(ConfigurationError):
        MezonClient(1, "key", catch_up=False, cursor_store=SQLiteCursorStore("x.db"))
    with pytest.raises(ConfigurationError):
        MezonClient(1, "key", catch_up="yes")  # type: ignore[arg-type]
    client = MezonClient(1, "key", catch_up=False)
    with pytest.raises(ConfigurationError):
        client.channel_messages(overflow="refill")
    assert MezonClient(1, "key", catch_up=CatchUpConfig(max_pages=3)).statistics().catch_up is not None
