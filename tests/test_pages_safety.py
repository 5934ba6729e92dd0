"""Block, mute and report as pages (no JavaScript) and htmx fragments."""

from __future__ import annotations

import re

import pytest

from app.accounts.queries import find_by_username
from app.extensions import db
from app.messaging.models import Conversation
from app.posts import services as posts
from app.posts.models import Comment
from app.safety import services as safety
from app.safety.models import Block, Mute, Report
from app.social.models import Follow
from tests.conftest import Auth, csrf_token, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def alice(app, client):
    """Alice, signed in on ``client``; Bob and Carol exist."""
    for name in ("alice", "bob", "carol"):
        make_user(app, name)
    Auth(client).login("alice")
    return client


def signed_in(app, name: str):
    client = app.test_client()
    Auth(client).login(name)
    return client


def post_as(app, name: str, body: str) -> int:
    with app.test_request_context():
        return posts.create_post(author=find_by_username(name), body=body).id


def comment_as(app, name: str, post_id: int, body: str, parent_id: int | None = None) -> int:
    with app.test_request_context():
        author = find_by_username(name)
        return posts.add_comment(post_id=post_id, author=author, body=body, parent_id=parent_id).id


def block(app, blocker: str, blocked: str) -> None:
    with app.test_request_context():
        safety.block(blocker=find_by_username(blocker), username=blocked)


def form(client, path="/", **data):
    return {"csrf_token": csrf_token(client, path), **data}


def test_profile_offers_block_mute_and_report(app, alice):
    page = alice.get("/u/bob").get_data(as_text=True)
    assert 'id="block-bob"' in page and 'id="mute-bob"' in page
    assert 'id="report-user-bob-dialog"' in page
    # The form comes when the dialog opens (htmx), or on its own page (the link, no JavaScript).
    url = re.search(r'id="report-user-bob-dialog"[^>]*hx-get="([^"]+)"', page)[1]
    url = url.replace("&amp;", "&")
    assert f'<a href="{url.replace("&", "&amp;")}">' in page
    dialog = alice.get(url, headers=HTMX).get_data(as_text=True)
    assert 'id="report-user-bob"' in dialog and 'name="target_id" value="bob"' in dialog
    assert "<html" not in dialog and 'name="csrf_token"' in dialog
    assert 'id="report-user-bob"' in alice.get(url).get_data(as_text=True)
    own = alice.get("/u/alice").get_data(as_text=True)
    assert 'id="block-alice"' not in own and 'id="report-user-alice' not in own
    anonymous = app.test_client().get("/u/bob").get_data(as_text=True)
    assert 'id="block-bob"' not in anonymous and "report-user" not in anonymous


def test_block_with_htmx_swaps_the_button(app, alice):
    alice.post("/u/bob/follow", data=form(alice, on="1"))
    response = alice.post("/u/bob/block", data=form(alice, on="1"), headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<form method="post" action="/u/bob/block" id="block-bob"')
    assert 'aria-pressed="true"' in fragment and "Unblock" in fragment
    with app.app_context():
        assert db.session.query(Block).count() == 1
        assert db.session.query(Follow).count() == 0
    page = alice.get("/u/bob").get_data(as_text=True)
    assert "You blocked @bob" in page and 'id="follow-bob"' not in page
    response = alice.post("/u/bob/block", data=form(alice, on="0"), headers=HTMX)
    assert "Unblock" not in response.get_data(as_text=True)


def test_block_and_mute_work_without_javascript(app, alice):
    response = alice.post(
        "/u/bob/mute", data=form(alice, on="1"), headers={"Referer": "http://localhost/u/bob"}
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("/u/bob")
    assert "You muted @bob." in alice.get("/u/bob").get_data(as_text=True)
    assert alice.post("/u/bob/block", data=form(alice, on="1")).status_code == 303
    with app.app_context():
        assert db.session.query(Mute).count() == 1 and db.session.query(Block).count() == 1
    assert alice.post("/u/alice/block", data=form(alice, on="1")).status_code == 422
    assert alice.post("/u/nobody/block", data=form(alice, on="1")).status_code == 404


def test_block_needs_csrf_and_a_session(app, alice):
    assert alice.post("/u/bob/block", data={"on": "1"}).status_code == 400
    anonymous = app.test_client()
    response = anonymous.post("/u/bob/block", data=form(anonymous, "/login", on="1"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    with app.app_context():
        assert db.session.query(Block).count() == 0


def test_settings_list_blocked_and_muted_people_with_undo(app, alice):
    assert "You have not blocked anyone." in alice.get("/settings").get_data(as_text=True)
    alice.post("/u/bob/block", data=form(alice, on="1"))
    alice.post("/u/carol/mute", data=form(alice, on="1"))
    page = alice.get("/settings").get_data(as_text=True)
    assert 'id="block-bob"' in page and 'id="mute-carol"' in page
    assert page.count('aria-pressed="true"') == 2
    response = alice.post("/u/bob/block", data=form(alice, "/settings", on="0"), headers=HTMX)
    assert 'aria-pressed="false"' in response.get_data(as_text=True)
    assert "You have not blocked anyone." in alice.get("/settings").get_data(as_text=True)
    full = alice.get("/settings/muted").get_data(as_text=True)
    assert "@carol" in full and 'id="mute-carol"' in full


def test_full_lists_page_with_htmx(app, alice):
    for i in range(35):
        make_user(app, f"user{i:02d}")
        block(app, "alice", f"user{i:02d}")
    page = alice.get("/settings/blocked").get_data(as_text=True)
    assert page.count('class="user-row"') == 30
    next_url = re.search(r'hx-get="(/settings/blocked\?cursor=[^"]+)"', page).group(1)
    rest = alice.get(next_url, headers=HTMX).get_data(as_text=True)
    assert "<html" not in rest and rest.count('class="user-row"') == 5
    settings = alice.get("/settings").get_data(as_text=True)
    assert "See everyone" in settings


def test_the_blocked_person_cannot_reach_the_blocker_through_any_page(app, alice):
    """The "done when" check for blocks, through the pages a person without the API uses."""
    own = post_as(app, "alice", "alice's private thoughts #life")
    elsewhere = post_as(app, "carol", "carol's public post")
    comment = comment_as(app, "alice", elsewhere, "alice replies to carol")
    bob = signed_in(app, "bob")
    bob.post("/u/alice/follow", data=form(bob, on="1"))
    alice.post("/u/bob/block", data=form(alice, on="1"))
    # Profile and posts: not there.
    assert bob.get("/u/alice").status_code == 404
    assert bob.get("/u/alice/followers").status_code == 404
    assert bob.get(f"/p/{own}").status_code == 404
    # Follow: 403.
    assert bob.post("/u/alice/follow", data=form(bob, on="1")).status_code == 403
    # Replies: refused, nothing stored.
    reply = bob.post(f"/p/{own}/comments", data=form(bob, body="hi"))
    assert reply.status_code == 404
    reply = bob.post(
        f"/p/{elsewhere}/comments",
        data=form(bob, f"/p/{elsewhere}", body="hi", parent_id=str(comment)),
    )
    # Her comment is hidden from him: replying to it is replying to nothing.
    assert reply.status_code == 422 and "No such comment on this post." in reply.text
    # Messages: refused, no conversation.
    message = bob.post("/messages", data=form(bob, "/messages", username="alice"))
    assert message.status_code == 422 and "You cannot message this person." in message.text
    # Reactions and reports on the hidden post: not found.
    assert bob.post(f"/p/{own}/reactions/like", data=form(bob, on="1")).status_code == 404
    with app.app_context():
        assert db.session.query(Comment).filter_by(body="hi").count() == 0
        assert db.session.query(Conversation).count() == 0
    # Feeds, tags and search do not show her, nor him to her.
    for path in ("/", "/latest", "/trending", "/tags/life", "/search?q=thoughts"):
        assert "private thoughts" not in bob.get(path).text, path
    assert "alice" not in bob.get("/search?q=ali&type=users").text.split("</nav>")[1]
    assert bob.get("/u/carol").status_code == 200


def test_the_blocker_can_still_find_the_profile_to_unblock(app, alice):
    post_as(app, "bob", "bob's words")
    alice.post("/u/bob/block", data=form(alice, on="1"))
    page = alice.get("/u/bob")
    assert page.status_code == 200
    assert "bob's words" not in page.text and 'aria-pressed="true"' in page.text
    assert "bob&#39;s words" not in alice.get("/latest").text


def test_report_from_a_post_card_with_htmx(app, alice):
    post_id = post_as(app, "bob", "spammy")
    page = alice.get("/latest").get_data(as_text=True)
    assert f'id="report-post-{post_id}-dialog"' in page
    dialog = alice.get(f"/report?target_type=post&target_id={post_id}", headers=HTMX)
    assert f'id="report-post-{post_id}"' in dialog.get_data(as_text=True)
    data = form(alice, target_type="post", target_id=str(post_id), reason="spam", note="ads")
    response = alice.post("/reports", data=data, headers=HTMX)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.strip().startswith(f'<p id="report-post-{post_id}"')
    assert "Thank you" in fragment
    # A second report on the same post is the same open report.
    alice.post("/reports", data=data, headers=HTMX)
    with app.app_context():
        report = db.session.query(Report).one()
        assert (report.reason, report.note) == ("spam", "ads")


def test_report_a_comment_and_a_person_without_javascript(app, alice):
    post_id = post_as(app, "carol", "post")
    comment_id = comment_as(app, "bob", post_id, "rude words")
    page = alice.get(f"/p/{post_id}").get_data(as_text=True)
    assert f'id="report-comment-{comment_id}-dialog"' in page
    response = alice.post(
        "/reports",
        data=form(alice, target_type="comment", target_id=str(comment_id), reason="abuse"),
        headers={"Referer": f"http://localhost/p/{post_id}"},
    )
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/p/{post_id}")
    assert "The moderators will look at your report" in alice.get(f"/p/{post_id}").text
    alice.post("/reports", data=form(alice, target_type="user", target_id="bob", reason="other"))
    with app.app_context():
        assert {(r.target_type, r.reason) for r in db.session.query(Report)} == {
            ("comment", "abuse"),
            ("user", "other"),
        }


def test_report_errors_stay_in_the_form(app, alice):
    post_id = post_as(app, "bob", "x")
    own = post_as(app, "alice", "mine")
    bad = alice.post(
        "/reports",
        data=form(alice, target_type="post", target_id=str(post_id), reason="boring"),
        headers=HTMX,
    )
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert f'id="report-post-{post_id}-reason-errors"' in text and "Choose one of" in text
    mine = alice.post(
        "/reports", data=form(alice, target_type="post", target_id=str(own), reason="spam")
    )
    assert mine.status_code == 422 and "You cannot report yourself" in mine.text
    assert "<html" in mine.text  # without JavaScript: a whole page with the form
    missing = alice.post(
        "/reports", data=form(alice, target_type="post", target_id="99999", reason="spam")
    )
    assert missing.status_code == 404
    no_csrf = alice.post("/reports", data={"target_type": "post", "target_id": str(post_id)})
    assert no_csrf.status_code == 400
    with app.app_context():
        assert db.session.query(Report).count() == 0


def test_report_page_for_browsers_without_javascript(app, alice):
    page = alice.get("/report?target_type=user&target_id=bob")
    assert page.status_code == 200 and 'id="report-user-bob-reason"' in page.text


def test_every_control_on_the_safety_pages_has_a_label(app, alice):
    post_id = post_as(app, "bob", "labelled")
    comment_as(app, "bob", post_id, "c")
    post_as(app, "alice", "own")
    alice.post("/u/carol/block", data=form(alice, on="1"))
    alice.post("/u/bob/mute", data=form(alice, on="1"))
    for path in ("/", "/latest", f"/p/{post_id}", "/u/bob", "/settings", "/settings/blocked"):
        page = alice.get(path).get_data(as_text=True)
        ids = re.findall(r'<(?:input(?! type="hidden")|textarea|select)[^>]*\bid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), (path, "duplicate ids")
        for control_id in ids:
            assert f'for="{control_id}"' in page, (path, control_id)


def test_the_blocked_person_cannot_undo_or_edit_on_the_blockers_post(app, alice):
    own = post_as(app, "alice", "alice's post")
    bob = signed_in(app, "bob")
    bob.post(f"/p/{own}/reactions/like", data=form(bob, on="1"))
    bob.post(f"/p/{own}/bookmark", data=form(bob, on="1"))
    comment = comment_as(app, "bob", own, "before the block")
    alice.post("/u/bob/block", data=form(alice, on="1"))
    for headers in ({}, HTMX):
        calls = [
            (f"/p/{own}/reactions/like", {"on": "0"}),
            (f"/p/{own}/bookmark", {"on": "0"}),
            (f"/p/{own}/edit", {"edit-body": "mine now", "edit-tags": ""}),
            (f"/c/{comment}/edit", {"body": "edited after the block"}),
            (f"/p/{own}/comments", {"body": "hello?"}),
        ]
        for path, data in calls:
            response = bob.post(path, data=form(bob, **data), headers=headers)
            assert response.status_code == 404, (path, headers, response.status_code)
    with app.app_context():
        assert db.session.get(Comment, comment).body == "before the block"
        post = posts.get_post_or_404(own)
        assert post.like_count == 1 and post.body == "alice's post"
