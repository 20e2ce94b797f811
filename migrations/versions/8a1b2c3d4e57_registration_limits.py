"""registration limits: one row per registration attempt, by client address (as a digest)

Revision ID: 8a1b2c3d4e57
Revises: 7d0f4b3a5e44
Create Date: 2026-12-06 11:20:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '8a1b2c3d4e57'
down_revision = '7d0f4b3a5e44'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('registration_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('address_key', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_attempts'))
    )
    with op.batch_alter_table('registration_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_attempts_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_registration_attempts_address_key_created_at', ['address_key', 'created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('registration_attempts', schema=None) as batch_op:
        batch_op.drop_index('ix_registration_attempts_address_key_created_at')
        batch_op.drop_index(batch_op.f('ix_registration_attempts_created_at'))

    op.drop_table('registration_attempts')
