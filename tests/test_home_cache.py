"""The home feed's cached first page: whatever changes what I see shows on my next request.

Run on both databases: SQLite with this process's cache, PostgreSQL with Redis.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db
from app.posts.models import Post
from tests.conftest import api_as
from tests.live import free_port
from tests.test_api_queries import counting


def bodies(client, path: str = "/feed/home") -> list[str]:
    response = client.call("GET", path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [item["body"] for item in response.get_json()["items"]]


def age_posts(app) -> None:
    """Move every post an hour back, out of the window the freshness check looks at."""
    with app.app_context():
        for post in db.session.scalars(select(Post)):
            post.created_at -= timedelta(hours=1)
        db.session.commit()


@pytest.fixture
def people(app):
    reader, writer, other = api_as(app, "reader"), api_as(app, "writer"), api_as(app, "other")
    assert writer.call("POST", "/posts", {"body": "by writer"}).status_code == 201
    assert other.call("POST", "/posts", {"body": "by other"}).status_code == 201
    assert reader.call("PUT", "/users/writer/follow").status_code in (200, 204)
    return reader, writer, other


def test_a_follow_shows_their_posts_on_my_next_request(people):
    reader, _writer, _other = people
    assert bodies(reader) == ["by writer"]  # cached now
    assert reader.call("PUT", "/users/other/follow").status_code in (200, 204)
    assert bodies(reader) == ["by other", "by writer"]
    assert reader.call("DELETE", "/users/other/follow").status_code in (200, 204)
    assert bodies(reader) == ["by writer"]


def test_a_new_post_by_someone_i_follow_shows_at_once(app, people):
    reader, writer, other = people
    age_posts(app)  # the cached page is then older than the check's margin
    assert bodies(reader) == ["by writer"]
    assert bodies(reader) == ["by writer"]
    assert other.call("POST", "/posts", {"body": "not followed"}).status_code == 201
    assert writer.call("POST", "/posts", {"body": "news"}).status_code == 201
    assert bodies(reader) == ["news", "by writer"]
    assert reader.call("POST", "/posts", {"body": "mine"}).status_code == 201
    assert bodies(reader) == ["mine", "news", "by writer"]


def test_a_deleted_or_edited_post_is_never_served_from_the_cache(app, people):
    reader, writer, _other = people
    post_id = writer.call("POST", "/posts", {"body": "oops"}).get_json()["id"]
    age_posts(app)
    assert bodies(reader) == ["oops", "by writer"]
    assert writer.call("PATCH", f"/posts/{post_id}", {"body": "fixed"}).status_code == 200
    assert bodies(reader) == ["fixed", "by writer"]
    assert writer.call("DELETE", f"/posts/{post_id}").status_code == 204
    assert bodies(reader) == ["by writer"]


def test_muting_and_blocking_change_the_feed_both_ways(app, people):
    reader, writer, _other = people
    assert writer.call("PUT", "/users/reader/follow").status_code in (200, 204)
    assert reader.call("POST", "/posts", {"body": "by reader"}).status_code == 201
    age_posts(app)
    assert bodies(reader) == ["by reader", "by writer"]
    assert bodies(writer) == ["by reader", "by writer"]
    assert reader.call("PUT", "/users/writer/mute").status_code in (200, 204)
    assert bodies(reader) == ["by reader"]
    assert bodies(writer) == ["by reader", "by writer"]  # a mute hides one way only
    assert reader.call("DELETE", "/users/writer/mute").status_code in (200, 204)
    assert bodies(reader) == ["by reader", "by writer"]
    # The blocked person's feed changes too, not only the blocker's.
    assert writer.call("PUT", "/users/reader/block").status_code in (200, 204)
    assert bodies(reader) == ["by reader"]
    assert bodies(writer) == ["by writer"]


def test_my_reactions_and_bookmarks_are_always_fresh(app, people):
    reader, _writer, _other = people
    age_posts(app)
    first = reader.call("GET", "/feed/home").get_json()["items"][0]
    assert first["my_reactions"] == [] and first["bookmarked"] is False
    reader.call("PUT", f"/posts/{first['id']}/reactions/love")
    reader.call("PUT", f"/posts/{first['id']}/bookmark")
    again = reader.call("GET", "/feed/home").get_json()["items"][0]
    assert again["my_reactions"] == ["love"] and again["bookmarked"] is True
    assert again["reactions"]["love"] == 1


def test_a_warm_first_page_costs_fewer_statements_and_the_same_answer(app, people):
    reader, writer, _other = people
    for i in range(30):
        writer.call("POST", "/posts", {"body": f"post {i}"})
    age_posts(app)
    with counting(app) as cold:
        first = reader.call("GET", "/feed/home?limit=10")
    with counting(app) as warm:
        second = reader.call("GET", "/feed/home?limit=10")
    assert first.get_json() == second.get_json()
    assert len(first.get_json()["items"]) == 10
    # The token's user, then the ids, the posts and my reactions: one statement fewer warm.
    assert len(warm) == len(cold) - 1, (cold, warm)
    reader.call("GET", "/feed/home?limit=30")
    with counting(app) as warm_longer:
        longer = reader.call("GET", "/feed/home?limit=30").get_json()["items"]
    assert len(longer) == 30 and len(warm_longer) == len(warm)  # whatever the page's length
    cursor = second.get_json()["next_cursor"]
    rest = reader.call("GET", f"/feed/home?limit=10&cursor={cursor}").get_json()["items"]
    assert rest[0]["body"] == "post 19"


def test_a_first_page_older_than_the_prepared_look_back_is_read_again(app, people, monkeypatch):
    from app.feeds import queries

    reader, writer, _other = people
    for i in range(12):
        writer.call("POST", "/posts", {"body": f"post {i}"})
    age_posts(app)
    reader.call("GET", "/feed/home?limit=10")
    with counting(app) as warm:
        reader.call("GET", "/feed/home?limit=10")
    # The freshness check's prepared statement only looks back RECENT: an entry older than
    # half of it is not trusted, and the ids are found again (one statement more).
    monkeypatch.setattr(queries, "RECENT", timedelta(0))
    with counting(app) as past_look_back:
        again = reader.call("GET", "/feed/home?limit=10").get_json()["items"]
    assert len(past_look_back) == len(warm) + 1, (warm, past_look_back)
    assert [item["body"] for item in again][:2] == ["post 11", "post 10"]


@pytest.fixture
def no_redis(other_app, tmp_path):
    """An app on its own SQLite file whose Redis (cache included) is down."""
    from flask_migrate import upgrade

    app = other_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/redisless.sqlite",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        RATELIMIT_STORAGE_URI=None,
    )
    with app.app_context():
        upgrade()
    return app


def test_without_redis_the_feed_is_read_from_the_database(no_redis):
    reader, writer = api_as(no_redis, "reader"), api_as(no_redis, "writer")
    assert writer.call("POST", "/posts", {"body": "by writer"}).status_code == 201
    assert bodies(reader) == []
    assert reader.call("PUT", "/users/writer/follow").status_code in (200, 204)
    assert bodies(reader) == ["by writer"]
    assert writer.call("POST", "/posts", {"body": "again"}).status_code == 201
    assert bodies(reader) == ["again", "by writer"]


def test_the_home_feed_checks_its_token_on_every_request(app, people):
    """The light token check (no user loaded) still ends a sign-in at once and refuses 403."""
    from app.accounts.models import User, UserSession

    reader, _writer, _other = people
    assert bodies(reader) == ["by writer"]  # its ids are cached now
    with counting(app) as statements:
        assert bodies(reader) == ["by writer"]
    # The page's statement checks the sign-in too (no user object, no two-factor row).
    assert len(statements) == 1, statements
    assert "totp_credentials" not in statements[0] and "user_sessions" in statements[0]
    with app.app_context():
        reader_id = db.session.scalar(select(User.id).where(User.username == "reader"))
        db.session.get(User, reader_id).suspended = True
        db.session.commit()
    response = reader.call("GET", "/feed/home")
    assert response.status_code == 403, response.get_data(as_text=True)
    with app.app_context():
        db.session.get(User, reader_id).suspended = False
        db.session.commit()
    assert bodies(reader) == ["by writer"]
    with app.app_context():
        db.session.execute(UserSession.__table__.delete().where(UserSession.user_id == reader_id))
        db.session.commit()
    assert reader.call("GET", "/feed/home").status_code == 401  # ended: the very next request
    assert reader.call("GET", "/feed/home?limit=7").status_code == 401  # not cached: read anew
    assert reader.call("GET", "/feed/home?cursor=bad").status_code == 401  # not a 400
    reader.access_token = "not-a-token"
    assert reader.call("GET", "/feed/home").status_code == 401


def test_an_empty_home_feed_still_checks_its_token(app):
    """No post to read means no statement to check the sign-in in: it is checked alone."""
    from app.accounts.models import User, UserSession

    lonely = api_as(app, "lonely")
    with counting(app) as statements:
        assert bodies(lonely) == []
    assert any("user_sessions" in statement for statement in statements)
    with app.app_context():
        lonely_id = db.session.scalar(select(User.id).where(User.username == "lonely"))
        db.session.execute(UserSession.__table__.delete().where(UserSession.user_id == lonely_id))
        db.session.commit()
    assert lonely.call("GET", "/feed/home").status_code == 401


def test_the_home_feed_writes_what_the_postlist_payload_writes(app, people):
    """The home feed's rows are written without pydantic: the same JSON as ``PostList``."""
    from flask import json

    from app.accounts.models import User
    from app.api.feeds import post_list_response
    from app.feeds import queries
    from app.posts.payloads import post_list_json, post_page

    reader, writer, _other = people
    body = "Ünïcode #tagged ![a](https://example.com/p.png) and **bold** 🦀"
    made = writer.call("POST", "/posts", {"body": body, "tags": ["extra"]}).get_json()
    edit = writer.call("PATCH", f"/posts/{made['id']}", {"body": body + " edited"})
    assert edit.status_code == 200
    reader.call("PUT", f"/posts/{made['id']}/reactions/love")
    reader.call("PUT", f"/posts/{made['id']}/bookmark")
    for i in range(3):
        writer.call("POST", "/posts", {"body": f"filler {i}"})
    with app.test_request_context():
        me = db.session.scalar(select(User).where(User.username == "reader"))
        for cursor in (None, queries.home(user=me, limit=2, cursor=None).next_cursor):
            page = queries.home(user=me, limit=2, cursor=cursor)
            fast = post_list_json(page)
            slow = post_page(page).model_dump(mode="json", exclude_unset=True)
            assert json.dumps(fast) == json.dumps(slow)
            # The kept JSON of each post, with this reader's part written in: the same bytes,
            # whether the posts' JSON was kept already or not.
            for _kept in (False, True):
                written = post_list_response(page).get_data()
                assert written == app.json.response(fast).get_data()
        page = queries.home(user=me, limit=20, cursor=None)
        edited = next(item for item in post_list_json(page)["items"] if item["id"] == made["id"])
        assert edited["edited_at"] and edited["my_reactions"] == ["love"] and edited["bookmarked"]
        assert "/img/" in edited["body_html"] and edited["author"]["avatar_url"]
    assert reader.call("GET", "/feed/home").get_json()["items"][0]["id"] > made["id"]
