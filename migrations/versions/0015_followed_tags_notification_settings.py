"""followed tags, notification settings and digests

`tag_follows` says who follows which tag (their posts join the home feed).
`notification_settings` holds, per person and notification type, whether it is shown on the site
and mailed (no row: shown, not mailed). `digest_settings` holds the digest's frequency and when
the last one was sent (no row: no digest).

Revision ID: 0015_tags_notify_settings
Revises: 0013_search_rum
Create Date: 2026-11-30 18:00:00

"""

import sqlalchemy as sa
from alembic import op

# Not the brief's "0015_followed_tags_notification_settings": alembic_version.version_num is a
# varchar(32), and PostgreSQL refuses the longer id (SQLite does not check the length).
revision = "0015_tags_notify_settings"
# Re-chained after the other branches of issue 15 when they merge.
down_revision = "0014_drafts_revisions_pins"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "tag_follows",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tag_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_tag_follows_user_id_users"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["tag_id"], ["tags.id"], name=op.f("fk_tag_follows_tag_id_tags"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", "tag_id", name=op.f("pk_tag_follows")),
    )
    op.create_index("ix_tag_follows_tag_id", "tag_follows", ["tag_id", "user_id"])
    op.create_table(
        "notification_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=20), nullable=False),
        sa.Column("web", sa.Boolean(), nullable=False),
        sa.Column("email", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notification_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "type", name=op.f("pk_notification_settings")),
    )
    op.create_table(
        "digest_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=10), nullable=False),
        sa.Column("last_digest_at", sa.DateTime(), nullable=True),
        sa.CheckConstraint(
            "digest IN ('off', 'daily', 'weekly')", name=op.f("ck_digest_settings_digest_choice")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_digest_settings_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_digest_settings")),
    )
    op.create_index(
        "ix_digest_settings_digest_user_id", "digest_settings", ["digest", "user_id"]
    )


def downgrade():
    op.drop_index("ix_digest_settings_digest_user_id", table_name="digest_settings")
    op.drop_table("digest_settings")
    op.drop_table("notification_settings")
    op.drop_index("ix_tag_follows_tag_id", table_name="tag_follows")
    op.drop_table("tag_follows")
