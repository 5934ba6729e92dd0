"""A real Chromium installs DevThread: no installability errors, a worker, pages offline."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from werkzeug.serving import make_server

from tests.browser import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

# Bounded: navigator.serviceWorker.ready never settles when nothing registers a worker, and
# page.evaluate has no timeout of its own (a page without the worker hung the suite).
ACTIVE_WORKER = """async () => {
    const registration = await Promise.race([
        navigator.serviceWorker.ready,
        new Promise((_, reject) => setTimeout(() => reject(new Error("no service worker")), 15000)),
    ]);
    return {scope: registration.scope, script: registration.active.scriptURL};
}"""
CONTROLLED = "() => navigator.serviceWorker.controller !== null"
CACHES = "async () => (await caches.keys()).sort()"


def wait_controlled(page) -> None:
    """Wait until the worker controls the page (it claims its clients when it activates)."""
    for _ in range(100):
        if page.evaluate(CONTROLLED):
            return
        page.wait_for_timeout(100)
    raise AssertionError("the service worker never took control of the page")


@pytest.fixture
def profile_page(browser, tmp_path) -> Iterator[object]:
    """Open a page in a browser profile on disk: Chromium installs nothing from incognito."""
    context = browser.browser_type.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS
    )
    page = context.pages[0] if context.pages else context.new_page()
    page.console_errors = []
    page.on(
        "console",
        lambda m: (
            m.type == "error"
            and not m.text.startswith("Failed to load resource")
            and page.console_errors.append(m.text)
        ),
    )
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    yield page
    context.close()


def test_chromium_finds_the_site_installable_with_a_worker_for_the_whole_site(
    profile_page, live_server
):
    page = profile_page
    page.goto(f"{live_server}/")
    worker = page.evaluate(ACTIVE_WORKER)
    assert worker == {"scope": f"{live_server}/", "script": f"{live_server}/sw.js"}
    session = page.context.new_cdp_session(page)
    errors = session.send("Page.getInstallabilityErrors")["installabilityErrors"]
    assert errors == []
    manifest = session.send("Page.getAppManifest")
    assert manifest["url"] == f"{live_server}/manifest.webmanifest"
    assert not manifest["errors"]
    wait_controlled(page)
    names = page.evaluate(CACHES)
    assert len(names) == 1 and names[0].startswith("devthread-shell-")
    # No CSP refusal (worker-src, manifest-src) and no script error on the way.
    assert page.console_errors == []


def test_a_page_opened_offline_gets_the_offline_page_and_the_shell_from_the_cache(app, browser):
    # A server of its own, stopped halfway: the network is really gone, for the worker too.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_port}"
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{origin}/latest")
        page.evaluate(ACTIVE_WORKER)
        wait_controlled(page)
        server.shutdown()
        server.server_close()
        response = page.goto(f"{origin}/tags/python")
        assert response is not None and response.from_service_worker
        assert page.locator("h1").inner_text() == "You are offline"
        assert page.url == f"{origin}/tags/python"  # the address the reader asked for stays
        # The style sheet came from the worker's cache: the page is styled offline.
        background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(246, 248, 250)"
        # A style sheet asked for directly comes from the cache too.
        css = page.goto(f"{origin}/static/css/app.css")
        assert css is not None and css.ok and css.from_service_worker
    finally:
        context.close()
        if thread.is_alive():
            server.shutdown()


def test_offline_emulation_gives_the_offline_page_too(page, live_server):
    page.goto(f"{live_server}/")
    page.evaluate(ACTIVE_WORKER)
    wait_controlled(page)
    page.context.set_offline(True)
    try:
        page.goto(f"{live_server}/trending")
        assert page.locator("h1").inner_text() == "You are offline"
    finally:
        page.context.set_offline(False)
    page.goto(f"{live_server}/trending")
    assert page.locator("h1").inner_text() != "You are offline"


def test_the_spa_registers_the_same_worker_and_opens_offline_once_visited(app, browser):
    from tests.test_spa_e2e import require_build

    require_build(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    origin = f"http://127.0.0.1:{server.server_port}"
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{origin}/app/")
        # The SPA registers the site's worker itself (main.ts), at the same scope.
        assert page.evaluate(ACTIVE_WORKER) == {"scope": f"{origin}/", "script": f"{origin}/sw.js"}
        wait_controlled(page)
        page.reload()  # through the worker now: it keeps the entry page and the built files
        page.locator("app-root *").first.wait_for()
        assert any(name.startswith("devthread-spa-") for name in page.evaluate(CACHES))
        server.shutdown()
        server.server_close()
        response = page.goto(f"{origin}/app/latest")
        assert response is not None and response.from_service_worker
        page.locator("app-root *").first.wait_for()  # Angular started from the cached files
        assert page.locator("h1", has_text="You are offline").count() == 0
    finally:
        context.close()
        if thread.is_alive():
            server.shutdown()


def test_the_offline_page_passes_axe_wcag_a_and_aa(page, live_server):
    from tests.test_browser_pictures import axe_violations

    page.goto(f"{live_server}/offline")
    assert axe_violations(page) == []


STORED = """async () => {
    const stored = [];
    for (const name of await caches.keys()) {
        const cache = await caches.open(name);
        for (const request of await cache.keys()) { stored.push(new URL(request.url).pathname); }
    }
    return stored.sort();
}"""


def test_a_signed_in_visit_leaves_no_page_and_no_api_answer_in_the_caches(page, live_server, app):
    from tests.conftest import PASSWORD, make_user

    make_user(app, "gus")
    page.goto(f"{live_server}/login")
    page.evaluate(ACTIVE_WORKER)
    wait_controlled(page)
    page.get_by_label("Username or email").fill("gus")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")
    for path in ("/settings", "/notifications", "/u/gus", "/api/v1/feed/latest"):
        page.goto(f"{live_server}{path}")
    stored = page.evaluate(STORED)
    assert "/offline" in stored and "/static/css/app.css" in stored
    # What the worker keeps is the same for everyone: the shell and static files, nothing else.
    others = [path for path in stored if not path.startswith("/static/")]
    assert sorted(others) == ["/manifest.webmanifest", "/offline"]
    assert "gus" not in page.evaluate(
        """async () => (await (await caches.match("/offline")).text())"""
    )
