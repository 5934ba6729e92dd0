"""Drafts, edit history and pinned posts through the API: who sees what, and the bad inputs."""

from __future__ import annotations

import pytest

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import Notification
from tests.conftest import api_as, refresh_trending
from tests.test_api_auth import error_of


@pytest.fixture
def alice(app):
    return api_as(app, "alice")


@pytest.fixture
def bob(app):
    return api_as(app, "bob")


def draft(client, body: str = "Half a thought #python", **extra) -> dict:
    response = client.call("POST", "/posts", {"body": body, "draft": True, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def post(client, body: str = "Hello #python") -> dict:
    response = client.call("POST", "/posts", {"body": body})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def ids(response) -> list[int]:
    assert response.status_code == 200, response.get_json()
    return [item["id"] for item in response.get_json()["items"]]


def mentions_of(app, username: str) -> int:
    with app.app_context():
        user = db.session.scalar(db.select(User).filter_by(username=username))
        return db.session.scalar(
            db.select(db.func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.type == "mention")
        )


@pytest.fixture
def events(monkeypatch):
    """Record the types of the live events queued meanwhile (they still go out)."""
    from app.realtime import events as realtime

    seen: list[str] = []
    original = realtime.emit

    def spy(session, user_ids, type, data, **kwargs):
        seen.append(type)
        return original(session, user_ids, type, data, **kwargs)

    monkeypatch.setattr(realtime, "emit", spy)
    return seen


def test_a_draft_is_seen_by_its_author_alone_and_in_no_list(app, alice, bob, anon, events):
    bob.call("PUT", "/users/alice/follow")
    kept = draft(alice, "Secret plan #python @bob")
    assert kept["draft"] is True and kept["pinned"] is False
    assert mentions_of(app, "bob") == 0 and "post.created" not in events
    assert alice.call("GET", f"/posts/{kept['id']}").get_json()["draft"] is True
    for client in (bob, anon):
        assert client.call("GET", f"/posts/{kept['id']}").status_code == 404
        for path in (
            "/feed/latest",
            "/tags/python/posts",
            "/users/alice/posts",
            "/search?q=secret",
            "/search?q=python",
            "/feed/trending",
        ):
            if path == "/feed/trending":
                refresh_trending(app)
            response = client.call("GET", path)
            if path.startswith("/tags/"):
                # The draft made no tag: nothing is tagged #python yet.
                assert response.status_code == 404
                continue
            assert kept["id"] not in ids(response), path
    for path in ("/feed/home", "/feed/latest", "/users/alice/posts", "/search?q=secret"):
        assert kept["id"] not in ids(alice.call("GET", path)), path
    assert kept["id"] not in ids(bob.call("GET", "/feed/home"))
    # Nothing can be done to it by others (it is not there), nor reacted to or discussed at all.
    for client in (bob, alice):
        assert client.call("PUT", f"/posts/{kept['id']}/reactions/like").status_code == 404
        assert (
            client.call("POST", f"/posts/{kept['id']}/comments", {"body": "Hi"}).status_code == 404
        )
        assert client.call("PUT", f"/posts/{kept['id']}/bookmark").status_code == 404
        assert client.call("PUT", f"/posts/{kept['id']}/pin").status_code == 404
    assert bob.call("PATCH", f"/posts/{kept['id']}", {"body": "x"}).status_code == 404
    assert bob.call("DELETE", f"/posts/{kept['id']}").status_code == 404
    assert bob.call("POST", f"/posts/{kept['id']}/publish").status_code == 404
    assert alice.call("GET", "/users/alice").get_json()["posts_count"] == 0


def test_drafts_list_is_keyset_paginated_and_private(alice, bob):
    made = [draft(alice, f"draft {i}")["id"] for i in range(5)]
    post(alice, "published")
    seen, cursor = [], None
    while True:
        response = alice.call("GET", "/me/drafts?limit=2" + (f"&cursor={cursor}" if cursor else ""))
        seen += ids(response)
        cursor = response.get_json()["next_cursor"]
        if not cursor:
            break
    assert seen == made[::-1]
    assert ids(bob.call("GET", "/me/drafts")) == []


def test_publishing_puts_a_draft_on_top_and_notifies_only_then(app, alice, bob, events):
    bob.call("PUT", "/users/alice/follow")
    kept = draft(alice, "Plan for @bob #python", tags=["web"])
    alice.call("PATCH", f"/posts/{kept['id']}", {"body": "Better plan for @bob #python"})
    newer = post(alice, "Published meanwhile")
    assert mentions_of(app, "bob") == 0 and events.count("post.created") == 1
    response = alice.call("POST", f"/posts/{kept['id']}/publish")
    assert response.status_code == 200
    published = response.get_json()
    assert published["draft"] is False and published["edited_at"] is None
    assert published["created_at"] >= newer["created_at"]
    assert sorted(published["tags"]) == ["python", "web"]
    assert mentions_of(app, "bob") == 1 and events.count("post.created") == 2
    assert ids(bob.call("GET", "/feed/home"))[0] == kept["id"]
    assert ids(bob.call("GET", "/feed/latest"))[0] == kept["id"]
    assert kept["id"] in ids(bob.call("GET", "/tags/web/posts"))
    assert kept["id"] in ids(bob.call("GET", "/search?q=better"))
    assert bob.call("GET", f"/posts/{kept['id']}").status_code == 200
    assert ids(alice.call("GET", "/me/drafts")) == []
    assert alice.call("GET", "/users/alice").get_json()["posts_count"] == 2
    # The edits of a draft are no history; publishing again changes nothing.
    assert ids(bob.call("GET", f"/posts/{kept['id']}/revisions")) == []
    again = alice.call("POST", f"/posts/{kept['id']}/publish").get_json()
    assert again["created_at"] == published["created_at"] and mentions_of(app, "bob") == 1


def test_a_draft_that_breaks_the_rules_is_refused(alice):
    assert alice.call("POST", "/posts", {"body": "  ", "draft": True}).status_code == 422
    bad = alice.call("POST", "/posts", {"body": "x", "draft": "maybe"})
    assert bad.status_code == 422 and error_of(bad)["code"] == "validation_error"
    assert ids(alice.call("GET", "/me/drafts")) == []
    assert alice.call("POST", "/posts/999999/publish").status_code == 404


def test_deleting_a_draft_works_like_deleting_a_post(alice):
    kept = draft(alice)
    assert alice.call("DELETE", f"/posts/{kept['id']}").status_code == 204
    assert alice.call("GET", f"/posts/{kept['id']}").status_code == 404
    assert alice.call("GET", "/users/alice").get_json()["posts_count"] == 0


def test_every_edit_keeps_the_body_it_replaced(alice, bob, anon):
    first = post(alice, "First words")
    alice.call("PATCH", f"/posts/{first['id']}", {"body": "Second words"})
    alice.call("PATCH", f"/posts/{first['id']}", {"tags": ["web"]})  # the body stays: no entry
    alice.call("PATCH", f"/posts/{first['id']}", {"body": "Third words"})
    response = anon.call("GET", f"/posts/{first['id']}/revisions")
    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["body"] for item in items] == ["Second words", "First words"]
    assert set(items[0]) == {"body", "edited_at"}
    assert items[1]["edited_at"] == first["created_at"]
    page = anon.call("GET", f"/posts/{first['id']}/revisions?limit=1").get_json()
    rest = anon.call(
        "GET", f"/posts/{first['id']}/revisions?limit=1&cursor={page['next_cursor']}"
    ).get_json()
    assert [i["body"] for i in page["items"] + rest["items"]] == ["Second words", "First words"]
    assert anon.call("GET", "/posts/999999/revisions").status_code == 404
    assert anon.call("GET", f"/posts/{first['id']}/revisions?limit=0").status_code == 422
    assert anon.call("GET", f"/posts/{first['id']}/revisions?cursor=zz").status_code == 400
    kept = draft(alice)
    assert bob.call("GET", f"/posts/{kept['id']}/revisions").status_code == 404


def test_revisions_are_hidden_behind_a_block(alice, bob):
    first = post(alice, "Words")
    alice.call("PUT", "/users/bob/block")
    assert bob.call("GET", f"/posts/{first['id']}/revisions").status_code == 404


def test_pins_come_first_on_the_profile_at_most_three(alice, bob, anon):
    made = [post(alice, f"post {i}")["id"] for i in range(6)]
    for ident in made[:3]:
        assert alice.call("PUT", f"/posts/{ident}/pin").status_code == 204
    assert alice.call("PUT", f"/posts/{made[0]}/pin").status_code == 204  # idempotent
    fourth = alice.call("PUT", f"/posts/{made[3]}/pin")
    assert fourth.status_code == 409 and "at most 3" in error_of(fourth)["message"]
    assert bob.call("PUT", f"/posts/{made[4]}/pin").status_code == 403
    assert bob.call("DELETE", f"/posts/{made[0]}/pin").status_code == 403
    assert anon.call("PUT", f"/posts/{made[4]}/pin").status_code == 401
    assert alice.call("PUT", "/posts/999999/pin").status_code == 404
    response = anon.call("GET", "/users/alice/posts?limit=4")
    items = response.get_json()["items"]
    assert [i["id"] for i in items] == [made[2], made[1], made[0], made[5]]
    assert [i["pinned"] for i in items] == [True, True, True, False]
    # Walking the cursors returns every post once.
    seen, cursor = [i["id"] for i in items], response.get_json()["next_cursor"]
    while cursor:
        page = anon.call("GET", f"/users/alice/posts?limit=2&cursor={cursor}").get_json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
    assert sorted(seen) == sorted(made) and len(seen) == len(made)
    # Pinned shows in the post shape everywhere, and not in the latest feed's order.
    assert bob.call("GET", f"/posts/{made[0]}").get_json()["pinned"] is True
    assert ids(anon.call("GET", "/feed/latest"))[0] == made[5]
    assert alice.call("DELETE", f"/posts/{made[0]}/pin").status_code == 204
    assert alice.call("DELETE", f"/posts/{made[0]}/pin").status_code == 204
    assert alice.call("PUT", f"/posts/{made[3]}/pin").status_code == 204
    assert bob.call("GET", f"/posts/{made[0]}").get_json()["pinned"] is False


def test_a_blocked_reader_sees_no_pins(alice, bob):
    first = post(alice)
    alice.call("PUT", f"/posts/{first['id']}/pin")
    alice.call("PUT", "/users/bob/block")
    assert bob.call("GET", "/users/alice/posts").status_code == 404


def test_drafts_and_revisions_cost_fixed_queries(app, alice):
    from tests.test_api_queries import counting

    for i in range(30):
        draft(alice, f"draft {i}")
    first = post(alice, "v0")
    for i in range(30):
        alice.call("PATCH", f"/posts/{first['id']}", {"body": f"v{i + 1}"})
    for path in ("/me/drafts", f"/posts/{first['id']}/revisions"):
        alice.call("GET", f"{path}?limit=1")
        costs = []
        for limit in (3, 25):
            with counting(app) as statements:
                response = alice.call("GET", f"{path}?limit={limit}")
            assert len(response.get_json()["items"]) == limit, path
            costs.append(len(statements))
        assert costs[0] == costs[1] <= 6, (path, costs)
