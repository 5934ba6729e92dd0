"""The event bus: one interface, two implementations.

In-process (embedded): publishing hands the message straight to this process's hub.
Redis (``REDIS_URL`` set): publishing goes to one Redis channel; each worker process runs one
subscriber loop that hands every message to its own hub, which fans out to its own sockets.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import threading
import time
from typing import Any, Protocol

from flask import current_app

from app.redisconn import Outage, plain_client, unreachable

log = logging.getLogger(__name__)

CHANNEL = "devthread:events"


class Bus(Protocol):
    """Carries published events to every process that holds sockets."""

    def publish(self, message: dict[str, Any]) -> None:
        """Send a message to every process (and so to every socket it concerns)."""

    def ensure_started(self) -> None:
        """Start receiving in this process, if this bus receives at all."""


class LocalBus:
    """Embedded mode: one process, so publishing is delivering."""

    def publish(self, message: dict[str, Any]) -> None:
        """Deliver to this process's sockets."""
        from app.observability import metrics
        from app.realtime.hub import hub

        metrics.event_published(message["event"]["type"])
        hub.deliver(message)

    def ensure_started(self) -> None:
        """Nothing to start: there is no subscriber."""


class RedisBus:
    """Production: Redis pub/sub with one subscriber loop per worker process."""

    def __init__(self, url: str) -> None:
        from app.redisconn import blocking_client

        self.url = url
        self.client = blocking_client(url)
        self.outage = Outage(
            "event bus", "live pushes are dropped (stored events are replayed on reconnect)"
        )
        self._pid: int | None = None
        self._lock = threading.Lock()
        self.connected = threading.Event()

    def publish(self, message: dict[str, Any]) -> None:
        """Publish to every worker; stored events survive a failure here (replayed on resume)."""
        from app.observability import metrics

        # No pause after a failure here (unlike presence reads): an event published the moment
        # Redis is back must go out live.
        try:
            self.client.publish(CHANNEL, json.dumps(message, separators=(",", ":")))
        except Exception as error:  # Redis down: live delivery is lost, stored events are not
            if unreachable(error):
                self.outage.failed(error)
            else:
                log.exception("could not publish %s", message["event"]["type"])
            return
        self.outage.succeeded()
        metrics.event_published(message["event"]["type"])

    def ensure_started(self) -> None:
        """Start this process's subscriber once (guarded by pid: gunicorn forks workers)."""
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
            thread = threading.Thread(target=self._run, name="devthread-bus", daemon=True)
            thread.start()

    def _run(self) -> None:
        """Receive forever, reconnecting with backoff; after a reconnect, sockets catch up."""

        from app.realtime.hub import hub

        delay = 0.2
        first = True
        while True:
            pubsub = None
            try:
                client = plain_client(
                    self.url, socket_connect_timeout=2, socket_timeout=10, health_check_interval=10
                )
                pubsub = client.pubsub(ignore_subscribe_messages=True)
                pubsub.subscribe(CHANNEL)
                self.connected.set()
                if not first:
                    log.info("event bus subscriber is back on Redis")
                    # Messages published while we were away are lost: replay stored ones.
                    hub.resync_all()
                first = False
                delay = 0.2
                while True:
                    item = pubsub.get_message(timeout=1.0)
                    if item is None:
                        continue
                    try:
                        hub.deliver(json.loads(item["data"]))
                    except Exception:
                        log.exception("bad bus message")
            except Exception as error:
                # The first failure of an outage is a warning; each retry after it only a debug
                # line, so a long outage does not fill the log.
                lost = self.connected.is_set() or first
                self.connected.clear()
                log.log(
                    logging.WARNING if lost else logging.DEBUG,
                    "event bus subscriber lost Redis (%s); retrying in %.1fs",
                    error,
                    delay,
                )
                first = False
                time.sleep(delay)
                delay = min(delay * 2, 5.0)
            finally:
                if pubsub is not None:
                    with contextlib.suppress(Exception):
                        pubsub.close()


_buses: dict[tuple[int, str], Bus] = {}


def get_bus() -> Bus:
    """Return this process's bus for the app's configuration."""
    url = current_app.config.get("REDIS_URL") or ""
    key = (os.getpid(), url)
    bus = _buses.get(key)
    if bus is None:
        bus = RedisBus(url) if url else LocalBus()
        _buses[key] = bus
    return bus
