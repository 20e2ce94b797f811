"""item analysis kept cheap: each closed attempt's marks in one row, and stored analyses

Every attempt closed (finished or expired) before this revision gets its marks row here, from its answers;
later ones get it as they close. Stored analyses start empty: each is computed when first asked for, or
ahead when an assignment's attempts close.

Revision ID: 9b1c2d3e4f02
Revises: 9b1c2d3e4f01
Create Date: 2026-12-06 14:20:00.000000

"""
import json

from alembic import context, op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b1c2d3e4f02'
down_revision = '9b1c2d3e4f01'
branch_labels = None
depends_on = None

# The application's rules as they stood at this revision, copied here so that this migration runs the same
# however the application changes.
CLOSED = ("finished", "expired")
BATCH = 500  # attempts read and written at a time


def upgrade():
    op.create_table(
        'attempt_marks',
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('marks', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_marks_attempt_id_attempts'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('attempt_id', name=op.f('pk_attempt_marks')),
    )
    op.create_table(
        'stored_analyses',
        sa.Column('scope', sa.String(length=64), nullable=False),
        sa.Column('state', sa.String(length=64), nullable=False),
        sa.Column('data', sa.Text(), nullable=False),
        sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('scope', name=op.f('pk_stored_analyses')),
    )
    _mark_what_was_there()


def downgrade():
    op.drop_table('stored_analyses')
    op.drop_table('attempt_marks')


# --- the backfill -----------------------------------------------------------------------------------------


def _json(value):
    return json.loads(value) if isinstance(value, str) else value  # PostgreSQL's driver decodes JSON itself


def _encode(question_count, answers):
    entries = [None] * question_count
    for position, points, correct, response in answers:
        text = json.dumps(_json(response), sort_keys=True, separators=(",", ":"))
        entries[position - 1] = [points, 1 if correct else 0, text]
    return json.dumps(entries, separators=(",", ":"))


def _mark_what_was_there():
    if context.is_offline_mode():
        # No database to read from: a script made for an empty database needs nothing here.
        op.execute(
            "-- Attempts closed before this revision get their marks only when upgrading online "
            "(flask db upgrade without --sql)"
        )
        return
    conn = op.get_bind()
    attempts = sa.table("attempts", sa.column("id"), sa.column("status"), sa.column("question_count"))
    answers = sa.table(
        "answers", sa.column("attempt_id"), sa.column("position"), sa.column("points"), sa.column("correct"),
        sa.column("response"),
    )
    marks = sa.table("attempt_marks", sa.column("attempt_id"), sa.column("marks"))
    closed = conn.execute(
        sa.select(attempts.c.id, attempts.c.question_count).where(attempts.c.status.in_(CLOSED)).order_by(attempts.c.id)
    ).all()
    for start in range(0, len(closed), BATCH):
        batch = dict(closed[start:start + BATCH])
        given = {attempt_id: [] for attempt_id in batch}
        for attempt_id, position, points, correct, response in conn.execute(
            sa.select(answers.c.attempt_id, answers.c.position, answers.c.points, answers.c.correct, answers.c.response)
            .where(answers.c.attempt_id.in_(list(batch)))
        ):
            given[attempt_id].append((position, points, bool(correct), response))
        conn.execute(
            marks.insert(),
            [{"attempt_id": a, "marks": _encode(count, given[a])} for a, count in batch.items()],
        )
