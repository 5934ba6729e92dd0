"""Migrations (Flask-Migrate and Alembic), bound only where they are used.

Importing Alembic costs a worker boot about a tenth of a second (bench/boot.py,
docs/performance.md) and a server never migrates, so ``create_app`` binds neither: ``flask db``
and ``app.extensions["migrate"]`` (read by ``flask_migrate.upgrade()`` and migrations/env.py)
bind Flask-Migrate on first use.
"""

from __future__ import annotations

from typing import Any

import click
from flask import Flask, current_app
from flask.cli import ScriptInfo

from app import paths
from app.extensions import db

DIRECTORY = paths.resource("migrations")


def bind_migrations(app: Flask) -> Any:
    """Bind Flask-Migrate to the app (once) and return its ``app.extensions["migrate"]``."""
    if isinstance(app.extensions.get("migrate"), _Unbound):
        from flask_migrate import Migrate

        # Replaces the stand-ins: the real config in extensions, the real group on app.cli.
        Migrate(app, db, directory=DIRECTORY, render_as_batch=True)
    return app.extensions["migrate"]


class _Unbound:
    """Stands in ``app.extensions["migrate"]`` until something reads it, then binds."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        return getattr(bind_migrations(self._app), name)


class _LazyDbGroup(click.Group):
    """``flask db``: listed in ``flask --help``, bound (Alembic imported) only when run."""

    def make_context(self, info_name: str | None, args: list[str], parent=None, **extra: Any):
        """Bind the migrations, then let Flask-Migrate's own group parse and run the command."""
        app = current_app._get_current_object() if current_app else None
        if app is None:
            app = parent.ensure_object(ScriptInfo).load_app()
        bind_migrations(app)
        from flask_migrate.cli import db as db_group

        return db_group.make_context(info_name, args, parent=parent, **extra)


def register_migrations(app: Flask) -> None:
    """Put the stand-ins in place: ``flask db`` and ``app.extensions["migrate"]``."""
    app.extensions["migrate"] = _Unbound(app)
    app.cli.add_command(_LazyDbGroup("db", help="Perform database migrations."))
