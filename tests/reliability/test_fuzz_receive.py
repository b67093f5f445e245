"""Bad input: mutation and property-based fuzzing of the frame decoder and the whole receive path.

The bulk runs socket-free through :class:`._fuzz.ReceiveHarness` (the reader's
per-frame step, the client's push handling, the hub, a consumer reading every
``Message`` property); a representative subset then goes through a real client
connection (``sb.push_many``) with live iterators, followed by a valid message
and a request.  Malformed 0xFF chunk sequences and oversized frames also run
over the real socket.  Figures: cases run, per generator, protocol errors counted.
"""

from __future__ import annotations

import collections
import logging
import os
import random
from collections.abc import Iterator

import pytest
import trio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mezon_trio import Events, MezonClient
from mezon_trio._proto.mezon import api
from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.frames import encode_raw_frames
from mezon_trio.errors import (
    APIError,
    NotFound,
    ProtocolError,
    RequestTimeout,
    ServerError,
)
from mezon_trio.events import ProtocolErrorEvent
from mezon_trio.testing import open_sandbox

from ._fuzz import (
    FIELD_NUMBERS,
    CountingHandler,
    ReceiveHarness,
    field,
    generators,
    touch_message,
    valid_frames,
)
from ._support import client_kwargs, send_envelope, settle
from .conftest import Figures, Scale


@pytest.fixture
def mezon_log() -> Iterator[CountingHandler]:
    """Count the ``mezon_trio`` log records of the test (and keep them out of pytest's capture)."""
    logger = logging.getLogger("mezon_trio")
    handler = CountingHandler()
    saved = (logger.level, logger.propagate)
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _seed() -> int:
    return int(os.environ.get("MEZON_STRESS_SEED", random.randrange(2**32)))


def _seen(harness: ReceiveHarness) -> int:
    """Pushes delivered, plus those dropped on purpose: repeats (``duplicates_dropped`` counts the
    replay window's and the catch-up engine's) and the bot's own messages
    (``ignore_own_messages``: a corpus frame may carry the bot's id)."""
    stats = harness.client.statistics()
    return sum(harness.delivered.values()) + stats.duplicates_dropped + stats.own_messages_dropped


async def test_receive_path_mutation_fuzz(scale: Scale, figures: Figures, mezon_log: CountingHandler) -> None:
    cases = scale.pick(5_000, 100_000)
    seed = _seed()
    rng = random.Random(seed)
    harness = ReceiveHarness()
    corpus = valid_frames(rng)
    per_generator: collections.Counter[str] = collections.Counter()
    frames = 0
    started = trio.current_time()
    for index, (name, make) in zip(range(cases), generators(rng, corpus, harness), strict=False):
        for frame in make():
            frames += 1
            seen_before = _seen(harness)
            try:
                harness.feed(frame)
            except Exception as exc:  # the reader would die: the one thing that must never happen
                pytest.fail(f"seed {seed} case {index} ({name}): {exc!r} from frame {frame.hex()}")
            if name == "valid" and frame[:1] != b"\xff":
                seen_after = _seen(harness)
                assert seen_after == seen_before + 1, f"seed {seed} case {index}: valid frame not delivered"
        per_generator[name] += 1
        if index % 512 == 0:
            await trio.lowlevel.checkpoint()
    elapsed = trio.current_time() - started

    stats = harness.client.statistics()
    assert harness.read_errors == [], harness.read_errors[:5]
    assert mezon_log.errors == [], mezon_log.errors[:5]
    assert not harness.subscription.closed
    # Every protocol error is counted, published and logged.
    assert stats.protocol_errors == harness.delivered["protocol_error"]
    assert stats.gateway.protocol_errors <= stats.protocol_errors
    assert mezon_log.bad_frame_warnings == stats.protocol_errors
    assert stats.gateway.partial_raw_answers <= 8
    figures.record(
        f"fuzz_receive_path[{scale.name}]",
        {
            "seed": seed,
            "cases": sum(per_generator.values()),
            "frames": frames,
            "per_generator": dict(per_generator),
            "protocol_errors": stats.protocol_errors,
            "pushes_decoded": stats.pushes_decoded,
            "delivered": sum(harness.delivered.values()) - harness.delivered["protocol_error"],
            "duplicates_dropped": stats.duplicates_dropped,
            "stray_replies": stats.gateway.stray_replies,
            "raw_answers": dict(harness.raw_answers),
            "cases_per_s": round(sum(per_generator.values()) / max(elapsed, 1e-9)),
        },
    )


_TOP_FIELD = st.tuples(
    st.integers(1, 2**29 - 1) | st.sampled_from(sorted(FIELD_NUMBERS.values())),
    st.sampled_from([0, 1, 2, 5]),
    st.binary(max_size=40) | st.integers(0, 2**64 - 1),
)


async def test_receive_path_properties(scale: Scale, figures: Figures, mezon_log: CountingHandler) -> None:
    """Hypothesis: arbitrary bytes, and arbitrary top-level protobuf fields (any number, any
    wire type, any value), never escape the receive path; whatever decodes is readable."""
    harness = ReceiveHarness()
    examples = scale.pick(400, 5_000)
    ran = collections.Counter[str]()

    def encode(fields: list[tuple[int, int, bytes | int]]) -> bytes:
        out = b""
        for number, wire, value in fields:
            if wire == 0:
                out += field(number, 0, value if isinstance(value, int) else len(value))
            elif wire == 2:
                out += field(number, 2, value if isinstance(value, bytes) else value.to_bytes(8, "little"))
            else:
                size = 8 if wire == 1 else 4
                raw = value if isinstance(value, bytes) else value.to_bytes(8, "little")
                out += field(number, wire, raw[:size].ljust(size, b"\0"))
        return out

    fuzz = settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )

    @fuzz
    @given(data=st.binary(max_size=300))
    def raw_bytes(data: bytes) -> None:
        ran["binary"] += 1
        harness.feed(data)
        harness.feed(b"\xff" + data)

    @fuzz
    @given(fields=st.lists(_TOP_FIELD, max_size=6), inner=st.lists(_TOP_FIELD, max_size=8))
    def structured(
        fields: list[tuple[int, int, bytes | int]], inner: list[tuple[int, int, bytes | int]]
    ) -> None:
        ran["structured"] += 1
        harness.feed(encode(fields))
        # a chat message (field 6) whose payload holds arbitrary fields
        harness.feed(field(FIELD_NUMBERS["channel_message"], 2, encode(inner)))

    raw_bytes()
    structured()
    assert harness.read_errors == [], harness.read_errors[:5]
    assert mezon_log.errors == [], mezon_log.errors[:5]
    stats = harness.client.statistics()
    assert stats.protocol_errors == harness.delivered["protocol_error"] > 0
    figures.record(
        f"fuzz_properties[{scale.name}]",
        {
            "cases": sum(ran.values()),
            "frames": 2 * sum(ran.values()),
            "protocol_errors": stats.protocol_errors,
        },
    )


async def test_fuzz_through_a_real_socket(scale: Scale, figures: Figures, mezon_log: CountingHandler) -> None:
    """A representative subset over a real connection: the client stays up, iterators keep
    going, and a valid message pushed after the garbage is delivered."""
    count = scale.pick(1_000, 10_000)
    seed = _seed()
    rng = random.Random(seed)
    helper = ReceiveHarness()  # only for the generators' pending cids (none match the real client's)
    corpus = valid_frames(rng)
    batch: list[bytes] = []
    for _, (_, make) in zip(range(count), generators(rng, corpus, helper), strict=False):
        batch += make()
    with trio.fail_after(scale.pick(60, 300)):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb)) as client:
            read_errors: list[str] = []
            everything = client.subscribe(
                *(Events(k) for k in FIELD_NUMBERS), Events.PROTOCOL_ERROR, buffer=len(batch) + 64
            )
            messages = client.channel_messages(buffer=len(batch) + 64)
            await sb.push_many(batch, to=sb.bot.id)
            marker = await sb.post_message(sb.human.id, sb.channel_id, "after the garbage")
            # The iterators deliver everything that decoded, then the marker; they never raise.
            while True:
                msg = await messages.__anext__()
                try:
                    touch_message(msg)
                except Exception as exc:
                    read_errors.append(repr(exc))
                if msg.id == marker.message_id:
                    break
            seen = collections.Counter[str]()
            while True:
                ev = await everything.__anext__()
                seen[str(ev.kind)] += 1
                if ev.kind == Events.PROTOCOL_ERROR:
                    assert isinstance(ev.payload, ProtocolErrorEvent)
                    assert isinstance(ev.payload.error, ProtocolError)
                if ev.kind == Events.CHANNEL_MESSAGE and ev.payload.id == marker.message_id:
                    break
            # The connection is still the same one, and requests still work.
            ack = await client.raw.request(send_envelope(sb, "still here"))
            assert ack.channel_message_ack is not None
            pong = await client.raw.request(rt.Envelope(ping=rt.Ping()))
            assert pong.pong is not None
            stats = client.statistics()
            assert stats.reconnects == 0
            assert stats.gateway.connections == 1
            assert read_errors == []
            assert seen["protocol_error"] == stats.protocol_errors > 0
    assert mezon_log.errors == [], mezon_log.errors[:5]
    figures.record(
        f"fuzz_real_socket[{scale.name}]",
        {
            "seed": seed,
            "cases": count,
            "frames": len(batch),
            "protocol_errors": stats.protocol_errors,
            "delivered": sum(seen.values()) - seen["protocol_error"],
            "reconnects": stats.reconnects,
        },
    )


async def test_oversized_frames_are_refused_by_the_limit() -> None:
    limit = 8192
    with trio.fail_after(30):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb, max_frame_size=limit)) as client:
            events = client.subscribe(Events.PROTOCOL_ERROR, Events.DISCONNECTED, Events.RECONNECTED)
            messages = client.channel_messages()
            # Exactly at the limit: accepted.
            base = sb.message_push(sb.human.id, sb.channel_id, "")
            at_limit = sb.message_push(sb.human.id, sb.channel_id, "x" * (limit - len(base)))
            grow = limit - len(at_limit)
            at_limit = sb.message_push(sb.human.id, sb.channel_id, "x" * (limit - len(base) + grow))
            assert len(at_limit) == limit
            await sb.push_bytes(at_limit, to=sb.bot.id)
            assert len((await messages.__anext__()).text) == limit - len(base) + grow
            # One byte more: refused by the limit (close 1009, reported, then a reconnect).
            over = sb.message_push(sb.human.id, sb.channel_id, "x" * (limit - len(base) + grow + 1))
            assert len(over) == limit + 1
            await sb.push_bytes(over, to=sb.bot.id)
            kinds = []
            async for ev in events:
                kinds.append(ev.kind)
                if ev.kind == Events.PROTOCOL_ERROR:
                    assert "max_frame_size" in str(ev.payload.error)
                if ev.kind == Events.DISCONNECTED:
                    assert ev.payload.code == 1009
                if ev.kind == Events.RECONNECTED:
                    break
            assert kinds == [Events.PROTOCOL_ERROR, Events.DISCONNECTED, Events.RECONNECTED]
            # Way over (1 MiB): the same, and nothing of it reaches the subscribers.
            await sb.push_bytes(b"\x32" + b"\xff" * (1 << 20), to=sb.bot.id)
            ev = await events.__anext__()
            assert ev.kind == Events.PROTOCOL_ERROR
            await client.wait_ready()
            await sb.post_message(sb.human.id, sb.channel_id, "after")
            assert (await messages.__anext__()).text == "after"
            assert client.statistics().reconnects == 2


async def test_malformed_chunk_sequences_over_the_socket() -> None:
    """0xFF answers crafted by hand for real pending bridge calls."""
    method = "UpdateChannelMessage"
    with trio.fail_after(60):
        async with open_sandbox() as sb, MezonClient(**client_kwargs(sb, timeout=1500)) as client:
            sb.faults.drop_replies.add(method)  # the sandbox records the call but never answers
            update = rt.ChannelMessageUpdate(channel_id=sb.channel_id, message_id=7, content='{"t": "x"}')
            good = bytes(update)
            outcomes: dict[str, object] = {}

            async def call(label: str) -> None:
                try:
                    outcomes[label] = await client.raw.api_bridge(method, update, rt.ChannelMessageUpdate)
                except (APIError, ProtocolError, RequestTimeout) as exc:
                    outcomes[label] = exc

            async def pending(label: str, nursery: trio.Nursery) -> int:
                count = len([r for r in sb.received if r.kind == "api_request_event"])
                nursery.start_soon(call, label)
                (record,) = (await sb.wait_for(lambda r: r.kind == "api_request_event", count=count + 1))[-1:]
                return int(record.cid)

            async with trio.open_nursery() as nursery:
                # 1. failed status, garbage payload -> typed error
                cid = await pending("status 500 + garbage", nursery)
                await sb.push_bytes(encode_raw_frames(cid, b"\x07\xffgarbage", status=500)[0], to=sb.bot.id)
                # 2. interleaved chunks of two calls -> each gets its own answer
                a = await pending("interleaved a", nursery)
                b = await pending("interleaved b", nursery)
                fa = encode_raw_frames(a, good, chunk_size=3)
                fb = encode_raw_frames(b, good, status=404, chunk_size=5)
                mixed = (
                    [f for pair in zip(fa, fb, strict=False) for f in pair] + fa[len(fb) :] + fb[len(fa) :]
                )
                await sb.push_many(mixed, to=sb.bot.id)
                # 3. FIN never arrives -> the call times out, the partial answer is dropped
                cid = await pending("no FIN", nursery)
                await sb.push_many(encode_raw_frames(cid, good, chunk_size=4)[:-1], to=sb.bot.id)
                # 4. a FIN payload that is not the answer type -> ProtocolError
                cid = await pending("garbage answer", nursery)
                await sb.push_bytes(encode_raw_frames(cid, b"\x0a\xff\xff\xff")[0], to=sb.bot.id)
                # 5. an Envelope instead of raw frames -> ProtocolError
                cid = await pending("envelope answer", nursery)
                await sb.push_bytes(bytes(rt.Envelope(cid=cid, pong=rt.Pong())), to=sb.bot.id)
                # 6. chunks for nobody, short headers: ignored / counted
                await sb.push_many(
                    [*encode_raw_frames(0xFFFE, good, chunk_size=2), b"\xff", b"\xff\x00\x01"], to=sb.bot.id
                )
            assert isinstance(outcomes["status 500 + garbage"], ServerError)
            assert isinstance(outcomes["interleaved a"], rt.ChannelMessageUpdate)
            assert outcomes["interleaved a"] == update
            assert isinstance(outcomes["interleaved b"], NotFound)
            assert isinstance(outcomes["no FIN"], RequestTimeout)
            assert isinstance(outcomes["garbage answer"], ProtocolError)
            assert isinstance(outcomes["envelope answer"], ProtocolError)
            stats = client.statistics()
            assert stats.gateway.partial_raw_answers == 0
            assert stats.gateway.pending_requests == 0
            assert stats.gateway.stray_replies >= 1
            assert stats.protocol_errors == 2  # the two short headers
            assert stats.reconnects == 0
            await settle(lambda: client.is_ready)
            ack = await client.raw.request(send_envelope(sb, "bridge fuzz survived"))
            assert ack.channel_message_ack is not None


async def test_regressions_found_by_the_fuzz(mezon_log: CountingHandler) -> None:
    """Frames the fuzz found: wrongly typed fields, JSON nested past the recursion limit."""
    harness = ReceiveHarness()
    number = FIELD_NUMBERS["channel_message"]
    bad_frames = [
        field(number, 0, 5),  # the variant as a varint: an int, not a ChannelMessage
        field(number, 2, field(3, 2, b"\x01\x02")),  # message_id as a packed list
        field(number, 2, field(8, 0, 7)),  # content as a varint
        field(number, 2, field(16, 0, 7)),  # mentions (bytes) as a varint
        field(FIELD_NUMBERS["add_clan_user_event"], 0, 1),  # an internal push as a varint
        field(FIELD_NUMBERS["message_reaction_event"], 2, field(1, 2, b"\x05")),  # id as a list
    ]
    for frame in bad_frames:
        harness.feed(frame)
    stats = harness.client.statistics()
    assert stats.protocol_errors == len(bad_frames)
    assert sum(harness.delivered.values()) == len(bad_frames)  # only the PROTOCOL_ERROR events
    deep = rt.Envelope(
        channel_message=_chat(content="[" * 5000, mentions=b"[" * 5000, attachments=b'{"a":' * 3000)
    )
    harness.feed(bytes(deep))
    assert harness.delivered["channel_message"] == 1
    assert harness.read_errors == []
    assert mezon_log.errors == []
    assert mezon_log.bad_frame_warnings == len(bad_frames)


def _chat(**fields: object) -> api.ChannelMessage:
    return api.ChannelMessage(message_id=42, channel_id=1, **fields)  # type: ignore[arg-type]
