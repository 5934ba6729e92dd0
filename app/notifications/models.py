"""Notifications: stored first, so a reconnecting client can catch up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

NOTIFICATION_TYPES = ("follow", "reaction", "comment", "reply", "mention", "message", "removed")
# Notices from the moderators: they reach people whatever they blocked.
STAFF_TYPES = ("removed",)


class Notification(db.Model):
    """Something that happened to ``user`` because of ``actor``."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    type: Mapped[str] = mapped_column(String(20), nullable=False)
    actor_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), nullable=True, index=True
    )
    comment_id: Mapped[int | None] = mapped_column(
        ForeignKey("comments.id", ondelete="CASCADE"), nullable=True, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # A "removed" notice: what was removed (post, comment, content) and the moderator's reason.
    target_type: Mapped[str | None] = mapped_column(String(20), nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    actor: Mapped[User] = relationship(foreign_keys=[actor_id], lazy="joined", innerjoin=True)

    __table_args__ = (
        Index("ix_notifications_user_id_id", "user_id", "id"),
        Index(
            "ix_notifications_unread",
            "user_id",
            postgresql_where=text("read_at IS NULL"),
            sqlite_where=text("read_at IS NULL"),
        ),
        # One reaction notification per person per post, however often they toggle.
        Index(
            "uq_notifications_reaction_once",
            "user_id",
            "actor_id",
            "post_id",
            unique=True,
            postgresql_where=text("type = 'reaction'"),
            sqlite_where=text("type = 'reaction'"),
        ),
    )


# The types a person may turn off: everything but the moderators' notices.
CONFIGURABLE_TYPES = tuple(t for t in NOTIFICATION_TYPES if t not in STAFF_TYPES)
DIGEST_CHOICES = ("off", "daily", "weekly")


class NotificationSetting(db.Model):
    """How ``user`` wants one type of notification: on the site, by mail. No row: the defaults."""

    __tablename__ = "notification_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    type: Mapped[str] = mapped_column(String(20), primary_key=True)
    web: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    email: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)


class DigestSetting(db.Model):
    """Whether ``user`` gets a digest mail, how often, and when the last one was sent."""

    __tablename__ = "digest_settings"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    digest: Mapped[str] = mapped_column(String(10), nullable=False, default="off")
    last_digest_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint("digest IN ('off', 'daily', 'weekly')", name="digest_choice"),
        # The digest job walks the people of one frequency by id.
        Index("ix_digest_settings_digest_user_id", "digest", "user_id"),
    )
