"""The API's post, reaction, bookmark and preview routes, with their rules and bad inputs."""

from __future__ import annotations

import pytest

from app.accounts.models import User
from app.extensions import db
from app.posts.models import Post
from tests.conftest import api_as
from tests.test_api_auth import error_of

KINDS = ("like", "love", "laugh", "insightful", "celebrate")
POST_KEYS = {
    "pinned",
    "draft",
    "id",
    "author",
    "body",
    "body_html",
    "tags",
    "created_at",
    "edited_at",
    "comments_count",
    "reactions",
    "my_reactions",
    "bookmarked",
    "url",
}


@pytest.fixture
def alice(app):
    return api_as(app, "alice")


@pytest.fixture
def bob(app):
    return api_as(app, "bob")


def new_post(client, body: str = "Hello #python", **extra) -> dict:
    response = client.call("POST", "/posts", {"body": body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def suspend(app, username: str) -> None:
    with app.app_context():
        db.session.query(User).filter_by(username=username).one().suspended = True
        db.session.commit()


def count_posts(app) -> int:
    with app.app_context():
        return db.session.query(Post).count()


def test_create_post_returns_the_contract_shape(alice):
    response = alice.call("POST", "/posts", {"body": "Hello #Python", "tags": ["web", "#Flask"]})
    assert response.status_code == 201
    post = response.get_json()
    assert set(post) == POST_KEYS
    assert post["author"] == {
        "username": "alice",
        "display_name": "alice",
        "avatar_url": "/avatars/alice.svg",
    }
    assert post["body"] == "Hello #Python"
    assert isinstance(post["body_html"], str) and post["body_html"]
    assert sorted(post["tags"]) == ["flask", "python", "web"]
    assert post["created_at"].endswith("Z") and post["edited_at"] is None
    assert post["comments_count"] == 0
    assert post["reactions"] == dict.fromkeys(KINDS, 0)
    assert post["my_reactions"] == [] and post["bookmarked"] is False
    assert post["url"] == f"/p/{post['id']}"


def test_anyone_reads_a_post_and_the_viewer_sees_their_own_state(app, alice, bob, anon):
    post = new_post(alice)
    bob.call("PUT", f"/posts/{post['id']}/reactions/love")
    bob.call("PUT", f"/posts/{post['id']}/reactions/like")
    bob.call("PUT", f"/posts/{post['id']}/bookmark")
    as_bob = bob.call("GET", f"/posts/{post['id']}").get_json()
    assert as_bob["my_reactions"] == ["like", "love"] and as_bob["bookmarked"] is True
    public = anon.call("GET", f"/posts/{post['id']}")
    assert public.status_code == 200
    body = public.get_json()
    assert body["my_reactions"] == [] and body["bookmarked"] is False
    assert body["reactions"]["like"] == 1 and body["reactions"]["love"] == 1
    assert alice.call("GET", f"/posts/{post['id']}").get_json()["my_reactions"] == []


@pytest.mark.parametrize(
    "path",
    [
        "/posts/999",
        "/posts/0",
        "/posts/-1",
        "/posts/abc",
        "/posts/1.5",
        "/posts/2147483648",
        "/posts/99999999999999999999",
        "/posts/99999999999999999999/comments",
        "/posts/%00",
    ],
)
def test_posts_that_cannot_exist_are_json_404(anon, path):
    response = anon.call("GET", path)
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/posts/99999999999999999999"),
        ("DELETE", "/posts/2147483648"),
        ("PUT", "/posts/99999999999999999999/reactions/like"),
        ("PUT", "/posts/99999999999999999999/bookmark"),
        ("POST", "/posts/99999999999999999999/comments"),
        ("PATCH", "/comments/99999999999999999999"),
        ("DELETE", "/comments/abc"),
    ],
)
def test_writes_to_ids_that_cannot_exist_are_404(alice, method, path):
    response = alice.call(method, path, {"body": "x"})
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_only_the_author_edits(app, alice, bob):
    moderator = api_as(app, "moe", role="moderator")
    post = new_post(alice, "first #go")
    for other in (bob, moderator):
        response = other.call("PATCH", f"/posts/{post['id']}", {"body": "hacked"})
        assert response.status_code == 403
        assert error_of(response)["code"] == "forbidden"
    response = alice.call("PATCH", f"/posts/{post['id']}", {"body": "second", "tags": ["rust"]})
    assert response.status_code == 200
    edited = response.get_json()
    assert edited["body"] == "second" and edited["tags"] == ["rust"]
    assert edited["edited_at"] is not None and edited["edited_at"].endswith("Z")
    assert set(edited) == POST_KEYS


def test_edit_only_tags_keeps_the_body(alice):
    post = new_post(alice, "body stays")
    edited = alice.call("PATCH", f"/posts/{post['id']}", {"tags": ["a", "b"]}).get_json()
    assert edited["body"] == "body stays" and edited["tags"] == ["a", "b"]


def test_edit_with_nothing_to_change_is_422(alice):
    post = new_post(alice)
    response = alice.call("PATCH", f"/posts/{post['id']}", {})
    assert response.status_code == 422


def test_author_moderator_and_admin_delete_others_do_not(app, alice, bob, anon):
    moderator = api_as(app, "moe", role="moderator")
    admin = api_as(app, "root", role="admin")
    posts = [new_post(alice, f"post {i}") for i in range(3)]
    assert bob.call("DELETE", f"/posts/{posts[0]['id']}").status_code == 403
    assert anon.call("DELETE", f"/posts/{posts[0]['id']}").status_code == 401
    for post, actor in zip(posts, (alice, moderator, admin), strict=True):
        response = actor.call("DELETE", f"/posts/{post['id']}")
        assert response.status_code == 204 and response.data == b""
        assert anon.call("GET", f"/posts/{post['id']}").status_code == 404
    assert alice.call("DELETE", f"/posts/{posts[0]['id']}").status_code == 404


def test_suspended_user_cannot_post_comment_or_react(app, alice, bob):
    post = new_post(alice)
    suspend(app, "bob")
    attempts = [
        ("POST", "/posts", {"body": "x"}),
        ("POST", f"/posts/{post['id']}/comments", {"body": "x"}),
        ("PUT", f"/posts/{post['id']}/reactions/like", None),
    ]
    for method, path, payload in attempts:
        response = bob.call(method, path, payload)
        assert response.status_code == 403, (path, response.get_json())
        assert error_of(response)["code"] == "forbidden"
    assert count_posts(app) == 1


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/posts"),
        ("PATCH", "/posts/{id}"),
        ("DELETE", "/posts/{id}"),
        ("PUT", "/posts/{id}/reactions/like"),
        ("DELETE", "/posts/{id}/reactions/like"),
        ("PUT", "/posts/{id}/bookmark"),
        ("DELETE", "/posts/{id}/bookmark"),
        ("POST", "/posts/{id}/comments"),
        ("PATCH", "/comments/1"),
        ("DELETE", "/comments/1"),
        ("GET", "/bookmarks"),
        ("POST", "/markdown/preview"),
    ],
)
def test_anonymous_writes_are_401(alice, anon, method, path):
    post = new_post(alice)
    response = anon.call(method, path.format(id=post["id"]), {"body": "x"})
    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthorized"


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"{not json", 400),
        (b"", 400),
        (b'["a body"]', 400),
        (b'"a body"', 400),
        (b"null", 400),
        (b"\xff\xfe", 400),
    ],
)
def test_unreadable_post_bodies_are_400(app, alice, raw, status):
    response = alice.client.post(
        "/api/v1/posts", data=raw, content_type="application/json", headers=alice.headers()
    )
    assert response.status_code == status
    assert error_of(response)["code"] == "bad_request"
    assert count_posts(app) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": None}, "body"),
        ({"body": ""}, "body"),
        ({"body": "  \n  "}, "body"),
        ({"body": "x" * 10_001}, "body"),
        ({"body": 42}, "body"),
        ({"body": ["x"]}, "body"),
        ({"body": "nul \x00 byte"}, "body"),
        ({"body": "lone \ud800 surrogate"}, "body"),
        ({"body": "ok", "tags": "python"}, "tags"),
        ({"body": "ok", "tags": [1]}, "tags"),
        ({"body": "ok", "tags": [None]}, "tags"),
        ({"body": "ok", "tags": {"a": 1}}, "tags"),
        ({"body": "ok", "tags": ["bad tag"]}, "tags"),
        ({"body": "ok", "tags": ["a" * 31]}, "tags"),
        ({"body": "ok", "tags": ["c++"]}, "tags"),
        ({"body": "ok", "tags": ["one", "two", "three", "four", "five", "six"]}, "tags"),
        ({"body": "#a1 #b1 #c1", "tags": ["d1", "e1", "f1"]}, "tags"),
        ({"body": "ok", "tags": ["t"] * 101}, "tags"),
        ({"body": "ok", "author_id": 2}, "author_id"),
    ],
)
def test_invalid_posts_are_422_and_nothing_is_stored(app, alice, payload, field):
    response = alice.call("POST", "/posts", payload)
    assert response.status_code == 422
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert field in error["fields"]
    assert count_posts(app) == 0


def test_a_body_of_exactly_ten_thousand_characters_is_accepted(alice):
    assert alice.call("POST", "/posts", {"body": "x" * 10_000}).status_code == 201


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"body": 5}, "body"),
        ({"body": ""}, "body"),
        ({"tags": "go"}, "tags"),
        ({"tags": ["ok", "not ok"]}, "tags"),
        ({"title": "x"}, "title"),
    ],
)
def test_invalid_edits_are_422_and_change_nothing(alice, payload, field):
    post = new_post(alice, "original")
    response = alice.call("PATCH", f"/posts/{post['id']}", payload)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    again = alice.call("GET", f"/posts/{post['id']}").get_json()
    assert again["body"] == "original" and again["edited_at"] is None


def test_reactions_are_idempotent_and_report_the_viewers_state(alice, bob):
    post = new_post(alice)
    url = f"/posts/{post['id']}/reactions"
    for _ in range(2):
        response = bob.call("PUT", f"{url}/like")
        assert response.status_code == 200
        assert response.get_json() == {
            "reactions": {**dict.fromkeys(KINDS, 0), "like": 1},
            "my_reactions": ["like"],
        }
    body = bob.call("PUT", f"{url}/celebrate").get_json()
    assert body["my_reactions"] == ["like", "celebrate"]
    assert alice.call("PUT", f"{url}/like").get_json()["reactions"]["like"] == 2
    for _ in range(2):
        response = bob.call("DELETE", f"{url}/like")
        assert response.status_code == 200
        assert response.get_json() == {
            "reactions": {**dict.fromkeys(KINDS, 0), "like": 1, "celebrate": 1},
            "my_reactions": ["celebrate"],
        }


@pytest.mark.parametrize("kind", ["angry", "LIKE", "like%00", "%27%20OR%201%3D1"])
def test_unknown_reaction_kind_is_404(alice, bob, kind):
    post = new_post(alice)
    for method in ("PUT", "DELETE"):
        response = bob.call(method, f"/posts/{post['id']}/reactions/{kind}")
        assert response.status_code == 404
        assert error_of(response)["code"] == "not_found"


def test_reacting_to_a_missing_post_is_404(bob):
    assert bob.call("PUT", "/posts/12345/reactions/like").status_code == 404


def test_bookmarks_are_idempotent_and_listed_newest_bookmark_first(alice, bob):
    first, second = new_post(alice, "one"), new_post(alice, "two")
    for post in (second, first, first):
        response = bob.call("PUT", f"/posts/{post['id']}/bookmark")
        assert response.status_code == 204 and response.data == b""
    listed = bob.call("GET", "/bookmarks").get_json()
    assert [p["id"] for p in listed["items"]] == [first["id"], second["id"]]
    assert all(p["bookmarked"] for p in listed["items"]) and listed["next_cursor"] is None
    assert set(listed["items"][0]) == POST_KEYS
    for _ in range(2):
        assert bob.call("DELETE", f"/posts/{first['id']}/bookmark").status_code == 204
    assert [p["id"] for p in bob.call("GET", "/bookmarks").get_json()["items"]] == [second["id"]]
    assert alice.call("GET", "/bookmarks").get_json() == {"items": [], "next_cursor": None}
    assert bob.call("PUT", "/posts/4242/bookmark").status_code == 404


def test_markdown_preview_renders_and_stores_nothing(app, alice):
    response = alice.call("POST", "/markdown/preview", {"body": "**hi** @bob #tag"})
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"html"} and isinstance(body["html"], str) and body["html"]
    assert count_posts(app) == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [({}, "body"), ({"body": ""}, "body"), ({"body": "x" * 10_001}, "body"), ({"b": 1}, "b")],
)
def test_markdown_preview_checks_the_body_as_a_post_would(alice, payload, field):
    response = alice.call("POST", "/markdown/preview", payload)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
