"""Single-use links mailed to people: a password reset, or the proof of an email address.

A link carries a random token (256 bits); only its SHA-256 is stored, with its purpose, the
address it was sent to, and an expiry. Spending one is a conditional UPDATE (``used_at IS
NULL`` and not expired): of two requests racing with the same link, one wins.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import select, update

from app.accounts.models import AccountLink, User
from app.accounts.sessions import hash_secret
from app.extensions import db
from app.timeutil import utcnow

# Longer than any token we make; a longer string cannot be ours and is not hashed at all.
TOKEN_MAX = 200


def create(*, user: User, purpose: str, email: str, ttl: int) -> str:
    """Store a new link for ``user`` (older live ones of this purpose end); return its token."""
    now = utcnow()
    # One live link per purpose: asking again makes the earlier mail's link useless.
    replace(user_id=user.id, purpose=purpose)
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountLink(
            purpose=purpose,
            token_hash=hash_secret(token),
            user_id=user.id,
            email=email,
            created_at=now,
            expires_at=now + timedelta(seconds=ttl),
        )
    )
    db.session.flush()
    return token


def replace(*, user_id: int, purpose: str) -> None:
    """End every live link of this purpose of a user; the caller commits."""
    db.session.execute(
        update(AccountLink)
        .where(
            AccountLink.user_id == user_id,
            AccountLink.purpose == purpose,
            AccountLink.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def find(*, token: str, purposes: tuple[str, ...]) -> AccountLink | None:
    """Return the live (unspent, unexpired) link of ``token`` for one of these purposes."""
    if not token or len(token) > TOKEN_MAX:
        return None
    return db.session.scalar(
        select(AccountLink).where(
            AccountLink.token_hash == hash_secret(token),
            AccountLink.purpose.in_(purposes),
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > utcnow(),
        )
    )


def spend(link: AccountLink) -> bool:
    """Mark a link used; False when another request spent it first. The caller commits."""
    now = utcnow()
    spent = db.session.execute(
        update(AccountLink)
        .where(
            AccountLink.id == link.id,
            AccountLink.used_at.is_(None),
            AccountLink.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    return spent.rowcount == 1
