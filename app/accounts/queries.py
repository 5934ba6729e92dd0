"""Reads of accounts."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.rules import USERNAME_RE
from app.extensions import db


def get_user(user_id: int) -> User | None:
    """Return the user with this id, if any."""
    return db.session.get(User, user_id)


def find_by_username(username: str) -> User | None:
    """Return the user with this username, ignoring case."""
    if not USERNAME_RE.match(username):
        # No account can have it, and PostgreSQL refuses some strings (NUL) with an error.
        return None
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def find_by_login(login: str) -> User | None:
    """Return the user whose username or email is ``login``, ignoring case."""
    login = login.strip().lower()
    column = User.email if "@" in login else User.username
    return db.session.scalar(select(User).where(func.lower(column) == login))


def username_taken(username: str) -> bool:
    """Tell whether a username is taken, ignoring case."""
    return find_by_username(username) is not None


def email_taken(email: str) -> bool:
    """Tell whether an email address is taken, ignoring case."""
    return (
        db.session.scalar(select(User.id).where(func.lower(User.email) == email.lower()))
        is not None
    )


def count_users() -> int:
    """Return how many accounts exist."""
    return db.session.scalar(select(func.count(User.id))) or 0


def resolve_usernames(candidates: set[str]) -> dict[str, str]:
    """Map lower-cased names to the canonical usernames of the accounts that exist."""
    if not candidates:
        return {}
    rows = db.session.execute(
        select(User.username).where(func.lower(User.username).in_(sorted(candidates)[:50]))
    )
    return {name.lower(): name for (name,) in rows}


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
