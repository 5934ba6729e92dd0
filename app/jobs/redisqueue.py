"""Jobs in Redis through Dramatiq: web processes queue them, ``flask worker`` runs them.

Dramatiq keeps each queue as a Redis list (``devthread:jobs:<queue>``), the retries waiting for
their backoff in ``<queue>.DQ`` and the jobs that failed for good in ``<queue>.XQ`` (kept 7
days). A message taken by a worker stays acknowledged-pending until it finishes: a worker that
dies leaves its messages to be queued again by the others (at least once, so jobs must be
safe to run twice). The Redis client is the app's (``app.redisconn``), so a change of how
Redis is reached (Sentinel, issue 14) reaches the jobs too.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from typing import TYPE_CHECKING, Any

from flask import Flask

from app.jobs.core import Job, lookup, registry, run, send
from app.jobs.schedule import Scheduler
from app.observability import metrics

if TYPE_CHECKING:
    from dramatiq.brokers.redis import RedisBroker

log = logging.getLogger("app.jobs")

NAMESPACE = "devthread:jobs"
HEARTBEAT_KEY = f"{NAMESPACE}:scheduler:heartbeat"
CLAIM_PREFIX = f"{NAMESPACE}:claim:"
DEAD_MESSAGE_TTL = 7 * 86400 * 1000  # milliseconds


class RedisBackend:
    """Queue jobs in Redis with Dramatiq; one broker per process (after the fork)."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._brokers: dict[int, RedisBroker] = {}
        self._lock = threading.Lock()

    def _client(self):
        from app.redisconn import get_redis

        with self.app.app_context():
            return get_redis()

    def broker(self) -> RedisBroker:
        """Return this process's Dramatiq broker, every declared job an actor of it."""
        broker = self._brokers.get(os.getpid())
        if broker is not None:
            return broker
        with self._lock:
            broker = self._brokers.get(os.getpid())
            if broker is None:
                broker = self._build()
                self._brokers[os.getpid()] = broker
        return broker

    def _build(self) -> RedisBroker:
        from dramatiq.brokers.redis import RedisBroker
        from dramatiq.middleware import Middleware, Retries, TimeLimit

        class Outcomes(Middleware):
            """Count each run's outcome, once the retries middleware has decided it."""

            def after_process_message(self, broker, message, *, result=None, exception=None):
                if exception is None:
                    outcome = "done"
                elif message.failed:
                    outcome = "failed"
                else:
                    outcome = "retried"
                metrics.job_finished(message.actor_name, outcome)

        # Outcomes first: the "after" hooks run in reverse order, so it sees Retries' verdict.
        broker = RedisBroker(
            client=self._client(),
            namespace=NAMESPACE,
            middleware=[Outcomes(), TimeLimit(), Retries()],
            dead_message_ttl=DEAD_MESSAGE_TTL,
        )
        for declared in registry().values():
            self._declare(broker, declared)
        return broker

    def _declare(self, broker: RedisBroker, declared: Job) -> None:
        from dramatiq import Actor

        app, name = self.app, declared.name

        def perform(*args: Any, **kwargs: Any) -> None:
            run(app, name, list(args), kwargs)

        perform.__module__ = declared.fn.__module__
        Actor(
            perform,
            broker=broker,
            actor_name=name,
            queue_name=declared.queue,
            priority=0,
            options={
                "max_retries": declared.max_retries,
                "min_backoff": int(declared.min_backoff * 1000),
                "max_backoff": int(declared.max_backoff * 1000),
                "time_limit": int(declared.time_limit * 1000),
            },
        )

    def send(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Put a job at the end of its queue in Redis."""
        from dramatiq import Message

        broker = self.broker()
        declared = lookup(name)
        if name not in broker.actors:
            self._declare(broker, declared)
        broker.enqueue(
            Message(
                queue_name=declared.queue,
                actor_name=name,
                args=tuple(args),
                kwargs=kwargs,
                options={},
            )
        )

    def claim(self, key: str, ttl: float) -> bool:
        """Claim a periodic job's slot for all hosts; False when another scheduler has it."""
        return bool(self._client().set(CLAIM_PREFIX + key, 1, nx=True, ex=math.ceil(ttl)))

    def beat(self, now: float) -> None:
        """Leave the scheduler's heartbeat, for the alert that no scheduler runs."""
        self._client().set(HEARTBEAT_KEY, repr(now), ex=86400)

    def stats(self) -> dict[str, Any]:
        """Count the jobs waiting, waiting for a retry, and given up, by queue."""
        queues = sorted({job.queue for job in registry().values()} | {"default"})
        pipe = self._client().pipeline(transaction=False)
        for queue in queues:
            pipe.llen(f"{NAMESPACE}:{queue}")
            pipe.llen(f"{NAMESPACE}:{queue}.DQ")
            pipe.zcard(f"{NAMESPACE}:{queue}.XQ")
        pipe.get(HEARTBEAT_KEY)
        *counts, beat = pipe.execute()
        return {
            "queues": {
                queue: dict(
                    zip(("ready", "delayed", "dead"), counts[i * 3 : i * 3 + 3], strict=True)
                )
                for i, queue in enumerate(queues)
            },
            "heartbeat": float(beat) if beat else 0.0,
        }

    def scheduler(self) -> Scheduler:
        """Return a scheduler that claims its slots in Redis and queues the runs here."""
        return Scheduler(
            self, lambda: registry().values(), send=lambda name: send(name, [], {}, app=self.app)
        )

    def work(self, stop: threading.Event, *, threads: int, scheduler: bool) -> None:
        """Run jobs (and the scheduler) until ``stop`` is set, then finish the running ones."""
        from dramatiq import Worker

        worker = Worker(self.broker(), worker_threads=threads, worker_timeout=1000)
        worker.start()
        ticking = None
        if scheduler:
            ticking = threading.Thread(
                target=self.scheduler().run, args=(stop,), name="jobs-scheduler", daemon=True
            )
            ticking.start()
        try:
            while not stop.wait(1.0):
                pass
        finally:
            log.info("jobs: stopping; the jobs in progress finish first")
            worker.stop(timeout=30_000)
            if ticking is not None:
                ticking.join(timeout=5)
