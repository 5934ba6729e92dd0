"""search ranked over every match: a RUM index on posts.search_vector (PostgreSQL)

RUM keeps each word's positions and weights in its posting lists, so it ranks every match
(ORDER BY search_vector <=> query) without reading the rows; it answers `@@` too, so it
replaces the GIN index. The extension is Debian's `postgresql-15-rum` (`make rum` installs it
on a local server) and CREATE EXTENSION needs a superuser: where either is missing the GIN
index stays, one log line says so, and search ranks only the newest matches
(app/search/queries.py, docs/search.md). Run `flask db downgrade 0012_media` then
`flask db upgrade` once the extension is available. SQLite keeps FTS5: nothing changes there.

Revision ID: 0013_search_rum
Revises: 0012_media
Create Date: 2026-11-30 11:00:00

"""

import logging

import sqlalchemy as sa
from alembic import op

revision = "0013_search_rum"
down_revision = "0012_media"
branch_labels = None
depends_on = None

log = logging.getLogger("alembic.runtime.migration")


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not _rum_extension(bind):
        log.warning(
            "RUM is not available on this PostgreSQL (install postgresql-15-rum: make rum): "
            "search keeps the GIN index and ranks only the newest matches."
        )
        return
    op.execute(
        "CREATE INDEX IF NOT EXISTS ix_posts_search_rum ON posts USING rum"
        " (search_vector rum_tsvector_ops)"
    )
    op.execute("DROP INDEX IF EXISTS ix_posts_search")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE INDEX IF NOT EXISTS ix_posts_search ON posts USING gin (search_vector)")
    op.execute("DROP INDEX IF EXISTS ix_posts_search_rum")


def _rum_extension(bind) -> bool:
    """Create the rum extension if this server has it and lets us; tell whether it is there."""
    installed = sa.text("SELECT 1 FROM pg_extension WHERE extname = 'rum'")
    if bind.scalar(installed):
        return True
    available = sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
    if not bind.scalar(available):
        return False
    # A savepoint: a refused CREATE EXTENSION (not a superuser) must not abort the migration.
    try:
        with bind.begin_nested():
            bind.execute(sa.text("CREATE EXTENSION rum"))
    except sa.exc.DBAPIError as error:
        log.warning("CREATE EXTENSION rum failed: %s", str(error.orig).strip())
        return False
    return True
