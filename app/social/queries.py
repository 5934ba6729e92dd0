"""Reads of the social graph."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.pagination import Page, after_cursor, decode_cursor, encode_cursor
from app.safety.queries import not_hidden
from app.social.models import Follow


@dataclass
class Relation:
    """How the viewer and another user stand."""

    is_following: bool = False
    follows_you: bool = False


def relation(viewer: User | None, other: User) -> Relation:
    """Tell whether the viewer follows ``other`` and whether ``other`` follows back."""
    if viewer is None or viewer.id == other.id:
        return Relation()
    rows = db.session.execute(
        select(Follow.follower_id).where(
            ((Follow.follower_id == viewer.id) & (Follow.followee_id == other.id))
            | ((Follow.follower_id == other.id) & (Follow.followee_id == viewer.id))
        )
    ).all()
    ids = {row[0] for row in rows}
    return Relation(is_following=viewer.id in ids, follows_you=other.id in ids)


def following_ids(viewer: User | None, user_ids: list[int]) -> set[int]:
    """Return which of these users the viewer follows, in one query."""
    if viewer is None or not user_ids:
        return set()
    return set(
        db.session.scalars(
            select(Follow.followee_id).where(
                Follow.follower_id == viewer.id, Follow.followee_id.in_(user_ids)
            )
        )
    )


def _people(query, key_time, key_id, *, limit: int, cursor: str | None) -> Page[User]:
    after = decode_cursor(cursor, datetime, int)
    if after:
        query = query.where(after_cursor((key_time, key_id), after))
    rows = db.session.execute(query.order_by(key_time.desc(), key_id.desc()).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(rows[-1][1], rows[-1][0].id) if more and rows else None
    return Page([row[0] for row in rows], next_cursor)


def followers(
    user: User, *, limit: int, cursor: str | None, viewer: User | None = None
) -> Page[User]:
    """Return the people who follow ``user``, most recent first (none blocked from the viewer)."""
    query = (
        select(User, Follow.created_at)
        .join(Follow, Follow.follower_id == User.id)
        .where(Follow.followee_id == user.id, not_hidden(User.id, viewer, muted=False))
    )
    return _people(query, Follow.created_at, Follow.follower_id, limit=limit, cursor=cursor)


def following(
    user: User, *, limit: int, cursor: str | None, viewer: User | None = None
) -> Page[User]:
    """Return the people ``user`` follows, most recent first (none blocked from the viewer)."""
    query = (
        select(User, Follow.created_at)
        .join(Follow, Follow.followee_id == User.id)
        .where(Follow.follower_id == user.id, not_hidden(User.id, viewer, muted=False))
    )
    return _people(query, Follow.created_at, Follow.followee_id, limit=limit, cursor=cursor)


def followee_ids(user_id: int) -> list[int]:
    """Return the ids of the people a user follows."""
    return list(db.session.scalars(select(Follow.followee_id).where(Follow.follower_id == user_id)))


def follower_ids(user_id: int) -> list[int]:
    """Return the ids of a user's followers."""
    return list(db.session.scalars(select(Follow.follower_id).where(Follow.followee_id == user_id)))
