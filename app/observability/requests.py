"""Per-request bookkeeping: the request id, the route label, and the access line and metrics."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

from flask import Flask, Response, g, has_request_context, request
from sqlalchemy import inspect
from werkzeug.local import LocalProxy

REQUEST_ID_HEADER = "X-Request-ID"
# Ids end up in logs and headers: accept only short, plain tokens from clients.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
UNMATCHED_ROUTE = "unmatched"
METRICS_ENDPOINT = "metrics.export_metrics"


def request_id() -> str:
    """Return this request's id: the client's when it is sane, else a new one."""
    current = g.get("request_id")
    if current is None:
        sent = request.headers.get(REQUEST_ID_HEADER, "")
        current = sent if SANE_REQUEST_ID.fullmatch(sent) else uuid.uuid4().hex
        g.request_id = current
    return current


def route_label() -> str:
    """Return the URL rule that matched (bounded cardinality), or ``unmatched``."""
    rule = request.url_rule
    return rule.rule if rule is not None else UNMATCHED_ROUTE


def current_user_id() -> int | None:
    """Return the id of the user already known for this request, without loading one."""
    # The API's bearer user, else the user Flask-Login has already loaded: never query for it
    # here, so logging adds no database work and still works while the database is down.
    user = g.get("api_user") or g.get("_login_user")
    if isinstance(user, LocalProxy):
        # login_user(current_user) stores the proxy itself, which then resolves to itself forever.
        return None
    # The identity, not ``user.id``: after a rollback the instance is expired and reading an
    # attribute would query again (and raise, when the rollback was for a database outage).
    state = inspect(user, raiseerr=False) if user is not None else None
    identity = state.identity if state is not None else None
    user_id = identity[0] if identity else getattr(user, "id", None)
    return user_id if isinstance(user_id, int) else None


def request_fields() -> dict[str, Any]:
    """Describe the current request for a log line (empty outside a request)."""
    if not has_request_context():
        return {}
    return {
        "request_id": request_id(),
        "user_id": current_user_id(),
        "method": request.method,
        "route": route_label(),
        "remote_addr": request.remote_addr,
    }


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
    from app.observability import logs, metrics

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
