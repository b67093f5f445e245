"""Shared fixtures of the reliability tests (issue 7).

Sizes: every scalable test takes the ``scale`` fixture, which runs it twice,
``[ci]`` with CI sizes and ``[long]`` with the long sizes.  The long variant
carries the ``slow`` marker: ``nox -s tests`` (``-m "not slow"``) runs only the
CI sizes, ``nox -s stress`` (``-m slow``, ``MEZON_STRESS=1``) only the long
ones.  A plain ``pytest`` skips the long variants unless ``MEZON_STRESS=1`` is
set or ``-m`` mentions ``slow``.

Figures: tests record what they measured with ``figures.record(...)``; the
figures are printed in the terminal summary (no ``-s`` needed) and written as
JSON to ``<pytest basetemp>/reliability-figures.json``.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest

STRESS = os.environ.get("MEZON_STRESS") == "1"
_HERE = Path(__file__).parent
_FIGURES = pytest.StashKey[dict[str, dict[str, Any]]]()

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Scale:
    """The size class of one run of a scalable test."""

    name: str

    @property
    def long(self) -> bool:
        return self.name == "long"

    def pick(self, ci: T, long: T) -> T:
        """*ci* in the CI run, *long* in the long (stress) run."""
        return long if self.long else ci


@pytest.fixture(params=[pytest.param("ci"), pytest.param("long", marks=pytest.mark.slow)])
def scale(request: pytest.FixtureRequest) -> Scale:
    return Scale(request.param)


class Figures:
    """Collects the figures of the reliability tests (see the module docstring)."""

    def __init__(self, store: dict[str, dict[str, Any]], path: Path) -> None:
        self._store = store
        self.path = path

    def record(self, name: str, values: dict[str, Any]) -> None:
        """Record (and print, visible with ``-s``) the figures of one test run."""
        self._store[name] = values
        print(f"\n[reliability] {name}: {json.dumps(values, sort_keys=True)}")  # noqa: T201 - shown with -s
        self.path.write_text(json.dumps(self._store, indent=2, sort_keys=True) + "\n")


@pytest.fixture(scope="session")
def figures(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Figures:
    store = request.config.stash.setdefault(_FIGURES, {})
    return Figures(store, tmp_path_factory.getbasetemp() / "reliability-figures.json")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if STRESS or "slow" in (config.option.markexpr or ""):
        return
    skip = pytest.mark.skip(reason="long variant: set MEZON_STRESS=1 or run `nox -s stress`")
    for item in items:
        if item.get_closest_marker("slow") is not None and _HERE in Path(str(item.path)).parents:
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    store = config.stash.get(_FIGURES, None)
    if not store:
        return
    terminalreporter.section("reliability figures")
    for name, values in sorted(store.items()):
        terminalreporter.write_line(f"{name}: {json.dumps(values, sort_keys=True)}")
