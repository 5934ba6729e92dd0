"""The audit log of staff actions, and the indexes the dashboard reads."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.accounts.models import User
from app.extensions import db
from app.posts.models import Comment, Reaction
from app.timeutil import UTCDateTime, utcnow

AUDIT_ACTIONS = (
    "user.suspend",
    "user.unsuspend",
    "user.role",
    "user.remove_content",
    "user.password_reset_mail",
    "post.remove",
    "comment.remove",
    "report.dismiss",
    "media.remove",
    # Written by the erasure job (app/yourdata), not by a person: actor_id is NULL.
    "user.erase",
)
AUDIT_TARGETS = ("user", "post", "comment", "report", "media")


class AuditEntry(db.Model):
    """One thing a moderator or admin did, kept for good."""

    __tablename__ = "admin_audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    # Copied, so the log still names the actor if the account is ever gone.
    actor_username: Mapped[str] = mapped_column(String(30), nullable=False)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    target_type: Mapped[str] = mapped_column(String(20), nullable=False)
    target_id: Mapped[int] = mapped_column(Integer, nullable=False)
    # The person the action concerned (the author of removed content), for "what happened to X".
    target_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )
    reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    __table_args__ = (
        Index("ix_admin_audit_log_actor_id", "actor_id", "id"),
        Index("ix_admin_audit_log_action", "action", "id"),
        Index("ix_admin_audit_log_target", "target_type", "target_id", "id"),
        Index("ix_admin_audit_log_target_user_id", "target_user_id", "id"),
    )


# The dashboard counts rows per day over the last 30 days: these keep that a range scan.
Index("ix_users_created_at", User.created_at)
Index("ix_comments_created_at", Comment.created_at)
Index("ix_reactions_created_at", Reaction.created_at)
