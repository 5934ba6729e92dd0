"""Pictures in a real browser: an avatar from the settings page, a screenshot pasted into the
composer, another reader seeing both, and the pages with pictures checked by axe-core."""

from __future__ import annotations

import base64
import io
import os

import pytest
from PIL import Image, ImageDraw

from tests.browser import wait_settled
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
AXE = os.path.join(ROOT, "node_modules", "axe-core", "axe.min.js")
WCAG_A_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def screenshot_png() -> bytes:
    """A picture like a screenshot: text on a light background."""
    image = Image.new("RGB", (900, 500), (246, 248, 250))
    draw = ImageDraw.Draw(image)
    draw.rectangle((40, 40, 860, 120), fill=(11, 92, 213))
    draw.text((60, 70), "FAILED tests/test_media.py::test_upload", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def portrait_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (300, 400), (180, 90, 40)).save(out, "JPEG")
    return out.getvalue()


def sign_in(page, live_server: str, username: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server}/")


def paste_file(page, selector: str, data: bytes, name: str, kind: str) -> None:
    """Paste a file into an element, as the clipboard does with a screenshot."""
    page.evaluate(
        """([selector, b64, name, kind]) => {
            const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
            const transfer = new DataTransfer();
            transfer.items.add(new File([bytes], name, { type: kind }));
            const event = new ClipboardEvent("paste", {
                clipboardData: transfer, bubbles: true, cancelable: true,
            });
            document.querySelector(selector).dispatchEvent(event);
        }""",
        [selector, base64.b64encode(data).decode(), name, kind],
    )


def axe_violations(page) -> list[str]:
    """Run axe-core's WCAG A and AA rules on the page; return what it found."""
    with open(AXE, encoding="utf-8") as source:
        page.evaluate(source.read())
    found = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
            return result.violations.map(
                (v) => v.id + ": " + v.nodes.map((n) => n.target.join(" ")).join(", ")
            );
        }""",
        WCAG_A_AA,
    )
    return list(found)


def test_an_avatar_and_a_pasted_screenshot_are_seen_by_another_reader(
    page, browser, live_server, app
):
    make_user(app, "pia")
    make_user(app, "rex")
    sign_in(page, live_server, "pia")

    # The avatar, from the settings page.
    page.goto(f"{live_server}/settings")
    page.get_by_label("New avatar").set_input_files(
        files=[{"name": "me.jpg", "mimeType": "image/jpeg", "buffer": portrait_jpeg()}]
    )
    page.get_by_role("button", name="Upload avatar").click()
    page.get_by_text("Your avatar is saved.").wait_for()
    avatar = page.locator("#avatar img.avatar")
    assert "-96.jpg" in avatar.get_attribute("src")

    # A screenshot pasted into the composer: described, uploaded with a progress bar, inserted.
    page.goto(f"{live_server}/")
    body = page.locator("#body")
    body.fill("The test fails like this: ")
    body.press("End")
    paste_file(page, "#body", screenshot_png(), "image.png", "image/png")
    dialog = page.get_by_role("dialog", name="Describe the picture")
    dialog.wait_for()
    dialog.get_by_label("Text for people who cannot see it (alt text)").fill(
        "Terminal: FAILED test_upload"
    )
    dialog.get_by_role("button", name="Upload and insert").click()
    page.get_by_text("Picture inserted.").wait_for()
    text = body.input_value()
    assert text.startswith("The test fails like this: ![Terminal: FAILED test_upload](/media/")
    page.get_by_role("button", name="Post", exact=True).click()
    post = page.locator("#feed-items article").first
    post.locator("img.media").wait_for()
    wait_settled(page)
    assert page.console_errors == []

    # Another reader sees the picture (loaded, sized) and pia's avatar beside her name.
    other = browser.new_context()
    reader = other.new_page()
    try:
        sign_in(reader, live_server, "rex")
        reader.goto(f"{live_server}/latest")
        picture = reader.locator("img.media").first
        picture.wait_for()
        assert picture.get_attribute("alt") == "Terminal: FAILED test_upload"
        assert (picture.get_attribute("width"), picture.get_attribute("height")) == ("900", "500")
        assert reader.evaluate(
            "() => [...document.images].every((i) => i.complete && i.naturalWidth > 0)"
        )
        avatars = reader.locator("img.avatar[src*='/media/']")
        assert avatars.count() >= 1
        assert "-40.jpg" in avatars.first.get_attribute("src")
    finally:
        other.close()


def test_pages_with_pictures_pass_axe_wcag_a_and_aa(browser, live_server, app):
    from app.accounts.queries import find_by_username
    from app.media import services as media
    from app.posts import services as posts

    make_user(app, "una")
    with app.test_request_context():
        una = find_by_username("una")
        media.set_avatar(user=una, data=portrait_jpeg())
        picture = media.upload_picture(owner=una, data=screenshot_png(), alt="A terminal")
        post = posts.create_post(author=una, body=f"Look:\n\n![A terminal]({picture.url})")
        post_id = post.id
    # axe is injected as a script of the test's own: the pages' CSP would refuse it otherwise.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "una")
        for path in (f"/p/{post_id}", "/", "/settings", "/u/una"):
            page.goto(f"{live_server}{path}")
            wait_settled(page)
            assert axe_violations(page) == [], path
        # The composer's picture dialog, open.
        page.goto(f"{live_server}/")
        paste_file(page, "#body", screenshot_png(), "image.png", "image/png")
        page.get_by_role("dialog", name="Describe the picture").wait_for()
        assert axe_violations(page) == [], "picture dialog"
    finally:
        context.close()
