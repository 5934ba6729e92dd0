"""Per-request bookkeeping: the request id header, the access line and the request metrics."""

from __future__ import annotations

import time

from flask import Flask, Response, g, request

from app.observability import logs, metrics
from app.observability.context import REQUEST_ID_HEADER, request_id, route_label

METRICS_ENDPOINT = "metrics.export_metrics"


def start_request() -> None:
    """Note when the request started and settle its id."""
    g.request_started = time.perf_counter()
    request_id()


def finish_request(response: Response) -> Response:
    """Send the request id back, then record the access line and the request metrics."""
    response.headers[REQUEST_ID_HEADER] = request_id()
    _record(response.status_code)
    return response


def finish_failed_request(error: BaseException | None) -> None:
    """Record a request that ended in an exception no handler answered (tests, debug)."""
    if error is not None and not g.get("request_recorded"):
        _record(500)


def _record(status: int) -> None:
    g.request_recorded = True
    started = g.get("request_started") or time.perf_counter()
    duration = time.perf_counter() - started
    route = route_label()
    rule = request.url_rule
    websocket = bool(rule is not None and getattr(rule, "websocket", False))
    if websocket and status == 200:
        # flask-sock answers 200 once the socket has closed; the handshake itself was a 101.
        status = 101
    scrape = request.endpoint == METRICS_ENDPOINT
    if not scrape:
        metrics.observe_request(
            method=request.method,
            route=route,
            status=status,
            duration=duration,
            websocket=websocket,
        )
    logs.log_access(status=status, duration=duration, quiet=scrape)


def init_app(app: Flask) -> None:
    """Register the hooks so they wrap everything else the app does per request."""
    # First before_request (ahead of Flask-Limiter's), last after_request: the timing and the
    # request id then cover the rate-limit check, and the recorded status is the final one.
    app.before_request_funcs.setdefault(None, []).insert(0, start_request)
    app.after_request_funcs.setdefault(None, []).insert(0, finish_request)
    app.teardown_request(finish_failed_request)
