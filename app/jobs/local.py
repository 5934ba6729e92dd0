"""The in-process queue: without Redis, a thread of the web process runs the jobs.

For the embedded default (`make run`) and the tests. Jobs wait in memory (lost if the process
stops), retries wait in a heap ordered by when they are due, and a second thread ticks the
periodic jobs' scheduler. Tests start no thread: they call ``drain()``, which runs what is queued
and jumps over the retries' waits, so that every run is deterministic.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from flask import Flask

from app.errors import is_database_outage
from app.jobs.core import lookup, registry, run, send
from app.jobs.schedule import Scheduler
from app.observability import metrics

log = logging.getLogger("app.jobs")


@dataclass
class Message:
    """A job waiting in memory."""

    name: str
    args: list[Any]
    kwargs: dict[str, Any]
    retries: int = 0


@dataclass
class LocalRun:
    """One attempt of a job, as ``drain()`` reports it."""

    name: str
    attempt: int
    error: str | None = None
    retry_in: float | None = None  # seconds until the next attempt, when one is due


class LocalBackend:
    """Queue jobs in this process's memory and run them in a thread of its own."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._lock = threading.Condition()
        self._ready: deque[Message] = deque()
        self._delayed: list[tuple[float, int, Message]] = []
        self._order = itertools.count()
        self._claims: dict[str, float] = {}
        self.failed: deque[LocalRun] = deque(maxlen=200)
        self.heartbeat: float | None = None
        self.scheduler = Scheduler(self, lambda: registry().values(), send=self._send_periodic)
        self._pid: int | None = None
        self._stop = threading.Event()

    def _send_periodic(self, name: str) -> None:
        send(name, [], {}, app=self.app)

    def send(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Put a job at the end of the queue."""
        with self._lock:
            self._ready.append(Message(name, args, kwargs))
            self._lock.notify()

    def claim(self, key: str, ttl: float) -> bool:
        """Claim a periodic job's slot in this process; False when it was claimed already."""
        now = time.time()
        with self._lock:
            for stale in [k for k, until in self._claims.items() if until <= now]:
                del self._claims[stale]
            if key in self._claims:
                return False
            self._claims[key] = now + ttl
            return True

    def beat(self, now: float) -> None:
        """Remember when the scheduler last ticked."""
        self.heartbeat = now

    def stats(self) -> dict[str, Any]:
        """Count the jobs waiting, waiting for a retry, and given up, by queue."""
        queues = {job.queue: _empty() for job in registry().values()}
        with self._lock:
            waiting = [("ready", m) for m in self._ready]
            waiting += [("delayed", m) for _, _, m in self._delayed]
            failed = list(self.failed)
        for state, message in waiting:
            counts = queues.setdefault(lookup(message.name).queue, _empty())
            counts[state] += 1
        for attempt in failed:
            queues.setdefault(lookup(attempt.name).queue, _empty())["dead"] += 1
        return {"queues": queues, "heartbeat": self.heartbeat}

    def reset(self) -> None:
        """Forget every queued job, retry, failure and claim (between tests)."""
        with self._lock:
            self._ready.clear()
            self._delayed.clear()
            self._claims.clear()
            self.failed.clear()
        self.scheduler.seen.clear()

    def _next(self, now: float) -> Message | None:
        with self._lock:
            while self._delayed and self._delayed[0][0] <= now:
                self._ready.append(heapq.heappop(self._delayed)[2])
            return self._ready.popleft() if self._ready else None

    def attempt(self, message: Message, now: float) -> LocalRun:
        """Run a job once; queue its retry after the backoff, or record that it failed."""
        job = lookup(message.name)
        attempt = message.retries + 1
        try:
            run(self.app, message.name, message.args, message.kwargs)
        except Exception as error:
            if message.retries < job.max_retries:
                delay = job.backoff(message.retries)
                message.retries += 1
                with self._lock:
                    heapq.heappush(self._delayed, (now + delay, next(self._order), message))
                metrics.job_finished(message.name, "retried")
                log.warning(
                    "jobs: %s failed (attempt %d, %r); retrying in %.1f s",
                    message.name,
                    attempt,
                    error,
                    delay,
                )
                return LocalRun(message.name, attempt, repr(error), delay)
            metrics.job_finished(message.name, "failed")
            if is_database_outage(error):
                # Said in one line, as requests say it: a traceback per job adds nothing.
                log.warning(
                    "jobs: %s failed after %d attempts: the database is unavailable (%s)",
                    message.name,
                    attempt,
                    type(error).__name__,
                )
            else:
                log.error(
                    "jobs: %s failed for good after %d attempts",
                    message.name,
                    attempt,
                    exc_info=True,
                )
            record = LocalRun(message.name, attempt, repr(error))
            with self._lock:
                self.failed.append(record)
            return record
        metrics.job_finished(message.name, "done")
        return LocalRun(message.name, attempt)

    def drain(self, *, limit: int = 1000) -> list[LocalRun]:
        """Run what is queued, and the retries it causes at once, ignoring their waits."""
        runs: list[LocalRun] = []
        clock = time.time()
        while len(runs) < limit:
            message = self._next(clock)
            if message is None:
                with self._lock:
                    if not self._delayed:
                        break
                    # A virtual clock: the wait before a retry passes at once.
                    clock = max(clock, self._delayed[0][0])
                continue
            runs.append(self.attempt(message, clock))
        return runs

    def start(self) -> None:
        """Start the worker and scheduler threads once in this process."""
        if self._pid == os.getpid():
            return
        with self._lock:
            if self._pid == os.getpid():
                return
            self._pid = os.getpid()
        self._stop.clear()
        threading.Thread(target=self._work, name="jobs-worker", daemon=True).start()
        threading.Thread(
            target=self.scheduler.run, args=(self._stop,), name="jobs-scheduler", daemon=True
        ).start()
        log.info("jobs: running in this process (no REDIS_URL)")

    def stop(self) -> None:
        """Stop the threads after the job in progress."""
        self._stop.set()
        with self._lock:
            self._lock.notify_all()

    def _work(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            message = self._next(now)
            if message is None:
                with self._lock:
                    wait = self._delayed[0][0] - now if self._delayed else 1.0
                    self._lock.wait(min(max(wait, 0.01), 1.0))
                continue
            self.attempt(message, now)


def _empty() -> dict[str, int]:
    return {"ready": 0, "delayed": 0, "dead": 0}
