"""DevThread: a social network for developers."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask

from app import config as config_module
from app import paths
from app.observability import register_observability


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create and configure the application."""
    app = Flask(
        __name__,
        instance_path=paths.instance_path(),
        instance_relative_config=True,
        template_folder=paths.resource("templates"),
        static_folder=paths.resource("static"),
    )
    load_config(app, test_config)
    register_proxy_fix(app)
    register_extensions(app)
    register_jobs(app)
    register_blueprints(app)
    register_hooks(app)
    register_commands(app)
    register_observability(app)
    return app


def load_config(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Apply defaults, then the environment, then ``instance/config.py`` (or the test mapping)."""
    app.config.from_object(config_module.DefaultConfig)
    os.makedirs(app.instance_path, exist_ok=True)
    if test_config is None:
        app.config.update(config_module.from_environment(os.environ))
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    config_module.finalize(app.config, app.instance_path)


def register_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* from ``PROXY_FIX`` proxies in front of the app (0: none)."""
    hops = int(app.config.get("PROXY_FIX") or 0)
    if hops > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )


def register_extensions(app: Flask) -> None:
    """Bind the extensions to this app."""
    from app import models  # noqa: F401  (every table on the metadata)
    from app.accounts.sessions import flush_touches
    from app.dbmigrate import register_migrations
    from app.extensions import babel, csrf, db, limiter, login_manager, mail, sock
    from app.i18n import page_locale, select_timezone

    # Teardowns run in reverse: this one after the request's session has ended (below).
    app.teardown_appcontext(flush_touches)
    db.init_app(app)
    from app.dbsetup import prepare_marked_statements, release_session, track_writes

    track_writes()
    prepare_marked_statements()
    app.teardown_appcontext(release_session)  # runs before Flask-SQLAlchemy's (reverse order)
    # Alembic is imported by `flask db` and upgrade() only, never by a serving worker.
    register_migrations(app)
    csrf.init_app(app)
    limiter.init_app(app)
    sock.init_app(app)
    babel.init_app(app, locale_selector=page_locale, timezone_selector=select_timezone)
    mail.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    from app.web_helpers import load_browser_user

    login_manager.user_loader(load_browser_user)
    from app.cache import install as install_cache
    from app.realtime.events import install as install_events

    install_events()
    install_cache()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        from app.dbsetup import check_cooperative_psycopg

        check_cooperative_psycopg()
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        with app.app_context():
            from app.dbsetup import configure_sqlite

            configure_sqlite(db.engine)


# The modules that declare jobs: every process imports them, so a worker knows each job's name.
JOB_MODULES = (
    "app.digests.jobs",
    "app.feeds.jobs",
    "app.mail",
    "app.media.jobs",
    "app.notifications.jobs",
    "app.yourdata.jobs",
)


def register_jobs(app: Flask) -> None:
    """Import the modules that declare jobs and give the app its job queue."""
    import importlib

    from app import jobs

    extra = [name.strip() for name in app.config.get("JOBS_IMPORT", "").split(",")]
    for module in (*JOB_MODULES, *filter(None, extra)):
        importlib.import_module(module)
    jobs.init_app(app)


def register_blueprints(app: Flask) -> None:
    """Attach the pages, the API and the operations routes."""
    from app.api.common import IdConverter

    # Ids in page paths too: a number no row can have is a 404, never a database error.
    app.url_map.converters["id"] = IdConverter
    from app.accounts.github_views import bp as github_bp
    from app.accounts.views import bp as accounts_bp
    from app.admin.views import bp as admin_bp
    from app.api import bp as api_bp
    from app.api.openapi import docs_bp
    from app.extensions import csrf
    from app.feeds.views import bp as feeds_bp
    from app.imageproxy.views import bp as imageproxy_bp
    from app.live.ws import bp as realtime_bp
    from app.main.views import bp as main_bp
    from app.media.views import bp as media_bp
    from app.messaging.views import bp as messaging_bp
    from app.notifications.views import bp as notifications_bp
    from app.notifications.views import unsubscribe_bp
    from app.ops import bench_bp
    from app.ops import bp as ops_bp
    from app.posts.views import bp as posts_bp
    from app.pwa.views import bp as pwa_bp
    from app.safety.views import bp as safety_bp
    from app.search.views import bp as search_bp
    from app.social.views import bp as social_bp
    from app.spa import bp as spa_bp
    from app.tags.views import bp as tags_bp
    from app.yourdata.views import bp as yourdata_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(posts_bp)
    app.register_blueprint(social_bp)
    app.register_blueprint(search_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(unsubscribe_bp)
    app.register_blueprint(tags_bp)
    app.register_blueprint(messaging_bp)
    app.register_blueprint(safety_bp)
    app.register_blueprint(media_bp)
    app.register_blueprint(realtime_bp)
    from app.live.ws import server_options

    server_options(app)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(github_bp)
    app.register_blueprint(yourdata_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(ops_bp)
    app.register_blueprint(docs_bp)
    app.register_blueprint(spa_bp)
    app.register_blueprint(imageproxy_bp)
    app.register_blueprint(pwa_bp)
    from app.ratelimits import apply_limits

    apply_limits(app)
    app.register_blueprint(admin_bp)
    if app.config.get("BENCH_ROUTES"):
        app.register_blueprint(bench_bp)
    # The API authenticates with bearer tokens, never cookies, so CSRF does not apply.
    csrf.exempt(api_bp)
    # The admin pages check CSRF themselves, after their role check: outsiders get 404, not 400.
    csrf.exempt(admin_bp)
    # One-click unsubscribe (RFC 8058): mail programs POST without a session; the signed token
    # in the address is the authority, and it can only turn optional mail off.
    csrf.exempt(unsubscribe_bp)


def register_hooks(app: Flask) -> None:
    """Attach error handlers, security headers, template helpers and the JSON reader."""
    from app.cards import register_card_helpers
    from app.dbrouting import register_replica_routing
    from app.errors import register_error_handlers
    from app.jsonread import JSONProvider
    from app.web import register_web_hooks
    from app.web_helpers import register_template_helpers

    register_error_handlers(app)
    register_replica_routing(app)
    register_web_hooks(app)
    register_template_helpers(app)
    register_card_helpers(app)
    # request.get_json() reads through it too: deep nesting is a 400, never a RecursionError.
    app.json = JSONProvider(app)


def register_commands(app: Flask) -> None:
    """Attach the ``flask`` CLI commands."""
    from app.cli import register_cli

    register_cli(app)
