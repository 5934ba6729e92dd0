"""Presence: a user is online while at least one of their sockets is open, in any process.

With Redis: a sorted set per user of socket ids scored by their expiry; each socket's heartbeat
pushes its expiry forward, so a crashed process's sockets time out on their own.
Embedded: a count per user in this process.

While Redis is unreachable presence is unknown: reads answer ``None`` (the API says
``online: null``, pages show no dot) and sockets are served without it. A socket's next
heartbeat after Redis returns counts it again.
"""

from __future__ import annotations

import threading
import time

from flask import current_app

from app.redisconn import Outage, unreachable

TTL = 60  # seconds a socket counts as alive without a heartbeat
_local: dict[int, int] = {}
_lock = threading.Lock()
outage = Outage("presence", "who is online is unknown")


def _key(user_id: int) -> str:
    return f"devthread:presence:{user_id}"


def _redis():
    if not current_app.config.get("REDIS_URL"):
        return None
    from app.redisconn import get_redis

    return get_redis()


def _alive(client, user_id: int, socket_id: str) -> bool:
    """Count a socket as alive until TTL from now; return True when the user just came online."""
    now = time.time()
    key = _key(user_id)
    pipe = client.pipeline()
    pipe.zremrangebyscore(key, "-inf", now)
    pipe.zcard(key)
    pipe.zadd(key, {socket_id: now + TTL})
    pipe.expire(key, TTL * 2)
    _, before, added, _ = pipe.execute()
    return before == 0 and added == 1


def connect(user_id: int, socket_id: str) -> bool:
    """Record an open socket; return True when the user just came online."""
    client = _redis()
    if client is None:
        with _lock:
            _local[user_id] = _local.get(user_id, 0) + 1
            return _local[user_id] == 1
    try:
        came_online = _alive(client, user_id, socket_id)
    except Exception as error:
        if not unreachable(error):
            raise
        outage.failed(error)
        return False
    outage.succeeded()
    return came_online


def heartbeat(user_id: int, socket_id: str) -> bool:
    """Keep a socket counted as alive; return True when that made the user online again.

    That happens after a Redis outage (the socket was never recorded, or Redis lost its data).
    """
    return connect(user_id, socket_id) if _redis() is not None else False


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
    try:
        _, _, after = pipe.execute()
    except Exception as error:
        if not unreachable(error):
            raise
        outage.failed(error)
        return False  # its entry expires on its own within TTL
    outage.succeeded()
    return after == 0


def online_ids(user_ids: list[int]) -> set[int] | None:
    """Return which of these users are online now, or None while that cannot be known."""
    if not user_ids:
        return set()
    client = _redis()
    if client is None:
        with _lock:
            return {uid for uid in user_ids if _local.get(uid)}
    if outage.skip():
        return None  # Redis failed a moment ago: do not make this request wait for it too
    now = time.time()
    try:
        if len(user_ids) == 1:  # a profile: one command, not a MULTI/EXEC of one
            counts = [client.zcount(_key(user_ids[0]), now, "+inf")]
        else:
            pipe = client.pipeline(transaction=False)  # reads: nothing to make atomic
            for uid in user_ids:
                pipe.zcount(_key(uid), now, "+inf")
            counts = pipe.execute()
    except Exception as error:
        if not unreachable(error):
            raise
        outage.failed(error)
        return None
    outage.succeeded()
    return {uid for uid, count in zip(user_ids, counts, strict=True) if count}


def state(online: set[int] | None, user_id: int) -> bool | None:
    """Read one user's presence from what ``online_ids`` returned (None: unknown)."""
    return None if online is None else user_id in online


def is_online(user_id: int) -> bool | None:
    """Tell whether one user is online now (None: unknown while Redis is away)."""
    return state(online_ids([user_id]), user_id)
