"""oauth identities: GitHub accounts that sign a user in (Sign in with GitHub)

One row per outside account, unique per provider and provider id, and one per provider per
user. A user made through GitHub has no password: its password_hash is the empty string (the
column stays NOT NULL; on SQLite changing that would mean copying `users`, see 0007).

Revision ID: 0009_oauth_identities
Revises: 0008_two_factor
Create Date: 2026-12-02 09:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0009_oauth_identities"
down_revision = "0008_two_factor"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "oauth_identities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=20), nullable=False),
        sa.Column("provider_user_id", sa.String(length=64), nullable=False),
        sa.Column("provider_login", sa.String(length=100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_oauth_identities_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_oauth_identities")),
    )
    op.create_index(
        "uq_oauth_identities_provider_user",
        "oauth_identities",
        ["provider", "provider_user_id"],
        unique=True,
    )
    op.create_index(
        "uq_oauth_identities_user_provider",
        "oauth_identities",
        ["user_id", "provider"],
        unique=True,
    )


def downgrade():
    op.drop_index("uq_oauth_identities_user_provider", table_name="oauth_identities")
    op.drop_index("uq_oauth_identities_provider_user", table_name="oauth_identities")
    op.drop_table("oauth_identities")
