"""Accounts: users, their sign-ins (sessions) and refresh tokens."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, func
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

    # The sign-in this object was loaded for in this request: the browser session's identity
    # (user id and secret, what the cookies carry) and the id of its record, or the access
    # token's session id. Set by app/accounts/sessions.py; never stored.
    # (Plain attributes without annotations: the ORM maps every annotated one.)
    session_identity = None  # str | None
    current_session_id = None  # int | None

    def get_id(self) -> str | None:
        """Return the identity the session and remember cookies carry: it names one record."""
        return self.session_identity

    def __eq__(self, other: object) -> bool:
        """Compare accounts, not sign-ins (UserMixin would compare the cookie identities)."""
        if isinstance(other, User):
            return self is other or (self.id is not None and self.id == other.id)
        return NotImplemented

    __hash__ = object.__hash__

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


class UserSession(db.Model):
    """One sign-in: a browser session (named by its cookies) or an API refresh-token family.

    Deleting the row ends the sign-in at once: the cookies and access tokens that name it stop
    working, and its refresh tokens go with it (ON DELETE CASCADE).
    """

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    # SHA-256 of the secret in a browser's cookies; API sign-ins are named by id in the token.
    key_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    # "Keep me signed in": no idle timeout, only the absolute lifetime.
    remember: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    user_agent: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    ip_address: Mapped[str] = mapped_column(String(45), nullable=False, default="")

    __table_args__ = (
        CheckConstraint("kind IN ('browser', 'api')", name="kind"),
        Index("ix_user_sessions_user_id", "user_id", "id"),
    )


class RefreshToken(db.Model):
    """One issued refresh token, kept only as its SHA-256; tokens of one login share a family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    family_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    # The sign-in this family belongs to; NULL only for tokens issued before sessions existed
    # (they get one at their next rotation).
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_sessions.id", ondelete="CASCADE"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
