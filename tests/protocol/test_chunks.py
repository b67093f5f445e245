"""0xFF reassembly: concatenation per cid, FIN, status, stale discard, reset, size cap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mezon_trio._protocol.chunks import ChunkAssembler, RawResponse
from mezon_trio._protocol.frames import encode_raw_frames, parse_raw_frame
from mezon_trio.errors import ProtocolError


def frames(cid: int, payload: bytes, *, status: int = 0, chunk_size: int | None = None) -> list:
    return [parse_raw_frame(f) for f in encode_raw_frames(cid, payload, status=status, chunk_size=chunk_size)]


def test_single_chunk() -> None:
    a = ChunkAssembler()
    (f,) = frames(6, b"hello")
    assert a.feed(f, 0.0) == RawResponse(6, 0, b"hello")
    assert len(a) == 0


def test_interleaved_cids() -> None:
    a = ChunkAssembler()
    x = frames(1, b"aaaaaa", chunk_size=2)
    y = frames(2, b"bbbb", chunk_size=3)
    out = []
    for f in [x[0], y[0], x[1], y[1], x[2]]:
        r = a.feed(f, 0.0)
        if r is not None:
            out.append(r)
    assert out == [RawResponse(2, 0, b"bbbb"), RawResponse(1, 0, b"aaaaaa")]


def test_status_is_kept() -> None:
    a = ChunkAssembler()
    fs = frames(3, b"err", status=404, chunk_size=1)
    results = [a.feed(f, 0.0) for f in fs]
    assert results[-1] == RawResponse(3, 404, b"err")


def test_stale_streams_are_discarded_after_30s() -> None:
    a = ChunkAssembler()
    first, rest = frames(4, b"abcd", chunk_size=2)
    assert a.feed(first, 0.0) is None
    assert a.discard_stale(29.0) == 0
    assert a.discard_stale(31.0) == 1
    # The tail alone now completes an answer holding only the tail.
    assert a.feed(rest, 31.0) == RawResponse(4, 0, b"cd")
    assert a.discarded == 1


def test_reset_and_forget() -> None:
    a = ChunkAssembler()
    a.feed(frames(1, b"ab", chunk_size=1)[0], 0.0)
    a.feed(frames(2, b"ab", chunk_size=1)[0], 0.0)
    a.forget(1)
    a.forget(1)
    assert len(a) == 1
    a.reset()
    assert len(a) == 0
    assert a.discarded == 2


def test_oversized_answer() -> None:
    a = ChunkAssembler(max_response=4)
    fs = frames(1, b"abcdef", chunk_size=2)
    a.feed(fs[0], 0.0)
    a.feed(fs[1], 0.0)
    with pytest.raises(ProtocolError):
        a.feed(fs[2], 0.0)
    assert len(a) == 0


@given(payload=st.binary(max_size=300), chunk=st.integers(min_value=1, max_value=50))
def test_roundtrip(payload: bytes, chunk: int) -> None:
    a = ChunkAssembler()
    results = [a.feed(f, 0.0) for f in frames(65535, payload, chunk_size=chunk)]
    assert results[-1] == RawResponse(65535, 0, payload)
    assert all(r is None for r in results[:-1])
