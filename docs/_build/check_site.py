"""Open the built site (``site/``) in headless Chromium: navigation and search must work.

Run by ``nox -s docs`` after ``mkdocs build --strict``; ``python docs/_build/check_site.py``
by hand.  Serves ``site/`` on a free loopback port, then with Debian's Chromium (driven by
Playwright, which never downloads a browser here):

1. the home page loads and has the navigation;
2. clicking "Errors and retries" in the navigation opens that page;
3. searching "reconnect" lists results, and the first result opens its page;
4. the API reference renders signatures.

Screenshots go to ``test-artifacts/docs/`` (gitignored).  Exits non-zero on any failure; when
Chromium or Playwright is missing it fails under CI (``CI`` set) and skips elsewhere.
"""

from __future__ import annotations

import functools
import http.server
import os
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "site"
ARTIFACTS = ROOT / "test-artifacts" / "docs"
CHROMIUM = Path(os.environ.get("MEZON_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
]


def _missing() -> list[str]:
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("the playwright package (pip install -e '.[docs]')")
    if not (SITE / "index.html").exists():
        missing.append("a built site (mkdocs build)")
    return missing


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def check(base: str) -> list[str]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report: list[str] = []
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(15_000)
            page.on("pageerror", lambda exc: errors.append(str(exc)))

            page.goto(base + "/")
            assert page.title() == "mezon-trio", page.title()
            page.get_by_role("link", name="Errors and retries").first.click()
            page.wait_for_url("**/concepts/errors/")
            assert "Errors and retries" in page.locator("h1").inner_text()
            report.append(f"navigation: {page.url}")

            page.goto(base + "/?q=reconnect")
            results = page.locator(".md-search-result__item")
            results.first.wait_for()
            count = results.count()
            assert count > 0
            page.screenshot(path=str(ARTIFACTS / "search.png"))
            page.locator(".md-search-result__link").first.click()
            page.wait_for_load_state()
            report.append(f"search 'reconnect': {count} results, first opens {page.url}")

            page.goto(base + "/reference/mezon_trio/")
            signatures = page.locator(".doc-signature").count()
            assert signatures > 20, signatures
            page.screenshot(path=str(ARTIFACTS / "reference.png"))
            report.append(f"reference: {signatures} signatures")
        finally:
            browser.close()
    assert not errors, f"JavaScript errors: {errors}"
    return report


def main() -> int:
    missing = _missing()
    if missing:
        message = "site check needs " + " and ".join(missing)
        print(message, file=sys.stderr)
        return 1 if os.environ.get("CI") else 0
    handler = functools.partial(_Quiet, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for line in check(f"http://127.0.0.1:{server.server_address[1]}"):
            print("site check:", line)
    finally:
        server.shutdown()
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
