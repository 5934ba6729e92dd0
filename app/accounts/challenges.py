"""Short-lived, single-use steps of a sign-in, kept server-side (the ``auth_challenges`` table).

A pending second factor (the ``mfa_token`` handed out after a right password) and a WebAuthn
challenge are both a random secret of which only the SHA-256 is stored, with an expiry. Spending
one deletes its row with a conditional DELETE, so of two racing requests only one wins.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from app.accounts.models import AuthChallenge
from app.accounts.sessions import hash_secret
from app.extensions import db
from app.timeutil import utcnow

# Longer than any secret we make; a longer string cannot be ours and is not hashed at all.
KEY_MAX = 1024


def create(
    *, purpose: str, key: str, ttl: int, user_id: int | None = None, remember: bool = False
) -> AuthChallenge:
    """Store a new challenge named by the secret ``key``; the caller commits."""
    now = utcnow()
    # Sweep what has expired, everyone's: the table only ever holds minutes of sign-ins.
    db.session.execute(
        delete(AuthChallenge)
        .where(AuthChallenge.expires_at <= now)
        .execution_options(synchronize_session=False)
    )
    record = AuthChallenge(
        purpose=purpose,
        key_hash=hash_secret(key),
        user_id=user_id,
        remember=remember,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl),
    )
    db.session.add(record)
    db.session.flush()
    return record


def find(*, purpose: str, key: str) -> AuthChallenge | None:
    """Return the live challenge named by ``key`` for this purpose, if any."""
    if not key or len(key) > KEY_MAX:
        return None
    return db.session.scalar(
        select(AuthChallenge).where(
            AuthChallenge.key_hash == hash_secret(key),
            AuthChallenge.purpose == purpose,
            AuthChallenge.expires_at > utcnow(),
        )
    )


def spend(record: AuthChallenge) -> bool:
    """Delete a challenge; False if another request spent it first. The caller commits."""
    spent = db.session.execute(
        delete(AuthChallenge)
        .where(AuthChallenge.id == record.id)
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1


def drop_for_user(user_id: int) -> None:
    """Delete every pending step of a user (their password changed, or 2FA went off)."""
    db.session.execute(
        delete(AuthChallenge)
        .where(AuthChallenge.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
