"""account recovery: single-use links by mail (password reset, email verification and change)

`account_links` keeps the SHA-256 of each link's token, its purpose, the address it was sent
to, its expiry and when it was spent. `users` gains `email_verified_at` and `pending_email`.

Existing accounts start unverified (NULL): nobody has proved their address yet, and with
REQUIRE_VERIFIED_EMAIL on they follow a link (the banner resends it) before writing again.
The demo's seeded people are made verified by the seed itself.

Revision ID: 0010_account_recovery
Revises: 0009_oauth_identities
Create Date: 2026-12-02 10:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0010_account_recovery"
down_revision = "0009_oauth_identities"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("email_verified_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("pending_email", sa.String(length=254), nullable=True))
    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=20), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "purpose IN ('password_reset', 'email_verify', 'email_change')",
            name=op.f("ck_account_links_purpose"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_account_links_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    op.create_index(
        "ix_account_links_user_purpose", "account_links", ["user_id", "purpose"], unique=False
    )


def downgrade():
    op.drop_index("ix_account_links_user_purpose", table_name="account_links")
    op.drop_table("account_links")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("pending_email")
        batch_op.drop_column("email_verified_at")
