"""Reads of the social graph."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Integer, Select, bindparam, exists, or_, select

from app.accounts import queries as accounts
from app.accounts.models import User
from app.dbsetup import PREPARED
from app.errors import NotFound
from app.extensions import db
from app.pagination import Page, keyset_page
from app.safety.queries import Standing, blocked_by, not_hidden, standing_columns, standing_from
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


@dataclass
class Profile:
    """A profile's person as one viewer sees them: how they follow and stand with each other."""

    user: User
    relation: Relation
    standing: Standing


def profile_or_404(username: str, *, viewer: User | None) -> Profile:
    """Return the person named ``username`` (any case) with the viewer's relation and standing.

    One statement (the person, then a primary-key probe per relation): the profile page read
    them in five. NotFound as ``user_or_404``: no such person, being deleted, or they blocked
    the viewer.
    """
    key = accounts.username_key(username)
    row = None
    if key is not None:
        values: dict[str, object] = {"username_key": key}
        if viewer is not None:
            values["viewer_id"] = viewer.id
        row = db.session.execute(_profile_statement(viewer is not None), values).first()
    user = row[0] if row is not None else None
    if user is None or user.deletion_due_at is not None:
        raise NotFound(_("No one here is called @%(name)s.", name=username))
    if viewer is None or viewer.id == user.id:
        return Profile(user, Relation(), Standing())
    standing = standing_from(row)
    if standing.blocked_by:
        raise NotFound(_("No one here is called @%(name)s.", name=username))
    relation = Relation(is_following=bool(row.is_following), follows_you=bool(row.follows_you))
    return Profile(user, relation, standing)


@cache
def _profile_statement(with_viewer: bool) -> Select:
    # Built once: building a statement costs more CPU than PostgreSQL's probes (bench/pages.py).
    statement = (
        select(User)
        .where(User.username_key == bindparam("username_key"))
        .execution_options(**PREPARED)
    )
    if not with_viewer:
        return statement
    viewer_id = bindparam("viewer_id", type_=Integer)
    return statement.add_columns(
        *relation_columns(viewer_id, User.id), *standing_columns(viewer_id, User.id)
    )


def relation_columns(
    viewer_id: ColumnElement[int], other_id: ColumnElement[int]
) -> tuple[ColumnElement[bool], ...]:
    """Return whether the viewer follows ``other_id`` and back, as columns of another statement."""
    return (
        exists()
        .where(Follow.follower_id == viewer_id, Follow.followee_id == other_id)
        .label("is_following"),
        exists()
        .where(Follow.follower_id == other_id, Follow.followee_id == viewer_id)
        .label("follows_you"),
    )


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
