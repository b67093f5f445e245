from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from mezon_trio._proto.mezon import api
from mezon_trio.testing import Sandbox, open_sandbox

from .raw import bot_session


@pytest.fixture
async def sb() -> AsyncIterator[Sandbox]:
    async with open_sandbox() as sandbox:
        yield sandbox


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
async def session(sb: Sandbox, http: httpx.AsyncClient) -> api.Session:
    return await bot_session(sb, http)
