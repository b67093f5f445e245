"""Line-oriented JSON plumbing between the benchmark processes (trio side).

Every benchmark process (sandbox, drivers) talks over its stdin/stdout: one
command per line in, one JSON object per line out.  :class:`LineReader` splits
a trio byte stream into lines; :class:`Child` runs a subprocess and exchanges
those lines with it, each exchange bounded by a deadline.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import trio

__all__ = ["Child", "ChildFailed", "LineReader", "emit", "stdin_reader"]

_EXIT_WAIT = 15.0


class ChildFailed(RuntimeError):
    """A benchmark process exited, answered with ``{"ok": false}`` or did not answer in time."""


class LineReader:
    """Split a trio receive stream into text lines (``\\n`` stripped)."""

    def __init__(self, stream: trio.abc.ReceiveStream) -> None:
        self._stream = stream
        self._buf = bytearray()

    async def readline(self) -> str | None:
        """The next line, or None at end of stream (a last unterminated line is returned first)."""
        while True:
            idx = self._buf.find(b"\n")
            if idx >= 0:
                line = bytes(self._buf[:idx])
                del self._buf[: idx + 1]
                return line.decode()
            chunk = await self._stream.receive_some(65536)
            if not chunk:
                if self._buf:
                    line = bytes(self._buf)
                    self._buf.clear()
                    return line.decode()
                return None
            self._buf += chunk


def stdin_reader() -> LineReader:
    """A :class:`LineReader` over this process's stdin (a duplicate descriptor)."""
    return LineReader(trio.lowlevel.FdStream(os.dup(sys.stdin.fileno())))


def emit(**fields: Any) -> None:
    """Write one JSON object as a line on stdout (flushed)."""
    sys.stdout.write(json.dumps(fields, separators=(",", ":")) + "\n")
    sys.stdout.flush()


class Child:
    """A subprocess speaking the line protocol; use ``async with Child.start(...)``."""

    def __init__(self, name: str, process: trio.Process) -> None:
        self.name = name
        self._process = process
        assert process.stdout is not None
        assert process.stdin is not None
        self._reader = LineReader(process.stdout)
        self._stdin = process.stdin

    @classmethod
    async def start(
        cls, name: str, argv: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: str | None = None
    ) -> Child:
        """Start *argv* with piped stdin/stdout (stderr inherited)."""
        full_env = dict(os.environ)
        if env:
            full_env.update(env)
        process = await trio.lowlevel.open_process(
            list(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=full_env, cwd=cwd
        )
        return cls(name, process)

    async def send(self, line: str) -> None:
        """Write one command line."""
        try:
            await self._stdin.send_all(line.encode() + b"\n")
        except (trio.BrokenResourceError, trio.ClosedResourceError) as exc:
            raise ChildFailed(f"{self.name}: cannot send {line.split()[0]!r}: process gone") from exc

    async def receive(self) -> dict[str, Any]:
        """The next JSON line (other lines are skipped); bound it with ``trio.fail_after``.

        Raises:
            ChildFailed: end of output, or ``"ok": false`` in the answer.
        """
        while True:
            line = await self._reader.readline()
            if line is None:
                code = await self._wait_exit()
                raise ChildFailed(f"{self.name}: exited (status {code}) without answering")
            line = line.strip()
            if not line.startswith("{"):
                continue
            answer: dict[str, Any] = json.loads(line)
            if answer.get("ok") is False:
                raise ChildFailed(f"{self.name}: {answer.get('error', 'failed')}")
            return answer

    async def request(self, line: str) -> dict[str, Any]:
        """Send a command and return its answer."""
        await self.send(line)
        return await self.receive()

    async def _wait_exit(self) -> int | None:
        with trio.move_on_after(_EXIT_WAIT):
            return await self._process.wait()
        return None

    async def aclose(self) -> None:
        """Ask the process to quit; kill it if it has not exited within 15 s (shielded)."""
        with trio.CancelScope(shield=True):
            if self._process.returncode is None:
                try:
                    await self._stdin.send_all(b"quit\n")
                    await self._stdin.aclose()
                except (trio.BrokenResourceError, trio.ClosedResourceError):
                    pass
                if await self._wait_exit() is None:
                    self._process.kill()
                    await self._process.wait()
            assert self._process.stdout is not None
            await self._process.stdout.aclose()
