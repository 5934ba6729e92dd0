"""Reads of notifications."""

from __future__ import annotations

from functools import cache

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, or_, select

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import STAFF_TYPES, Notification
from app.pagination import Page, keyset_page
from app.safety.queries import hidden_ids


def _visible(user_id: int | BindParameter) -> ColumnElement[bool]:
    """Keep out notifications from people blocked either way (moderators' notices stay)."""
    return or_(
        Notification.type.in_(STAFF_TYPES),
        Notification.actor_id.not_in(hidden_ids(user_id, muted=False)),
    )


def notifications_page(user: User, *, limit: int, cursor: str | None = None) -> Page[Notification]:
    """Return the user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id, _visible(user.id))
    return keyset_page(query, key=(Notification.id,), limit=limit, cursor=cursor)


def unread_count(user: User) -> int:
    """Return how many notifications the user has not read."""
    return unread_count_of(user.id)


def unread_count_of(user_id: int) -> int:
    """Return how many notifications a user has not read, from the id alone (no user loaded)."""
    return db.session.scalar(_unread_statement(), {"user_id": user_id}) or 0


def unread_count_statement() -> Select:
    """Return the unread count's statement, its user bound as ``user_id`` (to combine it)."""
    return _unread_statement()


@cache
def _unread_statement() -> Select:
    # Built once: every socket counts on connect and after each notification, and building
    # the statement cost more than running it (bench/realtime.py profile, issue 13).
    user_id = bindparam("user_id")
    return (
        select(func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None), _visible(user_id))
    )
