"""Read the public read-only pages from a PostgreSQL streaming replica, when one is configured.

With ``DATABASE_REPLICA_URL`` set, a GET of a route in ``REPLICA_ENDPOINTS`` (feeds, tags,
search, profiles, a post and its comments: the pages most people read most) runs its SELECTs on
the replica. Everything else stays on the primary:

- any write, ``SELECT ... FOR UPDATE`` and any statement that is not a plain SELECT;
- the person who wrote in the last ``REPLICA_STICKY_SECONDS`` (read-your-writes): every
  successful POST, PUT, PATCH or DELETE by a signed-in person marks them, in Redis when there is
  one (so every host knows), else in this process;
- everyone, while the replica lags more than ``REPLICA_MAX_LAG_SECONDS`` or does not answer
  (checked at most once a second per process).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from flask import Flask, current_app, g, has_request_context, request
from flask_sqlalchemy.session import Session
from sqlalchemy import Select, TextClause, text

from app.redisconn import Outage

log = logging.getLogger(__name__)

REPLICA = "replica"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
REPLICA_ENDPOINTS = frozenset(
    {
        "feeds.home",
        "feeds.latest",
        "feeds.trending",
        "feeds.tag_page",
        "posts.show_post",
        "search.search",
        "social.profile",
        "social.followers",
        "social.following",
        "api.home_feed",
        "api.latest_feed",
        "api.trending_feed",
        "api.tag_posts",
        "api.search",
        "api.get_post",
        "api.list_comments",
        "api.get_user",
        "api.list_user_posts",
        "api.list_followers",
        "api.list_following",
    }
)
STICKY_KEY = "replica:wrote:{}"
# One log line per Redis outage, and no request waits on Redis just after it failed.
outage = Outage("replica routing", "every read goes to the primary")


class RoutingSession(Session):
    """Flask-SQLAlchemy's session, sending a request's plain SELECTs to the replica when it may."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any):
        """Return the replica for a read this request may serve from it, else the primary."""
        if self._flushing:
            if has_request_context():
                g._replica_reads = False  # it wrote: what it reads next must see that
        elif bind is None and _reads_from_replica() and _plain_read(clause):
            replica = _replica_engine()
            if replica is not None:
                return replica
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def _plain_read(clause: Any) -> bool:
    """Tell whether a statement only reads: a SELECT without a lock, or SELECT text."""
    if isinstance(clause, Select):
        return clause._for_update_arg is None
    if isinstance(clause, TextClause):
        return clause.text.lstrip()[:6].upper() == "SELECT"
    return False


def _replica_engine():
    """Return the replica's engine, or None when the app has none."""
    return current_app.extensions["sqlalchemy"].engines.get(REPLICA)


def _reads_from_replica() -> bool:
    """Tell whether this request's reads may go to the replica (decided once per request)."""
    if not has_request_context():
        return False
    decided = g.get("_replica_reads")
    if decided is None:
        decided = g._replica_reads = _may_use_replica()
    return decided


def _may_use_replica() -> bool:
    """Decide for this request: a listed GET, nobody who just wrote, a replica not lagging."""
    app = current_app
    if not app.config.get("DATABASE_REPLICA_URL"):
        return False
    if request.method not in ("GET", "HEAD") or request.endpoint not in REPLICA_ENDPOINTS:
        return False
    if _recently_wrote(_current_user_id()):
        return False
    return lag.fresh_enough(app.config.get("REPLICA_MAX_LAG_SECONDS", 1.0))


def _current_user_id() -> int | None:
    """Return who the request says it is, from the bearer token or the session cookie.

    Unverified on purpose: it only picks the database a read goes to. A forged claim can only
    send its sender's reads to the primary; authentication happens where it always does.
    """
    import jwt
    from flask import session

    header = request.headers.get("Authorization", "")
    raw: Any = None
    if header[:7].lower() == "bearer ":
        try:
            raw = jwt.decode(header[7:].strip(), options={"verify_signature": False}).get("sub")
        except jwt.PyJWTError:
            raw = None
    if raw is None:
        # A browser session carries the identity "<user id>:<secret>" (app/accounts/sessions.py).
        raw = str(session.get("_user_id") or "").partition(":")[0] or None
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


_local_marks: dict[int, float] = {}


def _recently_wrote(user_id: int | None) -> bool:
    """Tell whether this person wrote within the sticky window (their reads go to the primary)."""
    if user_id is None:
        return False
    if current_app.config.get("REDIS_URL"):
        from app.redisconn import get_redis, unreachable

        if outage.skip():
            return True  # Redis just failed: read from the primary without waiting on it
        try:
            wrote = bool(get_redis().exists(STICKY_KEY.format(user_id)))
        except Exception as error:
            if not unreachable(error):
                raise
            outage.failed(error)
            return True  # cannot tell: read from the primary
        outage.succeeded()
        return wrote
    return _local_marks.get(user_id, 0.0) > time.monotonic()


def mark_writer(response):
    """After a successful write by a signed-in person, keep their reads on the primary a while."""
    if request.method not in WRITE_METHODS or response.status_code >= 400:
        return response
    app = current_app
    if not app.config.get("DATABASE_REPLICA_URL"):
        return response
    from flask_login import current_user

    # get_id() is the browser session's identity, not the account's id.
    user_id = current_user.id if current_user.is_authenticated else _current_user_id()
    if user_id is None:
        return response
    seconds = float(app.config.get("REPLICA_STICKY_SECONDS", 5))
    if app.config.get("REDIS_URL"):
        from app.redisconn import get_redis, unreachable

        if outage.skip():
            return response  # while Redis is down, every read goes to the primary anyway
        try:
            get_redis().set(STICKY_KEY.format(int(user_id)), 1, px=int(seconds * 1000))
        except Exception as error:
            if not unreachable(error):
                raise
            outage.failed(error)
    else:
        _local_marks[int(user_id)] = time.monotonic() + seconds
    return response


class ReplicaLag:
    """This process's view of the replica's lag, asked at most once a second."""

    def __init__(self, every: float = 1.0) -> None:
        self.every = every
        self._checked_at = 0.0
        self._lag: float | None = None
        self._lock = threading.Lock()

    def fresh_enough(self, limit: float) -> bool:
        """Tell whether the replica answered its last check and lagged at most ``limit`` s."""
        now = time.monotonic()
        if now - self._checked_at >= self.every and self._lock.acquire(blocking=False):
            try:
                self._checked_at = now
                self._lag = self._measure()
            finally:
                self._lock.release()
        return self._lag is not None and self._lag <= limit

    def _measure(self) -> float | None:
        """Return the replica's replay lag in seconds (0 when it has replayed all it got)."""
        engine = _replica_engine()
        if engine is None:
            return None
        try:
            with engine.connect() as connection:
                return float(
                    connection.execute(
                        text(
                            "SELECT CASE WHEN NOT pg_is_in_recovery() THEN 0"
                            " WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0"
                            " ELSE coalesce(extract(epoch FROM now()"
                            " - pg_last_xact_replay_timestamp()), 0) END"
                        )
                    ).scalar_one()
                )
        except Exception as error:
            log.warning("replica unreachable, reading from the primary: %s", error)
            return None

    def reset(self) -> None:
        """Forget the last check (tests)."""
        self._checked_at, self._lag = 0.0, None


lag = ReplicaLag()


def register_replica_routing(app: Flask) -> None:
    """Mark writers after their writes (the replica's engine is a bind: app/config.py)."""
    app.after_request(mark_writer)
