"""discarded attempts

A learner may discard an attempt in progress: the attempts' status may now be 'discarded'.

Revision ID: 6c9e3a2f4d33
Revises: 5a7c1e0d2b11
Create Date: 2026-11-27 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '6c9e3a2f4d33'
down_revision = '5a7c1e0d2b11'
branch_labels = None
depends_on = None

OLD = "status IN ('in_progress', 'finished', 'expired')"
NEW = "status IN ('in_progress', 'finished', 'expired', 'discarded')"


def upgrade():
    _status_check(NEW)


def downgrade():
    # A discarded attempt had not been finished: it goes back to being in progress.
    op.execute("UPDATE attempts SET status = 'in_progress', finished_at = NULL WHERE status = 'discarded'")
    _status_check(OLD)


def _status_check(condition):
    """Make ``condition`` the attempts' status check.

    PostgreSQL alters the constraint in place. SQLite cannot, so batch mode copies the table with the new
    check (the table is written out below, which also lets ``db upgrade --sql`` work without reading the
    database) and drops the old one: env.py turns SQLite's foreign keys off meanwhile, or dropping it would
    delete every row that references an attempt ON DELETE CASCADE (its answers, for one).
    """
    if op.get_context().dialect.name != "sqlite":
        op.drop_constraint(op.f('ck_attempts_known_status'), 'attempts', type_='check')
        op.create_check_constraint(op.f('ck_attempts_known_status'), 'attempts', condition)
        return
    with op.batch_alter_table('attempts', copy_from=_attempts(condition), recreate='always'):
        pass


def _attempts(condition):
    """The attempts table as revision 85282d375d84 made it (unchanged since), with ``condition`` as its status check."""
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
        sa.CheckConstraint("mode IN ('practice', 'exam')", name='ck_attempts_known_mode'),
        sa.CheckConstraint("source IN ('bank_quiz', 'custom', 'mistakes')", name='ck_attempts_known_source'),
        sa.CheckConstraint(condition, name='ck_attempts_known_status'),
        sa.ForeignKeyConstraint(['bank_version_id'], ['bank_versions.id'], name='fk_attempts_bank_version_id_bank_versions'),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name='fk_attempts_user_id_users', ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name='pk_attempts'),
        sa.Index('ix_attempts_bank_version_id', 'bank_version_id'),
        sa.Index('ix_attempts_user_id_started_at', 'user_id', 'started_at'),
        sa.Index('ix_attempts_user_id_status', 'user_id', 'status'),
    )
