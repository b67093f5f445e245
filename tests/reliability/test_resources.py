"""Resources: nothing outlives the client's scope; a subscriber that never reads stays bounded.

After every exit (normal, exception from the body, login failure, cancellation at
a random moment: during login, requests, iteration, a reconnect) the test waits
for the sandbox side to settle and then checks: no task of the run that was not
there before (trio task tree), no socket at the sandbox (``connection_count``),
and the same open file descriptors as before (``/proc/self/fd``).
"""

from __future__ import annotations

import collections
import contextlib
import gc
import os
import random
from typing import Any

import pytest
import trio

from mezon_trio import Events, MezonClient, ReconnectPolicy, connect_mezon
from mezon_trio._proto.mezon import api
from mezon_trio._transport.rest import RestClient
from mezon_trio.errors import AuthenticationError, MezonError
from mezon_trio.testing import open_sandbox

from ._support import (
    all_tasks,
    client_kwargs,
    client_side_fds,
    client_side_tasks,
    client_tasks,
    describe,
    describe_fd,
    open_fds,
    send_envelope,
)
from .conftest import Figures, Scale

_MODES = ("normal", "error", "cancel", "cancel-nursery", "login-failure")


class _Boom(Exception):
    pass


async def _settled(sb: Any, tasks_before: set[trio.lowlevel.Task], fds_before: set[str]) -> list[str]:
    """Wait (bounded) until the client's tasks, sockets and fds are gone; return what leaked.

    The sandbox's own server-side tasks and sockets are not counted (hypercorn keeps
    an idle keep-alive connection for its 5 s timeout after the client closed its end).
    A socket reset by its peer leaves the kernel's tables, so it cannot be told apart by
    its port: the wait (10 s) outlasts hypercorn's keep-alive timeout for those.
    """
    ports = {sb.port, sb.ws_port}
    with trio.move_on_after(10):
        while True:
            gc.collect()
            extra_tasks = client_side_tasks(tasks_before)
            extra_fds = client_side_fds(fds_before, ports)
            if not extra_tasks and not extra_fds and sb.connection_count() == 0:
                return []
            await trio.sleep(0.01)
    leaks = [f"task {d}" for d in describe(extra_tasks)]
    leaks += [f"fd {describe_fd(fd)}" for fd in sorted(extra_fds)]
    if sb.connection_count():
        leaks.append(f"{sb.connection_count()} sandbox connections")
    return leaks


async def _send(sb: Any, client: MezonClient, i: int) -> None:
    with contextlib.suppress(MezonError):  # ConnectionLost when the drop below lands first
        await client.raw.request(send_envelope(sb, f"r{i}"))


async def _body(sb: Any, client: MezonClient, rng: random.Random) -> None:
    """Some activity to be interrupted: sends, an iterator, a reconnect."""
    messages = client.channel_messages()
    async with trio.open_nursery() as nursery:
        for i in range(rng.randint(0, 5)):
            nursery.start_soon(_send, sb, client, i)
        if rng.random() < 0.5:
            sb.drop_connections(sb.bot.id, code=rng.choice([None, 1001]))
        await sb.post_message(sb.human.id, sb.channel_id, "hello")
        with trio.move_on_after(0.5):  # not delivered if it was posted while the bot was away
            await messages.__anext__()


async def test_nothing_left_after_the_scope(scale: Scale, figures: Figures) -> None:
    rounds = scale.pick(40, 400)
    seed = int(os.environ.get("MEZON_STRESS_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    outcomes: collections.Counter[str] = collections.Counter()
    leaks: list[str] = []
    with trio.fail_after(scale.pick(90, 900)):
        async with open_sandbox() as sb:
            sb.recording = False
            policy = ReconnectPolicy(initial_delay=0.005, max_delay=0.02)
            for round_ in range(rounds):
                mode = _MODES[round_ % len(_MODES)]
                gc.collect()
                tasks_before = set(all_tasks())
                fds_before = open_fds()
                delay = rng.uniform(0, 0.06)  # spans login (~10 ms), requests, a reconnect
                kwargs = client_kwargs(sb, reconnect=policy)
                if mode == "login-failure":
                    kwargs["api_key"] = "wrong"
                try:
                    if mode == "cancel-nursery":
                        async with trio.open_nursery() as nursery:
                            nursery.cancel_scope.deadline = trio.current_time() + delay

                            async def run(
                                nursery: trio.Nursery = nursery, kwargs: dict[str, Any] = kwargs
                            ) -> None:
                                client = await connect_mezon(nursery, **kwargs)
                                await _body(sb, client, rng)
                                await client.aclose()

                            nursery.start_soon(run)
                        outcomes[
                            f"{mode}: {'cancelled' if nursery.cancel_scope.cancelled_caught else 'finished'}"
                        ] += 1
                    else:
                        with trio.move_on_after(delay if mode == "cancel" else 10) as scope:
                            async with MezonClient(**kwargs) as client:
                                await _body(sb, client, rng)
                                if mode == "error":
                                    raise _Boom
                        outcomes[f"{mode}: {'cancelled' if scope.cancelled_caught else 'finished'}"] += 1
                except _Boom:
                    outcomes[f"{mode}: raised"] += 1
                except AuthenticationError:
                    assert mode == "login-failure"
                    outcomes[f"{mode}: raised"] += 1
                assert client_tasks() == [], describe(client_tasks())
                found = await _settled(sb, tasks_before, fds_before)
                if found:
                    leaks.append(f"round {round_} ({mode}, {delay:.3f}s): {found}")
    assert leaks == [], leaks
    figures.record(
        f"resources_scope_exit[{scale.name}]",
        {"seed": seed, "rounds": rounds, "outcomes": dict(outcomes), "leaks_found": len(leaks)},
    )


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


async def test_a_subscriber_that_never_reads_stays_bounded(scale: Scale, figures: Figures) -> None:
    total = scale.pick(20_000, 100_000)
    chunk = 2_000
    with trio.fail_after(scale.pick(120, 600)):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            # Never read: default policy (closes at overflow), drop_oldest, a stuck handler.
            stuck_close = client.channel_messages()
            stuck_drop = client.subscribe(Events.CHANNEL_MESSAGE, overflow="drop_oldest", buffer=256)
            never = trio.Event()

            async def stuck_handler(_: object) -> None:
                await never.wait()

            client.on(Events.CHANNEL_MESSAGE, stuck_handler)
            delivered = 0
            done = trio.Event()

            async def reader() -> None:  # one healthy reader, to know when the flood arrived
                nonlocal delivered
                async with client.channel_messages(buffer=chunk * 2) as messages:
                    async for _ in messages:
                        delivered += 1
                        if delivered == total:
                            done.set()

            samples: list[tuple[int, int, int]] = []
            async with trio.open_nursery() as nursery:
                nursery.start_soon(reader)
                await trio.sleep(0.05)
                for sent in range(chunk, total + 1, chunk):
                    # fresh ids each time (the client drops replayed message ids)
                    frames = [sb.message_push(sb.human.id, sb.channel_id, f"flood {i}") for i in range(chunk)]
                    await sb.push_many(frames, to=sb.bot.id)
                    del frames
                    while delivered < sent:  # noqa: ASYNC110 - pacing on a counter
                        await trio.sleep(0.001)
                    gc.collect()
                    samples.append((sent, len(gc.get_objects()), _rss()))
                await done.wait()
                nursery.cancel_scope.cancel()
            stats = client.statistics().hub
            never.set()
            assert stuck_close.closed  # overflowed: closed, nothing more buffered
            assert not stuck_drop.closed
            assert stuck_drop.statistics().buffered == 256
            assert stuck_drop.statistics().dropped == total - 256
            # Live objects and RSS after the first quarter vs at the end: flat, not growing with
            # the flood (each buffered Message would add several objects and ~1 KiB).
            quarter = samples[len(samples) // 4]
            last = samples[-1]
            growth = last[1] - quarter[1]
            rss_growth = last[2] - quarter[2]
            assert growth < 2_000, f"live objects grew by {growth}: {samples}"
            assert rss_growth < 8 << 20, f"RSS grew by {rss_growth} bytes: {samples}"
    figures.record(
        f"resources_never_reading_subscriber[{scale.name}]",
        {
            "messages": total,
            "live_objects_after_quarter": quarter[1],
            "live_objects_at_end": last[1],
            "rss_kib_after_quarter": quarter[2] // 1024,
            "rss_growth_kib": rss_growth // 1024,
            "stuck_drop_oldest_dropped": stuck_drop.statistics().dropped,
            "hub_overflows": stats.overflows,
        },
    )


@pytest.mark.parametrize("failure", ["handshake refused", "connect refused"])
async def test_failed_connects_leave_nothing(failure: str) -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            gc.collect()
            tasks_before, fds_before = set(all_tasks()), open_fds()
            kwargs = client_kwargs(
                sb, reconnect=ReconnectPolicy(max_attempts=2, initial_delay=0.01, max_delay=0.02)
            )
            if failure == "connect refused":
                # nothing listens there: the login itself fails
                kwargs["port"] = sb.ws_port + 1000 if sb.ws_port < 60000 else 1

            async def run() -> None:
                async with MezonClient(**kwargs) as client:
                    if failure == "handshake refused":
                        sb.revoke_sessions(client.session.token)
                        sb.faults.auth_status = 500  # re-login fails too: the client gives up
                        sb.drop_connections(sb.bot.id)
                        await trio.sleep_forever()

            with pytest.raises(MezonError) as info:
                await run()
            assert type(info.value).__name__ == (
                "ConnectionLost" if failure == "handshake refused" else "HandshakeError"
            )
            assert client_tasks() == []
            assert await _settled(sb, tasks_before, fds_before) == []


async def test_a_request_cancelled_while_writing_its_body_leaves_nothing() -> None:
    """A server that never reads: the body write blocks, then the call is cancelled (httpx's
    own body iterator would be left unfinished and trio would warn, encode/httpx#3686)."""
    accepted: list[trio.SocketStream] = []

    async def never_reads(stream: trio.SocketStream) -> None:
        accepted.append(stream)
        await trio.sleep_forever()

    with trio.fail_after(20):
        async with trio.open_nursery() as nursery:
            listeners = await nursery.start(trio.serve_tcp, never_reads, 0)
            port = listeners[0].socket.getsockname()[1]
            gc.collect()
            fds_before = open_fds()
            rest = RestClient(login_base=f"http://127.0.0.1:{port}", timeout=30.0, api_rate=1000.0)
            big = api.ChannelMessage(content="x" * (8 << 20))  # far more than the socket buffers hold
            async with rest:
                with trio.move_on_after(0.5) as scope:
                    await rest.call("GetAccount", big, api.Account, token="t")
            assert scope.cancelled_caught
            for stream in accepted:
                await stream.aclose()
            gc.collect()  # an unfinished async generator or socket would warn here (warnings are errors)
            await trio.sleep(0.05)
            gc.collect()
            assert open_fds() - fds_before == set()
            nursery.cancel_scope.cancel()
