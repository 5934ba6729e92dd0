"""The API's people routes: profiles, follows and the lists of followers and followed."""

from __future__ import annotations

import pytest

from tests.conftest import api_as
from tests.test_api_auth import error_of
from tests.test_api_posts import new_post

PROFILE_KEYS = {
    "username",
    "display_name",
    "avatar_url",
    "bio",
    "location",
    "website",
    "created_at",
    "followers_count",
    "following_count",
    "posts_count",
    "online",
    "is_following",
    "follows_you",
}


@pytest.fixture
def alice(app):
    return api_as(app, "alice", display_name="Alice A.", bio="Rust and tea")


@pytest.fixture
def bob(app):
    return api_as(app, "bob")


def test_profile_has_the_contract_shape_and_the_relation(alice, bob, anon):
    new_post(alice)
    assert bob.call("PUT", "/users/alice/follow").status_code == 204
    response = anon.call("GET", "/users/alice")
    assert response.status_code == 200
    profile = response.get_json()
    assert set(profile) == PROFILE_KEYS
    assert profile["username"] == "alice" and profile["display_name"] == "Alice A."
    assert profile["bio"] == "Rust and tea" and profile["created_at"].endswith("Z")
    assert (profile["followers_count"], profile["following_count"], profile["posts_count"]) == (
        1,
        0,
        1,
    )
    assert profile["online"] is False
    assert profile["is_following"] is False and profile["follows_you"] is False
    as_bob = bob.call("GET", "/users/ALICE").get_json()
    assert as_bob["is_following"] is True and as_bob["follows_you"] is False
    as_alice = alice.call("GET", "/users/bob").get_json()
    assert as_alice["is_following"] is False and as_alice["follows_you"] is True
    assert alice.call("GET", "/users/alice").get_json()["is_following"] is False


@pytest.mark.parametrize(
    "name", ["ghost", "a", "x" * 31, "al%20ice", "%00", "alice%00", "' OR 1=1 --", "%F0%9F%92%A9"]
)
def test_unknown_or_impossible_usernames_are_404(alice, anon, name):
    for path in ("", "/followers", "/following", "/posts"):
        response = anon.call("GET", f"/users/{name}{path}")
        assert response.status_code == 404, path
        assert error_of(response)["code"] == "not_found"
    assert alice.call("PUT", f"/users/{name}/follow").status_code == 404
    assert alice.call("DELETE", f"/users/{name}/follow").status_code == 404


def test_follow_and_unfollow_are_idempotent(alice, bob):
    for _ in range(2):
        response = bob.call("PUT", "/users/alice/follow")
        assert response.status_code == 204 and response.data == b""
    assert bob.call("GET", "/users/alice").get_json()["followers_count"] == 1
    assert bob.call("GET", "/users/bob").get_json()["following_count"] == 1
    for _ in range(2):
        assert bob.call("DELETE", "/users/alice/follow").status_code == 204
    assert bob.call("GET", "/users/alice").get_json()["followers_count"] == 0


def test_following_yourself_is_422(alice):
    response = alice.call("PUT", "/users/Alice/follow")
    assert response.status_code == 422
    assert error_of(response)["code"] == "validation_error"


def test_following_needs_a_token(alice, anon):
    assert anon.call("PUT", "/users/alice/follow").status_code == 401
    assert anon.call("DELETE", "/users/alice/follow").status_code == 401


def test_followers_and_following_mark_who_the_viewer_follows(app, alice, bob, anon):
    carol = api_as(app, "carol")
    for fan in (bob, carol):
        fan.call("PUT", "/users/alice/follow")
    alice.call("PUT", "/users/carol/follow")
    listed = alice.call("GET", "/users/alice/followers").get_json()
    assert [u["username"] for u in listed["items"]] == ["carol", "bob"]
    assert listed["items"][0] == {
        "username": "carol",
        "display_name": "carol",
        "avatar_url": "/avatars/carol.svg",
        "bio": "",
        "is_following": True,
    }
    assert listed["items"][1]["is_following"] is False and listed["next_cursor"] is None
    public = anon.call("GET", "/users/alice/followers").get_json()
    assert not any(u["is_following"] for u in public["items"])
    following = bob.call("GET", "/users/alice/following").get_json()
    assert [u["username"] for u in following["items"]] == ["carol"]
    assert following["items"][0]["is_following"] is False


def test_profile_posts_are_newest_first_with_the_viewers_state(alice, bob, anon):
    posts = [new_post(alice, f"post {i}") for i in range(3)]
    new_post(bob, "not alice's")
    bob.call("PUT", f"/posts/{posts[0]['id']}/reactions/like")
    listed = bob.call("GET", "/users/alice/posts").get_json()
    assert [p["id"] for p in listed["items"]] == [p["id"] for p in reversed(posts)]
    assert listed["items"][-1]["my_reactions"] == ["like"]
    assert anon.call("GET", "/users/alice/posts").get_json()["items"][-1]["my_reactions"] == []
