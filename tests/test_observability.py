"""Request ids, JSON logs, /metrics and its protection, the metric helpers, tracing on and off."""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from prometheus_client.parser import text_string_to_metric_families

from app import config as config_module
from app.extensions import db
from app.observability import logs, metrics
from tests.conftest import PASSWORD, make_user

ROOT = Path(__file__).resolve().parent.parent
OUTSIDE = {"REMOTE_ADDR": "203.0.113.9"}


def scrape(client) -> dict[tuple[str, frozenset], float]:
    """Read /metrics through the app and index every sample by name and labels."""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.content_type.startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def sample(samples: dict, name: str, **labels: str) -> float:
    """Return one sample's value, 0 when it was never set."""
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def json_logs(app: Flask):
    """Let a test switch the log format, and give the suite its text logs back afterwards."""
    yield
    logs.configure_logging(app)


# Request ids


def test_a_sane_request_id_is_echoed(client):
    response = client.get("/healthz", headers={"X-Request-ID": "edge-42.abc_DEF"})
    assert response.headers["X-Request-ID"] == "edge-42.abc_DEF"


def test_a_request_id_is_generated_when_missing(client):
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and first != second


@pytest.mark.parametrize(
    "sent", ["x" * 129, "has space", "semi;colon", "<script>", 'quote"d', "ünicode", ""]
)
def test_an_insane_request_id_is_replaced(client, sent):
    response = client.get("/healthz", headers={"X-Request-ID": sent})
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-ID"])


def test_the_longest_sane_id_is_kept(client):
    sent = "a" * 128
    assert client.get("/healthz", headers={"X-Request-ID": sent}).headers["X-Request-ID"] == sent


def test_errors_and_api_answers_carry_the_request_id(client):
    assert client.get("/no/such/page").headers["X-Request-ID"]
    response = client.get("/api/v1/me", headers={"X-Request-ID": "api-1"})
    assert response.status_code == 401
    assert response.headers["X-Request-ID"] == "api-1"


# Logs


def access_lines(stderr: str) -> list[dict]:
    """Parse the JSON access lines out of captured stderr."""
    entries = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    return [e for e in entries if e["logger"] == logs.ACCESS_LOGGER]


def test_json_access_line_carries_the_request(other_app, json_logs, capsys):
    app = other_app(LOG_FORMAT="json")
    capsys.readouterr()
    app.test_client().get("/healthz", headers={"X-Request-ID": "json-1"})
    (line,) = access_lines(capsys.readouterr().err)
    assert line["request_id"] == "json-1"
    assert line["route"] == "/healthz" and line["method"] == "GET" and line["status"] == 200
    assert line["level"] == "INFO" and line["remote_addr"] == "127.0.0.1"
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["time"].endswith("Z") and line["user_id"] is None


def test_json_access_line_names_the_api_user_and_the_url_rule(other_app, json_logs, capsys):
    app = other_app(LOG_FORMAT="json")
    with app.app_context():
        upgrade()
    user_id = make_user(app, "logged")
    client = app.test_client()
    token = client.post("/api/v1/auth/login", json={"login": "logged", "password": PASSWORD})
    capsys.readouterr()
    client.get(
        "/api/v1/me", headers={"Authorization": f"Bearer {token.get_json()['access_token']}"}
    )
    client.get("/no/such/page")
    me, missing = access_lines(capsys.readouterr().err)
    assert me["user_id"] == user_id and me["route"] == "/api/v1/me" and me["status"] == 200
    assert missing["route"] == "unmatched" and missing["status"] == 404


def test_json_line_of_an_application_log_has_the_request_context(other_app, json_logs, capsys):
    app = other_app(LOG_FORMAT="json")
    with app.test_request_context("/somewhere", headers={"X-Request-ID": "ctx-7"}):
        app.logger.warning("disk %s", "full")
    entry = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert entry["message"] == "disk full" and entry["level"] == "WARNING"
    assert entry["logger"] == app.logger.name and entry["request_id"] == "ctx-7"


def test_exceptions_are_one_json_line(json_logs, capsys):
    formatter = logs.JsonFormatter()
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.getLogger("x").makeRecord(
            "x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info()
        )
    line = formatter.format(record)
    assert "\n" not in line and "ValueError: boom" in json.loads(line)["exception"]


def test_text_logs_by_default_in_tests_json_in_production():
    assert logs.log_format({"PRODUCTION": True}) == "json"
    assert logs.log_format({"PRODUCTION": True, "TESTING": True}) == "text"
    assert logs.log_format({"PRODUCTION": True, "LOG_FORMAT": "text"}) == "text"
    assert logs.log_format({"PRODUCTION": False, "LOG_FORMAT": "JSON"}) == "json"
    with pytest.raises(config_module.ConfigError, match="LOG_FORMAT"):
        logs.log_format({"LOG_FORMAT": "xml"})


def test_observability_settings_come_from_the_environment():
    settings = config_module.from_environment(
        {"LOG_FORMAT": "json", "METRICS_TOKEN": "t0k", "PROXY_FIX": "2", "LOG_LEVEL": "debug"}
    )
    assert settings == {
        "LOG_FORMAT": "json",
        "METRICS_TOKEN": "t0k",
        "PROXY_FIX": 2,
        "LOG_LEVEL": "debug",
    }


# /metrics protection


def test_metrics_answer_loopback(client):
    assert client.get("/metrics").status_code == 200


def test_metrics_are_404_for_another_address(client):
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404


def test_metrics_are_404_through_a_proxy_on_this_host(client):
    response = client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.4"})
    assert response.status_code == 404


def test_metrics_token_opens_them_to_other_addresses(other_app):
    client = other_app(METRICS_TOKEN="scrape-secret").test_client()
    right = {"Authorization": "Bearer scrape-secret"}
    wrong = {"Authorization": "Bearer scrape-secreT"}
    assert client.get("/metrics", environ_base=OUTSIDE, headers=right).status_code == 200
    assert client.get("/metrics", environ_base=OUTSIDE, headers=wrong).status_code == 404
    assert client.get("/metrics", environ_base=OUTSIDE).status_code == 404
    assert client.get("/metrics").status_code == 200


def test_proxy_fix_takes_the_client_address_from_the_proxy(other_app):
    app = other_app(PROXY_FIX=1)

    @app.get("/whoami")
    def whoami():
        from flask import request

        return {"addr": request.remote_addr, "scheme": request.scheme}

    client = app.test_client()
    headers = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"}
    assert client.get("/whoami", headers=headers).get_json() == {
        "addr": "203.0.113.7",
        "scheme": "https",
    }
    assert client.get("/metrics", headers=headers).status_code == 404


# Request metrics


def test_request_counter_and_histogram_move(client):
    before = scrape(client)
    for _ in range(3):
        client.get("/healthz")
    client.get("/no/such/page")
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    healthz = {"method": "GET", "route": "/healthz"}
    assert delta("devthread_http_requests_total", status="200", **healthz) == 3
    assert delta("devthread_http_request_duration_seconds_count", **healthz) == 3
    assert delta("devthread_http_request_duration_seconds_bucket", le="5.0", **healthz) == 3
    unmatched = {"method": "GET", "route": "unmatched", "status": "404"}
    assert delta("devthread_http_requests_total", **unmatched) == 1


def test_made_up_methods_share_one_series(client):
    before = scrape(client)
    for method in ("BREW", "WHEN", "XYZZY"):
        assert client.open("/healthz", method=method).status_code == 405
    after = scrape(client)
    labels = {"method": "OTHER", "route": "unmatched", "status": "405"}
    total = "devthread_http_requests_total"
    assert sample(after, total, **labels) - sample(before, total, **labels) == 3
    assert not any(("method", "BREW") in labels for _name, labels in after)


def test_metrics_scrapes_are_not_counted(client):
    before = scrape(client)
    after = scrape(client)
    assert not any(labels and ("route", "/metrics") in labels for _name, labels in after)
    assert before.keys() <= after.keys()


def test_routes_are_labelled_by_their_rule_not_their_path(other_app):
    app = other_app()

    @app.get("/things/<int:thing_id>")
    def show_thing(thing_id: int):
        return {"id": thing_id}

    @app.get("/explode")
    def explode():
        raise RuntimeError("boom")

    client = app.test_client()
    before = scrape(client)
    client.get("/things/1")
    client.get("/things/2")
    with pytest.raises(RuntimeError):
        client.get("/explode")  # TESTING propagates the error; it is still counted as a 500
    after = scrape(client)
    total = "devthread_http_requests_total"
    rule = {"method": "GET", "route": "/things/<int:thing_id>", "status": "200"}
    assert sample(after, total, **rule) - sample(before, total, **rule) == 2
    failed = {"method": "GET", "route": "/explode", "status": "500"}
    assert sample(after, total, **failed) - sample(before, total, **failed) == 1


def test_rate_limit_refusals_are_counted_by_scope(other_app):
    app = other_app(LOGIN_LIMIT_PER_IP="2 per minute")
    with app.app_context():
        upgrade()
    client = app.test_client()
    before = scrape(client)
    statuses = [
        client.post("/api/v1/auth/login", json={"login": "x", "password": "y"}).status_code
        for _ in range(3)
    ]
    assert statuses[-1] == 429
    after = scrape(client)
    name = "devthread_rate_limit_refusals_total"
    assert sample(after, name, scope="login-ip") - sample(before, name, scope="login-ip") == 1


# Helpers for the real-time code and the database pool


def test_socket_and_event_helpers_move_their_metrics(client):
    before = scrape(client)
    metrics.socket_opened()
    metrics.socket_opened()
    metrics.socket_closed()
    metrics.event_published("notification")
    metrics.event_delivered("notification", 0.02)
    metrics.event_delivered("notification", -1.0)  # a clock step back counts as no lag
    metrics.event_dropped("queue_full")
    after = scrape(client)

    def delta(name: str, **labels: str) -> float:
        return sample(after, name, **labels) - sample(before, name, **labels)

    assert delta("devthread_websocket_connections") == 1
    assert delta("devthread_events_published_total", type="notification") == 1
    assert delta("devthread_events_delivered_total", type="notification") == 2
    assert delta("devthread_event_delivery_lag_seconds_count") == 2
    assert delta("devthread_event_delivery_lag_seconds_bucket", le="0.025") == 2
    assert delta("devthread_event_delivery_lag_seconds_bucket", le="0.01") == 1
    assert delta("devthread_events_dropped_total", reason="queue_full") == 1
    metrics.socket_closed()


def test_pool_gauges_follow_checkouts(app, client):
    with app.app_context():
        before = scrape(client)
        connection = db.engine.connect()
        during = scrape(client)
        connection.close()
        after = scrape(client)
        capacity = metrics.pool_capacity(db.engine.pool)
    name = "devthread_db_pool_checked_out"
    assert sample(during, name) - sample(before, name) == 1
    assert sample(after, name) == sample(before, name)
    assert capacity > 0


def test_pool_capacity_counts_the_overflow():
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool, QueuePool

    engine = create_engine("sqlite://", poolclass=QueuePool, pool_size=3, max_overflow=4)
    assert metrics.pool_capacity(engine.pool) == 7
    unbounded = create_engine("sqlite://", poolclass=QueuePool, pool_size=3, max_overflow=-1)
    assert metrics.pool_capacity(unbounded.pool) == 3
    assert metrics.pool_capacity(create_engine("sqlite://", poolclass=NullPool).pool) == 0


# Tracing


def run_python(code: str, *args: str) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter at the project root, without OTEL_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "PROMETHEUS_"))}
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


APP_FOR = """
import sys
from app import create_app
settings = {"TESTING": True, "SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": sys.argv[1]}
if len(sys.argv) > 2:
    settings["OTEL_EXPORTER_OTLP_ENDPOINT"] = sys.argv[2]
app = create_app(settings)
client = app.test_client()
for path in ("/healthz", "/readyz", "/metrics"):
    assert client.get(path).status_code == 200, path
"""


def test_without_an_endpoint_nothing_of_opentelemetry_is_imported(tmp_path):
    code = APP_FOR + "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    result = run_python(code, f"sqlite:///{tmp_path}/t.sqlite")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


class OtlpReceiver(BaseHTTPRequestHandler):
    """Record what an OTLP/HTTP exporter posts."""

    received: list[tuple[str, bytes]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.received.append((self.path, body))
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def test_with_an_endpoint_requests_and_sql_are_traced_but_not_metrics(tmp_path):
    OtlpReceiver.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), OtlpReceiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        code = APP_FOR + (
            "provider = app.extensions['otel_tracer_provider']\n"
            "assert provider.force_flush(10_000)\n"
        )
        endpoint = f"http://127.0.0.1:{server.server_port}"
        result = run_python(code, f"sqlite:///{tmp_path}/t.sqlite", endpoint)
    finally:
        server.shutdown()
    assert result.returncode == 0, result.stderr
    paths = {path for path, _body in OtlpReceiver.received}
    exported = b"".join(body for _path, body in OtlpReceiver.received)
    assert paths == {"/v1/traces"}
    assert b"/healthz" in exported and b"/readyz" in exported
    assert b"SELECT 1" in exported  # the SQLAlchemy span of /readyz
    assert b"/metrics" not in exported


def test_tracing_excludes_only_the_socket_and_metrics_paths():
    from app.observability.tracing import EXCLUDED_URLS

    patterns = [re.compile(p) for p in EXCLUDED_URLS.split(",")]

    def excluded(url: str) -> bool:
        return any(p.search(url) for p in patterns)

    assert excluded("http://h/ws") and excluded("http://h/ws?format=json")
    assert excluded("http://h/metrics")
    assert not excluded("http://h/u/newsbot") and not excluded("http://h/api/v1/users/x/follows")


def test_a_session_user_stored_as_the_proxy_does_not_break_logging(app):
    from flask import g
    from flask_login import current_user

    from app.observability.context import request_fields

    with app.test_request_context("/settings"):
        g._login_user = current_user  # what login_user(current_user) leaves behind
        assert request_fields()["user_id"] is None


def test_an_endpoint_without_the_otel_packages_refuses_to_start(other_app, monkeypatch):
    # None in sys.modules makes the import fail, as if the extra were not installed.
    monkeypatch.setitem(sys.modules, "opentelemetry.instrumentation.flask", None)
    with pytest.raises(config_module.ConfigError, match=r"pip install -e '\.\[otel\]'"):
        other_app(OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:4318")


def test_access_tokens_in_logged_addresses_are_redacted(capsys):
    # The development server logs each request line, /ws?access_token=... included.
    logging.getLogger("werkzeug").info(
        '%s - - [%s] "%s" %s -',
        "127.0.0.1",
        "now",
        "GET /ws?access_token=eyJ.a-b_c&format=json",
        200,
    )
    err = capsys.readouterr().err
    assert "/ws?access_token=[redacted]&format=json" in err
    assert "eyJ.a-b_c" not in err
