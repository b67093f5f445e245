"""Heartbeat loss: a server that stops answering pings is detected within two intervals.

In-memory sandbox + ``autojump_clock``: the waits are exact.  The socket stays
open and every other request is still answered; only the pongs stop, at a
random phase of the heartbeat cycle.  With ``heartbeat_timeout <= heartbeat_interval``
the worst case is a ping answered just before the server went quiet: the next
ping leaves one interval later and times out ``heartbeat_timeout`` after that.
"""

from __future__ import annotations

import random

import pytest
import trio
import trio.testing

from mezon_trio import Events, MezonClient, ReconnectPolicy
from mezon_trio.errors import ConnectionLost
from mezon_trio.events import Disconnected
from mezon_trio.testing import open_sandbox

from ._support import client_kwargs, client_tasks, send_envelope
from .conftest import Figures


@pytest.mark.parametrize(("interval", "pong_timeout"), [(10.0, 10.0), (5.0, 2.0), (30.0, 10.0), (1.0, 1.0)])
async def test_silent_server_detected_within_two_intervals(
    autojump_clock: trio.testing.MockClock, figures: Figures, interval: float, pong_timeout: float
) -> None:
    rng = random.Random(f"{interval}/{pong_timeout}")
    detections: list[float] = []
    with trio.fail_after(100_000):
        async with open_sandbox(in_memory=True) as sb:
            sb.faults.idle_timeout = None
            kwargs = client_kwargs(
                sb,
                heartbeat_interval=interval,
                heartbeat_timeout=pong_timeout,
                reconnect=ReconnectPolicy(initial_delay=0.5, max_delay=1.0, reset_after=1.0),
            )
            async with MezonClient(**kwargs) as client:
                events = client.subscribe(Events.DISCONNECTED, Events.RECONNECTED)
                for round_ in range(5):
                    # Pongs stop at a random moment of the heartbeat cycle.
                    await trio.sleep(rng.uniform(0, 3 * interval))
                    sb.faults.answer_pings = False
                    silent_since = trio.current_time()
                    # Everything else is still answered: the link is "up", only the heartbeat fails.
                    ack = await client.raw.request(send_envelope(sb, f"during silence {round_}"))
                    assert ack.channel_message_ack is not None
                    ev = await events.__anext__()
                    detected = trio.current_time() - silent_since
                    assert ev.kind == Events.DISCONNECTED
                    info: Disconnected = ev.payload
                    assert (info.code, info.reason, info.intentional) == (None, "heartbeat timeout", False)
                    assert isinstance(info.error, ConnectionLost)
                    assert detected <= interval + pong_timeout <= 2 * max(interval, pong_timeout)
                    detections.append(detected)
                    sb.faults.answer_pings = True
                    ev = await events.__anext__()
                    assert ev.kind == Events.RECONNECTED
                    assert client.is_ready
                    ack = await client.raw.request(send_envelope(sb, f"after silence {round_}"))
                    assert ack.channel_message_ack is not None
                stats = client.statistics()
                assert stats.gateway.heartbeat_timeouts == 5
                assert stats.reconnects == 5
            assert client_tasks() == []
    figures.record(
        f"heartbeat_loss[{interval:g}s/{pong_timeout:g}s]",
        {"detections_s": [round(d, 3) for d in detections], "bound_s": interval + pong_timeout},
    )


async def test_frozen_server_is_detected(autojump_clock: trio.testing.MockClock) -> None:
    """Replies (pongs included) delayed beyond the timeout: the same as no pong at all."""
    with trio.fail_after(10_000):
        async with open_sandbox(in_memory=True) as sb:
            sb.faults.idle_timeout = None
            async with MezonClient(
                **client_kwargs(sb, heartbeat_interval=10.0, heartbeat_timeout=5.0)
            ) as client:
                events = client.subscribe(Events.DISCONNECTED, Events.RECONNECTED)
                await trio.sleep(7.0)
                sb.faults.reply_delay = 60.0
                frozen_at = trio.current_time()
                ev = await events.__anext__()
                assert ev.kind == Events.DISCONNECTED
                assert ev.payload.reason == "heartbeat timeout"
                assert trio.current_time() - frozen_at <= 15.0
                sb.faults.reply_delay = 0.0
                ev = await events.__anext__()
                assert ev.kind == Events.RECONNECTED
                assert client.is_ready
