"""Helpers of the reliability tests: client settings, task/socket/fd probes, percentiles."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from typing import Any

import trio

import mezon_trio
from mezon_trio._proto.mezon import realtime as rt

_PACKAGE = os.path.dirname(mezon_trio.__file__)
_SANDBOX = os.path.join(_PACKAGE, "testing") + os.sep


def client_kwargs(sb: Any, **overrides: Any) -> dict[str, Any]:
    """The sandbox's kwargs for the seeded bot, without the client-side rate limits.

    The sandbox enforces no budget unless ``sb.faults.rate_limits`` is set, and the
    storms would otherwise measure the token buckets instead of the reconnects.
    """
    kwargs: dict[str, Any] = sb.client_kwargs()
    kwargs.update(api_rate_limit=10_000.0, api_burst=10_000, ws_rate_limit=100_000.0, timeout=10_000)
    kwargs.update(overrides)
    return kwargs


def send_envelope(sb: Any, text: str, *, channel_id: int | None = None) -> rt.Envelope:
    """A raw ``channel_message_send`` of *text* to the general channel (or *channel_id*)."""
    return rt.Envelope(
        channel_message_send=rt.ChannelMessageSend(
            clan_id=sb.clan_id,
            channel_id=channel_id or sb.channel_id,
            content=json.dumps({"t": text}),
            mode=2,
            is_public=True,
        )
    )


def _is_client_task(task: trio.lowlevel.Task) -> bool:
    if task.name.startswith("mezon-"):
        return True
    code = getattr(task.coro, "cr_code", None)
    filename: str = code.co_filename if code is not None else ""
    return filename.startswith(_PACKAGE) and not filename.startswith(_SANDBOX)


def all_tasks() -> list[trio.lowlevel.Task]:
    """Every live task of the current trio run."""
    found: list[trio.lowlevel.Task] = []

    def walk(task: trio.lowlevel.Task) -> None:
        found.append(task)
        for nursery in task.child_nurseries:
            for child in nursery.child_tasks:
                walk(child)

    root = trio.lowlevel.current_root_task()
    assert root is not None
    walk(root)
    return found


def client_tasks() -> list[trio.lowlevel.Task]:
    """Live tasks running mezon-trio client code (sandbox code excluded)."""
    return [t for t in all_tasks() if _is_client_task(t)]


def describe(tasks: Iterable[trio.lowlevel.Task]) -> list[str]:
    out = []
    for task in tasks:
        code = getattr(task.coro, "cr_code", None)
        where = f"{code.co_filename}:{code.co_firstlineno}" if code is not None else "?"
        out.append(f"{task.name} ({where})")
    return out


def open_fds() -> set[str]:
    """Targets of this process's open file descriptors (Linux ``/proc/self/fd``)."""
    out = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            out.add(f"{fd}->{os.readlink(f'/proc/self/fd/{fd}')}")
        except OSError:  # closed meanwhile (the listdir's own fd)
            continue
    return out


async def settle(check: Any, *, within: float = 5.0, step: float = 0.01) -> None:
    """Poll *check()* (truthy = settled) until it holds; fail after *within* seconds."""
    with trio.fail_after(within):
        while not check():  # noqa: ASYNC110 - polling counters, nothing to wait on
            await trio.sleep(step)


def percentile(values: list[float], q: float) -> float:
    """The *q*-th percentile (nearest rank) of *values*; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


_TCP_STATES = {"01": "ESTABLISHED", "06": "TIME_WAIT", "07": "CLOSE", "08": "CLOSE_WAIT", "0A": "LISTEN"}


def tcp_sockets() -> dict[str, tuple[int, int, str]]:
    """``"socket:[inode]"`` -> (local port, remote port, state) for this machine's TCP sockets."""
    out: dict[str, tuple[int, int, str]] = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as f:
                lines = f.read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            cols = line.split()
            local, remote, state, inode = cols[1], cols[2], cols[3], cols[9]
            out[f"socket:[{inode}]"] = (
                int(local.rsplit(":", 1)[1], 16),
                int(remote.rsplit(":", 1)[1], 16),
                _TCP_STATES.get(state, state),
            )
    return out


def describe_fd(entry: str) -> str:
    """*entry* (``"fd->target"``) with the socket table it appears in, for failure messages."""
    target = entry.split("->", 1)[1]
    if not target.startswith("socket:["):
        return entry
    inode = target[8:-1]
    for table in ("tcp", "tcp6", "udp", "udp6", "unix"):
        try:
            with open(f"/proc/net/{table}") as f:
                for line in f:
                    if inode in line.split():
                        return f"{entry} ({table}: {' '.join(line.split()[:4])})"
        except OSError:
            continue
    return f"{entry} (in no socket table: created, never connected)"


def client_side_fds(before: set[str], server_ports: set[int]) -> set[str]:
    """Descriptors opened since *before*, minus the sandbox's own server-side sockets."""
    new = open_fds() - before
    if not new:
        return new
    sockets = tcp_sockets()
    keep = set()
    for entry in new:
        target = entry.split("->", 1)[1]
        info = sockets.get(target)
        if info is not None and info[0] in server_ports:
            continue  # accepted by the sandbox (hypercorn keeps idle keep-alive sockets ~5 s)
        keep.add(entry)
    return keep


_SERVER_CODE = (_SANDBOX, os.sep + "hypercorn" + os.sep, "_highlevel_serve_listeners.py")


def _server_side(task: trio.lowlevel.Task) -> bool:
    current: trio.lowlevel.Task | None = task
    while current is not None:
        code = getattr(current.coro, "cr_code", None)
        if code is not None and any(part in code.co_filename for part in _SERVER_CODE):
            return True
        nursery = current.parent_nursery
        current = nursery.parent_task if nursery is not None else None
    return False


def client_side_tasks(before: set[trio.lowlevel.Task]) -> list[trio.lowlevel.Task]:
    """Tasks started since *before* that do not serve the sandbox (nor are the current one)."""
    me = trio.lowlevel.current_task()
    return [t for t in all_tasks() if t not in before and t is not me and not _server_side(t)]
