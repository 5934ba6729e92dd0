"""Drafts, edit history and pins on the pages: with htmx and as plain forms."""

from __future__ import annotations

import re

import pytest

from app.accounts.queries import find_by_username
from app.extensions import db
from app.posts import services as posts
from app.posts.diff import diff_html
from app.posts.models import Post
from tests.conftest import Auth, make_user
from tests.test_pages_cards import card, page_token

HTMX = {"HX-Request": "true"}


@pytest.fixture
def alice(app, client):
    """Alice, signed in on ``client``; Bob exists."""
    for name in ("alice", "bob"):
        make_user(app, name)
    Auth(client).login("alice")
    return client


def signed_in(app, name: str):
    client = app.test_client()
    Auth(client).login(name)
    return client


def token(client) -> str:
    return page_token(client.get("/").get_data(as_text=True))


def drafts_of(app, name: str) -> list[Post]:
    with app.app_context():
        user = find_by_username(name)
        return list(
            db.session.scalars(
                db.select(Post).where(Post.author_id == user.id, Post.draft).order_by(Post.id)
            )
        )


def make_draft(app, name: str, body: str) -> int:
    with app.test_request_context():
        return posts.create_post(author=find_by_username(name), body=body, draft=True).id


def test_composer_has_save_draft_and_autosave(alice):
    page = alice.get("/").get_data(as_text=True)
    composer = re.search(r'<form id="composer".*?</form>', page, re.S)[0]
    assert "Save draft" in composer and 'formaction="/drafts"' in composer
    assert 'hx-trigger="input changed delay:2s' in composer
    assert re.search(r'id="draft-status"[^>]*role="status"[^>]*aria-live="polite"', composer)
    assert 'name="draft_id"' in composer


def test_save_draft_without_javascript_then_edit_and_publish(app, alice):
    csrf = token(alice)
    response = alice.post("/drafts", data={"csrf_token": csrf, "body": "Secret idea", "tags": ""})
    assert response.status_code == 303
    (draft,) = drafts_of(app, "alice")
    assert response.headers["Location"].endswith(f"/drafts/{draft.id}")
    page = alice.get(f"/drafts/{draft.id}").get_data(as_text=True)
    assert "Secret idea" in page and "Draft saved." in page
    listing = alice.get("/drafts").get_data(as_text=True)
    assert "Secret idea" in listing and f"/drafts/{draft.id}/publish" in listing
    # Not on the latest feed, the profile, nor for anyone else.
    assert "Secret idea" not in alice.get("/latest").get_data(as_text=True)
    assert "Secret idea" not in alice.get("/u/alice").get_data(as_text=True)
    bob = signed_in(app, "bob")
    for path in (f"/drafts/{draft.id}", f"/p/{draft.id}", f"/p/{draft.id}/revisions"):
        assert bob.get(path).status_code == 404, path
    assert app.test_client().get(f"/p/{draft.id}").status_code == 404
    assert "Secret idea" not in bob.get("/drafts").get_data(as_text=True)
    # Its author opening /p/<id> lands in the editor.
    assert alice.get(f"/p/{draft.id}").headers["Location"].endswith(f"/drafts/{draft.id}")
    saved = alice.post(
        f"/drafts/{draft.id}", data={"csrf_token": csrf, "body": "Better idea", "tags": "web"}
    )
    assert saved.status_code == 303
    published = alice.post(
        f"/drafts/{draft.id}/publish",
        data={"csrf_token": csrf, "body": "Best idea", "tags": "web"},
    )
    assert published.status_code == 303 and published.headers["Location"].endswith(f"/p/{draft.id}")
    assert "Best idea" in bob.get("/latest").get_data(as_text=True)
    assert drafts_of(app, "alice") == []


def test_autosave_keeps_one_draft_and_the_composer_publishes_it(app, alice):
    csrf = token(alice)
    first = alice.post("/drafts", data={"csrf_token": csrf, "body": "Typing"}, headers=HTMX)
    assert first.status_code == 200
    text = first.get_data(as_text=True)
    assert "Draft saved at" in text
    draft_id = re.search(r'id="composer-draft-id" name="draft_id" value="(\d+)"', text)[1]
    assert 'hx-swap-oob="true"' in text
    again = alice.post(
        "/drafts",
        data={"csrf_token": csrf, "body": "Typing more", "draft_id": draft_id},
        headers=HTMX,
    )
    assert again.status_code == 200
    assert [d.body for d in drafts_of(app, "alice")] == ["Typing more"]
    # Blank words are not saved, and say why.
    blank = alice.post(
        "/drafts", data={"csrf_token": csrf, "body": " ", "draft_id": draft_id}, headers=HTMX
    )
    assert blank.status_code == 422 and "Draft not saved" in blank.get_data(as_text=True)
    assert [d.body for d in drafts_of(app, "alice")] == ["Typing more"]
    # Posting from the composer publishes that draft: no second post, no leftover draft.
    posted = alice.post(
        "/posts", data={"csrf_token": csrf, "body": "Final words", "draft_id": draft_id}
    )
    assert posted.status_code == 303 and posted.headers["Location"].endswith(f"/p/{draft_id}")
    assert drafts_of(app, "alice") == []
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Post)) == 1
    # The draft is published: autosaving it again is refused, the post unchanged.
    late = alice.post(
        "/drafts", data={"csrf_token": csrf, "body": "Late", "draft_id": draft_id}, headers=HTMX
    )
    assert late.status_code == 422 and "published already" in late.get_data(as_text=True)


def test_someone_elses_draft_cannot_be_saved_published_or_deleted(app, alice):
    draft_id = make_draft(app, "bob", "Bob's secret")
    csrf = token(alice)
    for path, data in (
        ("/drafts", {"body": "x", "draft_id": str(draft_id)}),
        (f"/drafts/{draft_id}", {"body": "x"}),
        (f"/drafts/{draft_id}/publish", {"body": "x"}),
        (f"/p/{draft_id}/delete", {}),
        (f"/p/{draft_id}/edit", {"edit-body": "x"}),
        (f"/p/{draft_id}/pin", {"on": "1"}),
    ):
        response = alice.post(path, data={"csrf_token": csrf, **data})
        assert response.status_code == 404, path
    assert [d.body for d in drafts_of(app, "bob")] == ["Bob's secret"]


def test_drafts_list_publish_and_delete_buttons(app, alice):
    keep, drop = make_draft(app, "alice", "Keep me"), make_draft(app, "alice", "Drop me")
    csrf = token(alice)
    deleted = alice.post(f"/p/{drop}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 303 and deleted.headers["Location"].endswith("/drafts")
    published = alice.post(f"/drafts/{keep}/publish", data={"csrf_token": csrf})
    assert published.status_code == 303
    with app.app_context():
        post = db.session.get(Post, keep)
        assert post.draft is False and post.body == "Keep me"
        assert db.session.get(Post, drop) is None
    bad = alice.post(
        f"/drafts/{make_draft(app, 'alice', 'x')}/publish", data={"csrf_token": csrf, "body": ""}
    )
    assert bad.status_code == 422 and "field-invalid" in bad.get_data(as_text=True)


def test_edited_links_to_a_history_with_accessible_diffs(app, alice):
    with app.test_request_context():
        alice_user = find_by_username("alice")
        post_id = posts.create_post(author=alice_user, body="Hello old world").id
        posts.edit_post(post_id=post_id, editor=alice_user, body="Hello new world")
        posts.edit_post(post_id=post_id, editor=alice_user, body="Hello new world!")
    page = app.test_client().get(f"/p/{post_id}").get_data(as_text=True)
    assert f'href="/p/{post_id}/revisions"' in card(page, post_id)
    history = app.test_client().get(f"/p/{post_id}/revisions").get_data(as_text=True)
    assert "Hello new world!" in history
    assert re.search(r"<del><span class=\"visually-hidden\">removed: </span>old</del>", history)
    assert re.search(r"<ins><span class=\"visually-hidden\">added: </span>new</ins>", history)
    # Walking it a version at a time diffs each against its newer neighbour.
    first = app.test_client().get(f"/p/{post_id}/revisions?limit=1").get_data(as_text=True)
    more = re.search(r'hx-get="([^"]+cursor=[^"]+)"', first)[1].replace("&amp;", "&")
    second = app.test_client().get(more, headers=HTMX).get_data(as_text=True)
    assert '<ins><span class="visually-hidden">added: </span>new</ins>' in second
    assert app.test_client().get("/p/999999/revisions").status_code == 404
    assert app.test_client().get(f"/p/{post_id}/revisions?limit=0").status_code == 422


def test_diff_escapes_html_and_keeps_layout():
    html = str(diff_html("a <b>\nline", "a <i>\nline"))
    assert "&lt;b&gt;" in html and "&lt;i&gt;" in html and "\nline" in html
    assert "<b>" not in html


def test_pin_button_on_own_cards_and_pins_first_on_profile(app, alice):
    with app.test_request_context():
        user = find_by_username("alice")
        ids = [posts.create_post(author=user, body=f"post number {i}").id for i in range(5)]
    csrf = token(alice)
    profile = alice.get("/u/alice").get_data(as_text=True)
    assert "Pin to profile" in card(profile, ids[0])
    bob = signed_in(app, "bob")
    assert "Pin to profile" not in bob.get("/u/alice").get_data(as_text=True)
    answer = alice.post(f"/p/{ids[0]}/pin", data={"csrf_token": csrf, "on": "1"}, headers=HTMX)
    assert answer.status_code == 200
    assert "Unpin from profile" in card(answer.get_data(as_text=True), ids[0])
    # The card shows it at once (its cache key holds the pin), first on the profile.
    profile = bob.get("/u/alice").get_data(as_text=True)
    order = [int(n) for n in re.findall(r'<article class="card post" id="post-(\d+)"', profile)]
    assert order[0] == ids[0] and "Pinned" in card(profile, ids[0])
    for ident in ids[1:3]:
        assert (
            alice.post(f"/p/{ident}/pin", data={"csrf_token": csrf, "on": "1"}).status_code == 303
        )
    refused = alice.post(f"/p/{ids[3]}/pin", data={"csrf_token": csrf, "on": "1"}, headers=HTMX)
    assert refused.status_code == 422
    assert "at most 3" in refused.get_data(as_text=True)
    plain = alice.post(f"/p/{ids[3]}/pin", data={"csrf_token": csrf, "on": "1"})
    assert plain.status_code == 303
    assert "at most 3" in alice.get(plain.headers["Location"]).get_data(as_text=True)
    unpinned = alice.post(f"/p/{ids[0]}/pin", data={"csrf_token": csrf, "on": "0"}, headers=HTMX)
    assert "Pin to profile" in card(unpinned.get_data(as_text=True), ids[0])
    assert (
        bob.post(f"/p/{ids[1]}/pin", data={"csrf_token": token(bob), "on": "0"}).status_code == 403
    )


def test_drafts_and_history_pages_cost_fixed_queries(app, alice):
    from tests.test_api_queries import counting

    with app.test_request_context():
        user = find_by_username("alice")
        for i in range(30):
            posts.create_post(author=user, body=f"draft {i}", draft=True)
        post_id = posts.create_post(author=user, body="v0").id
        for i in range(30):
            posts.edit_post(post_id=post_id, editor=user, body=f"v{i + 1}")
    for path in ("/drafts", f"/p/{post_id}/revisions"):
        alice.get(f"{path}?limit=1")
        costs = []
        for limit in (3, 25):
            with counting(app) as statements:
                assert alice.get(f"{path}?limit={limit}").status_code == 200
            costs.append(len(statements))
        assert costs[0] == costs[1], (path, costs)
