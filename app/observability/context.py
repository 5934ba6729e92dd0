"""What a log line or a metric says about the current request: its id, route and user.

Read by the log formatters and by the per-request hooks alike, so it depends on neither.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import g, has_request_context, request
from sqlalchemy import inspect
from werkzeug.local import LocalProxy

REQUEST_ID_HEADER = "X-Request-ID"
# Ids end up in logs and headers: accept only short, plain tokens from clients.
SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
UNMATCHED_ROUTE = "unmatched"


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
    user = g.get("api_user") or g.get("api_caller") or g.get("_login_user")
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
