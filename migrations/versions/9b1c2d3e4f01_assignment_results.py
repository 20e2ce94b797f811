"""assignment results: each learner's attempts at each assignment, summed up for the results grid

One row per learner and assignment they started: how many attempts, whether one is in progress, how many were
graded, the earliest end of a graded one, the score each way of counting gives (highest, first, last,
average) with the attempt it comes from, and a random stamp drawn afresh at each write (indexed with the
assignment, so that a worker can tell from the index alone whether a class's grid it keeps is out of date). The attempts made before this revision are summed up here; later
ones as they start, close and are discarded.

Revision ID: 9b1c2d3e4f01
Revises: 8a1b2c3d4e52
Create Date: 2026-12-06 14:30:00.000000

"""
import datetime as dt
import secrets
import statistics
from collections import defaultdict

from alembic import context, op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = '9b1c2d3e4f01'
down_revision = '8a1b2c3d4e52'
branch_labels = None
depends_on = None

# The application's rules as they stood at this revision, copied here so that this migration runs the same
# however the application changes.
GRADED = ('finished', 'expired')
BATCH = 1000
STAMP_BITS = 40  # a million rows' stamps add up within a 64-bit integer


def upgrade():
    results = op.create_table('assignment_results',
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('in_progress', sa.Boolean(), nullable=False),
    sa.Column('graded', sa.Integer(), nullable=False),
    sa.Column('first_finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('highest_percent', sa.Float(), nullable=True),
    sa.Column('highest_attempt_id', sa.Integer(), nullable=True),
    sa.Column('first_percent', sa.Float(), nullable=True),
    sa.Column('first_attempt_id', sa.Integer(), nullable=True),
    sa.Column('last_percent', sa.Float(), nullable=True),
    sa.Column('last_attempt_id', sa.Integer(), nullable=True),
    sa.Column('average_percent', sa.Float(), nullable=True),
    sa.Column('stamp', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignments.id'], name=op.f('fk_assignment_results_assignment_id_assignments'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_assignment_results_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('assignment_id', 'user_id', name=op.f('pk_assignment_results'))
    )
    op.create_index('ix_assignment_results_user_id', 'assignment_results', ['user_id'], unique=False)
    op.create_index('ix_assignment_results_assignment_id_stamp', 'assignment_results', ['assignment_id', 'stamp'], unique=False)
    _sum_up_what_was_there(results)


def downgrade():
    op.drop_index('ix_assignment_results_assignment_id_stamp', table_name='assignment_results')
    op.drop_index('ix_assignment_results_user_id', table_name='assignment_results')
    op.drop_table('assignment_results')


# --- the backfill -----------------------------------------------------------------------------------------


def _utc(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _facts(taken):
    """The row of one learner's attempts (id, status, started_at, finished_at, percent) at one assignment."""
    done = sorted((t for t in taken if t[1] in GRADED), key=lambda t: (t[2], t[0]))
    ends = [t[3] for t in done if t[3] is not None]
    row = {
        'attempts': len(taken),
        'in_progress': any(t[1] == 'in_progress' for t in taken),
        'graded': len(done),
        # None with graded attempts: one has no end time, which is never late
        'first_finished_at': min(ends) if ends and len(ends) == len(done) else None,
        'highest_percent': None, 'highest_attempt_id': None, 'first_percent': None, 'first_attempt_id': None,
        'last_percent': None, 'last_attempt_id': None, 'average_percent': None,
    }
    if done:
        best = max(done, key=lambda t: (t[4] or 0.0, -t[2].timestamp()))
        row.update(
            highest_percent=best[4], highest_attempt_id=best[0],
            first_percent=done[0][4], first_attempt_id=done[0][0],
            last_percent=done[-1][4], last_attempt_id=done[-1][0],
            average_percent=statistics.fmean(t[4] or 0.0 for t in done),
        )
    return row


def _sum_up_what_was_there(results):
    if context.is_offline_mode():
        # No database to read from: a script made for an empty database needs nothing here.
        op.execute(
            "-- Attempts made before this revision are summed up only when upgrading online "
            "(flask db upgrade without --sql), or by flask classes rebuild-results"
        )
        return
    conn = op.get_bind()
    attempts = sa.Table(
        "attempts", sa.MetaData(),
        sa.Column("id", sa.Integer), sa.Column("user_id", sa.Integer), sa.Column("assignment_id", sa.Integer),
        sa.Column("status", sa.String), sa.Column("started_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)), sa.Column("percent", sa.Float),
    )
    found = defaultdict(list)
    for row in conn.execute(
        sa.select(attempts.c.assignment_id, attempts.c.user_id, attempts.c.id, attempts.c.status,
                  attempts.c.started_at, attempts.c.finished_at, attempts.c.percent)
        .where(attempts.c.assignment_id.is_not(None))
    ):
        attempt_id, status, started_at, finished_at, percent = row[2:]
        found[(row[0], row[1])].append((attempt_id, status, _utc(started_at), _utc(finished_at), percent))
    rows = [
        {'assignment_id': a, 'user_id': u, **_facts(t), 'stamp': secrets.randbits(STAMP_BITS)}
        for (a, u), t in sorted(found.items())
    ]
    for start in range(0, len(rows), BATCH):
        conn.execute(results.insert(), rows[start:start + BATCH])
