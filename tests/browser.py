"""A real Chromium for the pages that need JavaScript (Debian's package, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """Serve the test app on a free local port in a background thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Start headless Chromium once per run; a missing browser fails the run, never skips."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    """Open a fresh browser context (its own cookies) and page."""
    context = browser.new_context()
    page = context.new_page()
    # JavaScript errors and CSP refusals; a 422 form answer is logged by Chromium but is expected.
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and page.console_errors.append(m.text)
        ),
    )
    yield page
    context.close()


def wait_settled(page) -> None:
    """Wait until htmx has finished swapping and settling, as a person would before typing."""
    # A locator waits from Playwright's side: wait_for_function would evaluate a string in the
    # page whenever its first check fails, which the pages' CSP (script-src 'self') refuses.
    busy = page.locator(".htmx-request, .htmx-swapping, .htmx-settling")
    busy.first.wait_for(state="detached")
