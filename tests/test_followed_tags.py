"""Followed tags: the API, the tag page's button, and the home feed holding their posts.

Run on both databases: SQLite's plan, and PostgreSQL's two passes joined by the tags' pass.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.posts import services as posts
from app.tags.models import TagFollow
from tests.conftest import api_as, csrf_token, make_user
from tests.test_api_queries import counting
from tests.test_home_cache import bodies


@pytest.fixture
def people(app):
    reader, writer, stranger = api_as(app, "reader"), api_as(app, "writer"), api_as(app, "stranger")
    assert writer.call("POST", "/posts", {"body": "by writer"}).status_code == 201
    assert (
        stranger.call("POST", "/posts", {"body": "rust news", "tags": ["rust"]}).status_code == 201
    )
    assert stranger.call("POST", "/posts", {"body": "go news", "tags": ["go"]}).status_code == 201
    assert reader.call("PUT", "/users/writer/follow").status_code == 204
    return reader, writer, stranger


def test_follow_a_tag_is_idempotent_and_lists_it(people):
    reader, _writer, _stranger = people
    for _ in range(2):
        assert reader.call("PUT", "/tags/Rust/follow").status_code == 204
    info = reader.call("GET", "/tags/RUST").get_json()
    assert info == {"name": "rust", "posts_count": 1, "following": True}
    listed = reader.call("GET", "/me/tags").get_json()
    assert listed == {"items": [{"name": "rust", "posts_count": 1}], "next_cursor": None}
    for _ in range(2):
        assert reader.call("DELETE", "/tags/rust/follow").status_code == 204
    assert reader.call("GET", "/me/tags").get_json()["items"] == []


@pytest.mark.parametrize("name", ["nosuchtag", "bad tag!", "a\x00b", "x" * 200])
def test_only_existing_tags_can_be_followed(people, app, name):
    reader, _writer, _stranger = people
    assert reader.call("PUT", f"/tags/{name}/follow").status_code == 404
    assert reader.call("DELETE", f"/tags/{name}/follow").status_code == 404
    with app.app_context():
        assert db.session.scalars(select(TagFollow)).all() == []


def test_anonymous_cannot_follow(people, anon):
    assert anon.call("PUT", "/tags/rust/follow").status_code == 401
    assert anon.call("GET", "/me/tags").status_code == 401
    assert anon.call("GET", "/tags/rust").get_json()["following"] is False
    assert anon.call("GET", "/tags/nosuch").status_code == 404


def test_home_holds_followed_tags_posts_once_and_drops_them_on_unfollow(people):
    reader, writer, _stranger = people
    assert bodies(reader) == ["by writer"]  # the first page is cached now
    assert reader.call("PUT", "/tags/rust/follow").status_code == 204
    assert bodies(reader) == ["rust news", "by writer"]
    # A followed person's post with a followed tag comes once.
    assert (
        writer.call("POST", "/posts", {"body": "writer on rust", "tags": ["rust"]}).status_code
        == 201
    )
    assert bodies(reader) == ["writer on rust", "rust news", "by writer"]
    assert reader.call("DELETE", "/tags/rust/follow").status_code == 204
    assert bodies(reader) == ["writer on rust", "by writer"]


def test_a_new_post_with_a_followed_tag_shows_on_the_next_request(people, app):
    reader, _writer, stranger = people
    assert reader.call("PUT", "/tags/go/follow").status_code == 204
    assert bodies(reader) == ["go news", "by writer"]  # cached
    assert stranger.call("POST", "/posts", {"body": "more go", "tags": ["go"]}).status_code == 201
    assert bodies(reader) == ["more go", "go news", "by writer"]


def test_muted_and_blocked_authors_stay_out_through_tags(people):
    reader, _writer, _stranger = people
    assert reader.call("PUT", "/tags/rust/follow").status_code == 204
    assert reader.call("PUT", "/users/stranger/mute").status_code in (200, 204)
    assert bodies(reader) == ["by writer"]


def test_pages_walk_the_union_without_repeats_or_gaps(app):
    reader = api_as(app, "reader")
    with app.test_request_context():
        make_user(app, "writer")
        make_user(app, "tagger")
        writer = db.session.scalar(select(User).filter_by(username="writer"))
        tagger = db.session.scalar(select(User).filter_by(username="tagger"))
        expected = []
        for i in range(30):
            author = writer if i % 3 else tagger
            tags = ["py"] if i % 2 else ["misc"]
            post = posts.create_post(author=author, body=f"post {i}", tags=tags)
            # Followed author, or followed tag (py), or both; tagger's misc posts are not seen.
            if author is writer or "py" in tags:
                expected.append(post.body)
    assert reader.call("PUT", "/users/writer/follow").status_code == 204
    assert reader.call("PUT", "/tags/py/follow").status_code == 204
    seen, cursor = [], ""
    while True:
        page = reader.call("GET", f"/feed/home?limit=4&cursor={cursor}").get_json()
        seen += [item["body"] for item in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == list(reversed(expected))


def test_home_costs_the_same_statements_with_five_tags_or_none(app):
    reader = api_as(app, "reader")
    with app.test_request_context():
        make_user(app, "tagger")
        tagger = db.session.scalar(select(User).filter_by(username="tagger"))
        for i in range(40):
            posts.create_post(author=tagger, body=f"post {i}", tags=[f"t{i % 5}"])
    costs = []
    for follow in (0, 5):
        for i in range(follow):
            assert reader.call("PUT", f"/tags/t{i}/follow").status_code == 204
        with counting(app) as statements:
            response = reader.call("GET", "/feed/home?limit=20")
        assert response.status_code == 200
        costs.append(len(statements))
    with counting(app) as statements:
        listed = reader.call("GET", "/me/tags?limit=5")
    assert len(listed.get_json()["items"]) == 5
    assert costs[0] == costs[1], costs
    assert len(statements) <= 3, statements


def test_the_tag_page_button_with_htmx_and_without_javascript(app, client, auth):
    make_user(app, "reader")
    writer = api_as(app, "writer")
    assert writer.call("POST", "/posts", {"body": "rust news", "tags": ["rust"]}).status_code == 201
    assert client.get("/tags/rust").status_code == 200
    assert 'id="follow-tag"' not in client.get("/tags/rust").get_data(as_text=True)
    auth.login("reader")
    page = client.get("/tags/rust").get_data(as_text=True)
    assert 'id="follow-tag"' in page and 'aria-pressed="false"' in page
    token = csrf_token(client, "/tags/rust")
    # htmx: the button comes back, pressed.
    answer = client.post(
        "/tags/rust/follow", data={"csrf_token": token, "on": "1"}, headers={"HX-Request": "true"}
    )
    assert answer.status_code == 200
    fragment = answer.get_data(as_text=True)
    assert fragment.lstrip().startswith("<form") and 'aria-pressed="true"' in fragment
    settings = client.get("/settings").get_data(as_text=True)
    assert 'href="/tags/rust"' in settings
    # A plain form: back to the page, not following any more.
    answer = client.post("/tags/rust/follow", data={"csrf_token": token, "on": "0"})
    assert answer.status_code == 303
    assert 'aria-pressed="false"' in client.get("/tags/rust").get_data(as_text=True)
    # No CSRF token: nothing changes.
    client.post("/tags/rust/follow", data={"on": "1"})
    assert 'aria-pressed="false"' in client.get("/tags/rust").get_data(as_text=True)
    assert (
        client.post("/tags/nosuch/follow", data={"csrf_token": token, "on": "1"}).status_code == 404
    )
