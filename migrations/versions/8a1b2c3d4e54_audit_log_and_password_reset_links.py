"""audit log and password-reset links

The audit log keeps one row per privileged action; its actor and target accounts are set to NULL when those
accounts are deleted, while the actor's login stays as text. A password-reset link is stored as the SHA-256
digest of its token only.

Revision ID: 8a1b2c3d4e54
Revises: 7d0f4b3a5e44
Create Date: 2026-12-06 11:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a1b2c3d4e54'
down_revision = '7d0f4b3a5e44'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_name', sa.String(length=254), nullable=False),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('summary', sa.String(length=300), nullable=False),
    sa.Column('target_user_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_entries_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['target_user_id'], ['users.id'], name=op.f('fk_audit_entries_target_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index('ix_audit_entries_action_at', ['action', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_actor_id_at', ['actor_id', 'at'], unique=False)
        batch_op.create_index('ix_audit_entries_at_id', ['at', 'id'], unique=False)
        batch_op.create_index('ix_audit_entries_target_user_id_at', ['target_user_id', 'at'], unique=False)

    op.create_table('password_reset_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_digest', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_links_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_links')),
    sa.UniqueConstraint('token_digest', name=op.f('uq_password_reset_links_token_digest'))
    )
    with op.batch_alter_table('password_reset_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_links_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_password_reset_links_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('password_reset_links', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_links_user_id'))
        batch_op.drop_index(batch_op.f('ix_password_reset_links_expires_at'))

    op.drop_table('password_reset_links')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_entries_target_user_id_at')
        batch_op.drop_index('ix_audit_entries_at_id')
        batch_op.drop_index('ix_audit_entries_actor_id_at')
        batch_op.drop_index('ix_audit_entries_action_at')

    op.drop_table('audit_entries')
