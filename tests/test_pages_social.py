"""Feeds, posts, profiles, search and notifications as pages (no JavaScript) and htmx fragments."""

from __future__ import annotations

import re

import pytest

from app.extensions import db
from app.posts import services
from app.posts.models import Post
from app.social import services as social
from tests.conftest import PASSWORD, Auth, csrf_token, make_user

HTMX = {"HX-Request": "true"}


@pytest.fixture
def alice(app, client):
    """Alice, signed in on ``client``."""
    make_user(app, "alice")
    Auth(client).login("alice")
    return client


def post_as(app, username: str, body: str, tags=None) -> int:
    from app.accounts.queries import find_by_username

    with app.test_request_context():
        post = services.create_post(author=find_by_username(username), body=body, tags=tags)
        return post.id


def form(client, path="/", **data):
    return {"csrf_token": csrf_token(client, path), **data}


def test_anonymous_front_page_shows_latest_and_an_invitation(app, client):
    make_user(app, "bob")
    post_as(app, "bob", "Hello from bob #intro")
    page = client.get("/").get_data(as_text=True)
    assert "Create your account" in page
    assert "Hello from bob" in page
    assert 'id="composer"' not in page


def test_signed_in_home_shows_followed_people_and_own_posts(app, alice):
    make_user(app, "bob")
    make_user(app, "carol")
    post_as(app, "bob", "bob speaks")
    post_as(app, "carol", "carol speaks")
    post_as(app, "alice", "alice speaks")
    with app.test_request_context():
        from app.accounts.queries import find_by_username

        social.follow(follower=find_by_username("alice"), username="bob")
    page = alice.get("/").get_data(as_text=True)
    assert "bob speaks" in page and "alice speaks" in page and "carol speaks" not in page
    assert 'id="composer"' in page
    assert "carol speaks" in alice.get("/latest").get_data(as_text=True)


def test_compose_as_plain_form(app, alice):
    response = alice.post("/posts", data=form(alice, body="Plain **post** #Flask", tags="web"))
    assert response.status_code == 303
    page = alice.get(response.headers["Location"]).get_data(as_text=True)
    assert "Plain" in page and "#flask" in page and "#web" in page


def test_compose_with_htmx_returns_card_and_fresh_composer(app, alice):
    response = alice.post("/posts", data=form(alice, body="htmx post"), headers=HTMX)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith("<article")
    assert "htmx post" in page
    assert 'id="composer"' in page and 'hx-swap-oob="true"' in page


def test_compose_errors_retarget_the_composer(app, alice):
    response = alice.post("/posts", data=form(alice, body="   ", tags="bad tag!"), headers=HTMX)
    assert response.status_code == 422
    assert response.headers["HX-Retarget"] == "#composer"
    page = response.get_data(as_text=True)
    assert "Write something first." in page
    with app.app_context():
        assert db.session.query(Post).count() == 0


def test_infinite_scroll_returns_the_next_items_and_sentinel(app, client):
    make_user(app, "bob")
    for i in range(45):
        post_as(app, "bob", f"post number {i}")
    first = client.get("/latest").get_data(as_text=True)
    match = re.search(r'hx-get="(/latest\?cursor=[^"]+)"', first)
    assert match
    second = client.get(match.group(1).replace("&amp;", "&"), headers=HTMX)
    body = second.get_data(as_text=True)
    assert "<html" not in body
    assert body.count('class="card post"') == 20
    assert "post number 24" in body and "post number 25" not in body
    assert 'hx-trigger="revealed"' in body


def test_post_page_threads_comments_and_replies(app, alice):
    make_user(app, "bob")
    post_id = post_as(app, "bob", "A question")
    alice.post(f"/p/{post_id}/comments", data=form(alice, body="First!"))
    page = alice.get(f"/p/{post_id}").get_data(as_text=True)
    comment_id = re.search(r'id="comment-(\d+)"', page).group(1)
    response = alice.post(
        f"/p/{post_id}/comments",
        data=form(alice, f"/p/{post_id}", body="A reply", parent_id=comment_id),
        headers=HTMX,
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="comments"')
    assert re.search(r'class="replies[^"]*">\s*<li class="comment"', fragment)
    assert "2 comments" in fragment


def test_comment_errors_stay_next_to_the_reply_box(app, alice):
    post_id = post_as(app, "alice", "post")
    alice.post(f"/p/{post_id}/comments", data=form(alice, body="c1"))
    page = alice.get(f"/p/{post_id}").get_data(as_text=True)
    comment_id = re.search(r'id="comment-(\d+)"', page).group(1)
    response = alice.post(
        f"/p/{post_id}/comments",
        data=form(alice, f"/p/{post_id}", body=" ", parent_id=comment_id),
        headers=HTMX,
    )
    assert response.status_code == 422
    assert f'id="reply-{comment_id}-errors"' in response.get_data(as_text=True)


def test_reaction_toggles_in_place(app, alice):
    make_user(app, "bob")
    post_id = post_as(app, "bob", "react to me")
    response = alice.post(f"/p/{post_id}/reactions/love", data=form(alice, on="1"), headers=HTMX)
    bar = response.get_data(as_text=True)
    assert bar.lstrip().startswith(f'<div class="reaction-bar" id="reactions-{post_id}"')
    assert 'aria-pressed="true"' in bar
    response = alice.post(f"/p/{post_id}/reactions/love", data=form(alice, on="0"), headers=HTMX)
    assert 'aria-pressed="true"' not in response.get_data(as_text=True)
    assert alice.post(f"/p/{post_id}/reactions/angry", data=form(alice, on="1")).status_code == 404


def test_bookmark_toggle_and_bookmarks_page(app, alice):
    make_user(app, "bob")
    post_id = post_as(app, "bob", "save me")
    response = alice.post(f"/p/{post_id}/bookmark", data=form(alice, on="1"), headers=HTMX)
    assert 'aria-pressed="true"' in response.get_data(as_text=True)
    assert "save me" in alice.get("/bookmarks").get_data(as_text=True)


def test_only_the_author_edits_and_moderators_delete(app, client):
    make_user(app, "bob")
    make_user(app, "moe", role="moderator")
    post_id = post_as(app, "bob", "mine")
    auth = Auth(client)
    auth.login("moe")
    page = client.get(f"/p/{post_id}").get_data(as_text=True)
    assert f'action="/p/{post_id}/edit"' not in page
    edit = client.post(f"/p/{post_id}/edit", data=form(client, **{"edit-body": "x"}))
    assert edit.status_code == 403
    delete = client.post(f"/p/{post_id}/delete", data=form(client))
    assert delete.status_code == 303
    assert client.get(f"/p/{post_id}").status_code == 404


def test_author_edits_in_place(app, alice):
    post_id = post_as(app, "alice", "before")
    response = alice.post(
        f"/p/{post_id}/edit",
        data=form(alice, f"/p/{post_id}", **{"edit-body": "after #edited", "edit-tags": ""}),
        headers=HTMX,
    )
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert "after" in fragment and "#edited" in fragment
    assert f'href="/p/{post_id}/revisions">edited<' in fragment


def test_failed_edit_swaps_only_the_edit_form(app, alice):
    post_id = post_as(app, "alice", "before")
    response = alice.post(
        f"/p/{post_id}/edit",
        data=form(alice, f"/p/{post_id}", **{"edit-body": " ", "edit-tags": ""}),
        headers=HTMX,
    )
    assert response.status_code == 422
    # The page's hx-target is the whole post block: the errors come back as the form alone,
    # aimed at the form, so the card around it stays.
    assert response.headers["HX-Retarget"] == "#edit-form"
    assert response.headers["HX-Reswap"] == "outerHTML"
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<form id="edit-form"')
    assert 'aria-invalid="true"' in fragment and 'id="edit-body-errors"' in fragment
    with app.app_context():
        assert db.session.get(Post, post_id).body == "before"
    # Without JavaScript: the whole page, the card and the open form with its errors.
    page = alice.post(
        f"/p/{post_id}/edit",
        data=form(alice, f"/p/{post_id}", **{"edit-body": " ", "edit-tags": ""}),
    )
    assert page.status_code == 422
    assert f'id="post-{post_id}"' in page.text and 'id="edit-body-errors"' in page.text


def test_failed_comment_edit_keeps_the_thread(app, alice):
    post_id = post_as(app, "alice", "post")
    alice.post(f"/p/{post_id}/comments", data=form(alice, body="first words"))
    page = alice.get(f"/p/{post_id}").get_data(as_text=True)
    comment_id = re.search(r'id="comment-(\d+)"', page).group(1)
    response = alice.post(
        f"/c/{comment_id}/edit", data=form(alice, f"/p/{post_id}", body=" "), headers=HTMX
    )
    assert response.status_code == 422
    fragment = response.get_data(as_text=True)
    # The comment forms aim at #comments: the whole section comes back, the comment in it.
    assert fragment.lstrip().startswith('<section id="comments"')
    assert "HX-Retarget" not in response.headers
    assert f'id="comment-{comment_id}"' in fragment and "first words" in fragment
    assert f'id="edit-comment-{comment_id}-errors"' in fragment


def test_profile_counts_and_follow_button(app, alice):
    make_user(app, "bob")
    post_as(app, "bob", "a post by bob")
    response = alice.post("/u/bob/follow", data=form(alice, on="1"), headers=HTMX)
    assert 'aria-pressed="true"' in response.get_data(as_text=True)
    page = alice.get("/u/bob").get_data(as_text=True)
    assert "<strong>1</strong> follower" in page and "<strong>1</strong> post" in page
    assert "a post by bob" in page
    assert "alice" in alice.get("/u/bob/followers").get_data(as_text=True)
    assert alice.get("/u/BOB").status_code == 301
    assert alice.get("/u/nobody").status_code == 404


def test_tag_page(app, client):
    make_user(app, "bob")
    post_as(app, "bob", "about #rust")
    assert "about" in client.get("/tags/rust").get_data(as_text=True)
    assert client.get("/tags/unknown").status_code == 404


@pytest.mark.parametrize("q", ['"unclosed', "-", "NEAR(a b)", "' OR 1=1 --", "a\x00b", "*", "^x"])
def test_search_never_fails(app, client, q):
    make_user(app, "bob")
    post_as(app, "bob", "searchable words here")
    for kind in ("posts", "users", "tags"):
        assert client.get("/search", query_string={"q": q, "type": kind}).status_code == 200


def test_search_results_as_a_fragment(app, client):
    make_user(app, "bob")
    post_as(app, "bob", "gevent makes psycopg cooperative #python")
    response = client.get("/search?q=psycopg", headers=HTMX)
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="results"')
    assert "cooperative" in fragment
    assert "bob" in client.get("/search?q=bo&type=users").get_data(as_text=True)
    assert "#python" in client.get("/search?q=py&type=tags").get_data(as_text=True)


def test_notifications_page_badge_and_mark_read(app, alice):
    make_user(app, "bob")
    post_id = post_as(app, "alice", "notice me")
    bob = Auth(app.test_client())
    bob.login("bob")
    bob.client.post(f"/p/{post_id}/reactions/like", data=form(bob.client, on="1"))
    bob.client.post("/u/alice/follow", data=form(bob.client, on="1"))
    page = alice.get("/notifications").get_data(as_text=True)
    assert "reacted to your post" in page and "followed you" in page
    assert "2 unread" in alice.get("/").get_data(as_text=True)
    alice.post("/notifications/read", data=form(alice))
    assert "unread" not in alice.get("/").get_data(as_text=True).split("</nav>")[0]


def test_anonymous_visitors_read_but_cannot_write(app, client):
    make_user(app, "bob")
    post_id = post_as(app, "bob", "public")
    for path in ("/", "/latest", "/trending", f"/p/{post_id}", "/u/bob", "/search?q=public"):
        assert client.get(path).status_code == 200, path
    token = csrf_token(client, "/login")
    for path in (
        "/posts",
        f"/p/{post_id}/reactions/like",
        f"/p/{post_id}/comments",
        "/u/bob/follow",
    ):
        response = client.post(path, data={"csrf_token": token, "body": "x", "on": "1"})
        assert response.status_code == 302 and "/login" in response.headers["Location"], path
    assert client.get("/bookmarks").status_code == 302
    assert client.get("/notifications").status_code == 302


def test_suspended_user_cannot_post_from_the_page(app, client):
    make_user(app, "bob")
    Auth(client).login("bob")
    from app.accounts.models import User

    with app.app_context():
        user = db.session.query(User).filter_by(username="bob").one()
        post_id = post_as(app, "bob", "before suspension")
        user.suspended = True
        db.session.commit()
    # The suspension ends the session too, so the page sends bob to the login form.
    response = client.post("/posts", data={"csrf_token": csrf_token(client, "/login"), "body": "x"})
    assert response.status_code == 302
    assert client.get(f"/p/{post_id}").status_code == 200


def test_user_content_is_escaped_and_inert(app, alice):
    body = '<script>alert(1)</script> <img src=x onerror=alert(1)> <a hx-get="/logout">x</a>'
    alice.post("/posts", data=form(alice, body=body))
    page = alice.get("/latest").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "onerror=alert" not in page.replace("onerror=alert(1)&gt;", "")
    assert '<a hx-get="/logout">' not in page
    assert 'class="prose" hx-disable' in page


def test_generated_avatar(client):
    response = client.get("/avatars/alice.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert ">A</text>" in response.get_data(as_text=True)
    assert client.get("/avatars/<x>.svg").status_code == 404


def test_post_page_has_share_metadata(app, client):
    make_user(app, "bob")
    post_id = post_as(app, "bob", "Sharing is caring, with enough words to describe it.")
    page = client.get(f"/p/{post_id}").get_data(as_text=True)
    assert '<meta property="og:type" content="article">' in page
    assert "Sharing is caring" in re.search(
        r'<meta name="description" content="([^"]*)"', page
    ).group(1)
    assert f'rel="canonical" href="http://localhost/p/{post_id}"' in page


def test_every_control_on_the_social_pages_has_a_label(app, alice):
    make_user(app, "bob")
    post_id = post_as(app, "alice", "labelled")
    alice.post(f"/p/{post_id}/comments", data=form(alice, body="c"))
    for path in ("/", f"/p/{post_id}", "/search?q=x", "/u/bob", "/notifications"):
        page = alice.get(path).get_data(as_text=True)
        ids = re.findall(r'<(?:input(?! type="hidden")|textarea|select)[^>]*\bid="([^"]+)"', page)
        assert len(ids) == len(set(ids)), (path, "duplicate ids")
        for control_id in ids:
            assert f'for="{control_id}"' in page, (path, control_id)


def test_relative_times_carry_the_exact_time(app, client):
    make_user(app, "bob")
    post_as(app, "bob", "timely")
    page = client.get("/latest").get_data(as_text=True)
    assert re.search(
        r'<time datetime="[0-9T:.-]+Z" title="[^"]+" data-relative>just now</time>', page
    )


def test_password_is_never_echoed(app, client):
    assert PASSWORD not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    ["/p/99999999999999999999", "/p/0", "/messages/99999999999999999999", "/p/-1"],
)
def test_impossible_ids_in_page_paths_are_404(alice, path):
    assert alice.get(path).status_code == 404


@pytest.mark.parametrize("path", ["/latest", "/u/bob", "/tags/python", "/search?q=number"])
def test_a_page_asked_for_a_limit_shows_that_many_and_keeps_it_on_the_next_page(app, client, path):
    make_user(app, "bob")
    for i in range(5):
        post_as(app, "bob", f"post number {i}", tags=["python"])
    sep = "&" if "?" in path else "?"
    first = client.get(f"{path}{sep}limit=2").get_data(as_text=True)
    assert first.count('class="card post"') == 2
    match = re.search(r'hx-get="([^"]+cursor=[^"]+)"', first)
    assert match and "limit=2" in match.group(1)
    second = client.get(match.group(1).replace("&amp;", "&"), headers=HTMX)
    assert second.get_data(as_text=True).count('class="card post"') == 2


@pytest.mark.parametrize("limit", ["0", "101", "abc"])
def test_a_page_refuses_a_limit_outside_1_to_100(app, client, limit):
    make_user(app, "bob")
    assert client.get(f"/u/bob?limit={limit}").status_code == 422


def test_profile_reads_follows_and_blocks_with_the_person(app, alice):
    # One statement reads the person with the reader's follows, blocks and mute (issue 13):
    # each answer must still come out right, on the profile and its people tabs.
    from app.accounts.queries import find_by_username
    from app.safety import services as safety

    make_user(app, "bob")
    page = alice.get("/u/bob").get_data(as_text=True)
    assert 'aria-pressed="false"' in page and "Follows you" not in page
    with app.test_request_context():
        social.follow(follower=find_by_username("bob"), username="alice")
        social.follow(follower=find_by_username("alice"), username="bob")
        db.session.commit()
    for path in ("/u/bob", "/u/BOB/followers", "/u/bob/following"):
        page = alice.get(path, follow_redirects=True).get_data(as_text=True)
        assert "Follows you" in page and 'aria-pressed="true"' in page, path
    with app.test_request_context():
        safety.block(blocker=find_by_username("bob"), username="alice")
        db.session.commit()
    for path in ("/u/bob", "/u/bob/followers", "/u/bob/following"):
        assert alice.get(path).status_code == 404, path
    assert alice.get("/u/alice").status_code == 200  # one's own profile: no relation, no block
    assert alice.get("/u/nobody-here").status_code == 404
    assert alice.get("/u/bad%00name").status_code == 404
