"""Optional OpenTelemetry tracing, on only when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set.

Nothing of OpenTelemetry is imported otherwise, so tracing costs nothing when it is off.
Install it with ``pip install -e '.[otel]'``. The exporter speaks OTLP over HTTP (port 4318);
the usual ``OTEL_*`` variables (service name, headers, sampler) are read by the SDK itself.
"""

from __future__ import annotations

import os
from typing import Any

from flask import Flask

from app.config import ConfigError

ENDPOINT_SETTING = "OTEL_EXPORTER_OTLP_ENDPOINT"
# Anchored on the path: a bare "ws" would also exclude /u/newsbot or any URL containing "ws".
EXCLUDED_URLS = r"/ws(\?.*)?$,/metrics(\?.*)?$"

# One tracer provider per process; the SDK refuses to replace a global one.
_provider: Any = None


def tracing_endpoint(app: Flask) -> str:
    """Return the OTLP endpoint from the config or the environment, or an empty string."""
    return app.config.get(ENDPOINT_SETTING) or os.environ.get(ENDPOINT_SETTING, "")


def init_app(app: Flask) -> None:
    """Trace requests, SQL and Redis calls when an OTLP endpoint is configured."""
    endpoint = tracing_endpoint(app)
    if not endpoint:
        return
    try:
        from opentelemetry.instrumentation.flask import FlaskInstrumentor
        from opentelemetry.instrumentation.redis import RedisInstrumentor
        from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
    except ImportError as exc:
        raise ConfigError(
            f"{ENDPOINT_SETTING} is set but OpenTelemetry is not installed: "
            "pip install -e '.[otel]'"
        ) from exc
    from app.extensions import db

    # A configured endpoint is passed on; one from the environment is left to the SDK, which
    # then also honours OTEL_EXPORTER_OTLP_TRACES_ENDPOINT and the other standard variables.
    provider = tracer_provider(app.config.get(ENDPOINT_SETTING) or None)
    FlaskInstrumentor().instrument_app(app, excluded_urls=EXCLUDED_URLS, tracer_provider=provider)
    with app.app_context():
        # The instrumentation declares sqlalchemy < 2.1 and silently does nothing on 2.1 unless
        # told to go ahead; its engine events work on 2.1 (tests/test_observability.py checks).
        SQLAlchemyInstrumentor().instrument(
            engine=db.engine, tracer_provider=provider, skip_dep_check=True
        )
    if app.config.get("REDIS_URL"):
        redis_instrumentor = RedisInstrumentor()
        if not redis_instrumentor.is_instrumented_by_opentelemetry:
            redis_instrumentor.instrument(tracer_provider=provider)
    app.extensions["otel_tracer_provider"] = provider


def tracer_provider(endpoint: str | None) -> Any:
    """Return this process's tracer provider, exporting in batches over OTLP/HTTP."""
    global _provider
    if _provider is None:
        from opentelemetry import trace
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor

        # Created here, in create_app, which gunicorn runs in each worker after gevent patched:
        # the processor's export thread is then a cooperative one (stack-notes.md).
        resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", "devthread")})
        provider = TracerProvider(resource=resource)
        exporter = (
            OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces")
            if endpoint
            else OTLPSpanExporter()
        )
        provider.add_span_processor(BatchSpanProcessor(exporter))
        trace.set_tracer_provider(provider)
        _provider = provider
    return _provider
