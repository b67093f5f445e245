"""Shared helpers for the client tests (real sandbox, no mocks of our own classes)."""

from __future__ import annotations

import os
from typing import Any

import trio

import mezon_trio

_PACKAGE = os.path.dirname(mezon_trio.__file__)
_CLIENT_FILES = tuple(
    os.path.join(_PACKAGE, name)
    for name in ("_client.py", "_session.py", "_streams.py", "_ratelimit.py", "_transport" + os.sep)
)


def client_kwargs(sb: Any, **overrides: Any) -> dict[str, Any]:
    """The sandbox's kwargs for the seeded bot, with test-friendly limits."""
    kwargs: dict[str, Any] = sb.client_kwargs()
    kwargs.update(api_rate_limit=1000.0, api_burst=1000, timeout=5000)
    kwargs.update(overrides)
    return kwargs


def _is_client_task(task: trio.lowlevel.Task) -> bool:
    if task.name.startswith("mezon-"):
        return True
    code = getattr(task.coro, "cr_code", None)
    filename = code.co_filename if code is not None else ""
    return filename.startswith(_CLIENT_FILES)


def client_tasks() -> list[trio.lowlevel.Task]:
    """Every live task running mezon-trio client code, anywhere in the run."""
    found: list[trio.lowlevel.Task] = []

    def walk(task: trio.lowlevel.Task) -> None:
        for nursery in task.child_nurseries:
            for child in nursery.child_tasks:
                if _is_client_task(child):
                    found.append(child)
                walk(child)

    walk(trio.lowlevel.current_root_task())
    return found


async def wait_no_connections(sb: Any, *, within: float = 5.0) -> None:
    """Wait until the sandbox sees no open socket (closing completes asynchronously on its side)."""
    with trio.fail_after(within):
        while sb.connection_count() != 0:  # noqa: ASYNC110 - a counter, nothing to wait on
            await trio.sleep(0.01)
