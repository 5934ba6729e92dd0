"""Drafts and pins in a real browser: the composer autosaves, Post publishes that draft."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.browser import wait_settled
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def sign_in(page, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")


def drafts_of(app, username: str) -> list[tuple[int, str]]:
    from app.accounts.queries import find_by_username
    from app.extensions import db
    from app.posts.models import Post

    with app.app_context():
        user = find_by_username(username)
        rows = db.session.execute(
            select(Post.id, Post.body).where(Post.author_id == user.id, Post.draft)
        )
        return [tuple(row) for row in rows]


def test_composer_autosaves_a_draft_and_posting_publishes_it(page, live_server, app):
    make_user(app, "gus")
    sign_in(page, live_server, "gus")
    status = page.locator("#draft-status")
    assert status.get_attribute("role") == "status"
    page.locator("#body").fill("Thinking out loud")
    status.get_by_text("Draft saved at").wait_for(timeout=10_000)
    wait_settled(page)
    (first,) = drafts_of(app, "gus")
    assert first[1] == "Thinking out loud"
    assert page.locator("#composer-draft-id").input_value() == str(first[0])
    # More typing saves the same draft again.
    page.locator("#body").fill("Thinking out loud, twice")
    page.wait_for_timeout(3000)
    wait_settled(page)
    assert drafts_of(app, "gus") == [(first[0], "Thinking out loud, twice")]
    page.get_by_role("button", name="Post", exact=True).click()
    page.locator(f"#post-{first[0]}").wait_for()
    wait_settled(page)
    assert drafts_of(app, "gus") == []
    assert page.locator("#composer-draft-id").input_value() == ""
    assert page.console_errors == []


def test_pin_button_swaps_the_card(page, live_server, app):
    from app.accounts.queries import find_by_username
    from app.posts import services

    make_user(app, "hal")
    with app.test_request_context():
        post_id = services.create_post(author=find_by_username("hal"), body="Pin this").id
    sign_in(page, live_server, "hal")
    page.goto(f"{live_server}/u/hal")
    card = page.locator(f"#post-{post_id}")
    card.get_by_role("button", name="Pin to profile").click()
    card.get_by_role("button", name="Unpin from profile").wait_for()
    wait_settled(page)
    assert "Pinned" in page.locator(f"#post-{post_id}").inner_text()
    assert page.console_errors == []


def test_save_draft_button_keeps_the_words_without_posting(page, live_server, app):
    make_user(app, "ida")
    sign_in(page, live_server, "ida")
    page.locator("#body").fill("Not ready yet")
    page.get_by_role("button", name="Save draft").click()
    page.locator("#draft-status").get_by_text("Draft saved at").wait_for(timeout=5_000)
    wait_settled(page)
    assert [body for _id, body in drafts_of(app, "ida")] == ["Not ready yet"]
    assert page.locator("#feed-items article.post").count() == 0
    assert page.locator("#body").input_value() == "Not ready yet"
    page.goto(f"{live_server}/drafts")
    assert "Not ready yet" in page.locator("#draft-items").inner_text()
    assert page.console_errors == []
