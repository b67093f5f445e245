"""Run one documentation snippet against an in-process sandbox (see ``snippets.py``).

Usage: ``python tests/docs/run_snippet.py SPEC.json``; SPEC holds ``code``, ``kind``
(``program`` or ``fragment``), ``name`` (for tracebacks), ``setup`` and the directive
options ``say``, ``say_dm``, ``expect``.  Exit status 0 means the snippet ran and, if it
was given lines to say, the bot answered with every expected text.
"""

from __future__ import annotations

import builtins
import importlib
import json
import re
import sys
import textwrap
import threading
from collections.abc import Awaitable, Callable
from typing import Any

import trio

from mezon_trio import MezonClient
from mezon_trio.testing import Received, Sandbox, open_sandbox

#: ``client_id="<bot id>", api_key="<api key>"`` (or ``...`` / ``"..."``): credentials of the real Mezon.
PLACEHOLDERS = re.compile(
    r"""client_id\s*=\s*(?:"<bot id>"|"\.\.\."|\.\.\.)\s*,\s*api_key\s*=\s*(?:"<api key>"|"\.\.\."|\.\.\.)"""
)
SUBSTITUTE = "**__sandbox__.client_kwargs()"
#: ``MezonClient(...)``: a client built with whatever credentials the reader has.
ELLIPSIS_CLIENT = re.compile(r"MezonClient\(\.\.\.\)")
#: The standalone sandbox's default address (``python -m mezon_trio sandbox``), replaced by the
#: address of the sandbox the runner started.
SANDBOX_ADDRESS = "127.0.0.1:7350"
LIMIT = float(__import__("os").environ.get("SNIPPET_LIMIT", "45"))

PUBLIC_MODULES = (
    "mezon_trio",
    "mezon_trio.bot",
    "mezon_trio.content",
    "mezon_trio.models",
    "mezon_trio.errors",
    "mezon_trio.events",
)


class _SandboxRef:
    """``__sandbox__`` in the snippet: the sandbox the runner opened."""

    sandbox: Sandbox | None = None

    def client_kwargs(self) -> dict[str, Any]:
        if self.sandbox is None:
            raise RuntimeError("snippet runner: the sandbox is not running yet")
        return self.sandbox.client_kwargs()


REF = _SandboxRef()
builtins.__sandbox__ = REF  # type: ignore[attr-defined]


def texts(item: Received) -> list[str]:
    """Every content string in something the bot sent (sends, ephemerals, edits)."""
    payload = item.payload
    out = []
    for obj in (payload, getattr(payload, "message", None)):
        content = getattr(obj, "content", None)
        if isinstance(content, str) and content:
            out.append(content)
            try:
                value = json.loads(content)
            except ValueError:
                continue
            if isinstance(value, dict) and isinstance(value.get("t"), str):
                out.append(value["t"])
    return out


async def bot_ready(sb: Sandbox) -> None:
    """Until the bot joined clan 0 and every clan (so it receives their pushes), then a moment."""
    await sb.wait_connected(sb.bot.id)
    await sb.wait_for(lambda r: r.user_id == sb.bot.id and r.kind == "clan_join", count=len(sb.clan_ids) + 1)
    await trio.sleep(0.5)  # let the snippet subscribe after `async with MezonClient(...)` returns


async def converse(sb: Sandbox, spec: dict[str, Any]) -> None:
    """Say the spec's lines as alice, then wait for every expected text in the bot's output."""
    await bot_ready(sb)
    start = trio.current_time()
    for text in spec.get("say", []):
        await sb.post_message(sb.human.id, sb.channel_id, text)
    for text in spec.get("say_dm", []):
        await sb.post_message(sb.human.id, sb.dm_channel_id, text)
    for text in spec.get("expect", []):

        def has(r: Received, text: str = text) -> bool:
            return r.time >= start and r.user_id == sb.bot.id and any(text in t for t in texts(r))

        await sb.wait_for(has)
        print(f"[snippet runner] the bot answered {text!r}", file=sys.stderr)


async def _with_sandbox(
    body: Callable[[Sandbox, trio.Nursery], Awaitable[None]], spec: dict[str, Any]
) -> None:
    try:
        with trio.fail_after(LIMIT):
            await _in_sandbox(body, spec)
    except trio.TooSlowError:
        sb = REF.sandbox
        if sb is not None:  # what the bot did, to see where it stopped
            for r in sb.received:
                print(f"[snippet runner] received from {r.user_id}: {r.kind} {texts(r)}", file=sys.stderr)
        raise


async def _in_sandbox(body: Callable[[Sandbox, trio.Nursery], Awaitable[None]], spec: dict[str, Any]) -> None:
    if True:
        async with open_sandbox() as sb:
            REF.sandbox = sb
            async with trio.open_nursery() as nursery:
                finished = trio.Event()

                async def run_body() -> None:
                    await body(sb, nursery)
                    finished.set()

                nursery.start_soon(run_body)
                if spec.get("say") or spec.get("say_dm"):
                    await converse(sb, spec)
                    nursery.cancel_scope.cancel()  # a bot runs forever: it answered, stop it
                else:
                    await finished.wait()
                    nursery.cancel_scope.cancel()


def _namespace() -> dict[str, Any]:
    ns: dict[str, Any] = {"__name__": "__main__", "trio": trio}
    for modname in PUBLIC_MODULES:
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", []):
            ns.setdefault(name, getattr(module, name))
    return ns


class SandboxThread:
    """A sandbox served by its own trio loop in a thread, started before the snippet runs.

    A program may build its client at import time (``client = MezonClient(client_id=...)`` at
    module level, as official-SDK code does), before its own ``trio.run``: the sandbox must
    already be listening then.
    """

    def __init__(self) -> None:
        self.sandbox: Sandbox | None = None
        self._ready = threading.Event()
        self._token: trio.lowlevel.TrioToken | None = None
        self._stop: trio.Event | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="sandbox", daemon=True)

    def _run(self) -> None:
        try:
            trio.run(self._serve)
        except BaseException as exc:
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        async with open_sandbox() as sb:
            self.sandbox = sb
            self._token = trio.lowlevel.current_trio_token()
            self._stop = trio.Event()
            self._ready.set()
            await self._stop.wait()

    def start(self) -> Sandbox:
        self._thread.start()
        self._ready.wait(LIMIT)
        if self.sandbox is None:
            raise RuntimeError(f"snippet runner: the sandbox did not start: {self._error!r}")
        return self.sandbox

    def call(self, afn: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Run ``afn(*args)`` in the sandbox's loop (from a worker thread of the snippet's loop)."""
        return trio.from_thread.run(afn, *args, trio_token=self._token)

    def stop(self) -> None:
        if self._stop is not None and self._thread.is_alive():
            trio.from_thread.run_sync(self._stop.set, trio_token=self._token)
            self._thread.join(10)


def run_program(spec: dict[str, Any], code: str) -> None:
    if not spec["uses_sandbox"]:
        exec(compile(code, spec["name"], "exec"), {"__name__": "__main__"})
        return
    server = SandboxThread()
    sb = server.start()
    REF.sandbox = sb
    compiled = compile(code.replace(SANDBOX_ADDRESS, f"{sb.host}:{sb.port}"), spec["name"], "exec")
    real_run = trio.run
    talk = bool(spec.get("say") or spec.get("say_dm"))

    def run(async_fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
        async def outer() -> None:
            with trio.fail_after(LIMIT):
                async with trio.open_nursery() as nursery:
                    finished = trio.Event()

                    async def body() -> None:
                        await async_fn(*args)
                        finished.set()

                    nursery.start_soon(body)
                    if talk:  # a bot runs forever: once it answered, stop it
                        await trio.to_thread.run_sync(server.call, converse, sb, spec)
                    else:
                        await finished.wait()
                    nursery.cancel_scope.cancel()

        try:
            return real_run(outer, **kwargs)
        except trio.TooSlowError:
            for r in sb.received:  # what the bot did, to see where it stopped
                print(f"[snippet runner] received from {r.user_id}: {r.kind} {texts(r)}", file=sys.stderr)
            raise

    trio.run = run
    try:
        exec(compiled, {"__name__": "__main__"})
    finally:
        server.stop()


def run_fragment(spec: dict[str, Any], code: str) -> None:
    source = "async def __fragment__(sb, client, nursery):\n" + textwrap.indent(
        spec.get("setup", "") + code + "\npass\n", "    "
    )
    ns = _namespace()
    exec(compile(source, spec["name"], "exec"), ns)
    fragment = ns["__fragment__"]

    async def body(sb: Sandbox, nursery: trio.Nursery) -> None:
        async with MezonClient(**sb.client_kwargs()) as client:
            await fragment(sb, client, nursery)

    trio.run(_with_sandbox, body, spec)


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    code, n = PLACEHOLDERS.subn(SUBSTITUTE, spec["code"])
    code, m = ELLIPSIS_CLIENT.subn(f"MezonClient({SUBSTITUTE})", code)
    spec["uses_sandbox"] = bool(n or m or SANDBOX_ADDRESS in code or spec.get("say") or spec.get("say_dm"))
    if spec["kind"] == "fragment":
        run_fragment(spec, code)
    else:
        run_program(spec, code)


if __name__ == "__main__":
    main()
