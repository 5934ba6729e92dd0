"""A keyboard-only journey through the pages in a real browser: where focus is after each key."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser import wait_settled
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.browser


def sign_in(page, live_server: str, name: str) -> None:
    page.goto(f"{live_server}/login")
    page.get_by_label("Username or email").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.wait_for_url(f"{live_server}/")


def posts_by(app, name: str, count: int) -> list[int]:
    from app.accounts.queries import find_by_username
    from app.posts import services

    with app.test_request_context():
        author = find_by_username(name)
        return [services.create_post(author=author, body=f"Post {i}").id for i in range(count)]


def active_id(page) -> str:
    return page.evaluate("document.activeElement.id")


def test_shortcuts_move_react_help_search_and_compose(page, live_server, app):
    make_user(app, "gus")
    make_user(app, "hal")
    ids = posts_by(app, "hal", 8)
    newest_first = list(reversed(ids))
    sign_in(page, live_server, "gus")
    page.goto(f"{live_server}/latest")
    cards = page.locator("#feed-items article.post")
    expect(cards).to_have_count(8)

    # j six times: the sixth post, in view and not under the sticky header.
    for _ in range(6):
        page.keyboard.press("j")
    sixth = page.locator(f"#post-{newest_first[5]}")
    expect(sixth).to_be_focused()
    header = page.locator(".site-header").bounding_box()
    page.wait_for_timeout(600)  # a smooth scroll, unless reduced motion is asked for
    box = sixth.bounding_box()
    assert box["y"] >= header["y"] + header["height"] - 1
    page.keyboard.press("k")
    expect(page.locator(f"#post-{newest_first[4]}")).to_be_focused()
    page.keyboard.press("j")
    expect(sixth).to_be_focused()

    # r reacts to the focused post (Like) and focus stays on it.
    page.keyboard.press("r")
    sixth.locator('button[title="Like"][aria-pressed="true"]').wait_for()
    wait_settled(page)
    expect(sixth).to_be_focused()

    # ? opens the help dialog; Escape closes it and focus comes back.
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    assert page.evaluate("document.activeElement.closest('dialog') !== null")
    page.keyboard.press("j")  # no shortcut while the dialog is open
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(sixth).to_be_focused()

    # n focuses the composer; typing "j" there writes a j and moves nothing.
    page.keyboard.press("n")
    composer = page.locator("#composer textarea")
    expect(composer).to_be_focused()
    page.keyboard.type("j k r")
    expect(composer).to_have_value("j k r")
    expect(composer).to_be_focused()
    # Modifier keys are the browser's: Ctrl+j does not move to a post either.
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Control+j")
    assert page.evaluate("document.activeElement === document.body")

    # / focuses the search field (on a page without one, it opens the search page).
    page.keyboard.press("/")
    page.wait_for_url(f"{live_server}/search")
    expect(page.locator("#q")).to_be_focused()
    page.keyboard.press("/")  # typed into the field, not a shortcut
    expect(page.locator("#q")).to_have_value("/")


def test_reactions_follow_and_comments_keep_focus(page, live_server, app):
    make_user(app, "gus")
    make_user(app, "hal")
    ids = posts_by(app, "hal", 2)
    sign_in(page, live_server, "gus")
    page.goto(f"{live_server}/latest")

    # A reaction with Enter: the pressed button keeps focus after htmx replaced the bar.
    card = page.locator(f"#post-{ids[-1]}")
    like = card.locator('button[title="Like"]')
    like.focus()
    page.keyboard.press("Enter")
    card.locator('button[title="Like"][aria-pressed="true"]').wait_for()
    wait_settled(page)
    expect(card.locator('button[title="Like"]')).to_be_focused()
    save = card.get_by_role("button", name="Save")
    save.focus()
    page.keyboard.press("Enter")
    card.get_by_role("button", name="Saved").wait_for()
    wait_settled(page)
    expect(card.get_by_role("button", name="Saved")).to_be_focused()

    # c on a post in a feed opens its page with the comment field focused.
    page.keyboard.press("c")
    page.wait_for_url(f"{live_server}/p/{ids[-1]}")
    box = page.locator("#comments > form.comment-form textarea")
    expect(box).to_be_focused()
    page.keyboard.type("Nice one")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Comment", exact=True)).to_be_focused()
    page.keyboard.press("Enter")
    page.locator("#comments .prose", has_text="Nice one").wait_for()
    wait_settled(page)
    expect(page.get_by_role("button", name="Comment", exact=True)).to_be_focused()
    # On the post page, c focuses the comment field directly.
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("c")
    expect(box).to_be_focused()

    # Reply opens, Escape closes it and focus goes back to Reply.
    page.keyboard.press("Escape")
    reply = page.locator("#comments summary", has_text="Reply").first
    reply.focus()
    page.keyboard.press("Enter")
    reply_box = page.locator("#comments details[open] textarea")
    reply_box.focus()
    page.keyboard.press("Escape")
    expect(reply).to_be_focused()
    assert page.locator("#comments details[open]").count() == 0
    # Send a reply with Enter: the form closes with the new thread, focus is on Reply again.
    page.keyboard.press("Enter")
    reply_box.focus()
    page.keyboard.type("A keyboard reply")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator("#comments .replies .prose", has_text="A keyboard reply").wait_for()
    wait_settled(page)
    expect(page.locator("#comments summary", has_text="Reply").first).to_be_focused()

    # Follow with Enter on a profile: the new Following button has focus.
    page.goto(f"{live_server}/u/hal")
    follow = page.locator("#follow-hal button")
    follow.focus()
    page.keyboard.press("Enter")
    page.locator('#follow-hal button[aria-pressed="true"]').wait_for()
    wait_settled(page)
    expect(page.locator("#follow-hal button")).to_be_focused()
    assert page.console_errors == []


def test_register_error_focus_stays_on_the_invalid_field(page, live_server):
    page.goto(f"{live_server}/register")
    expect(page.get_by_label("Username")).to_be_focused()
    page.get_by_label("Username").fill("dana")
    page.get_by_label("Email").fill("not an address")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Password").press("Enter")
    page.locator('#email[aria-invalid="true"]').wait_for()
    wait_settled(page)
    page.wait_for_timeout(300)
    # Not pulled back to the username by the swapped form's autofocus.
    assert active_id(page) == "email"


def test_a_message_to_nobody_marks_the_field(page, live_server, app):
    make_user(app, "gus")
    sign_in(page, live_server, "gus")
    page.goto(f"{live_server}/messages")
    page.get_by_label("Username").fill("nobody_here")
    page.get_by_label("Username").press("Enter")
    field = page.locator('#username[aria-invalid="true"]')
    field.wait_for()
    expect(field).to_be_focused()


def test_post_and_report_keep_focus(page, live_server, app):
    make_user(app, "gus")
    make_user(app, "hal")
    (post_id,) = posts_by(app, "hal", 1)
    sign_in(page, live_server, "gus")
    page.goto(f"{live_server}/latest")
    # Post with the keyboard: the new composer's Post button has focus again.
    page.keyboard.press("n")
    page.keyboard.type("Written without a mouse")
    page.get_by_role("button", name="Post", exact=True).focus()
    page.keyboard.press("Enter")
    page.locator("#feed-items .prose", has_text="Written without a mouse").wait_for()
    wait_settled(page)
    expect(page.get_by_role("button", name="Post", exact=True)).to_be_focused()
    # Send report: focus moves to the thank-you line that replaced the form.
    card = page.locator(f"#post-{post_id}")
    card.locator("summary", has_text="Report").focus()
    page.keyboard.press("Enter")
    form = page.locator(f"#report-post-{post_id}")
    form.get_by_label("Reason").wait_for()
    wait_settled(page)
    form.get_by_label("Reason").select_option("spam")
    form.get_by_role("button", name="Send report").focus()
    page.keyboard.press("Enter")
    done = page.locator(f"p#report-post-{post_id}")
    done.wait_for()
    wait_settled(page)
    expect(done).to_be_focused()


@pytest.mark.parametrize(("width", "path"), [(1280, "/latest"), (640, "/p/{id}")])
def test_shift_tab_never_hides_focus_under_the_sticky_header(page, live_server, app, width, path):
    make_user(app, "gus")
    make_user(app, "hal")
    ids = posts_by(app, "hal", 12)
    sign_in(page, live_server, "gus")
    page.set_viewport_size({"width": width, "height": 700})
    page.goto(live_server + path.format(id=ids[0]))
    page.locator(".site-footer a").last.focus()
    header = page.locator(".site-header")
    for _ in range(25):
        page.keyboard.press("Shift+Tab")
        page.wait_for_timeout(30)
        if page.evaluate("!!document.activeElement.closest('.site-header')"):
            break
        top = page.evaluate("document.activeElement.getBoundingClientRect().top")
        bottom = header.bounding_box()["y"] + header.bounding_box()["height"]
        assert top >= bottom - 1, page.evaluate("document.activeElement.outerHTML.slice(0, 120)")


def test_live_news_changes_one_region_and_show_new_posts_focuses_the_newest(
    browser, live_server, app
):
    from tests.test_browser_live import sign_in as open_signed_in
    from tests.test_browser_live import wait_socket

    make_user(app, "gus")
    make_user(app, "hal")
    (mine,) = posts_by(app, "gus", 1)
    from app.accounts.queries import find_by_username
    from app.social import services as social

    with app.test_request_context():
        social.follow(follower=find_by_username("gus"), username="hal")
    gus = open_signed_in(browser, live_server, "gus")
    gus.goto(f"{live_server}/latest")
    wait_socket(gus)
    # Mark the live regions: a push must change their text, not put new elements in their place.
    gus.evaluate(
        "for (const id of ['live-announcer', 'new-posts'])"
        " document.getElementById(id).__kept = true"
    )
    (news,) = posts_by(app, "hal", 1)
    button = gus.get_by_role("button", name="Show 1 new post")
    button.wait_for()
    assert gus.evaluate("document.getElementById('new-posts').__kept") is True

    hal = open_signed_in(browser, live_server, "hal")
    hal.goto(f"{live_server}/p/{mine}")
    hal.get_by_role("button", name="Like").click()
    gus.locator("#live-announcer", has_text="New notification from hal").wait_for()
    assert gus.evaluate("document.getElementById('live-announcer').__kept") is True
    assert gus.locator("[aria-live]#live-announcer").count() == 1

    # Focus on the button while another post arrives: the new count's button keeps it.
    button.focus()
    (newest,) = posts_by(app, "hal", 1)
    two = gus.get_by_role("button", name="Show 2 new posts")
    two.wait_for()
    expect(two).to_be_focused()
    # Enter on it: focus lands on the newest post, not on <body>.
    gus.keyboard.press("Enter")
    gus.locator(f"#post-{news}").wait_for()
    expect(gus.locator(f"#post-{newest}")).to_be_focused()
    assert gus.console_errors == [] and hal.console_errors == []
    gus.context.close()
    hal.context.close()


def test_settings_errors_focus_the_form_that_was_sent(page, live_server, app):
    make_user(app, "gus")
    sign_in(page, live_server, "gus")
    page.goto(f"{live_server}/settings")
    # The address form fails first: its field is marked, and focused.
    page.get_by_label("New email address").fill("not an address")
    page.get_by_label("New email address").press("Enter")
    page.locator('#email-form [aria-invalid="true"]').wait_for()
    wait_settled(page)
    expect(page.get_by_label("New email address")).to_be_focused()
    # Then the password form: focus goes to its own field, not back to the address above it.
    page.get_by_label("Current password").fill("not my password")
    page.get_by_label("New password").fill("a brand new passphrase")
    page.get_by_role("button", name="Change password").focus()
    page.keyboard.press("Enter")
    page.locator('#password-form [aria-invalid="true"]').wait_for()
    wait_settled(page)
    page.wait_for_timeout(100)
    assert page.evaluate("document.activeElement.closest('form').id") == "password-form"
    assert page.evaluate("document.activeElement.getAttribute('aria-invalid')") == "true"

    # Save profile with the keyboard: focus stays on its button.
    page.get_by_label("Display name").fill("Gus K.")
    save = page.locator("#profile-form button[type=submit]")
    save.focus()
    page.keyboard.press("Enter")
    page.locator("#profile-form").get_by_text("Gus K.").or_(
        page.locator('#profile-form input[value="Gus K."]')
    ).first.wait_for()
    wait_settled(page)
    expect(page.locator("#profile-form button[type=submit]")).to_be_focused()


def test_the_shortcuts_help_and_a_focused_post_pass_axe(browser, live_server, app):
    from tests.test_browser_pictures import axe_violations

    make_user(app, "gus")
    posts_by(app, "gus", 2)
    # axe is injected as a script of the test's own: the pages' CSP would refuse it otherwise.
    context = browser.new_context(bypass_csp=True)
    page = context.new_page()
    try:
        sign_in(page, live_server, "gus")
        page.goto(f"{live_server}/latest")
        page.keyboard.press("j")
        assert axe_violations(page) == []
        page.keyboard.press("?")
        expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
        assert axe_violations(page) == []
    finally:
        context.close()


def test_j_scrolls_at_once_when_less_motion_is_asked_for(browser, live_server, app):
    make_user(app, "gus")
    ids = posts_by(app, "gus", 12)
    context = browser.new_context(reduced_motion="reduce", viewport={"width": 1280, "height": 600})
    page = context.new_page()
    try:
        sign_in(page, live_server, "gus")
        page.goto(f"{live_server}/latest")
        for _ in range(8):
            page.keyboard.press("j")
        # No smooth scroll: the post is in place right away, below the sticky header.
        top = page.evaluate("document.activeElement.getBoundingClientRect().top")
        header = page.locator(".site-header").bounding_box()
        assert page.evaluate("document.activeElement.id") == f"post-{ids[-8]}"
        assert header["height"] - 1 <= top < 200
    finally:
        context.close()
