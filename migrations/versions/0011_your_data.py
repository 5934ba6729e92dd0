"""your data: data exports, and account deletion (grace period, erasure, tombstone)

`data_exports` holds each export request and the name of its zip under EXPORT_DIR. `users`
gains the deletion request's time, when it is due (ACCOUNT_DELETION_GRACE_DAYS later) and when
the account was erased (the row is then a tombstone without personal data).

Revision ID: 0011_your_data
Revises: 0010_account_recovery
Create Date: 2026-11-30 08:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0011_your_data"
# Re-chained after 0010 (password reset, email verification) when the branches merge.
down_revision = "0010_account_recovery"
branch_labels = None
depends_on = None

DUE = "deletion_due_at IS NOT NULL AND erased_at IS NULL"


def upgrade():
    # Nullable columns only: SQLite adds them without copying the table.
    op.add_column("users", sa.Column("deletion_requested_at", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("deletion_due_at", sa.DateTime(), nullable=True))
    op.add_column("users", sa.Column("erased_at", sa.DateTime(), nullable=True))
    op.create_index(
        "ix_users_deletion_due_at",
        "users",
        ["deletion_due_at"],
        postgresql_where=sa.text(DUE),
        sqlite_where=sa.text(DUE),
    )
    op.create_table(
        "data_exports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("expires_at", sa.DateTime(), nullable=True),
        sa.Column("file_name", sa.String(length=64), nullable=True),
        sa.Column("size", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'ready', 'failed')", name=op.f("ck_data_exports_status")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_exports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
    )
    op.create_index("ix_data_exports_user_id_id", "data_exports", ["user_id", "id"])
    op.create_index("ix_data_exports_expires_at", "data_exports", ["expires_at"])


def downgrade():
    op.drop_index("ix_data_exports_expires_at", table_name="data_exports")
    op.drop_index("ix_data_exports_user_id_id", table_name="data_exports")
    op.drop_table("data_exports")
    op.drop_index("ix_users_deletion_due_at", table_name="users")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("erased_at")
        batch.drop_column("deletion_due_at")
        batch.drop_column("deletion_requested_at")
