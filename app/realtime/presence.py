"""Presence: a user is online while at least one of their sockets is open, in any process.

With Redis: a sorted set per user of socket ids scored by their expiry; each socket's heartbeat
(a part of a process's sockets at a time, in one round trip) pushes its expiry forward, so a
crashed process's sockets time out on their own.
Embedded: a count per user in this process.

While Redis is unreachable presence is unknown: reads answer ``None`` (the API says
``online: null``, pages show no dot) and sockets are served without it. A socket's next
heartbeat after Redis returns counts it again.
"""

from __future__ import annotations

import threading
import time
from typing import Any

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


# A socket counted as alive until ARGV[3] (its expiry); 1 when that made its user online:
# the set had no live socket before and this one is new. One command, atomic on its key.
_ALIVE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local before = redis.call('ZCARD', KEYS[1])
local added = redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[4])
if before == 0 and added == 1 then return 1 end
return 0
"""
_scripts: dict[int, Any] = {}


def _alive_script(client) -> Any:
    """Return the alive script registered with this client (its digest sent, not its text)."""
    script = _scripts.get(id(client))
    if script is None:
        script = _scripts[id(client)] = client.register_script(_ALIVE)
    return script


def _alive_args(socket_id: str, now: float) -> list[Any]:
    return [now, socket_id, now + TTL, TTL * 2]


def _alive(client, user_id: int, socket_id: str) -> bool:
    """Count a socket as alive until TTL from now; return True when the user just came online."""
    args = _alive_args(socket_id, time.time())
    return _alive_script(client)(keys=[_key(user_id)], args=args) == 1


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


def heartbeats(sockets: list[tuple[int, str]]) -> set[str]:
    """Keep sockets (user id, socket id) alive in one round trip; return those counted again."""
    # Counted again: their user came online by it, after a Redis outage (the socket was never
    # recorded, or Redis lost its data). A process beats a part of its sockets at a time
    # (``Hub.start_beats``): one round trip per part, not one per socket.
    client = _redis()
    if client is None or not sockets:
        return set()
    script = _alive_script(client)
    now = time.time()
    try:
        pipe = client.pipeline(transaction=False)  # each script is atomic on its own key
        for user_id, socket_id in sockets:
            script(keys=[_key(user_id)], args=_alive_args(socket_id, now), client=pipe)
        results = pipe.execute()
    except Exception as error:
        if not unreachable(error):
            raise
        outage.failed(error)
        return set()
    outage.succeeded()
    return {socket_id for (_, socket_id), came in zip(sockets, results, strict=True) if came == 1}


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
