"""The API's notification routes, and the notifications people's actions cause."""

from __future__ import annotations

import pytest

from tests.conftest import api_as
from tests.test_api_auth import error_of
from tests.test_api_comments import comment
from tests.test_api_posts import new_post

NOTIFICATION_KEYS = {
    "id",
    "type",
    "actor",
    "post_id",
    "comment_id",
    "conversation_id",
    "created_at",
    "read",
}


@pytest.fixture
def alice(app):
    return api_as(app, "alice")


@pytest.fixture
def bob(app):
    return api_as(app, "bob")


def notes(client) -> list[dict]:
    response = client.call("GET", "/notifications?limit=100")
    assert response.status_code == 200
    return response.get_json()["items"]


def unread(client) -> int:
    response = client.call("GET", "/notifications/unread_count")
    assert response.status_code == 200
    return response.get_json()["count"]


def test_each_kind_of_notification_through_the_api(app, alice, bob):
    carol = api_as(app, "carol")
    bob.call("PUT", "/users/alice/follow")
    post = new_post(alice, "hello @carol")
    bob.call("PUT", f"/posts/{post['id']}/reactions/like")
    first = comment(bob, post["id"], "nice")
    reply = comment(carol, post["id"], "agreed", parent_id=first["id"])
    items = notes(alice)
    assert [n["type"] for n in items] == ["comment", "comment", "reaction", "follow"]
    assert all(set(n) == NOTIFICATION_KEYS for n in items)
    newest = items[0]
    assert newest["actor"] == {
        "username": "carol",
        "display_name": "carol",
        "avatar_url": "/avatars/carol.svg",
    }
    assert newest["post_id"] == post["id"] and newest["comment_id"] == reply["id"]
    assert newest["conversation_id"] is None and newest["read"] is False
    assert newest["created_at"].endswith("Z")
    assert items[-1]["post_id"] is None and items[-1]["actor"]["username"] == "bob"
    assert [n["type"] for n in notes(carol)] == ["mention"]
    assert [n["type"] for n in notes(bob)] == ["reply"]


def test_a_reaction_toggled_many_times_notifies_once(alice, bob):
    post = new_post(alice)
    for _ in range(5):
        bob.call("PUT", f"/posts/{post['id']}/reactions/like")
        bob.call("DELETE", f"/posts/{post['id']}/reactions/like")
    for kind in ("love", "laugh", "insightful", "celebrate"):
        bob.call("PUT", f"/posts/{post['id']}/reactions/{kind}")
    assert [n["type"] for n in notes(alice)] == ["reaction"]
    assert unread(alice) == 1


def test_your_own_actions_never_notify_you(alice):
    post = new_post(alice, "talking to myself @alice")
    alice.call("PUT", f"/posts/{post['id']}/reactions/like")
    mine = comment(alice, post["id"], "me again @alice")
    comment(alice, post["id"], "and again", parent_id=mine["id"])
    assert alice.call("PUT", "/users/alice/follow").status_code == 422
    assert notes(alice) == [] and unread(alice) == 0


def test_unread_count_and_marking_read_by_ids_and_all(app, alice, bob):
    carol = api_as(app, "carol")
    bob.call("PUT", "/users/alice/follow")
    carol.call("PUT", "/users/alice/follow")
    post = new_post(alice)
    bob.call("PUT", f"/posts/{post['id']}/reactions/like")
    assert unread(alice) == 3
    oldest = notes(alice)[-1]["id"]
    response = alice.call("POST", "/notifications/read", {"ids": [oldest]})
    assert response.status_code == 204 and response.data == b""
    assert unread(alice) == 2
    assert [n["read"] for n in notes(alice)] == [False, False, True]
    # Someone else's ids, or ids that do not exist, mark nothing.
    assert (
        bob.call("POST", "/notifications/read", {"ids": [notes(alice)[0]["id"]]}).status_code == 204
    )
    assert (
        alice.call("POST", "/notifications/read", {"ids": [424242, 2147483647]}).status_code == 204
    )
    assert alice.call("POST", "/notifications/read", {"ids": []}).status_code == 204
    assert unread(alice) == 2
    assert alice.call("POST", "/notifications/read", {}).status_code == 204
    assert unread(alice) == 0 and all(n["read"] for n in notes(alice))


def test_marking_all_read_with_no_body_at_all(app, alice, bob):
    bob.call("PUT", "/users/alice/follow")
    response = alice.client.post("/api/v1/notifications/read", headers=alice.headers())
    assert response.status_code == 204
    assert unread(alice) == 0


@pytest.mark.parametrize(
    "payload",
    [
        {"ids": "1"},
        {"ids": 1},
        {"ids": ["1"]},
        {"ids": [1.5]},
        {"ids": [True]},
        {"ids": [None]},
        {"ids": [[1]]},
        {"ids": [99999999999999999999]},
        {"ids": list(range(1, 102))},
        {"all": True},
    ],
)
def test_read_with_ids_that_are_not_a_list_of_ints_is_422(alice, bob, payload):
    bob.call("PUT", "/users/alice/follow")
    response = alice.call("POST", "/notifications/read", payload)
    assert response.status_code == 422
    assert set(error_of(response)["fields"]) == set(payload)
    assert unread(alice) == 1


@pytest.mark.parametrize("raw", [b"{nope", b"[1, 2]", b'"all"'])
def test_read_with_an_unreadable_body_is_400(alice, raw):
    response = alice.client.post(
        "/api/v1/notifications/read",
        data=raw,
        content_type="application/json",
        headers=alice.headers(),
    )
    assert response.status_code == 400


def test_notification_routes_need_a_token(anon):
    assert anon.call("GET", "/notifications").status_code == 401
    assert anon.call("GET", "/notifications/unread_count").status_code == 401
    assert anon.call("POST", "/notifications/read", {}).status_code == 401
