"""posts time index covers author_id (PostgreSQL)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 15:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    # The home feed walks this index newest first keeping the followed authors: carrying
    # author_id lets it do so on the index alone (docs/performance.md). author_id never
    # changes, so updates of a post's counters stay HOT. SQLite has no INCLUDE.
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_posts_created_at_id", table_name="posts")
        op.create_index(
            "ix_posts_created_at_id", "posts", ["created_at", "id"],
            postgresql_include=["author_id"],
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_posts_created_at_id", table_name="posts")
        op.create_index("ix_posts_created_at_id", "posts", ["created_at", "id"])
