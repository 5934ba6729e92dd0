"""Reads of the social graph."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import Select, bindparam, or_, select

from app.accounts import queries as accounts
from app.accounts.models import User
from app.errors import NotFound
from app.extensions import db
from app.pagination import Page, keyset_page
from app.safety.queries import blocked_by, not_hidden
from app.social.models import Follow


@dataclass
class Relation:
    """How the viewer and another user stand."""

    is_following: bool = False
    follows_you: bool = False


def user_or_404(username: str, *, viewer: User | None = None, deleting: bool = False) -> User:
    """Return the user with this username (any case); NotFound too if they blocked the viewer.

    An account being deleted is gone at once for everyone; ``deleting=True`` (the admin pages)
    still finds it during its grace period.
    """
    user = accounts.find_by_username(username)
    if user is not None and user.deletion_due_at is not None and not deleting:
        user = None
    if user is None or blocked_by(user.id, viewer):
        raise NotFound(_("No one here is called @%(name)s.", name=username))
    return user


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
    page = keyset_page(
        query,
        key=(key_time, key_id),
        limit=limit,
        cursor=cursor,
        row_key=lambda row: (row[1], row[0].id),
    )
    return page.with_items([row[0] for row in page.items])


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


def follow_ties(user_id: int) -> tuple[list[int], list[int]]:
    """Return whom a user follows and who follows them, in one query."""
    rows = db.session.execute(_ties_statement(), {"user_id": user_id})
    followed: list[int] = []
    followers: list[int] = []
    for follower, followee in rows:
        if follower == user_id:
            followed.append(followee)
        else:
            followers.append(follower)
    return followed, followers


@cache
def _ties_statement() -> Select:
    # Built once: every socket asks on connect (bench/realtime.py profile, issue 13).
    user_id = bindparam("user_id")
    return select(Follow.follower_id, Follow.followee_id).where(
        or_(Follow.follower_id == user_id, Follow.followee_id == user_id)
    )
