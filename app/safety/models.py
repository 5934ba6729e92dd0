"""Blocks, mutes and reports."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

REPORT_TARGETS = ("post", "comment", "user")
REPORT_REASONS = ("spam", "abuse", "off_topic", "other")
# "open" until a moderator acts; the other states say how the report was closed.
REPORT_STATUSES = ("open", "dismissed", "removed", "suspended")
# Ids are PostgreSQL integers: a larger one cannot exist (and must not reach the database).
ID_MAX = 2**31 - 1
# The longest note a report may carry.
NOTE_MAX = 1000


class Block(db.Model):
    """``blocker`` blocked ``blocked``: neither reaches nor sees the other."""

    __tablename__ = "blocks"

    blocker_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[blocked_id], lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
        # The list in settings and /me/blocks, newest first.
        Index("ix_blocks_blocker_created", "blocker_id", "created_at", "blocked_id"),
        # "Who blocked me": the other half of every "either way" check.
        Index("ix_blocks_blocked_id", "blocked_id", "blocker_id"),
    )


class Mute(db.Model):
    """``muter`` muted ``muted``: their posts leave the muter's feeds, nothing else."""

    __tablename__ = "mutes"

    muter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    muted_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[muted_id], lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("muter_id <> muted_id", name="not_self"),
        Index("ix_mutes_muter_created", "muter_id", "created_at", "muted_id"),
    )


class Report(db.Model):
    """Someone flagged a post, a comment or a person for the moderators."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reporter_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    target_type: Mapped[str] = mapped_column(String(10), nullable=False)
    # No foreign key: the report (and its audit trail) outlives removed content.
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # Who the report is about: the author of the post or comment, or the person reported.
    target_user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    reason: Mapped[str] = mapped_column(String(20), nullable=False)
    note: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id], lazy="joined")

    __table_args__ = (
        CheckConstraint("target_type IN ('post', 'comment', 'user')", name="target_type"),
        CheckConstraint("reason IN ('spam', 'abuse', 'off_topic', 'other')", name="reason"),
        CheckConstraint("status IN ('open', 'dismissed', 'removed', 'suspended')", name="status"),
        # One open report per reporter and target; a closed one may be filed again.
        Index(
            "uq_reports_open_once",
            "reporter_id",
            "target_type",
            "target_id",
            unique=True,
            postgresql_where=text("status = 'open'"),
            sqlite_where=text("status = 'open'"),
        ),
        # The moderation queue: open reports grouped by target.
        Index("ix_reports_status_target", "status", "target_type", "target_id", "id"),
        # Reports against one person (the admin user page).
        Index("ix_reports_target_user_id", "target_user_id", "id"),
    )
