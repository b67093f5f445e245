"""The committed mezon_trio/_proto is what codegen/generate.py makes of proto/ today."""

from __future__ import annotations

import shutil
import subprocess
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = "protoc-gen-python_betterproto2"


def _tool(name: str) -> str | None:
    """Where generate.py will find *name*: next to this interpreter first, then on PATH."""
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.exists() else shutil.which(name)


def _versions() -> str:
    found = []
    for dist in ("betterproto2-compiler", "grpcio-tools", "ruff"):
        try:
            found.append(f"{dist} {version(dist)}")
        except PackageNotFoundError:
            found.append(f"{dist} (not installed as a package)")
    return ", ".join(found)


def test_generated_bindings_are_fresh() -> None:
    for tool in (PLUGIN, "ruff"):
        if _tool(tool) is None:
            pytest.skip(f"{tool} is not installed here (the codegen tooling: pip install -e '.[codegen]')")
    pytest.importorskip("grpc_tools", reason="grpcio-tools (codegen tooling) is not installed")
    result = subprocess.run(
        [sys.executable, str(ROOT / "codegen" / "generate.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, (
        f"codegen/generate.py --check failed (exit {result.returncode}) with {_versions()}; "
        f"run `nox -s codegen` and commit, or install the pinned codegen tooling:\n"
        f"{result.stdout}{result.stderr[-4000:]}"
    )
