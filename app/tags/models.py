"""Followed tags: a person follows a topic, and its posts join their home feed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import UTCDateTime, utcnow


class TagFollow(db.Model):
    """``user`` follows ``tag``."""

    __tablename__ = "tag_follows"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)

    # Who follows a tag: the live push of a new post with that tag reads it.
    __table_args__ = (Index("ix_tag_follows_tag_id", "tag_id", "user_id"),)
