"""A Python 3.13 virtualenv holding the official ``mezon-sdk``, built once and cached.

The official SDK (``mezon-sdk`` on PyPI) requires Python >= 3.13 and asyncio;
our test suite runs on 3.11+ under trio. Interop tests and benchmarks
therefore drive the official SDK in a *separate interpreter*: they call
:func:`ensure_official_python` and run a script with the path it returns.

Usage (tests, benchmarks)::

    from tests.interop.official_env import OfficialSDKUnavailable, ensure_official_python

    try:
        python = ensure_official_python()        # blocking; seconds on first use
    except OfficialSDKUnavailable as exc:
        pytest.skip(str(exc))                    # or print the reason and skip the bench
    await trio.run_process([str(python), "script.py", ...])

Where things come from:

* the interpreter: ``$MEZON_PY313`` if set, else ``$(pyenv root)/versions/3.13*/bin/python3.13``
  (newest first), else ``python3.13`` on ``PATH`` (each candidate is run once to
  check it really is 3.13);
* the venv: ``$MEZON_OFFICIAL_VENV`` if set, else
  ``${XDG_CACHE_HOME:-~/.cache}/mezon-trio/official-sdk-<version>``. It is
  considered ready when its marker file names the pinned version; a venv left
  half-built by an interrupted run is deleted and rebuilt.

Several processes may call :func:`ensure_official_python` at once (pytest-xdist
workers, a benchmark next to the tests): the build happens under an exclusive
lock file next to the venv, and the others wait for it and reuse the result.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Final

__all__ = [
    "OFFICIAL_SDK_VERSION",
    "OfficialSDKUnavailable",
    "default_venv_dir",
    "ensure_official_python",
    "find_python313",
]

#: The exact release the interop tests were written against.
OFFICIAL_SDK_VERSION: Final = "1.8.3"

_MARKER: Final = ".mezon-trio-official-sdk"
_PROBE_TIMEOUT: Final = 30.0
_VENV_TIMEOUT: Final = 120.0
_INSTALL_TIMEOUT: Final = 600.0
_LOCK_TIMEOUT: Final = _VENV_TIMEOUT + _INSTALL_TIMEOUT + 60.0


class OfficialSDKUnavailable(RuntimeError):
    """The official SDK cannot be run here; ``reason`` says why (suitable for ``pytest.skip``)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def default_venv_dir(version: str = OFFICIAL_SDK_VERSION) -> Path:
    """Where the venv lives: ``$MEZON_OFFICIAL_VENV`` or the per-user cache directory."""
    override = os.environ.get("MEZON_OFFICIAL_VENV")
    if override:
        return Path(override).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "mezon-trio" / f"official-sdk-{version}"


def _is_python313(candidate: Path | str) -> bool:
    try:
        out = subprocess.run(
            [str(candidate), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT,
            check=False,
            cwd=tempfile.gettempdir(),
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and out.stdout.strip() == "3.13"


def _version_key(path: Path) -> tuple[int, ...]:
    # .../versions/3.13.2/bin/python3.13 -> (3, 13, 2); pre-releases sort by their digits.
    return tuple(int(n) for n in re.findall(r"\d+", path.parent.parent.name))


def _pyenv_candidates() -> list[Path]:
    roots: list[Path] = []
    pyenv = shutil.which("pyenv")
    if pyenv:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            out = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=_PROBE_TIMEOUT, check=False
            )
            if out.returncode == 0 and out.stdout.strip():
                roots.append(Path(out.stdout.strip()))
    if os.environ.get("PYENV_ROOT"):
        roots.append(Path(os.environ["PYENV_ROOT"]))
    roots.append(Path.home() / ".pyenv")
    found: list[Path] = []
    for root in dict.fromkeys(roots):
        found.extend(sorted(root.glob("versions/3.13*/bin/python3.13"), key=_version_key, reverse=True))
    return found


def find_python313() -> Path:
    """Locate a working Python 3.13 interpreter (see the module docstring for the order).

    Raises:
        OfficialSDKUnavailable: none of the candidates is a working 3.13, or
            ``$MEZON_PY313`` is set but is not one.
    """
    explicit = os.environ.get("MEZON_PY313")
    if explicit:
        if _is_python313(explicit):
            return Path(explicit)
        raise OfficialSDKUnavailable(f"MEZON_PY313={explicit!r} is not a working Python 3.13 interpreter")
    candidates = _pyenv_candidates()
    on_path = shutil.which("python3.13")
    if on_path:
        candidates.append(Path(on_path))
    for candidate in candidates:
        if _is_python313(candidate):
            return candidate
    raise OfficialSDKUnavailable(
        "Python 3.13 not found (set MEZON_PY313, install it with `pyenv install 3.13`, "
        "or put python3.13 on PATH); the official mezon-sdk requires Python >= 3.13"
    )


def _venv_python(venv: Path) -> Path:
    if os.name == "nt":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def _try_lock(fd: int) -> bool:
    """Take an exclusive lock on *fd* without blocking; False if someone else holds it."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt

        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


@contextlib.contextmanager
def _exclusive_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive advisory lock on *path* (created if needed); wait at most *timeout* s."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while not _try_lock(fd):
            if time.monotonic() > deadline:
                raise OfficialSDKUnavailable(f"timed out after {timeout:.0f} s waiting for the lock {path}")
            time.sleep(0.2)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _ready(venv: Path, version: str) -> bool:
    marker = venv / _MARKER
    try:
        return marker.read_text().strip() == version and _venv_python(venv).exists()
    except OSError:
        return False


def _run(cmd: list[str], what: str, timeout: float) -> None:
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout, check=False, cwd=tempfile.gettempdir()
        )
    except subprocess.TimeoutExpired:
        raise OfficialSDKUnavailable(f"{what} did not finish within {timeout:.0f} s") from None
    except OSError as exc:
        raise OfficialSDKUnavailable(f"{what} could not start: {exc}") from None
    if out.returncode != 0:
        tail = "\n".join((out.stdout + out.stderr).strip().splitlines()[-15:])
        raise OfficialSDKUnavailable(f"{what} failed (exit {out.returncode}):\n{tail}")


def _installed_version(python: Path) -> str:
    probe = "import importlib.metadata as m, mezon; print(m.version('mezon-sdk'))"
    out = subprocess.run(
        [str(python), "-c", probe],
        capture_output=True,
        text=True,
        timeout=_PROBE_TIMEOUT,
        check=False,
        cwd=tempfile.gettempdir(),  # never inside site-packages/mezon (its socket/ shadows stdlib)
    )
    if out.returncode != 0:
        tail = "\n".join(out.stderr.strip().splitlines()[-5:])
        raise OfficialSDKUnavailable(f"`import mezon` fails in the official-SDK venv:\n{tail}")
    return out.stdout.strip()


def ensure_official_python(*, venv_dir: Path | None = None, version: str = OFFICIAL_SDK_VERSION) -> Path:
    """Return the ``python`` of a venv with ``mezon-sdk==version`` installed, building it if needed.

    Blocking (subprocesses): instant once the venv is cached, seconds to a
    couple of minutes on first use (``pip install`` needs the package index).
    From trio code call it through ``trio.to_thread.run_sync`` or from a sync
    fixture. Safe to call from several processes at once (lock file
    ``<venv>.lock``).

    Args:
        venv_dir: where the venv lives (default :func:`default_venv_dir`).
        version: the ``mezon-sdk`` release to pin.

    Returns:
        The venv's interpreter, after checking that ``import mezon`` works and
        reports *version*.

    Raises:
        OfficialSDKUnavailable: no Python 3.13, the venv cannot be created, the
            install fails (e.g. no network), or the installed SDK does not import
            or has another version. The message says which and how to fix it.
    """
    venv = (venv_dir or default_venv_dir(version)).expanduser().absolute()
    python = _venv_python(venv)
    if _ready(venv, version):
        return python
    with _exclusive_lock(venv.with_name(venv.name + ".lock"), _LOCK_TIMEOUT):
        if _ready(venv, version):  # another process built it while we waited
            return python
        base = find_python313()
        if venv.exists():
            shutil.rmtree(venv)  # half-built by an interrupted run
        _run([str(base), "-m", "venv", str(venv)], f"creating the venv {venv} with {base}", _VENV_TIMEOUT)
        _run(
            [str(python), "-m", "pip", "install", "--disable-pip-version-check", f"mezon-sdk=={version}"],
            f"pip install mezon-sdk=={version} into {venv}",
            _INSTALL_TIMEOUT,
        )
        got = _installed_version(python)
        if got != version:
            raise OfficialSDKUnavailable(
                f"the official-SDK venv {venv} has mezon-sdk {got}, expected {version}"
            )
        (venv / _MARKER).write_text(version + "\n")
    return python


if __name__ == "__main__":  # pragma: no cover - manual use: prints the interpreter path
    try:
        sys.stdout.write(f"{ensure_official_python()}\n")
    except OfficialSDKUnavailable as exc:
        sys.stderr.write(f"official SDK unavailable: {exc.reason}\n")
        sys.exit(1)
