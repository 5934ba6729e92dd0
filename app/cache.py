"""A small cache for hot, shared reads: Redis when configured, this process's memory otherwise.

Keys live in namespaces with a version number: a write bumps its namespace's version, which
makes every key cached under the old version unreachable at once (they then expire on their own).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from flask import current_app

from app.redisconn import Outage, unreachable

PREFIX = "devthread:cache"
_local: dict[str, tuple[float, Any]] = {}
_versions: dict[str, int] = {}
_lock = threading.Lock()
LOCAL_MAX = 5000
outage = Outage("cache", "reads go to the database and nothing is cached")


def _redis():
    if not current_app.config.get("REDIS_URL"):
        return None
    from app.redisconn import get_redis

    return get_redis()


def enabled() -> bool:
    """Tell whether caching is on (``CACHE_ENABLED``; tests of other things may turn it off)."""
    return bool(current_app.config.get("CACHE_ENABLED", True))


def version(namespace: str) -> int:
    """Return a namespace's current version."""
    client = _redis()
    if client is None:
        with _lock:
            return _versions.get(namespace, 0)
    try:
        current = int(client.get(f"{PREFIX}:version:{namespace}") or 0)
    except Exception as error:
        if unreachable(error):
            outage.failed(error)
        return -1  # Redis away: a version nothing was cached under, so nothing stale is read
    outage.succeeded()
    return current


def bump(*namespaces: str) -> None:
    """Invalidate everything cached in these namespaces (call after the write committed)."""
    client = _redis()
    for namespace in namespaces:
        if client is None:
            with _lock:
                _versions[namespace] = _versions.get(namespace, 0) + 1
            continue
        try:
            client.incr(f"{PREFIX}:version:{namespace}")
        except Exception as error:
            if unreachable(error):
                # Readers use version -1 meanwhile (nothing cached), so nothing stale is read.
                outage.failed(error)
            else:
                current_app.logger.warning("cache: could not bump %s", namespace)


def get_or_set(namespace: str, key: str, ttl: float, produce: Callable[[], Any]) -> Any:
    """Return the cached JSON value of a key, or produce, cache and return it."""
    if not enabled():
        return produce()
    current = version(namespace)
    full = f"{PREFIX}:{namespace}:{current}:{key}"
    client = _redis()
    if client is None:
        now = time.monotonic()
        with _lock:
            hit = _local.get(full)
            if hit and hit[0] > now:
                return hit[1]
        value = produce()
        _keep_local(full, value, now + ttl)
        return value
    try:
        raw = client.get(full)
        if raw is not None:
            return json.loads(raw)
    except Exception:
        return produce()
    value = produce()
    if current >= 0:
        with contextlib.suppress(Exception):
            client.set(full, json.dumps(value, separators=(",", ":")), px=int(ttl * 1000))
    return value


BUMPS = "devthread_cache_bumps"


def touch(session, *namespaces: str) -> None:
    """Bump namespaces once this session's transaction commits (never for a rollback)."""
    session.info.setdefault(BUMPS, set()).update(namespaces)


def _after_commit(session) -> None:
    namespaces = session.info.pop(BUMPS, None)
    if namespaces:
        bump(*sorted(namespaces))


def _after_rollback(session, previous_transaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(BUMPS, None)


def install() -> None:
    """Attach the commit hooks to every SQLAlchemy session (once per process)."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)


def home_namespace(user_id: int) -> str:
    """Name the namespace of one reader's home feed: bumped when whom they see changes."""
    return f"home:{user_id}"


def lookup(namespace: str, key: str) -> tuple[int, Any | None]:
    """Return a namespace's version and the value stored under it for ``key`` (or None).

    One round trip: the version and the entry are read together, and an entry written under
    an older version is not returned. Give the version back to ``store``: a bump that lands
    while the value is being produced then makes what is stored unreachable at once.
    """
    if not enabled():
        return -1, None
    client = _redis()
    if client is None:
        now = time.monotonic()
        with _lock:
            current = _versions.get(namespace, 0)
            hit = _local.get(f"{PREFIX}:{namespace}:entry:{key}")
        if hit and hit[0] > now and hit[1][0] == current:
            return current, hit[1][1]
        return current, None
    try:
        raw_version, raw = client.mget(
            f"{PREFIX}:version:{namespace}", f"{PREFIX}:{namespace}:entry:{key}"
        )
    except Exception as error:
        if unreachable(error):
            outage.failed(error)
        return -1, None  # nothing is read, and nothing will be stored
    outage.succeeded()
    current = int(raw_version or 0)
    if raw is None:
        return current, None
    stored_version, value = json.loads(raw)
    return current, value if stored_version == current else None


def store(namespace: str, key: str, seen_version: int, ttl: float, value: Any) -> None:
    """Keep ``value`` for ``ttl`` seconds under the version ``lookup`` returned (-1: do not)."""
    if seen_version < 0 or not enabled():
        return
    client = _redis()
    full = f"{PREFIX}:{namespace}:entry:{key}"
    if client is None:
        _keep_local(full, (seen_version, value), time.monotonic() + ttl)
        return
    with contextlib.suppress(Exception):
        client.set(
            full, json.dumps([seen_version, value], separators=(",", ":")), px=int(ttl * 1000)
        )


def clear_local() -> None:
    """Forget this process's cached values and versions (tests start from nothing)."""
    with _lock:
        _local.clear()
        _versions.clear()


def _keep_local(full: str, value: Any, until: float) -> None:
    """Keep a value in this process's cache, dropping expired entries (or the oldest) when full."""
    now = time.monotonic()
    with _lock:
        if len(_local) >= LOCAL_MAX:
            for stale in [k for k, (expiry, _) in _local.items() if expiry <= now] or list(_local)[
                :500
            ]:
                _local.pop(stale, None)
        _local[full] = (until, value)
