"""Outages through the test client: a database or Redis that does not answer.

PostgreSQL down: a port nobody listens on gives the real driver errors (connection refused),
on both runs. Redis down: the same for a Redis URL (presence, rate limits, cache, bus).
The live versions (a private PostgreSQL cluster stopped under load, a private Redis restarted
under sockets) are in tests/test_pg_outage.py and tests/test_realtime.py.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading

import pytest
import sqlalchemy.exc
from flask_migrate import upgrade

from tests.conftest import Auth, api_as, make_user
from tests.live import ROOT, free_port

HTMX = {"HX-Request": "true"}


@pytest.fixture(autouse=True)
def fresh_outage_state(monkeypatch):
    """Start each test with no outage noted yet (the notes are per process)."""
    from app import errors
    from app.observability.logs import Throttle
    from app.realtime import presence
    from app.redisconn import Outage

    monkeypatch.setattr(errors, "_outage_lines", Throttle(interval=1.0))
    monkeypatch.setattr(presence, "outage", Outage("presence", "who is online is unknown"))


@pytest.fixture
def no_database(other_app):
    """An app whose PostgreSQL refuses every connection."""
    return other_app(
        SQLALCHEMY_DATABASE_URI=f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/none",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 1}},
    )


def outage_lines(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "database unavailable" in r.getMessage()]


def test_api_answers_503_with_retry_after_when_the_database_is_down(no_database, caplog):
    caplog.set_level(logging.INFO)
    response = no_database.test_client().get("/api/v1/posts/1")
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    error = response.get_json()["error"]
    assert error["code"] == "service_unavailable"
    assert error["message"]
    # One line, no traceback.
    (line,) = outage_lines(caplog)
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert "/api/v1/posts/1" in line.getMessage()


def test_pages_get_a_friendly_503_page_and_htmx_a_fragment(no_database):
    client = no_database.test_client()
    page = client.get("/u/alice")
    assert page.status_code == 503 and int(page.headers["Retry-After"]) > 0
    assert page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "<html" in html and "DevThread is briefly unavailable" in html
    fragment = client.get("/u/alice", headers=HTMX)
    assert fragment.status_code == 503
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and "DevThread is briefly unavailable" in body


def test_writes_answer_503_too(no_database):
    client = no_database.test_client()
    signup = {"username": "alice", "email": "alice@example.com", "password": "long enough pw"}
    assert client.post("/api/v1/auth/register", json=signup).status_code == 503
    login = {"login": "alice", "password": "long enough pw"}
    assert client.post("/api/v1/auth/login", json=login).status_code == 503


def test_outage_lines_are_rate_limited(no_database, caplog):
    caplog.set_level(logging.INFO)
    client = no_database.test_client()
    for _ in range(5):
        assert client.get("/api/v1/posts/1").status_code == 503
    # Five failures within a second: one line, not five.
    assert len(outage_lines(caplog)) == 1


def test_pool_timeout_is_an_outage(other_app):
    app = other_app()

    def exhausted():
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 1 overflow 0 reached")

    app.add_url_rule("/api/v1/_exhausted", view_func=exhausted)
    response = app.test_client().get("/api/v1/_exhausted")
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "service_unavailable"


def test_a_real_database_bug_is_still_an_error(other_app, tmp_path):
    # No tables: "no such table" is an OperationalError too, but a bug, not an outage.
    app = other_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/empty.sqlite")
    with pytest.raises(sqlalchemy.exc.OperationalError):
        app.test_client().get("/api/v1/posts/1")
    served = other_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/empty.sqlite", TESTING=False)
    response = served.test_client().get("/api/v1/posts/1")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"


# --- Redis down ----------------------------------------------------------------------------


@pytest.fixture
def no_redis(other_app, tmp_path):
    """An app on its own SQLite file whose Redis (presence, limits, cache, bus) is down."""
    app = other_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path}/redisless.sqlite",
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        RATELIMIT_STORAGE_URI=None,  # follows REDIS_URL, as in production
        RATELIMIT_ENABLED=True,
    )
    with app.app_context():
        upgrade()
    return app


def test_presence_is_unknown_while_redis_is_down(no_redis, caplog):
    caplog.set_level(logging.INFO)
    make_user(no_redis, "alice")
    bob = api_as(no_redis, "bob")
    profile = bob.call("GET", "/users/alice")
    assert profile.status_code == 200, profile.get_data(as_text=True)
    assert profile.get_json()["online"] is None
    started = bob.call("POST", "/conversations", {"username": "alice"})
    assert started.status_code == 201
    conversation = started.get_json()
    assert [p["online"] for p in conversation["participants"]] == [None]
    listed = bob.call("GET", "/conversations")
    assert listed.status_code == 200
    assert listed.get_json()["items"][0]["participants"][0]["online"] is None
    assert bob.call("GET", f"/conversations/{conversation['id']}").status_code == 200
    sent = bob.call("POST", f"/conversations/{conversation['id']}/messages", {"body": "hi"})
    assert sent.status_code == 201  # stored; only its live push waits for Redis
    # Presence says so once per outage, not once per call. The outage record is the process's:
    # in the PostgreSQL + Redis run a thread left by an earlier test may reach the real Redis
    # meanwhile ("back"), which starts a new outage for this app's next call.
    lines = [r for r in caplog.records if r.getMessage().lower().startswith("presence:")]
    down = [r for r in lines if "unreachable" in r.getMessage()]
    back = [
        r for r in lines if r.getMessage().endswith("is back") and r.thread != threading.get_ident()
    ]
    assert 1 <= len(down) <= 1 + len(back), [r.getMessage() for r in lines]
    assert all(r.exc_info is None for r in lines)


def test_pages_show_no_presence_dot_while_redis_is_down(no_redis):
    make_user(no_redis, "alice")
    make_user(no_redis, "bob")
    client = no_redis.test_client()
    profile = client.get("/u/alice")
    assert profile.status_code == 200
    html = profile.get_data(as_text=True)
    assert "is-online" not in html and ">offline<" not in html
    assert Auth(client).login("bob").status_code == 303
    assert client.get("/messages").status_code == 200
    started = client.post(
        "/messages",
        data={"username": "alice", "csrf_token": csrf(client)},
    )
    assert started.status_code == 303
    conversation = client.get(started.headers["Location"])
    assert conversation.status_code == 200
    assert "is-online" not in conversation.get_data(as_text=True)


def csrf(client) -> str:
    from tests.conftest import csrf_token

    return csrf_token(client, "/messages")


def test_rate_limits_fall_back_to_memory_while_redis_is_down(no_redis, caplog):
    no_redis.config["READ_LIMIT"] = "3 per minute"
    client = no_redis.test_client()
    statuses = [client.get("/api/v1/posts/1").status_code for _ in range(4)]
    # Counted in this process's memory meanwhile: the limit still holds, nothing is a 500.
    assert statuses == [404, 404, 404, 429]


# --- Migrations stay out of the serving path -----------------------------------------------


def test_serving_does_not_import_alembic(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path}/boot.sqlite",
        "SECRET_KEY": "s" * 40,
    }
    code = "import sys, wsgi; print(sorted(m for m in sys.modules if m.split('.')[0] in "
    code += "('alembic', 'flask_migrate')))"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_flask_db_commands_still_work(tmp_path):
    env = {
        **os.environ,
        "FLASK_APP": "wsgi",
        "DATABASE_URL": f"sqlite:///{tmp_path}/cli.sqlite",
        "SECRET_KEY": "s" * 40,
    }
    flask = [sys.executable, "-m", "flask"]
    run = {"cwd": ROOT, "env": env, "capture_output": True, "text": True}
    upgraded = subprocess.run([*flask, "db", "upgrade"], **run)
    assert upgraded.returncode == 0, upgraded.stderr
    current = subprocess.run([*flask, "db", "current"], **run)
    assert current.returncode == 0, current.stderr
    assert "(head)" in current.stdout


def test_a_connection_lost_at_teardown_is_not_an_error(app, client, monkeypatch):
    # The request is done, then the server goes away before its session's ROLLBACK.
    import psycopg

    from app.extensions import db

    real_remove, calls = db.session.remove, []

    def remove() -> None:
        calls.append(1)
        if len(calls) == 1:
            lost = psycopg.OperationalError("server closed the connection unexpectedly")
            raise sqlalchemy.exc.OperationalError("ROLLBACK", {}, lost)
        real_remove()

    monkeypatch.setattr(db.session, "remove", remove)
    assert client.get("/healthz").status_code == 200
    assert len(calls) >= 1


def test_log_lines_name_the_user_without_a_query(app):
    # After a rollback (say, for an outage) the user is expired: reading user.id would query.
    from flask import g
    from sqlalchemy import event

    from app.accounts.models import User
    from app.extensions import db
    from app.observability.context import current_user_id

    user_id = make_user(app, "alice")
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    with app.test_request_context():
        g.api_user = db.session.get(User, user_id)
        db.session.rollback()
        event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert current_user_id() == user_id
        finally:
            event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
