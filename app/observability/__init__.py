"""Request ids, JSON logs, Prometheus metrics and optional tracing, wired in one call."""

from __future__ import annotations

from flask import Flask


def register_observability(app: Flask) -> None:
    """Attach request ids, access logs, metrics and (when configured) tracing to the app."""
    from app.observability import logs, metrics, requests, tracing

    logs.init_app(app)
    requests.init_app(app)
    metrics.init_app(app)
    tracing.init_app(app)
