"""Jobs through the in-process queue (both databases): after the commit, retries, periodic."""

from __future__ import annotations

import time

import pytest
from prometheus_client.parser import text_string_to_metric_families

from app import jobs
from app.extensions import db
from app.jobs import enqueue, every, local_backend
from app.jobs.schedule import daily
from tests import jobs_for_tests
from tests.conftest import run_jobs
from tests.jobs_for_tests import always_fails, record


@pytest.fixture(autouse=True)
def _forget():
    jobs_for_tests.ran_here.clear()


def sample(client, name: str, **labels) -> float:
    """Read one sample of the app's /metrics (0 when absent)."""
    text = client.get("/metrics").get_data(as_text=True)
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                return s.value
    return 0.0


def test_a_job_enqueued_in_a_rolled_back_transaction_never_runs(app):
    with app.test_request_context():
        enqueue(record, "rolled back")
        db.session.rollback()
        enqueue(record, "committed")
        db.session.commit()
    assert run_jobs(app)[0].name == "tests.record"
    assert jobs_for_tests.ran_here == ["committed"]


def test_a_job_waits_for_the_commit_and_a_rolled_back_savepoint_drops_its_own(app):
    backend = local_backend(app)
    with app.test_request_context():
        enqueue(record, "outer")
        with db.session.begin_nested() as savepoint:
            enqueue(record, "in a savepoint")
            savepoint.rollback()
        assert backend.stats()["queues"]["default"]["ready"] == 0  # not before the commit
        db.session.commit()
    assert backend.stats()["queues"]["default"]["ready"] == 1
    run_jobs(app)
    assert jobs_for_tests.ran_here == ["outer"]


def test_a_request_that_fails_queues_nothing(app, client):
    from tests.conftest import make_user

    make_user(app, "alice")
    # Registering the same name again fails in the service, after the flush: rolled back.
    with app.test_request_context():
        from app.accounts import services
        from app.errors import DomainError

        enqueue(record, "before the error")
        with pytest.raises(DomainError):
            services.register_user(username="alice", email="a2@example.com", password="x" * 12)
        db.session.rollback()
    assert run_jobs(app) == []


def test_enqueue_refuses_what_a_worker_could_not_read(app):
    with app.test_request_context():
        with pytest.raises(TypeError):
            enqueue(record, object())
        with pytest.raises(KeyError):
            enqueue("no.such.job")


def test_retries_back_off_then_the_failure_is_recorded(app, client):
    with app.test_request_context():
        enqueue(always_fails, "x")
        db.session.commit()
    failed = {"job_name": "tests.always_fails", "outcome": "failed"}
    before = sample(client, "devthread_job_runs_total", **failed)
    runs = run_jobs(app)
    assert [r.attempt for r in runs] == [1, 2, 3, 4]  # max_retries=3
    assert all(r.error and "failing on purpose" in r.error for r in runs)
    # min_backoff 0.05 s doubling each time, jittered within its upper half, capped at 1 s.
    for run, base in zip(runs, (0.05, 0.1, 0.2), strict=False):
        assert base / 2 <= run.retry_in <= base
    assert runs[-1].retry_in is None
    assert [a.name for a in local_backend(app).failed] == ["tests.always_fails"]
    assert local_backend(app).stats()["queues"]["default"]["dead"] == 1
    assert sample(client, "devthread_job_runs_total", **failed) == before + 1
    assert sample(client, "devthread_jobs_queued", queue="default", state="dead") == 1


def test_a_job_that_finds_the_database_away_says_so_in_one_line(app, caplog):
    # A periodic job ran into a PostgreSQL outage in the server: no traceback for an outage.
    with app.test_request_context():
        enqueue(jobs_for_tests.database_away)
        db.session.commit()
    [run] = run_jobs(app)
    assert run.error and "Connection refused" in run.error
    [line] = [r for r in caplog.records if r.name == "app.jobs"]
    assert "the database is unavailable" in line.getMessage() and line.exc_info is None


def test_metrics_count_queued_jobs_their_runs_and_durations(app, client):
    labels = {"job_name": "tests.record"}
    enqueued = sample(client, "devthread_jobs_enqueued_total", **labels)
    done = sample(client, "devthread_job_runs_total", **labels, outcome="done")
    timed = sample(client, "devthread_job_duration_seconds_count", **labels)
    with app.test_request_context():
        enqueue(record, 1)
        enqueue(record, 2)
        db.session.commit()
    assert sample(client, "devthread_jobs_queued", queue="default", state="ready") == 2
    assert sample(client, "devthread_jobs_enqueued_total", **labels) == enqueued + 2
    run_jobs(app)
    assert sample(client, "devthread_jobs_queued", queue="default", state="ready") == 0
    assert sample(client, "devthread_job_runs_total", **labels, outcome="done") == done + 2
    assert sample(client, "devthread_job_duration_seconds_count", **labels) == timed + 2


def test_a_periodic_job_is_queued_once_per_slot(app):
    scheduler = local_backend(app).scheduler
    start = 1_800_000_000.0  # on a minute's boundary
    # On an hour's boundary too: the hourly and quarter-hourly jobs have a slot starting here.
    assert sorted(scheduler.tick(start)) == [
        "accounts.erase_due",
        # A scheduler that starts runs the current slot of every job if nobody did (the digests'
        # jobs mail nobody twice in one slot: app/digests/jobs.py).
        "digests.daily",
        "digests.weekly",
        "exports.fail_stale",
        "exports.prune",
        "feeds.refresh_trending",
        "media.cleanup",
        "tests.tick",
    ]
    queued = [scheduler.tick(start + t) for t in (0, 0.2, 0.7, 0.9)]
    assert queued == [[], [], [], []]
    assert scheduler.tick(start + 1.1) == ["tests.tick"]
    assert sorted(scheduler.tick(start + 60)) == ["feeds.refresh_trending", "tests.tick"]
    # A second scheduler of the same process (the claims are shared) queues nothing more.
    from app.jobs.schedule import Scheduler

    other = Scheduler(local_backend(app), lambda: jobs.registry().values(), send=lambda _: None)
    assert other.tick(start + 60.5) == []


def test_schedules_cut_time_into_slots():
    assert every(minutes=1).slot(119.9) == 1 and every(minutes=1).slot(120) == 2
    three = daily("03:00")
    day = 1_800_000_000 - 1_800_000_000 % 86400  # midnight UTC
    assert three.slot(day + 3 * 3600 - 1) == three.slot(day) != three.slot(day + 3 * 3600)
    assert three.starts(three.slot(day + 5 * 3600)) == day + 3 * 3600
    with pytest.raises(ValueError):
        daily("25:00")
    with pytest.raises(ValueError):
        every(seconds=0)


def test_the_web_process_runs_jobs_in_a_thread_without_redis(app):
    backend = local_backend(app)
    backend.start()
    try:
        with app.test_request_context():
            enqueue(record, "in a thread")
            db.session.commit()
        deadline = time.monotonic() + 10
        while "in a thread" not in jobs_for_tests.ran_here and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "in a thread" in jobs_for_tests.ran_here
        while backend.heartbeat is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert backend.heartbeat  # the scheduler thread ticks too
    finally:
        backend.stop()
        backend._pid = None
