"""The safety part of the API: block, mute, the lists, reports (contract section "Safety")."""

from __future__ import annotations

import pytest

from app.accounts.queries import find_by_username
from app.extensions import db
from app.posts import services as posts
from app.safety.models import Block, Report
from tests.conftest import Api, make_user


@pytest.fixture
def alice(app, client):
    """Alice with an access token, and Bob and Carol to act on."""
    for name in ("alice", "bob", "carol"):
        make_user(app, name)
    api = Api(client)
    api.login("alice")
    return api


def as_user(app, name: str) -> Api:
    api = Api(app.test_client())
    api.login(name)
    return api


def post_by(app, name: str, body: str = "words") -> int:
    with app.test_request_context():
        return posts.create_post(author=find_by_username(name), body=body).id


def test_block_and_unblock_are_idempotent(app, alice):
    for _ in range(2):
        assert alice.call("PUT", "/users/bob/block").status_code == 204
    with app.app_context():
        assert db.session.query(Block).count() == 1
    for _ in range(2):
        assert alice.call("DELETE", "/users/bob/block").status_code == 204
    with app.app_context():
        assert db.session.query(Block).count() == 0


@pytest.mark.parametrize("what", ["block", "mute"])
def test_block_and_mute_errors(alice, what):
    assert alice.call("PUT", f"/users/alice/{what}").status_code == 422
    assert alice.call("PUT", f"/users/nobody/{what}").get_json()["error"]["code"] == "not_found"
    assert alice.call("DELETE", f"/users/nobody/{what}").status_code == 404
    alice.access_token = None
    assert alice.call("PUT", f"/users/bob/{what}").status_code == 401
    assert alice.call("GET", f"/me/{what}s").status_code == 401


@pytest.mark.parametrize("what", ["block", "mute"])
def test_lists_walk_every_person_once(app, alice, what):
    for name in ("dave", "erin", "frank"):
        make_user(app, name)
    for name in ("bob", "carol", "dave", "erin", "frank"):
        assert alice.call("PUT", f"/users/{name}/{what}").status_code == 204
    seen, cursor = [], None
    while True:
        query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        body = alice.call("GET", f"/me/{what}s", query_string=query).get_json()
        seen += [item["username"] for item in body["items"]]
        assert all(
            set(item) == {"username", "display_name", "avatar_url"} for item in body["items"]
        )
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == ["frank", "erin", "dave", "carol", "bob"]
    assert alice.call("GET", f"/me/{what}s", query_string={"limit": 0}).status_code == 422
    assert alice.call("GET", f"/me/{what}s", query_string={"cursor": "junk"}).status_code == 400


def test_blocked_user_gets_403_on_messages(app, alice):
    bob = as_user(app, "bob")
    started = bob.call("POST", "/conversations", {"username": "alice"})
    assert started.status_code == 201
    conversation = started.get_json()["id"]
    alice.call("PUT", "/users/bob/block")
    refused = bob.call("POST", "/conversations", {"username": "alice"})
    assert refused.status_code == 403 and refused.get_json()["error"]["code"] == "forbidden"
    sent = bob.call("POST", f"/conversations/{conversation}/messages", {"body": "hello?"})
    assert sent.status_code == 403


def test_report_created_then_the_same_open_report(app, alice):
    post_id = post_by(app, "bob")
    first = alice.call(
        "POST", "/reports", {"target_type": "post", "target_id": post_id, "reason": "spam"}
    )
    assert first.status_code == 201
    body = first.get_json()
    assert body["status"] == "open" and body["note"] == "" and body["target_id"] == post_id
    again = alice.call(
        "POST",
        "/reports",
        {"target_type": "post", "target_id": post_id, "reason": "abuse", "note": "again"},
    )
    assert again.status_code == 200 and again.get_json()["id"] == body["id"]
    user = alice.call(
        "POST", "/reports", {"target_type": "user", "target_id": "carol", "reason": "other"}
    )
    assert user.status_code == 201


@pytest.mark.parametrize(
    ("payload", "status"),
    [
        ({"target_type": "post", "target_id": "POST", "reason": "boring"}, 422),
        ({"target_type": "video", "target_id": "POST", "reason": "spam"}, 422),
        ({"target_type": "post", "reason": "spam"}, 422),
        ({"target_type": "post", "target_id": True, "reason": "spam"}, 422),
        ({"target_type": "post", "target_id": [1], "reason": "spam"}, 422),
        ({"target_type": "post", "target_id": "POST", "reason": "spam", "note": 5}, 422),
        ({"target_type": "post", "target_id": "POST", "reason": "spam", "extra": "x"}, 422),
        ({"target_type": "post", "target_id": "POST", "reason": "spam", "note": "n" * 1001}, 422),
        ({"target_type": "post", "target_id": 987654, "reason": "spam"}, 404),
        ({"target_type": "post", "target_id": 2**40, "reason": "spam"}, 404),
        ({"target_type": "comment", "target_id": 1, "reason": "spam"}, 404),
        ({"target_type": "user", "target_id": "nobody", "reason": "spam"}, 404),
        ({"target_type": "user", "target_id": "alice", "reason": "spam"}, 422),
        ({"target_type": "post", "target_id": "OWN", "reason": "spam"}, 422),
    ],
)
def test_bad_reports(app, alice, payload, status):
    targets = {"POST": post_by(app, "bob"), "OWN": post_by(app, "alice")}
    payload = {k: targets.get(v, v) if isinstance(v, str) else v for k, v in payload.items()}
    response = alice.call("POST", "/reports", payload)
    assert response.status_code == status, response.get_json()
    assert "error" in response.get_json()
    with app.app_context():
        assert db.session.query(Report).count() == 0


def test_report_body_must_be_json(alice):
    response = alice.call("POST", "/reports", data="{nope", content_type="application/json")
    assert response.status_code == 400
    assert alice.call("POST", "/reports", ["a"]).status_code == 400


def comment_by(app, name: str, post_id: int, body: str = "a comment") -> int:
    with app.test_request_context():
        author = find_by_username(name)
        return posts.add_comment(post_id=post_id, author=author, body=body).id


def test_the_blocked_person_gets_404_on_every_route_of_the_blockers_post(app, alice):
    """Reads and writes alike: the blocker's post is not there for the person they blocked."""
    post = post_by(app, "alice", "alice's post")
    bob = as_user(app, "bob")
    # Bob reacted, saved and commented before the block.
    assert bob.call("PUT", f"/posts/{post}/reactions/like").status_code == 200
    assert bob.call("PUT", f"/posts/{post}/bookmark").status_code == 204
    comment = bob.call("POST", f"/posts/{post}/comments", {"body": "early"}).get_json()["id"]
    alice.call("PUT", "/users/bob/block")
    calls = [
        ("GET", f"/posts/{post}", None),
        ("PATCH", f"/posts/{post}", {"body": "mine now"}),
        ("DELETE", f"/posts/{post}", None),
        ("PUT", f"/posts/{post}/reactions/like", None),
        ("DELETE", f"/posts/{post}/reactions/like", None),
        ("PUT", f"/posts/{post}/bookmark", None),
        ("DELETE", f"/posts/{post}/bookmark", None),
        ("GET", f"/posts/{post}/comments", None),
        ("POST", f"/posts/{post}/comments", {"body": "hello?"}),
        ("POST", f"/posts/{post}/comments", {"body": "hello?", "parent_id": comment}),
        ("PATCH", f"/comments/{comment}", {"body": "edited after the block"}),
    ]
    answers = {(method, path): bob.call(method, path, body) for method, path, body in calls}
    wrong = {
        f"{method} {path}": response.status_code
        for (method, path), response in answers.items()
        if response.status_code != 404
    }
    assert wrong == {}
    # Nothing changed, and no reaction counts of hers came back.
    assert all(b'"reactions"' not in response.data for response in answers.values())
    got = alice.call("GET", f"/posts/{post}").get_json()
    assert got["body"] == "alice's post" and got["reactions"]["like"] == 1
    comments = alice.call("GET", f"/posts/{post}/comments").get_json()["items"]
    assert [c["body"] for c in comments if c["id"] == comment] in ([], ["early"])
