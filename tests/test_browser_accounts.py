"""Signing up and in with htmx in a real browser."""

from __future__ import annotations

import pytest

from tests.browser import wait_settled
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser


def test_register_form_errors_swap_in_place_then_sign_up(page, live_server):
    page.goto(f"{live_server}/register")
    page.evaluate("window.__still_here = true")
    page.get_by_label("Username").fill("no spaces allowed")
    page.get_by_label("Email").fill("dana@example.com")
    page.get_by_label("Password").fill("short")
    page.get_by_role("button", name="Create account").click()
    page.get_by_text("Use 3 to 30 letters, digits or underscores.").wait_for()
    page.get_by_text("Use at least 10 characters.").wait_for()
    wait_settled(page)
    # htmx swapped the form: no navigation happened, and the typed email survived.
    assert page.evaluate("window.__still_here") is True
    assert page.get_by_label("Email").input_value() == "dana@example.com"
    assert page.get_by_label("Password").input_value() == ""
    # Focus moved to the first invalid field, for keyboard and screen-reader users.
    assert page.evaluate("document.activeElement.id") == "username"

    page.get_by_label("Username").fill("dana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.get_by_role("link", name="dana").wait_for()
    page.get_by_text("Welcome to DevThread, dana!").wait_for()
    assert page.console_errors == []


def test_log_in_and_out(page, live_server, app):
    from tests.conftest import make_user

    make_user(app, "erin")
    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email").fill("erin")
    page.get_by_label("Password").fill("wrong password!")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Wrong username, email or password.").wait_for()
    wait_settled(page)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="erin").wait_for()
    page.get_by_role("button", name="Log out").click()
    page.get_by_text("You are signed out.").wait_for()
    assert page.console_errors == []
