"""staged imports, background jobs, and restarting a card's memory

An uploaded bank is kept as a staged import (its bytes and the diff shown to the teacher) until it is
published or discarded; long work runs as a job whose progress and result pages read from ``jobs``. A card
whose question changed what is right has its memory restarted: ``cards.memory_reset_at`` says when.

Revision ID: 8a1b2c3d4e52
Revises: 8a1b2c3d4e51
Create Date: 2026-12-06 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a1b2c3d4e52'
down_revision = '8a1b2c3d4e51'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'staged_imports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('filename', sa.String(length=500), nullable=False),
        sa.Column('source_format', sa.String(length=16), nullable=True),
        sa.Column('source', sa.LargeBinary(), nullable=False),
        sa.Column('bank_slug', sa.String(length=64), nullable=True),
        sa.Column('base_version', sa.Integer(), nullable=True),
        sa.Column('report', sa.JSON(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_staged_imports_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_staged_imports')),
        sa.UniqueConstraint('token', name=op.f('uq_staged_imports_token')),
    )
    with op.batch_alter_table('staged_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staged_imports_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_staged_imports_user_id'), ['user_id'], unique=False)

    op.create_table(
        'jobs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('progress', sa.Integer(), nullable=False),
        sa.Column('total', sa.Integer(), nullable=False),
        sa.Column('step', sa.String(length=200), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('result', sa.JSON(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("status IN ('queued', 'running', 'done', 'failed')", name=op.f('ck_jobs_known_status')),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_jobs_user_id_users'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_jobs')),
    )
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_jobs_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.add_column(sa.Column('memory_reset_at', sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table('cards', schema=None) as batch_op:
        batch_op.drop_column('memory_reset_at')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_jobs_user_id'))
    op.drop_table('jobs')
    with op.batch_alter_table('staged_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staged_imports_user_id'))
        batch_op.drop_index(batch_op.f('ix_staged_imports_expires_at'))
    op.drop_table('staged_imports')
