"""Post and comment cards: rendered once per version, filled in per reader, never stale."""

from __future__ import annotations

import re
import threading
from datetime import timedelta

import pytest
from flask_babel import format_timedelta
from sqlalchemy import event

from app import cache, cards
from app.accounts import services as accounts
from app.accounts.queries import find_by_username
from app.cache import home_namespace
from app.errors import ValidationError
from app.extensions import db
from app.notifications import services as notifications
from app.posts import services as posts
from app.posts.models import Reaction
from app.safety import services as safety
from app.social import services as social
from app.timeutil import utcnow
from tests.conftest import Auth, make_user

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


def post_as(app, name: str, body: str, tags: list[str] | None = None) -> int:
    with app.test_request_context():
        return posts.create_post(author=find_by_username(name), body=body, tags=tags).id


def card(page: str, post_id: int) -> str:
    """Return one post's card from a page."""
    match = re.search(rf'<article class="card post" id="post-{post_id}".*?</article>', page, re.S)
    assert match, f"no card for post {post_id}"
    return match[0]


def page_token(page: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', page)[1]


def test_an_edit_shows_at_once(app, alice):
    post_id = post_as(app, "alice", "first words")
    assert "first words" in card(alice.get("/latest").text, post_id)
    with app.test_request_context():
        posts.edit_post(post_id=post_id, editor=find_by_username("alice"), body="second words")
    shown = card(alice.get("/latest").text, post_id)
    assert "second words" in shown and "first words" not in shown and "edited" in shown


def test_a_new_name_and_avatar_show_at_once(app, alice):
    post_id = post_as(app, "bob", "hello")
    assert ">bob</a>" in card(alice.get("/latest").text, post_id)
    with app.test_request_context():
        bob = find_by_username("bob")
        accounts.update_profile(user=bob, display_name="Robert Tables")
        db.session.commit()
    shown = card(alice.get("/latest").text, post_id)
    assert "Robert Tables" in shown
    with app.test_request_context():
        find_by_username("bob").avatar_url = "/media/avatars/bob-new.png"
        db.session.commit()
    assert "bob-new" in card(alice.get("/latest").text, post_id)


def test_each_reader_sees_their_own_reactions_and_bookmark_on_one_card(app, alice):
    post_id = post_as(app, "bob", "react to me")
    carol = signed_in(app, "carol")
    with app.test_request_context():
        posts.react(post_id=post_id, user=find_by_username("alice"), kind="love")
        posts.bookmark(post_id=post_id, user=find_by_username("alice"))
        db.session.commit()
    alice_page, carol_page = alice.get("/latest").text, carol.get("/latest").text
    mine, theirs = card(alice_page, post_id), card(carol_page, post_id)
    love = (
        rf'formaction="/p/{post_id}/reactions/love" hx-post="/p/{post_id}/reactions/love"'
        r' name="on" value="(\d)"\s*class="reaction( is-on)?" aria-pressed="(\w+)" title="Love"'
    )
    assert re.search(love, mine).groups() == ("0", " is-on", "true")
    assert re.search(love, theirs).groups() == ("1", None, "false")
    assert re.search(r'<span class="reaction-count">1</span>', theirs)  # the count, for all
    bookmark = 'aria-pressed="true">\n    <span aria-hidden="true">&#128278;'  # pages are ASCII
    assert "Saved" in mine and bookmark in mine
    assert "Saved" not in theirs
    # Each reader's own CSRF token (its first part names the session), never the other's.
    assert page_token(alice_page) in mine and page_token(carol_page) in theirs
    assert page_token(alice_page).split(".")[0] not in theirs
    # A new count makes a new card.
    with app.test_request_context():
        posts.react(post_id=post_id, user=find_by_username("carol"), kind="love")
        db.session.commit()
    assert '<span class="reaction-count">2</span>' in card(carol.get("/latest").text, post_id)


def test_signed_out_and_author_cards_differ_from_a_readers(app, alice):
    post_id = post_as(app, "alice", "mine")
    anonymous = card(app.test_client().get("/latest").text, post_id)
    assert "<form" not in anonymous and "csrf_token" not in anonymous
    own = card(alice.get("/latest").text, post_id)
    assert "bookmark-" in own and f"report-post-{post_id}" not in own  # no reporting yourself
    other = card(signed_in(app, "bob").get("/latest").text, post_id)
    assert f'id="report-post-{post_id}-dialog"' in other
    assert 'hx-trigger="toggle once"' in other
    assert f'<a href="/report?target_type=post&amp;target_id={post_id}">' in other


def test_a_body_holding_a_slot_marker_is_shown_as_text(app, alice):
    # Bodies cannot hold the NUL that opens and closes a marker...
    with pytest.raises(ValidationError):
        post_as(app, "bob", f"before {cards.MARK}csrf{cards.END} after")
    # ...and the rest of a marker, even with the process's secret token, is only text.
    forged = f"before {cards.MARK[1:]}csrf after"
    post_id = post_as(app, "bob", forged)
    page = alice.get("/latest")
    assert page.status_code == 200
    shown = card(page.text, post_id)
    body = re.search(r'<div class="prose" hx-disable>(.*?)</div>', shown, re.S)[1]
    assert f"{cards.MARK[1:]}csrf after" in body
    assert page_token(page.text) not in body and "\x00" not in page.text


def test_an_unknown_slot_marker_in_text_cannot_reach_the_page(app):
    # A NUL never survives: markers cannot be closed or opened by user text.
    assert cards.unmarked(f"x{cards.MARK}y") == f"x\ufffd{cards.MARK[1:]}y"
    assert cards.split(f"a{cards.MARK}csrf{cards.END}b") == ("a", "csrf", "b")


def test_a_reaction_without_javascript_and_with_htmx(app, alice):
    post_id = post_as(app, "bob", "toggle me")
    page = alice.get("/latest").text
    bar = re.search(rf'<div class="reaction-bar" id="reactions-{post_id}".*?</form>', page, re.S)[0]
    token = re.search(r'name="csrf_token" value="([^"]+)"', bar)[1]
    like = re.search(r'formaction="([^"]+)"[^>]*name="on" value="(\d)"[^>]*title="Like"', bar)
    assert like.groups() == (f"/p/{post_id}/reactions/like", "1")
    # Without JavaScript: the form's field and the pressed button's name and value.
    response = alice.post(like[1], data={"csrf_token": token, "on": like[2]})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.query(Reaction).count() == 1
    # htmx: the page's one token in the header.
    response = alice.post(
        like[1], data={"on": "0"}, headers={**HTMX, "X-CSRFToken": page_token(page)}
    )
    assert response.status_code == 200 and 'aria-pressed="false"' in response.text
    assert 'name="csrf_token" value="' in response.text and "\x00" not in response.text
    with app.app_context():
        assert db.session.query(Reaction).count() == 0


def test_a_cross_site_reaction_is_refused(app, alice):
    post_id = post_as(app, "bob", "do not touch")
    response = alice.post(
        f"/p/{post_id}/reactions/like",
        data={"on": "1"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code == 400
    with app.app_context():
        assert db.session.query(Reaction).count() == 0


def test_bookmark_toggle_answers_with_the_readers_button(app, alice):
    post_id = post_as(app, "bob", "keep me")
    token = page_token(alice.get("/latest").text)
    response = alice.post(
        f"/p/{post_id}/bookmark", data={"on": "1"}, headers={**HTMX, "X-CSRFToken": token}
    )
    assert response.status_code == 200
    assert 'aria-pressed="true"' in response.text and "Saved" in response.text


def test_a_blocked_authors_card_leaves_only_the_blockers_pages(app, alice):
    post_id = post_as(app, "bob", "visible to carol")
    carol = signed_in(app, "carol")
    assert f'id="post-{post_id}"' in alice.get("/latest").text
    with app.test_request_context():
        safety.block(blocker=find_by_username("alice"), username="bob")
        db.session.commit()
    assert f'id="post-{post_id}"' not in alice.get("/latest").text
    assert f'id="post-{post_id}"' in carol.get("/latest").text


def test_comment_cards_follow_edits_and_readers(app, alice):
    post_id = post_as(app, "carol", "discuss")
    with app.test_request_context():
        comment = posts.add_comment(
            post_id=post_id, author=find_by_username("alice"), body="my comment"
        )
        comment_id = comment.id
        db.session.commit()
    page = alice.get(f"/p/{post_id}").text
    assert f'id="edit-comment-{comment_id}"' in page and "my comment" in page
    assert f"report-comment-{comment_id}" not in page
    bob_page = signed_in(app, "bob").get(f"/p/{post_id}").text
    assert f'id="edit-comment-{comment_id}"' not in bob_page
    assert f'id="report-comment-{comment_id}-dialog"' in bob_page
    assert page_token(bob_page) in bob_page.split(f'id="comment-{comment_id}"')[1]
    with app.test_request_context():
        posts.edit_comment(comment_id=comment_id, editor=find_by_username("alice"), body="fixed")
        db.session.commit()
    assert "fixed" in alice.get(f"/p/{post_id}").text


def test_relative_times_read_as_babel_writes_them(app):
    now = utcnow()
    with app.test_request_context():
        for seconds in (50, 59, 60, 89, 90, 3599, 3600, 5400, 86399, 86400, 10**6, 10**8):
            value = now - timedelta(seconds=seconds)
            expected = format_timedelta(value - now, add_direction=True, threshold=1.0)
            assert cards.relative_time(value, now) == expected, seconds
        assert cards.relative_time(now - timedelta(seconds=10), now) == "just now"


# --- a fixed number of statements per page, whatever its length ------------------------------


def count_statements(app, client, path: str) -> int:
    statements: list[str] = []
    # Only this thread's: the in-process job runner (trending, every minute) shares the engine.
    thread = threading.get_ident()

    def record(_conn, _cursor, statement, *_args) -> None:
        if threading.get_ident() == thread:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200, path
    return len(statements)


def fill_world(app, count: int) -> int:
    """Give Bob ``count`` more posts (tagged), reactions, bookmarks, comments, notifications."""
    with app.test_request_context():
        alice, bob = find_by_username("alice"), find_by_username("bob")
        first = None
        for n in range(count):
            post = posts.create_post(author=bob, body=f"needle post {n}", tags=["pages"])
            first = first or post
            posts.react(post_id=post.id, user=alice, kind="like")
            posts.bookmark(post_id=post.id, user=alice)
            posts.add_comment(post_id=first.id, author=alice, body=f"comment {n}")
            notifications.notify(user_id=alice.id, type="follow", actor_id=bob.id)
        db.session.commit()
        return first.id


PAGES = (
    "/",
    "/latest",
    "/trending",
    "/tags/pages",
    "/u/bob",
    "/search?q=needle",
    "/notifications",
    "/bookmarks",
)


# Statements per page (the most of SQLite and PostgreSQL): the session with its user and both
# unread badges, in one, comes first on every signed-in page.
CEILINGS = {
    "/": 3,  # the first page's ids (or their cached copy's check), then its posts
    "/latest": 2,  # its posts with the reader's reactions and bookmarks, in one
    "/trending": 2,
    "/tags/pages": 3,  # the tag, then its posts
    "/u/bob": 4,  # the person with the reader's follows, blocks and mute; the pins; the posts
    "/search?q=needle": 4,  # PostgreSQL's ranked search reads more than SQLite's FTS5
    "/notifications": 2,
    "/bookmarks": 2,
    "/p/": 3,  # the post with the reader's part and blocks; then the comments
}


def test_every_page_costs_the_same_statements_at_5_and_25_posts(app, alice):
    with app.test_request_context():
        social.follow(follower=find_by_username("alice"), username="bob")
        db.session.commit()
    # Once per process, search asks whether PostgreSQL has its RUM index: not a page's cost.
    alice.get("/search?q=warm")
    first = fill_world(app, 5)
    small = {path: count_statements(app, alice, path) for path in PAGES}
    small[f"/p/{first}"] = count_statements(app, alice, f"/p/{first}")
    again = {path: count_statements(app, alice, path) for path in PAGES}
    cards.cache.clear()
    second = fill_world(app, 20)
    with app.app_context():
        # Like the first count: the home feed's first page read anew, not found stale (which
        # asks one statement more, docs/feeds.md).
        cache.bump(home_namespace(find_by_username("alice").id))
        cache.bump("post-edits")  # search's shared rankings outlive new posts: start cold again
    large = {path: count_statements(app, alice, path) for path in PAGES}
    large[f"/p/{first}"] = count_statements(app, alice, f"/p/{first}")
    assert count_statements(app, alice, f"/p/{second}") <= small[f"/p/{first}"]
    assert {path: large[path] for path in PAGES} == {path: small[path] for path in PAGES}
    assert large[f"/p/{first}"] == small[f"/p/{first}"]  # 5 comments, then 25
    # A cache hit reads no more (search's shared first page, on PostgreSQL, reads fewer).
    assert all(again[path] <= small[path] for path in PAGES), (again, small)
    # A ceiling per page too: the session with its user and both unread badges, the page's reads.
    ceiling = {path: CEILINGS[path] for path in PAGES} | {f"/p/{first}": CEILINGS["/p/"]}
    assert all(small[path] <= ceiling[path] for path in small), (small, ceiling)


def test_the_card_cache_keeps_the_most_recently_used():
    kept = cards.CardCache(size=2)
    kept.put("a", ("A",))
    kept.put("b", ("B",))
    assert kept.get("a") == ("A",)  # now the most recent
    kept.put("c", ("C",))
    assert kept.get("b") is None and kept.get("a") == ("A",) and kept.get("c") == ("C",)
    assert len(kept) == 2


def test_a_reply_sent_back_with_errors_is_never_kept(app, alice):
    post_id = post_as(app, "bob", "ask me")
    with app.test_request_context():
        comment_id = posts.add_comment(
            post_id=post_id, author=find_by_username("bob"), body="a comment"
        ).id
        db.session.commit()
    page = alice.get(f"/p/{post_id}").text  # the card is kept now
    token = page_token(page)
    response = alice.post(
        f"/p/{post_id}/comments",
        data={"csrf_token": token, "body": "  ", "parent_id": str(comment_id)},
        headers={**HTMX},
    )
    assert response.status_code == 422
    assert f'id="reply-{comment_id}-errors"' in response.text
    assert '<details class="inline-details" open>' in response.text
    again = alice.get(f"/p/{post_id}").text
    assert f'id="reply-{comment_id}-errors"' not in again and 'inline-details" open' not in again


def comment_form(page: str) -> str:
    match = re.search(r'<form class="card comment-form".*?</form>', page, re.S)
    assert match, "no comment form"
    return match[0]


def test_the_empty_comment_form_is_kept_per_post_with_each_readers_token(app, alice):
    first, second = post_as(app, "bob", "one"), post_as(app, "bob", "two")
    carol = signed_in(app, "carol")
    for client, post_id in ((alice, first), (carol, first), (alice, second)):
        page = client.get(f"/p/{post_id}").text
        form = comment_form(page)
        assert f'value="{page_token(page)}"' in form and cards.MARK not in page
        assert f'action="/p/{post_id}/comments"' in form and "field-invalid" not in form
    # Sent back with errors, the form is one reader's: shown with its message, never kept.
    token = page_token(alice.get(f"/p/{first}").text)
    response = alice.post(f"/p/{first}/comments", data={"csrf_token": token, "body": " "})
    assert response.status_code == 422 and "field-invalid" in comment_form(response.text)
    assert "field-invalid" not in comment_form(carol.get(f"/p/{first}").text)
    # Signed out there is no form, only the way in.
    assert "comment-form" not in app.test_client().get(f"/p/{first}").text
