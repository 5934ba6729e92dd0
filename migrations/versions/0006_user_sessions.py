"""sessions: one server-side record per sign-in (browser or API), refresh tokens point at theirs

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00

The record replaces users.session_version: a cookie or a token now names its sign-in, and
deleting the record ends it, so the per-user version number has no use left.
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=True),
        sa.Column("remember", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("user_agent", sa.String(length=300), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=False),
        sa.CheckConstraint("kind IN ('browser', 'api')", name=op.f("ck_user_sessions_kind")),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_user_sessions_key_hash")),
    )
    # Listing a user's sign-ins newest first, and ending them all, both walk this index.
    op.create_index("ix_user_sessions_user_id", "user_sessions", ["user_id", "id"])

    # Existing tokens keep working: their session is created at their next rotation.
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_refresh_tokens_session_id_user_sessions"),
            "user_sessions",
            ["session_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_index("ix_refresh_tokens_session_id", ["session_id"])

    # Plain ALTER TABLE on both databases (SQLite >= 3.35): a batch copy of users on SQLite
    # would have to rebuild its expression indexes.
    op.drop_column("users", "session_version")


def downgrade():
    op.add_column(
        "users",
        sa.Column("session_version", sa.Integer(), nullable=False, server_default="1"),
    )
    with op.batch_alter_table("refresh_tokens", schema=None) as batch_op:
        batch_op.drop_index("ix_refresh_tokens_session_id")
        batch_op.drop_constraint(
            batch_op.f("fk_refresh_tokens_session_id_user_sessions"), type_="foreignkey"
        )
        batch_op.drop_column("session_id")
    op.drop_index("ix_user_sessions_user_id", table_name="user_sessions")
    op.drop_table("user_sessions")
