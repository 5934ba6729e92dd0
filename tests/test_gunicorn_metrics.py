"""A real gunicorn with two gevent workers: /metrics adds up what every worker counted."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import gunicorn
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine

from app.observability.metrics import pool_capacity

ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
START_TIMEOUT = 60
STOP_TIMEOUT = 30

pytestmark = pytest.mark.server


@dataclass
class Server:
    """A running gunicorn and where it writes."""

    process: subprocess.Popen
    url: str
    metrics_dir: Path
    log: Path
    database: Path


def free_port() -> int:
    """Return a port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str, timeout: float = 5) -> tuple[int, str]:
    """GET ``url`` on a new connection and return the status and body."""
    request = urllib.request.Request(url, headers={"Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until(check, timeout: float, what: str) -> None:
    """Poll ``check`` until it is true, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    """Start gunicorn as `make serve` would, on SQLite in a temporary folder."""
    metrics_dir = tmp_path / "prometheus"
    metrics_dir.mkdir()
    # A file left by an earlier run: gunicorn.conf.py must wipe it before the workers start.
    (metrics_dir / "counter_1.db").write_bytes(b"stale")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PROMETHEUS_"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path}/serve.sqlite",
        SECRET_KEY="gunicorn-test-secret-key-" + "x" * 24,
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
        WEB_CONCURRENCY=str(WORKERS),
        WORKER_CONNECTIONS="200",
        HOST="127.0.0.1",
        PORT=str(port),
        LOG_FORMAT="json",
        GRACEFUL_TIMEOUT="5",
    )
    for name in ("REDIS_URL", "DEVTHREAD_ENV", "METRICS_TOKEN", "PROXY_FIX", "ACCESS_LOG"):
        env.pop(name, None)
    log = tmp_path / "gunicorn.log"
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    if gunicorn.version_info >= (25, 1):
        # Its control socket path is per user ($HOME/.gunicorn): leave it to other gunicorns.
        command.append("--no-control-socket")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    running = Server(process, f"http://127.0.0.1:{port}", metrics_dir, log, tmp_path)

    def answers() -> bool:
        if process.poll() is not None:
            pytest.fail(f"gunicorn exited with {process.returncode}:\n{log.read_text()}")
        try:
            return get(running.url + "/readyz", timeout=1)[0] == 200
        except OSError:
            return False

    try:
        wait_until(answers, START_TIMEOUT, "gunicorn to answer /readyz")
        yield running
    finally:
        stop(process)


def stop(process: subprocess.Popen) -> None:
    """Stop gunicorn gracefully, then by force, never waiting without bound."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
        pytest.fail("gunicorn did not stop within its graceful timeout")


def access_pids(log: Path, route: str) -> dict[int, int]:
    """Count the JSON access lines for ``route`` per worker pid."""
    counts: dict[int, int] = {}
    for line in log.read_text().splitlines():
        if not line.startswith("{"):
            continue
        entry = json.loads(line)
        if entry.get("logger") == "devthread.access" and entry.get("route") == route:
            counts[entry["pid"]] = counts.get(entry["pid"], 0) + 1
    return counts


def scrape(url: str) -> dict[tuple[str, frozenset], float]:
    """Read /metrics from the server and index the samples by name and labels."""
    status, body = get(url + "/metrics")
    assert status == 200, body
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


HEALTHZ = (
    "devthread_http_requests_total",
    frozenset({"method": "GET", "route": "/healthz", "status": "200"}.items()),
)


def test_metrics_add_up_across_workers_and_survive_a_worker_exit(server: Server):
    assert not (server.metrics_dir / "counter_1.db").exists()
    sent = 0
    with ThreadPoolExecutor(max_workers=8) as pool:
        # Both workers must serve some requests for the sum to mean anything; the kernel
        # decides who accepts, so send more (bounded) until two pids show up in the logs.
        while sent < 300:
            statuses = list(pool.map(lambda _: get(server.url + "/healthz")[0], range(50)))
            assert statuses == [200] * 50
            sent += 50
            if len(access_pids(server.log, "/healthz")) >= WORKERS:
                break
        served = access_pids(server.log, "/healthz")
        if len(served) < WORKERS:
            # One worker won every accept (it happens on a loaded machine): pause it for a
            # moment so the other must take the next requests.
            (busy,) = served
            os.kill(busy, signal.SIGSTOP)
            try:
                statuses = list(pool.map(lambda _: get(server.url + "/healthz")[0], range(10)))
            finally:
                os.kill(busy, signal.SIGCONT)
            assert statuses == [200] * 10
            sent += 10
            wait_until(
                lambda: sum(access_pids(server.log, "/healthz").values()) == sent,
                10,
                "the access log to show every request",
            )
    served = access_pids(server.log, "/healthz")
    assert len(served) == WORKERS, served
    assert sum(served.values()) == sent

    # Every scrape, whichever worker answers it, sees the sum of all workers.
    for _ in range(4):
        samples = scrape(server.url)
        assert samples[HEALTHZ] == sent
    capacity = pool_capacity(create_engine(f"sqlite:///{server.database}/probe.sqlite").pool)
    assert samples[("devthread_db_pool_size", frozenset())] == WORKERS * capacity
    assert samples[("devthread_websocket_connections", frozenset())] == 0

    # A worker that exits takes its live gauges with it (child_exit -> mark_process_dead),
    # while what it counted stays in the totals.
    victim = max(served, key=served.get)
    live_file = server.metrics_dir / f"gauge_livesum_{victim}.db"
    assert live_file.exists()
    os.kill(victim, signal.SIGTERM)
    wait_until(lambda: not live_file.exists(), 20, "the exited worker's gauge file to go")
    wait_until(
        lambda: len(list(server.metrics_dir.glob("gauge_livesum_*.db"))) == WORKERS,
        20,
        "the replacement worker to start",
    )
    # Its gauge file appears when the metrics module is imported, its pool size a little
    # later, once the app is built.
    wait_until(
        lambda: scrape(server.url)[("devthread_db_pool_size", frozenset())] == WORKERS * capacity,
        20,
        "the replacement worker to report its pool",
    )
    samples = scrape(server.url)
    assert samples[HEALTHZ] == sent
