"""Issue 12 item 5: the wheel installed without the ``sandbox`` extra.

``wheel_python`` (conftest) builds the wheel from this checkout and installs it, with its
dependencies but no extras, into a fresh venv: what ``pip install mezon-trio`` gives a user.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

HINT = "pip install 'mezon-trio[sandbox]'"


def _run(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(python), *args], capture_output=True, text=True, timeout=120, cwd=python.parent, check=False
    )


def test_the_wheel_has_no_hypercorn(wheel_python: Path) -> None:
    proc = _run(wheel_python, "-c", "import importlib.util as u; print(u.find_spec('hypercorn'))")
    assert proc.stdout.strip() == "None", "the test venv must lack the sandbox extra"


@pytest.mark.parametrize(("command", "what"), [("demo", "The demo"), ("sandbox", "The sandbox server")])
def test_commands_say_what_to_install(wheel_python: Path, command: str, what: str) -> None:
    proc = _run(wheel_python, "-m", "mezon_trio", command)
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == (
        f"{what} needs the sandbox's HTTP server (hypercorn), which comes with the 'sandbox' extra:\n"
        f"    {HINT}\n"
    )


def test_open_sandbox_says_what_to_install(wheel_python: Path) -> None:
    code = (
        "import trio\n"
        "from mezon_trio.errors import ConfigurationError\n"
        "from mezon_trio.testing import open_sandbox\n"
        "async def main():\n"
        "    async with open_sandbox(in_memory=True) as sb:\n"  # needs no server: works
        "        print('in memory ok', sb.bot.username)\n"
        "    try:\n"
        "        async with open_sandbox():\n"
        "            pass\n"
        "    except ConfigurationError as exc:\n"
        "        print(exc)\n"
        "trio.run(main)\n"
    )
    proc = _run(wheel_python, "-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("in memory ok sandbox-bot\n")
    assert HINT in proc.stdout
    assert "open_sandbox(in_memory=True)" in proc.stdout


def test_demo_closing_hint_names_only_what_a_wheel_user_has(wheel_python: Path) -> None:
    proc = _run(wheel_python, "-c", "from mezon_trio._demo import _next_steps; print(_next_steps())")
    assert proc.returncode == 0, proc.stderr
    assert "examples/" not in proc.stdout
    assert "README.md" not in proc.stdout
    assert "python -m mezon_trio sandbox" in proc.stdout
    [path] = [w for w in proc.stdout.split() if w.endswith("_demo.py")]
    assert Path(path).is_file()  # the demo bot's source, inside the installed package
