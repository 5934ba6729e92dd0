"""Reads of notifications."""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, or_, select

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import STAFF_TYPES, Notification
from app.pagination import Page, keyset_page
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
    return keyset_page(query, key=(Notification.id,), limit=limit, cursor=cursor)


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
