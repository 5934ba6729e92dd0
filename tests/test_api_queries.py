"""Every list loads what it shows in a fixed number of queries, whatever its length (no N+1)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.accounts.models import User
from app.extensions import db
from app.posts import services
from app.social import services as social
from tests.conftest import api_as, make_user, refresh_trending

# The bearer token's user, the page, its tags, the viewer's reactions and bookmarks, and the
# one lookup some lists need first (the tag, the profile's owner, the trending snapshot).
# The token's user, the profile owner and the block check, then posts, tags, reactions, bookmarks.
MOST_QUERIES = 7


@contextmanager
def counting(app) -> Iterator[list[str]]:
    """Record every statement this thread sends to the database meanwhile."""
    statements: list[str] = []
    # Only this thread's: a server or socket thread an earlier test left may query meanwhile.
    thread = threading.get_ident()

    def record(_conn, _cursor, statement, *_args) -> None:
        if threading.get_ident() == thread:
            statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def busy(app):
    """Fifty posts by a writer the reader follows, each tagged, reacted to, saved, discussed."""
    reader = api_as(app, "reader")
    writer = api_as(app, "writer")
    with app.test_request_context():
        me = db.session.get(User, make_user(app, "third"))
        author = db.session.scalar(db.select(User).filter_by(username="writer"))
        viewer = db.session.scalar(db.select(User).filter_by(username="reader"))
        social.follow(follower=viewer, username="writer")
        first = None
        for i in range(50):
            post = services.create_post(
                author=author, body=f"python note {i} #python", tags=[f"t{i % 4}"]
            )
            first = first or post.id
            for kind in ("like", "love"):
                services.react(post_id=post.id, user=viewer, kind=kind)
            services.bookmark(post_id=post.id, user=viewer)
            services.add_comment(post_id=first, author=me, body=f"comment {i}")
    return {"reader": reader, "writer": writer, "first": first}


ROUTES = [
    ("reader", "/feed/latest"),
    ("reader", "/feed/home"),
    ("reader", "/feed/trending"),
    ("reader", "/tags/python/posts"),
    ("reader", "/bookmarks"),
    ("reader", "/users/writer/posts"),
    ("reader", "/search?q=python"),
    ("reader", "/posts/{first}/comments"),
    ("writer", "/notifications"),
]


def test_five_items_and_fifty_cost_the_same_queries(app, busy):
    refresh_trending(app)
    costs: dict[str, dict[int, int]] = {}
    for who, path in ROUTES:
        client = busy[who]
        path = path.format(first=busy["first"])
        sep = "&" if "?" in path else "?"
        client.call("GET", f"{path}{sep}limit=1")  # warm up
        costs[path] = {}
        for limit in (5, 50):
            with counting(app) as statements:
                response = client.call("GET", f"{path}{sep}limit={limit}")
            assert response.status_code == 200, path
            items = response.get_json()["items"]
            assert len(items) == limit, path
            if "reactions" in items[0]:
                assert all(item["my_reactions"] == ["like", "love"] for item in items), path
                assert all(item["bookmarked"] and item["tags"] for item in items), path
            costs[path][limit] = len(statements)
    assert all(cost[5] == cost[50] <= MOST_QUERIES for cost in costs.values()), str(costs)
