"""A cached post card in a real browser: toggles and the report dialog fetched when opened."""

from __future__ import annotations

import pytest

from tests.browser import wait_settled
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def test_react_save_and_report_from_a_card(page, live_server, app):
    from app.accounts.queries import find_by_username
    from app.extensions import db
    from app.posts import services
    from app.safety.models import Report

    make_user(app, "gus")
    make_user(app, "hal")
    with app.test_request_context():
        post_id = services.create_post(author=find_by_username("hal"), body="Cached words").id
    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email").fill("gus")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")
    page.goto(f"{live_server}/latest")
    card = page.locator(f"#post-{post_id}")

    like = card.get_by_role("button", name="Like")
    assert like.get_attribute("aria-pressed") == "false"
    like.click()
    card.locator('button[title="Like"][aria-pressed="true"]').wait_for()
    wait_settled(page)
    save = card.get_by_role("button", name="Save")
    save.click()
    card.get_by_role("button", name="Saved").wait_for()
    wait_settled(page)

    # The report form is not in the page until its dialog opens.
    assert page.locator(f"#report-post-{post_id}").count() == 0
    card.locator("summary", has_text="Report").click()
    form = page.locator(f"#report-post-{post_id}")
    form.wait_for()
    form.get_by_label("Reason").select_option("spam")
    form.get_by_role("button", name="Send report").click()
    page.get_by_text("Thank you. The moderators will look at your report.").wait_for()
    wait_settled(page)
    with app.app_context():
        assert db.session.query(Report).count() == 1
    # A reload shows the reader's own state on the card kept for everyone.
    page.reload()
    card = page.locator(f"#post-{post_id}")
    assert card.locator('button[title="Like"]').get_attribute("aria-pressed") == "true"
    assert card.get_by_role("button", name="Saved").is_visible()
    assert page.console_errors == []
