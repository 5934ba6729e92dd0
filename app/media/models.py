"""Uploaded pictures and avatars, and which posts show them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

KINDS = ("picture", "avatar")
ALT_MAX = 500


class Media(db.Model):
    """One upload: its files are named ``<key>[-<size>].<ext>`` (content hash, never the name)."""

    __tablename__ = "media"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    # SHA-256 of the main file. Two identical uploads share their files (and this key).
    key: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    ext: Mapped[str] = mapped_column(String(4), nullable=False)
    width: Mapped[int] = mapped_column(Integer, nullable=False)
    height: Mapped[int] = mapped_column(Integer, nullable=False)
    # The feed-sized copy (pictures larger than it only); 0 when there is none.
    small_width: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    small_height: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # Every file of this upload together: what the owner's quota counts.
    bytes: Mapped[int] = mapped_column(Integer, nullable=False)
    alt: Mapped[str] = mapped_column(String(ALT_MAX), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # Removed by a moderator: the files are gone, the row stays for the audit and the
    # "picture removed" placeholder.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    removed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), nullable=True
    )

    owner: Mapped[User] = relationship(foreign_keys=[owner_id], lazy="joined", innerjoin=True)

    __table_args__ = (
        CheckConstraint("kind IN ('picture', 'avatar')", name="kind"),
        Index("ix_media_owner_id_created_at", "owner_id", "created_at"),
        Index("ix_media_created_at_id", "created_at", "id"),
    )

    @property
    def name(self) -> str:
        """Return the main file's name (an avatar's is its 400 px square)."""
        suffix = "-400" if self.kind == "avatar" else ""
        return f"{self.key}{suffix}.{self.ext}"

    @property
    def url(self) -> str:
        """Return the main file's address."""
        return f"/media/{self.name}"

    def file_names(self) -> list[str]:
        """Return the names of every file this upload stored."""
        if self.kind == "avatar":
            return [f"{self.key}-{side}.{self.ext}" for side in (400, 96, 40)]
        names = [f"{self.key}.{self.ext}", f"{self.key}.webp"]
        if self.small_width:
            side = max(self.small_width, self.small_height)
            names += [f"{self.key}-{side}.{self.ext}", f"{self.key}-{side}.webp"]
        return names


class PostMedia(db.Model):
    """A post shows (or links to) an uploaded picture: it is kept while a post refers to it."""

    __tablename__ = "post_media"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True
    )
    media_id: Mapped[int] = mapped_column(
        ForeignKey("media.id", ondelete="CASCADE"), primary_key=True, index=True
    )
