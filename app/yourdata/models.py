"""Data exports: one zip per request, built by a job, downloaded by its owner until it expires."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

EXPORT_STATUSES = ("pending", "ready", "failed")


class DataExport(db.Model):
    """One request for a copy of an account's data, and the zip it became."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    status: Mapped[str] = mapped_column(String(10), nullable=False, default="pending")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when the zip is ready: after it, the file is removed and the export is gone.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The zip's name under EXPORT_DIR: random, so a name tells nothing and cannot be guessed.
    file_name: Mapped[str | None] = mapped_column(String(64), nullable=True)
    size: Mapped[int | None] = mapped_column(Integer, nullable=True)

    __table_args__ = (
        CheckConstraint("status IN ('pending', 'ready', 'failed')", name="status"),
        # "Your exports", newest first, and the one-at-a-time and per-day checks.
        Index("ix_data_exports_user_id_id", "user_id", "id"),
        # The periodic job that removes expired zips.
        Index("ix_data_exports_expires_at", "expires_at"),
    )
