"""One Redis client per process, created on first use (after the fork), and outage bookkeeping.

redis-py is imported only once Redis is used: importing it costs a tenth of a second and pulls in
OpenTelemetry, which an app without ``REDIS_URL`` (or without tracing) never needs.

``REDIS_URL`` names one server (``redis://host:6379/0``) or a Sentinel-watched primary:
``redis+sentinel://[:password@]sentinel1:26379,sentinel2:26379/<service>[?db=N]``. Then every
client asks the Sentinels where the primary is, and asks again when a connection to it fails,
so a fail-over needs no restart (docs/deploy.md).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from flask import current_app

if TYPE_CHECKING:
    import redis

log = logging.getLogger(__name__)

_clients: dict[tuple[int, str], redis.Redis] = {}


def unreachable(error: BaseException) -> bool:
    """Tell whether a Redis error means Redis is not there (refused, reset, timed out, loading)."""
    import redis

    return isinstance(error, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError)


def get_redis() -> redis.Redis:
    """Return this process's Redis client for the configured ``REDIS_URL``."""

    url = current_app.config["REDIS_URL"]
    key = (os.getpid(), url)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = blocking_client(url, health_check_interval=30)
    return client


# Connections one process's client opens at most. redis-py's default pool refuses the 101st
# (MaxConnectionsError, which reads as "Redis unreachable"): 200 sockets opening or closing at
# once lost their presence, and a publish in that moment lost its live push (issue 13). A
# blocking pool makes the burst wait its turn instead.
MAX_CONNECTIONS = 50
POOL_TIMEOUT = 5  # seconds a call waits for a free connection before it fails


SENTINEL_SCHEME = "redis+sentinel"


@dataclass(frozen=True)
class SentinelAddress:
    """Where the Sentinels are, which primary they watch, and the database to use on it."""

    sentinels: list[tuple[str, int]]
    service: str
    db: int = 0
    password: str | None = None


def parse_sentinel_url(url: str) -> SentinelAddress | None:
    """Read a ``redis+sentinel://`` URL; None for any other kind, ValueError when malformed."""
    parts = urlsplit(url)
    if parts.scheme != SENTINEL_SCHEME:
        return None
    hosts = parts.netloc.rsplit("@", 1)[-1]
    sentinels = []
    for location in filter(None, hosts.split(",")):
        host, _, port = location.rpartition(":") if ":" in location else (location, "", "26379")
        sentinels.append((host, int(port)))
    service = parts.path.strip("/")
    if not sentinels or not service or "/" in service:
        raise ValueError(
            "REDIS_URL with redis+sentinel:// needs host:port[,host:port...]/service[?db=N]"
        )
    db = int(parse_qs(parts.query).get("db", ["0"])[0])
    password = unquote(parts.password) if parts.password else None
    return SentinelAddress(sentinels, service, db, password)


def blocking_client(url: str, **options) -> redis.Redis:
    """Return a client whose callers wait for a free connection rather than fail in a burst."""
    import redis

    address = parse_sentinel_url(url)
    if address is not None:
        return sentinel_client(address, **options)
    pool = redis.BlockingConnectionPool.from_url(
        url,
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_TIMEOUT,
        socket_connect_timeout=2,
        socket_timeout=5,
        **options,
    )
    return redis.Redis(connection_pool=pool)


def plain_client(url: str, **options) -> redis.Redis:
    """Return a client with redis-py's own pool (for a pub/sub subscriber), Sentinel-aware."""
    import redis

    address = parse_sentinel_url(url)
    if address is None:
        return redis.Redis.from_url(url, **options)
    return _sentinel(address).master_for(
        address.service, db=address.db, password=address.password, **options
    )


def _sentinel(address: SentinelAddress):
    """Return a client of the Sentinels themselves (they answer fast or not at all)."""
    from redis.sentinel import Sentinel

    return Sentinel(
        address.sentinels,
        sentinel_kwargs={"socket_connect_timeout": 1, "socket_timeout": 1},
    )


def sentinel_client(address: SentinelAddress, **options) -> redis.Redis:
    """Return a client of the primary the Sentinels name, with the same waiting pool."""
    return _sentinel(address).master_for(
        address.service,
        connection_pool_class=_sentinel_blocking_pool(),
        max_connections=MAX_CONNECTIONS,
        timeout=POOL_TIMEOUT,
        db=address.db,
        password=address.password,
        socket_connect_timeout=2,
        socket_timeout=5,
        **options,
    )


def _sentinel_blocking_pool() -> type:
    """Return a Sentinel pool that waits for a free connection, as the plain one does."""
    import redis
    from redis.sentinel import SentinelConnectionPool

    class SentinelBlockingConnectionPool(SentinelConnectionPool, redis.BlockingConnectionPool):
        """Connections to whichever server the Sentinels call primary; callers wait their turn."""

    return SentinelBlockingConnectionPool


class Outage:
    """One Redis-backed feature's view of a Redis outage, in this process.

    It logs the start of an outage once and its end once (not a line per call). After a
    failure, ``skip`` tells reads that can do without Redis to skip it for ``pause`` seconds: an
    unreachable host costs the connect timeout (2 s) per call, which no page should pay over
    and over. Writes that must not be lost once Redis is back (a publish, a socket's presence)
    do not skip.
    """

    def __init__(self, feature: str, consequence: str, pause: float = 1.0) -> None:
        self.feature = feature
        self.consequence = consequence
        self.pause = pause
        self.down = False
        self._failed_at = 0.0
        self._lock = threading.Lock()

    def skip(self) -> bool:
        """Tell whether Redis failed so recently that this call should not try it."""
        return self.down and time.monotonic() - self._failed_at < self.pause

    def failed(self, error: BaseException) -> None:
        """Record a failed call; the first one of an outage is logged."""
        with self._lock:
            first = not self.down
            self.down = True
            self._failed_at = time.monotonic()
        if first:
            log.warning(
                "%s: Redis unreachable (%s: %s); %s until it returns",
                self.feature,
                type(error).__name__,
                error,
                self.consequence,
            )

    def succeeded(self) -> None:
        """Record a call that reached Redis; the end of an outage is logged."""
        if self.down:
            with self._lock:
                was_down, self.down = self.down, False
            if was_down:
                log.info("%s: Redis is back", self.feature)
