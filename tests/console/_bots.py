"""Bots for the console tests: the demo's command bot and the buttons-and-forms example."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import trio

from mezon_trio import MezonClient
from mezon_trio._demo import run_demo_bot
from mezon_trio.testing import Sandbox

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def load_example(name: str) -> ModuleType:
    """Import examples/<name>.py (with its _common helper on sys.path, as when run as a script)."""
    import sys

    if str(EXAMPLES) not in sys.path:
        sys.path.insert(0, str(EXAMPLES))
    spec = importlib.util.spec_from_file_location(f"console_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@asynccontextmanager
async def running_bot(sb: Sandbox, bot: Any = run_demo_bot) -> AsyncIterator[MezonClient]:
    """Log the seeded bot in and run *bot* on it until the block ends."""
    kwargs = {**sb.client_kwargs(), "api_rate_limit": 100.0, "api_burst": 100}
    async with MezonClient(**kwargs) as client, trio.open_nursery() as nursery:
        await nursery.start(bot, client)
        yield client
        nursery.cancel_scope.cancel()
