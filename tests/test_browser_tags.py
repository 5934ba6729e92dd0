"""Following a tag and saving notification settings in a real browser (htmx swaps in place)."""

from __future__ import annotations

import pytest

from tests.browser import wait_settled
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_follow_a_tag_and_save_notification_settings_in_place(page, live_server, app):
    from app.accounts.queries import find_by_username
    from app.posts import services

    make_user(app, "gus")
    with app.test_request_context():
        services.create_post(author=find_by_username("gus"), body="Tagged #browsers")
    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email").fill("gus")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/tags/browsers")
    page.evaluate("window.__still_here = true")
    button = page.locator("#follow-tag button")
    assert button.get_attribute("aria-pressed") == "false"
    button.click()
    page.locator('#follow-tag button[aria-pressed="true"]').wait_for()
    wait_settled(page)
    assert page.evaluate("window.__still_here") is True

    page.goto(f"{live_server}/settings")
    assert page.locator("#followed-tags a", has_text="#browsers").is_visible()
    page.evaluate("window.__still_here = true")
    page.get_by_label("Someone follows you: by email").check()
    page.get_by_label("Every week").check()
    page.get_by_role("button", name="Save notification settings").click()
    page.locator("#notification-settings-form .flash-success").wait_for()
    wait_settled(page)
    assert page.evaluate("window.__still_here") is True
    assert page.get_by_label("Someone follows you: by email").is_checked()
    assert page.get_by_label("Every week").is_checked()
    assert page.console_errors == []
