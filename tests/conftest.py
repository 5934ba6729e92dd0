"""Fixtures: one app per run on SQLite, or on PostgreSQL + Redis when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app import create_app
from app.api.feeds import post_json_cache
from app.cache import clear_local
from app.cards import cache as card_cache
from app.extensions import db, limiter
from app.jobs import drain, local_backend
from app.jobs.core import run

pytest_plugins = ["tests.browser", "tests.mailbox"]

DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
PASSWORD = "correct horse battery"


def pytest_sessionstart(session) -> None:
    """Compile the translation catalogs the pages read, when a .po is newer (make translations)."""
    from hatch_build import compile_catalogs

    compile_catalogs(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), only_stale=True)


def pytest_collection_modifyitems(config, items) -> None:
    """Leave out the tests that need Redis from the SQLite run (they run in the other one)."""
    if REDIS_URL:
        return
    kept = [item for item in items if item.get_closest_marker("redis_only") is None]
    dropped = [item for item in items if item.get_closest_marker("redis_only") is not None]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _fail_missing(what: str, error: Exception) -> None:
    pytest.exit(f"{what} does not answer ({error}); this run needs it.", returncode=1)


def _prepare_postgres(url: str) -> None:
    """Create the test database if needed and give it an empty schema."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    except Exception as error:
        _fail_missing("PostgreSQL", error)
    finally:
        admin.dispose()
    engine = create_engine(target, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def _prepare_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).flushdb()
    except Exception as error:
        _fail_missing("Redis", error)


def base_config(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """Return the settings every test app shares."""
    config: dict[str, object] = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-for-hs256",
        "PASSWORD_HASH_FAST": True,
        "SERVER_NAME": None,
        # Jobs wait in memory until a test runs them (run_jobs), on both databases; the tests
        # of the Redis queue (tests/test_jobs_redis.py) build apps of their own.
        "JOBS_BACKEND": "local",
        "MAIL_FILE_PATH": str(tmp_path_factory.mktemp("mail")),
        "MEDIA_ROOT": str(tmp_path_factory.mktemp("media")),
        # Writing waits for a verified address in production settings (the PostgreSQL run is
        # one): off here, on in the tests of verification (tests/test_account_recovery.py).
        "REQUIRE_VERIFIED_EMAIL": False,
        "EXPORT_DIR": str(tmp_path_factory.mktemp("exports")),
    }
    if DATABASE_URL:
        config["SQLALCHEMY_DATABASE_URI"] = DATABASE_URL
    else:
        path = tmp_path_factory.mktemp("db") / "test.sqlite"
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{path}"
    if REDIS_URL:
        config["REDIS_URL"] = REDIS_URL
    return config


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """Create the app once and build its schema with the real migrations."""
    if DATABASE_URL:
        _prepare_postgres(DATABASE_URL)
    if REDIS_URL:
        _prepare_redis(REDIS_URL)
    application = create_app(base_config(tmp_path_factory))
    with application.app_context():
        from flask_migrate import upgrade

        upgrade()
    yield application


@pytest.fixture(autouse=True)
def _clean(app: Flask) -> Iterator[None]:
    """Give each test empty tables, fresh rate-limit counters and an empty job queue."""
    with app.app_context():
        limiter.reset()
    local_backend(app).reset()
    # Rendered cards outlive a request by design; each test starts from none (ids are reused).
    card_cache.clear()
    post_json_cache.clear()
    # This process's cache (app/cache.py): SQLite gives a new test's rows the ids of the last's.
    clear_local()
    yield
    with app.app_context():
        db.session.remove()
        # DELETE beats TRUNCATE on tables this small (TRUNCATE rewrites every file).
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(text(f"DELETE FROM {table.name}"))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """Run the test inside a request context (services, queries)."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Return a test client (a browser without JavaScript)."""
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    """Return a CLI runner."""
    return app.test_cli_runner()


def run_jobs(app: Flask):
    """Run the jobs queued so far (retries included), as a worker would; return the attempts."""
    return drain(app)


def refresh_trending(app: Flask) -> None:
    """Rank trending now, as the periodic job does once a minute."""
    run(app, "feeds.refresh_trending", [], {})


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    """Read the CSRF token a page gives this client."""
    page = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf-token" content="([^"]+)"', page)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def make_user(
    app: Flask,
    username: str = "alice",
    *,
    role: str = "user",
    password: str = PASSWORD,
    verified: bool = True,
    **extra,
):
    """Create an account through the service and return its id (its address verified)."""
    from app.accounts import services

    with app.test_request_context():
        user = services.register_user(
            username=username,
            email=extra.pop("email", f"{username}@example.com"),
            password=password,
            role=role,
            verified=verified,
        )
        for key, value in extra.items():
            setattr(user, key, value)
        db.session.commit()
        return user.id


class Auth:
    """Sign a test client in and out through the real pages."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def login(self, login: str = "alice", password: str = PASSWORD, **extra):
        token = csrf_token(self.client)
        return self.client.post(
            "/login", data={"login": login, "password": password, "csrf_token": token, **extra}
        )

    def logout(self):
        token = csrf_token(self.client, "/")
        return self.client.post("/logout", data={"csrf_token": token})


@pytest.fixture
def auth(client: FlaskClient) -> Auth:
    """Return page sign-in helpers for ``client``."""
    return Auth(client)


class Api:
    """Call the JSON API as one client, keeping its tokens."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.access_token: str | None = None
        self.refresh_token: str | None = None

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"} if self.access_token else {}

    def call(self, method: str, path: str, json=None, **kwargs):
        headers = {**self.headers(), **kwargs.pop("headers", {})}
        return self.client.open(
            "/api/v1" + path, method=method, json=json, headers=headers, **kwargs
        )

    def login(self, login: str = "alice", password: str = PASSWORD):
        response = self.call("POST", "/auth/login", {"login": login, "password": password})
        assert response.status_code == 200, response.get_json()
        self.access_token = response.get_json()["access_token"]
        self.refresh_token = response.get_json()["refresh_token"]
        return response


@pytest.fixture
def api(client: FlaskClient) -> Api:
    """Return a JSON API client."""
    return Api(client)


def api_as(app: Flask, username: str = "alice", **extra) -> Api:
    """Create an account and return an API client holding an access token for it."""
    from app.accounts.models import User
    from app.accounts.sessions import start_api_session
    from app.accounts.tokens import issue_access_token

    user_id = make_user(app, username, **extra)
    client = Api(app.test_client())
    # Minted directly: signing in through the API for every person would hit the login limits.
    with app.test_request_context():
        user = db.session.get(User, user_id)
        record = start_api_session(user=user, user_agent="test client")
        db.session.commit()
        client.access_token = issue_access_token(user, record.id)
    return client


@pytest.fixture
def smtp_to(app, monkeypatch):
    """Send this app's mail to a real SMTP server (aiosmtpd) for the test."""
    from aiosmtpd.controller import Controller

    from tests.test_mail import Inbox, free_port

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    mailman = app.extensions["mailman"]
    monkeypatch.setattr(mailman, "backend", "smtp")
    monkeypatch.setattr(mailman, "server", "127.0.0.1")
    monkeypatch.setattr(mailman, "port", controller.port)
    monkeypatch.setattr(mailman, "use_tls", False)
    monkeypatch.setattr(mailman, "use_ssl", False)
    monkeypatch.setattr(mailman, "username", None)
    monkeypatch.setattr(mailman, "password", None)
    yield inbox
    controller.stop()


@pytest.fixture
def anon(app: Flask) -> Api:
    """Return an API client without credentials."""
    return Api(app.test_client())


@pytest.fixture
def other_app(tmp_path):
    """Build extra apps with their own settings, restoring the shared limiter afterwards."""
    saved = dict(limiter.__dict__)

    def factory(**settings) -> Flask:
        config = {
            "TESTING": True,
            "SECRET_KEY": "k" * 40,
            "PASSWORD_HASH_FAST": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/other.sqlite",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
        config.update(settings)
        return create_app(config)

    yield factory
    # Flask-Limiter keeps one app's storage on its single instance: give it back.
    limiter.__dict__.clear()
    limiter.__dict__.update(saved)
