"""Reads of notifications."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import STAFF_TYPES, Notification
from app.pagination import Page, decode_cursor, encode_cursor
from app.safety.queries import not_hidden


def _visible(user: User) -> ColumnElement[bool]:
    """Keep out notifications from people blocked either way (moderators' notices stay)."""
    return or_(
        Notification.type.in_(STAFF_TYPES),
        not_hidden(Notification.actor_id, user, muted=False),
    )


def notifications_page(user: User, *, limit: int, cursor: str | None = None) -> Page[Notification]:
    """Return the user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id, _visible(user))
    after = decode_cursor(cursor, int)
    if after:
        query = query.where(Notification.id < after[0])
    rows = list(db.session.scalars(query.order_by(Notification.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, encode_cursor(rows[-1].id) if more and rows else None)


def unread_count(user: User) -> int:
    """Return how many notifications the user has not read."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None), _visible(user))
        )
        or 0
    )
