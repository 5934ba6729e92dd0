"""Per-database connection settings."""

from __future__ import annotations

import contextlib

from sqlalchemy import event
from sqlalchemy.engine import Engine


def configure_sqlite(engine: Engine) -> None:
    """Turn on WAL, foreign keys and a busy timeout for every SQLite connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # pragma: no cover - trivial
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=15000")
        cursor.close()


def check_cooperative_psycopg() -> None:
    """Refuse to serve on gevent with a blocking psycopg (imported before gevent patched)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return
    if not monkey.is_module_patched("socket"):
        return
    import psycopg.waiting

    if psycopg.waiting.wait.__name__ == "wait_c":
        raise RuntimeError(
            "psycopg was imported before gevent patched the process, so every query would block "
            "the whole worker. Keep preload_app = False and import nothing of the app in "
            "gunicorn.conf.py."
        )


def release_session(_error: BaseException | None = None) -> None:
    """End the request's session; a connection the database dropped is discarded, not raised.

    A request can finish its work just as the server goes away: its ROLLBACK at teardown then
    fails after the response was made, and Flask-SQLAlchemy's own teardown would turn that into
    a 500 with a traceback. Registered after it, this runs first and leaves it nothing to do.
    """
    from app.errors import is_database_outage
    from app.extensions import db

    try:
        db.session.remove()
    except Exception as error:
        if not is_database_outage(error):
            raise
        with contextlib.suppress(Exception):
            db.session.invalidate()
        db.session.registry.clear()
