"""Reads of accounts."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import BindParameter, ColumnElement, and_, func, or_, select

from app.accounts.models import OAuthIdentity, Passkey, User, UserSession
from app.accounts.rules import EMAIL_MAX, USERNAME_RE, identity_key
from app.extensions import db
from app.pagination import Page, keyset_page
from app.timeutil import utcnow


def get_user(user_id: int) -> User | None:
    """Return the user with this id, if any."""
    return db.session.get(User, user_id)


def find_by_username(username: str) -> User | None:
    """Return the user with this username, ignoring case."""
    key = username_key(username)
    if key is None:
        return None
    return db.session.scalar(select(User).where(User.username_key == key))


def username_key(username: str) -> str | None:
    """Return the key ``users.username_key`` holds for this username; None if none can."""
    if not USERNAME_RE.match(username):
        # No account can have it, and PostgreSQL refuses some strings (NUL) with an error.
        return None
    return identity_key(username)


def find_by_email(email: str) -> User | None:
    """Return the user with this email address, ignoring case and compatibility forms."""
    key = identity_key(email)
    if len(key) > EMAIL_MAX or "\x00" in key or not key.isprintable():
        # No account can have it, and the databases refuse NUL and lone surrogates with errors.
        return None
    return db.session.scalar(select(User).where(User.email_key == key))


def find_by_login(login: str) -> User | None:
    """Return the user whose username or email is ``login``, ignoring case."""
    login = login.strip()
    return find_by_email(login) if "@" in login else find_by_username(login)


def username_taken(username: str) -> bool:
    """Tell whether a username is taken, ignoring case."""
    return find_by_username(username) is not None


def email_taken(email: str) -> bool:
    """Tell whether an email address is taken, ignoring case and compatibility forms."""
    return find_by_email(email) is not None


def count_users() -> int:
    """Return how many accounts exist."""
    return db.session.scalar(select(func.count(User.id))) or 0


def resolve_usernames(candidates: set[str]) -> dict[str, str]:
    """Map lower-cased names to the canonical usernames of the accounts that exist."""
    if not candidates:
        return {}
    # Mentions are ASCII names (lower-cased by the parser): their keys are themselves.
    rows = db.session.execute(
        select(User.username_key, User.username).where(
            User.username_key.in_(sorted(candidates)[:50])
        )
    )
    return {key: name for key, name in rows}


def users_by_usernames(usernames: list[str]) -> list[User]:
    """Return the users with these canonical usernames."""
    if not usernames:
        return []
    return list(db.session.scalars(select(User).where(User.username.in_(usernames))))


def users_by_ids(user_ids: list[int]) -> list[User]:
    """Return the users with these ids."""
    if not user_ids:
        return []
    return list(db.session.scalars(select(User).where(User.id.in_(user_ids))))


def live_session(now: datetime) -> ColumnElement[bool]:
    """Return the condition a sign-in record meets while it has not ended by time."""
    # Written once, used by the cookie and token checks, the listing and the pruning alike.
    idle = timedelta(seconds=current_app.config["SESSION_IDLE_TIMEOUT"])
    return live_session_between(now, now - idle)


def live_session_between(
    now: datetime | BindParameter, idle_since: datetime | BindParameter
) -> ColumnElement[bool]:
    """Return ``live_session`` for a time and the idle limit before it (values or parameters)."""
    return and_(
        UserSession.expires_at > now,
        or_(
            UserSession.kind != "browser",
            UserSession.remember.is_(True),
            UserSession.last_seen_at > idle_since,
        ),
    )


def get_session(session_id: int) -> UserSession | None:
    """Return the sign-in record with this id, if any."""
    return db.session.get(UserSession, session_id)


def user_sessions(user: User, *, limit: int, cursor: str | None) -> Page[UserSession]:
    """Return the user's sign-ins that have not ended, newest first (one query)."""
    query = select(UserSession).where(UserSession.user_id == user.id, live_session(utcnow()))
    return keyset_page(query, key=(UserSession.id,), limit=limit, cursor=cursor)


def user_passkeys(user: User, *, limit: int, cursor: str | None) -> Page[Passkey]:
    """Return the user's passkeys, newest first (one query)."""
    query = select(Passkey).where(Passkey.user_id == user.id)
    return keyset_page(query, key=(Passkey.id,), limit=limit, cursor=cursor)


def identity_for(provider: str, provider_user_id: str) -> OAuthIdentity | None:
    """Return the connection of this outside account (a GitHub id), whoever it belongs to."""
    return db.session.scalar(
        select(OAuthIdentity).where(
            OAuthIdentity.provider == provider,
            OAuthIdentity.provider_user_id == provider_user_id,
        )
    )


def identity_of(user: User, provider: str) -> OAuthIdentity | None:
    """Return the user's connected account at this provider, if any."""
    return db.session.scalar(
        select(OAuthIdentity).where(
            OAuthIdentity.user_id == user.id, OAuthIdentity.provider == provider
        )
    )


def identities_of(user: User) -> list[OAuthIdentity]:
    """Return the user's connected accounts (one per provider at most), by provider."""
    return list(
        db.session.scalars(
            select(OAuthIdentity)
            .where(OAuthIdentity.user_id == user.id)
            .order_by(OAuthIdentity.provider)
        )
    )


def taken_username_keys(keys: list[str]) -> set[str]:
    """Return which of these username keys accounts already have (one query)."""
    if not keys:
        return set()
    return set(db.session.scalars(select(User.username_key).where(User.username_key.in_(keys))))
