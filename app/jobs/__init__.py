"""Background jobs: declared with ``@job``, queued after the transaction commits, run elsewhere.

With ``REDIS_URL`` the jobs go to Redis (Dramatiq) and ``flask worker`` runs them, with the
scheduler of the periodic ones; gunicorn's workers never do. Without it (the embedded default)
a thread of the web process runs them from a queue in memory. Either way a job is queued only
once the transaction that asked for it has committed, as events are (``app.realtime.events``):
a rolled-back request queues nothing. docs/jobs.md tells what runs where and how to add a job.

    @job("reports.build", max_retries=3)
    def build_report(report_id: int) -> None: ...

    enqueue(build_report, report.id)   # in a service, before it commits
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.extensions import db
from app.jobs.core import Job, backend, job, lookup, registry, send
from app.jobs.schedule import Schedule, daily, every
from app.observability import metrics

if TYPE_CHECKING:
    from app.jobs.local import LocalBackend, LocalRun

__all__ = [
    "Job",
    "Schedule",
    "backend",
    "daily",
    "drain",
    "enqueue",
    "enqueue_now",
    "every",
    "job",
    "registry",
]

PENDING = "devthread_pending_jobs"
BACKENDS = ("local", "redis")


def enqueue(target: Job | str, /, *args: Any, **kwargs: Any) -> None:
    """Queue a job to run once the current transaction commits; a rollback drops it."""
    declared = lookup(target)
    # Checked here, where the caller is: no worker could read what JSON cannot carry.
    json.dumps([args, kwargs])
    session = db.session()
    if not session.in_transaction():
        # So that the next commit carries the job even when nothing else is written.
        session.begin()
    # Kept with the innermost transaction (a savepoint's): its rollback drops the job.
    within = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(PENDING, []).append((within, declared.name, list(args), kwargs))


def enqueue_now(target: Job | str, /, *args: Any, **kwargs: Any) -> bool:
    """Queue a job at once, outside any transaction (commands); tell whether it was queued."""
    declared = lookup(target)
    json.dumps([args, kwargs])
    return send(declared.name, list(args), kwargs)


def _after_commit(session: Session) -> None:
    for _within, name, args, kwargs in session.info.pop(PENDING, None) or ():
        send(name, args, kwargs)


def _after_rollback(session: Session, previous_transaction: SessionTransaction) -> None:
    if not previous_transaction.nested:
        session.info.pop(PENDING, None)
        return
    # A savepoint rolled back: the jobs queued inside it (or inside savepoints of it) go with it.
    session.info[PENDING] = [
        item for item in session.info.get(PENDING, ()) if not _inside(item[0], previous_transaction)
    ]


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def drain(app: Flask | None = None) -> list[LocalRun]:
    """Run every job queued in this process now, retries included (tests, commands)."""
    return local_backend(app).drain()


def local_backend(app: Flask | None = None) -> LocalBackend:
    """Return the app's in-process backend; RuntimeError when it queues in Redis."""
    from app.jobs.local import LocalBackend

    current = backend(app)
    if not isinstance(current, LocalBackend):
        raise RuntimeError("this app queues its jobs in Redis: `flask worker` runs them")
    return current


def init_app(app: Flask) -> None:
    """Give the app its job backend and attach the commit hooks (once per process)."""
    choice = app.config.get("JOBS_BACKEND") or ("redis" if app.config.get("REDIS_URL") else "local")
    if choice not in BACKENDS:
        from app.config import ConfigError

        raise ConfigError(f"JOBS_BACKEND must be one of {', '.join(BACKENDS)}, got {choice!r}")
    app.config["JOBS_BACKEND"] = choice
    if choice == "redis":
        from app.jobs.redisqueue import RedisBackend

        app.extensions["jobs"] = RedisBackend(app)
    else:
        from app.jobs.local import LocalBackend

        local = LocalBackend(app)
        app.extensions["jobs"] = local
        if not app.testing:
            # The serving process starts the threads at its first request: `flask db upgrade`
            # and the other commands never run jobs behind the operator's back.
            app.before_request(local.start)
    metrics.watch_jobs(lambda: backend().stats())
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _after_rollback)
