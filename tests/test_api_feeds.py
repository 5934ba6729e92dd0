"""The API's lists: feeds, tags, search, and what every list shares (limits, cursors, walks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.posts.models import Post, PostTag
from app.timeutil import utcnow
from tests.conftest import api_as, refresh_trending
from tests.test_api_auth import error_of
from tests.test_api_comments import comment
from tests.test_api_posts import POST_KEYS, new_post


@pytest.fixture
def alice(app):
    return api_as(app, "alice")


@pytest.fixture
def bob(app):
    return api_as(app, "bob")


def ids(items: list[dict]) -> list:
    return [item.get("id", item.get("username", item.get("name"))) for item in items]


def walk(client, path: str, *, limit: int = 2, between: Callable[[int], None] | None = None):
    """Follow ``next_cursor`` to the end; call ``between(page_number)`` after each page."""
    items: list[dict] = []
    cursor = None
    for number in range(200):
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        response = client.call("GET", url)
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        assert set(body) == {"items", "next_cursor"}
        assert len(body["items"]) <= limit
        items += body["items"]
        if between:
            between(number)
        cursor = body["next_cursor"]
        if cursor is None:
            return items
    raise AssertionError("the walk never ended")


def backdate(app, post_ids: list[int], when) -> None:
    """Give posts one creation time, so pages must break ties on the id."""
    with app.app_context():
        db.session.execute(update(Post).where(Post.id.in_(post_ids)).values(created_at=when))
        db.session.execute(
            update(PostTag).where(PostTag.post_id.in_(post_ids)).values(post_created_at=when)
        )
        db.session.commit()


@pytest.fixture
def world(app, alice, bob):
    """Alice follows Bob; both and Carol post (some at the same instant); Alice saves some."""
    carol = api_as(app, "carol")
    alice.call("PUT", "/users/bob/follow")
    posts: dict[str, list[int]] = {"alice": [], "bob": [], "carol": []}
    for i in range(4):
        for name, client in (("alice", alice), ("bob", bob), ("carol", carol)):
            post = new_post(client, f"{name} writes python note {i} #python #n{i}")
            posts[name].append(post["id"])
    # Seven posts share one timestamp: only the id can order them.
    backdate(app, posts["bob"][:3] + posts["carol"][:3] + posts["alice"][:1], utcnow())
    for post_id in posts["carol"] + posts["bob"][:2]:
        alice.call("PUT", f"/posts/{post_id}/bookmark")
    first = posts["bob"][0]
    for i in range(5):
        comment(carol if i % 2 else bob, first, f"comment {i}")
    for fan in ("dave", "erin", "fred"):
        api_as(app, fan).call("PUT", "/users/alice/follow")
    return {"alice": alice, "bob": bob, "carol": carol, "posts": posts, "commented": first}


def newest_first(app, query) -> list[int]:
    with app.app_context():
        rows = db.session.scalars(query.order_by(Post.created_at.desc(), Post.id.desc()))
        return list(rows)


LISTS = [
    "/feed/latest",
    "/feed/home",
    "/tags/python/posts",
    "/users/bob/posts",
    "/bookmarks",
    "/posts/{commented}/comments",
    "/notifications",
    "/search?q=python",
    "/users/alice/followers",
    "/search?q=n&type=tags",
]


@pytest.mark.parametrize("path", LISTS)
def test_walking_the_cursors_returns_every_item_once(world, path):
    alice = world["alice"]
    path = path.format(commented=world["commented"])
    whole = alice.call("GET", f"{path}{'&' if '?' in path else '?'}limit=100").get_json()
    assert whole["next_cursor"] is None and len(whole["items"]) >= 3
    for limit in (1, 2, 3):
        assert ids(walk(alice, path, limit=limit)) == ids(whole["items"])


def test_the_lists_hold_what_they_should(app, world):
    alice, posts = world["alice"], world["posts"]
    every = posts["alice"] + posts["bob"] + posts["carol"]
    latest = ids(walk(alice, "/feed/latest", limit=100))
    assert latest == newest_first(app, Post.__table__.select().with_only_columns(Post.id))
    assert sorted(latest) == sorted(every)
    home = ids(walk(alice, "/feed/home", limit=100))
    assert sorted(home) == sorted(posts["alice"] + posts["bob"])
    assert [i for i in latest if i in home] == home
    assert sorted(ids(walk(alice, "/users/bob/posts"))) == sorted(posts["bob"])
    assert sorted(ids(walk(alice, "/tags/n0/posts"))) == sorted(p[0] for p in posts.values())
    bookmarks = ids(walk(alice, "/bookmarks"))
    assert bookmarks == list(reversed(posts["carol"] + posts["bob"][:2]))
    comments = walk(alice, f"/posts/{world['commented']}/comments")
    assert [c["body"] for c in comments] == [f"comment {i}" for i in range(5)]


@pytest.mark.parametrize(
    "path",
    [
        "/feed/latest",
        "/feed/home",
        "/tags/python/posts",
        "/users/bob/posts",
        "/bookmarks",
        "/notifications",
        "/search?q=python",
    ],
)
def test_a_walk_is_exact_while_new_items_arrive(world, path):
    """New posts (and what they cause) during a walk neither repeat nor push out an item."""
    alice, bob = world["alice"], world["bob"]
    before = ids(walk(alice, path, limit=100))

    def meanwhile(page: int) -> None:
        # Each list gets a newer item: a post (feeds, tag, profile, search), a bookmark,
        # and a notification (Bob comments on one of Alice's posts).
        post = new_post(bob, f"breaking python news {page} #python")
        alice.call("PUT", f"/posts/{post['id']}/bookmark")
        comment(bob, world["posts"]["alice"][page % 4], f"reply {page}")

    walked = ids(walk(alice, path, limit=3, between=meanwhile))
    if path.startswith("/search"):
        # A new match may rank below the cursor and show up later: once, never twice.
        assert len(walked) == len(set(walked))
        assert [i for i in walked if i in before] == before
    else:
        assert walked == before


def test_a_comment_walk_is_exact_while_comments_arrive(world):
    alice, bob = world["alice"], world["bob"]
    path = f"/posts/{world['commented']}/comments"
    before = ids(walk(alice, path, limit=100))

    def meanwhile(page: int) -> None:
        comment(bob, world["commented"], f"late {page}")

    walked = walk(alice, path, limit=2, between=meanwhile)
    assert ids(walked)[: len(before)] == before
    assert len(ids(walked)) == len(set(ids(walked)))
    # Comments are oldest first, so those written during the walk come at its end.
    assert all(c["body"].startswith("late") for c in walked[len(before) :])


def test_trending_ranks_engagement_decayed_by_age(app, alice, bob, anon):
    old_quiet = new_post(alice, "old and quiet")
    old_busy = new_post(alice, "old but discussed")
    fresh = new_post(alice, "fresh")
    ancient = new_post(alice, "from last month")
    backdate(app, [old_quiet["id"], old_busy["id"]], utcnow() - timedelta(hours=3))
    backdate(app, [ancient["id"]], utcnow() - timedelta(days=30))
    for name in ("carol", "dave", "erin"):
        api_as(app, name).call("PUT", f"/posts/{old_busy['id']}/reactions/like")
    comment(bob, old_busy["id"], "so true")
    refresh_trending(app)
    listed = ids(anon.call("GET", "/feed/trending").get_json()["items"])
    # (1 + 3 + 2*1) / 5^1.8 beats 1 / 2^1.8; the quiet old post is last; a month is too old.
    assert listed == [old_busy["id"], fresh["id"], old_quiet["id"]]


def test_trending_is_empty_until_the_job_first_ranks_it(app, alice, anon):
    new_post(alice, "hello")
    assert anon.call("GET", "/feed/trending").get_json() == {"items": [], "next_cursor": None}
    refresh_trending(app)
    assert len(alice.call("GET", "/feed/trending").get_json()["items"]) == 1


def test_no_request_ranks_trending_even_when_the_ranking_is_old(app, alice, bob, anon):
    from app.posts.models import TrendingSnapshot

    first = new_post(alice, "old news")["id"]
    refresh_trending(app)
    with app.app_context():
        # The ranking is ten minutes old: the job stopped. Requests still only read it.
        db.session.execute(
            update(TrendingSnapshot).values(computed_at=utcnow() - timedelta(minutes=10))
        )
        db.session.commit()
    new_post(bob, "fresh")
    client = app.test_client()
    for call in (
        lambda: anon.call("GET", "/feed/trending"),
        lambda: bob.call("GET", "/feed/trending"),
        lambda: client.get("/trending"),
    ):
        assert call().status_code == 200
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(TrendingSnapshot)) == 1
    assert ids(anon.call("GET", "/feed/trending").get_json()["items"]) == [first]


def test_a_trending_walk_is_exact_while_reactions_change(app, alice, bob):
    posts = [new_post(alice, f"post {i}")["id"] for i in range(9)]
    refresh_trending(app)
    before = ids(walk(bob, "/feed/trending", limit=100))
    assert sorted(before) == sorted(posts)

    def meanwhile(page: int) -> None:
        # Push the lowest-ranked posts to the top, and add a new one.
        for post_id in before[-(page + 1) * 2 :]:
            bob.call("PUT", f"/posts/{post_id}/reactions/like")
            comment(bob, post_id, "up!")
        new_post(alice, f"new {page}")
        refresh_trending(app)  # a minute passes: the job ranks again

    assert ids(walk(bob, "/feed/trending", limit=2, between=meanwhile)) == before
    # A new walk sees the new ranking.
    assert ids(walk(bob, "/feed/trending", limit=100))[0] != before[0]


LIST_ROUTES = [
    "/feed/latest",
    "/feed/home",
    "/feed/trending",
    "/tags/python/posts",
    "/users/alice/posts",
    "/users/alice/followers",
    "/users/alice/following",
    "/bookmarks",
    "/posts/{post}/comments",
    "/notifications",
    "/search?q=python",
    "/search?q=ali&type=users",
    "/search?q=py&type=tags",
]


BAD_LIMITS = ["0", "101", "abc", "-1", "1.5", "%00", "99999999999999999999"]
BAD_CURSORS = [
    "garbage",
    "%00",
    "eyJhIjoxfQ",  # {"a":1}
    "WyJ4IiwieSJd",  # ["x","y"]
    "WzEsOTk5OTk5OTk5OTk5OTk5OTk5OTld",  # [1,99999999999999999999]: no int4 is that large
    "WzEuNSwyMTQ3NDgzNjQ4XQ",  # [1.5,2147483648]
    "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5XQ",  # [99999999999999999999]
    "WyIwMDAxLTAxLTAxVDAwOjAwOjAwKzA1OjAwIiwxXQ",  # year 1 at +05:00: before year 1 in UTC
]


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_a_limit_outside_1_to_100_is_422(alice, path):
    post = new_post(alice)
    path = path.format(post=post["id"])
    for limit in BAD_LIMITS:
        response = alice.call("GET", f"{path}{'&' if '?' in path else '?'}limit={limit}")
        assert response.status_code == 422, limit
        assert "limit" in error_of(response)["fields"]


@pytest.mark.parametrize("path", LIST_ROUTES)
def test_a_cursor_this_server_did_not_make_is_400(alice, path):
    post = new_post(alice)
    alice.call("PUT", f"/posts/{post['id']}/bookmark")
    path = path.format(post=post["id"])
    for cursor in BAD_CURSORS:
        response = alice.call("GET", f"{path}{'&' if '?' in path else '?'}cursor={cursor}")
        assert response.status_code == 400, (cursor, response.get_json())
        assert error_of(response)["code"] == "bad_request"


def test_default_limit_is_20(alice, anon):
    for i in range(21):
        new_post(alice, f"p{i}")
    body = anon.call("GET", "/feed/latest").get_json()
    assert len(body["items"]) == 20 and body["next_cursor"]
    assert set(body["items"][0]) == POST_KEYS


def test_home_feed_needs_a_token(anon):
    assert anon.call("GET", "/feed/home").status_code == 401


def test_public_lists_need_no_token(alice, anon):
    post = new_post(alice, "#python hi")
    for path in (
        "/feed/latest",
        "/feed/trending",
        "/tags/python/posts",
        "/users/alice/posts",
        "/users/alice/followers",
        "/users/alice/following",
        f"/posts/{post['id']}/comments",
        "/search?q=hi",
    ):
        assert anon.call("GET", path).status_code == 200, path


@pytest.mark.parametrize("tag", ["nosuchtag", "bad%20tag", "%00", "a" * 31, "%23python"])
def test_unknown_tag_is_404(alice, anon, tag):
    new_post(alice, "#python")
    response = anon.call("GET", f"/tags/{tag}/posts")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


def test_tag_names_ignore_case(alice, anon):
    post = new_post(alice, "#Python")
    assert ids(anon.call("GET", "/tags/PYTHON/posts").get_json()["items"]) == [post["id"]]
