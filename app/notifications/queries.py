"""Reads of notifications."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import Notification
from app.pagination import Page, decode_cursor, encode_cursor


def notifications_page(user: User, *, limit: int, cursor: str | None = None) -> Page[Notification]:
    """Return the user's notifications, newest first."""
    query = select(Notification).where(Notification.user_id == user.id)
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
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )
