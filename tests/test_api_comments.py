"""The API's comment routes: threads, permissions and bad inputs."""

from __future__ import annotations

import pytest

from tests.conftest import api_as
from tests.test_api_auth import error_of
from tests.test_api_posts import new_post

COMMENT_KEYS = {
    "id",
    "post_id",
    "parent_id",
    "author",
    "body",
    "body_html",
    "created_at",
    "edited_at",
    "deleted",
}


@pytest.fixture
def alice(app):
    return api_as(app, "alice")


@pytest.fixture
def bob(app):
    return api_as(app, "bob")


def comment(client, post_id: int, body: str = "nice", **extra) -> dict:
    response = client.call("POST", f"/posts/{post_id}/comments", {"body": body, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def test_comment_and_reply_have_the_contract_shape(alice, bob, anon):
    post = new_post(alice)
    first = comment(bob, post["id"], "first!")
    assert set(first) == COMMENT_KEYS
    assert first["post_id"] == post["id"] and first["parent_id"] is None
    assert first["author"]["username"] == "bob" and first["deleted"] is False
    assert first["created_at"].endswith("Z") and first["edited_at"] is None
    assert first["body"] == "first!" and first["body_html"]
    reply = comment(alice, post["id"], "thanks", parent_id=first["id"])
    assert reply["parent_id"] == first["id"]
    top = comment(alice, post["id"], "explicit null parent", parent_id=None)
    assert top["parent_id"] is None
    listed = anon.call("GET", f"/posts/{post['id']}/comments")
    assert listed.status_code == 200
    body = listed.get_json()
    assert [c["id"] for c in body["items"]] == [first["id"], reply["id"], top["id"]]
    assert body["next_cursor"] is None
    assert anon.call("GET", f"/posts/{post['id']}").get_json()["comments_count"] == 3


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "body"),
        ({"body": ""}, "body"),
        ({"body": "x" * 5_001}, "body"),
        ({"body": 1}, "body"),
        ({"body": "ok", "parent_id": "1"}, "parent_id"),
        ({"body": "ok", "parent_id": 1.5}, "parent_id"),
        ({"body": "ok", "parent_id": True}, "parent_id"),
        ({"body": "ok", "parent_id": [1]}, "parent_id"),
        ({"body": "ok", "parent_id": 99999999999999999999}, "parent_id"),
        ({"body": "ok", "parent_id": 424242}, "parent_id"),
        ({"body": "ok", "post_id": 1}, "post_id"),
    ],
)
def test_invalid_comments_are_422(alice, bob, payload, field):
    post = new_post(alice)
    response = bob.call("POST", f"/posts/{post['id']}/comments", payload)
    assert response.status_code == 422
    assert field in error_of(response)["fields"]
    assert alice.call("GET", f"/posts/{post['id']}").get_json()["comments_count"] == 0


def test_reply_to_a_comment_of_another_post_is_422(alice, bob):
    one, two = new_post(alice, "one"), new_post(alice, "two")
    elsewhere = comment(bob, one["id"])
    response = bob.call(
        "POST", f"/posts/{two['id']}/comments", {"body": "r", "parent_id": elsewhere["id"]}
    )
    assert response.status_code == 422
    assert "parent_id" in error_of(response)["fields"]


def test_comments_on_a_missing_post_are_404(bob, anon):
    assert anon.call("GET", "/posts/777/comments").status_code == 404
    assert bob.call("POST", "/posts/777/comments", {"body": "x"}).status_code == 404


def test_only_the_author_edits_a_comment(app, alice, bob):
    moderator = api_as(app, "moe", role="moderator")
    post = new_post(alice)
    mine = comment(bob, post["id"], "typo")
    for other in (alice, moderator):
        response = other.call("PATCH", f"/comments/{mine['id']}", {"body": "hacked"})
        assert response.status_code == 403
    response = bob.call("PATCH", f"/comments/{mine['id']}", {"body": "fixed"})
    assert response.status_code == 200
    edited = response.get_json()
    assert set(edited) == COMMENT_KEYS
    assert edited["body"] == "fixed" and edited["edited_at"].endswith("Z")
    assert bob.call("PATCH", f"/comments/{mine['id']}", {"body": ""}).status_code == 422
    assert bob.call("PATCH", f"/comments/{mine['id']}", {}).status_code == 422
    assert bob.call("PATCH", "/comments/9999", {"body": "x"}).status_code == 404


def test_author_moderator_and_admin_delete_comments(app, alice, bob, anon):
    moderator = api_as(app, "moe", role="moderator")
    admin = api_as(app, "root", role="admin")
    post = new_post(alice)
    ids = [comment(bob, post["id"], f"c{i}")["id"] for i in range(3)]
    # The post's author is not the comment's author: no.
    assert alice.call("DELETE", f"/comments/{ids[0]}").status_code == 403
    assert anon.call("DELETE", f"/comments/{ids[0]}").status_code == 401
    for comment_id, actor in zip(ids, (bob, moderator, admin), strict=True):
        assert actor.call("DELETE", f"/comments/{comment_id}").status_code == 204
    assert bob.call("DELETE", f"/comments/{ids[0]}").status_code == 404
    assert anon.call("GET", f"/posts/{post['id']}/comments").get_json()["items"] == []


def test_deleted_comment_with_replies_keeps_its_place_without_words(alice, bob, anon):
    post = new_post(alice)
    parent = comment(bob, post["id"], "parent")
    reply = comment(alice, post["id"], "reply", parent_id=parent["id"])
    assert bob.call("DELETE", f"/comments/{parent['id']}").status_code == 204
    items = anon.call("GET", f"/posts/{post['id']}/comments").get_json()["items"]
    assert [c["id"] for c in items] == [parent["id"], reply["id"]]
    assert items[0]["deleted"] is True and items[0]["body"] == "" and items[0]["body_html"] == ""
    assert items[1]["deleted"] is False
    # A deleted comment takes no replies and no edits.
    again = bob.call(
        "POST", f"/posts/{post['id']}/comments", {"body": "x", "parent_id": parent["id"]}
    )
    assert again.status_code == 422
    assert bob.call("PATCH", f"/comments/{parent['id']}", {"body": "back"}).status_code == 404
