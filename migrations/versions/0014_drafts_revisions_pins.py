"""drafts, edit history and pinned posts

A draft is a post row with ``draft`` set (seen by its author alone); ``pinned_at`` pins a post to
the top of its author's profile; ``post_revisions`` keeps each body an edit replaced. The time
index carries ``draft`` on PostgreSQL, so the home feed's first pass stays on the index alone.

Revision ID: 0014_drafts_revisions_pins
Revises: 0013_search_rum
Create Date: 2026-11-30 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0014_drafts_revisions_pins"
down_revision = "0013_search_rum"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column(
        "posts", sa.Column("draft", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column("posts", sa.Column("pinned_at", sa.DateTime(), nullable=True))
    op.create_index(
        "ix_posts_drafts",
        "posts",
        ["author_id", "created_at", "id"],
        postgresql_where=sa.text("draft"),
        sqlite_where=sa.text("draft = 1"),
    )
    op.create_index(
        "ix_posts_pinned",
        "posts",
        ["author_id", "pinned_at"],
        postgresql_where=sa.text("pinned_at IS NOT NULL"),
        sqlite_where=sa.text("pinned_at IS NOT NULL"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_posts_created_at_id", table_name="posts")
        op.create_index(
            "ix_posts_created_at_id",
            "posts",
            ["created_at", "id"],
            postgresql_include=["author_id", "draft"],
        )
    op.create_table(
        "post_revisions",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "post_id", sa.Integer(), sa.ForeignKey("posts.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("edited_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_post_revisions_post_id_edited", "post_revisions", ["post_id", "edited_at", "id"]
    )


def downgrade():
    op.drop_index("ix_post_revisions_post_id_edited", table_name="post_revisions")
    op.drop_table("post_revisions")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_posts_created_at_id", table_name="posts")
        op.create_index(
            "ix_posts_created_at_id",
            "posts",
            ["created_at", "id"],
            postgresql_include=["author_id"],
        )
    op.drop_index("ix_posts_pinned", table_name="posts")
    op.drop_index("ix_posts_drafts", table_name="posts")
    with op.batch_alter_table("posts") as batch:
        batch.drop_column("pinned_at")
        batch.drop_column("draft")
