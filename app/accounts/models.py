"""Accounts: users, sign-ins, refresh tokens, second factors and connected accounts."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

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
    # When the person followed a link mailed to their current address (NULL: not yet). A new
    # address is only written once its link is followed, so it starts verified.
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The address asked for and not confirmed yet (PATCH /me {email}); its link is in the mail.
    pending_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    # Account deletion (app/yourdata): asked for at ``deletion_requested_at``, erased by a job
    # once ``deletion_due_at`` has passed (ACCOUNT_DELETION_GRACE_DAYS later). From the request
    # on, the account is inactive: no sign-in, no profile. ``erased_at``: the row is a tombstone
    # without personal data, kept so that placeholders of replied comments and the audit log's
    # ids still point somewhere.
    deletion_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    deletion_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The pages' and mails' language (app/i18n.py SUPPORTED_LOCALES) and time zone (an IANA
    # name); NULL: not chosen, the browser's Accept-Language and time zone decide.
    locale: Mapped[str | None] = mapped_column(String(10), nullable=True)
    time_zone: Mapped[str | None] = mapped_column(String(64), nullable=True)

    __table_args__ = (
        # The periodic "deletions due" job reads only the few accounts waiting for erasure.
        Index(
            "ix_users_deletion_due_at",
            "deletion_due_at",
            postgresql_where=text("deletion_due_at IS NOT NULL AND erased_at IS NULL"),
            sqlite_where=text("deletion_due_at IS NOT NULL AND erased_at IS NULL"),
        ),
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

    # Two factors (app/accounts/mfa.py): the authenticator app's secret, set up or in set-up.
    totp: Mapped[TotpCredential | None] = relationship(lazy="select", viewonly=True)

    @property
    def two_factor(self) -> bool:
        """Tell whether signing in with a password also needs a code (TOTP confirmed)."""
        return self.totp is not None and self.totp.confirmed_at is not None

    @property
    def is_active(self) -> bool:
        """Suspended people, and accounts being deleted, cannot sign in."""
        return not self.suspended and self.deletion_due_at is None

    @property
    def pending_deletion(self) -> bool:
        """Tell whether the account asked to be deleted and is waiting for its erasure."""
        return self.deletion_due_at is not None and self.erased_at is None

    @property
    def has_password(self) -> bool:
        """Tell whether a password can sign this account in (not one made with GitHub alone)."""
        # An account made through a provider stores no hash at all: nothing can ever verify.
        return bool(self.password_hash)

    @property
    def email_verified(self) -> bool:
        """Tell whether the person proved they read mail at their address."""
        return self.email_verified_at is not None

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


class TotpCredential(db.Model):
    """A user's authenticator-app secret: pending until a first code confirms it.

    The secret is stored encrypted (app/accounts/secretbox.py), never in plain text.
    """

    __tablename__ = "totp_credentials"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    secret: Mapped[str] = mapped_column(String(200), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    # NULL while being set up: signing in does not ask for a code until a code confirmed it.
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The time step of the last code accepted: a code (or an older one) is never taken twice.
    last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # Wrong codes in a row; at MFA_MAX_FAILURES, codes are refused until locked_until.
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class RecoveryCode(db.Model):
    """One single-use recovery code, kept only as its SHA-256 (the code has 80 random bits)."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    code_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


CHALLENGE_PURPOSES = ("mfa", "passkey_register", "passkey_login")


class AuthChallenge(db.Model):
    """A short-lived, single-use step of a sign-in: a pending second factor or a WebAuthn challenge.

    Only the SHA-256 of its secret is stored: the ``mfa_token`` handed out after the password, or
    the WebAuthn challenge the authenticator signs.
    """

    __tablename__ = "auth_challenges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    # Who it is for (NULL for a passkey sign-in: the passkey will say who).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True, index=True
    )
    # "Keep me signed in", carried from the password step to the sign-in it completes.
    remember: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)

    __table_args__ = (
        CheckConstraint("purpose IN ('mfa', 'passkey_register', 'passkey_login')", name="purpose"),
    )


class Passkey(db.Model):
    """A WebAuthn credential registered by a user: signing in with it needs no password."""

    __tablename__ = "passkeys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    name: Mapped[str] = mapped_column(String(64), nullable=False)
    # base64url of the credential id (at most 1,023 bytes by the WebAuthn spec).
    credential_id: Mapped[str] = mapped_column(String(1400), nullable=False, unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)  # COSE_Key
    # An unsigned 32-bit counter, hence BigInteger.
    sign_count: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    # WebAuthn's user.id for this account (random, the same for all its passkeys).
    user_handle: Mapped[str] = mapped_column(String(100), nullable=False)
    transports: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (Index("ix_passkeys_user_id", "user_id", "id"),)


class OAuthIdentity(db.Model):
    """An account at an outside provider (GitHub) that signs one user in.

    Made only from a verified email that matches the account, from the account's signed-in
    settings, or with a new account (app/accounts/identities.py); never silently.
    """

    __tablename__ = "oauth_identities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider: Mapped[str] = mapped_column(String(20), nullable=False)
    # The provider's own stable id (GitHub's numeric user id, as text): logins can be renamed.
    provider_user_id: Mapped[str] = mapped_column(String(64), nullable=False)
    # The name the provider showed at the last sign-in, for the settings page only.
    provider_login: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        Index("uq_oauth_identities_provider_user", provider, provider_user_id, unique=True),
        # One account per provider per user: the settings page connects or disconnects it.
        Index("uq_oauth_identities_user_provider", user_id, provider, unique=True),
    )


LINK_PURPOSES = ("password_reset", "email_verify", "email_change")


class AccountLink(db.Model):
    """A single-use link mailed to someone: a password reset, or the proof of an address.

    Only the SHA-256 of its token is stored. ``email`` is the address the link was sent to (for
    a change of address, the new one): a link proves that address, and no other.
    """

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), nullable=False)
    email: Mapped[str] = mapped_column(String(254), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Set when spent, or when a newer link of the same purpose replaced it.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    __table_args__ = (
        CheckConstraint(
            "purpose IN ('password_reset', 'email_verify', 'email_change')", name="purpose"
        ),
        Index("ix_account_links_user_purpose", "user_id", "purpose"),
    )
