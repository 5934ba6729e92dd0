"""Editing a post in a real browser: a failed save keeps the card and shows why."""

from __future__ import annotations

import pytest

from tests.browser import wait_settled
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_failed_post_edit_keeps_the_card_and_shows_the_error_by_the_field(page, live_server, app):
    from app.accounts.queries import find_by_username
    from app.posts import services

    make_user(app, "fay")
    with app.test_request_context():
        post_id = services.create_post(author=find_by_username("fay"), body="Original words").id
    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email").fill("fay")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/p/{post_id}")
    page.evaluate("window.__still_here = true")
    card = page.locator(f"#post-{post_id}")

    page.locator("#post-block summary", has_text="Edit").click()
    body = page.locator("#edit-body")
    body.fill("   ")
    page.get_by_role("button", name="Save changes").click()
    page.locator("#edit-body-errors").wait_for()
    wait_settled(page)
    # The card is still there, with its words, and the form with the error next to the field.
    assert card.is_visible() and "Original words" in card.inner_text()
    assert page.locator("#post-block").count() == 1 and page.locator("#edit-form").count() == 1
    assert page.locator("#edit-form").is_visible()
    assert body.get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "edit-body"
    assert page.evaluate("window.__still_here") is True

    body.fill("Better words #fixed")
    page.get_by_role("button", name="Save changes").click()
    card.get_by_text("Better words").wait_for()
    wait_settled(page)
    assert page.locator("#edit-body-errors").count() == 0
    assert page.evaluate("window.__still_here") is True
    assert page.console_errors == []
