"""Cursors: opaque, checked, and compared in UTC whatever the database session's time zone."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import text

from app.accounts.models import User
from app.errors import BadRequest
from app.extensions import db
from app.feeds import queries as feeds
from app.pagination import decode_cursor, encode_cursor
from app.posts import services
from app.posts.models import Post
from app.timeutil import utcnow
from tests.conftest import make_user


@pytest.mark.parametrize(
    ("values", "kinds"),
    [
        ((2**31,), (int,)),
        ((-(2**31) - 1,), (int,)),
        ((10**20,), (int,)),
        (("0001-01-01T00:00:00+05:00", 1), ("datetime", int)),
        (("not a time", 1), ("datetime", int)),
        ((True,), (int,)),
        (("1",), (int,)),
    ],
)
def test_cursors_a_database_could_not_compare_are_400(ctx, values, kinds):
    from datetime import datetime

    kinds = tuple(datetime if k == "datetime" else k for k in kinds)
    with pytest.raises(BadRequest):
        decode_cursor(encode_cursor(*values), *kinds)


@pytest.mark.parametrize("raw", [b"[" * 1000 + b"]" * 1000, b"[" * 40 + b"1" + b"]" * 40])
def test_deeply_nested_cursors_are_400(ctx, raw):
    cursor = base64.urlsafe_b64encode(raw).decode()
    with pytest.raises(BadRequest):
        decode_cursor(cursor, int)


def test_deeply_nested_cursor_on_an_api_route_is_400(client):
    cursor = base64.urlsafe_b64encode(b"[" * 1000 + b"]" * 1000).decode()
    response = client.get("/api/v1/feed/latest", query_string={"cursor": cursor})
    assert response.status_code == 400


def test_cursor_times_are_read_as_utc(ctx):
    from datetime import datetime

    (naive,) = decode_cursor(encode_cursor("2024-05-01T12:00:00"), datetime)
    (shifted,) = decode_cursor(encode_cursor("2024-05-01T14:00:00+02:00"), datetime)
    assert naive == shifted and naive.utcoffset() == timedelta(0)


@pytest.mark.redis_only  # the PostgreSQL + Redis run: only PostgreSQL has a session time zone
def test_walk_is_exact_when_the_session_time_zone_is_not_utc(app, ctx):
    author = db.session.get(User, make_user(app))
    base = utcnow() - timedelta(hours=1)
    for i in range(6):
        post = services.create_post(author=author, body=f"post {i}")
        post.created_at = base + timedelta(minutes=i)
    db.session.commit()
    # Tokyo is 9 hours ahead: a cursor time compared as timestamptz would skip or repeat posts.
    db.session.execute(text("SET LOCAL TIME ZONE 'Asia/Tokyo'"))
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        page = feeds.latest(limit=2, cursor=cursor, viewer=None)
        seen += [view.post.id for view in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == sorted((p.id for p in db.session.query(Post)), reverse=True)


def _walk(read_page, ident) -> list[int]:
    """Walk a list two items at a time and return the ids of what it showed, in order."""
    seen: list[int] = []
    cursor = None
    for _ in range(20):
        page = read_page(cursor)
        seen += [ident(item) for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    return seen


@pytest.mark.redis_only  # the PostgreSQL + Redis run: only PostgreSQL has a session time zone
def test_every_time_keyed_list_walks_exactly_in_another_session_time_zone(app, ctx):
    from app.admin import queries as admin
    from app.messaging import queries as messaging
    from app.messaging import services as messages
    from app.safety import queries as safety
    from app.safety import services as safety_services

    owner = db.session.get(User, make_user(app, "owner"))
    others = [db.session.get(User, make_user(app, f"other{i}")) for i in range(9)]
    for other in others[:3]:
        safety_services.block(blocker=owner, username=other.username)
    for other in others[3:6]:
        safety_services.mute(muter=owner, username=other.username)
    for other in others[6:]:
        messages.start_conversation(user=owner, username=other.username)
    db.session.commit()
    # Tokyo is 9 hours ahead: a cursor time compared as timestamptz would repeat items.
    db.session.execute(text("SET LOCAL TIME ZONE 'Asia/Tokyo'"))
    lists = {
        "blocked": (lambda c: safety.blocked_users(owner, limit=2, cursor=c), lambda u: u.id),
        "muted": (lambda c: safety.muted_users(owner, limit=2, cursor=c), lambda u: u.id),
        "conversations": (
            lambda c: messaging.conversations_page(owner, limit=2, cursor=c),
            lambda item: item.conversation.id,
        ),
        "accounts": (lambda c: admin.users_page(limit=2, cursor=c), lambda u: u.id),
    }
    walked = {name: _walk(read, ident) for name, (read, ident) in lists.items()}
    assert sorted(walked["blocked"]) == [o.id for o in others[:3]]
    assert sorted(walked["muted"]) == [o.id for o in others[3:6]]
    assert len(walked["conversations"]) == len(set(walked["conversations"])) == 3
    assert sorted(walked["accounts"]) == sorted([owner.id] + [o.id for o in others])
