"""A read-only request commits, so PostgreSQL keeps its prepared statements between requests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import g
from sqlalchemy import event, func, select, text

from app.accounts import services
from app.accounts.models import User
from app.dbsetup import PREPARED, WROTE, release_session
from app.extensions import db
from tests.conftest import api_as, make_user


@pytest.fixture
def ends(app) -> Iterator[list[str]]:
    """Record how the engine's transactions end (commit or rollback) during the test."""
    seen: list[str] = []

    def committed(_conn) -> None:
        seen.append("commit")

    def rolled_back(_conn) -> None:
        seen.append("rollback")

    with app.app_context():
        engine = db.engine
    event.listen(engine, "commit", committed)
    event.listen(engine, "rollback", rolled_back)
    yield seen
    event.remove(engine, "commit", committed)
    event.remove(engine, "rollback", rolled_back)


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_a_request_that_only_read_commits(app, ends):
    make_user(app, "alice")
    ends.clear()
    with app.test_request_context():
        user = db.session.scalars(select(User)).one()
        release_session()
    assert ends == ["commit"]
    assert user.username == "alice"  # what it read stays readable: the commit expired nothing


def test_a_request_that_wrote_without_committing_is_rolled_back(app, ends):
    make_user(app, "alice")
    ends.clear()
    with app.test_request_context():
        db.session.execute(text("UPDATE users SET display_name = 'Not saved'"))
        assert g.get(WROTE)
        release_session()
    assert ends == ["rollback"]
    with app.app_context():
        assert db.session.scalar(select(User.display_name)) != "Not saved"


def test_a_write_committed_midway_lets_the_rest_of_the_request_commit(app, ends):
    with app.test_request_context():
        services.register_user(
            username="alice", email="a@example.com", password="long enough pass", verified=True
        )
        db.session.commit()
        assert not g.get(WROTE)
        db.session.execute(select(User.id)).all()
        release_session()
    assert ends == ["commit", "commit"]
    assert _users(app) == 1


def test_pending_changes_and_errors_are_rolled_back_not_committed(app):
    user_id = make_user(app, "alice", display_name="Alice")
    with app.test_request_context():
        db.session.get(User, user_id).display_name = "Changed but not saved"
        release_session()  # not flushed yet: a commit would have written it
    with app.test_request_context():
        db.session.get(User, user_id).display_name = "Changed, then the view failed"
        db.session.flush()
        release_session(RuntimeError("the view failed"))
    with app.app_context():
        assert db.session.get(User, user_id).display_name == "Alice"


def test_a_marked_statement_is_prepared_and_outlives_the_request(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return  # SQLite has no server-side prepared statements: the PostgreSQL run checks
    marked = select(User.id).where(User.id == 1).execution_options(**PREPARED)
    plain = select(User.username).where(User.id == 1)
    with app.test_request_context():
        for _ in range(12):
            db.session.execute(marked).all()
            db.session.execute(plain).all()
        names = db.session.scalars(text("SELECT statement FROM pg_prepared_statements")).all()
        connection = db.session.connection().connection.dbapi_connection
        release_session()
    assert any(name.startswith("SELECT users.id \nFROM users") for name in names), names
    assert not any("users.username" in name for name in names)  # run 12 times, not marked
    # The read-only request ended in COMMIT: psycopg forgot nothing (a ROLLBACK drops them all).
    kept = [key[0] for key in connection._prepared._names]
    assert any(query.startswith(b"SELECT users.id \nFROM users") for query in kept)


def test_a_read_whose_connection_died_ends_without_an_error(app):
    # The database went away during the request (answered 503 by the error handler): the
    # commit cannot happen, and the teardown must end the request quietly, not with a 500.
    with app.test_request_context():
        db.session.execute(select(User.id)).all()
        db.session.connection().invalidate()
        release_session()  # raised PendingRollbackError from the commit, a 500 to the client
    assert _users(app) == 0  # and the next request reads as usual


def test_the_pages_statements_need_no_rendering_step_on_each_run(app, client, auth):
    # An "expanding" IN or a literal_execute value makes SQLAlchemy write the statement's text
    # again on every run (a regex over all of it): the pages' statements must not need it.
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            return  # SQLite writes each id list into its text: the PostgreSQL run checks
        engine = db.engine
    bob = api_as(app, "bob")
    post = bob.call("POST", "/posts", {"body": "Planning a query #sql"}).get_json()
    alice = api_as(app, "alice")
    alice.call("PUT", f"/posts/{post['id']}/reactions/like")
    alice.call("PUT", "/users/bob/follow")
    bob.call("PUT", "/users/alice/follow")  # a notification for alice
    auth.login("alice")
    rendered_anew: list[str] = []

    def check(_conn, clause, _multi, _params, _options) -> None:
        if hasattr(clause, "compile") and "POSTCOMPILE" in str(
            clause.compile(dialect=engine.dialect)
        ):
            rendered_anew.append(str(clause)[:200])

    event.listen(engine, "before_execute", check)
    try:
        pages = [
            "/",
            f"/p/{post['id']}",
            "/u/bob",
            "/tags/sql",
            "/search?q=query",
            "/notifications",
        ]
        for path in pages:
            assert client.get(path).status_code == 200, path
    finally:
        event.remove(engine, "before_execute", check)
    assert rendered_anew == []
