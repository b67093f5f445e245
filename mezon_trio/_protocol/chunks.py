"""Reassembly of raw 0xFF API-bridge answers (docs/protocol.md §3.5).

Chunks that share a cid are concatenated in arrival order until the chunk
carrying the FIN flag.  Streams that never finish are discarded after
``stale_after`` seconds, and all partial streams are dropped on reconnect
(:meth:`ChunkAssembler.reset`).  Sans-I/O: the caller passes the current time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from ..errors import ProtocolError
from .frames import RawFrame

__all__ = ["DEFAULT_MAX_RESPONSE", "STALE_AFTER", "ChunkAssembler", "RawResponse"]

STALE_AFTER: Final = 30.0
DEFAULT_MAX_RESPONSE: Final = 64 << 20


@dataclass(frozen=True, slots=True)
class RawResponse:
    """A complete bridge answer."""

    cid: int
    status: int
    payload: bytes


@dataclass(slots=True)
class _Partial:
    started: float
    status: int
    parts: list[bytes] = field(default_factory=list)
    size: int = 0


class ChunkAssembler:
    """Collects raw frames per cid until FIN."""

    __slots__ = ("_max_response", "_partial", "_stale_after", "discarded")

    def __init__(self, *, stale_after: float = STALE_AFTER, max_response: int = DEFAULT_MAX_RESPONSE) -> None:
        self._stale_after = stale_after
        self._max_response = max_response
        self._partial: dict[int, _Partial] = {}
        #: streams dropped as stale, oversized or by reset, for statistics.
        self.discarded = 0

    def __len__(self) -> int:
        return len(self._partial)

    def feed(self, frame: RawFrame, now: float) -> RawResponse | None:
        """Add one chunk; return the whole answer when *frame* is the last chunk.

        A non-zero status in any chunk marks the answer as failed (the last
        non-zero status wins).

        Raises:
            ProtocolError: the reassembled answer would exceed ``max_response``
                bytes (the partial stream is dropped).
        """
        self.discard_stale(now)
        partial = self._partial.get(frame.cid)
        if partial is None:
            if frame.fin:
                # The common case: a single-chunk answer, no copy.
                return RawResponse(frame.cid, frame.status, frame.payload)
            partial = self._partial[frame.cid] = _Partial(started=now, status=frame.status)
        partial.parts.append(frame.payload)
        partial.size += len(frame.payload)
        if frame.status:
            partial.status = frame.status
        if partial.size > self._max_response:
            del self._partial[frame.cid]
            self.discarded += 1
            raise ProtocolError(f"raw answer for cid {frame.cid} exceeds {self._max_response} bytes")
        if not frame.fin:
            return None
        del self._partial[frame.cid]
        return RawResponse(frame.cid, partial.status, b"".join(partial.parts))

    def discard_stale(self, now: float) -> int:
        """Drop streams started more than ``stale_after`` seconds ago; return how many."""
        stale = [cid for cid, p in self._partial.items() if now - p.started > self._stale_after]
        for cid in stale:
            del self._partial[cid]
        self.discarded += len(stale)
        return len(stale)

    def forget(self, cid: int) -> None:
        """Drop the partial stream of *cid*, if any (its requester gave up)."""
        if self._partial.pop(cid, None) is not None:
            self.discarded += 1

    def reset(self) -> None:
        """Drop every partial stream (the socket was replaced)."""
        self.discarded += len(self._partial)
        self._partial.clear()
