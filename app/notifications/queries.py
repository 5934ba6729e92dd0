"""Reads of notifications."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, func, or_, select

from app.accounts.models import User
from app.extensions import db
from app.notifications.models import (
    CONFIGURABLE_TYPES,
    STAFF_TYPES,
    DigestSetting,
    Notification,
    NotificationSetting,
)
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


@dataclass(frozen=True)
class Settings:
    """How someone wants their notifications: per type (web, email), and the digest."""

    types: dict[str, tuple[bool, bool]]
    digest: str


DEFAULT_SETTING = (True, False)  # shown on the site, not mailed


def settings_of(user_id: int) -> Settings:
    """Return someone's notification settings, the defaults filled in (two statements)."""
    rows = db.session.execute(
        select(NotificationSetting.type, NotificationSetting.web, NotificationSetting.email).where(
            NotificationSetting.user_id == user_id
        )
    ).all()
    stored = {row.type: (row.web, row.email) for row in rows}
    digest = db.session.scalar(select(DigestSetting.digest).where(DigestSetting.user_id == user_id))
    return Settings(
        types={kind: stored.get(kind, DEFAULT_SETTING) for kind in CONFIGURABLE_TYPES},
        digest=digest or "off",
    )


def setting_for(user_id: int, type: str) -> tuple[bool, bool]:
    """Return (web, email) for one type of someone's notifications (a primary-key read)."""
    if type in STAFF_TYPES:
        return True, False  # the moderators' notices always reach the site
    row = db.session.get(NotificationSetting, (user_id, type))
    return (row.web, row.email) if row is not None else DEFAULT_SETTING
