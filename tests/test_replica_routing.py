"""Reads of the public pages from a replica, read-your-writes, and the primary when in doubt.

PostgreSQL + Redis run: the "replica" is a second engine on the test database (a real streaming
replica runs in `make cluster-test`), so which engine ran each statement is what is checked.
"""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import event

from app import dbrouting
from tests.conftest import PASSWORD, Auth, csrf_token, make_user

pytestmark = pytest.mark.redis_only


@pytest.fixture(scope="module")
def routed(app):
    """An app like the test app, with DATABASE_REPLICA_URL naming the same database."""
    from app import create_app
    from app.extensions import limiter

    kept = dict(vars(limiter))
    config = {
        key: app.config[key] for key in ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI", "REDIS_URL")
    }
    other = create_app(
        {
            **config,
            "TESTING": True,
            "PASSWORD_HASH_FAST": True,
            "JOBS_BACKEND": "local",
            "RATELIMIT_ENABLED": False,
            "REQUIRE_VERIFIED_EMAIL": False,
            "DATABASE_REPLICA_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "REPLICA_STICKY_SECONDS": 30,
        }
    )
    yield other
    vars(limiter).clear()
    vars(limiter).update(kept)


@pytest.fixture
def counted(routed):
    """Count the statements each engine runs: {"primary": n, "replica": n}."""
    counts: Counter[str] = Counter()
    with routed.app_context():
        engines = routed.extensions["sqlalchemy"].engines
        listeners = []
        for name, engine in (("primary", engines[None]), ("replica", engines["replica"])):

            def count(*args, name=name, **kwargs):
                counts[name] += 1

            event.listen(engine, "before_cursor_execute", count)
            listeners.append((engine, count))
    dbrouting.lag.reset()
    yield counts
    for engine, count in listeners:
        event.remove(engine, "before_cursor_execute", count)


def sign_in(client, username: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/login", json={"login": username, "password": PASSWORD})
    assert answer.status_code == 200
    return {"Authorization": f"Bearer {answer.get_json()['access_token']}"}


def test_public_pages_read_from_the_replica(routed, counted):
    make_user(routed, "reader")
    client = routed.test_client()
    counted.clear()
    assert client.get("/latest").status_code == 200
    assert client.get("/api/v1/feed/latest").status_code == 200
    assert counted["replica"] > 0
    assert counted["primary"] == 0


def test_whoever_just_wrote_reads_from_the_primary(routed, counted):
    make_user(routed, "writer")
    make_user(routed, "bystander")
    client = routed.test_client()
    writer = sign_in(client, "writer")
    bystander = sign_in(client, "bystander")
    created = client.post("/api/v1/posts", json={"body": "fresh words"}, headers=writer)
    assert created.status_code == 201
    post_id = created.get_json()["id"]

    counted.clear()
    assert client.get(f"/api/v1/posts/{post_id}", headers=writer).status_code == 200
    assert counted["replica"] == 0 and counted["primary"] > 0

    counted.clear()
    assert client.get(f"/api/v1/posts/{post_id}", headers=bystander).status_code == 200
    assert counted["replica"] > 0


def test_writes_and_unlisted_pages_stay_on_the_primary(routed, counted):
    make_user(routed, "settler")
    client = routed.test_client()
    headers = sign_in(client, "settler")
    counted.clear()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.post("/api/v1/posts", json={"body": "x"}, headers=headers).status_code == 201
    assert counted["replica"] == 0


def test_a_replica_that_does_not_answer_sends_reads_to_the_primary(routed, counted, monkeypatch):
    make_user(routed, "patient")
    counted.clear()
    monkeypatch.setattr(dbrouting.lag, "_measure", lambda: None)  # as when it does not answer
    dbrouting.lag.reset()
    client = routed.test_client()
    assert client.get("/latest").status_code == 200
    assert counted["replica"] == 0 and counted["primary"] > 0


def test_a_lagging_replica_is_not_read(routed, counted, monkeypatch):
    monkeypatch.setattr(dbrouting.lag, "_measure", lambda: 4.0)  # seconds behind
    dbrouting.lag.reset()
    client = routed.test_client()
    assert client.get("/api/v1/feed/latest").status_code == 200
    assert counted["replica"] == 0


def test_the_lag_is_measured_on_the_replica(routed):
    with routed.test_request_context():
        dbrouting.lag.reset()
        assert dbrouting.lag._measure() == 0.0  # a primary standing in: never in recovery


def test_with_redis_failing_a_signed_in_reader_reads_from_the_primary(routed, counted):
    make_user(routed, "unsure")
    client = routed.test_client()
    headers = sign_in(client, "unsure")
    counted.clear()
    # Whether they just wrote cannot be asked: their reads go to the primary, at once.
    dbrouting.outage.failed(ConnectionError("Redis went away"))
    try:
        assert client.get("/api/v1/feed/latest", headers=headers).status_code == 200
        assert counted["replica"] == 0 and counted["primary"] > 0
    finally:
        dbrouting.outage.succeeded()


def test_a_browser_writer_reads_from_the_primary(routed, counted):
    make_user(routed, "penman")
    client = routed.test_client()
    assert Auth(client).login("penman").status_code == 303
    token = csrf_token(client, "/settings")
    posted = client.post("/posts", data={"body": "from a form", "csrf_token": token})
    assert posted.status_code in (200, 302, 303)
    counted.clear()
    assert client.get("/latest").status_code == 200
    assert counted["replica"] == 0 and counted["primary"] > 0
