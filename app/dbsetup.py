"""Per-database connection settings."""

from __future__ import annotations

import contextlib
from datetime import timedelta

from flask import g, has_app_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

# Set on the request's ``g`` when a statement other than a SELECT ran since the last commit.
WROTE = "_database_wrote"


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


# A statement with this execution option is prepared on PostgreSQL at its first run:
# ``select(...).execution_options(**PREPARED)``. PostgreSQL then parses it once per connection
# and, after five runs, plans it once too when its generic plan costs no more than a custom one
# (plan_cache_mode auto). Mark only statements whose generic plan was checked: one that reads
# "newer than $1" cannot know the value is a minute ago (docs/performance.md, §11).
PREPARED = {"devthread_prepared": True}


# For a prepared statement that looks back to a time it is given: PostgreSQL plans it once,
# without the value, and a generic plan that cannot see "a minute ago" may probe each followed
# person's index instead of reading the newest rows from the time index (docs/feeds.md). The
# statement also says "and newer than this", which the planner does see; its caller must not
# use it to look back further than half of RECENT (the margin is for the two hosts' clocks).
RECENT = timedelta(minutes=10)
RECENT_SQL = "(now() AT TIME ZONE 'UTC') - interval '10 minutes'"


def prepare_marked_statements() -> None:
    """Prepare the statements marked PREPARED on PostgreSQL (every engine)."""
    if not event.contains(Engine, "do_execute", _execute_prepared):
        event.listen(Engine, "do_execute", _execute_prepared)


def _execute_prepared(cursor, statement: str, parameters, context) -> bool | None:
    if context.execution_options.get("devthread_prepared") and context.dialect.name == "postgresql":
        cursor.execute(statement, parameters, prepare=True)
        return True
    return None  # SQLAlchemy runs it as usual


def track_writes() -> None:
    """Note on the request's ``g`` whether its open transaction wrote anything (every engine)."""
    if not event.contains(Engine, "before_cursor_execute", _note_write):
        event.listen(Engine, "before_cursor_execute", _note_write)
        event.listen(Engine, "commit", _forget_writes)
        event.listen(Engine, "rollback", _forget_writes)


def _note_write(_conn, _cursor, statement: str, _parameters, _context, _executemany) -> None:
    # Conservative: anything but a plain SELECT (a CTE, a PRAGMA, DML) counts as a write.
    if not statement.startswith("SELECT") and has_app_context():
        setattr(g, WROTE, True)


def _forget_writes(_conn) -> None:
    if has_app_context():
        g.__dict__.pop(WROTE, None)


def release_session(_error: BaseException | None = None) -> None:
    """End the request's session; a connection the database dropped is discarded, not raised.

    A transaction that only read is committed, not rolled back: psycopg forgets its prepared
    statements on every ROLLBACK, so a read-only request ending in one made PostgreSQL parse and
    plan each of its statements anew on every request (docs/performance.md). One that wrote
    and was not committed, or that ended in an error, is rolled back as before.

    A request can finish its work just as the server goes away: its ROLLBACK at teardown then
    fails after the response was made, and Flask-SQLAlchemy's own teardown would turn that into
    a 500 with a traceback. Registered after it, this runs first and leaves it nothing to do.
    """
    from app.errors import is_database_outage
    from app.extensions import db

    try:
        if _error is None and db.session.registry.has() and not g.get(WROTE):
            session = db.session()
            if session.in_transaction() and not (session.new or session.dirty or session.deleted):
                # Nothing to expire: the objects it read stay readable, as after a rollback.
                expire, session.expire_on_commit = session.expire_on_commit, False
                try:
                    session.commit()
                except SQLAlchemyError:
                    # It cannot commit (the database went away during the request, which was
                    # answered 503): nothing was written, and the rollback below ends it.
                    pass
                finally:
                    session.expire_on_commit = expire
        db.session.remove()
    except Exception as error:
        if not is_database_outage(error):
            raise
        with contextlib.suppress(Exception):
            db.session.invalidate()
        db.session.registry.clear()
