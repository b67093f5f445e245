"""Chromium for the browser tests: Debian's package driven by Playwright, never a downloaded build.

CI (.ci/run) installs ``chromium``; where it is missing the tests fail under CI (``CI`` set)
and skip elsewhere. Screenshots go to ``test-artifacts/console/`` (gitignored).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final, TypeVar

import pytest

CHROMIUM: Final = Path(os.environ.get("MEZON_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS: Final = Path(__file__).resolve().parents[2] / "test-artifacts" / "console"
LAUNCH_ARGS: Final = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
T = TypeVar("T")


def require_chromium() -> None:
    """Skip (or fail under CI) when Chromium or Playwright is not installed."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[testing]')")
    if missing:
        message = "browser tests need " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)


def with_page(url: str, script: Callable[[Any], T]) -> T:
    """Open *url* in a fresh headless Chromium page and run *script(page)* (blocking: call it
    through ``trio.to_thread.run_sync``). The page must reach ``body[data-ready]``."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 800})
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(url)
            page.wait_for_selector("body[data-ready='1'][data-live='1']")
            result = script(page)
        finally:
            browser.close()
    assert not errors, f"JavaScript errors in the console: {errors}"
    return result
