"""locale and time zone per account: the pages' and mails' language and clock

``locale`` is one of the supported languages (app/i18n.py: en, de, es) and ``time_zone`` an IANA
name (Europe/Berlin); NULL means "not chosen": the browser's Accept-Language and its ``tz``
cookie decide, else English and UTC.

Revision ID: 0016_locale_time_zone
Revises: 0013_search_rum
Create Date: 2026-11-30 18:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "0016_locale_time_zone"
down_revision = "0015_tags_notify_settings"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("time_zone", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("time_zone")
        batch_op.drop_column("locale")
