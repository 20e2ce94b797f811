"""learner activity summaries: activity by learner day and all time, and closed attempts' parts

Reviews and answers written before this revision are counted here (later ones are counted as they are
written): each learner's reviews given while studying or imported, and their final quiz answers, by their
learner day, bank and set of tags; and every closed attempt's score by bank and set of tags.

Revision ID: 5a7c1e0d2b11
Revises: 85282d375d84
Create Date: 2026-12-06 08:38:24.652036

"""
import datetime as dt
import hashlib
import json
from collections import defaultdict
from zoneinfo import ZoneInfo

from alembic import context, op
import sqlalchemy as sa

# The application's rules as they stood at this revision, copied here so that this migration runs the same
# however the application changes.
COUNTS = (
    "reviews", "again", "hard", "good", "easy", "new", "learning", "young", "mature", "relearning",
    "young_pass", "young_fail", "mature_pass", "mature_fail", "review_ms", "answers", "answers_right", "answer_ms",
)
HOURS = tuple(f"hour_{h:02d}" for h in range(24))
BIG = ("review_ms", "answer_ms")
NEW, LEARNING, REVIEW, RELEARNING = 0, 1, 2, 3
MATURE_DAYS = 21
RATINGS = {1: "again", 2: "hard", 3: "good", 4: "easy"}
COUNTED_SOURCES = ("study", "import")

# revision identifiers, used by Alembic.
revision = '5a7c1e0d2b11'
down_revision = '85282d375d84'
branch_labels = None
depends_on = None


def _count_columns():
    return [sa.Column(name, sa.BigInteger() if name in BIG else sa.Integer(), nullable=False) for name in COUNTS + HOURS]


def upgrade():
    op.create_table('activity_days',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('tags_digest', sa.String(length=32), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    *_count_columns(),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_activity_days_bank_id_banks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_days_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'day', 'bank_id', 'tags_digest', name=op.f('pk_activity_days'))
    )
    op.create_table('activity_totals',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('tags_digest', sa.String(length=32), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    *_count_columns(),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_activity_totals_bank_id_banks'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_activity_totals_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'bank_id', 'tags_digest', name=op.f('pk_activity_totals'))
    )
    op.create_table('attempt_parts',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('bank_id', sa.Integer(), nullable=False),
    sa.Column('tags_digest', sa.String(length=32), nullable=False),
    sa.Column('tags', sa.Text(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.Column('questions', sa.Integer(), nullable=False),
    sa.Column('questions_right', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_parts_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['bank_id'], ['banks.id'], name=op.f('fk_attempt_parts_bank_id_banks'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attempt_id', 'bank_id', 'tags_digest', name=op.f('pk_attempt_parts'))
    )
    _count_what_was_there()


def downgrade():
    op.drop_table('attempt_parts')
    op.drop_table('activity_totals')
    op.drop_table('activity_days')


# --- the backfill -----------------------------------------------------------------------------------------


def _json(value):
    return json.loads(value) if isinstance(value, str) else value  # PostgreSQL's driver decodes JSON itself


def _utc(value):
    if value is None:
        return None
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value.replace(tzinfo=dt.timezone.utc) if value.tzinfo is None else value.astimezone(dt.timezone.utc)


def _tag_key(tags):
    unique = sorted(set(tags or ()))
    return f"|{'|'.join(unique)}|" if unique else ""


def _digest(key):
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def _local(moment, zone, hour):
    """(learner day, local hour) of a moment, for a learner whose day starts at ``hour`` in ``zone``."""
    local = moment.astimezone(zone)
    return (local - dt.timedelta(hours=hour)).date(), local.hour


def _review_counts(reviewed_at, rating, state_before, before, duration_ms, zone, hour):
    day, clock = _local(reviewed_at, zone, hour)
    add = {"reviews": 1, RATINGS[rating]: 1, "review_ms": duration_ms or 0, HOURS[clock]: 1}
    last = due = None
    if before:
        last, due = _utc(before.get("last_review")), _utc(before.get("due"))
    mature = last is not None and due is not None and (due - last).total_seconds() / 86400 >= MATURE_DAYS
    if state_before == NEW:
        add["new"] = add["learning"] = 1
    elif state_before == LEARNING:
        add["learning"] = 1
    elif state_before == RELEARNING:
        add["relearning"] = 1
    else:
        add["mature" if mature else "young"] = 1
    if state_before != NEW and last is not None and (day - _local(last, zone, hour)[0]).days >= 1:
        add[f"{'mature' if mature else 'young'}_{'fail' if rating == 1 else 'pass'}"] = 1
    return day, add


def _count_what_was_there():
    if context.is_offline_mode():
        # No database to read from: a script made for an empty database needs nothing here.
        op.execute(
            "-- Reviews and answers written before this revision are counted only when upgrading online "
            "(flask db upgrade without --sql)"
        )
        return
    conn = op.get_bind()
    meta = sa.MetaData()
    settings = sa.Table(
        "scheduler_settings", meta,
        sa.Column("user_id", sa.Integer), sa.Column("timezone", sa.String), sa.Column("day_starts_at_hour", sa.Integer),
    )
    reviews = sa.Table(
        "reviews", meta,
        sa.Column("user_id", sa.Integer), sa.Column("card_id", sa.Integer), sa.Column("rating", sa.Integer),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)), sa.Column("duration_ms", sa.Integer),
        sa.Column("state_before", sa.Integer), sa.Column("before", sa.JSON), sa.Column("source", sa.String),
    )
    cards = sa.Table("cards", meta, sa.Column("id", sa.Integer), sa.Column("bank_id", sa.Integer),
                     sa.Column("question_id", sa.Integer))
    questions = sa.Table("questions", meta, sa.Column("id", sa.Integer), sa.Column("bank_id", sa.Integer),
                         sa.Column("data", sa.Text))
    revisions = sa.Table("question_revisions", meta, sa.Column("id", sa.Integer), sa.Column("question_id", sa.Integer),
                         sa.Column("data", sa.Text))
    attempts = sa.Table(
        "attempts", meta,
        sa.Column("id", sa.Integer), sa.Column("user_id", sa.Integer), sa.Column("mode", sa.String),
        sa.Column("status", sa.String), sa.Column("question_revision_ids", sa.JSON),
    )
    answers = sa.Table(
        "answers", meta,
        sa.Column("attempt_id", sa.Integer), sa.Column("user_id", sa.Integer), sa.Column("position", sa.Integer),
        sa.Column("question_id", sa.Integer), sa.Column("question_revision_id", sa.Integer),
        sa.Column("points", sa.Float), sa.Column("correct", sa.Boolean),
        sa.Column("answered_at", sa.DateTime(timezone=True)), sa.Column("time_spent_ms", sa.Integer),
    )
    days = sa.table("activity_days", *(sa.column(c) for c in ("user_id", "day", "bank_id", "tags_digest", "tags") + COUNTS + HOURS))
    totals = sa.table("activity_totals", *(sa.column(c) for c in ("user_id", "bank_id", "tags_digest", "tags") + COUNTS + HOURS))
    parts = sa.table("attempt_parts", *(sa.column(c) for c in ("attempt_id", "bank_id", "tags_digest", "tags", "score",
                                                                   "max_score", "questions", "questions_right")))

    learner = {
        user_id: (ZoneInfo(tz), hour) for user_id, tz, hour in conn.execute(sa.select(settings))
    }
    default = (ZoneInfo("UTC"), 4)
    question_tags = {qid: (bank_id, _tag_key(_json(data).get("tags"))) for qid, bank_id, data in conn.execute(sa.select(questions))}
    revision_content, revision_question = {}, {}
    for rid, qid, data in conn.execute(sa.select(revisions)):
        revision_content[rid], revision_question[rid] = _json(data), qid
    card_key = {cid: question_tags[qid] for cid, _bank, qid in conn.execute(sa.select(cards))}

    by_day = defaultdict(lambda: defaultdict(int))
    for user_id, card_id, rating, reviewed_at, duration_ms, state_before, before, _source in conn.execute(
        sa.select(reviews).where(reviews.c.source.in_(COUNTED_SOURCES))
    ):
        zone, hour = learner.get(user_id, default)
        day, add = _review_counts(_utc(reviewed_at), rating, state_before, _json(before), duration_ms, zone, hour)
        bank_id, tags = card_key[card_id]
        row = by_day[(user_id, day, bank_id, tags)]
        for name, value in add.items():
            row[name] += value

    attempt_rows = {a.id: a for a in conn.execute(sa.select(attempts))}
    answered = defaultdict(dict)
    for a in conn.execute(sa.select(answers)):
        attempt = attempt_rows[a.attempt_id]
        answered[a.attempt_id][a.position] = a
        if attempt.mode == "exam" and attempt.status not in ("finished", "expired"):
            continue  # an exam's answers count once it is closed
        zone, hour = learner.get(a.user_id, default)
        day, _clock = _local(_utc(a.answered_at), zone, hour)
        bank_id = question_tags[a.question_id][0]
        row = by_day[(a.user_id, day, bank_id, _tag_key(revision_content[a.question_revision_id].get("tags")))]
        row["answers"] += 1
        row["answers_right"] += 1 if a.correct else 0
        row["answer_ms"] += a.time_spent_ms or 0

    def counts(values):
        return {name: int(values.get(name, 0)) for name in COUNTS + HOURS}

    by_total = defaultdict(lambda: defaultdict(int))
    for (user_id, _day, bank_id, tags), values in by_day.items():
        row = by_total[(user_id, bank_id, tags)]
        for name, value in values.items():
            row[name] += value
    day_rows = [
        {"user_id": u, "day": d, "bank_id": b, "tags_digest": _digest(t), "tags": t, **counts(v)}
        for (u, d, b, t), v in sorted(by_day.items())
    ]
    total_rows = [
        {"user_id": u, "bank_id": b, "tags_digest": _digest(t), "tags": t, **counts(v)}
        for (u, b, t), v in sorted(by_total.items())
    ]

    part_sums = defaultdict(lambda: [0.0, 0.0, 0, 0])
    for attempt in attempt_rows.values():
        if attempt.status not in ("finished", "expired"):
            continue
        for position, rid in enumerate(_json(attempt.question_revision_ids), start=1):
            content = revision_content[rid]
            answer = answered[attempt.id].get(position)
            bank_id = question_tags[revision_question[rid]][0]
            s = part_sums[(attempt.id, bank_id, _tag_key(content.get("tags")))]
            s[0] += answer.points if answer is not None else 0.0
            s[1] += float(content.get("points", 1))
            s[2] += 1
            s[3] += 1 if answer is not None and answer.correct else 0
    part_rows = [
        {"attempt_id": a, "bank_id": b, "tags_digest": _digest(t), "tags": t, "score": s[0], "max_score": s[1],
         "questions": s[2], "questions_right": s[3]}
        for (a, b, t), s in sorted(part_sums.items())
    ]
    for table, rows in ((days, day_rows), (totals, total_rows), (parts, part_rows)):
        for start in range(0, len(rows), 1000):
            op.bulk_insert(table, rows[start : start + 1000])

