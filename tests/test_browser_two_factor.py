"""Two factors in a real Chromium: an authenticator app set up from the settings page, and a
passkey made by Chromium's virtual authenticator (DevTools protocol, through Playwright)."""

from __future__ import annotations

import pyotp
import pytest

from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def on_localhost(live_server: str) -> str:
    """Serve through "localhost": WebAuthn refuses IP addresses as relying-party ids."""
    return live_server.replace("127.0.0.1", "localhost")


def log_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_authenticator_app_set_up_then_sign_in_with_a_code(page, live_server, app, tmp_path):
    make_user(app, "tess")
    base = on_localhost(live_server)
    log_in(page, base, "tess")
    page.get_by_role("link", name="tess").wait_for()
    page.goto(f"{base}/settings")
    page.get_by_role("button", name="Set up an authenticator app").click()
    qr = page.locator("figure.qr svg")
    qr.wait_for()
    assert qr.bounding_box()["width"] > 100  # drawn, and not blocked by the CSP
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Turn on").click()
    page.get_by_text("Two-factor sign-in is on.").wait_for()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    with page.expect_download() as download:
        page.get_by_role("link", name="Download as text").click()
    saved = tmp_path / "codes.txt"
    download.value.save_as(saved)
    assert saved.read_text().split() == codes

    page.get_by_role("button", name="Log out", exact=True).click()
    log_in(page, base, "tess")
    page.get_by_role("heading", name="Two-factor sign-in").wait_for()
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify and sign in").click()
    page.get_by_role("link", name="tess").wait_for()
    assert page.console_errors == []


def test_passkey_added_in_settings_signs_in_without_a_password(page, live_server, app):
    from sqlalchemy import select

    from app.accounts.models import Passkey
    from app.extensions import db

    make_user(app, "pia")
    base = on_localhost(live_server)
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    authenticator = devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
                "automaticPresenceSimulation": True,
            }
        },
    )["authenticatorId"]

    log_in(page, base, "pia")
    page.get_by_role("link", name="pia").wait_for()
    page.goto(f"{base}/settings")
    page.get_by_label("Name of the passkey").fill("Virtual key")
    page.get_by_role("button", name="Add a passkey").click()
    page.get_by_text("Passkey added.").wait_for()
    page.get_by_role("button", name="Remove Virtual key").wait_for()
    stored = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1 and stored["credentials"][0]["isResidentCredential"]

    page.get_by_role("button", name="Log out", exact=True).click()
    page.get_by_text("You are signed out.").wait_for()
    page.goto(f"{base}/login")
    page.get_by_role("button", name="Sign in with a passkey").click()
    page.get_by_role("link", name="pia").wait_for()
    assert page.console_errors == []

    # The server kept the authenticator's signature counter.
    stored = devtools.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    with app.app_context():
        count = db.session.scalar(select(Passkey.sign_count))
    assert count == stored["credentials"][0]["signCount"] >= 1
