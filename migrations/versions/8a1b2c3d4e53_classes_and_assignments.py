"""classes and assignments

Classes, their members (learners and teachers, kept after they leave or are removed), the work assigned to a
class, per-learner extensions, and attempts.assignment_id naming the assignment an attempt was taken for.

Revision ID: 8a1b2c3d4e53
Revises: 8a1b2c3d4e54
Create Date: 2026-12-06 11:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8a1b2c3d4e53'
down_revision = '8a1b2c3d4e54'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('classes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('join_code', sa.String(length=16), nullable=True),
    sa.Column('join_code_expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_classes_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classes')),
    sa.UniqueConstraint('join_code', name=op.f('uq_classes_join_code'))
    )
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_classes_created_by_id'), ['created_by_id'], unique=False)

    op.create_table('class_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('removed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('removed_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("role IN ('learner', 'teacher')", name=op.f('ck_class_members_known_role')),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_class_members_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_class_members_removed_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_class_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_class_members')),
    sa.UniqueConstraint('class_id', 'user_id', name=op.f('uq_class_members_class_id_user_id'))
    )
    with op.batch_alter_table('class_members', schema=None) as batch_op:
        batch_op.create_index('ix_class_members_user_id_removed_at', ['user_id', 'removed_at'], unique=False)

    op.create_table('assignments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('class_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('quiz', sa.JSON(), nullable=False),
    sa.Column('mode', sa.String(length=16), nullable=True),
    sa.Column('time_limit_minutes', sa.Integer(), nullable=True),
    sa.Column('opens_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('attempts_allowed', sa.Integer(), nullable=True),
    sa.Column('counting', sa.String(length=16), nullable=False),
    sa.Column('feedback', sa.String(length=16), nullable=False),
    sa.Column('late_accepted', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('bank_quiz', 'custom')", name=op.f('ck_assignments_known_source')),
    sa.CheckConstraint("counting IN ('highest', 'first', 'last', 'average')", name=op.f('ck_assignments_known_counting')),
    sa.CheckConstraint("feedback IN ('at_once', 'after_due', 'never')", name=op.f('ck_assignments_known_feedback')),
    sa.CheckConstraint('due_at > opens_at', name=op.f('ck_assignments_due_after_open')),
    sa.CheckConstraint('attempts_allowed IS NULL OR attempts_allowed >= 1', name=op.f('ck_assignments_attempts_positive')),
    sa.ForeignKeyConstraint(['class_id'], ['classes.id'], name=op.f('fk_assignments_class_id_classes'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_assignments_created_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignments'))
    )
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.create_index('ix_assignments_class_id_due_at', ['class_id', 'due_at'], unique=False)

    op.create_table('assignment_extensions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extra_minutes', sa.Integer(), nullable=False),
    sa.Column('extra_attempts', sa.Integer(), nullable=False),
    sa.Column('excused', sa.Boolean(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('extra_minutes >= 0', name=op.f('ck_assignment_extensions_extra_minutes_not_negative')),
    sa.CheckConstraint('extra_attempts >= 0', name=op.f('ck_assignment_extensions_extra_attempts_not_negative')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_extensions_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_assignment_extensions_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assignment_extensions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assignment_extensions')),
    sa.UniqueConstraint('assignment_id', 'user_id', name=op.f('uq_assignment_extensions_assignment_id_user_id'))
    )
    with op.batch_alter_table('assignment_extensions', schema=None) as batch_op:
        batch_op.create_index('ix_assignment_extensions_user_id', ['user_id'], unique=False)

    _attempts_with_assignment(add=True)


def downgrade():
    _attempts_with_assignment(add=False)
    with op.batch_alter_table('assignment_extensions', schema=None) as batch_op:
        batch_op.drop_index('ix_assignment_extensions_user_id')
    op.drop_table('assignment_extensions')
    with op.batch_alter_table('assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_assignments_class_id_due_at')
    op.drop_table('assignments')
    with op.batch_alter_table('class_members', schema=None) as batch_op:
        batch_op.drop_index('ix_class_members_user_id_removed_at')
    op.drop_table('class_members')
    with op.batch_alter_table('classes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_classes_created_by_id'))
    op.drop_table('classes')


def _attempts_with_assignment(add):
    """Add (or drop) attempts.assignment_id, its foreign key and its index.

    SQLite cannot add a named foreign key to a table in place: batch mode copies the table (written out below,
    so that ``db upgrade --sql`` works without reading the database) and drops the old one, with foreign keys
    off meanwhile (env.py), or dropping it would delete every answer ON DELETE CASCADE.
    """
    copy_from = _attempts(with_assignment=not add) if op.get_context().dialect.name == "sqlite" else None
    with op.batch_alter_table('attempts', copy_from=copy_from) as batch_op:
        if add:
            batch_op.add_column(sa.Column('assignment_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(
                batch_op.f('fk_attempts_assignment_id_assignments'), 'assignments', ['assignment_id'], ['id'],
                ondelete='SET NULL',
            )
            batch_op.create_index('ix_attempts_assignment_id_user_id', ['assignment_id', 'user_id'], unique=False)
        else:
            batch_op.drop_index('ix_attempts_assignment_id_user_id')
            batch_op.drop_constraint(batch_op.f('fk_attempts_assignment_id_assignments'), type_='foreignkey')
            batch_op.drop_column('assignment_id')


def _attempts(with_assignment):
    """The attempts table as revision 6c9e3a2f4d33 left it, with this revision's column if ``with_assignment``."""
    extra = []
    if with_assignment:
        extra = [
            sa.Column('assignment_id', sa.Integer(), nullable=True),
            sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name='fk_attempts_assignment_id_assignments', ondelete='SET NULL'),
            sa.Index('ix_attempts_assignment_id_user_id', 'assignment_id', 'user_id'),
        ]
    return sa.Table(
        'attempts',
        sa.MetaData(),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=16), nullable=False),
        sa.Column('title', sa.String(length=300), nullable=False),
        sa.Column('bank_version_id', sa.Integer(), nullable=True),
        sa.Column('quiz_key', sa.String(length=64), nullable=True),
        sa.Column('criteria', sa.JSON(), nullable=False),
        sa.Column('mode', sa.String(length=16), nullable=False),
        sa.Column('time_limit_seconds', sa.Integer(), nullable=True),
        sa.Column('seed', sa.Integer(), nullable=False),
        sa.Column('question_revision_ids', sa.JSON(), nullable=False),
        sa.Column('question_count', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('deadline', sa.DateTime(timezone=True), nullable=True),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('score', sa.Float(), nullable=False),
        sa.Column('max_score', sa.Float(), nullable=False),
        sa.Column('percent', sa.Float(), nullable=True),
        sa.Column('duration_seconds', sa.Integer(), nullable=True),
        *extra,
        sa.CheckConstraint("mode IN ('practice', 'exam')", name='ck_attempts_known_mode'),
        sa.CheckConstraint("source IN ('bank_quiz', 'custom', 'mistakes')", name='ck_attempts_known_source'),
        sa.CheckConstraint("status IN ('in_progress', 'finished', 'expired', 'discarded')", name='ck_attempts_known_status'),
        sa.ForeignKeyConstraint(['bank_version_id'], ['bank_versions.id'], name='fk_attempts_bank_version_id_bank_versions'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_attempts_user_id_users', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_attempts'),
        sa.Index('ix_attempts_bank_version_id', 'bank_version_id'),
        sa.Index('ix_attempts_user_id_started_at', 'user_id', 'started_at'),
        sa.Index('ix_attempts_user_id_status', 'user_id', 'status'),
    )
