"""safety and admin: blocks, mutes, reports, the admin audit log, removal notices

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 14:43:08.640490

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('admin_audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_username', sa.String(length=30), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_type', sa.String(length=20), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_admin_audit_log_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_admin_audit_log_target_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_audit_log'))
    )
    with op.batch_alter_table('admin_audit_log', schema=None) as batch_op:
        batch_op.create_index('ix_admin_audit_log_action', ['action', 'id'], unique=False)
        batch_op.create_index('ix_admin_audit_log_actor_id', ['actor_id', 'id'], unique=False)
        batch_op.create_index('ix_admin_audit_log_target', ['target_type', 'target_id', 'id'], unique=False)
        batch_op.create_index('ix_admin_audit_log_target_user_id', ['target_user_id', 'id'], unique=False)

    op.create_table('blocks',
    sa.Column('blocker_id', sa.Integer(), nullable=False),
    sa.Column('blocked_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('blocker_id <> blocked_id', name=op.f('ck_blocks_not_self')),
    sa.ForeignKeyConstraint(['blocked_id'], ['users.id'], name=op.f('fk_blocks_blocked_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['blocker_id'], ['users.id'], name=op.f('fk_blocks_blocker_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('blocker_id', 'blocked_id', name=op.f('pk_blocks'))
    )
    with op.batch_alter_table('blocks', schema=None) as batch_op:
        batch_op.create_index('ix_blocks_blocked_id', ['blocked_id', 'blocker_id'], unique=False)
        batch_op.create_index('ix_blocks_blocker_created', ['blocker_id', 'created_at', 'blocked_id'], unique=False)

    op.create_table('mutes',
    sa.Column('muter_id', sa.Integer(), nullable=False),
    sa.Column('muted_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('muter_id <> muted_id', name=op.f('ck_mutes_not_self')),
    sa.ForeignKeyConstraint(['muted_id'], ['users.id'], name=op.f('fk_mutes_muted_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['muter_id'], ['users.id'], name=op.f('fk_mutes_muter_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('muter_id', 'muted_id', name=op.f('pk_mutes'))
    )
    with op.batch_alter_table('mutes', schema=None) as batch_op:
        batch_op.create_index('ix_mutes_muter_created', ['muter_id', 'created_at', 'muted_id'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reporter_id', sa.Integer(), nullable=False),
    sa.Column('target_type', sa.String(length=10), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('target_user_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=False),
    sa.Column('note', sa.String(length=1000), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('resolved_at', sa.DateTime(), nullable=True),
    sa.Column('resolved_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("reason IN ('spam', 'abuse', 'off_topic', 'other')", name=op.f('ck_reports_reason')),
    sa.CheckConstraint("status IN ('open', 'dismissed', 'removed', 'suspended')", name=op.f('ck_reports_status')),
    sa.CheckConstraint("target_type IN ('post', 'comment', 'user')", name=op.f('ck_reports_target_type')),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reports_reporter_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resolved_by_id'], ['users.id'], name=op.f('fk_reports_resolved_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_reports_target_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index('ix_reports_status_target', ['status', 'target_type', 'target_id', 'id'], unique=False)
        batch_op.create_index('ix_reports_target_user_id', ['target_user_id', 'id'], unique=False)
        batch_op.create_index('uq_reports_open_once', ['reporter_id', 'target_type', 'target_id'], unique=True, postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.create_index('ix_comments_created_at', ['created_at'], unique=False)

    # Plain ALTER TABLE on both databases: a batch copy of notifications on SQLite would
    # have to rebuild its partial indexes.
    op.add_column('notifications', sa.Column('target_type', sa.String(length=20), nullable=True))
    op.add_column('notifications', sa.Column('reason', sa.Text(), nullable=True))

    with op.batch_alter_table('reactions', schema=None) as batch_op:
        batch_op.create_index('ix_reactions_created_at', ['created_at'], unique=False)

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.create_index('ix_users_created_at', ['created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_index('ix_users_created_at')

    with op.batch_alter_table('reactions', schema=None) as batch_op:
        batch_op.drop_index('ix_reactions_created_at')

    # SQLite 3.35+ drops an unindexed column in place, so no batch copy is needed.
    op.drop_column('notifications', 'reason')
    op.drop_column('notifications', 'target_type')

    with op.batch_alter_table('comments', schema=None) as batch_op:
        batch_op.drop_index('ix_comments_created_at')

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('uq_reports_open_once', postgresql_where=sa.text("status = 'open'"), sqlite_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_reports_target_user_id')
        batch_op.drop_index('ix_reports_status_target')

    op.drop_table('reports')
    with op.batch_alter_table('mutes', schema=None) as batch_op:
        batch_op.drop_index('ix_mutes_muter_created')

    op.drop_table('mutes')
    with op.batch_alter_table('blocks', schema=None) as batch_op:
        batch_op.drop_index('ix_blocks_blocker_created')
        batch_op.drop_index('ix_blocks_blocked_id')

    op.drop_table('blocks')
    with op.batch_alter_table('admin_audit_log', schema=None) as batch_op:
        batch_op.drop_index('ix_admin_audit_log_target_user_id')
        batch_op.drop_index('ix_admin_audit_log_target')
        batch_op.drop_index('ix_admin_audit_log_actor_id')
        batch_op.drop_index('ix_admin_audit_log_action')

    op.drop_table('admin_audit_log')
