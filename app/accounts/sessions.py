"""Sign-ins as server-side records, so that ending one takes effect at once.

A browser's cookies (the Flask session and the remember cookie) carry the identity
``"<user id>:<secret>"``; only the secret's SHA-256 is stored. An API sign-in (one refresh-token
family) is named by id in the access token's ``sid`` claim. Deleting the record ends the
sign-in: its cookies, its access tokens and its refresh tokens stop working on their next use,
and its open sockets are closed (the ``session.revoked`` event).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import NamedTuple

from flask import current_app, g
from sqlalchemy import ColumnElement, Integer, Select, bindparam, delete, not_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from app.accounts.models import User, UserSession
from app.accounts.queries import live_session, live_session_between
from app.dbsetup import PREPARED
from app.extensions import db
from app.pagination import INT_MAX
from app.timeutil import utcnow

log = logging.getLogger(__name__)

USER_AGENT_MAX = 300
ADDRESS_MAX = 45  # the longest IPv6 text form


def hash_secret(raw: str) -> str:
    """Return the SHA-256 of a secret (a cookie's key, a refresh token): the only form stored."""
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def _seconds(value: int | float | timedelta) -> timedelta:
    return value if isinstance(value, timedelta) else timedelta(seconds=value)


def _record(
    *, user: User, kind: str, user_agent: str, ip_address: str, expires_at: datetime, **extra
) -> UserSession:
    """Add a record for a new sign-in, and drop the user's records that have ended by time."""
    now = utcnow()
    db.session.execute(
        delete(UserSession)
        .where(UserSession.user_id == user.id, not_(live_session(now)))
        .execution_options(synchronize_session=False)
    )
    record = UserSession(
        user_id=user.id,
        kind=kind,
        created_at=now,
        last_seen_at=now,
        expires_at=expires_at,
        # Strip control characters: the text is shown back on the settings page.
        user_agent="".join(ch for ch in user_agent if ch.isprintable())[:USER_AGENT_MAX],
        ip_address=ip_address[:ADDRESS_MAX],
        **extra,
    )
    db.session.add(record)
    db.session.flush()
    return record


def start_browser_session(
    *, user: User, remember: bool, user_agent: str = "", ip_address: str = ""
) -> str:
    """Record a browser sign-in and return the identity its cookies will carry."""
    secret = secrets.token_urlsafe(32)
    lifetime = _seconds(current_app.config["REMEMBER_COOKIE_DURATION"])
    record = _record(
        user=user,
        kind="browser",
        key_hash=hash_secret(secret),
        remember=remember,
        expires_at=utcnow() + lifetime,
        user_agent=user_agent,
        ip_address=ip_address,
    )
    db.session.commit()
    identity = f"{user.id}:{secret}"
    user.session_identity, user.current_session_id = identity, record.id
    return identity


def start_api_session(*, user: User, user_agent: str = "", ip_address: str = "") -> UserSession:
    """Record an API sign-in (a refresh-token family); the caller commits."""
    ttl = _seconds(current_app.config["REFRESH_TOKEN_TTL"])
    return _record(
        user=user,
        kind="api",
        expires_at=utcnow() + ttl,
        user_agent=user_agent,
        ip_address=ip_address,
    )


def browser_user(identity: str) -> User | None:
    """Return the user of a browser identity, or None when its sign-in has ended."""
    return browser_user_with(identity, ())[0]


def browser_user_with(
    identity: str, columns: tuple[ColumnElement, ...]
) -> tuple[User | None, tuple]:
    """Return the user of a browser identity with ``columns`` read in the same statement.

    The columns may use the bound parameter ``user_id`` (the identity's user id): a page's
    header reads the reader's unread badges this way, one round trip fewer on every page.
    """
    user_id, _sep, secret = identity.partition(":")
    if not (secret and user_id.isascii() and user_id.isdigit() and 0 < int(user_id) <= INT_MAX):
        return None, ()  # not an identity this app made
    now = utcnow()
    idle = _seconds(current_app.config["SESSION_IDLE_TIMEOUT"])
    params = {"key_hash": hash_secret(secret), "now": now, "idle_since": now - idle}
    if columns:
        params["user_id"] = int(user_id)
    row = db.session.execute(_browser_user_statement(columns), params).first()
    if row is None:
        return None, ()
    user, session_id, last_seen_at = row[:3]
    if str(user.id) != user_id or not user.is_active:
        return None, ()
    _touch(session_id, last_seen_at, now)
    user.session_identity, user.current_session_id = identity, session_id
    return user, tuple(row[3:])


@cache
def _browser_user_statement(columns: tuple[ColumnElement, ...] = ()) -> Select:
    # Built once per set of extra columns: building it was a third of loading the user, on
    # every page (bench/pages.py).
    return (
        select(User, UserSession.id, UserSession.last_seen_at, *columns)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.key_hash == bindparam("key_hash"),
            UserSession.kind == "browser",
            live_session_between(bindparam("now"), bindparam("idle_since")),
        )
        .execution_options(**PREPARED)  # every signed-in page runs it: planned once
    )


def api_user(*, user_id: int, session_id: int) -> User | None:
    """Return the user of an access token's session in one query, or None when it has ended."""
    if not (0 < user_id <= INT_MAX and 0 < session_id <= INT_MAX):
        return None
    now = utcnow()
    idle = _seconds(current_app.config["SESSION_IDLE_TIMEOUT"])
    values = {"session_id": session_id, "user_id": user_id, "now": now, "idle_since": now - idle}
    row = db.session.execute(_api_user_statement(), values).first()
    if row is None:
        return None
    user, last_seen_at = row
    _touch(session_id, last_seen_at, now)
    user.current_session_id = session_id
    return user


@cache
def _api_user_statement() -> Select:
    # Built once and prepared: every API request with a token runs it.
    return (
        select(User, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        # The private user says whether two-factor sign-in is on: read it in the same query.
        .options(joinedload(User.totp))
        .where(
            UserSession.id == bindparam("session_id", type_=Integer),
            UserSession.user_id == bindparam("user_id", type_=Integer),
            UserSession.kind == "api",
            live_session_between(bindparam("now"), bindparam("idle_since")),
        )
        .execution_options(**PREPARED)
    )


class SignIn(NamedTuple):
    """Who a live sign-in belongs to: what a WebSocket handshake needs, and nothing more."""

    user_id: int
    session_id: int
    username: str


def api_sign_in(*, user_id: int, session_id: int) -> SignIn | None:
    """Return a live API sign-in of an active account in one light query, or None.

    No ORM object is built (no user, no two-factor row): a burst of WebSocket handshakes spent
    most of its time hydrating users it did not need (bench/realtime.py, issue 13).
    """
    row = _live_row(_sign_in_statement(), user_id=user_id, session_id=session_id)
    return None if row is None else SignIn(user_id, session_id, row.username)


def _live_row(statement: Select, *, user_id: int, session_id: int) -> Row | None:
    """Run a light sign-in statement for these ids; touch the sign-in when it is live."""
    if not (0 < user_id <= INT_MAX and 0 < session_id <= INT_MAX):
        return None
    now = utcnow()
    idle = _seconds(current_app.config["SESSION_IDLE_TIMEOUT"])
    params = {"id": session_id, "user_id": user_id, "now": now, "idle_since": now - idle}
    row = db.session.execute(statement, params).first()
    if row is not None:
        _touch(session_id, row.last_seen_at, now)
    return row


@cache
def _sign_in_statement() -> Select:
    # Built once: building it cost more than running it in a burst of handshakes (issue 13).
    return _live_api_sign_in(User.username).where(
        User.suspended.is_(False), User.deletion_due_at.is_(None)
    )


def _live_api_sign_in(*columns) -> Select:
    """Select columns of a user and their live API sign-in, by bound ids and times."""
    return (
        select(*columns, UserSession.last_seen_at)
        .join(UserSession, UserSession.user_id == User.id)
        .where(
            UserSession.id == bindparam("id"),
            UserSession.user_id == bindparam("user_id"),
            UserSession.kind == "api",
            live_session_between(bindparam("now"), bindparam("idle_since")),
        )
        .execution_options(**PREPARED)  # every signed-in page runs it: planned once
    )


class Caller(NamedTuple):
    """The account an access token speaks for, read without an ORM object (the light API path)."""

    id: int
    session_id: int
    active: bool


def api_caller(*, user_id: int, session_id: int) -> Caller | None:
    """Return the account of a live API sign-in in one light query, or None when it has ended.

    The API home feed needs only the reader's id: building the user and its two-factor row
    cost more CPU than the statement (bench/inprocess.py, issue 13). ``active`` says whether
    the account may act (suspended or being deleted: 403, as on the full path).
    """
    row = _live_row(_caller_statement(), user_id=user_id, session_id=session_id)
    if row is None:
        return None
    return Caller(user_id, session_id, not row.suspended and row.deletion_due_at is None)


@cache
def _caller_statement() -> Select:
    # Built once, like the handshake's: only the values change per request.
    return _live_api_sign_in(User.suspended, User.deletion_due_at)


@dataclass
class PendingSignIn:
    """An access token's sign-in, well signed but not yet checked against its record.

    A read-only route may check it inside the statement it runs anyway (``sign_in_columns``
    and ``sign_in_params``, read back by ``note_sign_in``): one round trip fewer per request.
    ``app.api.spec`` finishes the check before any answer leaves (``finish_sign_in``).
    """

    user_id: int
    session_id: int
    now: datetime
    idle_since: datetime
    read: bool = False  # whether a statement of the route read the two columns
    last_seen_at: datetime | None = None  # None when the sign-in has ended
    active: bool = False

    @property
    def id(self) -> int:
        """Return the user id the token names (what a feed reads before the check ends)."""
        return self.user_id


def pending_sign_in(*, user_id: int, session_id: int) -> PendingSignIn | None:
    """Return a token's sign-in to check, or None when its ids cannot exist."""
    if not (0 < user_id <= INT_MAX and 0 < session_id <= INT_MAX):
        return None
    now = utcnow()
    idle = _seconds(current_app.config["SESSION_IDLE_TIMEOUT"])
    return PendingSignIn(user_id, session_id, now, now - idle)


@cache
def sign_in_columns() -> tuple[ColumnElement, ColumnElement]:
    """Return the columns that check a pending sign-in inside another statement.

    ``sign_in_seen`` is the record's last use, null once it ended; ``sign_in_active`` says
    whether the account may act. Both are uncorrelated: PostgreSQL runs them once per
    statement (InitPlan), SQLite once per row of a 20-row page.
    """
    seen = (
        select(UserSession.last_seen_at)
        .where(
            UserSession.id == bindparam("sign_in_id"),
            UserSession.user_id == bindparam("sign_in_user"),
            UserSession.kind == "api",
            live_session_between(bindparam("sign_in_now"), bindparam("sign_in_idle_since")),
        )
        .scalar_subquery()
    )
    active = (
        select(User.id)
        .where(
            User.id == bindparam("sign_in_user"),
            User.suspended.is_(False),
            User.deletion_due_at.is_(None),
        )
        .scalar_subquery()
    )
    return seen.label("sign_in_seen"), active.label("sign_in_active")


def sign_in_params(pending: PendingSignIn) -> dict[str, object]:
    """Return the values ``sign_in_columns`` bind."""
    return {
        "sign_in_id": pending.session_id,
        "sign_in_user": pending.user_id,
        "sign_in_now": pending.now,
        "sign_in_idle_since": pending.idle_since,
    }


def note_sign_in(pending: PendingSignIn, row: Row) -> None:
    """Keep what ``sign_in_columns`` read in a row of the route's statement."""
    pending.read = True
    pending.last_seen_at = row.sign_in_seen
    pending.active = row.sign_in_active is not None


def finish_sign_in(pending: PendingSignIn) -> Caller | None:
    """Return the caller of a pending sign-in, checked now unless a statement did; None if ended."""
    if not pending.read:
        return api_caller(user_id=pending.user_id, session_id=pending.session_id)
    if pending.last_seen_at is None:
        return None
    _touch(pending.session_id, pending.last_seen_at, pending.now)
    return Caller(pending.user_id, pending.session_id, pending.active)


TOUCHES = "devthread_session_touches"


def _touch(session_id: int, last_seen_at: datetime, now: datetime) -> None:
    """Note that a sign-in is in use, at most once per SESSION_TOUCH_INTERVAL.

    Written by ``flush_touches`` once the request's own session has ended: taking a second
    connection while the request holds one deadlocks a busy pool (200 sockets opening at once
    each held one and waited for another until the pool's timeout: issue 13).
    """
    if now - last_seen_at < _seconds(current_app.config["SESSION_TOUCH_INTERVAL"]):
        return
    g.setdefault(TOUCHES, {})[session_id] = now


def flush_touches(_error: BaseException | None = None) -> None:
    """Write the "last active" times noted during this request (after its session ended)."""
    pending: dict[int, datetime] | None = g.pop(TOUCHES, None)
    if not pending:
        return
    table = UserSession.__table__
    try:
        # Its own short transaction: committing here never commits the request's work.
        with db.engine.begin() as connection:
            for session_id, now in pending.items():
                connection.execute(
                    update(table).where(table.c.id == session_id).values(last_seen_at=now)
                )
    except SQLAlchemyError:
        # "Last active" is a courtesy: the request goes on without it.
        log.warning("could not note that sessions %s are in use", sorted(pending), exc_info=True)


def end_session(*, user_id: int, session_id: int) -> bool:
    """Delete one of a user's sign-ins and close its sockets; the caller commits."""
    from app.realtime.events import emit

    ended = db.session.execute(
        delete(UserSession)
        .where(UserSession.id == session_id, UserSession.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    if ended.rowcount != 1:
        return False
    emit(db.session, [user_id], "session.revoked", {"session_id": session_id})
    return True


def end_all_sessions(*, user_id: int, except_session_id: int | None = None) -> None:
    """Delete every sign-in of a user (but one, if named) and close their sockets; no commit."""
    from app.realtime.events import emit

    if except_session_id is not None:
        ended = list(
            db.session.scalars(
                select(UserSession.id).where(
                    UserSession.user_id == user_id, UserSession.id != except_session_id
                )
            )
        )
        if ended:
            db.session.execute(
                delete(UserSession)
                .where(UserSession.id.in_(ended))
                .execution_options(synchronize_session=False)
            )
        # One event per sign-in: the kept one's sockets stay open.
        for session_id in ended:
            emit(db.session, [user_id], "session.revoked", {"session_id": session_id})
        return
    db.session.execute(
        delete(UserSession)
        .where(UserSession.user_id == user_id)
        .execution_options(synchronize_session=False)
    )
    emit(db.session, [user_id], "session.revoked", {})
