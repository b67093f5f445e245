"""``open_sandbox``: start a sandbox (HTTP and WebSocket servers, state, fake chain) in a nursery."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path
from typing import Any, cast

import trio
import trio.testing

from .._protocol.snowflake import SnowflakeGenerator
from .._surface import plain_interrupt_nursery
from ._control import ControlAPI, is_loopback
from ._core import SandboxCore
from ._extras import require_sandbox_extra
from ._faults import Faults
from ._gateway import Gateway
from ._http import SandboxApp
from ._server import SHUTDOWN_TIMEOUT, Sandbox, SandboxInternalError, _sync_balances
from ._state import SandboxState, default_state

__all__ = ["open_sandbox"]

log = logging.getLogger("mezon_trio.testing")


def _initial_state(
    state_file: str | Path | None, ids: SnowflakeGenerator, history_limit: int | None
) -> SandboxState:
    if state_file is not None and Path(state_file).exists():
        return SandboxState.load(state_file, history_limit=history_limit)
    return default_state(ids.next, history_limit=history_limit)


def _make_chain(core: SandboxCore) -> Any:
    try:
        from ._chain import FakeChain
    except ImportError:  # not built yet: the MMN/ZK routes answer 503
        return None
    return FakeChain(
        id_token_owner=core.id_token_owner,
        on_transfer=core.on_chain_transfer,
        balances={uid: tokens for uid, tokens in core.state.balances.items() if tokens > 0},
        known_users=lambda: list(core.state.users),
    )


async def _serve_http(
    app: SandboxApp,
    host: str,
    port: int,
    shutdown: trio.Event,
    done: trio.Event,
    *,
    task_status: trio.TaskStatus[int],
) -> None:
    from hypercorn.config import Config
    from hypercorn.trio import serve

    config = Config()
    config.bind = [f"{host}:{port}"]
    config.graceful_timeout = 1.0
    config.accesslog = None
    config.errorlog = logging.getLogger("mezon_trio.testing.hypercorn")
    try:
        async with trio.open_nursery() as nursery:
            bound: list[str] = await nursery.start(
                partial(serve, cast(Any, app), config, shutdown_trigger=shutdown.wait)
            )
            task_status.started(int(bound[0].rsplit(":", 1)[1]))
    finally:
        done.set()


@asynccontextmanager
async def open_sandbox(
    *,
    in_memory: bool = False,
    state_file: str | Path | None = None,
    token_ttl: float = 3600.0,
    bare_ws_url: bool = False,
    echo_own_messages: bool = False,
    host: str = "127.0.0.1",
    port: int = 0,
    ws_port: int = 0,
    state: SandboxState | None = None,
    history_limit: int | None = 50_000,
    raise_internal_errors: bool = True,
    allow_remote: bool = False,
) -> AsyncIterator[Sandbox]:
    """Run a sandbox in the caller's task tree (its own nursery inside this context).

    Args:
        in_memory: no sockets: use ``sb.http_transport()`` / ``sb.frame_connect``
            (both in ``sb.client_kwargs()``); for ``autojump_clock`` tests.
        state_file: JSON state to load if the file exists (else the default
            seed) and to write back on exit.
        token_ttl: session token lifetime in seconds (``exp`` claim).
        bare_ws_url: return ``ws_url`` as bare ``host:port`` (docs/protocol.md §2.4 rule 2).
        echo_own_messages: also push a sender's own messages/edits/reactions to it.
        host, port, ws_port: bind addresses (port 0: any free port).
        state: use this state instead of the seed/state file.
        history_limit: stored messages per channel (oldest dropped beyond).
        raise_internal_errors: raise :class:`SandboxInternalError` on exit if
            the sandbox hit a bug while serving (and the body raised nothing).
        allow_remote: allow a *host* that is not a loopback address. The
            sandbox has no authentication on its console and control API
            (``/_sandbox/v1``): anyone who reaches the port can post as any
            user. Without this flag a non-loopback *host* raises ValueError.

    Entering binds the ports and returns once both servers accept connections.
    Exiting closes every socket with 1000 (bounded by 2 s), stops hypercorn
    gracefully, saves the state file; an exception from the body propagates
    unchanged.

    Raises:
        ConfigurationError: real sockets asked for without the ``sandbox`` extra (hypercorn).
    """
    if not in_memory and not allow_remote and not is_loopback(host):
        raise ValueError(
            f"refusing to bind the sandbox to {host!r}: not a loopback address, and its console and "
            "control API let anyone who reaches the port act as any user; pass allow_remote=True "
            "(--allow-remote) to do it anyway"
        )
    if not in_memory:
        require_sandbox_extra("open_sandbox()")
    ids = SnowflakeGenerator(datacenter=2, worker=3)
    if state is None:
        # synchronous on purpose: a worker thread would let autojump_clock leap ahead
        state = _initial_state(state_file, ids, history_limit)
    core = SandboxCore(
        state=state,
        faults=Faults(),
        ids=ids,
        token_ttl=token_ttl,
        bare_ws_url=bare_ws_url,
        echo_own_messages=echo_own_messages,
    )
    core.host = host
    core.chain = _make_chain(core)
    gateway = Gateway(core)
    app = SandboxApp(core)
    shutdown = trio.Event()
    http_done = trio.Event()
    body_error: BaseException | None = None
    async with plain_interrupt_nursery() as nursery:  # Ctrl-C: a plain KeyboardInterrupt
        if in_memory:
            core.http_port = port or 7350
            core.ws_port = ws_port or (core.http_port + 1)
            http_done.set()
        else:
            core.http_port = await nursery.start(_serve_http, app, host, port, shutdown, http_done)
            listeners = await trio.open_tcp_listeners(ws_port, host=host)
            core.ws_port = listeners[0].socket.getsockname()[1]
            await nursery.start(trio.serve_listeners, gateway.handle_stream, listeners)
        sandbox = Sandbox(core, gateway, app, nursery, in_memory=in_memory)
        app.control = ControlAPI(sandbox, allow_remote=allow_remote)
        try:
            yield sandbox
        except trio.Cancelled:
            raise
        except BaseException as exc:
            body_error = exc
        finally:
            with trio.CancelScope(shield=True):
                core.features.agent.drop_all()
                await _shutdown(core, shutdown, http_done)
                core.features.close()
                if state_file is not None:
                    try:
                        _sync_balances(core)
                        core.state.save(state_file)  # small file, once: synchronous (see above)
                    except OSError as exc:
                        log.error("could not save the sandbox state to %s: %s", state_file, exc)
            nursery.cancel_scope.cancel()
    if body_error is not None:
        raise body_error
    if raise_internal_errors and core.internal_errors:
        raise SandboxInternalError(core.internal_errors) from core.internal_errors[0]


async def _shutdown(core: SandboxCore, shutdown: trio.Event, http_done: trio.Event) -> None:
    core.feed.close()  # ends the console's event streams
    with trio.move_on_after(SHUTDOWN_TIMEOUT):
        for conn in list(core.connections):
            conn.request_close(1000, "sandbox closed")
        await core.wait_disconnected()
    shutdown.set()
    with trio.move_on_after(SHUTDOWN_TIMEOUT):
        await http_done.wait()
