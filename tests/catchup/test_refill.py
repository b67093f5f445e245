"""Lagging message subscribers: the gap is recorded and refilled from history, in order.

:class:`_Buffer` plays the hub's subscription buffer with the two hooks the hub calls
(``offer`` when publishing, ``fetch`` when receiving); the messages come from a real
client connected to the sandbox, the refill reads the sandbox's history.
"""

from __future__ import annotations

import collections
import logging
import os
import resource
from typing import Any, TypeVar

import betterproto2
import pytest
import trio

from mezon_trio import Events, MezonClient
from mezon_trio._catchup import GapRefill, RateBudget
from mezon_trio._models.message import new_message
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.models import Message
from mezon_trio.raw import message_payload
from mezon_trio.testing import Sandbox, open_sandbox

from ._harness import client_kwargs, text, until

M = TypeVar("M", bound=betterproto2.Message)

_LONG = pytest.mark.skipif(os.environ.get("MEZON_STRESS") != "1", reason="long variant: nox -s stress")


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class _Buffer:
    def __init__(self, refill: GapRefill[Message], capacity: int) -> None:
        self.refill = refill
        self.capacity = capacity
        self.buf: collections.deque[Message] = collections.deque()
        self.lot = trio.lowlevel.ParkingLot()
        self.peak = 0

    def publish(self, item: Message) -> None:
        if self.refill.offer(item, room=len(self.buf) < self.capacity):
            return
        self.buf.append(item)
        self.peak = max(self.peak, len(self.buf))
        self.lot.unpark_all()

    async def receive(self) -> Message:
        while True:
            if self.refill.wants_fetch(len(self.buf)):
                items = await self.refill.fetch(self.capacity - len(self.buf))
                self.buf.extend(items)
                self.peak = max(self.peak, len(self.buf))
                if not items and not self.buf:
                    continue  # a failed fetch (it waited its retry_delay): try again
            if self.buf:
                await trio.lowlevel.checkpoint()
                return self.buf.popleft()
            await self.lot.park()


def _refill(client: MezonClient, capacity: int, **kw: Any) -> GapRefill[Message]:
    return GapRefill(
        client.raw,
        RateBudget(),
        raw_of=message_payload,
        make=lambda raw: new_message(raw),
        capacity=capacity,
        **kw,
    )


async def _forward(client: MezonClient, buffer: _Buffer, *, task_status: trio.TaskStatus[None]) -> None:
    """The publisher side: every pushed chat message (edits and removals too) goes through
    ``publish`` at once."""
    async with client.stream(Events.CHANNEL_MESSAGE, buffer=1_000_000) as sub:
        task_status.started()
        async for message in sub:
            buffer.publish(message)


async def _post_burst(sb: Sandbox, channels: list[int], n: int) -> dict[int, list[int]]:
    posted: dict[int, list[int]] = collections.defaultdict(list)
    for i in range(n):
        c = channels[i % len(channels)]
        posted[c].append((await sb.post_message(sb.human.id, c, f"b{i}")).message_id)
    return posted


@pytest.mark.parametrize(
    "n", [pytest.param(2_000, id="ci"), pytest.param(10_000, id="long", marks=[pytest.mark.slow, _LONG])]
)
async def test_burst_into_a_slow_consumer_arrives_whole_and_in_order(n: int) -> None:
    capacity = 64
    rss_before = _peak_rss_mib()
    with trio.fail_after(60 if n <= 2_000 else 300):
        async with open_sandbox() as sb:
            channels = [sb.channel_id, sb.channel_ids["random"]]
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                refill = _refill(client, capacity)
                buffer = _Buffer(refill, capacity)
                await nursery.start(_forward, client, buffer)
                posted = await _post_burst(sb, channels, n)
                got: dict[int, list[int]] = collections.defaultdict(list)
                for _ in range(n):
                    message = await buffer.receive()
                    got[message.channel_id].append(message.id)
                    await trio.sleep(0.0005)  # the slow handler
                nursery.cancel_scope.cancel()
            assert got == posted
            stats = refill.statistics()
            assert stats.recorded > n // 2  # most of the burst went through the gap record
            assert stats.refilled == stats.recorded
            assert (stats.missing, stats.pending, stats.given_up, stats.fetch_failures) == (0, 0, 0, 0)
            assert buffer.peak <= capacity
            print(  # noqa: T201
                f"\nburst of {n}: {stats.recorded} recorded and refilled in {stats.fetches} fetches; "
                f"peak RSS {_peak_rss_mib():.0f} MiB (before: {rss_before:.0f} MiB; sandbox in-process)"
            )


async def test_failed_history_call_is_retried_after_a_delay() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                refill = _refill(client, 4, retry_delay=0.05)
                buffer = _Buffer(refill, 4)
                await nursery.start(_forward, client, buffer)
                posted = (await _post_burst(sb, [sb.channel_id], 12))[sb.channel_id]
                await until(lambda: refill.pending == 8)
                sb.faults.rpc_status["ListChannelMessages"] = (503, None)
                got = [(await buffer.receive()).id for _ in range(4)]

                async def lift() -> None:
                    await until(lambda: refill.statistics().fetch_failures >= 2)
                    del sb.faults.rpc_status["ListChannelMessages"]

                nursery.start_soon(lift)
                got += [(await buffer.receive()).id for _ in range(8)]
                nursery.cancel_scope.cancel()
            assert got == posted
            assert refill.statistics().fetch_failures >= 2


async def test_deleted_while_recorded_is_counted_missing_and_its_removal_kept_in_place() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                refill = _refill(client, 4)
                buffer = _Buffer(refill, 4)
                await nursery.start(_forward, client, buffer)
                posted = (await _post_burst(sb, [sb.channel_id], 20))[sb.channel_id]
                await until(lambda: refill.statistics().recorded == 16)
                gone = posted[10]
                await sb._core.delete_message(sb.human.id, rt.ChannelMessageRemove(message_id=gone))
                await sb.post_message(sb.human.id, sb.channel_id, "after the removal")
                await until(lambda: refill.pending == 18)  # 16 ids, the removal, one more id
                got = [await buffer.receive() for _ in range(21)]
                nursery.cancel_scope.cancel()
            assert [m.id for m in got[:19]] == [m for m in posted if m != gone]
            assert (got[19].id, got[19].code) == (gone, 2)  # the removal push, in its place
            assert got[20].text == "after the removal"
            stats = refill.statistics()
            assert stats.missing == 1
            assert stats.unrecoverable == 0


async def test_beyond_max_recorded_the_oldest_gap_is_given_up_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="mezon_trio.catchup")
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            general, rand = sb.channel_id, sb.channel_ids["random"]
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                refill = _refill(client, 2, max_recorded=10)
                buffer = _Buffer(refill, 2)
                await nursery.start(_forward, client, buffer)
                head = (await _post_burst(sb, [general], 2))[general]  # fills the buffer
                lost = (await _post_burst(sb, [general], 5))[general]  # recorded first
                kept = await _post_burst(sb, [rand], 10)  # pushes the total past 10
                await until(lambda: refill.statistics().given_up >= 5)
                got = [(await buffer.receive()).id for _ in range(12)]
                nursery.cancel_scope.cancel()
            assert got == head + kept[rand]
            assert not set(lost) & set(got)
            assert any(
                str(general) in r.getMessage() and "5 messages" in r.getMessage() for r in caplog.records
            )


class _SlowSource:
    """The real client, with history calls made slow (to cancel a receive in the middle of one)."""

    def __init__(self, client: MezonClient) -> None:
        self.client = client

    async def rpc(self, method: str, request: betterproto2.Message, response_type: type[M]) -> M:
        await trio.sleep(0.2)
        return await self.client.raw.rpc(method, request, response_type)


async def test_cancelling_a_receive_during_a_fetch_loses_nothing() -> None:
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            client = MezonClient(**client_kwargs(sb))
            async with client, trio.open_nursery() as nursery:
                refill: GapRefill[Message] = GapRefill(
                    _SlowSource(client),
                    RateBudget(),
                    raw_of=message_payload,
                    make=lambda raw: new_message(raw),
                    capacity=2,
                )
                buffer = _Buffer(refill, 2)
                await nursery.start(_forward, client, buffer)
                posted = (await _post_burst(sb, [sb.channel_id], 10))[sb.channel_id]
                await until(lambda: refill.pending >= 8)
                got = [(await buffer.receive()).id for _ in range(2)]
                pending = refill.pending
                assert len(buffer.buf) == 1
                buffer.buf.clear()  # taken: the next receive must fetch
                got.append(posted[2])
                for _ in range(3):
                    with trio.move_on_after(0.05) as scope:  # cancelled in the middle of the history call
                        got.append((await buffer.receive()).id)
                    assert scope.cancelled_caught
                assert refill.pending == pending
                got += [(await buffer.receive()).id for _ in range(pending)]
                nursery.cancel_scope.cancel()
            assert got == posted
            assert [text(m) for m in sb.messages(sb.channel_id)][-10:] == [f"b{i}" for i in range(10)]


def test_offer_records_behind_a_gap_and_keeps_pushes_without_history() -> None:
    refill: GapRefill[Any] = GapRefill(
        _SlowSource(None),  # type: ignore[arg-type]
        RateBudget(),
        raw_of=lambda item: item if isinstance(item, api.ChannelMessage) else None,
        make=lambda raw: raw,
        capacity=4,
    )
    assert refill.offer(object(), room=True) is False
    assert refill.offer(object(), room=False) is True  # not a message: dropped, counted
    assert refill.offer(api.ChannelMessage(channel_id=1, message_id=5, code=1), room=True) is False
    assert refill.offer(api.ChannelMessage(channel_id=1, message_id=6), room=False) is True  # recorded
    edit = api.ChannelMessage(channel_id=1, message_id=6, code=1)
    assert refill.offer(edit, room=True) is True  # behind its channel's gap: kept in place
    assert refill.offer(api.ChannelMessage(channel_id=1, message_id=7), room=True) is True
    assert refill.offer(api.ChannelMessage(channel_id=2, message_id=8), room=True) is False  # no gap there
    stats = refill.statistics()
    assert (stats.unrecoverable, stats.recorded, stats.pending) == (1, 2, 3)
    assert refill.wants_fetch(2)
    assert not refill.wants_fetch(3)
