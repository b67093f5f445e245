"""The newcomer suite: the first hour of a new user, replayed as real processes.

A sandbox is started the way the README says (``python -m mezon_trio sandbox``, a subprocess,
free ports), bots run as subprocesses against it, and what a user would see (exit status,
stdout, stderr) is asserted.  ``wheel_python`` builds the wheel once per test session and
installs it, without extras, into a fresh venv.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
#: Bound of one subprocess step (start, answer, exit), in seconds.
STEP = 30.0
#: Text that must never reach a user's terminal on Ctrl-C.
GROUP_MARKERS = ("ExceptionGroup", "Exception Group", "BaseExceptionGroup", "exceptions from Trio nursery")


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """Connection errors are asserted as a user without a proxy sees them."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@dataclass(frozen=True)
class CliSandbox:
    """A ``python -m mezon_trio sandbox --port 0`` process and what its banner says."""

    proc: subprocess.Popen[str]
    http_url: str
    control_url: str
    host: str
    port: int
    client_id: str
    api_key: str

    def env(self) -> dict[str, str]:
        """The examples' environment variables pointing at this sandbox."""
        return {
            **os.environ,
            "MEZON_CLIENT_ID": self.client_id,
            "MEZON_API_KEY": self.api_key,
            "MEZON_HOST": self.host,
            "MEZON_PORT": str(self.port),
            "MEZON_USE_SSL": "0",
        }

    def control(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Call the sandbox's JSON control API."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.control_url + path,
            data=data,
            method=method,
            headers={"Content-Type": "application/json"} if data is not None else {},
        )
        with urllib.request.urlopen(request, timeout=STEP) as answer:
            return json.loads(answer.read())

    def bot_online(self) -> bool:
        info = self.control("GET", "/info")
        return any(u["id"] == self.client_id and u.get("online") for u in info["users"])


def read_line(proc: subprocess.Popen[str], within: float = STEP) -> str:
    """The next stdout line of *proc* (fails the test if none arrives in time)."""
    assert proc.stdout is not None
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line:
            return line
        if proc.poll() is not None:
            err = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"the process exited with {proc.returncode} before printing; stderr:\n{err}")
    pytest.fail("no output in time")


def wait_until(predicate: Any, within: float = STEP, what: str = "condition") -> None:
    deadline = time.monotonic() + within
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)


def spawn(
    args: Sequence[str], *, env: dict[str, str] | None = None, cwd: Path = ROOT
) -> subprocess.Popen[str]:
    """Start a Python process as a user would (SIGINT at its default: KeyboardInterrupt)."""
    return subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=cwd,
        env=env,
        # A user's terminal: SIGINT at its default action, even if this run inherited it ignored
        # (a CI job started in the background), so Python installs its KeyboardInterrupt handler.
        preexec_fn=_default_sigint,
    )


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupt(proc: subprocess.Popen[str]) -> tuple[int, str, str, float]:
    """Ctrl-C: send SIGINT, return (exit status, stdout rest, stderr, seconds to exit)."""
    started = time.monotonic()
    proc.send_signal(signal.SIGINT)
    try:
        out, err = proc.communicate(timeout=STEP)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"no exit within {STEP} s of Ctrl-C; stderr:\n{err}")
    return proc.returncode, out, err, time.monotonic() - started


def assert_no_group(err: str) -> None:
    for marker in GROUP_MARKERS:
        assert marker not in err, f"exception-group text on stderr:\n{err}"


@pytest.fixture(scope="session")
def cli_sandbox() -> Iterator[CliSandbox]:
    """One CLI sandbox for the session (each bot logs in as the seeded bot; they take turns)."""
    proc = spawn(["-m", "mezon_trio", "sandbox", "--port", "0"])
    banner: list[str] = []
    while not banner or "Press Ctrl-C" not in banner[-1]:
        banner.append(read_line(proc))
    text = "".join(banner)

    def field(pattern: str) -> str:
        match = re.search(pattern, text)
        assert match is not None, f"{pattern!r} not in the sandbox banner:\n{text}"
        return match.group(1)

    http_url = field(r"HTTP \(login, API\):\s+(\S+)")
    host, port = re.fullmatch(r"http://([^:/]+):(\d+)/?", http_url).groups()  # type: ignore[union-attr]
    sandbox = CliSandbox(
        proc=proc,
        http_url=http_url,
        control_url=field(r"Control API:\s+(\S+)").rstrip("/"),
        host=host,
        port=int(port),
        client_id=field(r"client_id = (\d+)"),
        api_key=field(r"api_key\s+= (\S+)"),
    )
    try:
        yield sandbox
    finally:
        status, out, err, _ = interrupt(proc)
        assert status == 0, err
        assert "sandbox stopped" in out
        assert_no_group(err)


_PIP_INTO = (sys.executable, "-m", "pip", "--python")


@pytest.fixture(scope="session")
def wheel_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from this checkout and installed WITHOUT extras into a fresh venv."""
    base = tmp_path_factory.mktemp("wheel")
    dist, venv = base / "dist", base / "venv"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(ROOT)],
        check=True,
        timeout=300,
    )
    [wheel] = dist.glob("mezon_trio-*.whl")
    # No pip inside (ensurepip costs more than the rest together): this pip installs into it.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [*_PIP_INTO, str(python), "install", "--quiet", "--disable-pip-version-check", str(wheel)],
        check=True,
        timeout=300,
    )
    return python
