"""Usernames and emails compare by one folded key, the same on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.accounts.models import User
from app.accounts.rules import identity_key
from app.extensions import db
from tests.conftest import DATABASE_URL, PASSWORD, Auth, make_user

# "fullwidth@example.com" with its first four letters in fullwidth forms (U+FF46...).
WIDE = "\uff46\uff55\uff4c\uff4cwidth@example.com"
BACKENDS = ["sqlite"] + (["postgresql"] if DATABASE_URL else [])


def register(api, username: str, email: str):
    body = {"username": username, "email": email, "password": PASSWORD}
    return api.call("POST", "/auth/register", body)


def test_the_key_folds_case_beyond_ascii_and_compatibility_forms():
    assert identity_key("ÄDÄx@example.com") == identity_key("ädäx@example.com")
    assert identity_key(WIDE) == "fullwidth@example.com"
    assert identity_key("Straße") == identity_key("STRASSE")
    assert identity_key("  Alice ") == "alice"


def test_non_ascii_case_variants_of_an_email_are_one_account(api, app):
    assert register(api, "umlaut_one", "ÄDÄx@example.com").status_code == 201
    taken = register(api, "umlaut_two", "ädäx@example.com")
    assert taken.status_code == 409
    assert "email" in taken.get_json()["error"]["fields"]
    with app.app_context():
        found = select(User.username).where(User.email_key == identity_key("äDäX@example.com"))
        assert list(db.session.scalars(found)) == ["umlaut_one"]
    # Either spelling signs in to the one account.
    for login in ("ÄDÄx@example.com", "ädäx@example.com", "äDäX@EXAMPLE.COM"):
        signed_in = api.call("POST", "/auth/login", {"login": login, "password": PASSWORD})
        assert signed_in.status_code == 200
        assert signed_in.get_json()["user"]["username"] == "umlaut_one"


def test_compatibility_forms_of_an_email_are_one_account(api):
    assert register(api, "wide_one", WIDE).status_code == 201
    assert register(api, "wide_two", "fullwidth@example.com").status_code == 409
    signed_in = api.call(
        "POST", "/auth/login", {"login": "FULLWIDTH@example.com", "password": PASSWORD}
    )
    assert signed_in.status_code == 200
    assert signed_in.get_json()["user"]["username"] == "wide_one"


def test_the_page_sign_in_uses_the_key_too(app, client):
    make_user(app, "umlaut", email="ÄDÄx@example.com")
    auth = Auth(client)
    assert auth.login("ädäx@example.com").status_code == 303


def test_every_write_keeps_the_keys(app):
    user_id = make_user(app, "Mixed_Case", email="Ünïcode@Example.com")
    with app.app_context():
        user = db.session.get(User, user_id)
        assert (user.username_key, user.email_key) == ("mixed_case", "ünïcode@example.com")
        user.username = "Renamed"
        db.session.commit()
        assert db.session.get(User, user_id).username_key == "renamed"


def test_the_unique_indexes_refuse_a_second_key(app):
    from sqlalchemy.exc import IntegrityError

    make_user(app, "alice")
    with app.app_context():
        db.session.add(
            User(username="ALICE", email="ALICE@EXAMPLE.COM", password_hash="x", display_name="")
        )
        with pytest.raises(IntegrityError):
            db.session.commit()
        db.session.rollback()


def test_no_lower_expression_index_is_left_on_names_or_emails(app):
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            sql = "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'users'"
        else:
            sql = "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'users'"
        indexes = dict(db.session.execute(text(sql)).all())
    assert "uq_users_username_key" in indexes and "uq_users_email_key" in indexes
    assert "uq_users_username_lower" not in indexes and "uq_users_email_lower" not in indexes


# --- the migration ------------------------------------------------------------------------


def _admin_engine():
    return create_engine(
        make_url(DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )


@pytest.fixture(params=BACKENDS)
def scratch_url(request, tmp_path: Path) -> Iterator[str]:
    """Give the test an empty database of its own on this run's engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/migrate.sqlite"
        return
    name = make_url(DATABASE_URL).database + "_keys"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(DATABASE_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _insert_old_users(rows: list[tuple[str, str]]) -> None:
    """Write users the way revision 0005 stored them: no keys."""
    for username, email in rows:
        db.session.execute(
            text(
                "INSERT INTO users (username, email, password_hash, display_name, bio, location,"
                " website, avatar_url, role, suspended, dm_policy, session_version,"
                " followers_count, following_count, posts_count, created_at)"
                " VALUES (:u, :e, 'x', '', '', '', '', '', 'user', false, 'everyone', 1,"
                " 0, 0, 0, CURRENT_TIMESTAMP)"
            ),
            {"u": username, "e": email},
        )
    db.session.commit()


def test_the_migration_fills_the_keys_of_existing_accounts(other_app, scratch_url, monkeypatch):
    app = other_app(SQLALCHEMY_DATABASE_URI=scratch_url)
    with app.app_context():
        upgrade(revision="0005")
        _insert_old_users([("Ada", "Ada@Example.com"), ("grace", "ÄDÄx@example.com")])
        # Small batches, so the batching itself is exercised.
        monkeypatch.setenv("IDENTITY_KEYS_BATCH", "1")
        upgrade(revision="0007_identity_keys")
        rows = db.session.execute(
            select(User.username, User.username_key, User.email_key).order_by(User.id)
        ).all()
        assert rows == [("Ada", "ada", "ada@example.com"), ("grace", "grace", "ädäx@example.com")]
        db.session.remove()
        db.engine.dispose()


def test_the_migration_names_the_accounts_that_collide(other_app, scratch_url, caplog):
    app = other_app(SQLALCHEMY_DATABASE_URI=scratch_url)
    with app.app_context():
        upgrade(revision="0005")
        # lower() let these two in (it does not fold compatibility forms): the keys cannot.
        _insert_old_users([("wide_one", WIDE), ("wide_two", "fullwidth@example.com")])
        # Flask-Migrate logs the error and exits, as `flask db upgrade` does.
        with pytest.raises(SystemExit):
            upgrade(revision="0007_identity_keys")
        assert re.search(r"#1 wide_one .*, #2 wide_two ", caplog.text)
        db.session.remove()
        # Nothing was changed: the accounts can be fixed and the upgrade run again.
        db.session.execute(
            text("UPDATE users SET email = 'other@example.com' WHERE username = 'wide_two'")
        )
        db.session.commit()
        upgrade(revision="0007_identity_keys")
        keys = set(db.session.scalars(select(User.email_key)))
        assert keys == {"fullwidth@example.com", "other@example.com"}
        db.session.remove()
        db.engine.dispose()
