"""The deployment files parse, agree with `make serve`, and query only metrics the app exports.

No Docker engine runs here: promtool and nginx -t are in scripts/check_deploy.sh.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from app.observability import metrics

ROOT = Path(__file__).resolve().parent.parent
METRIC_NAME = re.compile(r"\bdevthread_[a-z_]+\b")
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_sum", "_count"), "gauge": ()}


def load_yaml(relative: str):
    """Parse one YAML file of the repository."""
    return yaml.safe_load((ROOT / relative).read_text())


@pytest.fixture
def exported_names(client) -> set[str]:
    """Return every series name the app's /metrics can show."""
    # Labelled metrics show samples only once used; use each so every name appears in full.
    metrics.event_published("notification")
    metrics.event_delivered("notification", 0.01)
    metrics.event_dropped("queue_full")
    metrics.rate_limit_refused("login-ip")
    metrics.job_enqueued("feeds.refresh_trending")
    metrics.job_lost("feeds.refresh_trending")
    metrics.job_finished("feeds.refresh_trending", "done")
    metrics.job_duration("feeds.refresh_trending", 0.1)
    client.get("/healthz")
    names: set[str] = set()
    for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True)):
        names.add(family.name)
        names.update(family.name + suffix for suffix in SUFFIXES.get(family.type, ()))
        names.update(sample.name for sample in family.samples)
    return names


def dashboard_queries() -> list[str]:
    """Return every PromQL query of the Grafana dashboard."""
    dashboard = json.loads((ROOT / "deploy/grafana/devthread.json").read_text())
    queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]
    variables = dashboard["templating"]["list"]
    queries += [v["definition"] for v in variables if v.get("definition")]
    return queries


def alert_queries() -> list[str]:
    """Return every alert expression."""
    rules = load_yaml("deploy/prometheus/alerts.yml")
    return [rule["expr"] for group in rules["groups"] for rule in group["rules"]]


def test_the_dashboard_queries_only_exported_metrics(exported_names):
    used = {name for query in dashboard_queries() for name in METRIC_NAME.findall(query)}
    assert used and used <= exported_names, used - exported_names


def test_the_dashboard_shows_every_devthread_metric():
    used = {name for query in dashboard_queries() for name in METRIC_NAME.findall(query)}
    families = {
        "devthread_http_requests_total",
        "devthread_http_request_duration_seconds_bucket",
        "devthread_websocket_connections",
        "devthread_events_published_total",
        "devthread_events_delivered_total",
        "devthread_events_dropped_total",
        "devthread_event_delivery_lag_seconds_bucket",
        "devthread_db_pool_checked_out",
        "devthread_db_pool_size",
        "devthread_rate_limit_refusals_total",
        "devthread_jobs_queued",
        "devthread_jobs_scheduler_heartbeat_timestamp_seconds",
        "devthread_job_runs_total",
        "devthread_jobs_enqueued_total",
        "devthread_jobs_lost_total",
        "devthread_job_duration_seconds_bucket",
    }
    assert families <= used, families - used


def test_the_alerts_query_only_exported_metrics(exported_names):
    used = {name for query in alert_queries() for name in METRIC_NAME.findall(query)}
    assert used and used <= exported_names, used - exported_names


def test_every_alert_has_a_runbook_section():
    runbook = (ROOT / "docs/runbook.md").read_text()
    headings = {
        re.sub(r"[^a-z0-9 -]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in runbook.splitlines()
        if line.startswith("## ")
    }
    rules = load_yaml("deploy/prometheus/alerts.yml")
    for rule in (r for group in rules["groups"] for r in group["rules"]):
        anchor = rule["annotations"]["runbook_url"].split("#", 1)[1]
        assert anchor in headings, rule["alert"]
        assert rule["labels"]["severity"] in {"page", "warn"}


def test_compose_runs_the_stack_the_docs_describe():
    compose = load_yaml("docker-compose.yml")
    services = compose["services"]
    assert services["postgres"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert "nginx.conf" in services["nginx"]["volumes"][0]
    assert services["nginx"]["build"]["target"] == "web"
    assert "haproxy.cfg" in services["haproxy"]["volumes"][0]
    # Monitoring runs beside: Prometheus with the rules, Grafana provisioned.
    prometheus = services["prometheus"]
    assert any("alerts.yml" in v for v in prometheus["volumes"])
    assert prometheus["secrets"][0]["target"].endswith("/devthread_metrics_token")
    assert "blackbox-exporter" in services
    assert any("provisioning" in v for v in services["grafana"]["volumes"])
    app = services["app"]
    for name in ("WEB_CONCURRENCY", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PROXY_FIX"):
        assert name in app["environment"], name
    assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["migrate"]["command"] == ["flask", "db", "upgrade"]
    # The jobs run in a worker of their own, never in gunicorn (docs/jobs.md).
    worker = services["worker"]
    assert worker["command"] == ["flask", "worker"]
    assert worker["environment"]["REDIS_URL"] == app["environment"]["REDIS_URL"]
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "9191" in worker["expose"]


def test_nginx_passes_websockets_and_forwarded_headers():
    conf = (ROOT / "deploy/nginx.conf").read_text()
    for needed in (
        "proxy_set_header Upgrade $http_upgrade;",
        "proxy_set_header Connection $connection_upgrade;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_read_timeout 1h;",
        "server haproxy:8080;",
        "alias /usr/share/devthread/static/;",
    ):
        assert needed in conf, needed
    # /static/ is served from disk, never proxied to a gunicorn worker.
    static = conf.split("location /static/", 1)[1].split("}", 1)[0]
    assert "proxy_pass" not in static


def test_haproxy_checks_readyz_and_passes_websockets():
    conf = (ROOT / "deploy/haproxy.cfg").read_text()
    for needed in (
        "http-check send meth GET uri /readyz",
        "http-check expect status 200",
        "timeout tunnel 1h",
        "server-template app 20 app:8000 resolvers docker",
    ):
        assert needed in conf, needed
    settings = [line.split("#", 1)[0] for line in conf.splitlines()]
    assert not any("cookie" in line or "stick" in line for line in settings), "no sticky sessions"


def test_the_image_serves_like_make_serve():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "FROM python:3.11-slim" in dockerfile
    assert re.search(r"^USER devthread$", dockerfile, re.M)
    assert "/healthz" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert 'CMD ["gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"]' in dockerfile
    # htmx, the SPA (built on Node 22 LTS) and the tracing extra are in the image; the app is
    # installed from its wheel at the locked versions, not editable.
    assert "FROM node:22" in dockerfile
    assert "npm run build" in dockerfile
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "opentelemetry-sdk==" in (ROOT / "requirements.lock").read_text()
    assert "pip install --no-deps /tmp/dist/*.whl" in dockerfile
    assert "-e ." not in dockerfile
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "frontend-angular" not in ignored and "frontend-angular/node_modules" in ignored
    makefile = (ROOT / "Makefile").read_text()
    assert "gunicorn -c gunicorn.conf.py" in makefile and "PROMETHEUS_MULTIPROC_DIR" in makefile
    serve = makefile.split("\nserve:", 1)[1].split("\n\n", 1)[0]
    assert "env -u PROMETHEUS_MULTIPROC_DIR $(BIN)/flask worker &" in serve


def test_prometheus_scrapes_the_job_workers():
    config = load_yaml("deploy/prometheus/prometheus.yml")
    [worker] = [job for job in config["scrape_configs"] if job["job_name"] == "devthread-worker"]
    assert worker["dns_sd_configs"][0] == {"names": ["worker"], "type": "A", "port": 9191}


def test_ci_runs_make_test_with_the_services():
    workflow = load_yaml(".github/workflows/ci.yml")
    assert workflow["permissions"] == {"contents": "read"}
    job = workflow["jobs"]["test"]
    assert job["services"]["redis"]["image"] == "redis:7"
    assert job["container"]["image"].startswith("python:3.11")
    assert job["env"]["CI"] == "true"
    steps = job["steps"]
    # PostgreSQL 15 with RUM, as on the development machines (search ranks with it).
    assert any("postgresql-15-rum" in s.get("run", "") for s in steps)
    assert any(s.get("with", {}).get("node-version") == "22" for s in steps)
    assert any(s.get("uses", "").startswith("actions/cache") for s in steps)
    assert any(s.get("run") == "bash .ci/run" for s in steps)
    assert (ROOT / ".ci/run").read_text().strip().endswith("make test")


def test_ci_checks_what_ships():
    steps = load_yaml(".github/workflows/ci.yml")["jobs"]["ship"]["steps"]
    runs = "\n".join(s.get("run", "") for s in steps)
    for needed in ("make lock-check", "make check-deploy", "make check-wheel", "docker build"):
        assert needed in runs, needed


def test_a_gunicorn_worker_freezes_what_it_loaded_out_of_the_collector():
    import gc
    import runpy

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    try:
        settings["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()  # the test process goes on collecting as before
