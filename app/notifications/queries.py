"""Reads of notifications."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    Row,
    Select,
    bindparam,
    func,
    literal,
    or_,
    select,
)

from app.accounts.models import User
from app.dbsetup import PREPARED
from app.extensions import db
from app.notifications.models import (
    CONFIGURABLE_TYPES,
    STAFF_TYPES,
    DigestSetting,
    Notification,
    NotificationSetting,
)
from app.pagination import Page, after_cursor, cut_page, decode_cursor
from app.safety.queries import hidden_ids


def _visible(user_id: int | BindParameter) -> ColumnElement[bool]:
    """Keep out notifications from people blocked either way (moderators' notices stay)."""
    return or_(
        # Each type its own bound value: a list is an "expanding" IN, rendered anew into the
        # statement's text on every run (every signed-in page reads its badge with this).
        Notification.type.in_([literal(kind) for kind in STAFF_TYPES]),
        Notification.actor_id.not_in(hidden_ids(user_id, muted=False)),
    )


@dataclass(frozen=True, slots=True)
class ActorRow:
    """What a notification shows of its actor, read as plain columns."""

    username: str
    display_name: str | None
    avatar_url: str | None


@dataclass(frozen=True, slots=True)
class NotificationItem:
    """A notification read as plain columns: what ``notification_payload`` reads."""

    id: int
    type: str
    actor_id: int
    actor: ActorRow
    post_id: int | None
    comment_id: int | None
    conversation_id: int | None
    target_type: str | None
    reason: str | None
    created_at: datetime
    read_at: datetime | None


def notifications_page(
    user: User, *, limit: int, cursor: str | None = None
) -> Page[NotificationItem]:
    """Return the user's notifications, newest first, as plain rows.

    One statement built once (each request binds its values): ORM notifications and their
    actors, and building the statement, were half the notifications page's CPU
    (bench/pages.py).
    """
    after = decode_cursor(cursor, int)
    values: dict[str, object] = {"user_id": user.id, "page": limit + 1}
    if after:
        values["after_id"] = after[0]
    rows = db.session.execute(_page_statement(bool(after)), values).all()
    page = cut_page(rows, limit=limit, key=lambda row: (row.id,))
    return page.with_items([_item(row) for row in page.items])


def _item(row: Row) -> NotificationItem:
    actor = ActorRow(row.username, row.display_name, row.avatar_url)
    return NotificationItem(
        row.id,
        row.type,
        row.actor_id,
        actor,
        row.post_id,
        row.comment_id,
        row.conversation_id,
        row.target_type,
        row.reason,
        row.created_at,
        row.read_at,
    )


@cache
def _page_statement(with_cursor: bool) -> Select:
    user_id = bindparam("user_id", type_=Integer)
    statement = (
        select(
            Notification.id,
            Notification.type,
            Notification.actor_id,
            Notification.post_id,
            Notification.comment_id,
            Notification.conversation_id,
            Notification.target_type,
            Notification.reason,
            Notification.created_at,
            Notification.read_at,
            User.username,
            User.display_name,
            User.avatar_url,
        )
        .join(User, User.id == Notification.actor_id)
        .where(Notification.user_id == user_id, _visible(user_id))
    )
    if with_cursor:
        statement = statement.where(
            after_cursor((Notification.id,), (bindparam("after_id", type_=Integer),))
        )
    return (
        statement.order_by(Notification.id.desc())
        .limit(bindparam("page", type_=Integer))
        .execution_options(**PREPARED)
    )


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
