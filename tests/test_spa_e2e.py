"""The Angular SPA end to end: its production build at /app/ in Chromium, on the real API and /ws.

The SPA must be built (`make spa`); a missing build fails these tests, it never skips them.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000


def build_index(app) -> Path:
    """Return where the SPA's built index.html must be for Flask to serve it."""
    from app.spa import build_dir

    with app.app_context():
        return Path(build_dir()).resolve() / "index.html"


def require_build(app) -> None:
    """Fail (never skip) when the SPA's production build is missing."""
    index = build_index(app)
    if not index.is_file():
        pytest.fail(
            f"The Angular SPA is not built ({index} is missing): run `make spa` first "
            "(`make test` does it).",
            pytrace=False,
        )


@pytest.fixture(scope="module", autouse=True)
def _wall_time(request) -> Iterator[None]:
    """Measure and print the wall time of this module's tests."""
    started = time.perf_counter()
    yield
    line = f"SPA end-to-end tests: {time.perf_counter() - started:.1f} s wall time"
    plugins = request.config.pluginmanager
    reporter, capture = plugins.get_plugin("terminalreporter"), plugins.get_plugin("capturemanager")
    if reporter is None or capture is None:
        print(line)
        return
    with capture.global_and_fixture_disabled():
        reporter.write_line("")
        reporter.write_line(line)


@pytest.fixture
def spa(app, live_server) -> str:
    """Return the SPA's address on the live server, after checking the build is there."""
    require_build(app)
    return f"{live_server}/app"


class Person:
    """One person in a browser context of their own, using the SPA."""

    def __init__(
        self, browser, base: str, viewport: dict[str, int] = DESKTOP, locale: str | None = None
    ) -> None:
        self.base = base
        self.context = browser.new_context(viewport=viewport, locale=locale)
        self.context.set_default_timeout(TIMEOUT_MS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.frames: list[dict] = []
        self.responses: list[tuple[str, str, int]] = []
        page = self.page
        # JavaScript errors and CSP refusals; an expected 401/409/422 is logged by Chromium as
        # "Failed to load resource", which is not an error of the app.
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on(
            "console",
            lambda m: (
                m.type == "error"
                and not m.text.startswith("Failed to load resource")
                and self.errors.append(m.text)
            ),
        )
        page.on("websocket", self._watch_socket)
        page.on(
            "response",
            lambda r: (
                "/api/v1/" in r.url
                and self.responses.append((r.request.method, r.url.split("/api/v1")[1], r.status))
            ),
        )

    def _watch_socket(self, socket) -> None:
        def received(payload) -> None:
            if isinstance(payload, str):
                self.frames.append(json.loads(payload))

        socket.on("framereceived", received)

    def goto(self, path: str) -> None:
        """Load a page of the SPA (a full page load)."""
        self.page.goto(self.base + path)

    def frame(self, type: str, since: int = 0, timeout: float = 5.0) -> dict:
        """Return the first socket frame of a type received after ``since`` frames."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for frame in self.frames[since:]:
                if frame.get("type") == type:
                    return frame
            self.page.wait_for_timeout(50)
        raise AssertionError(f"no {type!r} frame within {timeout} s: {self.frames[since:]}")

    def sign_in(self, username: str, password: str = PASSWORD) -> None:
        """Sign in through the SPA's form and wait for the live socket."""
        self.goto("/login")
        self.page.get_by_label("Username or email").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_url(self.base + "/")
        self.frame("unread")

    def nav(self, name: str):
        """Return a link of the main navigation."""
        return self.page.get_by_role("navigation", name="Main").get_by_role(
            "link", name=re.compile(f"^{name}")
        )

    def badge(self, name: str):
        """Return the unread badge of a navigation link."""
        return self.nav(name).locator(".badge")

    def mark(self) -> None:
        """Leave a marker on the window that a reload would wipe."""
        self.page.evaluate("window.__e2e_marker = 'no reload'")

    def marked(self) -> bool:
        """Tell whether the window is the one marked (no reload happened)."""
        return self.page.evaluate("window.__e2e_marker") == "no reload"

    def close(self) -> None:
        """Close the browser context."""
        self.context.close()


@pytest.fixture
def people(browser, spa) -> Iterator[Callable[..., Person]]:
    """Open people in browsers of their own, closed after the test."""
    opened: list[Person] = []

    def open_person(viewport: dict[str, int] = DESKTOP, locale: str | None = None) -> Person:
        person = Person(browser, spa, viewport, locale)
        opened.append(person)
        return person

    yield open_person
    for person in opened:
        person.close()


def post_by(app, username: str, body: str) -> int:
    """Publish a post as someone and return its id."""
    from app.accounts.queries import find_by_username
    from app.posts import services

    with app.test_request_context():
        return services.create_post(author=find_by_username(username), body=body).id


def state(app, sql: str, **params):
    """Return the first column of the first row of a query."""
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        try:
            return db.session.execute(text(sql), params).scalar()
        finally:
            db.session.remove()


def test_a_missing_build_fails_and_says_to_run_make_spa(app, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SPA_DIST", str(tmp_path / "not-built"))
    with pytest.raises(pytest.fail.Exception, match=r"run `make spa`"):
        require_build(app)


def test_register_shows_the_api_field_errors_next_to_the_fields(people, app):
    make_user(app, "grace", email="grace@example.com")
    newcomer = people()
    page = newcomer.page
    newcomer.goto("/register")
    newcomer.mark()
    username = page.get_by_label("Username", exact=True)
    email = page.get_by_label("Email", exact=True)
    username.fill("GRACE")
    email.fill("grace@example.com")
    page.get_by_label("Password", exact=True).fill("a long enough password")
    with page.expect_response(re.compile(r"/api/v1/auth/register$")) as answer:
        page.get_by_role("button", name="Create account").click()
    assert answer.value.status == 409
    # Both conflicts from the API, each under its own field, and no message above the form.
    expect(page.locator("#username-error")).to_have_text("That username is taken.")
    expect(page.locator("#email-error")).to_have_text("An account already uses that email address.")
    expect(username).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(page.locator(".form-error")).to_have_count(0)

    # An address the browser's check lets through but the server refuses: 422, under Email.
    username.fill("newcomer")
    expect(page.locator("#username-error")).to_have_count(0)
    email.fill("newcomer@localhost")
    with page.expect_response(re.compile(r"/api/v1/auth/register$")) as answer:
        page.get_by_role("button", name="Create account").click()
    assert answer.value.status == 422
    assert answer.value.json()["error"]["fields"]["email"] == ["Enter a valid email address."]
    expect(page.locator("#email-error")).to_have_text("Enter a valid email address.")
    expect(email).to_have_attribute("aria-invalid", "true")

    email.fill("newcomer@example.com")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(newcomer.base + "/")
    expect(newcomer.nav("Profile")).to_be_visible()
    assert newcomer.marked()
    assert state(app, "SELECT count(*) FROM users WHERE username = 'newcomer'") == 1
    assert newcomer.errors == []


def test_a_new_user_posts_reacts_follows_and_gets_live_updates(people, app):
    make_user(app, "grace")
    graces_post = post_by(app, "grace", "Compilers are just programs that write programs.")

    # A newcomer signs up in the SPA.
    dev = people(DESKTOP)
    page = dev.page
    dev.goto("/register")
    page.get_by_label("Username", exact=True).fill("newdev")
    page.get_by_label("Email", exact=True).fill("newdev@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(dev.base + "/")
    expect(page.get_by_role("link", name="Home", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    dev.frame("unread")  # the live socket is open
    dev.mark()  # from here on nothing reloads the newcomer's window

    # Writes a post, looking at the server-rendered preview first.
    page.get_by_label("Write a post").fill("Hello from **the SPA**, with `code` #e2e")
    page.get_by_role("tab", name="Preview").click()
    preview = page.locator(".composer .preview")
    expect(preview.locator("strong")).to_have_text("the SPA")
    expect(preview.locator("code")).to_have_text("code")
    page.get_by_role("tab", name="Write").click()
    page.get_by_role("button", name="Post", exact=True).click()
    mine = page.locator("article.post", has_text="Hello from the SPA")
    expect(mine.locator(".prose strong")).to_have_text("the SPA")
    expect(mine.get_by_role("list", name="Tags").get_by_role("link", name="#e2e")).to_be_visible()
    expect(page.get_by_label("Write a post")).to_have_value("")
    my_post = state(app, "SELECT id FROM posts WHERE body LIKE 'Hello from%'")
    assert my_post is not None

    # The hashtag inside the post opens the SPA's tag page, not the classic one.
    mine.locator(".prose a.hashtag").click()
    page.wait_for_url(dev.base + "/tags/e2e")
    expect(page.locator("article.post", has_text="Hello from the SPA")).to_be_visible()
    page.go_back()
    page.wait_for_url(dev.base + "/")

    # Reacts to Grace's post on the Latest tab.
    page.get_by_role("link", name="Latest", exact=True).click()
    theirs = page.locator("article.post", has_text="Compilers are just programs")
    like = theirs.get_by_role("button", name=re.compile(r"^Like, "))
    expect(like).to_have_attribute("aria-label", "Like, 0")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_have_attribute("aria-label", "Like, 1")
    expect(like).to_be_enabled()
    assert state(app, "SELECT count(*) FROM reactions WHERE post_id = :p", p=graces_post) == 1

    # Follows Grace from her profile.
    theirs.locator("a.author").click()
    page.wait_for_url(dev.base + "/u/grace")
    page.get_by_role("button", name="Follow grace").click()
    following = page.get_by_role("button", name="Following grace")
    expect(following).to_have_attribute("aria-pressed", "true")
    expect(following).to_be_enabled()
    assert state(app, "SELECT count(*) FROM follows") == 1

    expect(dev.badge("Notifications")).to_have_count(0)

    # Grace, on a phone, follows back: the newcomer's badge counts it live.
    grace = people(PHONE)
    grace.sign_in("grace")
    seen = len(dev.frames)
    grace.goto("/u/newdev")
    grace.page.get_by_role("button", name="Follow newdev").click()
    assert dev.frame("notification", since=seen)["data"]["type"] == "follow"
    expect(dev.badge("Notifications")).to_contain_text("1 unread")

    # She likes the newcomer's post: two now.
    grace.goto(f"/p/{my_post}")
    grace.page.get_by_role("button", name=re.compile(r"^Like, ")).click()
    expect(grace.page.get_by_role("button", name="Like, 1")).to_be_enabled()
    expect(dev.badge("Notifications")).to_contain_text("2 unread")

    # She messages the newcomer: the Messages badge counts it live.
    grace.goto("/u/newdev")
    grace.page.get_by_role("button", name="Message").click()
    grace.page.wait_for_url(re.compile(r".*/messages/\d+$"))
    conversation = grace.page.url.rsplit("/", 1)[1]
    grace_box = grace.page.get_by_label("Write a message")
    grace_box.fill("Welcome to DevThread!")
    grace.page.get_by_role("button", name="Send").click()
    expect(dev.badge("Messages")).to_contain_text("1 unread")

    # The newcomer opens it from the list: read, and the badge goes.
    dev.nav("Messages").click()
    page.get_by_role("link", name=re.compile("grace")).filter(has_text="Welcome").click()
    page.wait_for_url(f"{dev.base}/messages/{conversation}")
    log = page.get_by_role("log")
    expect(log.get_by_text("Welcome to DevThread!")).to_be_visible()
    expect(dev.badge("Messages")).to_have_count(0)
    expect(page.locator(".conversation-head")).to_contain_text("· online")

    # Grace types, then sends again: both show in the open conversation, the message once.
    grace_box.press_sequentially("Are y")
    expect(page.locator(".typing")).to_have_text("grace is typing…")
    grace_box.fill("Are you coming to the meetup?")
    grace.page.get_by_role("button", name="Send").click()
    expect(log.get_by_text("Are you coming to the meetup?")).to_have_count(1)
    expect(page.locator(".typing")).to_have_text("")
    expect(dev.badge("Messages")).to_have_count(0)

    # The newcomer answers with Enter; Grace sees it in her open conversation.
    reply = page.get_by_label("Write a message")
    reply.fill("Yes, see you there")
    reply.press("Enter")
    expect(reply).to_have_value("")
    expect(grace.page.get_by_role("log").get_by_text("Yes, see you there")).to_have_count(1)
    page.wait_for_timeout(300)
    expect(log.get_by_text("Yes, see you there")).to_have_count(1)

    # The notifications page lists what happened; marking all read clears the badge.
    dev.nav("Notifications").click()
    notes = page.locator(".notification")
    expect(notes).to_have_count(2)
    expect(notes.nth(0)).to_contain_text("grace reacted to your post")
    expect(notes.nth(1)).to_contain_text("grace followed you")
    page.get_by_role("button", name="Mark all as read").click()
    expect(dev.badge("Notifications")).to_have_count(0)
    expect(page.locator(".notification.unread")).to_have_count(0)

    assert dev.marked(), "the newcomer's window was reloaded"
    assert dev.errors == [] and grace.errors == []


def test_a_reload_keeps_you_signed_in_and_an_expired_token_is_refreshed(people, app, monkeypatch):
    monkeypatch.setitem(app.config, "ACCESS_TOKEN_TTL", 2)
    make_user(app, "alice")
    make_user(app, "bob")
    post_id = post_by(app, "bob", "Tokens expire; sessions should not.")

    alice = people()
    page = alice.page
    alice.sign_in("alice")
    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(alice.nav("Sign in")).to_have_count(0)
    alice.frame("unread", since=len(alice.frames))

    alice.goto(f"/p/{post_id}")
    like = page.get_by_role("button", name=re.compile(r"^Like, "))
    expect(like).to_be_visible()
    alice.mark()
    session = json.loads(page.evaluate("localStorage.getItem('devthread.session')"))
    expiry = json.loads(_jwt_claims(session["accessToken"]))["exp"]
    page.wait_for_timeout(max(0.0, expiry - time.time() + 0.5) * 1000)
    assert time.time() > expiry, "the access token should have expired by now"

    done = len(alice.responses)
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_be_enabled()
    assert state(app, "SELECT count(*) FROM reactions WHERE post_id = :p", p=post_id) == 1
    # The reaction was refused with the old token, a refresh followed, then the retry passed.
    path = f"/posts/{post_id}/reactions/like"
    after = alice.responses[done:]
    refused = after.index(("PUT", path, 401))
    refreshed = after.index(("POST", "/auth/refresh", 200), refused)
    assert ("PUT", path, 200) in after[refreshed:], after
    # Every refresh token was spent once: a reuse would have ended the session.
    assert all(status == 200 for method, p, status in alice.responses if p == "/auth/refresh")
    assert page.url == f"{alice.base}/p/{post_id}"
    assert alice.marked()
    newer = json.loads(page.evaluate("localStorage.getItem('devthread.session')"))
    assert newer["accessToken"] != session["accessToken"]
    assert alice.errors == []


def _jwt_claims(token: str) -> str:
    import base64

    part = token.split(".")[1]
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)).decode()


def test_signing_out_everywhere_ends_the_other_browsers_session(people, app):
    make_user(app, "alice")
    desk, phone = people(DESKTOP), people(PHONE)
    desk.sign_in("alice")
    phone.sign_in("alice")
    phone.mark()

    desk.nav("Settings").click()
    desk.page.get_by_role("button", name="Sign out everywhere").click()
    desk.page.wait_for_url(desk.base + "/login")
    expect(desk.nav("Sign in")).to_be_visible()
    assert state(app, "SELECT count(*) FROM refresh_tokens WHERE revoked_at IS NULL") == 0

    # The phone's socket was closed with "session ended": it tries a refresh, which is refused,
    # and shows the sign-in page without a reload.
    expect(phone.page.get_by_text("Your session has ended. Please sign in again.")).to_be_visible()
    assert "/login?expired=1" in phone.page.url
    assert phone.marked()
    assert desk.errors == [] and phone.errors == []


CODE_CSS = Path(__file__).resolve().parent.parent / "static" / "css" / "code.css"


def code_css_colours(selector: str) -> tuple[str, str]:
    """Return the light and dark `color` static/css/code.css gives a selector, as rgb()."""
    css = CODE_CSS.read_text()
    light, _, dark = css.partition("@media (prefers-color-scheme: dark)")

    def colour(text: str) -> str:
        match = re.search(re.escape(selector) + r" \{[^}]*?(?<![-\w])color: #([0-9a-f]{6})", text)
        assert match, f"{selector} has no colour in {CODE_CSS}"
        red, green, blue = (int(match.group(1)[i : i + 2], 16) for i in (0, 2, 4))
        return f"rgb({red}, {green}, {blue})"

    return colour(light), colour(dark)


def test_code_in_posts_is_highlighted_with_the_pages_colours_light_and_dark(people, app):
    make_user(app, "grace")
    post_id = post_by(app, "grace", "Look:\n\n```python\ndef answer():\n    return 42\n```\n")
    keyword_light, keyword_dark = code_css_colours(".highlight .k")
    block_light, block_dark = code_css_colours(".highlight")

    reader = people(PHONE)
    page = reader.page
    reader.goto(f"/p/{post_id}")
    keyword = page.locator(".prose pre.highlight .k", has_text="def")
    block = page.locator(".prose pre.highlight")
    expect(keyword).to_have_css("color", keyword_light)
    expect(block).to_have_css("color", block_light)
    page.emulate_media(color_scheme="dark")
    expect(keyword).to_have_css("color", keyword_dark)
    expect(block).to_have_css("color", block_dark)
    # The Pygments background (the one its contrast was checked against) wins over the SPA's.
    expect(block).to_have_css("background-color", "rgb(13, 17, 23)")
    assert reader.errors == []


SPA_SOURCES = Path(__file__).resolve().parent.parent / "frontend-angular" / "src"
SPA_LIMITS = SPA_SOURCES / "app" / "core" / "limits.json"


def _branches(doc: dict, schema: dict) -> Iterator[dict]:
    """Yield a schema and every schema it stands for ($ref, allOf, anyOf, oneOf), resolved."""
    if "$ref" in schema:
        target: dict = doc
        for part in schema["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        yield from _branches(doc, target)
        return
    yield schema
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key, []):
            yield from _branches(doc, branch)


def openapi_values(doc: dict, pointer: str) -> list:
    """Return what the document says at 'METHOD /path field keyword' of a JSON request body.

    A JSON Pointer ("#/components/schemas/Post/properties/tags/items/pattern") names one place.
    """
    if pointer.startswith("#/"):
        target = doc
        for part in pointer[2:].split("/"):
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            elif isinstance(target, dict) and key in target:
                target = target[key]
            else:
                return []
        return [target]
    method, path, field, keyword = pointer.split()
    shape = re.sub(r"\{[^}]*\}", "{}", path)
    operations = [
        item[method.lower()]
        for documented, item in doc["paths"].items()
        if re.sub(r"\{[^}]*\}", "{}", documented) == shape and method.lower() in item
    ]
    assert len(operations) == 1, f"{method} {path} is not in the OpenAPI document"
    schemas = [operations[0]["requestBody"]["content"]["application/json"]["schema"]]
    for step in field.split("."):
        name = step.removesuffix("[]")
        schemas = [
            s["properties"][name]
            for root in schemas
            for s in _branches(doc, root)
            if name in s.get("properties", {})
        ]
        if step.endswith("[]"):
            schemas = [s["items"] for root in schemas for s in _branches(doc, root) if "items" in s]
    values = [s[keyword] for root in schemas for s in _branches(doc, root) if keyword in s]
    return [v for i, v in enumerate(values) if v not in values[:i]]


def test_the_spas_limits_are_the_ones_the_served_openapi_document_states(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    spa = json.loads(SPA_LIMITS.read_text())
    assert set(spa["openapi"]) == set(spa["limits"]), "every limit names where the document has it"
    differences = []
    for name, value in spa["limits"].items():
        for pointer in spa["openapi"][name]:
            found = openapi_values(doc, pointer)
            if found != [value]:
                differences.append(f"{name} = {value!r} in the SPA, {found!r} at {pointer}")
    assert differences == [], "limits.json and the OpenAPI document differ:\n" + "\n".join(
        differences
    )


def test_no_spa_source_writes_a_limit_of_its_own():
    written = re.compile(r'maxlength="\d|(?:max|min)Length\(\d|\.length\s*[<>]=?\s*\d{2,}')
    found = [
        f"{path.relative_to(SPA_SOURCES)}:{number}: {line.strip()}"
        for path in SPA_SOURCES.rglob("*.ts")
        if not path.name.endswith(".spec.ts")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if written.search(line)
    ]
    assert found == [], "read limits from core/limits.ts:\n" + "\n".join(found)


def test_blocking_someone_from_their_profile_takes_their_posts_out_of_your_feed(people, app):
    make_user(app, "alice")
    make_user(app, "mallory", display_name="Mallory")
    make_user(app, "bob", display_name="Bob")
    post_by(app, "mallory", "Buy cheap widgets at widgets.example")
    post_by(app, "bob", "Keyset pagination all the way down")

    alice = people(DESKTOP)
    page = alice.page
    alice.sign_in("alice")
    alice.mark()
    page.get_by_role("link", name="Latest", exact=True).click()
    expect(page.locator("article.post", has_text="Buy cheap widgets")).to_be_visible()

    page.locator("article.post", has_text="Buy cheap widgets").locator("a.author").click()
    page.wait_for_url(alice.base + "/u/mallory")
    block = page.get_by_role("button", name="Block Mallory")
    expect(block).to_have_attribute("aria-pressed", "false")
    page.once("dialog", lambda dialog: dialog.accept())
    block.click()
    unblock = page.get_by_role("button", name="Unblock Mallory")
    expect(unblock).to_have_attribute("aria-pressed", "true")
    expect(unblock).to_be_focused()
    expect(page.locator(".blocked-note")).to_contain_text("You blocked @mallory")
    expect(page.get_by_role("button", name="Follow Mallory")).to_have_count(0)
    assert state(app, "SELECT count(*) FROM blocks") == 1

    # Back on the feed (no reload): Bob's post is there, Mallory's is not.
    page.get_by_role("link", name="DevThread").click()
    page.get_by_role("link", name="Latest", exact=True).click()
    expect(page.locator("article.post", has_text="Keyset pagination")).to_be_visible()
    expect(page.locator("article.post", has_text="Buy cheap widgets")).to_have_count(0)

    # Settings list her under Blocked people; Unblock there lifts it.
    alice.nav("Settings").click()
    blocked = page.get_by_role("region", name="Blocked people")
    expect(blocked.get_by_role("link", name="Mallory @mallory")).to_be_visible()
    expect(page.get_by_role("region", name="Muted people")).to_contain_text(
        "You have not muted anyone."
    )
    blocked.get_by_role("button", name="Unblock @mallory").click()
    expect(blocked.get_by_role("button", name="Block @mallory")).to_have_attribute(
        "aria-pressed", "false"
    )
    assert state(app, "SELECT count(*) FROM blocks") == 0
    assert alice.marked()
    assert alice.errors == []


def test_a_post_is_reported_and_its_author_muted_from_the_post_menu_on_a_phone(people, app):
    make_user(app, "alice")
    make_user(app, "mallory", display_name="Mallory")
    spam = post_by(app, "mallory", "Follow me for free crypto")

    alice = people(PHONE)
    page = alice.page
    alice.sign_in("alice")
    page.get_by_role("link", name="Latest", exact=True).click()
    post = page.locator("article.post", has_text="free crypto")
    more = post.get_by_role("button", name="More actions for this post by @mallory")
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    post.get_by_role("button", name="Report post").click()
    form = post.get_by_role("form", name="Report this post by @mallory")
    form.get_by_label("Reason").select_option("spam")
    form.get_by_label("Anything the moderators should know? (optional)").fill(
        "Same link in every post"
    )
    with page.expect_response(re.compile(r"/api/v1/reports$")) as answer:
        form.get_by_role("button", name="Send report").click()
    assert answer.value.status == 201
    thanks = post.get_by_role("status")
    expect(thanks).to_contain_text("The moderators will look at your report.")
    expect(thanks).to_be_focused()
    assert (
        state(
            app,
            "SELECT count(*) FROM reports WHERE target_type = 'post' AND target_id = :p "
            "AND reason = 'spam' AND note = 'Same link in every post'",
            p=spam,
        )
        == 1
    )
    # The panel fits the phone's screen.
    box = post.locator(".more-panel").bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]

    # Escape closes the panel; from the menu again, Mute folds the post at once.
    page.keyboard.press("Escape")
    expect(more).to_be_focused()
    more.click()
    post.get_by_role("button", name="Mute @mallory").click()
    folded = page.locator(".post.folded")
    expect(folded).to_contain_text("You muted @mallory")
    expect(folded).to_be_focused()
    assert state(app, "SELECT count(*) FROM mutes") == 1
    # After a reload, the server leaves her post out of the feed: it is empty now.
    page.reload()
    expect(page.get_by_role("link", name="Latest", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    expect(page.locator(".state-empty")).to_be_visible()
    expect(page.locator("article.post", has_text="free crypto")).to_have_count(0)
    assert alice.errors == []


def test_seen_marks_follow_the_partners_reading_live_and_after_a_reload(people, app):
    make_user(app, "alice")
    make_user(app, "grace", display_name="Grace")
    alice, grace = people(DESKTOP), people(PHONE)
    alice.sign_in("alice")
    grace.sign_in("grace")

    alice.goto("/u/grace")
    alice.page.get_by_role("button", name="Message").click()
    alice.page.wait_for_url(re.compile(r".*/messages/\d+$"))
    conversation = alice.page.url.rsplit("/", 1)[1]
    box = alice.page.get_by_label("Write a message")
    box.fill("Lunch at noon?")
    box.press("Enter")
    log = alice.page.get_by_role("log")
    expect(log.get_by_text("Lunch at noon?")).to_be_visible()
    expect(log.locator(".read-mark")).to_have_count(0)

    # Grace opens it: Alice's message is marked, live.
    grace.goto(f"/messages/{conversation}")
    expect(grace.page.get_by_role("log").get_by_text("Lunch at noon?")).to_be_visible()
    seen = log.locator(".bubble", has_text="Lunch at noon?").locator(".read-mark")
    expect(seen).to_have_text("Seen by Grace")

    # A reload reads it from the conversation's read marks.
    alice.page.reload()
    expect(
        alice.page.get_by_role("log")
        .locator(".bubble", has_text="Lunch at noon?")
        .locator(".read-mark")
    ).to_have_text("Seen by Grace")

    # Grace answers: the mark goes (she wrote after it).
    grace_box = grace.page.get_by_label("Write a message")
    grace_box.fill("Sure!")
    grace_box.press("Enter")
    expect(alice.page.get_by_role("log").get_by_text("Sure!")).to_be_visible()
    expect(alice.page.get_by_role("log").locator(".read-mark")).to_have_count(0)
    assert alice.errors == [] and grace.errors == []


def test_the_spa_speaks_the_browsers_language_without_an_account_choice(people, app):
    make_user(app, "hans")
    hans = people(locale="de-DE")
    page = hans.page
    hans.goto("/login")
    # German from the first screen: its catalog (a lazy chunk, under the CSP) loads before it shows.
    expect(page.get_by_role("heading", name="Anmelden")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page).to_have_title("Anmelden · DevThread")
    page.get_by_label("Benutzername oder E-Mail").fill("hans")
    page.get_by_label("Passwort").fill(PASSWORD)
    with page.expect_request(re.compile(r"/api/v1/auth/login$")) as sent:
        page.get_by_role("button", name="Anmelden").click()
    assert sent.value.headers["accept-language"] == "de"
    page.wait_for_url(hans.base + "/")
    hans.frame("unread")
    main = page.get_by_role("navigation", name="Hauptmenü")
    expect(main.get_by_role("link", name="Einstellungen")).to_be_visible()
    home = page.get_by_role("navigation", name="Feeds").get_by_role("link", name="Start")
    expect(home).to_have_attribute("aria-current", "page")
    main.get_by_role("link", name="Einstellungen").click()
    expect(page.get_by_label("Sprache von DevThread")).to_have_value("de")
    expect(page).to_have_title("Einstellungen · DevThread")
    assert hans.errors == []
