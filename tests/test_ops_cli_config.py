"""Configuration, the CLI and the health routes."""

from __future__ import annotations

import pytest

from app import config as config_module
from app.accounts import queries
from app.seed import DEMO_LOGIN, DEMO_PASSWORD
from tests.conftest import PASSWORD, make_user


def test_production_without_secret_key_refuses_to_start(tmp_path):
    config = {"DATABASE_URL": "postgresql://db.example/devthread"}
    with pytest.raises(config_module.ConfigError, match="SECRET_KEY is not set"):
        config_module.finalize(config, str(tmp_path))


def test_redis_url_moves_rate_limits_to_redis(tmp_path):
    config = {
        "REDIS_URL": "redis://127.0.0.1:6379/3",
        "SECRET_KEY": "k" * 40,
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config_module.finalize(config, str(tmp_path))
    assert config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
    assert config["PRODUCTION"] is True


def test_embedded_default_is_sqlite_in_instance_with_a_kept_secret(tmp_path):
    config: dict = {}
    config_module.finalize(config, str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/devthread.sqlite"
    again: dict = {}
    config_module.finalize(again, str(tmp_path))
    assert config["SECRET_KEY"] == again["SECRET_KEY"]


def test_environment_is_parsed_and_postgres_urls_use_psycopg(tmp_path):
    env = {
        "DATABASE_URL": "postgres://u@h/db",
        "RATELIMIT_ENABLED": "0",
        "PORT": "8080",
        "SECRET_KEY": "s" * 40,
    }
    config = config_module.from_environment(env)
    assert config["RATELIMIT_ENABLED"] is False and config["PORT"] == 8080
    config_module.finalize(config, str(tmp_path))
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"


def test_bad_number_in_environment_is_a_clear_error():
    with pytest.raises(config_module.ConfigError, match="PORT"):
        config_module.from_environment({"PORT": "eighty"})


def test_create_user_command(runner, app):
    result = runner.invoke(
        args=[
            "create-user",
            "root_admin",
            "--role",
            "admin",
            "--email",
            "r@example.com",
            "--password",
            PASSWORD,
        ]
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert queries.find_by_username("root_admin").role == "admin"


def test_create_user_prompts_for_what_is_missing(runner, app):
    result = runner.invoke(
        args=["create-user", "mod_one", "--role", "moderator"],
        input=f"m@example.com\n{PASSWORD}\n{PASSWORD}\n",
    )
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert queries.find_by_username("mod_one").email == "m@example.com"


def test_create_user_reports_rule_violations(runner):
    result = runner.invoke(args=["create-user", "x", "--email", "bad", "--password", "short"])
    assert result.exit_code != 0
    assert "username" in result.output and "email" in result.output


def test_seed_is_idempotent_and_demo_login_works(runner, api):
    first = runner.invoke(args=["seed", "--if-empty"])
    assert DEMO_LOGIN in first.output
    second = runner.invoke(args=["seed", "--if-empty"])
    assert "not seeding" in second.output
    api.login(DEMO_LOGIN, DEMO_PASSWORD)


def test_seed_many_users(runner, app):
    result = runner.invoke(args=["seed", "--users", "1200"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert queries.count_users() >= 1200


def test_healthz_and_readyz(client, app):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.get_json()["checks"]["database"] == "ok"
    if app.config.get("REDIS_URL"):
        assert ready.get_json()["checks"]["redis"] == "ok"


def test_readyz_is_503_when_the_database_is_down(other_app):
    app = other_app(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://postgres@127.0.0.1:1/none",
        SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"connect_timeout": 1}},
    )
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["database"].startswith("error")


def test_readyz_is_503_when_redis_is_down(other_app):
    app = other_app(REDIS_URL="redis://127.0.0.1:1/0")
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"].startswith("error")


def test_demo_seed_makes_a_living_community(runner, app):
    from app.messaging.models import Message
    from app.notifications.models import Notification
    from app.posts.models import Comment, Post

    runner.invoke(args=["seed", "--if-empty"])
    with app.app_context():
        from app.extensions import db

        assert db.session.query(Post).count() == 6
        assert db.session.query(Comment).count() == 3
        assert db.session.query(Message).count() == 1
        assert db.session.query(Notification).count() > 5
    runner.invoke(args=["seed"])  # again: nothing doubles
    with app.app_context():
        assert db.session.query(Post).count() == 6


def test_bench_route_is_absent_by_default(client, app):
    assert not app.config["BENCH_ROUTES"]
    assert client.get("/_bench/user/1").status_code == 404
    assert not any(rule.rule.startswith("/_bench") for rule in app.url_map.iter_rules())


def test_bench_route_reads_one_user_when_enabled(app, other_app):
    from werkzeug.exceptions import NotFound

    from app.ops import bench_user

    assert config_module.from_environment({"BENCH_ROUTES": "1"})["BENCH_ROUTES"] is True
    bench = other_app(BENCH_ROUTES=True)
    assert "/_bench/user/<id:user_id>" in {rule.rule for rule in bench.url_map.iter_rules()}
    # The view itself runs in the main app: a second app serving requests would share (and
    # disturb) the one Flask-Limiter instance.
    user_id = make_user(app, "bench_target")
    with app.test_request_context():
        assert bench_user(user_id).get_json() == {"username": "bench_target"}
        with pytest.raises(NotFound):
            bench_user(user_id + 1000)


def test_postgresql_connections_turn_jit_off_unless_asked(tmp_path):
    config = {
        "DATABASE_URL": "postgresql://u@h/db",
        "SECRET_KEY": "s" * 40,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    }
    config_module.finalize(config, str(tmp_path))
    options = config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["connect_args"]["options"] == "-c jit=off" and options["pool_pre_ping"]
    kept = {"DATABASE_URL": "postgresql://u@h/db", "SECRET_KEY": "s" * 40, "POSTGRES_JIT": True}
    config_module.finalize(kept, str(tmp_path))
    assert "options" not in kept["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]


def test_only_marked_statements_are_prepared(tmp_path):
    config = {"DATABASE_URL": "postgresql://u@h/db", "SECRET_KEY": "s" * 40}
    config_module.finalize(config, str(tmp_path))
    threshold = config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]["prepare_threshold"]
    assert threshold == config_module.ONLY_MARKED_STATEMENTS


def test_pgbouncer_mode_sends_no_prepared_statements_nor_startup_options(tmp_path):
    config = {"DATABASE_URL": "postgresql://u@pgbouncer:6432/db", "SECRET_KEY": "s" * 40}
    config_module.finalize({**config}, str(tmp_path))
    bounced = {**config, "PGBOUNCER": True}
    config_module.finalize(bounced, str(tmp_path))
    connect_args = bounced["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"]
    assert connect_args == {"prepare_threshold": None}
    assert config_module.from_environment({"PGBOUNCER": "1"})["PGBOUNCER"] is True


def test_jit_is_off_on_the_app_connections(app):
    from sqlalchemy import text

    from app.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            assert db.session.scalar(text("SHOW jit")) == "off"
