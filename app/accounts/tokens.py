"""API credentials: short-lived JWT access tokens and rotating opaque refresh tokens."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import timedelta
from typing import Any

import jwt
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from app.accounts import queries
from app.accounts.models import RefreshToken, User
from app.errors import Forbidden, Unauthorized
from app.extensions import db
from app.timeutil import utcnow


def _signing_key() -> str:
    return current_app.config.get("JWT_SECRET_KEY") or current_app.config["SECRET_KEY"]


def hash_token(raw: str) -> str:
    """Return the SHA-256 of a refresh token: the only form stored."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def issue_access_token(user: User) -> str:
    """Sign an access token for the user."""
    now = utcnow()
    claims = {
        "sub": str(user.id),
        "ver": user.session_version,
        "iat": now,
        "exp": now + timedelta(seconds=current_app.config["ACCESS_TOKEN_TTL"]),
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    return jwt.encode(claims, _signing_key(), algorithm="HS256")


def user_from_access_token(token: str) -> User:
    """Return the user an access token speaks for: 401 for a bad token, 403 if suspended."""
    try:
        # The algorithm is fixed here, never read from the token's header ("alg: none").
        claims: dict[str, Any] = jwt.decode(
            token,
            _signing_key(),
            algorithms=["HS256"],
            options={"require": ["exp", "iat", "sub", "jti"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise Unauthorized(_("The access token has expired.")) from exc
    except jwt.PyJWTError as exc:
        raise Unauthorized(_("The access token is not valid.")) from exc
    if claims.get("typ") != "access":
        raise Unauthorized(_("The access token is not valid."))
    try:
        user = queries.get_user(int(claims["sub"]))
    except (TypeError, ValueError) as exc:
        raise Unauthorized(_("The access token is not valid.")) from exc
    if user is None or user.session_version != claims.get("ver"):
        raise Unauthorized(_("The access token is no longer valid. Sign in again."))
    if user.suspended:
        # The token is sound but its owner may not act: 403, as when a suspended user signs in.
        raise Forbidden(_("This account is suspended."))
    return user


def issue_token_pair(user: User, family_id: str | None = None) -> dict[str, Any]:
    """Create an access token and a new refresh token (a new family unless one is given)."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=hash_token(raw),
            family_id=family_id or str(uuid.uuid4()),
            created_at=now,
            expires_at=now + timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"]),
        )
    )
    db.session.commit()
    return {
        "access_token": issue_access_token(user),
        "refresh_token": raw,
        "token_type": "Bearer",
        "expires_in": current_app.config["ACCESS_TOKEN_TTL"],
    }


def rotate_refresh_token(raw: str) -> tuple[User, dict[str, Any]]:
    """Spend a refresh token for a new pair; a reused token revokes its whole family."""
    token_hash = hash_token(raw)
    row = db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))
    if row is None:
        raise Unauthorized(_("The refresh token is not valid."))
    now = utcnow()
    # One atomic conditional update decides which of two racing refreshes wins.
    spent = db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == row.id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        db.session.rollback()
        db.session.refresh(row)
        if row.used_at is not None:
            revoke_family(row.family_id)
            raise Unauthorized(
                _("This refresh token was already used; every session it began is now closed.")
            )
        raise Unauthorized(_("The refresh token has expired or was revoked."))
    user = queries.get_user(row.user_id)
    if user is None or user.suspended:
        db.session.rollback()
        raise Unauthorized(_("The refresh token is not valid."))
    return user, issue_token_pair(user, family_id=row.family_id)


def revoke_family(family_id: str) -> None:
    """Revoke every token of one family (one sign-in and all its rotations)."""
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def revoke_refresh_token(raw: str) -> None:
    """Log out one sign-in: revoke the family of this refresh token, if it exists."""
    row = db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == hash_token(raw)))
    if row is None:
        raise Unauthorized(_("The refresh token is not valid."))
    revoke_family(row.family_id)
