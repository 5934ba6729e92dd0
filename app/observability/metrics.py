"""Prometheus metrics: the names dashboards and alerts use, the helpers that move them, /metrics.

Under gunicorn, ``PROMETHEUS_MULTIPROC_DIR`` makes every worker write its values to files in
that directory and each scrape add them up, whichever worker answers. Without the variable
the process's default registry is served. Label values must come from small fixed sets
(route templates, event types, drop reasons, limit scopes) so the number of series stays bounded.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, abort, current_app, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import Pool

from app.extensions import db, limiter

if TYPE_CHECKING:
    from werkzeug.serving import BaseWSGIServer

log = logging.getLogger(__name__)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# From 1 ms (a cached read) to 5 s (beyond any acceptable page).
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# Publish-to-send: a few ms on one host, seconds when a consumer lags. Fine around 0.1 s and
# 1 s, the targets for a notification and a fan-out (bench/realtime.py reads their p99 here).
LAG_BUCKETS = (
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 0.75,
    1.0, 1.5, 2.0, 3.0, 5.0, 10.0, 30.0,
)  # fmt: skip

# Job metrics label the job "job_name": Prometheus owns "job" (the scrape job).
# A job takes from a few ms (a mail through a local relay) to minutes (an export).
JOB_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0)

# Any token is a valid HTTP method: anything else is counted as OTHER, so a client cannot create
# series at will.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# The *_created series double the output and multiprocess mode omits them: the same either way.
disable_created_metrics()

http_requests = Counter(
    "devthread_http_requests_total",
    "HTTP requests answered, by method, URL rule and status (WebSocket handshakes count as 101).",
    ["method", "route", "status"],
)
http_request_duration = Histogram(
    "devthread_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and URL rule (WebSockets excluded).",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
websocket_connections = Gauge(
    "devthread_websocket_connections",
    "WebSocket connections open now.",
    multiprocess_mode="livesum",
)
events_published = Counter(
    "devthread_events_published_total", "Events published to the event bus, by type.", ["type"]
)
events_delivered = Counter(
    "devthread_events_delivered_total", "Events sent on a WebSocket, by type.", ["type"]
)
event_delivery_lag = Histogram(
    "devthread_event_delivery_lag_seconds",
    "Time from publishing an event to sending it on a WebSocket.",
    buckets=LAG_BUCKETS,
)
events_dropped = Counter(
    "devthread_events_dropped_total",
    "Events not delivered to a socket, by reason (queue full, slow consumer, ...).",
    ["reason"],
)
db_pool_checked_out = Gauge(
    "devthread_db_pool_checked_out",
    "Database connections checked out of the SQLAlchemy pool now.",
    multiprocess_mode="livesum",
)
db_pool_size = Gauge(
    "devthread_db_pool_size",
    "Connections the SQLAlchemy pool may hand out at once (pool_size + max_overflow).",
    multiprocess_mode="livesum",
)
rate_limit_refusals = Counter(
    "devthread_rate_limit_refusals_total",
    "Requests refused with 429 by a rate limit, by limit scope.",
    ["scope"],
)

jobs_enqueued = Counter(
    "devthread_jobs_enqueued_total", "Jobs handed to the queue, by job name.", ["job_name"]
)
jobs_lost = Counter(
    "devthread_jobs_lost_total",
    "Jobs that could not be queued after their transaction committed (Redis away), by job.",
    ["job_name"],
)
job_runs = Counter(
    "devthread_job_runs_total",
    "Attempts of jobs, by job and outcome: done, retried (a retry is due) or failed (given up).",
    ["job_name", "outcome"],
)
job_durations = Histogram(
    "devthread_job_duration_seconds",
    "Time one attempt of a job took, by job.",
    ["job_name"],
    buckets=JOB_BUCKETS,
)


def job_enqueued(job: str) -> None:
    """Count a job handed to the queue."""
    jobs_enqueued.labels(job_name=job).inc()


def job_lost(job: str) -> None:
    """Count a job that could not be queued."""
    jobs_lost.labels(job_name=job).inc()


def job_finished(job: str, outcome: str) -> None:
    """Count one attempt of a job: done, retried or failed."""
    job_runs.labels(job_name=job, outcome=outcome).inc()


def job_duration(job: str, seconds: float) -> None:
    """Record how long one attempt of a job took."""
    job_durations.labels(job_name=job).observe(seconds)


class JobsCollector(Collector):
    """The queue's depth and the scheduler's heartbeat, read when scraped (from Redis).

    Every web process and worker reports the same values (the queue is shared): dashboards and
    alerts take their max. Read at scrape time, the depth is right even when no worker runs.
    """

    source: Callable[[], dict[str, Any]] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        if self.source is None:
            return
        try:
            stats = self.source()
        except Exception as error:
            log.warning("metrics: the job queue could not be read (%s)", error)
            return
        queued = GaugeMetricFamily(
            "devthread_jobs_queued",
            "Jobs in the queue, by queue and state: ready, delayed (a retry waits), dead.",
            labels=["queue", "state"],
        )
        for queue, counts in sorted(stats["queues"].items()):
            for state, count in sorted(counts.items()):
                queued.add_metric([queue, state], count)
        yield queued
        yield GaugeMetricFamily(
            "devthread_jobs_scheduler_heartbeat_timestamp_seconds",
            "When a scheduler of periodic jobs last ticked (Unix time; 0: never).",
            value=stats.get("heartbeat") or 0.0,
        )


jobs_collector = JobsCollector()
REGISTRY.register(jobs_collector)


def watch_jobs(source: Callable[[], dict[str, Any]]) -> None:
    """Report the job queue's depth from ``source`` on every scrape."""
    jobs_collector.source = source


def observe_request(
    *, method: str, route: str, status: int, duration: float, websocket: bool = False
) -> None:
    """Count one answered request and, unless it was a WebSocket, its duration."""
    method = method if method in KNOWN_METHODS else "OTHER"
    http_requests.labels(method=method, route=route, status=str(status)).inc()
    if not websocket:
        # A socket's duration is its lifetime, which would swamp the latency percentiles.
        http_request_duration.labels(method=method, route=route).observe(duration)


def socket_opened() -> None:
    """Count a WebSocket that was accepted."""
    websocket_connections.inc()


def socket_closed() -> None:
    """Count a WebSocket that closed."""
    websocket_connections.dec()


def event_published(event_type: str) -> None:
    """Count an event published to the bus."""
    events_published.labels(type=event_type).inc()


_delivered_by_type: dict[str, Any] = {}


def event_delivered(event_type: str, lag_seconds: float) -> None:
    """Count an event sent on a socket and how long after publishing it went out."""
    # Once per socket of a fan-out: the labelled child is looked up once per type.
    counter = _delivered_by_type.get(event_type)
    if counter is None:
        counter = _delivered_by_type[event_type] = events_delivered.labels(type=event_type)
    counter.inc()
    event_delivery_lag.observe(max(lag_seconds, 0.0))


def event_dropped(reason: str) -> None:
    """Count an event that a socket did not get."""
    events_dropped.labels(reason=reason).inc()


def rate_limit_refused(scope: str) -> None:
    """Count a request refused by a rate limit."""
    rate_limit_refusals.labels(scope=scope).inc()


def rate_limit_scope(error: Exception) -> str:
    """Name the limit behind a 429: a shared limit's scope, else the endpoint it guards."""
    limit = getattr(error, "limit", None)
    scope = getattr(limit, "scope", None)
    if getattr(limit, "shared", False) and isinstance(scope, str) and scope:
        return scope
    return request.endpoint or "unknown"


def pool_capacity(pool: Pool) -> int:
    """Return how many connections ``pool`` may hand out at once."""
    size = getattr(pool, "size", None)
    size = size() if callable(size) else size
    if not isinstance(size, int):
        return 0
    # QueuePool keeps its overflow limit private; -1 means unbounded, so report the base size.
    overflow = getattr(pool, "_max_overflow", 0)
    return size + overflow if isinstance(overflow, int) and overflow > 0 else size


def _on_checkout(_dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    db_pool_checked_out.inc()


def _on_checkin(_dbapi_connection: Any, _record: Any) -> None:
    db_pool_checked_out.dec()


def watch_pool(engine: Engine) -> None:
    """Follow ``engine``'s pool in the pool gauges."""
    if not event.contains(engine, "checkout", _on_checkout):
        event.listen(engine, "checkout", _on_checkout)
        event.listen(engine, "checkin", _on_checkin)
    db_pool_size.set(pool_capacity(engine.pool))


def is_loopback_request() -> bool:
    """Tell whether the request comes from this machine and not through a proxy on it."""
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    if not (address.is_loopback or (mapped is not None and mapped.is_loopback)):
        return False
    # A proxy on the same host makes every outside request look local. Unless ProxyFix has
    # already put the client's address in remote_addr, a forwarded request is not local.
    forwarded = any(request.headers.get(h) for h in ("X-Forwarded-For", "Forwarded", "X-Real-IP"))
    return not forwarded or bool(current_app.config.get("PROXY_FIX"))


def has_metrics_token() -> bool:
    """Tell whether the request carries ``Authorization: Bearer <METRICS_TOKEN>``."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        return False
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode()
    )


def render_metrics() -> bytes:
    """Render every metric in the Prometheus text format, summed over workers when needed."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        # A fresh registry per scrape: the collector reads the files of all workers, live or gone.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        registry.register(jobs_collector)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


bp = Blueprint("metrics", __name__)


@bp.get("/metrics")
@limiter.exempt
def export_metrics() -> Response:
    """Serve the metrics to loopback or to a holder of METRICS_TOKEN; 404 for anyone else."""
    if not (is_loopback_request() or has_metrics_token()):
        abort(404)
    return Response(render_metrics(), content_type=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Serve /metrics and follow the app's database pool."""
    app.register_blueprint(bp)
    with app.app_context():
        watch_pool(db.engine)


def serve_metrics(app: Flask, host: str, port: int) -> BaseWSGIServer:
    """Serve /metrics from a process with no web server of its own (``flask worker``)."""
    from werkzeug.exceptions import HTTPException, NotFound
    from werkzeug.serving import make_server

    def application(environ, start_response):
        with app.request_context(environ):
            try:
                if request.path != "/metrics":
                    raise NotFound()
                response = export_metrics()
            except HTTPException as error:
                response = error.get_response()
            return response(environ, start_response)

    server = make_server(host, port, application, threaded=False)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
