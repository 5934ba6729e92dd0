"""One Redis client per process, created on first use (after the fork)."""

from __future__ import annotations

import os

import redis
from flask import current_app

_clients: dict[tuple[int, str], redis.Redis] = {}


def get_redis() -> redis.Redis:
    """Return this process's Redis client for the configured ``REDIS_URL``."""
    url = current_app.config["REDIS_URL"]
    key = (os.getpid(), url)
    client = _clients.get(key)
    if client is None:
        client = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
        )
        _clients[key] = client
    return client
