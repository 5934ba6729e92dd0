"""Password hashing with argon2id."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app


@cache
def _hasher(fast: bool) -> PasswordHasher:
    """Return the hasher; tests use cheap parameters so thousands of sign-ups stay quick."""
    if fast:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def hasher() -> PasswordHasher:
    """Return the hasher configured for this app."""
    return _hasher(bool(current_app.config.get("PASSWORD_HASH_FAST")))


def hash_password(password: str) -> str:
    """Hash a password for storage."""
    return hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against a stored hash."""
    try:
        return hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def burn_verification() -> None:
    """Spend the time a verification takes, so unknown users answer as slowly as known ones."""
    verify_password(_dummy_hash(bool(current_app.config.get("PASSWORD_HASH_FAST"))), "x")


@cache
def _dummy_hash(fast: bool) -> str:
    return _hasher(fast).hash("devthread-timing-equalizer")


def needs_rehash(password_hash: str) -> bool:
    """Tell whether a stored hash uses outdated parameters."""
    try:
        return hasher().check_needs_rehash(password_hash)
    except InvalidHashError:
        return True
