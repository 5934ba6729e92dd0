"""Accounts: users and their refresh tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, validates

from app.accounts.rules import identity_key
from app.extensions import db
from app.timeutil import UTCDateTime, utcnow

ROLES = ("user", "moderator", "admin")


class User(UserMixin, db.Model):
    """A person with an account."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(30), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    # What sign-up and sign-in compare: rules.identity_key of the two above, kept in step by
    # the validators below (bulk writers that bypass the ORM fill them themselves).
    username_key: Mapped[str] = mapped_column(String(30), nullable=False)
    email_key: Mapped[str] = mapped_column(String(254), nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    display_name: Mapped[str] = mapped_column(String(50), nullable=False, default="")
    bio: Mapped[str] = mapped_column(Text, nullable=False, default="")
    location: Mapped[str] = mapped_column(String(80), nullable=False, default="")
    website: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    avatar_url: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="user")
    suspended: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    # Who may start a conversation: "everyone" or only people this user follows.
    dm_policy: Mapped[str] = mapped_column(String(20), nullable=False, default="everyone")
    # Bumped when every session must end (password change, "log out everywhere").
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    followers_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    following_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    posts_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("uq_users_username_key", username_key, unique=True),
        Index("uq_users_email_key", email_key, unique=True),
        # For people search by display name (app/search), not for identity.
        Index("ix_users_display_name_lower", func.lower(display_name)),
    )

    @validates("username")
    def _key_username(self, _field: str, value: str) -> str:
        """Keep ``username_key`` in step with every username written."""
        self.username_key = identity_key(value)
        return value

    @validates("email")
    def _key_email(self, _field: str, value: str) -> str:
        """Keep ``email_key`` in step with every email written."""
        self.email_key = identity_key(value)
        return value

    def get_id(self) -> str:
        """Return the session identity: id and session version, so old sessions stop working."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        """Suspended people cannot sign in."""
        return not self.suspended

    @property
    def name(self) -> str:
        """Return the name to show: the display name, else the username."""
        return self.display_name or self.username

    @property
    def is_staff(self) -> bool:
        """Tell whether this user moderates (moderator or admin)."""
        return self.role in ("moderator", "admin")

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class RefreshToken(db.Model):
    """One issued refresh token, kept only as its SHA-256; tokens of one login share a family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    family_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
