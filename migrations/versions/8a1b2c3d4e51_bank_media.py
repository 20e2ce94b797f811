"""bank media: images stored once by content, and which of them each bank version holds

Revision ID: 8a1b2c3d4e51
Revises: 7d0f4b3a5e44
Create Date: 2026-12-06 11:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '8a1b2c3d4e51'
down_revision = '7d0f4b3a5e44'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('media_files',
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('mime', sa.String(length=32), nullable=False),
    sa.Column('width', sa.Integer(), nullable=False),
    sa.Column('height', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('sha256', name=op.f('pk_media_files'))
    )
    op.create_table('bank_version_media',
    sa.Column('bank_version_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=300), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['bank_version_id'], ['bank_versions.id'], name=op.f('fk_bank_version_media_bank_version_id_bank_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sha256'], ['media_files.sha256'], name=op.f('fk_bank_version_media_sha256_media_files')),
    sa.PrimaryKeyConstraint('bank_version_id', 'name', name=op.f('pk_bank_version_media'))
    )
    with op.batch_alter_table('bank_version_media', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bank_version_media_sha256'), ['sha256'], unique=False)


def downgrade():
    with op.batch_alter_table('bank_version_media', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bank_version_media_sha256'))

    op.drop_table('bank_version_media')
    op.drop_table('media_files')
