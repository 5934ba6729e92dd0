"""The Redis queue: real `flask worker` processes run what the app queued (PostgreSQL + Redis run).

Two workers run at once, as on two hosts: each job runs once, retries back off then land in the
dead-letter queue, the periodic job runs once per slot, and both the workers' and the web's
metrics move.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from app.extensions import db
from app.jobs import enqueue, local_backend
from app.jobs.redisqueue import NAMESPACE, RedisBackend
from app.jobs.schedule import Scheduler
from app.redisconn import get_redis
from tests.conftest import DATABASE_URL, REDIS_URL
from tests.jobs_for_tests import RAN, always_fails, record

pytestmark = pytest.mark.redis_only
ROOT = Path(__file__).resolve().parent.parent
RECORD_DONE = {"job_name": "tests.record", "outcome": "done"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def flush_jobs(app) -> None:
    """Drop every key of the job queue and of the test jobs."""
    with app.app_context():
        client = get_redis()
        keys = [*client.scan_iter(f"{NAMESPACE}:*"), RAN]
        client.delete(*keys)


@pytest.fixture(scope="module")
def redis_app(app):
    """An app like the web processes of production: jobs go to Redis."""
    from app import create_app

    other = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": app.config["SECRET_KEY"],
            "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "JOBS_BACKEND": "redis",
        }
    )
    flush_jobs(other)
    return other


def scrape(url: str) -> dict[tuple[str, tuple], float]:
    text = requests.get(url, timeout=5).text
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(samples: dict, name: str, **labels) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


class Worker:
    """A `flask worker` process, with its metrics port."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        env = {
            **{k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"},
            "FLASK_APP": "wsgi",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
            "JOBS_IMPORT": "tests.jobs_for_tests",
            "WORKER_METRICS_PORT": str(self.port),
            "PYTHONPATH": str(ROOT),
        }
        self.log = log
        self.process = subprocess.Popen(
            [str(Path(sys.executable).with_name("flask")), "worker", "--threads", "2"],
            cwd=ROOT,
            env=env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/metrics"

    def wait_ready(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                requests.get(self.metrics_url, timeout=1)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise AssertionError("the worker did not start:\n" + self.log.read_text())

    def stop(self) -> str:
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=40)
        finally:
            if self.process.poll() is None:
                self.process.kill()
        return self.log.read_text()


@pytest.fixture(scope="module")
def workers(redis_app, tmp_path_factory):
    """Two workers, as two hosts would run them, each with its scheduler."""
    folder = tmp_path_factory.mktemp("workers")
    started = [Worker(folder / f"worker{i}.log") for i in range(2)]
    deadline = time.monotonic() + 60
    for worker in started:
        worker.wait_ready(deadline)
    yield started
    for worker in started:
        log = worker.stop()
        assert worker.process.returncode == 0, log
        assert "Worker stopped." in log


def ran(app) -> list[str]:
    with app.app_context():
        return [item.decode() for item in get_redis().lrange(RAN, 0, -1)]


def wait_for(predicate, seconds: float = 20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_a_worker_runs_what_the_app_queued_once(redis_app, workers):
    with redis_app.test_request_context():
        enqueue(record, "rolled back")
        db.session.rollback()
        enqueue(record, "from the app")
        db.session.commit()
    wait_for(lambda: "'from the app'" in ran(redis_app))
    time.sleep(0.5)
    assert [r for r in ran(redis_app) if "app" in r or "rolled" in r] == ["'from the app'"]
    done = sum(
        value(scrape(w.metrics_url), "devthread_job_runs_total", **RECORD_DONE) for w in workers
    )
    assert done == 1


def test_retries_back_off_then_the_job_is_dead(redis_app, workers):
    with redis_app.test_request_context():
        enqueue(always_fails, "r")
        db.session.commit()

    def given_up():
        samples = [scrape(w.metrics_url) for w in workers]
        failed = sum(
            value(s, "devthread_job_runs_total", job_name="tests.always_fails", outcome="failed")
            for s in samples
        )
        return failed and samples

    samples = wait_for(given_up)
    retried = sum(
        value(s, "devthread_job_runs_total", job_name="tests.always_fails", outcome="retried")
        for s in samples
    )
    assert retried == 3  # max_retries=3: four attempts in all
    assert ran(redis_app).count("('attempt', 'r')") == 4
    # Kept in the dead-letter queue, counted by every process's /metrics (here the web's).
    web = redis_app.test_client().get("/metrics").get_data(as_text=True)
    assert 'devthread_jobs_queued{queue="default",state="dead"} 1.0' in web
    with redis_app.app_context():
        assert get_redis().zcard(f"{NAMESPACE}:default.XQ") == 1


def test_the_periodic_job_runs_once_per_slot_with_two_workers(redis_app, workers):
    with redis_app.app_context():
        wait_for(lambda: get_redis().get(f"{NAMESPACE}:scheduler:heartbeat"))

    def queued() -> float:
        return sum(
            value(scrape(w.metrics_url), "devthread_jobs_enqueued_total", job_name="tests.tick")
            for w in workers
        )

    before, started = queued(), time.monotonic()
    time.sleep(4)
    during, elapsed = queued() - before, time.monotonic() - started
    # One run a second between both workers (twice that if each scheduler queued every slot).
    assert elapsed - 1 <= during <= elapsed + 1
    wait_for(lambda: len([r for r in ran(redis_app) if r.startswith("('tick'")]) >= queued() - 1)


def test_two_schedulers_queue_each_slot_once(redis_app):
    backend = redis_app.extensions["jobs"]
    assert isinstance(backend, RedisBackend)
    sent: list[tuple[int, str]] = []
    schedulers = [
        Scheduler(backend, lambda: [record_tick], send=lambda name, i=i: sent.append((i, name)))
        for i in range(2)
    ]
    start = 1_900_000_000.0 + (time.time() % 1000) * 100  # slots no other test used
    for offset in (0, 0.3, 0.6, 1.0, 1.4, 2.0):
        for scheduler in schedulers:
            with redis_app.app_context():
                scheduler.tick(start + offset)
    assert [name for _, name in sent] == ["tests.tick"] * 3


from tests.jobs_for_tests import tick as record_tick  # noqa: E402  (every second)


def test_the_worker_refuses_to_start_without_redis(app, runner):
    assert local_backend(app)
    result = runner.invoke(args=["worker"])
    assert result.exit_code != 0
    assert "without REDIS_URL" in result.output
