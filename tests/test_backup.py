"""scripts/backup.sh and scripts/restore.sh bring a database back as it was, on this run's engine.

Each test works on a database of its own (a SQLite file, or a scratch PostgreSQL database next
to the test one), never on the database the other tests share.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from app.accounts.models import User
from app.extensions import db
from tests.conftest import DATABASE_URL, make_user

ROOT = Path(__file__).resolve().parent.parent
BACKENDS = ["sqlite"] + (["postgresql"] if DATABASE_URL else [])


def run_script(name: str, *args: str, database_url: str) -> subprocess.CompletedProcess:
    """Run one of the scripts against ``database_url`` and return what it did."""
    env = {**os.environ, "DATABASE_URL": database_url, "PYTHON": sys.executable}
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / name), *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, result.stderr
    return result


def _admin_engine():
    return create_engine(
        make_url(DATABASE_URL).set(database="postgres"), isolation_level="AUTOCOMMIT"
    )


@pytest.fixture(params=BACKENDS)
def scratch_url(request, tmp_path: Path) -> Iterator[str]:
    """Give the test an empty database of its own on this run's engine."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/live.sqlite"
        return
    for tool in ("pg_dump", "pg_restore"):
        if not shutil.which(tool):
            pytest.fail(f"{tool} is missing: install postgresql-client (make pgclient)")
    name = make_url(DATABASE_URL).database + "_backup"
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


def usernames(app: Flask) -> set[str]:
    """Return the usernames stored in the app's database."""
    with app.app_context():
        return set(db.session.scalars(select(User.username)))


def test_backup_then_restore_brings_the_data_back(other_app, scratch_url, tmp_path):
    app = other_app(SQLALCHEMY_DATABASE_URI=scratch_url)
    with app.app_context():
        upgrade()
    make_user(app, "kept")
    make_user(app, "renamed")
    backup = tmp_path / "devthread.backup"
    with app.app_context():
        # The app keeps a connection open meanwhile, as a running worker would.
        reader = db.engine.connect()
        reader.execute(text("SELECT count(*) FROM users")).scalar_one()
        out = run_script("backup.sh", str(backup), database_url=scratch_url)
        reader.close()
    assert out.stdout.strip().splitlines()[-1] == str(backup) and backup.stat().st_size > 0

    make_user(app, "added_later")
    with app.app_context():
        db.session.execute(text("UPDATE users SET username = 'changed' WHERE username = 'renamed'"))
        db.session.execute(text("DELETE FROM users WHERE username = 'kept'"))
        db.session.commit()
    assert usernames(app) == {"changed", "added_later"}

    run_script("restore.sh", "--yes", str(backup), database_url=scratch_url)
    # The same app, with its pooled connections, now reads the restored data.
    assert usernames(app) == {"kept", "renamed"}
    make_user(app, "after_restore")
    assert usernames(app) == {"kept", "renamed", "after_restore"}
    with app.app_context():
        db.engine.dispose()


def test_sqlite_restore_keeps_the_live_database_in_wal_mode(other_app, tmp_path):
    url = f"sqlite:///{tmp_path}/live.sqlite"
    app = other_app(SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        upgrade()
    make_user(app, "walker")
    backup = tmp_path / "copy.sqlite"
    run_script("backup.sh", str(backup), database_url=url)
    run_script("restore.sh", "--yes", str(backup), database_url=url)
    with app.app_context():
        assert db.session.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
        db.engine.dispose()
    assert not Path(f"{backup}-wal").exists()  # the backup is one self-contained file


def test_restore_refuses_without_yes_when_nobody_can_answer(tmp_path):
    backup = tmp_path / "some.backup"
    backup.write_bytes(b"x")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/live.sqlite"}
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "restore.sh"), str(backup)],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2 and "--yes" in result.stderr
    assert not (tmp_path / "live.sqlite").exists()


def test_backup_of_a_missing_sqlite_file_fails_without_creating_it(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/absent.sqlite"}
    result = subprocess.run(
        ["bash", str(ROOT / "scripts" / "backup.sh"), str(tmp_path / "out.sqlite")],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode != 0
    assert not (tmp_path / "absent.sqlite").exists() and not (tmp_path / "out.sqlite").exists()
