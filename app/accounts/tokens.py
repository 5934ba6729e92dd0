"""API credentials: short-lived JWT access tokens and rotating opaque refresh tokens."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any, TypeVar

import jwt
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts import queries, sessions
from app.accounts.models import RefreshToken, User, UserSession
from app.accounts.sessions import hash_secret
from app.errors import Forbidden, Unauthorized
from app.extensions import db
from app.timeutil import utcnow

Found = TypeVar("Found")


def _signing_key() -> str:
    return current_app.config.get("JWT_SECRET_KEY") or current_app.config["SECRET_KEY"]


def hash_token(raw: str) -> str:
    """Return the SHA-256 of a refresh token: the only form stored."""
    return hash_secret(raw)


def issue_access_token(user: User, session_id: int) -> str:
    """Sign an access token for the user's API sign-in ``session_id``."""
    now = utcnow()
    claims = {
        "sub": str(user.id),
        "sid": session_id,
        "iat": now,
        "exp": now + timedelta(seconds=current_app.config["ACCESS_TOKEN_TTL"]),
        "jti": uuid.uuid4().hex,
        "typ": "access",
    }
    return jwt.encode(claims, _signing_key(), algorithm="HS256")


def _access_claims(token: str) -> tuple[int, Any]:
    """Return the user id and sign-in id (``sid``) of a well-signed access token, or raise 401."""
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
        user_id = int(claims["sub"])
    except (TypeError, ValueError) as exc:
        raise Unauthorized(_("The access token is not valid.")) from exc
    return user_id, claims.get("sid")


def _is_sid(session_id: Any) -> bool:
    # A token without a session (issued before sign-ins were records) is refused like an
    # ended one: clients refresh, which gives their family a session.
    return isinstance(session_id, int) and not isinstance(session_id, bool)


def user_from_access_token(token: str) -> User:
    """Return the user an access token speaks for: 401 for a bad or ended one, 403 if suspended."""
    user_id, session_id = _access_claims(token)
    user = (
        sessions.api_user(user_id=user_id, session_id=session_id) if _is_sid(session_id) else None
    )
    if user is None:
        raise Unauthorized(_("The access token is no longer valid. Sign in again."))
    if not user.is_active:
        # The token is sound but its owner may not act: 403, as when a suspended user signs in.
        raise Forbidden(_("This account is suspended."))
    return user


def pending_from_access_token(token: str) -> sessions.PendingSignIn:
    """Return a well-signed token's sign-in, to be checked by the route's statement: 401 if bad."""
    return _sign_in_of(token, sessions.pending_sign_in)


def caller_of_sign_in(pending: sessions.PendingSignIn) -> sessions.Caller:
    """Finish a pending sign-in's check: 401 when it ended, 403 when the account is suspended."""
    caller = sessions.finish_sign_in(pending)
    if caller is None:
        raise Unauthorized(_("The access token is no longer valid. Sign in again."))
    if not caller.active:
        raise Forbidden(_("This account is suspended."))
    return caller


def socket_owner_from_access_token(token: str) -> sessions.SignIn:
    """Return who an access token speaks for, without loading the user: 401 if it cannot act.

    A WebSocket handshake needs only the ids and the username; a suspended account is refused
    like an ended sign-in (a socket cannot tell them apart anyway).
    """
    return _sign_in_of(token, sessions.api_sign_in)


def _sign_in_of(token: str, lookup: Callable[..., Found | None]) -> Found:
    """Return what ``lookup`` finds for a well-signed token's ids: 401 if bad or ended."""
    user_id, session_id = _access_claims(token)
    found = lookup(user_id=user_id, session_id=session_id) if _is_sid(session_id) else None
    if found is None:
        raise Unauthorized(_("The access token is no longer valid. Sign in again."))
    return found


def sign_in(user: User, *, user_agent: str = "", ip_address: str = "") -> dict[str, Any]:
    """Start an API sign-in (a session and a new refresh family) and return its first pair."""
    record = sessions.start_api_session(user=user, user_agent=user_agent, ip_address=ip_address)
    return issue_token_pair(user, record)


def issue_token_pair(
    user: User, record: UserSession, family_id: str | None = None
) -> dict[str, Any]:
    """Create an access token and a new refresh token of the sign-in ``record``, then commit."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        RefreshToken(
            user_id=user.id,
            token_hash=hash_token(raw),
            family_id=family_id or str(uuid.uuid4()),
            session_id=record.id,
            created_at=now,
            expires_at=now + timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"]),
        )
    )
    try:
        db.session.commit()
    except IntegrityError as exc:
        # The sign-in was ended meanwhile (its record deleted under us).
        db.session.rollback()
        raise Unauthorized(_("The refresh token has expired or was revoked.")) from exc
    return {
        "access_token": issue_access_token(user, record.id),
        "refresh_token": raw,
        "token_type": "Bearer",
        "expires_in": current_app.config["ACCESS_TOKEN_TTL"],
    }


def rotate_refresh_token(
    raw: str, *, user_agent: str = "", ip_address: str = ""
) -> tuple[User, dict[str, Any]]:
    """Spend a refresh token for a new pair; a reused token ends its whole sign-in."""
    token_hash = hash_token(raw)
    row = db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == token_hash))
    if row is None:
        raise Unauthorized(_("The refresh token is not valid."))
    token_id, user_id, family_id, session_id = row.id, row.user_id, row.family_id, row.session_id
    now = utcnow()
    # One atomic conditional update decides which of two racing refreshes wins.
    spent = db.session.execute(
        update(RefreshToken)
        .where(
            RefreshToken.id == token_id,
            RefreshToken.used_at.is_(None),
            RefreshToken.revoked_at.is_(None),
            RefreshToken.expires_at > now,
        )
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        db.session.rollback()
        # The row may be gone meanwhile: its sign-in was ended.
        used_at = db.session.scalar(select(RefreshToken.used_at).where(RefreshToken.id == token_id))
        if used_at is not None:
            end_family(user_id=user_id, family_id=family_id)
            raise Unauthorized(
                _("This refresh token was already used; every session it began is now closed.")
            )
        raise Unauthorized(_("The refresh token has expired or was revoked."))
    user = queries.get_user(user_id)
    if user is None or not user.is_active:
        db.session.rollback()
        raise Unauthorized(_("The refresh token is not valid."))
    if session_id is None:
        # A family from before sign-ins were records: it gets its session now, so ending the
        # session (or a reuse of any of its tokens) takes all of them.
        record = sessions.start_api_session(user=user, user_agent=user_agent, ip_address=ip_address)
        db.session.execute(
            update(RefreshToken)
            .where(RefreshToken.family_id == family_id, RefreshToken.session_id.is_(None))
            .values(session_id=record.id)
            .execution_options(synchronize_session=False)
        )
    else:
        record = queries.get_session(session_id)
        if record is None:
            db.session.rollback()
            raise Unauthorized(_("The refresh token has expired or was revoked."))
        # A refresh is the API's sign of use, and each new refresh token extends the sign-in.
        record.last_seen_at = now
        record.expires_at = now + timedelta(seconds=current_app.config["REFRESH_TOKEN_TTL"])
    return user, issue_token_pair(user, record, family_id=family_id)


def end_family(*, user_id: int, family_id: str) -> None:
    """End the sign-in a refresh family belongs to (its tokens go with it), then commit."""
    session_id = db.session.scalar(
        select(RefreshToken.session_id)
        .where(RefreshToken.family_id == family_id, RefreshToken.session_id.is_not(None))
        .limit(1)
    )
    if session_id is not None:
        sessions.end_session(user_id=user_id, session_id=session_id)
    # Tokens from before sign-ins were records have no session to go with: revoke them.
    db.session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def revoke_refresh_token(raw: str) -> None:
    """Log out one API sign-in: end the session of this refresh token, if it exists."""
    row = db.session.scalar(select(RefreshToken).where(RefreshToken.token_hash == hash_token(raw)))
    if row is None:
        raise Unauthorized(_("The refresh token is not valid."))
    end_family(user_id=row.user_id, family_id=row.family_id)
