"""Two people in two browsers: what one does shows up for the other without a reload."""

from __future__ import annotations

import re

import pytest

from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def sign_in(browser, live_server, username: str):
    context = browser.new_context()
    page = context.new_page()
    page.console_errors = []
    page.on("pageerror", lambda error: page.console_errors.append(str(error)))
    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")
    return page


def wait_socket(page) -> None:
    """Wait until the page's socket is open and registered (app.js marks #live-socket)."""
    # Open is not enough: the server registers the socket after the handshake's answer, and a
    # post made in between reached nobody (a flaky test). Its first frame comes after that.
    page.locator("#live-socket[data-live=open][data-live-ready]").wait_for(state="attached")


def test_reaction_message_and_typing_arrive_live(browser, live_server, app):
    make_user(app, "alice")
    make_user(app, "bob")
    from app.accounts.queries import find_by_username
    from app.posts import services

    with app.test_request_context():
        post = services.create_post(author=find_by_username("bob"), body="Live test post")
        post_id = post.id

    bob = sign_in(browser, live_server, "bob")
    alice = sign_in(browser, live_server, "alice")
    wait_socket(bob)
    bob.evaluate("window.__no_reload = true")
    badge = bob.locator("#notification-badge")
    assert badge.inner_text().strip() == ""

    # Alice reacts: Bob's notification badge counts it, without a reload.
    alice.goto(f"{live_server}/p/{post_id}")
    alice.get_by_role("button", name="Like").click()
    alice.locator(f"#reactions-{post_id} [aria-pressed=true]").wait_for()
    bob.locator("#notification-badge", has_text="1").wait_for()
    assert bob.evaluate("window.__no_reload") is True

    # Alice opens a conversation from Bob's profile and Bob opens it too.
    alice.goto(f"{live_server}/u/bob")
    alice.get_by_role("button", name="Message").click()
    alice.wait_for_url(re.compile(r".*/messages/\d+$"))
    conversation_url = alice.url
    bob.goto(conversation_url)
    wait_socket(bob)
    wait_socket(alice)
    bob.evaluate("window.__no_reload = true")

    # Bob types: Alice sees it.
    bob.get_by_role("textbox", name="Message").press_sequentially("hel")
    alice.get_by_text("bob is typing…").wait_for()

    # Alice sends: the message shows in Bob's open conversation, and once in her own.
    alice.get_by_role("textbox", name="Message").fill("Hello Bob, this is live")
    alice.get_by_role("button", name="Send").click()
    bob.get_by_text("Hello Bob, this is live").wait_for()
    alice.get_by_text("Hello Bob, this is live").wait_for()
    alice.wait_for_timeout(500)
    assert alice.get_by_text("Hello Bob, this is live").count() == 1
    assert bob.evaluate("window.__no_reload") is True
    # Bob had it on screen: Alice sees it was read.
    alice.get_by_text("Seen by bob").wait_for()

    assert bob.console_errors == [] and alice.console_errors == []


def test_say_hello_leaves_both_pages_when_the_first_message_lands(browser, live_server, app):
    make_user(app, "hana")
    make_user(app, "ivan")
    from app.accounts.queries import find_by_username
    from app.messaging import services

    with app.test_request_context():
        conversation, _ = services.start_conversation(
            user=find_by_username("hana"), username="ivan"
        )
        url = f"{live_server}/messages/{conversation.id}"
    hana = sign_in(browser, live_server, "hana")
    ivan = sign_in(browser, live_server, "ivan")
    for page in (hana, ivan):
        page.goto(url)
        wait_socket(page)
        page.evaluate("window.__no_reload = true")
        assert page.get_by_text("Say hello!").is_visible()

    hana.get_by_role("textbox", name="Message").fill("First words, live")
    hana.get_by_role("button", name="Send").click()
    for page in (hana, ivan):
        page.get_by_text("First words, live").wait_for(timeout=5000)
        page.get_by_text("Say hello!").wait_for(state="detached", timeout=5000)
        assert page.evaluate("window.__no_reload") is True
    assert hana.console_errors == [] and ivan.console_errors == []
