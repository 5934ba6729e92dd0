"""Presence: a user is online while at least one of their sockets is open, in any process.

With Redis: a sorted set per user of socket ids scored by their expiry; each socket's heartbeat
pushes its expiry forward, so a crashed process's sockets time out on their own.
Embedded: a count per user in this process.
"""

from __future__ import annotations

import threading
import time

from flask import current_app

TTL = 60  # seconds a socket counts as alive without a heartbeat
_local: dict[int, int] = {}
_lock = threading.Lock()


def _key(user_id: int) -> str:
    return f"devthread:presence:{user_id}"


def _redis():
    if not current_app.config.get("REDIS_URL"):
        return None
    from app.redisconn import get_redis

    return get_redis()


def connect(user_id: int, socket_id: str) -> bool:
    """Record an open socket; return True when the user just came online."""
    client = _redis()
    if client is None:
        with _lock:
            _local[user_id] = _local.get(user_id, 0) + 1
            return _local[user_id] == 1
    now = time.time()
    key = _key(user_id)
    pipe = client.pipeline()
    pipe.zremrangebyscore(key, "-inf", now)
    pipe.zcard(key)
    pipe.zadd(key, {socket_id: now + TTL})
    pipe.expire(key, TTL * 2)
    _, before, _, _ = pipe.execute()
    return before == 0


def heartbeat(user_id: int, socket_id: str) -> None:
    """Keep a socket counted as alive."""
    client = _redis()
    if client is None:
        return
    key = _key(user_id)
    pipe = client.pipeline()
    pipe.zadd(key, {socket_id: time.time() + TTL})
    pipe.expire(key, TTL * 2)
    pipe.execute()


def disconnect(user_id: int, socket_id: str) -> bool:
    """Forget a socket; return True when the user just went offline."""
    client = _redis()
    if client is None:
        with _lock:
            left = _local.get(user_id, 1) - 1
            if left <= 0:
                _local.pop(user_id, None)
                return True
            _local[user_id] = left
            return False
    key = _key(user_id)
    pipe = client.pipeline()
    pipe.zrem(key, socket_id)
    pipe.zremrangebyscore(key, "-inf", time.time())
    pipe.zcard(key)
    _, _, after = pipe.execute()
    return after == 0


def online_ids(user_ids: list[int]) -> set[int]:
    """Return which of these users are online now."""
    if not user_ids:
        return set()
    client = _redis()
    if client is None:
        with _lock:
            return {uid for uid in user_ids if _local.get(uid)}
    now = time.time()
    pipe = client.pipeline()
    for uid in user_ids:
        pipe.zcount(_key(uid), now, "+inf")
    return {uid for uid, count in zip(user_ids, pipe.execute(), strict=True) if count}


def is_online(user_id: int) -> bool:
    """Tell whether one user is online now."""
    return user_id in online_ids([user_id])
