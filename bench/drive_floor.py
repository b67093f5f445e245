"""Benchmark driver with no SDK at all: the floor of send->ack latency against the sandbox.

    python -m bench.drive_floor --sandbox '<json line of bench.sandbox_proc>'

What is left when a client does no work of its own: the request frames are built
and masked before the clock starts, then each send is one ``sendall`` on a
plain blocking socket (``TCP_NODELAY``) and reading until the frame with the
same Envelope cid (a few top-level tags peeked, nothing decoded).  No event
loop, no task switch, no SDK bookkeeping on the timed path.  The generated
protobuf classes build the frames (importing them loads the ``mezon_trio``
package, trio included, but nothing here runs trio).

Commands on stdin, one JSON answer line each on stdout (the subset of
``bench/drive_ours.py``'s protocol that the send scenario uses):

``raw TOKEN``
    open the WebSocket by hand with the session *TOKEN* (subprotocol
    ``protobuf``), join the sandbox's clan and wait for the reply.
``send COUNT CONCURRENCY CHANNEL_ID``
    COUNT ``channel_message_send`` requests, CONCURRENCY of them in flight
    (a new one written as each ack arrives), each timed from its write to its
    ack; answers ``lat`` (seconds per send) and ``cpu_s`` (process CPU of the
    timed part only).
``quit``
    exit.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import socket
import sys
import time
from typing import Any
from urllib.parse import urlsplit

from mezon_trio._proto.mezon import realtime as rt
from mezon_trio._protocol.peek import EnvelopeHead, peek_envelope
from mezon_trio._transport.websocket import client_frame

from ._lines import emit

#: What the other drivers send (``ChannelMessageContent(t="benchmark send")``), as JSON.
CONTENT = json.dumps({"t": "benchmark send"}, separators=(",", ":"))
_CHANNEL_MODE = 2  # ChannelStreamMode.CHANNEL: a clan text channel
_WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455 §1.3
_BINARY, _CLOSE, _PING, _PONG = 0x2, 0x8, 0x9, 0xA
#: The Envelope field number of ``channel_message_ack`` (what a successful send gets back).
ACK_FIELD = peek_envelope(bytes(rt.Envelope(channel_message_ack=rt.ChannelMessageAck()))).field_number
_NOTHING = EnvelopeHead(0, 0)


class Connection:
    """A WebSocket over a blocking socket: write ready-made frames, read Envelope cids."""

    def __init__(self, ws_url: str, token: str) -> None:
        url = urlsplit(ws_url)
        host, port = url.hostname or "127.0.0.1", url.port or 80
        self._sock = socket.create_connection((host, port))
        self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        key = base64.b64encode(os.urandom(16))
        request = (
            f"GET /ws?lang=en&status=true&token={token}&format=protobuf HTTP/1.1\r\n"
            f"Host: {host}:{port}\r\n"
            "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key.decode()}\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: protobuf\r\n\r\n"
        )
        self._sock.sendall(request.encode())
        self._buf = bytearray()
        while b"\r\n\r\n" not in self._buf:
            self._receive()
        end = self._buf.index(b"\r\n\r\n") + 4
        head = bytes(self._buf[:end]).decode("latin-1")
        del self._buf[:end]
        accept = base64.b64encode(hashlib.sha1(key + _WS_GUID).digest()).decode()
        if not head.startswith("HTTP/1.1 101") or accept not in head:
            raise ConnectionError(f"WebSocket upgrade refused: {head.splitlines()[0]!r}")

    def _receive(self) -> None:
        chunk = self._sock.recv(65536)
        if not chunk:
            raise ConnectionError("the sandbox closed the connection")
        self._buf += chunk

    def write(self, frame: bytes) -> None:
        """Send one ready-made frame (:func:`client_frame`)."""
        self._sock.sendall(frame)

    def message(self) -> bytes:
        """The next binary message from the server (pings answered, other frames skipped)."""
        buf = self._buf
        while True:
            if len(buf) >= 2:
                n, head = buf[1] & 0x7F, 2
                if n == 126:
                    n, head = int.from_bytes(buf[2:4], "big"), 4
                elif n == 127:
                    n, head = int.from_bytes(buf[2:10], "big"), 10
                if len(buf) >= head + n:  # (also false while the length itself is incomplete)
                    first = buf[0]
                    payload = bytes(buf[head : head + n])
                    del buf[: head + n]
                    opcode = first & 0x0F
                    if opcode == _BINARY and first & 0x80:
                        return payload
                    if opcode == _PING:
                        self.write(client_frame(payload, _PONG))
                    elif opcode == _CLOSE:
                        raise ConnectionError("the sandbox closed the WebSocket")
                    elif opcode == _BINARY or opcode == 0:
                        raise ConnectionError("fragmented message (the sandbox sends none)")
                    continue
            self._receive()

    def reply(self) -> EnvelopeHead:
        """The cid and variant of the next Envelope (raw 0xFF API frames read as cid 0, variant 0)."""
        payload = self.message()
        return _NOTHING if payload[:1] == b"\xff" else peek_envelope(payload)


class Driver:
    def __init__(self, sandbox: dict[str, Any]) -> None:
        self.sandbox = sandbox
        self.conn: Connection | None = None
        self.next_cid = 1

    def _cids(self, count: int) -> range:
        first = self.next_cid
        self.next_cid += count
        return range(first, first + count)

    def raw(self, token: str) -> None:
        conn = Connection(self.sandbox["ws_url"], token)
        (cid,) = self._cids(1)
        conn.write(client_frame(bytes(rt.Envelope(cid=cid, clan_join=rt.ClanJoin(clan_id=self.clan_id)))))
        while conn.reply().cid != cid:
            pass
        self.conn = conn

    @property
    def clan_id(self) -> int:
        return int(self.sandbox["clan_id"])

    def frames(self, count: int, channel_id: int) -> list[tuple[int, bytes]]:
        """*count* ``channel_message_send`` requests, encoded and masked, with fresh cids."""
        return [
            (
                cid,
                client_frame(
                    bytes(
                        rt.Envelope(
                            cid=cid,
                            channel_message_send=rt.ChannelMessageSend(
                                clan_id=self.clan_id,
                                channel_id=channel_id,
                                content=CONTENT,
                                mode=_CHANNEL_MODE,
                                is_public=True,
                            ),
                        )
                    )
                ),
            )
            for cid in self._cids(count)
        ]

    def send(self, requests: list[tuple[int, bytes]], depth: int) -> list[float]:
        """Write *requests* keeping *depth* in flight; each one's seconds from write to ack.

        Raises:
            RuntimeError: a reply was not a ``channel_message_ack`` (checked after the last one).
        """
        conn = self.conn
        assert conn is not None, "raw TOKEN first"
        clock = time.perf_counter
        lat: list[float] = []
        pending: dict[int, float] = {}  # cid -> when its frame was written
        for cid, frame in requests[:depth]:
            pending[cid] = clock()
            conn.write(frame)
        following = iter(requests[depth:])
        not_acks = 0
        while pending:
            cid, variant = conn.reply()
            t0 = pending.pop(cid, None)
            if t0 is None:
                continue  # a push, or a reply to nothing of ours
            lat.append(clock() - t0)
            not_acks += variant != ACK_FIELD
            request = next(following, None)
            if request is not None:
                pending[request[0]] = clock()
                conn.write(request[1])
        if not_acks:
            raise RuntimeError(f"{not_acks} of {len(requests)} sends were answered without an ack")
        return lat

    def main(self) -> None:
        while line := sys.stdin.readline():
            words = line.split()
            if not words:
                continue
            cmd, *rest = words
            if cmd == "quit":
                break
            try:
                if cmd == "raw":
                    self.raw(rest[0])
                    emit(ok=True, ready=True)
                elif cmd == "send":
                    requests = self.frames(int(rest[0]), int(rest[2]))  # before the clock starts
                    cpu0 = time.process_time()
                    lat = self.send(requests, max(1, int(rest[1])))
                    emit(ok=True, lat=lat, cpu_s=time.process_time() - cpu0)
                else:
                    emit(ok=False, error=f"unknown command {cmd!r}")
            except Exception as exc:
                emit(ok=False, error=f"{type(exc).__name__}: {exc}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sandbox", required=True, help="the JSON line printed by bench.sandbox_proc")
    args = parser.parse_args()
    Driver(json.loads(args.sandbox)).main()


if __name__ == "__main__":
    main()
