"""The SPA by keyboard only (its production build in Chromium): where focus is after each key."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import make_user
from tests.test_spa_e2e import people, post_by, spa  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_shortcuts_reactions_tabs_and_comments_by_keyboard(people, app):  # noqa: F811
    make_user(app, "ada")
    make_user(app, "grace")
    ids = [post_by(app, "grace", f"Keyboard post {i}") for i in range(7)]
    newest_first = list(reversed(ids))
    ada = people()
    page = ada.page
    ada.sign_in("ada")
    page.get_by_role("link", name="Latest").click()
    page.wait_for_url(ada.base + "/latest")
    post = lambda i: page.locator(f'main article.post[data-post-id="{newest_first[i]}"]')  # noqa: E731
    expect(post(6)).to_be_visible()

    # j six times: the sixth post; k goes back one.
    page.locator("main").focus()
    for _ in range(6):
        page.keyboard.press("j")
    expect(post(5)).to_be_focused()
    page.keyboard.press("k")
    expect(post(4)).to_be_focused()

    # r reacts to it, and focus stays on the post.
    page.keyboard.press("r")
    liked = post(4).locator('.reactions button[title="Like"]')
    expect(liked).to_have_attribute("aria-pressed", "true")
    expect(post(4)).to_be_focused()

    # ? opens the help; Escape closes it and focus comes back.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(post(4)).to_be_focused()

    # A reaction with Enter keeps focus on its button while saving and after.
    like = post(0).locator('.reactions button[title="Like"]')
    like.focus()
    page.keyboard.press("Enter")
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_be_focused()

    # n focuses the composer; typing j there writes it and moves nothing.
    page.keyboard.press("n")
    composer = page.locator(".composer textarea")
    expect(composer).to_be_focused()
    page.keyboard.type("j")
    expect(composer).to_have_value("j")
    expect(composer).to_be_focused()

    # The composer's tabs follow the ARIA tabs pattern.
    write = page.get_by_role("tab", name="Write")
    write.focus()
    page.keyboard.press("ArrowRight")
    preview = page.get_by_role("tab", name="Preview")
    expect(preview).to_be_focused()
    expect(preview).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Home")
    expect(write).to_be_focused()

    # / focuses the search field.
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("/")
    expect(page.locator("#nav-q")).to_be_focused()

    # c on a post opens its page with the comment field focused.
    post(1).focus()
    page.keyboard.press("c")
    page.wait_for_url(f"{ada.base}/p/{newest_first[1]}")
    expect(page.locator("#new-comment")).to_be_focused()
    page.keyboard.type("Said with keys")
    page.get_by_role("button", name="Comment", exact=True).focus()
    page.keyboard.press("Enter")
    expect(page.locator(".comments .prose", has_text="Said with keys")).to_be_visible()
    expect(page.get_by_role("button", name="Comment", exact=True)).to_be_focused()

    # Reply opens on its field; Escape closes it, back on Reply.
    reply = page.locator(".comment-actions button", has_text="Reply").first
    reply.focus()
    page.keyboard.press("Enter")
    expect(page.locator(".comments textarea[id^=reply-]")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator(".comments textarea[id^=reply-]")).to_have_count(0)
    expect(reply).to_be_focused()
    assert ada.errors == []
