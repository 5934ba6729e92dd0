"""The job registry, and running one job: shared by the in-process queue and the Redis worker."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from flask import Flask, current_app

from app.extensions import db
from app.jobs.schedule import Schedule
from app.observability import metrics

log = logging.getLogger("app.jobs")


@dataclass(frozen=True)
class Job:
    """A function that runs in the background, under a stable name."""

    name: str
    fn: Callable[..., Any] = field(repr=False)
    queue: str = "default"
    max_retries: int = 5
    min_backoff: float = 10.0  # seconds before the first retry; each next one waits twice as long
    max_backoff: float = 3600.0
    time_limit: float = 600.0  # seconds (enforced by the Redis worker)
    schedule: Schedule | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Run the job here and now (tests, commands), not through the queue."""
        return self.fn(*args, **kwargs)

    def backoff(self, retries: int) -> float:
        """Return the seconds to wait before retry number ``retries + 1``, with jitter."""
        # Dramatiq's formula (min_backoff * 2^retries, capped, the upper half jittered), so
        # both backends wait alike; the jitter spreads the retries of jobs that failed together.
        base = min(self.min_backoff * 2 ** min(retries, 32), self.max_backoff)
        return base / 2 + random.uniform(0, base / 2)


_registry: dict[str, Job] = {}


def job(
    name: str,
    *,
    queue: str = "default",
    max_retries: int = 5,
    min_backoff: float = 10.0,
    max_backoff: float = 3600.0,
    time_limit: float = 600.0,
    schedule: Schedule | None = None,
) -> Callable[[Callable[..., Any]], Job]:
    """Declare a function as the job ``name`` (a periodic one when given a ``schedule``)."""

    def register(fn: Callable[..., Any]) -> Job:
        known = _registry.get(name)
        if known is not None and known.fn.__qualname__ != fn.__qualname__:
            raise ValueError(f"two jobs are named {name!r}")
        declared = Job(
            name=name,
            fn=fn,
            queue=queue,
            max_retries=max_retries,
            min_backoff=min_backoff,
            max_backoff=max_backoff,
            time_limit=time_limit,
            schedule=schedule,
        )
        _registry[name] = declared
        return declared

    return register


def registry() -> dict[str, Job]:
    """Return every declared job by name."""
    return dict(_registry)


def lookup(target: Job | str) -> Job:
    """Return the declared job for a job or a name; KeyError for an unknown name."""
    return _registry[target.name if isinstance(target, Job) else target]


class Backend(Protocol):
    """Where queued jobs go: memory and a thread, or Redis and ``flask worker``."""

    def send(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> None: ...

    def claim(self, key: str, ttl: float) -> bool: ...

    def beat(self, now: float) -> None: ...

    def stats(self) -> dict[str, Any]: ...


def backend(app: Flask | None = None) -> Backend:
    """Return the app's job backend."""
    return (app or current_app).extensions["jobs"]


def send(name: str, args: list[Any], kwargs: dict[str, Any], app: Flask | None = None) -> bool:
    """Hand a job to the backend now; log and count it when that fails."""
    try:
        backend(app).send(name, args, kwargs)
    except Exception:
        # Its transaction committed already: say loudly what will not run.
        log.exception("jobs: could not queue %s; it will not run", name)
        metrics.job_lost(name)
        return False
    metrics.job_enqueued(name)
    return True


def run(app: Flask, name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
    """Run one job in its own app context, timing it; what it raises goes to the caller."""
    declared = _registry[name]
    started = time.perf_counter()
    try:
        with app.app_context():
            try:
                declared.fn(*args, **kwargs)
            finally:
                # What the job did not commit is rolled back, as at the end of a request.
                db.session.remove()
    finally:
        metrics.job_duration(name, time.perf_counter() - started)
