"""Disconnect storms: forced drops at random moments during outbound sends and inbound pushes.

Real loopback sockets (reconnect times are wall-clock).  Checked after the storm:

* every send either returned its ack or raised a typed ``MezonError`` (anything
  else fails the test); every acked message is stored server-side with its
  content; every failed send is looked up server-side and counted as executed
  or not; no send was executed twice (the client re-sends frames that never
  fully left, so this would catch a frame re-sent after the server got it);
* no subscriber (iterator, multi-kind subscription, handler) saw a message id
  twice, nor one nobody posted; after every reconnect each of them delivers a
  marker message posted after the reconnect;
* every drop produced exactly one ``Disconnected`` event carrying the close
  code and reason the server sent, and one ``Reconnected``; reconnect times
  (drop -> ready again, including the jittered backoff of the reconnect
  policy) are recorded as p50/p99, and without the backoff delays (socket,
  handshake, clan re-joins, DM listing).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import random
from typing import Any

import pytest
import trio

from mezon_trio import Events, MezonClient, ReconnectPolicy
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio.errors import MezonError
from mezon_trio.events import Disconnected, MessageCreated, MessageDeleted, MessageEdited, Reconnected
from mezon_trio.models import Message
from mezon_trio.testing import open_sandbox
from mezon_trio.testing import raw as sandbox_raw

from ._support import client_kwargs, client_tasks, percentile, send_envelope, settle
from .conftest import Figures, Scale

_CODES: list[int | None] = [None, None, 1000, 1001, 1011, 1012, 4000, 4401]
_SENDERS = 8


@pytest.mark.parametrize("via", ["request", "send_message"])
async def test_disconnect_storm(scale: Scale, figures: Figures, via: str) -> None:
    """*via*: raw ``channel_message_send`` through ``client.raw.request``, or the public
    ``client.send_message`` (which joins and retries once on "Must join channel")."""
    drops_wanted = scale.pick(10, 100)
    sends_wanted = scale.pick(1_000, 10_000)
    seed = int(os.environ.get("MEZON_STRESS_SEED", random.randrange(2**32)))
    rng = random.Random(seed)
    print(f"\nstorm seed {seed} (MEZON_STRESS_SEED={seed} replays the schedule)")  # noqa: T201

    with trio.fail_after(scale.pick(120, 900)):
        async with open_sandbox() as sb:
            sb.recording = False  # 10k sends: keep the recorder out of the measurement
            policy = ReconnectPolicy(initial_delay=0.05, max_delay=0.5, reset_after=1.0)
            client = MezonClient(**client_kwargs(sb, reconnect=policy))
            async with client:
                result = await _storm(sb, client, rng, drops_wanted, sends_wanted, via)
            assert client_tasks() == []
            await settle(lambda: sb.connection_count() == 0)
            stored = {m.message_id: m for m in sb.messages(sb.channel_id)}

    # ---- outbound: nothing silently lost, nothing executed twice
    acked: dict[int, int] = result["acked"]  # send index -> message_id
    failed: dict[int, str] = result["failed"]  # send index -> error type
    assert len(acked) + len(failed) == sends_wanted
    by_text = collections.defaultdict(list)
    for message in stored.values():
        by_text[_text(message.content)].append(message.message_id)
    for i, message_id in acked.items():
        assert message_id in stored, f"send {i} was acked as {message_id} but is not stored"
        assert _text(stored[message_id].content) == f"s{i}"
    executed_twice = {t: ids for t, ids in by_text.items() if len(ids) > 1}
    assert not executed_twice, f"sends executed more than once: {executed_twice}"
    failed_executed = sum(1 for i in failed if by_text.get(f"s{i}"))

    # ---- inbound: no duplicates, no phantoms, each subscription delivered after each reconnect
    posted: set[int] = result["posted"]
    duplicates = 0
    for name, ids in result["seen"].items():
        counts = collections.Counter(ids)
        dup = {k: n for k, n in counts.items() if n > 1}
        duplicates += sum(n - 1 for n in dup.values())
        assert not dup, f"{name} saw message ids more than once: {dup}"
        assert set(ids) <= posted, f"{name} saw messages nobody posted"

    # ---- lifecycle
    drops = result["drops"]
    assert drops == drops_wanted
    assert result["disconnected"] == drops
    assert result["reconnected"] == drops
    assert result["reconnects_stat"] == drops
    assert result["code_mismatch"] == [], result["code_mismatch"]
    times = result["reconnect_times"]
    figures.record(
        f"disconnect_storm[{scale.name}, {via}]",
        {
            "seed": seed,
            "disconnects_survived": drops,
            "drops_with_close_code": result["coded"],
            "disconnected_event_codes": dict(result["codes"]),
            "sends": sends_wanted,
            "sends_acked": len(acked),
            "sends_failed_typed": len(failed),
            "failed_but_executed_server_side": failed_executed,
            "failure_types": dict(collections.Counter(failed.values())),
            "sends_lost": 0,
            "sends_executed_twice": 0,
            "inbound_posted": len(posted),
            "inbound_delivered": {k: len(v) for k, v in result["seen"].items()},
            "duplicates": duplicates,
            "reconnect_p50_ms": round(percentile(times, 50) * 1000, 1),
            "reconnect_p99_ms": round(percentile(times, 99) * 1000, 1),
            "reconnect_max_ms": round(max(times) * 1000, 1),
            "reconnect_minus_backoff_p50_ms": round(percentile(result["overheads"], 50) * 1000, 1),
            "reconnect_minus_backoff_p99_ms": round(percentile(result["overheads"], 99) * 1000, 1),
            "elapsed_s": round(result["elapsed"], 2),
        },
    )


def _text(content: str) -> str:
    value = json.loads(content)
    return str(value.get("t", "")) if isinstance(value, dict) else content


async def _storm(
    sb: Any, client: MezonClient, rng: random.Random, drops_wanted: int, sends_wanted: int, via: str
) -> dict[str, Any]:
    started = trio.current_time()
    acked: dict[int, int] = {}
    failed: dict[int, str] = {}
    posted: set[int] = set()
    markers: dict[str, int] = {}  # marker text -> message id
    seen: dict[str, list[int]] = {"channel_messages": [], "subscribe": [], "handler": []}
    seen_markers: dict[str, set[str]] = {k: set() for k in seen}
    marker_seen = trio.Event()
    out: dict[str, Any] = {
        "acked": acked,
        "failed": failed,
        "posted": posted,
        "seen": seen,
        "drops": 0,
        "coded": 0,
        "disconnected": 0,
        "reconnected": 0,
        "code_mismatch": [],
        "reconnect_times": [],
        "downtimes": [],
        "overheads": [],
        "codes": collections.Counter(),
    }

    def on_message(name: str, msg: Message) -> None:
        nonlocal marker_seen
        seen[name].append(msg.id)
        if msg.text.startswith("marker-"):
            seen_markers[name].add(msg.text)
            marker_seen.set()
            marker_seen = trio.Event()

    client.on(Events.CHANNEL_MESSAGE, lambda msg: on_message("handler", msg))
    lifecycle = client.subscribe(Events.DISCONNECTED, Events.RECONNECTING, Events.RECONNECTED, buffer=1024)
    # Drop thresholds: the storm hits at random points of the send stream.
    thresholds = sorted(rng.sample(range(1, sends_wanted), drops_wanted))
    done = 0
    progress = trio.Event()
    next_index = 0

    async def sender() -> None:
        nonlocal done, next_index, progress
        while next_index < sends_wanted:
            i = next_index
            next_index += 1
            try:
                if via == "send_message":
                    sent = await client.send_message(sb.clan_id, sb.channel_id, 2, True, f"s{i}")
                    acked[i] = sent.message_id
                else:
                    reply = await client.raw.request(send_envelope(sb, f"s{i}"))
                    ack = reply.channel_message_ack
                    assert ack is not None, f"send {i}: reply {reply!r} is not an ack"
                    acked[i] = ack.message_id
            except MezonError as exc:
                failed[i] = type(exc).__name__
            done += 1
            progress.set()
            progress = trio.Event()

    async def consume_iterator() -> None:
        async with client.channel_messages(buffer=8192) as messages:
            async for msg in messages:
                on_message("channel_messages", msg)

    async def consume_subscription() -> None:
        async with client.subscribe(Events.CHANNEL_MESSAGE, buffer=8192) as sub:
            async for event in sub:
                on_message("subscribe", event.payload)

    stop_human = trio.Event()

    async def human() -> None:
        j = 0
        while not stop_human.is_set():
            message = await sb.post_message(sb.human.id, sb.channel_id, f"in-{j}")
            posted.add(message.message_id)
            j += 1
            await trio.sleep(rng.uniform(0, 0.004))

    async def post_marker(k: int) -> None:
        text = f"marker-{k}"
        message = await sb.post_message(sb.human.id, sb.channel_id, text)
        posted.add(message.message_id)
        markers[text] = message.message_id
        with trio.fail_after(10):
            while not all(text in s for s in seen_markers.values()):
                await marker_seen.wait()

    async def next_lifecycle() -> Any:
        with trio.fail_after(30):
            return await lifecycle.__anext__()

    async def dropper() -> None:
        for k, threshold in enumerate(thresholds):
            while done < threshold:
                await progress.wait()
            await client.wait_ready()
            await trio.sleep(rng.uniform(0, 0.003))  # land anywhere inside a request
            code = rng.choice(_CODES)
            reason = f"storm {k}" if code is not None else ""
            dropped_at = trio.current_time()
            assert sb.drop_connections(sb.bot.id, code=code, reason=reason) == 1
            out["drops"] += 1
            out["coded"] += code is not None
            ev = await next_lifecycle()
            assert ev.kind == Events.DISCONNECTED, ev
            info: Disconnected = ev.payload
            out["disconnected"] += 1
            out["codes"][str(info.code)] += 1
            assert not info.intentional
            assert isinstance(info.error, MezonError)
            if code is not None and (info.code, info.reason) != (code, reason):
                out["code_mismatch"].append((code, reason, info.code, info.reason))
            backoff = 0.0
            ev = await next_lifecycle()
            while ev.kind == Events.RECONNECTING:  # more than one when an attempt failed
                backoff += ev.payload.delay
                ev = await next_lifecycle()
            assert ev.kind == Events.RECONNECTED, ev
            back: Reconnected = ev.payload
            out["reconnected"] += 1
            out["reconnect_times"].append(trio.current_time() - dropped_at)
            out["downtimes"].append(back.downtime)
            out["overheads"].append(out["reconnect_times"][-1] - backoff)
            await post_marker(k)

    async with trio.open_nursery() as nursery:
        nursery.start_soon(consume_iterator)
        nursery.start_soon(consume_subscription)
        async with trio.open_nursery() as work:
            work.start_soon(human)
            async with trio.open_nursery() as outbound:
                outbound.start_soon(dropper)
                for _ in range(_SENDERS):
                    outbound.start_soon(sender)
            stop_human.set()  # (not cancelled: a push cut half-way would corrupt the stream)
        await post_marker(drops_wanted)  # flush: everything posted before it was delivered
        nursery.cancel_scope.cancel()
    out["elapsed"] = trio.current_time() - started
    out["reconnects_stat"] = client.statistics().reconnects
    assert client.statistics().gateway.pending_requests == 0
    assert client.is_ready
    return out


async def test_replayed_pushes_are_delivered_once() -> None:
    """A server that re-sends recent pushes after a reconnect (docs/protocol.md §9.1: de-duplicate
    repeated message ids) must not make subscribers see a message twice; edits and
    deletes of that message are still delivered, once each."""
    with trio.fail_after(30):
        async with open_sandbox() as sb:
            policy = ReconnectPolicy(initial_delay=0.01, max_delay=0.05)
            async with MezonClient(**client_kwargs(sb, reconnect=policy)) as client:
                handled: list[tuple[int, int, str]] = []
                client.on(Events.CHANNEL_MESSAGE, lambda m: handled.append((m.id, m.code, m.text)))
                lifecycle = client.stream(Events.RECONNECTED)
                async with client.subscribe(MessageCreated, MessageEdited, MessageDeleted) as messages:
                    posted = await sb.post_message(sb.human.id, sb.channel_id, "first")
                    stored = sandbox_raw.stored_message(sb, posted.message_id)
                    assert stored is not None
                    first = dataclasses.replace(stored)  # the wire message as pushed
                    got = (await messages.receive()).message
                    assert got.id == first.message_id

                    sb.drop_connections(sb.bot.id)
                    await lifecycle.__anext__()
                    edit = dataclasses.replace(
                        first,
                        code=1,
                        content='{"t":"first, edited"}',
                        update_time_seconds=first.create_time_seconds + 5,
                    )
                    delete = dataclasses.replace(
                        first, code=2, content="", update_time_seconds=first.create_time_seconds + 9
                    )
                    for message in (first, first, edit, edit, delete, first, delete):  # replays and repeats
                        await sandbox_raw.push(sb, rt.Envelope(channel_message=message), to=sb.bot.id)
                    second = await sb.post_message(sb.human.id, sb.channel_id, "second")
                    seen: list[tuple[int, int, str]] = []
                    while not seen or seen[-1][0] != second.message_id:
                        m = (await messages.receive()).message
                        seen.append((m.id, m.code, m.text))
                expected = [
                    (first.message_id, 1, "first, edited"),
                    (first.message_id, 2, ""),
                    (second.message_id, 0, "second"),
                ]
                assert seen == expected
                await settle(lambda: len(handled) == 4)
                assert handled == [(first.message_id, 0, "first"), *expected]
                assert client.statistics().duplicates_dropped == 5
