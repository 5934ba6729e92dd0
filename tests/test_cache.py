"""The shared cache: anonymous feed pages are cached and a post write makes them fresh again."""

from __future__ import annotations

from app import cache
from tests.conftest import make_user


def test_anonymous_latest_is_cached_and_a_new_post_invalidates_it(app, client, api):
    make_user(app, "alice")
    api.login()
    api.call("POST", "/posts", {"body": "first"})
    assert [p["body"] for p in client.get("/api/v1/feed/latest").get_json()["items"]] == ["first"]
    api.call("POST", "/posts", {"body": "second"})
    # The write bumped the namespace: the anonymous page is fresh at once, not after the TTL.
    bodies = [p["body"] for p in client.get("/api/v1/feed/latest").get_json()["items"]]
    assert bodies == ["second", "first"]
    post_id = client.get("/api/v1/feed/latest").get_json()["items"][0]["id"]
    api.call("PUT", f"/posts/{post_id}/reactions/like")
    first = client.get("/api/v1/feed/latest").get_json()["items"][0]
    assert first["reactions"]["like"] == 1


def test_cached_values_are_served_until_bumped(app):
    calls = []

    def produce():
        calls.append(1)
        return {"n": len(calls)}

    with app.app_context():
        cache.bump("test-ns")
        assert cache.get_or_set("test-ns", "k", 30, produce) == {"n": 1}
        assert cache.get_or_set("test-ns", "k", 30, produce) == {"n": 1}
        cache.bump("test-ns")
        assert cache.get_or_set("test-ns", "k", 30, produce) == {"n": 2}


def test_a_rolled_back_write_bumps_nothing(app):
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        before = cache.version("posts")
        db.session.execute(text("SELECT 1"))  # a transaction is under way
        cache.touch(db.session, "posts")
        db.session.rollback()
        db.session.commit()
        assert cache.version("posts") == before


def test_signed_in_readers_are_never_served_from_the_shared_cache(app, client, api):
    make_user(app, "alice")
    api.login()
    post_id = api.call("POST", "/posts", {"body": "mine"}).get_json()["id"]
    client.get("/api/v1/feed/latest")  # cache the anonymous view
    api.call("PUT", f"/posts/{post_id}/bookmark")
    mine = api.call("GET", "/feed/latest").get_json()["items"][0]
    assert mine["bookmarked"] is True and mine["my_reactions"] == []
