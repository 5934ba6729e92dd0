"""Notifications: stored first, so a reconnecting client can catch up."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, text
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
