"""Tell whether PostgreSQL and Redis answer; in CI a missing service is a failure."""

from __future__ import annotations

import os
import sys

import psycopg
import redis


def main() -> int:
    """Exit 0 when both answer, 1 when one is missing in CI, 3 when missing elsewhere."""
    pg_url = os.environ.get(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/devthread_test"
    )
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    problems = []
    try:
        dsn = pg_url.replace("postgresql+psycopg://", "postgresql://").rsplit("/", 1)[0]
        psycopg.connect(dsn + "/postgres", connect_timeout=3).close()
    except Exception as error:
        problems.append(f"PostgreSQL: {error}".strip())
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=3).ping()
    except Exception as error:
        problems.append(f"Redis: {error}")
    if not problems:
        return 0
    for problem in problems:
        print(problem, file=sys.stderr)
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        print("CI=true: the PostgreSQL + Redis run is required, so this is a failure.")
        return 1
    return 3


if __name__ == "__main__":
    sys.exit(main())
