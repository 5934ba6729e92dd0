"""Jobs that only the tests declare; `flask worker` imports them through JOBS_IMPORT."""

from __future__ import annotations

import time

from flask import current_app

from app.jobs import every, job

RAN = "devthread:test:ran"  # a Redis list the worker's jobs write to
ran_here: list[object] = []  # what the in-process queue ran


def _record(value: object) -> None:
    if current_app.config.get("JOBS_BACKEND") == "redis":
        from app.redisconn import get_redis

        get_redis().rpush(RAN, repr(value))
    else:
        ran_here.append(value)


@job("tests.record")
def record(value: object) -> None:
    """Write down the value it was given."""
    _record(value)


@job("tests.always_fails", max_retries=3, min_backoff=0.05, max_backoff=1)
def always_fails(value: object) -> None:
    """Fail every time."""
    _record(("attempt", value))
    raise RuntimeError(f"failing on purpose ({value})")


@job("tests.tick", schedule=every(seconds=1))
def tick() -> None:
    """Write down when it ran (a periodic job, every second)."""
    _record(("tick", time.time()))


@job("tests.database_away", max_retries=0)
def database_away() -> None:
    """Fail as a job does while PostgreSQL is down (the connection refused)."""
    import psycopg
    import sqlalchemy.exc

    refused = psycopg.OperationalError("connection failed: Connection refused")
    raise sqlalchemy.exc.OperationalError("SELECT 1", {}, refused)
