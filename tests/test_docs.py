"""docs/API.md covers every public name; MIGRATION.md names only things that exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parent.parent / "docs"
MODULES = (
    "mezon_trio",
    "mezon_trio.errors",
    "mezon_trio.events",
    "mezon_trio.models",
    "mezon_trio.content",
    "mezon_trio.bot",
    "mezon_trio.testing",
)


def _sections() -> dict[str, str]:
    text = (DOCS / "API.md").read_text(encoding="utf-8")
    parts = re.split(r"^## `([\w.]+)`$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


@pytest.mark.parametrize("modname", MODULES)
def test_api_reference_covers_every_public_name(modname: str) -> None:
    module = importlib.import_module(modname)
    section = _sections().get(modname)
    assert section is not None, f"docs/API.md has no section for {modname}: run python docs/gen_api.py"
    missing = [name for name in module.__all__ if f"### `{name}`" not in section]
    assert not missing, f"docs/API.md lacks {missing} in {modname}: run python docs/gen_api.py"
